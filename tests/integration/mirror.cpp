// Two real daemons on loopback, a master over the fixture and a mirror of
// it: walks started by a request, as an operator would see them on disk and
// in the state file.
#include "fixture_tree.hpp"
#include "harness.hpp"

#include "fixtures/generator.hpp"

#include <zddc/cache/outbox.hpp>
#include <zddc/core/url_target.hpp>
#include <zddc/mirror/state.hpp>

#include <map>
#include <set>

namespace zddc::integration {
namespace {

namespace fs = std::filesystem;

/// What a tree holds, by path relative to its root: every file with its
/// bytes, and every directory. The server's own `.zddc*` names are left out.
struct disk_tree {
  std::map<std::string, std::string> files;
  std::set<std::string> dirs;

  friend bool operator==(const disk_tree&, const disk_tree&) = default;
};

disk_tree
read_tree(const fs::path& root)
{
  disk_tree t;
  for(auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    if(core::is_reserved_name(it->path().filename().string())) {
      it.disable_recursion_pending();
      continue;
    }
    auto const rel = it->path().lexically_relative(root).generic_string();
    if(it->is_directory())
      t.dirs.insert(rel);
    else
      t.files[rel] = slurp(it->path());
  }
  return t;
}

/// The part of `t` within `subtree` (a relative path).
disk_tree
within(const disk_tree& t, const std::string& subtree)
{
  auto const inside = [&](const std::string& p) { return p == subtree || p.starts_with(subtree + "/"); };
  disk_tree out;
  for(auto const& [p, bytes] : t.files)
    if(inside(p))
      out.files[p] = bytes;
  for(auto const& d : t.dirs)
    if(inside(d))
      out.dirs.insert(d);
  return out;
}

env::time_point
now()
{
  return std::chrono::time_point_cast<env::duration>(std::chrono::system_clock::now());
}

class mirror_daemon : public ::testing::Test {
protected:
  // The tiny-bodied fixture is written once, without fsync (a burst of
  // syncs here would slow the mirror's own); each test serves its own copy,
  // which it may change.
  static void TearDownTestSuite() { fixture_tree::release(); }

  mirror_daemon() { fixture_tree::copy_to(master_root()); }

  fs::path master_root() const { return dir_.path() / "master"; }
  fs::path mirror_root() const { return dir_.path() / "mirror"; }
  std::string state_dir() const { return (dir_.path() / "state").string(); }

  void
  start_master(std::vector<std::string> auth = {"--no-auth"}, std::optional<std::uint16_t> port = std::nullopt)
  {
    std::vector<std::string> args{"--root", master_root().string(), "--state-dir", state_dir()};
    args.insert(args.end(), auth.begin(), auth.end());
    if(port)
      master_.emplace(args, "127.0.0.1:" + std::to_string(*port));
    else
      master_.emplace(args);
  }

  /// A mirror of the master; it walks on every request unless `extra`
  /// gives its own --mirror-min-interval.
  void
  start_mirror(std::vector<std::string> extra = {})
  {
    std::vector<std::string> args{"--mode", "mirror", "--root", mirror_root().string(), "--upstream",
                                  "http://127.0.0.1:" + std::to_string(master_->port())};
    if(std::ranges::find(extra, "--mirror-min-interval") == extra.end())
      args.insert(args.end(), {"--mirror-min-interval", "0s"});
    args.insert(args.end(), extra.begin(), extra.end());
    mirror_.emplace(args);
  }

  /// The mirror's record of `subtree` once a walk that began at or after `asked` is in it.
  std::optional<mirror::subtree_record>
  recorded_walk(const core::repo_path& subtree, env::time_point asked)
  {
    std::optional<mirror::subtree_record> found;
    eventually(
      [&] {
        auto const state = mirror::state_from_json(slurp(mirror_root() / mirror::state_file_name));
        if(! state)
          return false;
        auto const it = state->subtrees.find(subtree);
        if(it == state->subtrees.end() || it->second.last_attempt < asked)
          return false;
        found = it->second;
        return true;
      },
      60s); // a bound, not a target: a cold walk takes about a second on a quiet machine
    return found;
  }

  /// Asks the mirror for `subtree`'s listing, which starts a walk of it,
  /// and returns that walk's record once the mirror has written it.
  mirror::subtree_record
  walk(const core::repo_path& subtree = {})
  {
    auto const asked = now();
    auto const listing = client(mirror_->port())
                           .get(std::string(core::encode(subtree, core::target_form::directory).str()),
                                {{http::field::accept, "application/json"}});
    EXPECT_EQ(listing.status, http::status::ok) << listing.body;
    auto const found = recorded_walk(subtree, asked);
    if(! found) {
      ADD_FAILURE() << "no walk of /" << subtree.str() << " recorded\n" << mirror_->log();
      return {};
    }
    return *found;
  }

  temp_dir dir_;
  std::optional<daemon_process> master_;
  std::optional<daemon_process> mirror_;
};

TEST_F(mirror_daemon, a_first_walk_brings_every_file_with_its_name_intact)
{
  start_master();
  start_mirror();
  auto const master = read_tree(master_root());
  ASSERT_EQ(master.files.size(), 553u);
  // Names a percent-encoding slip would mangle, on the master's side.
  ASSERT_TRUE(master.dirs.contains("Site Office (A\xCC\x81rea Norte)/Photos 100%")); // NFD

  auto const first = walk();
  EXPECT_TRUE(first.last.complete) << mirror_->log();
  EXPECT_EQ(first.last.dirs, master.dirs.size() + 1); // and the root
  EXPECT_EQ(first.last.files, 553u);
  EXPECT_EQ(first.last.fetched, 553u);
  EXPECT_EQ(first.last.purged, 0u);
  std::uint64_t bytes = 0;
  for(auto const& [path, body] : master.files)
    bytes += body.size();
  EXPECT_EQ(first.last.bytes, bytes);

  auto const copy = read_tree(mirror_root());
  EXPECT_EQ(copy.dirs, master.dirs);
  EXPECT_EQ(copy.files.size(), master.files.size());
  for(auto const& [path, body] : master.files) {
    auto const it = copy.files.find(path);
    ASSERT_NE(it, copy.files.end()) << "missing " << path;
    EXPECT_EQ(it->second, body) << path;
  }
  EXPECT_NE(mirror_->wait_for_log("msg=\"mirror: walk finished\"", 1s), "") << mirror_->log();
  EXPECT_EQ(mirror_->terminate(10s), 0) << mirror_->log();
}

TEST_F(mirror_daemon, a_walk_over_an_unchanged_tree_is_one_request)
{
  start_master();
  start_mirror();
  auto const first = walk();
  ASSERT_TRUE(first.last.complete) << mirror_->log();

  auto const second = walk();
  EXPECT_TRUE(second.last.complete);
  EXPECT_EQ(second.last.fetched, 0u);
  EXPECT_EQ(second.last.purged, 0u);
  EXPECT_EQ(second.last.bytes, 0u);
  EXPECT_EQ(second.last.requests, 1u); // `/?tree` answered 304: nothing below changed
  EXPECT_EQ(read_tree(mirror_root()), read_tree(master_root()));
}

TEST_F(mirror_daemon, walking_directory_by_directory_an_unchanged_tree_fetches_nothing)
{
  start_master();
  start_mirror({"--mirror-no-tree"});
  auto const first = walk();
  ASSERT_TRUE(first.last.complete) << mirror_->log();

  auto const second = walk();
  EXPECT_TRUE(second.last.complete);
  EXPECT_EQ(second.last.fetched, 0u);
  EXPECT_EQ(second.last.unchanged, 553u);
  EXPECT_EQ(second.last.purged, 0u);
  EXPECT_EQ(second.last.bytes, 0u);
  EXPECT_EQ(second.last.dirs, first.last.dirs);
  EXPECT_EQ(second.last.requests, second.last.dirs); // one conditional listing per directory, nothing else
  EXPECT_EQ(read_tree(mirror_root()), read_tree(master_root()));
}

TEST_F(mirror_daemon, a_walk_mirrors_deletions_and_edits_made_on_the_master)
{
  start_master();
  start_mirror();
  ASSERT_TRUE(walk().last.complete) << mirror_->log();

  // Three files gone, three changed: one grown, one shrunk, one edited in
  // place to the same size (only its bytes and mtime move).
  auto const plan = fixtures::plan({});
  std::vector<fs::path> files;
  for(auto const& f : plan.files)
    files.push_back(master_root() / std::string(f.path.str()));
  ASSERT_EQ(files.size(), 553u);
  for(auto const i : {0, 200, 400})
    ASSERT_TRUE(fs::remove(files[i])) << files[i];
  spit(files[100], slurp(files[100]) + " and an appendix");
  spit(files[300], slurp(files[300]).substr(0, 3));
  auto const same_size = slurp(files[500]);
  {
    std::fstream in_place(files[500], std::ios::in | std::ios::out | std::ios::binary);
    in_place.seekp(0);
    in_place.put(same_size[0] == 'x' ? 'y' : 'x');
  }
  ASSERT_EQ(fs::file_size(files[500]), same_size.size());
  ASSERT_NE(slurp(files[500]), same_size);

  // Edited by hand on the master's disk: its inotify watch sees it, and the
  // tree brings only the listings of the directories that changed.
  auto const after = walk();
  EXPECT_TRUE(after.last.complete) << mirror_->log();
  EXPECT_EQ(after.last.fetched, 3u);
  EXPECT_EQ(after.last.purged, 3u);
  EXPECT_LE(after.last.dirs, 9u); // the six files' directories, and the parents of those whose mtime moved
  EXPECT_EQ(after.last.requests, 4u); // the tree, three files
  EXPECT_EQ(read_tree(mirror_root()), read_tree(master_root()));
}

TEST_F(mirror_daemon, a_token_limited_to_one_subtree_mirrors_only_that_subtree)
{
  auto [code, out] = run_command({ZDDC_BINARY, "token", "issue", "--name", "mirror", "--grant",
                                  "/Vendors/vendorA:r", "--state-dir", state_dir()});
  ASSERT_EQ(code, 0) << out;
  auto const token = out.substr(0, out.find('\n'));
  start_master({});
  start_mirror({"--bearer", token});

  auto const record = walk();
  EXPECT_TRUE(record.last.complete) << mirror_->log();
  EXPECT_EQ(record.last.purged, 0u);
  auto const granted = within(read_tree(master_root()), "Vendors/vendorA");
  ASSERT_EQ(granted.files.size(), 41u);
  EXPECT_EQ(record.last.fetched, granted.files.size());

  auto const copy = read_tree(mirror_root());
  EXPECT_EQ(copy.files, granted.files); // nothing of vendorAB, nor of anything else
  auto expected_dirs = granted.dirs;
  expected_dirs.insert("Vendors"); // the way down to the grant
  EXPECT_EQ(copy.dirs, expected_dirs);
}

TEST_F(mirror_daemon, a_corrupt_state_file_is_reported_at_start_and_replaced)
{
  spit(mirror_root() / mirror::state_file_name, "{\"subtrees\": {\"/\": tru");
  start_master();
  auto const subtree = *core::repo_path::parse("Vendors/vendorA");
  start_mirror({"--mirror-subtree", "/Vendors/vendorA"});
  auto const reported = mirror_->wait_for_log("msg=\"mirror: state file unusable", 1s);
  EXPECT_NE(reported.find("level=warn"), std::string::npos) << mirror_->log();

  auto const record = walk(subtree);
  EXPECT_TRUE(record.last.complete) << mirror_->log();
  auto const state = mirror::state_from_json(slurp(mirror_root() / mirror::state_file_name));
  ASSERT_TRUE(state);
  EXPECT_EQ(state->subtrees.size(), 1u);
  EXPECT_TRUE(state->subtrees.contains(subtree));
  EXPECT_EQ(within(read_tree(mirror_root()), "Vendors/vendorA"), within(read_tree(master_root()), "Vendors/vendorA"));
}

// Issue 15: an incomplete walk recorded its start like a complete one, so
// after an outage the mirror stayed stale for up to --mirror-min-interval.
// Now it resumes at the next access after --mirror-retry-interval, and the
// page, health and metrics say when the subtree was last fully up to date.
TEST_F(mirror_daemon, a_walk_cut_short_by_an_outage_resumes_soon_and_the_last_complete_walk_is_shown)
{
  start_master();
  auto const port = master_->port();
  start_mirror({"--mirror-min-interval", "1h", "--mirror-retry-interval", "1s", "--mirror-retries", "1"});
  ASSERT_EQ(master_->terminate(10s), 0);

  auto const asked = now();
  client c(mirror_->port());
  EXPECT_EQ(c.get("/").status, http::status::gateway_timeout); // nothing kept yet, and no master
  auto const cut = recorded_walk(core::repo_path(), asked);
  ASSERT_TRUE(cut) << mirror_->log();
  EXPECT_FALSE(cut->last.complete);
  EXPECT_EQ(cut->failures, 1u);
  EXPECT_FALSE(cut->last_complete);
  auto const health = c.get("/.zddc/health").body;
  EXPECT_NE(health.find(R"("last_complete_walk":null)"), std::string::npos) << health;
  EXPECT_NE(health.find(R"("incomplete_walks":1)"), std::string::npos) << health;

  start_master({"--no-auth"}, port);
  // A person keeps using the mirror: once the retry interval (1s, not the
  // hour) has passed, one of these requests resumes the walk.
  std::optional<mirror::subtree_record> resumed;
  ASSERT_TRUE(eventually(
    [&] {
      EXPECT_EQ(c.get("/").status, http::status::ok);
      auto const state = mirror::state_from_json(slurp(mirror_root() / mirror::state_file_name));
      if(! state || ! state->subtrees.contains(core::repo_path()))
        return false;
      auto const& record = state->subtrees.at(core::repo_path());
      if(record.last_attempt <= cut->last_attempt)
        return false;
      resumed = record;
      return true;
    },
    60s))
    << mirror_->log();
  EXPECT_LT(resumed->last_attempt - cut->last_attempt, std::chrono::minutes(1)); // long before the hour
  EXPECT_TRUE(resumed->last.complete) << mirror_->log();
  EXPECT_EQ(resumed->failures, 0u);
  ASSERT_TRUE(resumed->last_complete);
  EXPECT_EQ(*resumed->last_complete, resumed->last_attempt);
  EXPECT_EQ(read_tree(mirror_root()), read_tree(master_root()));

  auto const walked_at = cache::detail::rfc3339(*resumed->last_complete);
  EXPECT_NE(c.get("/").body.find("Mirror of the master: last fully up to date at " + walked_at), std::string::npos);
  EXPECT_NE(c.get("/.zddc/health").body.find(R"("last_complete_walk":")" + walked_at), std::string::npos);
  auto const metrics = c.get("/.zddc/metrics").body;
  EXPECT_NE(metrics.find("zddc_mirror_walk_complete{subtree=\"/\"} 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("zddc_mirror_incomplete_walks{subtree=\"/\"} 0\n"), std::string::npos) << metrics;
}

TEST_F(mirror_daemon, stops_gracefully_in_the_middle_of_a_walk)
{
  start_master();
  start_mirror({"--mirror-parallel", "1"});
  EXPECT_EQ(client(mirror_->port()).get("/").status, http::status::ok);
  ASSERT_NE(mirror_->wait_for_log("msg=\"mirror: walk started\"", 10s), "") << mirror_->log();
  EXPECT_EQ(mirror_->terminate(10s), 0) << mirror_->log();
  EXPECT_EQ(mirror_->log().find("mirror: walk finished"), std::string::npos) << "the walk was not cut short";
}

} // namespace
} // namespace zddc::integration
