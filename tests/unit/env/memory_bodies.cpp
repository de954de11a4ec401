// Bodies held in memory: a source hands out its bytes in the pieces asked
// for, a sink takes pieces up to its cap and refuses the one that passes it.
#include <zddc/env/memory_bodies.hpp>

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace zddc::env {
namespace memory_bodies_test {

std::span<const std::byte>
bytes_of(std::string_view s)
{
  return std::as_bytes(std::span(s.data(), s.size()));
}

TEST(string_source, hands_out_its_bytes_in_the_pieces_asked_for_then_zero)
{
  string_source source("hello, world");
  EXPECT_EQ(source.size(), 12u);
  std::array<std::byte, 5> piece;
  std::string got;
  for(;;) {
    auto n = source.read(piece);
    ASSERT_TRUE(n);
    if(*n == 0)
      break;
    got.append(reinterpret_cast<const char*>(piece.data()), *n);
  }
  EXPECT_EQ(got, "hello, world");
  EXPECT_EQ(*source.read(piece), 0u) << "still the end";
}

TEST(string_sink, takes_pieces_up_to_its_cap)
{
  string_sink sink(10);
  EXPECT_FALSE(sink.write(bytes_of("12345")));
  EXPECT_FALSE(sink.write(bytes_of("67890")));
  EXPECT_EQ(sink.bytes(), "1234567890");
  EXPECT_EQ(sink.write(bytes_of("x")), errc::too_large);
  EXPECT_EQ(sink.bytes(), "1234567890") << "the refused piece is not kept, not even in part";
  EXPECT_EQ(sink.take(), "1234567890");
}

TEST(string_sink, an_empty_piece_is_fine_even_when_full)
{
  string_sink sink(0);
  EXPECT_FALSE(sink.write({}));
  EXPECT_EQ(sink.write(bytes_of("a")), errc::too_large);
}

TEST(read_whole, pulls_every_piece_of_a_body)
{
  std::string const big(100 * 1024 + 7, 'b'); // more than one buffer
  string_source source(big);
  auto const got = read_whole(source);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, big);
}

} // namespace
} // namespace zddc::env
