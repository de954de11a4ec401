// Confinement of the POSIX filesystem: a symlink is followed only when its
// target lies beneath the directory that holds it, so it can never lead out
// of the root, nor out of any subtree a grant names (issue 12, finding 3).
#include "runtime/posix_filesystem.hpp"

#include <zddc/env/durable.hpp>

#include "../../support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include <sys/stat.h>

namespace zddc::runtime {
namespace posix_filesystem_test {

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
    base_ = test_support::make_temp_dir("zddc-posix");
    stdfs::create_directories(base_ / "root" / "inside");
    stdfs::create_directories(base_ / "outside");
    std::ofstream(base_ / "outside" / "secret.txt") << "secret";
    std::ofstream(base_ / "root" / "inside" / "doc.txt") << "doc";
    stdfs::create_directory_symlink(base_ / "outside", base_ / "root" / "escape");
    stdfs::create_symlink("../outside/secret.txt", base_ / "root" / "relative-escape");
    stdfs::create_symlink("inside/doc.txt", base_ / "root" / "alias.txt");
    // A vendor's folder with a link into its neighbour's: a grant on vendorA
    // must not reach vendorB through it.
    stdfs::create_directories(base_ / "root" / "Vendors" / "vendorA" / "sub");
    stdfs::create_directories(base_ / "root" / "Vendors" / "vendorB");
    std::ofstream(base_ / "root" / "Vendors" / "vendorB" / "b.txt") << "vendor B";
    std::ofstream(base_ / "root" / "Vendors" / "vendorA" / "sub" / "a.txt") << "vendor A";
    stdfs::create_directory_symlink("../vendorB", base_ / "root" / "Vendors" / "vendorA" / "linkB");
    stdfs::create_symlink("../vendorB/b.txt", base_ / "root" / "Vendors" / "vendorA" / "b-alias.txt");
    stdfs::create_symlink("sub/a.txt", base_ / "root" / "Vendors" / "vendorA" / "a-alias.txt");
    stdfs::create_directory_symlink("sub", base_ / "root" / "Vendors" / "vendorA" / "sub-alias");
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
  EXPECT_EQ(names, (std::set<std::string>{"Vendors", "alias.txt", "inside"}));
  EXPECT_FALSE(stdfs::exists(base_ / "outside" / "new"));
}

// A glance is not confined (env/filesystem.hpp, Glancing): it follows a
// link on the way wherever it leads, which is why it may only confirm a
// stat learned through a confined call. A link at the end is not followed.
TEST_F(posix_confinement, a_glance_follows_links_on_the_way_but_not_at_the_end)
{
  auto& fs = *fs_;
  auto const outside = fs.glance(p("escape/secret.txt"));
  ASSERT_TRUE(outside);
  EXPECT_EQ(outside->size, 6u);
  EXPECT_EQ(fs.glance(p("alias.txt")).error(), errc::not_found);
  EXPECT_EQ(fs.glance(p("relative-escape")).error(), errc::not_found);
  EXPECT_EQ(*fs.glance(p("inside/doc.txt")), *fs.stat(p("inside/doc.txt")));
}

TEST_F(posix_confinement, symlinks_may_not_climb_out_of_their_own_directory)
{
  auto& fs = *fs_;
  EXPECT_EQ(fs.stat(p("Vendors/vendorA/linkB")).error(), errc::escapes_root);
  EXPECT_EQ(fs.stat(p("Vendors/vendorA/linkB/b.txt")).error(), errc::escapes_root);
  EXPECT_EQ(fs.open_read(p("Vendors/vendorA/linkB/b.txt")).error(), errc::escapes_root);
  EXPECT_EQ(fs.open_read(p("Vendors/vendorA/b-alias.txt")).error(), errc::escapes_root);
  EXPECT_EQ(fs.list(p("Vendors/vendorA/linkB")).error(), errc::escapes_root);
  EXPECT_EQ(fs.create_temp(p("Vendors/vendorA/linkB")).error(), errc::escapes_root);
  EXPECT_EQ(fs.make_dir(p("Vendors/vendorA/linkB/new")), errc::escapes_root);
  EXPECT_EQ(fs.remove(p("Vendors/vendorA/linkB/b.txt")), errc::escapes_root);
  EXPECT_EQ(fs.rename(p("Vendors/vendorA/sub/a.txt"), p("Vendors/vendorA/linkB/stolen.txt")), errc::escapes_root);
  EXPECT_EQ(fs.set_mtime(p("Vendors/vendorA/linkB/b.txt"), env::time_point{}), errc::escapes_root);
  EXPECT_TRUE(stdfs::exists(base_ / "root" / "Vendors" / "vendorB" / "b.txt"));
  EXPECT_FALSE(stdfs::exists(base_ / "root" / "Vendors" / "vendorB" / "stolen.txt"));

  // Links that stay beneath their own directory work, for files and folders.
  auto a = env::read_all(fs, p("Vendors/vendorA/a-alias.txt"), 100);
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, "vendor A");
  auto via_dir = env::read_all(fs, p("Vendors/vendorA/sub-alias/a.txt"), 100);
  ASSERT_TRUE(via_dir);
  EXPECT_EQ(*via_dir, "vendor A");

  std::set<std::string> names;
  for(auto const& e : *fs.list(p("Vendors/vendorA")))
    names.insert(e.name);
  EXPECT_EQ(names, (std::set<std::string>{"a-alias.txt", "sub", "sub-alias"}));
}

// Issue 12, finding 2: a temp file whose name could not be formed under a
// directory at the path limit was opened and never closed or removed.
TEST_F(posix_confinement, create_temp_at_the_path_limit_leaks_nothing)
{
  std::string deep(200, 'x'); // segments of 200 bytes, then one that ends exactly at the limit
  while(deep.size() + 201 + 2 <= core::path_bytes_max)
    deep += "/" + std::string(200, 'x');
  deep += "/" + std::string(core::path_bytes_max - deep.size() - 1, 'x');
  ASSERT_EQ(deep.size(), core::path_bytes_max);
  stdfs::create_directories(base_ / "root" / deep);
  auto const fds_before = std::distance(stdfs::directory_iterator("/proc/self/fd"), stdfs::directory_iterator());
  for(int i = 0; i < 20; ++i)
    EXPECT_EQ(fs_->create_temp(p(deep)).error(), core::path_errc::path_too_long);
  auto const fds_after = std::distance(stdfs::directory_iterator("/proc/self/fd"), stdfs::directory_iterator());
  EXPECT_EQ(fds_after, fds_before);
  EXPECT_TRUE(stdfs::is_empty(base_ / "root" / deep));
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

TEST_F(posix_confinement, a_fifo_is_not_a_document_and_opening_it_does_not_wait)
{
  ASSERT_EQ(::mkfifo((base_ / "root" / "inside" / "pipe.pdf").c_str(), 0600), 0);
  // Without a writer, a plain open for reading would block here for ever.
  auto const r = fs_->open_read(p("inside/pipe.pdf"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::not_found);
  EXPECT_EQ(fs_->stat(p("inside/pipe.pdf")).error(), errc::not_found);
}

TEST_F(posix_confinement, a_kept_digest_lives_with_its_file)
{
  auto const doc = p("inside/doc.txt");
  EXPECT_FALSE(fs_->kept_digest_of(doc)); // nothing kept yet
  auto const st = fs_->stat(doc);
  ASSERT_TRUE(st);
  env::kept_digest d;
  d.sha256.fill(0xab);
  d.of = *st;
  fs_->keep_digest(doc, d);
  auto const kept = fs_->kept_digest_of(doc);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->sha256, d.sha256);
  EXPECT_TRUE(kept->describes(*st));

  // Through a symlink the same file answers; an edit in place keeps the
  // attribute but it no longer describes the file; a replaced file has none.
  ASSERT_TRUE(fs_->kept_digest_of(p("alias.txt")));
  std::ofstream(base_ / "root" / "inside" / "doc.txt", std::ios::app) << " and more";
  auto const edited = fs_->stat(doc);
  ASSERT_TRUE(fs_->kept_digest_of(doc));
  EXPECT_FALSE(fs_->kept_digest_of(doc)->describes(*edited));
  std::ofstream(base_ / "root" / "inside" / "new.txt") << "replacement";
  ASSERT_FALSE(fs_->rename(p("inside/new.txt"), doc));
  EXPECT_FALSE(fs_->kept_digest_of(doc));

  // Never outside the root, and never an error for what cannot take one.
  EXPECT_FALSE(fs_->kept_digest_of(p("escape/secret.txt")));
  fs_->keep_digest(p("escape/secret.txt"), d);
  fs_->keep_digest(p("inside/missing.txt"), d);
  EXPECT_FALSE(fs_->kept_digest_of(p("inside/missing.txt")));
}

} // namespace
} // namespace zddc::runtime
