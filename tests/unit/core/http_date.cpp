#include <zddc/core/http_date.hpp>

#include <gtest/gtest.h>

namespace zddc::core {
namespace http_date_test {

using namespace std::chrono;
const core::time_point rfc_example = core::time_point(sys_days(1994y / November / 6) + 8h + 49min + 37s);

TEST(http_date, parses_the_three_rfc_forms)
{
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), rfc_example);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), rfc_example);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), rfc_example);
}

TEST(http_date, formats_imf_fixdate_truncating_to_seconds)
{
  EXPECT_EQ(format_http_date(rfc_example + 999ms), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(format_http_date(core::time_point{}), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(format_http_date(core::time_point(sys_days(2262y / April / 11) + 23h)),
            "Fri, 11 Apr 2262 23:00:00 GMT");
  EXPECT_EQ(truncate_to_seconds(rfc_example + 123ns), rfc_example);
}

TEST(http_date, rfc850_years_pivot_at_1970)
{
  EXPECT_EQ(format_http_date(*parse_http_date("Thursday, 01-Jan-70 00:00:00 GMT")), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(format_http_date(*parse_http_date("Saturday, 01-Jan-39 00:00:00 GMT")), "Sat, 01 Jan 2039 00:00:00 GMT");
}

TEST(http_date, refuses_dates_a_time_point_cannot_hold)
{
  EXPECT_FALSE(parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT"));
  EXPECT_FALSE(parse_http_date("Mon, 01 Jan 1600 00:00:00 GMT"));
  EXPECT_TRUE(parse_http_date("Sat, 01 Jan 2000 00:00:00 GMT"));
}

TEST(http_date, rejects_everything_else)
{
  for(auto s : {"", "yesterday", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 UTC",
                "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 30 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
                "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT",
                "Sun, 06 Nov 1994 08:49:37 GMT ", "Sun, 06 Nov 94 08:49:37 GMT", "Sun Nov 6 08:49:37 94"}) {
    SCOPED_TRACE(s);
    EXPECT_FALSE(parse_http_date(s));
  }
}

} // namespace
} // namespace zddc::core
