// Bodies backed by the Filesystem seam: a file sent from its start, never
// past the size it had when opened; a download appended to a temp file up
// to a cap.
#include <zddc/env/file_bodies.hpp>
#include <zddc/env/durable.hpp>
#include "../../support/values.hpp"

#include "sim/memory_filesystem.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace zddc::env {
namespace file_bodies_test {

using fs_type = sim::memory_filesystem;

core::store_path
p(std::string_view s)
{
  return test_support::path(s);
}

std::string
drain(body_source& source, std::size_t piece = 3)
{
  std::string out;
  std::array<std::byte, 64> buffer;
  for(;;) {
    auto n = source.read(std::span(buffer).first(piece));
    if(! n || *n == 0)
      return out;
    out.append(reinterpret_cast<const char*>(buffer.data()), *n);
  }
}

TEST(reader_source, sends_the_file_from_its_start_with_its_size)
{
  fs_type fs;
  fs.write_file_direct(p("a.txt"), "document bytes");
  reader_source source(*fs.open_read(p("a.txt")));
  EXPECT_EQ(source.size(), 14u);
  EXPECT_EQ(drain(source), "document bytes");
}

TEST(reader_source, a_file_replaced_after_opening_sends_what_was_opened)
{
  fs_type fs;
  fs.write_file_direct(p("a.txt"), "first");
  reader_source source(*fs.open_read(p("a.txt")));
  ASSERT_TRUE(atomic_replace(fs, p("a.txt"), std::string_view("second, longer version")));
  EXPECT_EQ(source.size(), 5u);
  EXPECT_EQ(drain(source), "first");
}

TEST(reader_source, a_file_that_grew_in_place_sends_no_more_than_its_opened_size)
{
  fs_type fs;
  fs.write_file_direct(p("a.txt"), "12345");
  reader_source source(*fs.open_read(p("a.txt")));
  fs.edit_in_place(p("a.txt"), "1234567890");
  EXPECT_EQ(drain(source).size(), 5u) << "the declared Content-Length holds";
}

TEST(writer_sink, appends_to_the_temp_file_up_to_its_cap)
{
  fs_type fs;
  ASSERT_FALSE(make_dirs(fs, p("spool")));
  auto temp = fs.create_temp(p("spool"));
  ASSERT_TRUE(temp);
  writer_sink sink(*temp, 8);
  auto const piece = [](std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); };
  EXPECT_FALSE(sink.write(piece("abcd")));
  EXPECT_FALSE(sink.write(piece("efgh")));
  EXPECT_EQ(sink.write(piece("i")), errc::too_large);
  EXPECT_EQ(sink.written(), 8u);
  auto const written = read_all(fs, temp->path(), 1 << 10);
  ASSERT_TRUE(written);
  EXPECT_EQ(*written, "abcdefgh");
}

} // namespace
} // namespace zddc::env
