// The walker against a real master over the simulated network: what a walk
// brings down, what it skips, what it purges and what it never purges; and
// against a scripted, hostile upstream: bad listings, entries past the path
// limits, bodies longer than listed, cut bodies, redirects.
#include "mirror_fixture.hpp"
#include "../../support/paths.hpp"

#include "../cache/scripted_upstream.hpp"

namespace zddc::mirror::testing {
namespace walker_test {

namespace http = boost::beast::http;

using test_support::deep_path;
using test_support::long_path;

/// Walks directory by directory (`config::tree` off): one listing request per directory.
class mirror_walker : public mirror_fixture {
protected:
  mirror_walker() : mirror_fixture(config{.tree = false}) {}
};

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
  EXPECT_EQ(env_->to_master_.most_in_flight, 3u);
  EXPECT_EQ(env_->to_master_.in_flight, 0u);
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

// A master tree as deep, and as long, as a client may name: mirrored
// whole, each listing kept (the deepest directory's sidecar included) and
// browsable offline; the file the master keeps below it, which no client
// can name, is not listed and so not mirrored.
TEST_F(mirror_walker, a_tree_as_deep_and_as_long_as_paths_go_is_mirrored_and_browsable_offline)
{
  for(auto const& dir : {deep_path(core::repo_path_depth_max), long_path(core::repo_path_bytes_max)}) {
    SCOPED_TRACE(dir.size());
    auto const last = dir.rfind('/');
    master_.disk().write_file_direct(path(dir.substr(0, last) + "/f.txt"), "next to the deepest");
    master_.disk().write_file_direct(*core::store_path::parse(dir + "/x"), "below it");
    auto const s = walk();
    EXPECT_TRUE(s.complete);
    EXPECT_TRUE(troubles_.empty());
    EXPECT_EQ(mirror_tree(), master_tree());
    EXPECT_TRUE(disk_.snapshot().files.contains(dir + "/.zddc-listing.json"));
    EXPECT_FALSE(disk_.snapshot().files.contains(dir + "/x"));
    offline();
    auto const target = std::string(core::encode(path(dir), core::target_form::directory).str());
    EXPECT_EQ(request(target, false).first, http::status::ok);
    online();
  }
}

/// Walks that ask for the subtree's whole tree (`config::tree`, the default).
class tree_walker : public mirror_fixture {
protected:
  using mirror_fixture::mirror_fixture;

  bool has_tree_tag() { return disk_.snapshot().files.contains(".zddc-tree-tag"); }

  /// A walk whose tree arrives, after which the link goes; the link is back after it.
  walk_stats
  cut_short_walk()
  {
    env_->to_master_.after_answer = [&](std::size_t n) {
      if(n == 1)
        offline();
    };
    auto const s = walk();
    env_->to_master_.after_answer = nullptr;
    online();
    return s;
  }
};

TEST_F(tree_walker, a_first_walk_asks_once_for_the_tree_then_for_each_file)
{
  auto const s = walk();
  EXPECT_TRUE(s.complete);
  EXPECT_EQ(s.dirs, 4u);
  EXPECT_EQ(s.fetched, 4u);
  EXPECT_EQ(s.requests, 5u); // the tree, then four files
  EXPECT_EQ(mirror_tree(), master_tree());
  EXPECT_TRUE(disk_.snapshot().files.contains("Docs/Deep/.zddc-listing.json")); // browsable offline
  EXPECT_TRUE(has_tree_tag());
  EXPECT_TRUE(troubles_.empty());
}

TEST_F(tree_walker, an_unchanged_tree_costs_one_request)
{
  walk();
  auto const s = walk();
  EXPECT_TRUE(s.complete);
  EXPECT_EQ(s.requests, 1u);
  EXPECT_EQ(s.fetched, 0u);
  EXPECT_EQ(mirror_tree(), master_tree());
}

TEST_F(tree_walker, one_changed_file_deep_down_costs_two_requests)
{
  walk();
  master_.disk().edit_in_place(path("Docs/Deep/a,b;c=d.txt"), "DEEP");
  auto const s = walk();
  EXPECT_TRUE(s.complete);
  EXPECT_EQ(s.requests, 2u); // the changed listing came in the tree; then the file
  EXPECT_EQ(s.dirs, 1u);
  EXPECT_EQ(s.fetched, 1u);
  EXPECT_EQ(mirror_tree(), master_tree());
}

TEST_F(tree_walker, what_the_master_removed_is_purged_and_new_directories_come_whole)
{
  walk();
  master_.disk().remove_direct(path("Other/readme.txt"));
  master_.disk().remove_direct(path("Other"));
  master_.disk().write_file_direct(path("Docs/New/Deeper/n.txt"), "new");
  auto const s = walk();
  EXPECT_TRUE(s.complete);
  EXPECT_EQ(s.purged, 1u);
  EXPECT_EQ(s.fetched, 1u);
  EXPECT_EQ(mirror_tree(), master_tree());
}

TEST_F(tree_walker, a_walk_cut_short_vouches_for_nothing_and_the_next_one_finishes_the_job)
{
  walk();
  master_.disk().edit_in_place(path("Docs/plan 100%.txt"), "plan two");
  master_.disk().edit_in_place(path("Other/readme.txt"), "other two");
  EXPECT_FALSE(cut_short_walk().complete);
  EXPECT_FALSE(has_tree_tag()); // forgotten before anything changed, and not kept again
  auto const s = walk();
  EXPECT_TRUE(s.complete);
  EXPECT_EQ(s.fetched, 2u);
  EXPECT_EQ(mirror_tree(), master_tree());
  EXPECT_TRUE(has_tree_tag());
}

TEST_F(tree_walker, a_cold_walk_syncs_once_per_batch_not_twice_per_file)
{
  for(int i = 0; i < 70; ++i)
    master_.disk().write_file_direct(path("Bulk/f" + std::to_string(i) + ".txt"), "bulk " + std::to_string(i));
  auto const before = disk_.syncs();
  auto const s = walk();
  EXPECT_TRUE(s.complete);
  EXPECT_EQ(s.fetched, 74u);
  EXPECT_EQ(mirror_tree(), master_tree());
  auto const after = disk_.syncs();
  // No fetched file is synced on its own: only the walk's own records are
  // (five listings, the tree tag and the walk state, each replaced atomically).
  EXPECT_EQ(after.files - before.files, 7u);
  // Three batches of at most 32 (each synced before its renames), the
  // renames once at the end; directories are synced as they are made and
  // for the walk's own records (listings, the tree tag), not per file.
  EXPECT_EQ(after.all - before.all, 4u);
  EXPECT_LT(after.dirs - before.dirs, 74u);
}

TEST_F(tree_walker, a_crash_at_any_step_of_a_cold_walk_tears_no_file_and_the_next_walk_finishes)
{
  for(int i = 0; i < 40; ++i)
    master_.disk().write_file_direct(path("Bulk/f" + std::to_string(i) + ".txt"), std::string(10 + i, 'a'));
  auto const want = master_tree();
  using entries = sim::memory_filesystem::unsynced_entries;
  // Unsynced renames undone, and (the worst case for a file renamed before
  // its bytes were synced) kept.
  for(auto const at_crash : {entries::undone, entries::kept}) {
    std::uint64_t step = 1;
    for(;; ++step) {
      // A new mirror over an empty disk, which crashes at the step-th change.
      mirror_.reset();
      env_.reset();
      disk_ = sim::memory_filesystem([this] { return clock_.now(); });
      make_mirror();
      disk_.crash_after(step, at_crash);
      walk();
      if(! disk_.crashed()) {
        EXPECT_EQ(mirror_tree(), want); // the walk got through: every step was tried
        break;
      }
      disk_.restart(); // what was durable at the crash
      for(auto const& [name, bytes] : mirror_tree().files)
        EXPECT_EQ(bytes, want.files.at(name)) << "torn after a crash at step " << step << ": " << name;
      make_mirror();
      auto const again = walk();
      EXPECT_TRUE(again.complete) << "step " << step;
      EXPECT_EQ(mirror_tree(), want) << "after a crash at step " << step;
      EXPECT_TRUE(has_tree_tag()) << "step " << step;
    }
    EXPECT_GT(step, 44u); // at least one step per file fetched
  }
}

class tree_walker_vouching_early : public tree_walker {
protected:
  tree_walker_vouching_early() : tree_walker(config{.vouch_early = true}) {}
};

TEST_F(tree_walker_vouching_early, is_told_nothing_changed_and_stays_behind)
{
  // The broken variant the simulator's `vouches-early` mirror runs: what
  // keeping a tag before the walk completes costs.
  walk();
  master_.disk().edit_in_place(path("Docs/plan 100%.txt"), "plan two");
  EXPECT_FALSE(cut_short_walk().complete);
  auto const s = walk();
  EXPECT_EQ(s.requests, 1u); // 304: the tag says the copy is current
  EXPECT_NE(mirror_tree(), master_tree());
}

class tree_walker_and_an_old_master : public mirror_fixture {
protected:
  tree_walker_and_an_old_master() : mirror_fixture(config{}, core::principal::unrestricted("mirror"), false) {}
};

TEST_F(tree_walker_and_an_old_master, walks_directory_by_directory_from_the_listing_it_answers)
{
  auto const s = walk();
  EXPECT_TRUE(s.complete);
  EXPECT_EQ(s.dirs, 4u);
  EXPECT_EQ(s.requests, 8u); // `/?tree` answered with the root's listing; three more listings, four files
  EXPECT_EQ(mirror_tree(), master_tree());
  EXPECT_FALSE(disk_.snapshot().files.contains(".zddc-tree-tag"));
  master_.disk().edit_in_place(path("Docs/Deep/a,b;c=d.txt"), "DEEP");
  auto const again = walk();
  EXPECT_TRUE(again.complete);
  EXPECT_EQ(again.fetched, 1u);
  EXPECT_EQ(mirror_tree(), master_tree());
}

class scoped_tree_walker : public mirror_fixture {
protected:
  scoped_tree_walker()
    : mirror_fixture(config{}, core::principal{"vendor", {core::grant{path("/Docs/Deep"), core::access::read}}})
  {
  }
};

TEST_F(scoped_tree_walker, a_change_its_bearer_cannot_see_costs_one_request)
{
  EXPECT_TRUE(walk().complete);
  EXPECT_EQ(mirror_tree(), master_tree());
  master_.disk().edit_in_place(path("Other/readme.txt"), "changed where the vendor cannot look");
  auto const s = walk();
  EXPECT_EQ(s.requests, 1u);
  EXPECT_EQ(mirror_tree(), master_tree());
}

struct scripted_mirror_env {
  using clock_type = sim::virtual_clock;
  using filesystem_type = sim::memory_filesystem;
  using transport_type = zddc::testing::scripted_upstream;

  sim::virtual_clock& clock_;
  sim::memory_filesystem& fs_;
  zddc::testing::scripted_upstream to_master_;

  clock_type& clock() { return clock_; }
  filesystem_type& fs() { return fs_; }
  transport_type& transport() { return to_master_; }
  struct no_guard {};
  no_guard commit_guard() { return {}; }
};

/// A mirror whose master is a script: it says whatever a test makes it say.
class mirror_against_a_hostile_upstream : public ::testing::Test {
protected:
  mirror_against_a_hostile_upstream() { EXPECT_FALSE(mirror_.open()); }
  ~mirror_against_a_hostile_upstream() override
  {
    mirror_.walks().stop();
    sim::run_until(io_, clock_, clock_.now() + 1h);
  }

  walk_stats
  walk()
  {
    std::optional<std::optional<walk_stats>> out;
    boost::asio::co_spawn(io_, mirror_.walks().walk_now(core::repo_path()),
                          [&](std::exception_ptr e, std::optional<walk_stats> s) {
                            if(e)
                              std::rethrow_exception(e);
                            out = s;
                          });
    sim::run_while(io_, clock_, [&] { return ! out; }, clock_.now() + 10min);
    EXPECT_TRUE(out && *out) << "the walk did not end";
    return out && *out ? **out : walk_stats{};
  }

  std::map<std::string, zddc::testing::scripted_answer>& script() { return env_.to_master_.answers; }
  zddc::testing::scripted_upstream& upstream() { return env_.to_master_; }

  static std::string
  target(std::string_view decoded, bool directory = false)
  {
    auto const p = core::repo_path::parse(decoded);
    EXPECT_TRUE(p) << decoded;
    return std::string(
      core::encode(p ? *p : core::repo_path(), directory ? core::target_form::directory : core::target_form::file)
        .str());
  }

  /// The mirror's files, without its own bookkeeping.
  std::map<std::string, std::string>
  files()
  {
    auto all = disk_.snapshot().files;
    std::erase_if(all, [](auto const& f) {
      return f.first.starts_with(".zddc-") || f.first.ends_with("/.zddc-listing.json");
    });
    return all;
  }

  /// The first walk: `/a.txt` = "old", `/Docs/b.txt` = "bee".
  void
  first_walk()
  {
    script()["/"] = zddc::testing::listing_answer({{"Docs", true, {}}, {"a.txt", false, "old"}});
    script()["/Docs/"] = zddc::testing::listing_answer({{"b.txt", false, "bee"}});
    script()["/a.txt"] = zddc::testing::file_answer("old");
    script()["/Docs/b.txt"] = zddc::testing::file_answer("bee");
    ASSERT_TRUE(walk().complete);
    ASSERT_EQ(files(), kept());
  }

  static std::map<std::string, std::string> kept() { return {{"Docs/b.txt", "bee"}, {"a.txt", "old"}}; }

  boost::asio::io_context io_;
  sim::virtual_clock clock_{io_.get_executor()};
  sim::memory_filesystem disk_{[this] { return clock_.now(); }};
  scripted_mirror_env env_{clock_, disk_, {}};
  std::vector<std::string> troubles_;
  handler<scripted_mirror_env> mirror_{env_,
                                       cache::config{.bearer = {}, .download_bytes_max = 1 << 20},
                                       config{.parallel = 2, .tree = false}, // the script lists directory by directory
                                       io_.get_executor(),
                                       {},
                                       [this](const walk_event& e) {
                                         if(e.step == walk_step::trouble)
                                           troubles_.push_back(e.detail);
                                       }};
};

TEST_F(mirror_against_a_hostile_upstream, a_listing_naming_what_is_not_a_name_is_refused_and_purges_nothing)
{
  first_walk();
  for(auto const& bad : {std::string(".."), std::string("a/b"), std::string("exe.\xE2\x80\xAEgnp"),
                         std::string("a\xE2\x81\xA6" "b"), std::string(".zddc-listing.json"), std::string(".Zddc-x"),
                         std::string(core::segment_bytes_max + 1, 'n'), std::string("")}) {
    SCOPED_TRACE(::testing::PrintToString(bad));
    troubles_.clear();
    script()["/Docs/"] = zddc::testing::listing_answer({{bad, false, "evil"}}); // b.txt is not listed
    script()[target("a.txt")] = zddc::testing::file_answer("evil");
    auto const s = walk();
    EXPECT_FALSE(s.complete);
    EXPECT_EQ(s.purged, 0u);
    EXPECT_EQ(files(), kept()); // nothing of the bad listing, nothing purged by it
    ASSERT_EQ(troubles_.size(), 1u);
    EXPECT_NE(troubles_.front().find("listing /Docs/ does not parse"), std::string::npos);
  }
}

TEST_F(mirror_against_a_hostile_upstream, entries_deeper_or_longer_than_a_path_may_be_are_skipped_with_trouble)
{
  for(auto const& dir : {deep_path(core::repo_path_depth_max), long_path(core::repo_path_bytes_max)}) {
    SCOPED_TRACE(dir.size());
    script().clear();
    troubles_.clear();
    // Every directory on the way lists the next; the last one lists a file and a directory no path can name.
    std::string at;
    for(std::string_view rest = dir; ! rest.empty();) {
      auto const slash = rest.find('/');
      auto const name = std::string(rest.substr(0, slash));
      script()[at.empty() ? "/" : target(at, true)] = zddc::testing::listing_answer({{name, true, {}}});
      at += at.empty() ? name : "/" + name;
      rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    }
    script()[target(dir, true)] = zddc::testing::listing_answer({{"too deep", true, {}}, {"x.txt", false, "x"}});
    auto const s = walk();
    EXPECT_FALSE(s.complete);
    EXPECT_EQ(troubles_.size(), 2u);
    EXPECT_TRUE(disk_.snapshot().files.contains(dir + "/.zddc-listing.json"));
    EXPECT_FALSE(disk_.snapshot().files.contains(dir + "/x.txt"));
    EXPECT_FALSE(disk_.snapshot().dirs.contains(dir + "/too deep"));
    for(auto const& t : upstream().asked)
      EXPECT_TRUE(core::url_target::parse(t).has_value() && core::decode(*core::url_target::parse(t))) << t;
  }
}

// A file listed at 5 bytes that comes with 400 MB, or never ends: cut off
// at the listed size, the old copy kept, the walk goes on.
TEST_F(mirror_against_a_hostile_upstream, a_body_longer_than_listed_is_cut_off_and_the_old_copy_kept)
{
  first_walk();
  script()["/"] = zddc::testing::listing_answer({{"Docs", true, {}}, {"a.txt", false, "fresh"}});
  script()["/Docs/"] = zddc::testing::listing_answer({{"b.txt", false, "beer"}});
  auto huge = zddc::testing::file_answer("fresh");
  huge.endless_bytes_max = 400u << 20;
  script()["/a.txt"] = huge;
  script()["/Docs/b.txt"] = zddc::testing::file_answer("beer");
  upstream().bytes_sent = 0;
  auto const s = walk();
  EXPECT_FALSE(s.complete);
  auto const listings = script()["/"].body.size() + script()["/Docs/"].body.size();
  // "fresh", the 64 KiB of slack for an error page, one refused chunk, "beer"
  EXPECT_LE(upstream().bytes_sent, listings + 5 + 2 * 64 * 1024 + 4);
  EXPECT_EQ(files(), (std::map<std::string, std::string>{{"Docs/b.txt", "beer"}, {"a.txt", "old"}}));
  ASSERT_EQ(troubles_.size(), 1u);
  EXPECT_NE(troubles_.front().find("more than the 5 bytes listed"), std::string::npos);
}

// The cap is on the file, not on an error's page: a file listed at 3
// bytes and gone by the time it is asked for answers 404 with a longer
// page, and is purged as any 404 is.
TEST_F(mirror_against_a_hostile_upstream, an_error_page_longer_than_the_listed_size_is_still_an_error)
{
  first_walk();
  script()["/"] = zddc::testing::listing_answer({{"Docs", true, {}}, {"a.txt", false, "new"}});
  zddc::testing::scripted_answer gone;
  gone.status = http::status::not_found;
  gone.body = std::string(1000, 'x') + " was not found";
  script()["/a.txt"] = gone;
  auto const s = walk();
  EXPECT_TRUE(s.complete);
  EXPECT_TRUE(troubles_.empty()) << troubles_.front();
  EXPECT_EQ(s.purged, 1u);
  EXPECT_EQ(files(), (std::map<std::string, std::string>{{"Docs/b.txt", "bee"}}));
}

TEST_F(mirror_against_a_hostile_upstream, a_file_listed_larger_than_the_cap_is_not_asked_for)
{
  first_walk();
  auto listed = zddc::testing::listing_json({{"Docs", true, {}}, {"a.txt", false, "old"}});
  auto const at = listed.find("\"size\":3");
  ASSERT_NE(at, std::string::npos);
  listed.replace(at, 8, "\"size\":1099511627776"); // 1 TiB
  script()["/"].body = listed;
  upstream().asked.clear();
  auto const s = walk();
  EXPECT_FALSE(s.complete);
  EXPECT_EQ(std::ranges::count(upstream().asked, "/a.txt"), 0);
  EXPECT_EQ(files(), kept());
}

TEST_F(mirror_against_a_hostile_upstream, a_cut_body_keeps_the_old_copy_and_the_walk_goes_on)
{
  first_walk();
  script()["/"] = zddc::testing::listing_answer({{"Docs", true, {}}, {"a.txt", false, "fresh"}});
  script()["/Docs/"] = zddc::testing::listing_answer({{"b.txt", false, "beer"}});
  auto cut = zddc::testing::file_answer("fre");
  cut.cut = errc::protocol_error;
  script()["/a.txt"] = cut;
  script()["/Docs/b.txt"] = zddc::testing::file_answer("beer");
  auto const s = walk();
  EXPECT_FALSE(s.complete);
  EXPECT_EQ(files(), (std::map<std::string, std::string>{{"Docs/b.txt", "beer"}, {"a.txt", "old"}}));
}

TEST_F(mirror_against_a_hostile_upstream, redirects_are_not_followed_and_purge_nothing)
{
  first_walk();
  zddc::testing::scripted_answer away;
  away.status = http::status::moved_permanently;
  away.headers.set(http::field::location, "//evil.example/x");
  script()["/Docs/"] = away;
  script()["/"] = zddc::testing::listing_answer({{"Docs", true, {}}, {"a.txt", false, "fresh"}});
  script()["/a.txt"] = away;
  upstream().asked.clear();
  auto const s = walk();
  EXPECT_FALSE(s.complete);
  EXPECT_EQ(s.purged, 0u);
  EXPECT_EQ(files(), kept());
  EXPECT_EQ(troubles_.size(), 2u);
  for(auto const& t : upstream().asked)
    EXPECT_EQ(t.find("evil"), std::string::npos);
}

// Issue 15: one dropped request or injected 502 spoiled the whole walk.
TEST_F(mirror_against_a_hostile_upstream, a_request_that_fails_a_few_times_is_asked_again_and_the_walk_completes)
{
  first_walk();
  script()["/"] = zddc::testing::listing_answer({{"Docs", true, {}}, {"a.txt", false, "fresh"}});
  script()["/a.txt"] = zddc::testing::file_answer("fresh");
  zddc::testing::scripted_answer busy;
  busy.status = http::status::service_unavailable;
  busy.headers.set(http::field::retry_after, "7");
  auto cut = zddc::testing::file_answer("fr");
  cut.cut = errc::protocol_error;
  zddc::testing::scripted_answer lost;
  lost.cut = errc::timed_out;
  upstream().first["/Docs/"] = {busy, lost};
  upstream().first["/a.txt"] = {cut};
  auto const started = clock_.now();
  auto const s = walk();
  EXPECT_TRUE(s.complete) << (troubles_.empty() ? "" : troubles_.front());
  EXPECT_EQ(s.retries, 3u);
  EXPECT_EQ(s.failed, 0u);
  EXPECT_EQ(files(), (std::map<std::string, std::string>{{"Docs/b.txt", "bee"}, {"a.txt", "fresh"}}));
  EXPECT_GE(clock_.now() - started, 7s); // the master's Retry-After was honoured
}

TEST_F(mirror_against_a_hostile_upstream, a_directory_that_keeps_failing_is_left_as_it_was_and_the_rest_goes_on)
{
  first_walk();
  script()["/"] = zddc::testing::listing_answer({{"Docs", true, {}}, {"a.txt", false, "fresh"}});
  script()["/a.txt"] = zddc::testing::file_answer("fresh");
  zddc::testing::scripted_answer broken;
  broken.status = http::status::bad_gateway;
  script()["/Docs/"] = broken;
  upstream().asked.clear();
  auto const s = walk();
  EXPECT_FALSE(s.complete);
  EXPECT_EQ(s.failed, 1u);
  EXPECT_EQ(s.retries, 4u); // --mirror-retries' default
  EXPECT_EQ(std::ranges::count(upstream().asked, "/Docs/"), 5);
  ASSERT_EQ(troubles_.size(), 1u);
  EXPECT_NE(troubles_.front().find("/Docs/"), std::string::npos) << troubles_.front(); // says which
  EXPECT_EQ(s.purged, 0u); // a 502 is not a listing: nothing under it goes
  EXPECT_EQ(files(), (std::map<std::string, std::string>{{"Docs/b.txt", "bee"}, {"a.txt", "fresh"}}));
}

} // namespace
} // namespace zddc::mirror::testing
