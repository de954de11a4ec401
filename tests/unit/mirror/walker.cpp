// The walker against a real master over the simulated network: what a walk
// brings down, what it skips, what it purges and what it never purges.
#include "mirror_fixture.hpp"

namespace zddc::mirror::testing {
namespace {

class mirror_walker : public mirror_fixture {};

TEST_F(mirror_walker, a_first_walk_brings_every_file_under_its_decoded_name)
{
  auto const s = walk();
  EXPECT_TRUE(s.complete);
  EXPECT_EQ(s.dirs, 4u); // /, Docs, Docs/Deep, Other
  EXPECT_EQ(s.files, 4u);
  EXPECT_EQ(s.fetched, 4u);
  EXPECT_EQ(s.unchanged, 0u);
  EXPECT_EQ(s.purged, 0u);
  EXPECT_EQ(s.requests, 8u);
  EXPECT_EQ(s.bytes, std::string_view("version oneplandeepother").size());
  EXPECT_EQ(mirror_tree(), master_tree());
  auto const files = disk_.snapshot().files;
  EXPECT_TRUE(files.contains(std::string(spec_path))); // never "Spec%20(IFA)..."
  EXPECT_TRUE(files.contains("Docs/plan 100%.txt"));
  EXPECT_TRUE(files.contains("Docs/.zddc-listing.json")); // browsable offline
  EXPECT_TRUE(troubles_.empty());
}

TEST_F(mirror_walker, an_unchanged_tree_costs_one_request_per_directory)
{
  walk();
  auto const s = walk();
  EXPECT_TRUE(s.complete);
  EXPECT_EQ(s.fetched, 0u);
  EXPECT_EQ(s.unchanged, 4u);
  EXPECT_EQ(s.requests, s.dirs); // listings answered 304, no file asked for
  EXPECT_EQ(mirror_tree(), master_tree());
}

TEST_F(mirror_walker, only_changed_and_new_files_come_down)
{
  walk();
  clock_.advance_to(clock_.now() + 1s);
  master_.disk().edit_in_place(path(spec_path), "version two"); // same size, in place
  master_.disk().write_file_direct(path("Other/new.txt"), "new");
  auto const s = walk();
  EXPECT_TRUE(s.complete);
  EXPECT_EQ(s.fetched, 2u);
  EXPECT_EQ(s.unchanged, 3u);
  EXPECT_EQ(s.purged, 0u);
  EXPECT_EQ(mirror_tree(), master_tree());
}

TEST_F(mirror_walker, what_the_master_no_longer_lists_is_purged)
{
  walk();
  master_.disk().remove_direct(path("Docs/Deep/a,b;c=d.txt"));
  master_.disk().remove_direct(path("Docs/Deep"));
  master_.disk().remove_direct(path("Docs/plan 100%.txt"));
  auto const s = walk();
  EXPECT_TRUE(s.complete);
  EXPECT_EQ(s.purged, 2u);
  EXPECT_EQ(mirror_tree(), master_tree());
  EXPECT_FALSE(disk_.snapshot().dirs.contains("Docs/Deep"));
}

TEST_F(mirror_walker, local_orphans_go_and_the_mirrors_own_files_stay)
{
  disk_.write_file_direct(path("Docs/stray.txt"), "not on the master");
  disk_.write_file_direct(path("Stray/inside.txt"), "nor this");
  auto const s = walk();
  EXPECT_EQ(s.purged, 2u);
  EXPECT_EQ(mirror_tree(), master_tree());
  auto const files = disk_.snapshot().files;
  EXPECT_TRUE(files.contains(std::string(state_file_name)));
  EXPECT_TRUE(disk_.snapshot().dirs.contains(".zddc-outbox"));
}

TEST_F(mirror_walker, could_not_reach_never_means_deleted)
{
  walk();
  auto const before = mirror_tree();
  master_.disk().remove_direct(path("Other/readme.txt"));
  offline();
  auto const s = walk();
  EXPECT_FALSE(s.complete);
  EXPECT_EQ(s.purged, 0u);
  EXPECT_EQ(s.dirs, 0u);
  EXPECT_EQ(mirror_tree(), before);
  EXPECT_FALSE(troubles_.empty());
  online();
  EXPECT_TRUE(walk().complete);
  EXPECT_EQ(mirror_tree(), master_tree());
}

TEST_F(mirror_walker, a_failing_master_purges_nothing)
{
  walk();
  auto const before = mirror_tree();
  master_.disk().remove_direct(path("Other/readme.txt"));
  net_.set_profile(sim::link_profile{.inject_5xx = 1.0});
  auto const s = walk();
  EXPECT_FALSE(s.complete);
  EXPECT_EQ(s.purged, 0u);
  EXPECT_EQ(mirror_tree(), before);
}

TEST_F(mirror_walker, a_copy_read_through_the_cache_is_asked_once_then_skipped)
{
  auto const read = request("/Docs/Spec%20(IFA)%20-%20Caf%C3%A9%20%231.txt", false);
  EXPECT_EQ(read.first, boost::beast::http::status::ok);
  auto const first = walk(); // the copy carries the master's Last-Modified, in seconds: ask
  EXPECT_EQ(first.fetched, 3u);
  EXPECT_EQ(first.unchanged, 1u);
  auto const second = walk(); // stamped with the listed mtime by the 304: skip
  EXPECT_EQ(second.requests, second.dirs);
  EXPECT_EQ(second.unchanged, 4u);
}

TEST_F(mirror_walker, a_file_that_became_a_directory_is_replaced)
{
  walk();
  master_.disk().remove_direct(path("Other/readme.txt"));
  master_.disk().write_file_direct(path("Other/readme.txt/inside.txt"), "now a directory");
  auto const s = walk();
  EXPECT_TRUE(s.complete);
  EXPECT_EQ(mirror_tree(), master_tree());
  master_.disk().remove_direct(path("Other/readme.txt/inside.txt"));
  master_.disk().remove_direct(path("Other/readme.txt"));
  master_.disk().write_file_direct(path("Other/readme.txt"), "a file again");
  EXPECT_TRUE(walk().complete);
  EXPECT_EQ(mirror_tree(), master_tree());
}

TEST_F(mirror_walker, a_subtree_walk_touches_nothing_outside_it)
{
  disk_.write_file_direct(path("Other/local only.txt"), "outside the subtree");
  auto const s = walk("/Docs");
  EXPECT_TRUE(s.complete);
  EXPECT_EQ(s.files, 3u);
  EXPECT_TRUE(disk_.snapshot().files.contains("Other/local only.txt"));
  EXPECT_FALSE(disk_.snapshot().files.contains("Other/readme.txt"));
}

TEST_F(mirror_walker, reports_start_and_end)
{
  walk();
  ASSERT_GE(events_.size(), 2u);
  EXPECT_EQ(events_.front(), walk_step::started);
  EXPECT_EQ(events_.back(), walk_step::finished);
}

class mirror_walker_at_scale : public mirror_fixture {
protected:
  mirror_walker_at_scale() : mirror_fixture(config{.parallel = 3, .progress_every = 50ms})
  {
    for(int d = 0; d < 6; ++d)
      for(int f = 0; f < 10; ++f)
        master_.disk().write_file_direct(path("Bulk/dir " + std::to_string(d) + "/file " + std::to_string(f)),
                                         std::string(100 + f, 'x'));
    net_.set_profile(sim::link_profile{.latency_min = 5ms, .latency_max = 20ms});
  }
};

TEST_F(mirror_walker_at_scale, fetches_side_by_side_but_never_more_than_parallel)
{
  auto const s = walk();
  EXPECT_TRUE(s.complete);
  EXPECT_EQ(s.fetched, 64u);
  EXPECT_EQ(env_->upstream_.most_in_flight, 3u);
  EXPECT_EQ(env_->upstream_.in_flight, 0u);
  EXPECT_EQ(mirror_tree(), master_tree());
  EXPECT_NE(std::ranges::find(events_, walk_step::progress), events_.end()); // a long walk says how it goes
}

class scoped_mirror_walker : public mirror_fixture {
protected:
  scoped_mirror_walker()
    : mirror_fixture(config{}, core::principal{"vendor", {core::grant{path("/Docs/Deep"), core::access::read}}})
  {
  }
};

TEST_F(scoped_mirror_walker, sees_exactly_what_its_bearer_can_read)
{
  auto const s = walk();
  EXPECT_TRUE(s.complete);
  EXPECT_EQ(s.files, 1u);
  EXPECT_EQ(mirror_tree(), master_tree());
  EXPECT_EQ(disk_.snapshot().files.count("Docs/Deep/a,b;c=d.txt"), 1u);
  EXPECT_FALSE(disk_.snapshot().dirs.contains("Other"));
}

} // namespace
} // namespace zddc::mirror::testing
