// `zddc token`: where it agrees to keep the store.
#include "runtime/token_cli.hpp"

#include "../../support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace zddc::runtime {
namespace token_cli_test {

namespace stdfs = std::filesystem;

// Sets an environment variable for one test and puts the old value back.
class scoped_env {
public:
  scoped_env(const char* name, const std::optional<std::string>& value) : name_(name)
  {
    if(auto const* old = std::getenv(name))
      old_ = old;
    if(value)
      ::setenv(name, value->c_str(), 1);
    else
      ::unsetenv(name);
  }
  ~scoped_env()
  {
    if(old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

private:
  const char* name_;
  std::optional<std::string> old_;
};

class token_cli : public ::testing::Test {
protected:
  void
  SetUp() override
  {
    dir_ = test_support::make_temp_dir("zddc-token-cli");
    stdfs::create_directories(dir_ / "docs");
  }
  void TearDown() override { stdfs::remove_all(dir_); }

  int
  run(std::vector<std::string> args)
  {
    out_.str("");
    err_.str("");
    return run_token_command(args, out_, err_);
  }

  std::string root() const { return (dir_ / "docs").string(); }

  stdfs::path dir_;
  std::ostringstream out_, err_;
  scoped_env no_root_{"ZDDC_ROOT", std::nullopt};
};

TEST_F(token_cli, issue_refuses_a_state_dir_inside_the_root_it_is_given)
{
  auto const state = root() + "/state";
  EXPECT_EQ(run({"issue", "--name", "a", "--grant", "/:r", "--state-dir", state, "--root", root()}), 2);
  EXPECT_NE(err_.str().find("lies inside"), std::string::npos) << err_.str();
  EXPECT_TRUE(out_.str().empty()); // no token printed
  EXPECT_FALSE(stdfs::exists(state + "/tokens.json"));
  EXPECT_FALSE(stdfs::exists(state));
}

TEST_F(token_cli, the_root_comes_from_zddc_root_as_for_serve)
{
  scoped_env root_env("ZDDC_ROOT", root());
  auto const state = root() + "/state";
  EXPECT_EQ(run({"issue", "--name", "a", "--grant", "/:r", "--state-dir", state}), 2);
  EXPECT_FALSE(stdfs::exists(state));
  EXPECT_EQ(run({"list", "--state-dir", root()}), 2);
  EXPECT_FALSE(stdfs::exists(root() + "/tokens.json"));
  // Outside the root all is well.
  EXPECT_EQ(run({"issue", "--name", "a", "--grant", "/:r", "--state-dir", (dir_ / "state").string()}), 0)
    << err_.str();
  EXPECT_TRUE(out_.str().starts_with("zddc_"));
}

TEST_F(token_cli, without_a_root_a_store_inside_a_cache_tree_is_refused)
{
  stdfs::create_directories(dir_ / "cache" / ".zddc-outbox");
  auto const state = (dir_ / "cache" / "state").string();
  EXPECT_EQ(run({"issue", "--name", "a", "--grant", "/:r", "--state-dir", state}), 2);
  EXPECT_NE(err_.str().find("served tree"), std::string::npos) << err_.str();
  EXPECT_FALSE(stdfs::exists(state));
}

TEST_F(token_cli, root_needs_a_value)
{
  EXPECT_EQ(run({"list", "--root"}), 2);
  EXPECT_NE(err_.str().find("--root needs a value"), std::string::npos);
}

} // namespace
} // namespace zddc::runtime
