// When walks start: on access, under a subtree, once per interval, never
// twice at once; and what the state file keeps across a restart.
#include "mirror_fixture.hpp"

namespace zddc::mirror::testing {
namespace scheduler_test {

namespace http = boost::beast::http;

class mirror_scheduler : public mirror_fixture {
protected:
  mirror_scheduler() : mirror_fixture(config{.subtrees = {path("/Docs"), path("/Docs/Deep")}}) {}

  scheduler<mirror_env>& walks() { return mirror_->walks(); }
};

TEST_F(mirror_scheduler, a_request_under_a_subtree_starts_a_walk_of_the_longest_prefix)
{
  EXPECT_EQ(walks().notice(path("/Docs/Deep/a,b;c=d.txt")), path("/Docs/Deep"));
  EXPECT_TRUE(walks().in_flight(path("/Docs/Deep")));
  EXPECT_FALSE(walks().in_flight(path("/Docs")));
  settle();
  EXPECT_FALSE(walks().in_flight(path("/Docs/Deep")));
  EXPECT_EQ(disk_.snapshot().files.count("Docs/Deep/a,b;c=d.txt"), 1u);
  EXPECT_EQ(disk_.snapshot().files.count(std::string(spec_path)), 0u); // /Docs was not walked
}

TEST_F(mirror_scheduler, a_request_outside_every_subtree_starts_nothing)
{
  EXPECT_EQ(walks().notice(path("/Other/readme.txt")), std::nullopt);
  EXPECT_EQ(walks().notice(core::repo_path()), std::nullopt);
  EXPECT_EQ(walks().notice(path("/Docsx")), std::nullopt);
}

TEST_F(mirror_scheduler, concurrent_triggers_start_one_walk)
{
  EXPECT_TRUE(walks().notice(path("/Docs/x")));
  EXPECT_FALSE(walks().notice(path("/Docs/y")));
  settle();
  ASSERT_TRUE(walks().state().subtrees.contains(path("/Docs")));
  EXPECT_EQ(walks().state().subtrees.at(path("/Docs")).last.fetched, 3u); // one walk's worth, not two
}

TEST_F(mirror_scheduler, walk_now_while_one_is_in_flight_declines)
{
  ASSERT_TRUE(walks().notice(path("/Docs/x")));
  std::optional<std::optional<walk_stats>> second;
  boost::asio::co_spawn(io_, walks().walk_now(path("/Docs")),
                        [&](std::exception_ptr, std::optional<walk_stats> s) { second = s; });
  sim::run_ready(io_);
  ASSERT_TRUE(second);
  EXPECT_FALSE(*second);
  settle();
}

TEST_F(mirror_scheduler, walks_at_most_once_per_interval)
{
  ASSERT_TRUE(walks().notice(path("/Docs/x")));
  settle();
  clock_.advance_to(clock_.now() + 30min);
  EXPECT_FALSE(walks().notice(path("/Docs/x")));
  clock_.advance_to(clock_.now() + 30min);
  EXPECT_TRUE(walks().notice(path("/Docs/x"))); // the last one began an hour ago
  settle();
}

// Issue 15: an incomplete walk recorded its start like a complete one, so
// after an outage the mirror stayed stale for the whole interval.
TEST_F(mirror_scheduler, a_walk_cut_short_resumes_after_the_retry_interval_and_costs_only_what_is_left)
{
  ASSERT_TRUE(walks().notice(path("/Docs/x")));
  settle();
  auto const first = walks().state().subtrees.at(path("/Docs"));
  ASSERT_TRUE(first.last.complete);
  ASSERT_EQ(first.last.fetched, 3u);

  master_.disk().edit_in_place(path(spec_path), "version two");
  clock_.advance_to(clock_.now() + 1h);
  offline();
  ASSERT_TRUE(walks().notice(path("/Docs/x")));
  sim::run_while(io_, clock_, [&] { return walks().in_flight(path("/Docs")); }, clock_.now() + 10min);
  auto const cut = walks().state().subtrees.at(path("/Docs"));
  EXPECT_FALSE(cut.last.complete);
  EXPECT_EQ(cut.failures, 1u);
  EXPECT_EQ(cut.last_complete, first.last_complete); // the last complete walk is still the first
  EXPECT_GT(cut.last_attempt, first.last_attempt);

  online();
  ASSERT_LT(clock_.now(), cut.last_attempt + 30s) << "the cut walk took too long to give up";
  clock_.advance_to(cut.last_attempt + 30s);
  EXPECT_FALSE(walks().notice(path("/Docs/x"))); // not at once: the retry interval
  clock_.advance_to(cut.last_attempt + 1min);
  ASSERT_TRUE(walks().notice(path("/Docs/x"))); // long before the hour
  settle();
  auto const resumed = walks().state().subtrees.at(path("/Docs"));
  EXPECT_TRUE(resumed.last.complete);
  EXPECT_EQ(resumed.failures, 0u);
  EXPECT_EQ(resumed.last_complete, resumed.last_attempt);
  EXPECT_EQ(resumed.last.fetched, 1u); // only what changed
  EXPECT_EQ(disk_.snapshot().files.at(std::string(spec_path)), "version two");
  EXPECT_FALSE(walks().notice(path("/Docs/x"))); // and now the interval holds again
}

TEST_F(mirror_scheduler, the_request_never_waits_for_the_walk)
{
  net_.set_profile(sim::link_profile{.latency_min = 1s, .latency_max = 1s});
  auto const [status, body] = request("/Docs/Deep/");
  EXPECT_EQ(status, http::status::ok);
  EXPECT_TRUE(walks().in_flight(path("/Docs/Deep"))); // answered while the walk goes on
  settle(10min);
  EXPECT_FALSE(walks().in_flight(path("/Docs/Deep")));
  EXPECT_TRUE(walks().state().subtrees.at(path("/Docs/Deep")).last.complete);
}

TEST_F(mirror_scheduler, the_rate_limit_survives_a_restart)
{
  ASSERT_TRUE(walks().notice(path("/Docs/x")));
  settle();
  auto const remembered = walks().state();
  make_mirror();
  EXPECT_EQ(walks().state(), remembered);
  EXPECT_FALSE(walks().state_problem());
  EXPECT_FALSE(walks().notice(path("/Docs/x")));
  clock_.advance_to(clock_.now() + 1h);
  EXPECT_TRUE(walks().notice(path("/Docs/x")));
  settle();
}

TEST_F(mirror_scheduler, a_corrupt_state_file_is_reported_and_replaced)
{
  ASSERT_TRUE(walks().notice(path("/Docs/x")));
  settle();
  disk_.write_file_direct(*core::store_path().child(state_file_name), "{\"subtrees\": {\"/Docs\": ");
  make_mirror(); // opens: not fatal
  EXPECT_EQ(walks().state_problem(), errc::protocol_error);
  EXPECT_TRUE(walks().state().subtrees.empty());
  auto const reread = load_state(disk_);
  EXPECT_FALSE(reread.problem); // replaced at once by a valid (empty) state
  EXPECT_TRUE(walks().notice(path("/Docs/x"))); // forgetting only means walking sooner
  settle();
  EXPECT_TRUE(load_state(disk_).state.subtrees.contains(path("/Docs")));
}

TEST_F(mirror_scheduler, a_stopped_mirror_starts_no_walk)
{
  walks().stop();
  EXPECT_FALSE(walks().notice(path("/Docs/x")));
}

} // namespace
} // namespace zddc::mirror::testing
