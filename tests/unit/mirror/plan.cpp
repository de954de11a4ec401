// The walker's decisions, one row per case.
#include <zddc/mirror/plan.hpp>

#include <gtest/gtest.h>

namespace zddc::mirror {
namespace plan_test {

using namespace std::chrono_literals;

core::time_point const t0 = core::time_point(std::chrono::seconds(1767225600));
core::entity_tag const tag_a = *core::entity_tag::strong("a");
core::entity_tag const tag_b = *core::entity_tag::strong("b");

TEST(mirror_plan, a_listing_answer_means_exactly_one_thing)
{
  EXPECT_EQ(classify_listing(200, false), listing_verdict::fresh);
  EXPECT_EQ(classify_listing(304, true), listing_verdict::stored);
  EXPECT_EQ(classify_listing(304, false), listing_verdict::trouble); // nothing stored to reuse
  EXPECT_EQ(classify_listing(403, true), listing_verdict::gone);
  EXPECT_EQ(classify_listing(404, true), listing_verdict::gone);
  EXPECT_EQ(classify_listing(410, false), listing_verdict::gone);
  EXPECT_EQ(classify_listing(std::nullopt, true), listing_verdict::unreachable);
  // "Could not reach" is never "deleted": a 5xx or a redirect purges nothing.
  for(unsigned s : {500u, 502u, 503u, 301u, 401u, 429u})
    EXPECT_EQ(classify_listing(s, true), listing_verdict::trouble) << s;
}

TEST(mirror_plan, a_directory_is_planned_against_what_is_here)
{
  core::listing const upstream{*core::repo_path::parse("Docs"),
                               {{"a.pdf", core::file_kind::regular, 5, t0, tag_a},
                                {"b.pdf", core::file_kind::regular, 6, t0, tag_b},
                                {"c.pdf", core::file_kind::regular, 7, t0, tag_a},
                                {"now-a-dir", core::file_kind::directory, 0, t0, std::nullopt},
                                {"sub", core::file_kind::directory, 0, t0, std::nullopt}}};
  std::vector<env::dir_entry> const local{
    {"a.pdf", {core::file_kind::regular, 5, t0, 1}},        // same size and mtime: verify its tag
    {"b.pdf", {core::file_kind::regular, 6, t0 + 1s, 2}},   // other mtime: fetch
    {"now-a-dir", {core::file_kind::regular, 3, t0, 3}},    // a file where the master has a directory
    {"gone.pdf", {core::file_kind::regular, 1, t0, 4}},     // not listed any more
    {".zddc-listing.json", {core::file_kind::regular, 9, t0, 5}}, // the mirror's own
    {"sub", {core::file_kind::directory, 0, t0, 6}},
  };
  auto const p = plan_directory(upstream, local);
  EXPECT_EQ(p.files, 3u);
  EXPECT_EQ(p.verify, (std::vector<std::string>{"a.pdf"}));
  EXPECT_EQ(p.fetch, (std::vector<std::string>{"b.pdf", "c.pdf"}));
  EXPECT_EQ(p.subdirectories, (std::vector<std::string>{"now-a-dir", "sub"}));
  EXPECT_EQ(p.orphans, (std::vector<std::string>{"now-a-dir", "gone.pdf"}));
}

TEST(mirror_plan, an_entry_without_a_tag_is_always_fetched)
{
  core::listing const upstream{core::repo_path(), {{"x", core::file_kind::regular, 1, t0, std::nullopt}}};
  std::vector<env::dir_entry> const local{{"x", {core::file_kind::regular, 1, t0, 1}}};
  EXPECT_EQ(plan_directory(upstream, local).fetch, (std::vector<std::string>{"x"}));
  EXPECT_FALSE(copy_is_current(tag_a, upstream.entries[0]));
}

TEST(mirror_plan, a_file_answer_means_exactly_one_thing)
{
  using action = fetch_verdict::action;
  core::listing_entry const listed{"a.pdf", core::file_kind::regular, 5, t0, tag_a};
  auto const v200 = judge_fetch(200, tag_a.to_string(), listed, std::nullopt);
  EXPECT_EQ(v200.what, action::install);
  EXPECT_TRUE(v200.as_listed);
  EXPECT_FALSE(judge_fetch(200, tag_b.to_string(), listed, std::nullopt).as_listed); // changed since listed
  EXPECT_FALSE(judge_fetch(200, std::nullopt, listed, std::nullopt).as_listed);
  auto const v304 = judge_fetch(304, tag_a.to_string(), listed, tag_a);
  EXPECT_EQ(v304.what, action::unchanged);
  EXPECT_TRUE(v304.stamp);
  EXPECT_FALSE(judge_fetch(304, std::nullopt, listed, tag_b).stamp); // the copy is not the listed bytes
  EXPECT_EQ(judge_fetch(404, std::nullopt, listed, tag_a).what, action::purge);
  EXPECT_EQ(judge_fetch(403, std::nullopt, listed, tag_a).what, action::purge);
  EXPECT_EQ(judge_fetch(std::nullopt, std::nullopt, listed, tag_a).what, action::unreachable);
  EXPECT_EQ(judge_fetch(502, std::nullopt, listed, tag_a).what, action::trouble);
  EXPECT_EQ(judge_fetch(302, std::nullopt, listed, tag_a).what, action::trouble);
}

TEST(mirror_plan, only_a_failure_that_may_pass_is_asked_again)
{
  struct row {
    std::optional<unsigned> status;
    bool oversized;
    bool again;
  };
  for(auto const& r : {row{std::nullopt, false, true}, // no answer: lost, timed out, cut short
                       row{std::nullopt, true, false}, // past a size limit: it would be again
                       row{500, false, true}, row{502, false, true}, row{503, false, true}, row{408, false, true},
                       row{429, false, true}, row{200, false, false}, row{304, false, false},
                       row{404, false, false}, row{403, false, false}, row{410, false, false},
                       row{401, false, false}, row{400, false, false}, row{301, false, false}})
    EXPECT_EQ(worth_retrying(r.status, r.oversized), r.again) << (r.status ? *r.status : 0) << r.oversized;
}

TEST(mirror_plan, retries_back_off_with_jitter_and_honour_retry_after_up_to_the_cap)
{
  config const cfg{.retry_delay = 1s, .retry_delay_max = 30s};
  for(std::uint64_t jitter : {0ull, 511ull, 1023ull, 0xdeadbeefull}) {
    for(unsigned attempt = 0; attempt < 8; ++attempt) {
      auto const full = std::min<env::duration>(cfg.retry_delay * (1ll << attempt), cfg.retry_delay_max);
      auto const d = retry_delay(attempt, std::nullopt, jitter, cfg);
      EXPECT_GE(d, full / 2) << attempt;
      EXPECT_LT(d, full) << attempt;
    }
  }
  EXPECT_NE(retry_delay(2, std::nullopt, 0, cfg), retry_delay(2, std::nullopt, 700, cfg)); // spread
  EXPECT_EQ(retry_delay(0, 10s, 0, cfg), 10s);   // the master's word
  EXPECT_EQ(retry_delay(0, 1h, 0, cfg), 30s);    // ... up to the cap
  EXPECT_EQ(retry_delay(3, 0s, 0, cfg), 4s);     // never sooner than the backoff
}

TEST(mirror_plan, retry_after_is_seconds_or_a_date)
{
  EXPECT_EQ(parse_retry_after("120", t0), 120s);
  EXPECT_EQ(parse_retry_after("0", t0), 0s);
  EXPECT_EQ(parse_retry_after(core::format_http_date(t0 + 90s), t0), 90s);
  EXPECT_EQ(parse_retry_after(core::format_http_date(t0 - 90s), t0), 0s);
  EXPECT_EQ(parse_retry_after("", t0), std::nullopt);
  EXPECT_EQ(parse_retry_after("-5", t0), std::nullopt);
  EXPECT_EQ(parse_retry_after("soon", t0), std::nullopt);
}

struct due_row {
  const char* name;
  std::optional<subtree_record> last;
  env::time_point now;
  bool due;
  std::optional<env::time_point> answering_since = std::nullopt; // the master answers the cache, since
};

std::ostream&
operator<<(std::ostream& os, const due_row& r)
{
  return os << r.name;
}

subtree_record
walked(env::time_point attempt, bool complete, std::uint64_t failures = 0,
       std::optional<env::time_point> last_complete = std::nullopt)
{
  subtree_record r;
  r.last_attempt = attempt;
  r.last.complete = complete;
  r.failures = failures;
  r.last_complete = complete ? std::optional(attempt) : last_complete;
  return r;
}

class walk_due_table : public ::testing::TestWithParam<due_row> {};

TEST_P(walk_due_table, says_whether_an_access_walks)
{
  config const cfg{.min_interval = 1h, .retry_interval = 1min};
  auto const& row = GetParam();
  EXPECT_EQ(walk_due(row.last ? &*row.last : nullptr, row.now, cfg, row.answering_since), row.due);
}

INSTANTIATE_TEST_SUITE_P(
  mirror_plan, walk_due_table,
  ::testing::Values(
    due_row{"never_walked", std::nullopt, t0, true},
    due_row{"complete_holds_the_interval", walked(t0, true), t0 + 59min, false},
    due_row{"complete_expires_after_the_interval", walked(t0, true), t0 + 1h, true},
    due_row{"incomplete_waits_the_retry_interval", walked(t0, false, 1), t0 + 59s, false},
    due_row{"incomplete_resumes_after_it", walked(t0, false, 1), t0 + 1min, true},
    due_row{"a_second_incomplete_waits_twice_as_long", walked(t0, false, 2), t0 + 119s, false},
    due_row{"and_then_resumes", walked(t0, false, 2), t0 + 2min, true},
    due_row{"many_incomplete_wait_no_longer_than_the_interval", walked(t0, false, 40), t0 + 1h, true},
    due_row{"many_incomplete_still_wait_a_while", walked(t0, false, 40), t0 + 59min, false},
    due_row{"the_interval_runs_from_the_last_attempt", walked(t0, false, 1, t0 - 2h), t0 + 30s, false},
    due_row{"the_master_back_since_the_cut_walk_ended_resumes_without_the_backoff", walked(t0, false, 40),
            t0 + 1min, true, t0 + 30s},
    due_row{"the_master_answering_all_along_keeps_the_backoff", walked(t0, false, 40), t0 + 1min, false,
            t0 - 1h},
    due_row{"the_master_back_still_waits_the_retry_interval", walked(t0, false, 40), t0 + 59s, false, t0 + 30s},
    due_row{"a_clock_set_back_walks_now", walked(t0, true), t0 - 1min, true},
    due_row{"a_complete_walk_in_the_future_walks_now", walked(t0 - 5min, false, 1, t0 + 1h), t0, true}),
  [](const ::testing::TestParamInfo<due_row>& row) { return std::string(row.param.name); });

} // namespace
} // namespace zddc::mirror
