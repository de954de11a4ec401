// Confinement of the POSIX filesystem: symlinks inside the root work,
// anything resolving outside it is refused.
#include "runtime/posix_filesystem.hpp"

#include <zddc/env/durable.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace zddc::runtime {
namespace {

namespace stdfs = std::filesystem;
using core::store_path;

store_path
p(std::string_view s)
{
  return *store_path::parse(s);
}

class posix_confinement : public ::testing::Test {
protected:
  void
  SetUp() override
  {
    std::string tmpl = (stdfs::temp_directory_path() / "zddc-posix-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    base_ = tmpl;
    stdfs::create_directories(base_ / "root" / "inside");
    stdfs::create_directories(base_ / "outside");
    std::ofstream(base_ / "outside" / "secret.txt") << "secret";
    std::ofstream(base_ / "root" / "inside" / "doc.txt") << "doc";
    stdfs::create_directory_symlink(base_ / "outside", base_ / "root" / "escape");
    stdfs::create_symlink("../outside/secret.txt", base_ / "root" / "relative-escape");
    stdfs::create_symlink("inside/doc.txt", base_ / "root" / "alias.txt");
    auto fs = posix_filesystem::open((base_ / "root").string());
    ASSERT_TRUE(fs);
    fs_.emplace(std::move(*fs));
  }

  void TearDown() override { stdfs::remove_all(base_); }

  stdfs::path base_;
  std::optional<posix_filesystem> fs_;
};

TEST_F(posix_confinement, symlinks_inside_the_root_work)
{
  auto r = env::read_all(*fs_, p("alias.txt"), 100);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "doc");
}

TEST_F(posix_confinement, symlinks_leaving_the_root_are_refused)
{
  auto& fs = *fs_;
  EXPECT_EQ(fs.stat(p("escape")).error(), errc::escapes_root);
  EXPECT_EQ(fs.stat(p("escape/secret.txt")).error(), errc::escapes_root);
  EXPECT_EQ(fs.open_read(p("escape/secret.txt")).error(), errc::escapes_root);
  EXPECT_EQ(fs.open_read(p("relative-escape")).error(), errc::escapes_root);
  EXPECT_EQ(fs.create_temp(p("escape")).error(), errc::escapes_root);
  EXPECT_EQ(fs.make_dir(p("escape/new")), errc::escapes_root);
  EXPECT_EQ(fs.list(p("escape")).error(), errc::escapes_root);
  // Listing the root shows the in-root link and hides the escaping ones.
  std::set<std::string> names;
  for(auto const& e : *fs.list(store_path()))
    names.insert(e.name);
  EXPECT_EQ(names, (std::set<std::string>{"alias.txt", "inside"}));
  EXPECT_FALSE(stdfs::exists(base_ / "outside" / "new"));
}

TEST_F(posix_confinement, dot_dot_cannot_even_be_expressed)
{
  EXPECT_FALSE(store_path::parse("../outside/secret.txt"));
  EXPECT_FALSE(store_path::parse("inside/../../outside"));
}

TEST_F(posix_confinement, awkward_bytes_round_trip_through_list)
{
  std::string const name = "Caf\xC3\xA9 & Cafe\xCC\x81 #1 100% 'q' + (x) ~A.pdf";
  ASSERT_TRUE(env::atomic_replace(*fs_, *p("inside").child(name), std::string_view("x")));
  bool found = false;
  for(auto const& e : *fs_->list(p("inside")))
    found |= e.name == name;
  EXPECT_TRUE(found);
  EXPECT_TRUE(stdfs::exists(base_ / "root" / "inside" / name));
}

} // namespace
} // namespace zddc::runtime
