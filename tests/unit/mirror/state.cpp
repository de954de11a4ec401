// The state file: its JSON form, and what happens when it is missing or bad.
#include <zddc/mirror/state.hpp>

#include "sim/memory_env.hpp"

#include <gtest/gtest.h>

namespace zddc::mirror {
namespace state_test {

mirror_state
sample()
{
  mirror_state s;
  auto& r = s.subtrees[*core::repo_path::parse("Projects/Spec Docs (IFA)")];
  r.last_attempt = env::time_point(std::chrono::seconds(1'767'229'200));
  r.last_complete = env::time_point(std::chrono::seconds(1'767'225'600));
  r.failures = 1;
  r.last = walk_stats{.complete = false, .dirs = 12, .files = 208, .fetched = 3, .unchanged = 204, .purged = 1,
                      .failed = 1, .retries = 6, .requests = 21, .bytes = 52'311,
                      .duration = std::chrono::milliseconds(840)};
  s.subtrees[core::repo_path()].last.complete = false; // never completed: no last_complete
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
                              R"({"subtrees":{"/a":{"last_walk_ns":-5,"last":{"complete":true}}}})",
                              R"({"subtrees":{"/a":{"last_attempt_ns":-5,"last":{"complete":true,"dirs":1,"files":2,)"
                              R"("fetched":0,"unchanged":2,"purged":0,"requests":1,"bytes":0,"duration_ns":5}}}})",
                              R"({"subtrees":{"/a":{"last_attempt_ns":5,"failures":-1,"last":{"complete":true,"dirs":1,)"
                              R"("files":2,"fetched":0,"unchanged":2,"purged":0,"requests":1,"bytes":0,"duration_ns":5}}}})"})
    EXPECT_FALSE(state_from_json(bad)) << bad;
}

// A state file written before attempts and complete walks were told apart.
TEST(mirror_state, reads_a_file_from_before_resuming)
{
  auto const old = state_from_json(
    R"({"subtrees":{"/a":{"last_walk_ns":100,"last":{"complete":true,"dirs":1,"files":2,"fetched":0,)"
    R"("unchanged":2,"purged":0,"requests":1,"bytes":0,"duration_ns":5}},)"
    R"("/b":{"last_walk_ns":200,"last":{"complete":false,"dirs":1,"files":2,"fetched":0,)"
    R"("unchanged":2,"purged":0,"requests":1,"bytes":0,"duration_ns":5}}}})");
  ASSERT_TRUE(old) << old.error().message();
  auto const& a = old->subtrees.at(*core::repo_path::parse("a"));
  EXPECT_EQ(a.last_attempt, env::time_point(std::chrono::nanoseconds(100)));
  EXPECT_EQ(a.last_complete, a.last_attempt);
  EXPECT_EQ(a.failures, 0u);
  auto const& b = old->subtrees.at(*core::repo_path::parse("b"));
  EXPECT_FALSE(b.last_complete);
  EXPECT_EQ(b.failures, 1u);
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
