// The POSIX filesystem's watch (runtime/disk_watch.hpp): which directories
// changed, whether the server changed them or a person editing the files
// directly. inotify queues an event before the call that caused it returns,
// so a take right after an operation sees it: no sleeps.
#include "runtime/posix_filesystem.hpp"

#include <zddc/env/durable.hpp>

#include "../../support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>

namespace zddc::runtime {
namespace posix_filesystem_watch_test {

namespace stdfs = std::filesystem;
using core::store_path;
using dirs = std::set<std::string>;

store_path
p(std::string_view s)
{
  return *store_path::parse(s);
}

class posix_watch : public ::testing::Test {
protected:
  void
  SetUp() override
  {
    base_ = test_support::make_temp_dir("zddc-watch");
    root_ = base_ / "root";
    stdfs::create_directories(root_ / "a");
    stdfs::create_directories(root_ / "b");
    stdfs::create_directories(base_ / "outside");
    write(root_ / "a" / "doc.txt", "doc");
    write(base_ / "outside" / "secret.txt", "secret");
    stdfs::create_directory_symlink(base_ / "outside", root_ / "escape");
    auto fs = posix_filesystem::open(root_.string());
    ASSERT_TRUE(fs);
    fs_.emplace(std::move(*fs));
  }

  void
  TearDown() override
  {
    fs_.reset();
    stdfs::permissions(base_, stdfs::perms::owner_all, stdfs::perm_options::add);
    stdfs::remove_all(base_);
  }

  // Writes a file outside the seam, as a person would.
  static void
  write(const stdfs::path& file, std::string_view text)
  {
    std::ofstream(file) << text;
  }

  // The directories one take reports, after checking it is no `everything`.
  dirs
  changed()
  {
    auto const c = fs_->take_changes();
    EXPECT_FALSE(c.everything);
    dirs out;
    for(auto const& d : c.dirs)
      out.insert(std::string(d.str()));
    EXPECT_EQ(out.size(), c.dirs.size()) << "a directory reported twice";
    return out;
  }

  // The first take: everything, and the watch is in place.
  void
  start()
  {
    auto const c = fs_->take_changes();
    EXPECT_TRUE(c.everything);
    EXPECT_TRUE(c.dirs.empty());
  }

  stdfs::path base_;
  stdfs::path root_;
  std::optional<posix_filesystem> fs_;
};

TEST_F(posix_watch, the_first_take_is_everything_then_nothing_changed)
{
  start();
  EXPECT_EQ(changed(), dirs{});
  EXPECT_EQ(changed(), dirs{});
}

TEST_F(posix_watch, a_file_written_through_the_seam)
{
  start();
  // create_temp, write, sync, rename over the name, sync the directory.
  ASSERT_TRUE(env::atomic_replace(*fs_, p("a/new.txt"), std::string_view("new")));
  EXPECT_EQ(changed(), dirs{"a"});
  EXPECT_EQ(changed(), dirs{});
}

TEST_F(posix_watch, a_file_edited_in_place)
{
  start();
  int const fd = ::open((root_ / "a" / "doc.txt").c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "more", 4), 4);
  EXPECT_EQ(changed(), dirs{"a"}); // IN_MODIFY, before the file is even closed
  ::close(fd);
  EXPECT_EQ(changed(), dirs{"a"}); // IN_CLOSE_WRITE
  EXPECT_EQ(changed(), dirs{});
}

TEST_F(posix_watch, a_new_directory_is_watched)
{
  start();
  ASSERT_EQ(::mkdir((root_ / "a" / "new").c_str(), 0755), 0);
  EXPECT_EQ(changed(), (dirs{"a", "a/new"}));
  write(root_ / "a" / "new" / "f.txt", "f");
  EXPECT_EQ(changed(), dirs{"a/new"});
}

TEST_F(posix_watch, a_new_directory_filled_before_the_take)
{
  start();
  // A person unpacking a tree: everything exists before the watch sees it.
  stdfs::create_directories(root_ / "b" / "x" / "y" / "z");
  write(root_ / "b" / "x" / "f.txt", "f");
  write(root_ / "b" / "x" / "y" / "z" / "g.txt", "g");
  EXPECT_EQ(changed(), (dirs{"b", "b/x", "b/x/y", "b/x/y/z"}));
  // ... and every level of it is watched from then on.
  write(root_ / "b" / "x" / "y" / "z" / "h.txt", "h");
  EXPECT_EQ(changed(), dirs{"b/x/y/z"});
  ASSERT_EQ(::mkdir((root_ / "b" / "x" / "y" / "w").c_str(), 0755), 0);
  EXPECT_EQ(changed(), (dirs{"b/x/y", "b/x/y/w"}));
}

TEST_F(posix_watch, remove_reports_the_parent)
{
  start();
  ASSERT_FALSE(fs_->remove(p("a/doc.txt")));
  EXPECT_EQ(changed(), dirs{"a"});
}

TEST_F(posix_watch, a_file_renamed_across_directories)
{
  start();
  ASSERT_FALSE(fs_->rename(p("a/doc.txt"), p("b/doc.txt")));
  EXPECT_EQ(changed(), (dirs{"a", "b"}));
}

TEST_F(posix_watch, a_deleted_directory_is_forgotten)
{
  ASSERT_EQ(::mkdir((root_ / "gone").c_str(), 0755), 0);
  write(root_ / "gone" / "f.txt", "f");
  start();
  ASSERT_FALSE(fs_->remove(p("gone/f.txt")));
  ASSERT_FALSE(fs_->remove(p("gone")));
  auto const c = changed();
  EXPECT_TRUE(c.contains("")); // its parent
  EXPECT_EQ(changed(), dirs{});
  // A new directory of the same name is a new watch.
  ASSERT_FALSE(fs_->make_dir(p("gone")));
  EXPECT_EQ(changed(), (dirs{"", "gone"}));
  write(root_ / "gone" / "g.txt", "g");
  EXPECT_EQ(changed(), dirs{"gone"});
}

TEST_F(posix_watch, a_directory_removed_with_its_contents)
{
  stdfs::create_directories(root_ / "tree" / "deep" / "deeper");
  write(root_ / "tree" / "deep" / "deeper" / "f.txt", "f");
  start();
  stdfs::remove_all(root_ / "tree");
  auto const c = changed(); // the directories themselves may be named too
  EXPECT_TRUE(c.contains(""));
  EXPECT_EQ(changed(), dirs{});
  write(root_ / "a" / "still.txt", "x");
  EXPECT_EQ(changed(), dirs{"a"});
}

TEST_F(posix_watch, a_directory_rename_is_everything)
{
  ASSERT_EQ(::mkdir((root_ / "a" / "sub").c_str(), 0755), 0);
  start();
  ASSERT_FALSE(fs_->rename(p("a"), p("renamed")));
  auto const c = fs_->take_changes();
  EXPECT_TRUE(c.everything);
  // The watch follows the new names.
  EXPECT_EQ(changed(), dirs{});
  write(root_ / "renamed" / "sub" / "f.txt", "f");
  EXPECT_EQ(changed(), dirs{"renamed/sub"});
}

TEST_F(posix_watch, a_directory_moved_in_from_outside_is_everything)
{
  stdfs::create_directories(base_ / "incoming" / "inner");
  start();
  stdfs::rename(base_ / "incoming", root_ / "b" / "incoming");
  EXPECT_TRUE(fs_->take_changes().everything);
  write(root_ / "b" / "incoming" / "inner" / "f.txt", "f");
  EXPECT_EQ(changed(), dirs{"b/incoming/inner"});
}

TEST_F(posix_watch, a_directory_moved_out_of_the_root_is_everything_and_unwatched)
{
  start();
  stdfs::rename(root_ / "a", base_ / "moved-out");
  EXPECT_TRUE(fs_->take_changes().everything);
  write(base_ / "moved-out" / "f.txt", "f");
  EXPECT_EQ(changed(), dirs{});
}

TEST_F(posix_watch, touching_a_file_or_a_directory)
{
  start();
  ASSERT_FALSE(fs_->set_mtime(p("a/doc.txt"), env::time_point(std::chrono::seconds(1'000'000'000))));
  EXPECT_EQ(changed(), dirs{"a"});
  ASSERT_EQ(::utimensat(AT_FDCWD, (root_ / "a" / "doc.txt").c_str(), nullptr, 0), 0);
  EXPECT_EQ(changed(), dirs{"a"});
  // A directory's own time shows in its parent's listing.
  ASSERT_EQ(::utimensat(AT_FDCWD, (root_ / "b").c_str(), nullptr, 0), 0);
  EXPECT_EQ(changed(), (dirs{"", "b"}));
}

TEST_F(posix_watch, a_symlink_out_of_the_root_is_never_watched)
{
  start(); // `escape` existed at the first scan
  stdfs::create_directory_symlink(base_ / "outside", root_ / "a" / "later-escape");
  EXPECT_EQ(changed(), dirs{"a"}); // the link itself is a new name in `a`
  write(base_ / "outside" / "secret.txt", "changed");
  ASSERT_EQ(::mkdir((base_ / "outside" / "new").c_str(), 0755), 0);
  ASSERT_EQ(::utimensat(AT_FDCWD, (base_ / "outside").c_str(), nullptr, 0), 0);
  EXPECT_EQ(changed(), dirs{});
}

TEST_F(posix_watch, a_directory_replaced_by_a_symlink_before_the_take_is_not_followed)
{
  start();
  ASSERT_EQ(::mkdir((root_ / "b" / "swap").c_str(), 0755), 0);
  ASSERT_EQ(::rmdir((root_ / "b" / "swap").c_str()), 0);
  stdfs::create_directory_symlink(base_ / "outside", root_ / "b" / "swap");
  EXPECT_EQ(changed(), dirs{"b"});
  write(base_ / "outside" / "secret.txt", "changed");
  EXPECT_EQ(changed(), dirs{});
}

TEST_F(posix_watch, a_directory_no_path_can_name_is_not_watched)
{
  start();
  ASSERT_EQ(::mkdir((root_ / "b" / "back\\slash").c_str(), 0755), 0);
  EXPECT_EQ(changed(), dirs{"b"});
  write(root_ / "b" / "back\\slash" / "f.txt", "f");
  EXPECT_EQ(changed(), dirs{});
}

TEST_F(posix_watch, an_unreadable_directory_is_watched_once_readable)
{
  if(::geteuid() == 0)
    GTEST_SKIP() << "root reads every directory";
  ASSERT_EQ(::mkdir((root_ / "locked").c_str(), 0755), 0);
  write(root_ / "locked" / "f.txt", "f");
  ASSERT_EQ(::chmod((root_ / "locked").c_str(), 0), 0);
  start();
  EXPECT_EQ(changed(), dirs{}); // the server cannot list it either
  ASSERT_EQ(::chmod((root_ / "locked").c_str(), 0755), 0);
  EXPECT_EQ(changed(), (dirs{"", "locked"}));
  write(root_ / "locked" / "g.txt", "g");
  EXPECT_EQ(changed(), dirs{"locked"});
}

TEST_F(posix_watch, an_overflow_is_everything_then_the_watch_recovers)
{
  long queue_max = 0;
  std::ifstream("/proc/sys/fs/inotify/max_queued_events") >> queue_max;
  if(queue_max <= 0 || queue_max > 100'000)
    GTEST_SKIP() << "max_queued_events " << queue_max;
  start();
  // Each file queues IN_CREATE and IN_CLOSE_WRITE: more than fit.
  for(long i = 0; i < queue_max / 2 + 100; ++i) {
    int const fd = ::open((root_ / "b" / ("f" + std::to_string(i))).c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    ::close(fd);
  }
  EXPECT_TRUE(fs_->take_changes().everything);
  EXPECT_EQ(changed(), dirs{});
  write(root_ / "a" / "after.txt", "x");
  EXPECT_EQ(changed(), dirs{"a"});
}

TEST_F(posix_watch, the_watch_moves_with_the_filesystem)
{
  start();
  posix_filesystem moved(std::move(*fs_));
  write(root_ / "a" / "f.txt", "f");
  auto const c = moved.take_changes();
  EXPECT_FALSE(c.everything);
  ASSERT_EQ(c.dirs.size(), 1u);
  EXPECT_EQ(c.dirs[0], p("a"));
}

} // namespace
} // namespace zddc::runtime
