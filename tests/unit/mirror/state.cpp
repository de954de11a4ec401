// The state file: its JSON form, and what happens when it is missing or bad.
#include <zddc/mirror/state.hpp>

#include "sim/memory_env.hpp"

#include <gtest/gtest.h>

namespace zddc::mirror {
namespace {

mirror_state
sample()
{
  mirror_state s;
  auto& r = s.subtrees[*core::repo_path::parse("Projects/Spec Docs (IFA)")];
  r.last_walk = env::time_point(std::chrono::seconds(1'767'225'600));
  r.last = walk_stats{.complete = true, .dirs = 12, .files = 208, .fetched = 3, .unchanged = 205, .purged = 1,
                      .requests = 15, .bytes = 52'311, .duration = std::chrono::milliseconds(840)};
  s.subtrees[core::repo_path()].last.complete = false;
  return s;
}

TEST(mirror_state, round_trips_through_json)
{
  auto const s = sample();
  auto const back = state_from_json(to_json(s));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, s);
  EXPECT_NE(to_json(s).find("\"/Projects/Spec Docs (IFA)\""), std::string::npos) << to_json(s);
}

TEST(mirror_state, refuses_documents_that_are_not_state)
{
  for(std::string_view bad : {"", "{", "[]", "{}", R"({"subtrees":[]})", R"({"subtrees":{"/a":{}}})",
                              R"({"subtrees":{"a":{"last_walk_ns":1,"last":{}}}})",
                              R"({"subtrees":{"/../x":{"last_walk_ns":1,"last":{}}}})",
                              R"({"subtrees":{"/a":{"last_walk_ns":-5,"last":{"complete":true}}}})"})
    EXPECT_FALSE(state_from_json(bad)) << bad;
}

TEST(mirror_state, survives_a_save_and_a_load)
{
  sim::memory_env env;
  ASSERT_FALSE(save_state(env.fs(), sample()));
  auto const loaded = load_state(env.fs());
  EXPECT_FALSE(loaded.problem);
  EXPECT_EQ(loaded.state, sample());
  // Durably: a crash right after the save keeps it.
  env.fs().crash();
  env.fs().restart();
  EXPECT_EQ(load_state(env.fs()).state, sample());
}

TEST(mirror_state, a_missing_file_is_an_empty_state_and_no_problem)
{
  sim::memory_env env;
  auto const loaded = load_state(env.fs());
  EXPECT_FALSE(loaded.problem);
  EXPECT_TRUE(loaded.state.subtrees.empty());
}

TEST(mirror_state, a_corrupt_file_is_reported_not_fatal)
{
  sim::memory_env env;
  env.fs().write_file_direct(*core::store_path().child(state_file_name), "{\"subtrees\": {\"/a\": tru");
  auto const loaded = load_state(env.fs());
  EXPECT_EQ(loaded.problem, errc::protocol_error);
  EXPECT_TRUE(loaded.state.subtrees.empty());
}

} // namespace
} // namespace zddc::mirror
