#include "runtime/token_cli.hpp"
#include "runtime/token_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace zddc::runtime {
namespace {

namespace stdfs = std::filesystem;

class token_store_test : public ::testing::Test {
protected:
  void
  SetUp() override
  {
    std::string tmpl = (stdfs::temp_directory_path() / "zddc-tokens-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
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
