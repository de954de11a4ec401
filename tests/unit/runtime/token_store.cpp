#include "runtime/token_cli.hpp"
#include "runtime/token_store.hpp"

#include "../../support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <sys/stat.h>

namespace zddc::runtime {
namespace token_store_test {

namespace stdfs = std::filesystem;

class token_store_test : public ::testing::Test {
protected:
  void
  SetUp() override
  {
    dir_ = test_support::make_temp_dir("zddc-tokens");
  }
  void TearDown() override { stdfs::remove_all(dir_); }

  std::string path() const { return (dir_ / "state" / "tokens.json").string(); }

  std::string
  file_text() const
  {
    std::ifstream in(path());
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  stdfs::path dir_;
};

core::grant
g(std::string_view text)
{
  auto r = parse_grant(text);
  EXPECT_TRUE(r) << text;
  return *r;
}

TEST_F(token_store_test, issued_tokens_authenticate_with_their_grants)
{
  auto store = token_store::open(path());
  ASSERT_TRUE(store) << store.error().message();
  auto issued = store->issue("vendorA", {g("/vendorA:rw"), g("/Public:r")});
  ASSERT_TRUE(issued);
  EXPECT_TRUE(issued->token.starts_with("zddc_"));
  auto who = store->authenticate(issued->token);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->name, "vendorA");
  EXPECT_EQ(who->grants, (std::vector<core::grant>{g("/vendorA:rw"), g("/Public:r")}));
  EXPECT_EQ(store->authenticate(issued->token), who); // made once, shared by every request
  EXPECT_FALSE(store->authenticate(issued->token.substr(0, issued->token.size() - 1)));
  EXPECT_FALSE(store->authenticate(issued->token + "x"));
  EXPECT_FALSE(store->authenticate("zddc_not-a-token"));
  EXPECT_FALSE(store->authenticate(""));
}

TEST_F(token_store_test, the_file_holds_hashes_never_tokens_and_is_private)
{
  auto store = token_store::open(path());
  ASSERT_TRUE(store);
  auto issued = store->issue("a", {g("/:r")});
  ASSERT_TRUE(issued);
  auto const text = file_text();
  EXPECT_EQ(text.find(issued->token), std::string::npos);
  EXPECT_EQ(text.find(issued->token.substr(5)), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat(path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ / "state").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(token_store_test, tokens_survive_reopening_and_revocation_sticks)
{
  std::string t1, t2, id2;
  {
    auto store = token_store::open(path());
    ASSERT_TRUE(store);
    t1 = store->issue("one", {g("/a:r")})->token;
    auto second = store->issue("two", {g("/b:rw")});
    t2 = second->token;
    id2 = second->id;
  }
  auto store = token_store::open(path());
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->authenticate(t1));
  EXPECT_FALSE(store->revoke(id2));
  EXPECT_FALSE(store->revoke("one"));
  EXPECT_EQ(store->revoke("nobody"), errc::not_found);
  auto again = token_store::open(path());
  EXPECT_FALSE(again->authenticate(t1));
  EXPECT_FALSE(again->authenticate(t2));
  EXPECT_TRUE(again->list().empty());
}

TEST_F(token_store_test, a_corrupt_store_is_an_error_not_an_empty_store)
{
  stdfs::create_directories(dir_ / "state");
  std::ofstream(path()) << "{ not json";
  EXPECT_FALSE(token_store::open(path()));
  std::ofstream(path()) << R"({"key":"00","tokens":[]})";
  EXPECT_FALSE(token_store::open(path()));
}

TEST_F(token_store_test, a_stale_readable_temp_never_makes_the_store_readable)
{
  // Finding 12: a 0644 tokens.json.tmp left behind was reused (O_TRUNC keeps
  // its mode) and renamed over the store, which then stayed 0644.
  stdfs::create_directories(dir_ / "state");
  std::ofstream(path() + ".tmp") << "stale";
  ASSERT_EQ(::chmod((path() + ".tmp").c_str(), 0644), 0);
  auto store = token_store::open(path());
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->issue("a", {g("/:r")}));
  struct stat st {};
  ASSERT_EQ(::stat(path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // No temp of any name is left beside the store, the stale one included.
  std::vector<std::string> names;
  for(auto const& e : stdfs::directory_iterator(dir_ / "state"))
    names.push_back(e.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"tokens.json"});
}

TEST_F(token_store_test, a_planted_temp_symlink_is_not_followed)
{
  stdfs::create_directories(dir_ / "state");
  stdfs::create_symlink(dir_ / "elsewhere.json", path() + ".tmp");
  auto store = token_store::open(path());
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->issue("a", {g("/:r")}));
  EXPECT_FALSE(stdfs::exists(dir_ / "elsewhere.json"));
  EXPECT_TRUE(token_store::open(path()));
}

TEST_F(token_store_test, opening_a_store_readable_by_others_makes_it_private)
{
  {
    auto store = token_store::open(path());
    ASSERT_TRUE(store);
  }
  ASSERT_EQ(::chmod(path().c_str(), 0644), 0);
  ASSERT_TRUE(token_store::open(path()));
  struct stat st {};
  ASSERT_EQ(::stat(path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(token_store_test, read_never_creates_a_store)
{
  EXPECT_EQ(token_store::read(path()).error(), errc::not_found);
  EXPECT_FALSE(stdfs::exists(path()));
}

// The serving daemon's view: re-read on change, failing closed.
class token_watcher_test : public token_store_test {
protected:
  void
  SetUp() override
  {
    token_store_test::SetUp();
    auto store = token_store::open(path());
    ASSERT_TRUE(store);
    auto issued = store->issue("vendorA", {g("/vendorA:rw")});
    ASSERT_TRUE(issued);
    token_ = issued->token;
    watcher_.emplace(std::move(*store), std::chrono::milliseconds(0));
  }

  bool
  accepted()
  {
    now_ += std::chrono::seconds(1);
    return watcher_->authenticate(token_, now_) != nullptr;
  }

  std::string token_;
  std::optional<token_watcher> watcher_;
  token_watcher::clock::time_point now_{};
};

TEST_F(token_watcher_test, a_deleted_store_revokes_every_token)
{
  ASSERT_TRUE(accepted());
  stdfs::remove(path());
  EXPECT_FALSE(accepted());
  EXPECT_EQ(watcher_->status(), token_watcher::state::vanished);
  EXPECT_FALSE(stdfs::exists(path())); // failing closed does not recreate it
  EXPECT_FALSE(accepted());
}

TEST_F(token_watcher_test, an_emptied_store_revokes_every_token)
{
  ASSERT_TRUE(accepted());
  std::ofstream(path(), std::ios::trunc).flush();
  EXPECT_FALSE(accepted());
  EXPECT_EQ(watcher_->status(), token_watcher::state::unreadable);
}

TEST_F(token_watcher_test, an_unparseable_store_refuses_all_until_it_parses_again)
{
  auto const good = file_text();
  ASSERT_TRUE(accepted());
  std::ofstream(path(), std::ios::trunc) << "{ \"key\": ";
  EXPECT_FALSE(accepted());
  EXPECT_EQ(watcher_->status(), token_watcher::state::unreadable);
  EXPECT_FALSE(accepted());
  std::ofstream(path(), std::ios::trunc) << good;
  EXPECT_TRUE(accepted());
  EXPECT_EQ(watcher_->status(), token_watcher::state::serving);
}

TEST_F(token_watcher_test, a_revocation_by_the_cli_is_seen)
{
  ASSERT_TRUE(accepted());
  auto other = token_store::open(path());
  ASSERT_TRUE(other);
  ASSERT_FALSE(other->revoke("vendorA"));
  EXPECT_FALSE(accepted());
  EXPECT_EQ(watcher_->status(), token_watcher::state::serving);
}

TEST_F(token_watcher_test, the_file_is_looked_at_once_per_interval)
{
  token_watcher w(*token_store::open(path()), std::chrono::seconds(1));
  auto const t0 = token_watcher::clock::time_point{} + std::chrono::hours(1);
  ASSERT_TRUE(w.authenticate(token_, t0));
  stdfs::remove(path());
  EXPECT_TRUE(w.authenticate(token_, t0 + std::chrono::milliseconds(500)));  // not looked at yet
  EXPECT_FALSE(w.authenticate(token_, t0 + std::chrono::milliseconds(1000))); // looked at: gone
}

class state_dir_test : public token_store_test {};

TEST_F(state_dir_test, inside_the_root_is_refused_outside_is_not)
{
  auto const root = (dir_ / "docs").string();
  stdfs::create_directories(root);
  EXPECT_TRUE(state_dir_inside_root(root, root));
  EXPECT_TRUE(state_dir_inside_root(root + "/", root));
  EXPECT_TRUE(state_dir_inside_root(root + "/state", root));          // need not exist yet
  EXPECT_TRUE(state_dir_inside_root(root + "/a/../b/state", root));
  EXPECT_TRUE(state_dir_inside_root((dir_ / "x" / ".." / "docs" / "s").string(), root));
  EXPECT_FALSE(state_dir_inside_root((dir_ / "docs-state").string(), root)); // a prefix, not a parent
  EXPECT_FALSE(state_dir_inside_root(dir_.string(), root));                  // the root's parent
  EXPECT_FALSE(state_dir_inside_root((dir_ / "state").string(), root));
}

TEST_F(state_dir_test, a_symlink_into_the_root_is_inside)
{
  auto const root = (dir_ / "docs").string();
  stdfs::create_directories(dir_ / "docs" / "hidden");
  stdfs::create_directory_symlink(dir_ / "docs" / "hidden", dir_ / "looks-outside");
  EXPECT_TRUE(state_dir_inside_root((dir_ / "looks-outside").string(), root));
  EXPECT_TRUE(state_dir_inside_root((dir_ / "looks-outside" / "state").string(), root));
}

TEST_F(state_dir_test, a_store_inside_a_cache_or_mirror_tree_is_found_by_its_marker)
{
  stdfs::create_directories(dir_ / "cache" / ".zddc-outbox");
  stdfs::create_directories(dir_ / "mirror");
  std::ofstream(dir_ / "mirror" / ".zddc-mirror-state.json") << "{}";
  EXPECT_EQ(served_tree_holding((dir_ / "cache" / "sub" / "state").string()),
            stdfs::weakly_canonical(dir_ / "cache").string());
  EXPECT_EQ(served_tree_holding((dir_ / "mirror").string()), stdfs::weakly_canonical(dir_ / "mirror").string());
  EXPECT_EQ(served_tree_holding((dir_ / "state").string()), std::nullopt);
}

TEST(grants, parse_and_format)
{
  EXPECT_EQ(format_grant(g("/vendorA:rw")), "/vendorA:rw");
  EXPECT_EQ(format_grant(g("/:r")), "/:r");
  EXPECT_EQ(format_grant(g("/a b/Caf\xC3\xA9/:r")), "/a b/Caf\xC3\xA9:r");
  EXPECT_EQ(g("/a:r").level, core::access::read);
  for(auto bad : {"vendorA:rw", "/vendorA", "/vendorA:x", "/vendorA:", "/../etc:r", "/a//b:r", "/.zddc-outbox:r"})
    EXPECT_FALSE(parse_grant(bad)) << bad;
}

TEST_F(token_store_test, cli_issues_lists_and_revokes)
{
  auto const state = (dir_ / "cli").string();
  std::ostringstream out, err;
  EXPECT_EQ(run_token_command({"issue", "--name", "site", "--grant", "/Site:rw", "--state-dir", state}, out, err), 0);
  auto const token = out.str().substr(0, out.str().find('\n'));
  EXPECT_TRUE(token.starts_with("zddc_"));
  EXPECT_NE(err.str().find("shown only now"), std::string::npos);
  std::ostringstream listed, e2;
  EXPECT_EQ(run_token_command({"list", "--state-dir", state}, listed, e2), 0);
  EXPECT_NE(listed.str().find("site"), std::string::npos);
  EXPECT_NE(listed.str().find("/Site:rw"), std::string::npos);
  EXPECT_EQ(listed.str().find(token), std::string::npos);
  std::ostringstream o3, e3;
  EXPECT_EQ(run_token_command({"revoke", "site", "--state-dir", state}, o3, e3), 0);
  std::ostringstream o4, e4;
  EXPECT_EQ(run_token_command({"issue", "--name", "x", "--grant", "vendor", "--state-dir", state}, o4, e4), 2);
  EXPECT_NE(e4.str().find("bad grant"), std::string::npos);
  EXPECT_EQ(run_token_command({"frobnicate", "--state-dir", state}, o4, e4), 2);
}

} // namespace
} // namespace zddc::runtime
