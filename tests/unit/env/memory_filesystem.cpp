// The in-memory filesystem's crash model: what survives is exactly what the
// seam's Durability section promises.
#include "sim/memory_filesystem.hpp"

#include <zddc/env/durable.hpp>

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace zddc::sim {
namespace memory_filesystem_test {

using core::store_path;

store_path
p(std::string_view s)
{
  return *store_path::parse(s);
}

std::span<const std::byte>
bytes(std::string_view s)
{
  return std::as_bytes(std::span(s.data(), s.size()));
}

TEST(memory_filesystem, unsynced_contents_are_lost_in_a_crash)
{
  memory_filesystem fs;
  auto w = fs.create_temp(store_path());
  ASSERT_TRUE(w);
  ASSERT_FALSE(fs.sync_dir(store_path())); // the name is durable, the bytes are not
  ASSERT_FALSE(w->write(bytes("data")));
  auto const name = std::string(w->path().str());
  fs.crash();
  fs.restart();
  auto const after = fs.snapshot();
  ASSERT_EQ(after.files.count(name), 1u);
  EXPECT_EQ(after.files.at(name), "");
}

TEST(memory_filesystem, an_unsynced_rename_is_undone_and_a_synced_one_kept)
{
  memory_filesystem fs;
  fs.write_file_direct(p("a"), "A");
  ASSERT_FALSE(fs.rename(p("a"), p("b")));
  fs.crash();
  fs.restart();
  EXPECT_EQ(fs.snapshot().files, (std::map<std::string, std::string>{{"a", "A"}}));

  ASSERT_FALSE(env::rename_durably(fs, p("a"), p("b")));
  fs.crash();
  fs.restart();
  EXPECT_EQ(fs.snapshot().files, (std::map<std::string, std::string>{{"b", "A"}}));
}

TEST(memory_filesystem, a_directory_never_synced_into_its_parent_is_gone)
{
  memory_filesystem fs;
  ASSERT_FALSE(fs.make_dir(p("d")));
  fs.crash();
  fs.restart();
  EXPECT_TRUE(fs.snapshot().dirs.empty());
  ASSERT_FALSE(env::make_dirs(fs, p("d/e")));
  fs.crash();
  fs.restart();
  EXPECT_EQ(fs.snapshot().dirs, (std::set<std::string>{"d", "d/e"}));
}

TEST(memory_filesystem, crashed_filesystem_refuses_everything_until_restart)
{
  memory_filesystem fs;
  fs.write_file_direct(p("a"), "A");
  fs.crash_after(1);
  EXPECT_EQ(fs.make_dir(p("x")), sim_errc::crashed);
  EXPECT_TRUE(fs.crashed());
  EXPECT_EQ(fs.stat(p("a")).error(), sim_errc::crashed);
  fs.restart();
  EXPECT_TRUE(fs.stat(p("a")));
}

// The fail_count loop: crash atomic_replace at its 1st, 2nd, ... mutating
// step until it completes. After every crash the file holds the old bytes
// or the new ones, whole, and never anything else.
TEST(memory_filesystem, atomic_replace_survives_a_crash_at_every_step)
{
  std::string const before = "old version";
  std::string const after = "the new version, longer";
  for(std::uint64_t n = 1;; ++n) {
    SCOPED_TRACE(n);
    memory_filesystem fs;
    fs.write_file_direct(p("dir/doc.pdf"), before);
    fs.crash_after(n);
    auto const r = env::atomic_replace(fs, p("dir/doc.pdf"), std::string_view(after));
    bool const crashed = fs.crashed();
    fs.restart();
    auto const seen = fs.snapshot().files;
    ASSERT_EQ(seen.size(), crashed ? seen.size() : 1u);
    ASSERT_EQ(seen.count("dir/doc.pdf"), 1u);
    auto const& bytes_now = seen.at("dir/doc.pdf");
    EXPECT_TRUE(bytes_now == before || bytes_now == after) << bytes_now;
    for(auto const& [name, content] : seen) {
      if(name != "dir/doc.pdf") {
        EXPECT_TRUE(core::is_reserved_name(core::store_path::parse(name)->name())) << name;
      }
    }
    if(! crashed) {
      ASSERT_TRUE(r);
      EXPECT_EQ(bytes_now, after);
      EXPECT_GE(n, 4u); // create, write, sync, rename, sync_dir: each a step
      break;
    }
  }
}

TEST(memory_filesystem, an_injected_failure_leaves_the_target_untouched)
{
  for(std::uint64_t n = 1; n <= 5; ++n) {
    memory_filesystem fs;
    fs.write_file_direct(p("doc"), "keep");
    fs.fail_after(n);
    auto const r = env::atomic_replace(fs, p("doc"), std::string_view("new"));
    if(n < 5) { // create, write, sync, rename fail: nothing changed
      EXPECT_FALSE(r.has_value());
      EXPECT_EQ(fs.snapshot().files, (std::map<std::string, std::string>{{"doc", "keep"}})) << n;
    }
  }
}

TEST(memory_filesystem, readers_keep_the_file_they_opened)
{
  memory_filesystem fs;
  fs.write_file_direct(p("f"), "first");
  auto r = fs.open_read(p("f"));
  ASSERT_TRUE(r);
  ASSERT_TRUE(env::atomic_replace(fs, p("f"), std::string_view("second")));
  std::array<std::byte, 16> buf{};
  auto n = r->read_at(0, buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf.data()), *n), "first");
}

// What drain_changes reports (the seam's Watching contract): every
// directory whose listing a mutation may have changed, through the seam or
// outside it. A directory's mtime shows in its parent's listing; the tree
// index re-lists the parent of every directory reported, so reporting the
// directory itself is enough.
std::set<std::string>
drained(memory_filesystem& fs)
{
  auto const c = fs.drain_changes();
  EXPECT_FALSE(c.everything);
  std::set<std::string> out;
  for(auto const& d : c.dirs)
    out.insert(std::string(d.str()));
  return out;
}

TEST(memory_filesystem, reports_every_directory_a_change_touched)
{
  memory_filesystem fs;
  EXPECT_TRUE(fs.drain_changes().everything); // the first look: everything
  EXPECT_TRUE(drained(fs).empty());
  fs.write_file_direct(p("a/b/c.txt"), "c");
  EXPECT_EQ(drained(fs), (std::set<std::string>{"", "a", "a/b"})); // and the directories made on the way
  EXPECT_TRUE(drained(fs).empty());

  auto w = fs.create_temp(p("a"));
  ASSERT_TRUE(w);
  EXPECT_EQ(drained(fs), (std::set<std::string>{"a"})); // the temp's name moved a's mtime
  ASSERT_FALSE(w->write(bytes("x")));
  ASSERT_FALSE(fs.rename(w->path(), p("a/b/d.txt")));
  EXPECT_EQ(drained(fs), (std::set<std::string>{"a", "a/b"}));
  ASSERT_FALSE(fs.make_dir(p("a/e")));
  EXPECT_EQ(drained(fs), (std::set<std::string>{"a", "a/e"}));
  ASSERT_FALSE(fs.set_mtime(p("a/b/d.txt"), env::time_point{}));
  EXPECT_EQ(drained(fs), (std::set<std::string>{"a/b"}));
  ASSERT_FALSE(fs.remove(p("a/b/d.txt")));
  EXPECT_EQ(drained(fs), (std::set<std::string>{"a/b"}));
  fs.edit_in_place(p("a/b/c.txt"), "C");
  EXPECT_EQ(drained(fs), (std::set<std::string>{"a/b"}));
  fs.remove_direct(p("a/b/c.txt"));
  EXPECT_EQ(drained(fs), (std::set<std::string>{"a/b"}));
  ASSERT_FALSE(fs.rename(p("a/e"), p("f")));
  EXPECT_TRUE(fs.drain_changes().everything); // a directory moved: every path below it did
  fs.crash();
  fs.restart();
  EXPECT_TRUE(fs.drain_changes().everything); // what a crash undid is anyone's guess
}

} // namespace
} // namespace zddc::sim
