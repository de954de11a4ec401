#include <zddc/core/byte_range.hpp>

#include <gtest/gtest.h>

namespace zddc::core {
namespace byte_range_test {

range_request
r(std::string_view h, std::uint64_t size = 1000)
{
  return parse_range(h, size);
}

TEST(byte_range, satisfiable_forms)
{
  EXPECT_EQ(r("bytes=0-499").range, (byte_range{0, 500}));
  EXPECT_EQ(r("bytes=500-999").range, (byte_range{500, 500}));
  EXPECT_EQ(r("bytes=500-").range, (byte_range{500, 500}));
  EXPECT_EQ(r("bytes=-100").range, (byte_range{900, 100}));
  EXPECT_EQ(r("bytes=-5000").range, (byte_range{0, 1000}));     // suffix longer than the file
  EXPECT_EQ(r("bytes=900-5000").range, (byte_range{900, 100})); // last clipped
  EXPECT_EQ(r("Bytes=1-1").range, (byte_range{1, 1}));
  EXPECT_EQ(r("bytes=0-0").kind, range_kind::partial);
}

TEST(byte_range, unsatisfiable_answers_416)
{
  EXPECT_EQ(r("bytes=1000-").kind, range_kind::unsatisfiable);
  EXPECT_EQ(r("bytes=2000-3000").kind, range_kind::unsatisfiable);
  EXPECT_EQ(r("bytes=-0").kind, range_kind::unsatisfiable);
  EXPECT_EQ(r("bytes=0-", 0).kind, range_kind::unsatisfiable);
  EXPECT_EQ(unsatisfied_content_range(1000), "bytes */1000");
}

TEST(byte_range, ignorable_headers_serve_the_whole_file)
{
  for(auto h : {"", "items=0-1", "bytes=", "bytes=a-b", "bytes=5-1", "bytes=0-1,5-6", "bytes=--1",
                "bytes=1", "bytes=99999999999999999999999-"}) {
    SCOPED_TRACE(h);
    EXPECT_EQ(r(h).kind, range_kind::whole);
  }
}

TEST(byte_range, content_range_header)
{
  EXPECT_EQ(content_range({0, 500}, 1000), "bytes 0-499/1000");
  EXPECT_EQ(content_range({999, 1}, 1000), "bytes 999-999/1000");
}

} // namespace
} // namespace zddc::core
