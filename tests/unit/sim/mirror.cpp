// Mirrors in whole worlds: they converge, their walks do real work and then
// little, they keep every invariant through faults, they finish their walks
// over a lossy link, and broken mirrors are caught: the seed's bug 1 (names
// kept on disk percent-encoded), no retries, an incomplete walk that holds
// the interval, a failed listing taken for an empty one.
#include "explain.hpp"
#include "sim/checkers/mirror_convergence.hpp"
#include "sim/scheduler.hpp"
#include "sim/world.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <algorithm>

namespace zddc::sim {
namespace mirror_test {

using test_support::explain;

using namespace std::chrono_literals;

world_options
options(std::uint64_t seed, std::string faults, std::size_t mirrors = 1)
{
  world_options o;
  o.seed = seed;
  o.faults = std::move(faults);
  o.length = 6h;
  o.mirrors = mirrors;
  return o;
}

std::vector<walk_record>
walks_of(const run_summary& s, std::string_view mirror, bool final)
{
  std::vector<walk_record> out;
  std::ranges::copy_if(s.walks, std::back_inserter(out),
                       [&](auto const& w) { return w.mirror_name == mirror && w.final == final; });
  return out;
}

TEST(sim_mirror, a_faultless_world_with_a_mirror_converges_and_its_walks_do_real_work)
{
  auto const s = run_world(options(1, "none"));
  ASSERT_FALSE(s.failure) << explain(s);

  auto const day = walks_of(s, "mirror1", false);
  ASSERT_GE(day.size(), 5u) << "a person at the mirror for six hours, a walk due every 15 minutes";
  auto const& first = day.front().stats;
  EXPECT_TRUE(first.complete);
  EXPECT_GE(first.files, 545u) << "the first walk sees the whole fixture (553 files, give or take the day's work)";
  EXPECT_GE(first.fetched + 10, first.files) << "and brings down all the person had not read yet";
  EXPECT_EQ(first.purged, 0u);

  // Later walks find the tree mostly as they left it: they ask for each
  // directory and for what changed, not for every file.
  for(std::size_t i = 1; i < day.size(); ++i) {
    auto const& w = day[i].stats;
    EXPECT_TRUE(w.complete) << "walk " << i;
    EXPECT_GE(w.unchanged * 10, w.files * 9) << "walk " << i << ": fetched " << w.fetched << " of " << w.files;
    EXPECT_LT(w.requests, w.files / 4) << "walk " << i;
  }

  auto const last = walks_of(s, "mirror1", true);
  ASSERT_EQ(last.size(), 1u) << "the world's final walk of /";
  EXPECT_TRUE(last.front().stats.complete);
  EXPECT_TRUE(last.front().subtree.is_root());
}

TEST(sim_mirror, worlds_with_two_mirrors_keep_every_invariant_through_faults)
{
  // mirror2 holds a token for /Vendors/vendorA only and walks /Vendors.
  std::uint64_t mirror_crashes = 0;
  for(std::uint64_t seed = 1; seed <= 4; ++seed) {
    auto const s = run_world(options(seed, "default", 2));
    EXPECT_FALSE(s.failure) << "seed " << seed << ": " << explain(s);
    mirror_crashes += s.mirror_crashes;
    for(std::string_view m : {"mirror1", "mirror2"}) {
      EXPECT_FALSE(walks_of(s, m, false).empty()) << "seed " << seed << ": " << m << " never walked";
      EXPECT_FALSE(walks_of(s, m, true).empty()) << "seed " << seed << ": " << m << " was not judged at the end";
    }
    for(auto const& w : walks_of(s, "mirror2", true))
      EXPECT_EQ(w.subtree, *core::repo_path::parse("Vendors"));
    // What its bearer may read there: vendorA's 41 files and what the day
    // added, none of the 67 others under /Vendors (vendorAB's among them).
    // A walk counts the files of the listings it carried out: a whole tree
    // (the first walk), only the directories that changed (a `since` tree),
    // or none (a 304). So the most any walk counted is the whole view.
    std::uint64_t most = 0;
    for(bool final : {false, true})
      for(auto const& w : walks_of(s, "mirror2", final))
        if(w.stats.complete)
          most = std::max(most, w.stats.files);
    EXPECT_GE(most, 30u) << "seed " << seed;
    EXPECT_LT(most, 80u) << "seed " << seed;
  }
  EXPECT_GT(mirror_crashes, 0u) << "four seeds and no mirror ever crashed";
}

TEST(sim_mirror, a_mirror_that_keys_its_disk_by_encoded_names_is_caught)
{
  // The seed's bug 1, under the filesystem seam: names stored percent-encoded,
  // listed as stored, so a walk purges what it fetched. (Caught in the middle
  // of a walk: the world is torn down with the walk abandoned, which must end
  // cleanly too.)
  std::optional<run_summary> caught;
  for(std::uint64_t seed = 1; seed <= 5 && ! caught; ++seed) {
    auto o = options(seed, "default");
    o.mirror = mirror_variant::keys_disk_by_encoded_name;
    if(auto s = run_world(o); s.failure)
      caught = std::move(s);
  }
  ASSERT_TRUE(caught) << "5 seeds and no checker noticed";
  EXPECT_EQ(caught->seed, 1u) << "caught, but only after several seeds";
  EXPECT_EQ(caught->failure->invariant, "encoding") << explain(*caught);
  EXPECT_NE(caught->failure->detail.find("mirror1's disk holds"), std::string::npos) << explain(*caught);
  EXPECT_NE(caught->failure->detail.find("a percent-encoded artefact of"), std::string::npos) << explain(*caught);
}

/// Walks finished during the day, and how many of them complete.
std::pair<std::size_t, std::size_t>
day_walks(const run_summary& s)
{
  std::size_t complete = 0, all = 0;
  for(auto const& w : s.walks)
    if(! w.final) {
      ++all;
      complete += w.stats.complete;
    }
  return {complete, all};
}

/// The first seed in [1, `seeds`] whose world catches `variant`, if any.
std::optional<run_summary>
first_catch(mirror_variant variant, std::string faults, std::uint64_t seeds)
{
  for(std::uint64_t seed = 1; seed <= seeds; ++seed) {
    auto o = options(seed, faults);
    o.mirror = variant;
    if(auto s = run_world(o); s.failure)
      return s;
  }
  return std::nullopt;
}

// Issue 15: under a lossy link about 6 % of walks completed, since one
// dropped request or injected 502 spoiled a walk.
TEST(sim_mirror, over_a_link_that_drops_and_fails_5_percent_nine_walks_in_ten_complete)
{
  std::size_t complete = 0, all = 0, broken_complete = 0, broken_all = 0;
  for(std::uint64_t seed = 1; seed <= 4; ++seed) {
    auto const s = run_world(options(seed, "lossy"));
    ASSERT_FALSE(s.failure) << "seed " << seed << ": " << explain(s);
    auto const [c, a] = day_walks(s);
    complete += c;
    all += a;
    auto o = options(seed, "lossy");
    o.mirror = mirror_variant::no_retries;
    auto const [bc, ba] = day_walks(run_world(o));
    broken_complete += bc;
    broken_all += ba;
  }
  ASSERT_GT(all, 20u);
  EXPECT_GE(complete * 10, all * 9) << complete << " of " << all << " walks complete";
  EXPECT_LT(broken_complete * 2, broken_all) << "without retries: " << broken_complete << " of " << broken_all;
}

TEST(sim_mirror, a_mirror_that_gives_up_on_the_first_failed_request_is_caught)
{
  auto const s = first_catch(mirror_variant::no_retries, "lossy", 10);
  ASSERT_TRUE(s) << "10 seeds and the liveness checker never noticed";
  EXPECT_EQ(s->failure->invariant, "mirror-liveness") << explain(*s);
  EXPECT_NE(s->failure->detail.find("no walk of it completed"), std::string::npos) << explain(*s);
}

TEST(sim_mirror, a_mirror_whose_incomplete_walk_holds_the_interval_is_caught)
{
  auto const s = first_catch(mirror_variant::incomplete_walk_holds_the_interval, "default", 30);
  ASSERT_TRUE(s) << "30 seeds and the liveness checker never noticed";
  EXPECT_EQ(s->failure->invariant, "mirror-liveness") << explain(*s);
}

TEST(sim_mirror, a_mirror_that_takes_a_failed_listing_for_an_empty_one_is_caught)
{
  auto const s = first_catch(mirror_variant::purges_when_a_listing_fails, "lossy", 10);
  ASSERT_TRUE(s) << "10 seeds and the safety checker never noticed";
  EXPECT_EQ(s->failure->invariant, "mirror-safety") << explain(*s);
  EXPECT_NE(s->failure->detail.find("although the master never said it was gone"), std::string::npos)
    << explain(*s);
}

TEST(sim_mirror, a_mirror_that_keeps_a_tree_tag_before_its_walk_completes_is_caught)
{
  // Only a walk cut short after its tree arrived shows it (a crash, here);
  // the next walks are told nothing changed where files are still missing.
  // Seed 23 is the first world of the crash profile where that happens.
  auto o = options(23, "crash");
  o.trees = tree_use::everywhere;
  o.mirror = mirror_variant::vouches_early;
  auto const s = run_world(o);
  ASSERT_TRUE(s.failure) << "the convergence checker did not notice";
  EXPECT_EQ(s.failure->invariant, "convergence") << explain(s);
  EXPECT_NE(s.failure->detail.find("missing on the mirror"), std::string::npos) << explain(s);
  o.mirror = mirror_variant::correct;
  auto const correct = run_world(o);
  EXPECT_FALSE(correct.failure) << explain(correct);
}

TEST(sim_mirror, the_same_seed_gives_the_same_run_with_mirrors)
{
  auto const a = run_world(options(3, "default", 2));
  auto const b = run_world(options(3, "default", 2));
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.walks.size(), b.walks.size());
}

/// One master and one mirror, no world around them: the convergence
/// checker's own teeth.
class lone_mirror : public ::testing::Test {
protected:
  explicit lone_mirror(mirror_variant variant = mirror_variant::correct, mirror::config walking = {})
  {
    for(auto const* p : {"Docs/Spec (IFA) - Caf\xC3\xA9 #1.txt", "Docs/plan 100%.txt", "Docs/plain.txt",
                         "Other/a b.txt", "Other/c.txt"})
      master_.disk().write_file_direct(*core::repo_path::parse(p), std::string("bytes of ") + p);
    mirror_.emplace("mirror", io_.get_executor(), clock_, trace_, net_, master_,
                    cache::config{.bearer = "token-m"}, std::move(walking), variant);
    convergence_ = &static_cast<mirror_convergence&>(checkers_.add(std::make_unique<mirror_convergence>(master_)));
  }

  mirror::walk_stats
  walk()
  {
    std::optional<std::optional<mirror::walk_stats>> out;
    boost::asio::co_spawn(io_, mirror_->walk_now(core::repo_path()),
                          [&](std::exception_ptr e, std::optional<mirror::walk_stats> s) {
                            if(e)
                              std::rethrow_exception(e);
                            out = s;
                          });
    run_while(io_, clock_, [&] { return ! out; }, clock_.now() + 10min);
    EXPECT_TRUE(out && *out) << "the walk did not end, or could not start";
    return out && *out ? **out : mirror::walk_stats{};
  }

  core::principal bearer_ = core::principal::unrestricted("m");
  boost::asio::io_context io_;
  virtual_clock clock_{io_.get_executor()};
  rng rng_{1};
  trace trace_{clock_};
  network net_{clock_, rng_, trace_};
  master_node master_{"master", clock_, trace_, {.tokens = {{"token-m", bearer_}}}};
  checker_set checkers_{clock_};
  std::optional<mirror_node> mirror_;
  mirror_convergence* convergence_ = nullptr;
};

TEST_F(lone_mirror, a_complete_walk_leaves_the_mirror_equal_to_the_master)
{
  auto const first = walk();
  EXPECT_TRUE(first.complete);
  EXPECT_EQ(first.fetched, 5u);
  convergence_->judge(*mirror_, bearer_, core::repo_path(), first);
  EXPECT_FALSE(checkers_.first_violation()) << checkers_.first_violation()->detail;

  master_.disk().write_file_direct(*core::repo_path::parse("Other/c.txt"), "changed");
  master_.disk().remove_direct(*core::repo_path::parse("Docs/plain.txt"));
  auto const second = walk();
  EXPECT_EQ(second.fetched, 1u);
  EXPECT_EQ(second.purged, 1u);
  convergence_->judge(*mirror_, bearer_, core::repo_path(), second);
  EXPECT_FALSE(checkers_.first_violation()) << checkers_.first_violation()->detail;
  EXPECT_EQ(convergence_->judged(), 2u);
}

TEST_F(lone_mirror, a_walk_that_could_not_finish_is_a_violation)
{
  net_.partition(*mirror_, master_);
  auto const stats = walk();
  EXPECT_FALSE(stats.complete);
  convergence_->judge(*mirror_, bearer_, core::repo_path(), stats);
  ASSERT_TRUE(checkers_.first_violation());
  EXPECT_EQ(checkers_.first_violation()->invariant, "convergence");
  EXPECT_NE(checkers_.first_violation()->detail.find("was incomplete"), std::string::npos);
}

class lone_broken_mirror : public lone_mirror {
protected:
  // Directory by directory, as the seed's mirror walked (over a tree, the
  // second walk is told nothing changed and purges nothing; the disk is
  // just as wrong, as the convergence judgement below shows).
  lone_broken_mirror() : lone_mirror(mirror_variant::keys_disk_by_encoded_name, mirror::config{.tree = false}) {}
};

TEST_F(lone_broken_mirror, keys_its_disk_by_encoded_names_and_purges_what_it_fetched_as_the_seed_did)
{
  // The seed's "fetched=180 purged=111": each walk fetches every file, and
  // the next purges those whose names needed encoding as orphans.
  auto const first = walk();
  EXPECT_EQ(first.fetched, 5u);
  EXPECT_TRUE(mirror_->disk().stat(*core::store_path::parse("Other/a%20b.txt")));
  EXPECT_FALSE(mirror_->disk().stat(*core::store_path::parse("Other/a b.txt")));
  auto const second = walk();
  EXPECT_GT(second.purged, 0u);

  convergence_->judge(*mirror_, bearer_, core::repo_path(), second);
  ASSERT_TRUE(checkers_.first_violation());
  EXPECT_EQ(checkers_.first_violation()->invariant, "convergence");
  EXPECT_NE(checkers_.first_violation()->detail.find("does not equal the master"), std::string::npos);
  EXPECT_NE(checkers_.first_violation()->detail.find("missing on the mirror: /Other/a b.txt"), std::string::npos)
    << checkers_.first_violation()->detail;
}

} // namespace
} // namespace zddc::sim
