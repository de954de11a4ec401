// The cache's pure decisions, one row per case.
#include <zddc/cache/decide.hpp>

#include <gtest/gtest.h>

#include <string>

namespace zddc::cache {
namespace {

namespace http = boost::beast::http;

struct replay_row {
  std::string name;
  replay_evidence evidence;
  replay_verdict expected;
};

std::ostream&
operator<<(std::ostream& os, const replay_row& r)
{
  return os << r.name;
}

constexpr std::string_view ours = "\"sha256-ours\"";
constexpr std::string_view theirs = "\"sha256-theirs\"";

class classify_replay_table : public ::testing::TestWithParam<replay_row> {};

TEST_P(classify_replay_table, gives_the_verdict_of_its_row)
{
  EXPECT_EQ(classify_replay(GetParam().evidence), GetParam().expected);
}

using v = replay_verdict;
auto const put = http::verb::put;
auto const del = http::verb::delete_;

INSTANTIATE_TEST_SUITE_P(
  rows, classify_replay_table,
  ::testing::Values(
    replay_row{"no_answer_waits", {put, std::nullopt, {}, ours}, v::deferred},
    replay_row{"created_is_applied", {put, 201, theirs, ours}, v::applied},
    replay_row{"replaced_is_applied", {put, 204, {}, ours}, v::applied},
    replay_row{"delete_done_is_applied", {del, 204, {}, {}}, v::applied},
    replay_row{"delete_of_nothing_is_applied", {del, 404, {}, {}}, v::applied},
    replay_row{"put_404_is_rejected", {put, 404, {}, ours}, v::rejected},
    replay_row{"412_with_our_own_tag_is_a_lost_acknowledgement", {put, 412, ours, ours}, v::applied},
    replay_row{"412_with_another_tag_is_a_conflict", {put, 412, theirs, ours}, v::conflict},
    replay_row{"412_without_a_tag_is_a_conflict", {put, 412, {}, ours}, v::conflict},
    replay_row{"delete_412_is_a_conflict_even_with_a_matching_tag", {del, 412, ours, ours}, v::conflict},
    replay_row{"401_is_the_caches_credentials_not_the_write", {put, 401, {}, ours}, v::unauthorized},
    replay_row{"403_outside_the_grant_is_rejected", {put, 403, {}, ours}, v::rejected},
    replay_row{"409_a_directory_in_the_way_is_rejected", {put, 409, {}, ours}, v::rejected},
    replay_row{"413_too_large_is_rejected", {put, 413, {}, ours}, v::rejected},
    replay_row{"400_is_rejected", {del, 400, {}, {}}, v::rejected},
    replay_row{"408_waits", {put, 408, {}, ours}, v::deferred},
    replay_row{"429_waits", {put, 429, {}, ours}, v::deferred},
    replay_row{"500_waits", {put, 500, {}, ours}, v::deferred},
    replay_row{"502_waits", {del, 502, {}, {}}, v::deferred},
    replay_row{"507_waits", {put, 507, {}, ours}, v::deferred},
    replay_row{"a_redirect_waits", {put, 301, {}, ours}, v::deferred}),
  [](const ::testing::TestParamInfo<replay_row>& row) { return row.param.name; });

} // namespace
} // namespace zddc::cache
