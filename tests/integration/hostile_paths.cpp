// The hostile-client suite, path classes (issue 12): requests at and past
// the path limits, symlinks placed inside the root, grants stretched to the
// directories above them, invisible bidirectional controls, and the temp
// files a crash leaves behind. Each runs against real daemons on loopback.
#include "harness.hpp"

#include <zddc/core/path.hpp>

#include <sys/stat.h>
#include <utime.h>

namespace zddc::integration {
namespace {

namespace stdfs = std::filesystem;

std::vector<std::pair<http::field, std::string>>
bearer(const std::string& token)
{
  return {{http::field::authorization, "Bearer " + token}};
}

/// A request target `/d/d/.../d/` of `depth` segments, each `segment`.
std::string
deep_target(std::size_t depth, const std::string& segment)
{
  std::string t;
  for(std::size_t i = 0; i < depth; ++i)
    t += "/" + segment;
  return t + "/";
}

class hostile_paths : public ::testing::Test {
protected:
  stdfs::path root() const { return dir_.path() / "root"; }
  std::string state() const { return (dir_.path() / "state").string(); }

  std::string
  issue(const std::string& name, const std::string& grant)
  {
    auto [code, out] = run_command({ZDDC_BINARY, "token", "issue", "--name", name, "--grant", grant, "--state-dir", state()});
    EXPECT_EQ(code, 0) << out;
    return out.substr(0, out.find('\n'));
  }

  temp_dir dir_;
};

// Finding 1: one unauthenticated GET of a directory at the path limit killed
// a cache with SIGSEGV (its listing sidecar could not be named).
TEST_F(hostile_paths, deep_and_long_directory_targets_never_crash_a_cache)
{
  std::string deep_dir; // the deepest directory that may hold a file
  for(std::size_t i = 0; i + 1 < core::repo_path_depth_max; ++i)
    deep_dir += (i ? "/d" : "d");
  spit(root() / deep_dir / "leaf.txt", "at the bottom");
  stdfs::create_directories(root() / deep_dir / "d"); // the deepest directory there is
  daemon_process master({"--root", root().string(), "--no-auth"});
  daemon_process cache({"--mode", "cache", "--root", (dir_.path() / "cache").string(), "--upstream",
                        "http://127.0.0.1:" + std::to_string(master.port())});
  client c(cache.port());
  for(std::size_t depth : {core::repo_path_depth_max - 1, core::repo_path_depth_max, core::repo_path_depth_max + 1,
                           core::path_depth_max, core::path_depth_max + 1}) {
    auto const r = c.get(deep_target(depth, "d"));
    SCOPED_TRACE(depth);
    if(depth <= core::repo_path_depth_max)
      EXPECT_EQ(r.status, http::status::ok);
    else
      EXPECT_EQ(r.status, http::status::bad_request);
  }
  for(std::size_t count : {11, 12, 13}) {
    auto const r = c.get(deep_target(count, std::string(255, 'n')));
    EXPECT_TRUE(r.status == http::status::bad_request || r.status == http::status::not_found) << count << " " << r.status;
  }
  auto const leaf = c.get("/" + deep_dir + "/leaf.txt");
  EXPECT_EQ(leaf.status, http::status::ok);
  EXPECT_EQ(leaf.body, "at the bottom");
  EXPECT_EQ(c.get("/.zddc/health").status, http::status::ok); // still alive
  EXPECT_EQ(master.terminate(10s), 0);
  EXPECT_EQ(cache.terminate(10s), 0);
}

// Finding 2: each PUT near the path limit leaked a descriptor and a temp
// file; 51 of them under `ulimit -n 64` left a master answering 500.
TEST_F(hostile_paths, puts_at_the_path_limit_leak_nothing)
{
  std::string dir = "x";
  while(dir.size() + 2 + 255 <= core::repo_path_bytes_max)
    dir += "/" + std::string(255, 'x');
  stdfs::create_directories(root() / dir);
  daemon_process master({"--root", root().string(), "--no-auth"});
  client c(master.port());
  auto const name = std::string(core::repo_path_bytes_max - dir.size() - 1, 'f');
  for(int i = 0; i < 80; ++i) {
    auto const r = c.send(http::verb::put, "/" + dir + "/" + name, {}, "body");
    ASSERT_TRUE(r.status == http::status::created || r.status == http::status::no_content) << r.status << r.body;
  }
  auto const too_long = c.send(http::verb::put, "/" + dir + "/" + name + "g", {}, "body");
  EXPECT_EQ(too_long.status, http::status::bad_request);
  std::size_t temps = 0;
  for(auto const& e : stdfs::directory_iterator(root() / dir))
    temps += e.path().filename().string().starts_with(".zddc-tmp-");
  EXPECT_EQ(temps, 0u);
  EXPECT_EQ(c.get("/" + dir + "/" + name).body, "body");
}

// Finding 3: a symlink placed inside the root carried a vendor's grant into
// its neighbour's folder, for reads, writes and deletes.
TEST_F(hostile_paths, a_symlink_cannot_carry_a_grant_into_another_subtree)
{
  spit(root() / "Vendors" / "vendorA" / "a.txt", "A");
  spit(root() / "Vendors" / "vendorB" / "b.txt", "B's secret");
  stdfs::create_directory_symlink("../vendorB", root() / "Vendors" / "vendorA" / "linkB");
  stdfs::create_symlink("a.txt", root() / "Vendors" / "vendorA" / "alias.txt");
  auto const vendor = issue("vendorA", "/Vendors/vendorA:rw");
  daemon_process master({"--root", root().string(), "--state-dir", state()});
  client c(master.port());
  EXPECT_EQ(c.get("/Vendors/vendorA/linkB/b.txt", bearer(vendor)).status, http::status::not_found);
  EXPECT_EQ(c.get("/Vendors/vendorA/linkB/", bearer(vendor)).status, http::status::not_found);
  auto const put = c.send(http::verb::put, "/Vendors/vendorA/linkB/planted.txt", bearer(vendor), "x");
  EXPECT_TRUE(put.status == http::status::forbidden || put.status == http::status::not_found) << put.status;
  auto const del = c.send(http::verb::delete_, "/Vendors/vendorA/linkB/b.txt", bearer(vendor));
  EXPECT_TRUE(del.status == http::status::forbidden || del.status == http::status::not_found) << del.status;
  EXPECT_EQ(slurp(root() / "Vendors" / "vendorB" / "b.txt"), "B's secret");
  EXPECT_FALSE(stdfs::exists(root() / "Vendors" / "vendorB" / "planted.txt"));

  auto const listing = c.get("/Vendors/vendorA/", {{http::field::authorization, "Bearer " + vendor},
                                                   {http::field::accept, "application/json"}});
  EXPECT_EQ(listing.body.find("linkB"), std::string::npos) << listing.body;
  EXPECT_EQ(c.get("/Vendors/vendorA/alias.txt", bearer(vendor)).body, "A"); // a link within its folder works
}

// A conditional GET is answered from a glance at the file, which follows
// links (master::handler::known_state). A folder swapped for a link out of
// the root after its file's tag was learned must not turn that into a 304
// for a file outside, nor send a byte of it.
TEST_F(hostile_paths, a_folder_swapped_for_a_link_out_of_the_root_is_not_answered_from_a_glance)
{
  auto const outside = dir_.path() / "outside";
  spit(root() / "Docs" / "a.txt", "inside");
  spit(outside / "other" / "a.txt", "secret"); // the same size
  struct utimbuf const old_times{1'000'000'000, 1'000'000'000}; // settled long ago: its tag is trusted
  for(auto const& f : {root() / "Docs" / "a.txt", outside / "other" / "a.txt"})
    ASSERT_EQ(::utime(f.c_str(), &old_times), 0);
  daemon_process master({"--root", root().string(), "--no-auth"});
  client c(master.port());
  auto const first = c.get("/Docs/a.txt");
  ASSERT_EQ(first.status, http::status::ok);
  auto const tag = first.header(http::field::etag);
  ASSERT_EQ(c.get("/Docs/a.txt", {{http::field::if_none_match, tag}}).status, http::status::not_modified);

  // Another file out there, with the same size and mtime: not a 304, and not its bytes.
  stdfs::rename(root() / "Docs", outside / "Docs");
  stdfs::create_directory_symlink(outside / "other", root() / "Docs");
  auto const swapped = c.get("/Docs/a.txt", {{http::field::if_none_match, tag}});
  EXPECT_EQ(swapped.status, http::status::not_found);
  EXPECT_EQ(swapped.body.find("secret"), std::string::npos);
  EXPECT_EQ(c.get("/Docs/a.txt").status, http::status::not_found);

  // The very file it served, moved out and linked back: at most the 304 it
  // had before (its identity, which the client sent), and no bytes.
  stdfs::remove(root() / "Docs");
  stdfs::create_directory_symlink(outside / "Docs", root() / "Docs");
  auto const same = c.get("/Docs/a.txt", {{http::field::if_none_match, tag}});
  EXPECT_TRUE(same.status == http::status::not_modified || same.status == http::status::not_found) << same.status;
  EXPECT_TRUE(same.body.empty() || same.status == http::status::not_found);
  EXPECT_EQ(c.get("/Docs/a.txt").status, http::status::not_found);
}

// Finding 13: a PUT made the missing ancestors of a grant's root.
TEST_F(hostile_paths, a_put_creates_no_directory_above_the_writers_grant)
{
  stdfs::create_directories(root());
  auto const vendor = issue("vendorX", "/NewTop/vendorX:rw");
  daemon_process master({"--root", root().string(), "--state-dir", state()});
  client c(master.port());
  EXPECT_EQ(c.send(http::verb::put, "/NewTop/vendorX/a.pdf", bearer(vendor), "x").status, http::status::forbidden);
  EXPECT_FALSE(stdfs::exists(root() / "NewTop"));
  stdfs::create_directories(root() / "NewTop");
  EXPECT_EQ(c.send(http::verb::put, "/NewTop/vendorX/a.pdf", bearer(vendor), "x").status, http::status::created);
  EXPECT_EQ(slurp(root() / "NewTop" / "vendorX" / "a.pdf"), "x");
}

// Finding 14: a name with a right-to-left override displays `exe.gnp` as
// `png.exe`; it is refused like any other control character.
TEST_F(hostile_paths, a_fifo_in_the_tree_answers_404_and_stalls_nothing)
{
  spit(root() / "Docs" / "real.pdf", "a document");
  ASSERT_EQ(::mkfifo((root() / "Docs" / "pipe.pdf").c_str(), 0600), 0); // made by someone at the machine
  daemon_process master({"--root", root().string(), "--no-auth"});
  client c(master.port());
  EXPECT_EQ(c.get("/Docs/pipe.pdf").status, http::status::not_found); // opened without waiting for a writer
  EXPECT_EQ(c.get("/Docs/real.pdf").body, "a document");              // and the loop goes on
  auto const listing = c.get("/Docs/", {{http::field::accept, "application/json"}});
  EXPECT_EQ(listing.body.find("pipe.pdf"), std::string::npos);
}

TEST_F(hostile_paths, bidi_controls_in_names_are_refused)
{
  stdfs::create_directories(root());
  daemon_process master({"--root", root().string(), "--no-auth"});
  client c(master.port());
  for(std::string t : {"/x%E2%80%AEgnp.exe", "/a%E2%81%A6b.pdf", "/dir%E2%80%AB/f.txt"}) {
    EXPECT_EQ(c.send(http::verb::put, t, {}, "x").status, http::status::bad_request) << t;
    EXPECT_EQ(c.get(t).status, http::status::bad_request) << t;
  }
  EXPECT_TRUE(stdfs::is_empty(root()));
}

// Finding 8: temp files left by a crash mid-PUT stayed for ever, and made a
// directory whose listing is empty impossible to delete.
TEST_F(hostile_paths, temp_files_a_crash_left_are_swept)
{
  spit(root() / "Old" / ".zddc-tmp-999-1-1", "half of an old upload");
  spit(root() / "Fresh" / ".zddc-tmp-999-2-2", "a write that may still be running");
  struct utimbuf const old_times{1'000'000'000, 1'000'000'000}; // 2001
  ASSERT_EQ(::utime((root() / "Old" / ".zddc-tmp-999-1-1").c_str(), &old_times), 0);
  daemon_process master({"--root", root().string(), "--no-auth"});
  EXPECT_FALSE(stdfs::exists(root() / "Old" / ".zddc-tmp-999-1-1")); // swept at start
  EXPECT_TRUE(stdfs::exists(root() / "Fresh" / ".zddc-tmp-999-2-2"));
  client c(master.port());
  EXPECT_EQ(c.send(http::verb::delete_, "/Old/").status, http::status::no_content);
  EXPECT_EQ(c.send(http::verb::delete_, "/Fresh/").status, http::status::conflict);
}

} // namespace
} // namespace zddc::integration
