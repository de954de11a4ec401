// Whole worlds: determinism, activity, and checkers that catch broken masters.
#include "explain.hpp"
#include "sim/world.hpp"

#include <gtest/gtest.h>

namespace zddc::sim {
namespace world_test {

using test_support::explain;

using namespace std::chrono_literals;

world_options
options(std::uint64_t seed, std::string faults, env::duration length = 6h)
{
  world_options o;
  o.seed = seed;
  o.faults = std::move(faults);
  o.length = length;
  return o;
}

TEST(sim_world, the_same_seed_gives_the_same_run)
{
  auto const a = run_world(options(7, "default"));
  auto const b = run_world(options(7, "default"));
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.events, b.events);
  EXPECT_GT(a.events, 100u);
  auto const c = run_world(options(8, "default"));
  EXPECT_NE(a.trace_hash, c.trace_hash);
}

TEST(sim_world, a_day_without_faults_keeps_every_invariant_and_does_real_work)
{
  auto const s = run_world(options(1, "none", 24h));
  EXPECT_FALSE(s.failure) << explain(s);
  EXPECT_GE(s.simulated, 24h);
  EXPECT_GT(s.clients.acknowledged, 100u);
  EXPECT_GT(s.clients.conflicts, 0u); // people and the editor do collide
  EXPECT_GT(s.external_edits, 20u);
  EXPECT_GT(s.writes_judged, 100u);
  EXPECT_EQ(s.clients.transport_errors, 0u);
}

TEST(sim_world, faults_happen_and_every_invariant_holds_through_them)
{
  for(std::uint64_t seed = 1; seed <= 5; ++seed) {
    auto const s = run_world(options(seed, "default", 24h));
    EXPECT_FALSE(s.failure) << "seed " << seed << ": " << explain(s);
    EXPECT_GT(s.master_crashes + s.cache_crashes, 0u) << "seed " << seed;
    EXPECT_GT(s.queued, 0u) << "seed " << seed << ": the cache never had to queue a write";
    EXPECT_GT(s.partitions, 0u) << "seed " << seed;
    EXPECT_GT(s.clients.transport_errors, 0u) << "seed " << seed;
  }
}

/// The first seed in [1, 30] whose world catches the broken node, if any.
std::optional<run_summary>
first_catch(master_variant variant, std::string faults, cache_variant cache = cache_variant::correct)
{
  for(std::uint64_t seed = 1; seed <= 30; ++seed) {
    auto o = options(seed, faults, 24h);
    o.master = variant;
    o.cache = cache;
    auto s = run_world(o);
    if(s.failure)
      return s;
  }
  return std::nullopt;
}

TEST(sim_world, a_master_that_ignores_if_unmodified_since_is_caught)
{
  auto const s = first_catch(master_variant::ignores_if_unmodified_since, "none");
  ASSERT_TRUE(s) << "30 seeds and the checker never noticed";
  EXPECT_EQ(s->failure->invariant, "master-model");
  EXPECT_NE(s->failure->detail.find("applied although its precondition failed"), std::string::npos) << explain(*s);
  EXPECT_NE(s->failure->detail.find("If-Unmodified-Since"), std::string::npos) << explain(*s);
  EXPECT_LE(s->seed, 5u) << "caught, but only after many seeds";
}

TEST(sim_world, a_master_whose_disk_lies_about_fsync_is_caught)
{
  auto const s = first_catch(master_variant::lies_about_fsync, "crash");
  ASSERT_TRUE(s) << "30 seeds and the checker never noticed";
  EXPECT_EQ(s->failure->invariant, "master-model");
  EXPECT_NE(s->failure->detail.find("after a restart"), std::string::npos) << explain(*s);
  EXPECT_LE(s->seed, 5u) << "caught, but only after many seeds";
}

TEST(sim_world, a_master_whose_tree_index_misses_edits_on_its_disk_is_caught)
{
  // Its index hears only the server's own writes: the first edit a person
  // makes on the master's disk leaves its tree tags stale.
  auto const s = first_catch(master_variant::tree_misses_direct_edits, "none");
  ASSERT_TRUE(s) << "30 seeds and the checker never noticed";
  EXPECT_EQ(s->failure->invariant, "tree-tags");
  EXPECT_NE(s->failure->detail.find("on the master's disk: the master's tree tag of / is"), std::string::npos)
    << explain(*s);
  EXPECT_NE(s->failure->detail.find("its index missed a change in the listing of"), std::string::npos)
    << explain(*s);
  EXPECT_EQ(s->seed, 1u) << "caught, but only after several seeds";
}

TEST(sim_world, a_cache_whose_wake_never_lands_is_caught)
{
  // The seed's bug 2: a write queued while the replayer idles waits for
  // its idle timer, minutes after the master came back.
  auto const s = first_catch(master_variant::correct, "default", cache_variant::wake_never_lands);
  ASSERT_TRUE(s) << "30 seeds and the checker never noticed";
  EXPECT_EQ(s->failure->invariant, "outbox");
  EXPECT_NE(s->failure->detail.find("with the master reachable, sending nothing"), std::string::npos) << explain(*s);
  EXPECT_LE(s->seed, 5u) << "caught, but only after many seeds";
}

TEST(sim_world, a_cache_that_replays_without_preconditions_is_caught)
{
  // The seed's bug 3: an offline write replayed over a newer version.
  auto const s = first_catch(master_variant::correct, "default", cache_variant::replays_without_preconditions);
  ASSERT_TRUE(s) << "30 seeds and the checker never noticed";
  EXPECT_EQ(s->failure->invariant, "master-model");
  EXPECT_NE(s->failure->detail.find("a replay overwrote a version its outbox entry was not based on"),
            std::string::npos)
    << explain(*s);
  EXPECT_LE(s->seed, 5u) << "caught, but only after many seeds";
}

TEST(sim_world, a_cache_whose_outbox_does_not_fsync_is_caught)
{
  auto const s = first_catch(master_variant::correct, "default", cache_variant::outbox_lies_about_fsync);
  ASSERT_TRUE(s) << "30 seeds and the checker never noticed";
  EXPECT_EQ(s->failure->invariant, "outbox");
  EXPECT_NE(s->failure->detail.find("acknowledged write"), std::string::npos) << explain(*s);
  EXPECT_LE(s->seed, 8u) << "caught, but only after many seeds";
}

// Issue 14: operators narrow grants and revoke and rotate tokens while
// writes wait in a cache's outbox; every 202 still ends on the master,
// pending, or kept as a conflict or a rejection.
TEST(sim_world, grants_narrowed_and_tokens_rotated_lose_no_acknowledged_write)
{
  std::uint64_t refused = 0;
  for(std::uint64_t seed = 1; seed <= 5; ++seed) {
    auto const s = run_world(options(seed, "credentials", 24h));
    EXPECT_FALSE(s.failure) << "seed " << seed << ": " << explain(s);
    EXPECT_GT(s.credential_changes, 0u) << "seed " << seed;
    refused += s.refused_kept;
  }
  EXPECT_GT(refused, 0u) << "no world had a write refused on replay: the profile tests nothing";
}

TEST(sim_world, a_cache_that_drops_refused_entries_is_caught)
{
  auto const s = first_catch(master_variant::correct, "credentials", cache_variant::drops_refused_entries);
  ASSERT_TRUE(s) << "30 seeds and the checker never noticed";
  EXPECT_EQ(s->failure->invariant, "outbox");
  EXPECT_NE(s->failure->detail.find("refused by the master but is not kept"), std::string::npos) << explain(*s);
}

TEST(sim_world, a_cache_that_turns_a_lost_acknowledgement_into_a_conflict_is_caught)
{
  auto const s = first_catch(master_variant::correct, "default", cache_variant::forgets_own_writes);
  ASSERT_TRUE(s) << "30 seeds and the checker never noticed";
  EXPECT_EQ(s->failure->invariant, "outbox");
  EXPECT_NE(s->failure->detail.find("false conflict"), std::string::npos) << explain(*s);
}

TEST(sim_world, an_unknown_fault_profile_is_refused)
{
  EXPECT_THROW(run_world(options(1, "gentle")), std::invalid_argument);
  EXPECT_NE(find_fault_profile("default"), nullptr);
}

} // namespace
} // namespace zddc::sim
