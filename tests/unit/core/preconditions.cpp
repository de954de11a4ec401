// RFC 9110 §13.2.2, one row per branch. Each row names the step it covers.
#include <zddc/core/preconditions.hpp>

#include <gtest/gtest.h>

#include <cctype>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zddc::core {
namespace preconditions_test {

namespace http = boost::beast::http;
using outcome = precondition_outcome;
using std::chrono::seconds;
using std::chrono::milliseconds;

// 2026-01-01T00:00:00Z plus half a second: sub-second parts must not count.
const core::time_point mtime = core::time_point(seconds(1767225600)) + milliseconds(500);
const std::string at_mtime = "Thu, 01 Jan 2026 00:00:00 GMT";
const std::string before_mtime = "Wed, 31 Dec 2025 23:59:59 GMT";
const std::string after_mtime = "Thu, 01 Jan 2026 00:00:01 GMT";

representation_state
existing()
{
  return {true, entity_tag::strong("v1"), mtime};
}

representation_state
absent()
{
  return {false, std::nullopt, std::nullopt};
}

struct row {
  const char* what;
  http::verb method;
  std::vector<std::pair<http::field, std::string>> headers;
  representation_state state;
  outcome expected;
};

// A failing row prints as its description, not as the bytes of a struct.
void
PrintTo(const row& r, std::ostream* os)
{
  *os << r.what;
}

// `7_2_If_None_Match_weak_match_on_GET`: the row's index and description.
std::string
row_name(const ::testing::TestParamInfo<row>& info)
{
  std::string name = std::to_string(info.index) + "_";
  for(char c : std::string_view(info.param.what))
    if(std::isalnum(static_cast<unsigned char>(c)))
      name += c;
    else if(name.back() != '_')
      name += '_';
  while(name.back() == '_')
    name.pop_back();
  return name;
}

class precondition_table : public ::testing::TestWithParam<row> {};

TEST_P(precondition_table, evaluates_in_rfc_order)
{
  auto const& r = GetParam();
  http::fields f;
  for(auto const& [name, value] : r.headers)
    f.set(name, value);
  EXPECT_EQ(evaluate_preconditions(r.method, f, r.state), r.expected) << r.what;
}

using F = http::field;
const auto get = http::verb::get;
const auto head = http::verb::head;
const auto put = http::verb::put;
const auto del = http::verb::delete_;

INSTANTIATE_TEST_SUITE_P(rfc9110, precondition_table, ::testing::Values(
  row{"no conditions", put, {}, existing(), outcome::proceed},
  // Step 1: If-Match.
  row{"1: If-Match * on existing", put, {{F::if_match, "*"}}, existing(), outcome::proceed},
  row{"1: If-Match * on absent", put, {{F::if_match, "*"}}, absent(), outcome::failed},
  row{"1: If-Match strong match", put, {{F::if_match, "\"v1\""}}, existing(), outcome::proceed},
  row{"1: If-Match in a list", del, {{F::if_match, "\"v0\", \"v1\""}}, existing(), outcome::proceed},
  row{"1: If-Match mismatch", put, {{F::if_match, "\"v0\""}}, existing(), outcome::failed},
  row{"1: If-Match weak tag never matches", put, {{F::if_match, "W/\"v1\""}}, existing(), outcome::failed},
  row{"1: If-Match on absent", put, {{F::if_match, "\"v1\""}}, absent(), outcome::failed},
  row{"1: If-Match malformed", put, {{F::if_match, "v1"}}, existing(), outcome::malformed},
  row{"1: If-Match, a match then a bad element", put, {{F::if_match, "\"v1\", v2"}}, existing(), outcome::malformed},
  row{"1: If-Match, a space in a tag", put, {{F::if_match, "\"v 1\""}}, existing(), outcome::malformed},
  row{"1: If-Match, an empty list", put, {{F::if_match, " , "}}, existing(), outcome::malformed},
  row{"1: If-Match fails GET too", get, {{F::if_match, "\"v0\""}}, existing(), outcome::failed},
  // Step 2: If-Unmodified-Since, only without If-Match.
  row{"2: IUS later than mtime", put, {{F::if_unmodified_since, after_mtime}}, existing(), outcome::proceed},
  row{"2: IUS same second as mtime", put, {{F::if_unmodified_since, at_mtime}}, existing(), outcome::proceed},
  row{"2: IUS before mtime (the seed's bug 3)", put, {{F::if_unmodified_since, before_mtime}}, existing(), outcome::failed},
  row{"2: IUS before mtime on DELETE", del, {{F::if_unmodified_since, before_mtime}}, existing(), outcome::failed},
  row{"2: IUS ignored when If-Match present", put,
      {{F::if_match, "\"v1\""}, {F::if_unmodified_since, before_mtime}}, existing(), outcome::proceed},
  row{"2: IUS invalid date ignored", put, {{F::if_unmodified_since, "yesterday"}}, existing(), outcome::proceed},
  row{"2: IUS on absent target ignored", put, {{F::if_unmodified_since, before_mtime}}, absent(), outcome::proceed},
  // Step 3: If-None-Match.
  row{"3: INM * on absent (create only)", put, {{F::if_none_match, "*"}}, absent(), outcome::proceed},
  row{"3: INM * on existing PUT", put, {{F::if_none_match, "*"}}, existing(), outcome::failed},
  row{"3: INM * on existing GET", get, {{F::if_none_match, "*"}}, existing(), outcome::not_modified},
  row{"3: INM match GET", get, {{F::if_none_match, "\"v1\""}}, existing(), outcome::not_modified},
  row{"3: INM match HEAD", head, {{F::if_none_match, "\"v1\""}}, existing(), outcome::not_modified},
  row{"3: INM weak comparison", get, {{F::if_none_match, "W/\"v1\""}}, existing(), outcome::not_modified},
  row{"3: INM match PUT", put, {{F::if_none_match, "\"v0\", \"v1\""}}, existing(), outcome::failed},
  row{"3: INM mismatch", get, {{F::if_none_match, "\"v0\""}}, existing(), outcome::proceed},
  row{"3: INM, a match then a bad element", get, {{F::if_none_match, "\"v1\", \"v2"}}, existing(), outcome::malformed},
  row{"3: INM on a target without a tag", get, {{F::if_none_match, "\"v1\""}}, {true, std::nullopt, mtime},
      outcome::proceed},
  row{"3: INM malformed", put, {{F::if_none_match, "\"v1"}}, absent(), outcome::malformed},
  row{"1+3: If-Match holds, INM fails", put,
      {{F::if_match, "\"v1\""}, {F::if_none_match, "\"v1\""}}, existing(), outcome::failed},
  // Step 4: If-Modified-Since, GET/HEAD only, only without If-None-Match.
  row{"4: IMS not modified", get, {{F::if_modified_since, at_mtime}}, existing(), outcome::not_modified},
  row{"4: IMS later date", head, {{F::if_modified_since, after_mtime}}, existing(), outcome::not_modified},
  row{"4: IMS modified", get, {{F::if_modified_since, before_mtime}}, existing(), outcome::proceed},
  row{"4: IMS ignored with INM", get,
      {{F::if_none_match, "\"v0\""}, {F::if_modified_since, after_mtime}}, existing(), outcome::proceed},
  row{"4: IMS ignored for PUT", put, {{F::if_modified_since, after_mtime}}, existing(), outcome::proceed},
  row{"4: IMS invalid date ignored", get, {{F::if_modified_since, "soon"}}, existing(), outcome::proceed},
  row{"4: IMS on absent", get, {{F::if_modified_since, after_mtime}}, absent(), outcome::proceed}),
  row_name);

TEST(if_range, decides_whether_a_range_applies)
{
  auto holds = [](std::string value, representation_state s) {
    http::fields f;
    if(! value.empty())
      f.set(F::if_range, value);
    return if_range_holds(f, s);
  };
  EXPECT_TRUE(holds("", existing()));
  EXPECT_TRUE(holds("\"v1\"", existing()));
  EXPECT_FALSE(holds("\"v0\"", existing()));
  EXPECT_FALSE(holds("W/\"v1\"", existing())); // If-Range needs a strong match
  EXPECT_TRUE(holds(at_mtime, existing()));
  EXPECT_FALSE(holds(before_mtime, existing()));
  EXPECT_FALSE(holds("\"v1\"", absent()));
}

TEST(etag, parses_and_formats)
{
  auto strong = entity_tag::parse("\"abc\"");
  ASSERT_TRUE(strong);
  EXPECT_FALSE(strong->weak());
  EXPECT_EQ(strong->to_string(), "\"abc\"");
  auto weak = entity_tag::parse("W/\"abc\"");
  ASSERT_TRUE(weak);
  EXPECT_TRUE(weak->weak());
  EXPECT_EQ(weak->to_string(), "W/\"abc\"");
  EXPECT_FALSE(entity_tag::parse("abc"));
  EXPECT_FALSE(entity_tag::parse("\"a\"b\""));
  EXPECT_FALSE(entity_tag::strong("sp ace"));
  EXPECT_TRUE(weak_match(*strong, *weak));
  EXPECT_FALSE(strong_match(*strong, *weak));
}

TEST(etag, parses_condition_lists)
{
  auto any = parse_etag_condition(" * ");
  ASSERT_TRUE(any);
  EXPECT_TRUE(any->any);
  auto list = parse_etag_condition("\"a\", W/\"b\" ,,\"c,d\"");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->tags.size(), 3u);
  EXPECT_EQ(list->tags[2].opaque(), "c,d");
  EXPECT_FALSE(parse_etag_condition(""));
  EXPECT_FALSE(parse_etag_condition("\"a\" \"b\""));
  EXPECT_FALSE(parse_etag_condition("*, \"a\""));
}

} // namespace
} // namespace zddc::core
