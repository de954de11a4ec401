// The walker's decisions, one row per case.
#include <zddc/mirror/plan.hpp>

#include <gtest/gtest.h>

namespace zddc::mirror {
namespace {

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

} // namespace
} // namespace zddc::mirror
