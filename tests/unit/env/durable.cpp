// The durable compositions (env/durable.hpp) under the in-memory
// filesystem's crash model, fail_count style: each operation is crashed
// at every one of its steps in turn, and what the restart finds must be
// the state before or the state after, never anything between.
#include <zddc/env/durable.hpp>
#include "../../support/values.hpp"

#include "sim/memory_filesystem.hpp"

#include <gtest/gtest.h>

#include <functional>

namespace zddc::env {
namespace durable_test {

using tree = sim::memory_filesystem::tree;

core::store_path
p(std::string_view s)
{
  return test_support::path(s);
}

// The durable tree with temp files left out: those are swept at start.
tree
after_restart(sim::memory_filesystem& fs)
{
  auto t = fs.snapshot(sim::memory_filesystem::view::durable);
  std::erase_if(t.files, [](auto const& f) { return f.first.find(".zddc-tmp") != std::string::npos; });
  return t;
}

// Crashes `operation` at its 1st, 2nd, ... mutating step until it runs
// whole; each time the durable state must be `before` or `after`, where
// `after` is what the operation leaves when nothing goes wrong. Returns
// how many steps the operation has.
std::uint64_t
crash_at_every_step(const std::function<void(sim::memory_filesystem&)>& setup,
                    const std::function<error_code(sim::memory_filesystem&)>& operation,
                    const std::function<bool(const tree&)>& also_fine = {})
{
  sim::memory_filesystem clean;
  setup(clean);
  auto const before = after_restart(clean);
  auto const start = clean.mutations();
  EXPECT_FALSE(operation(clean));
  auto const steps = clean.mutations() - start;
  auto const after = after_restart(clean);
  EXPECT_NE(before, after) << "the operation changed nothing";
  for(std::uint64_t n = 1; n <= steps; ++n) {
    SCOPED_TRACE("crash at step " + std::to_string(n) + " of " + std::to_string(steps));
    sim::memory_filesystem fs;
    setup(fs);
    fs.crash_after(n);
    EXPECT_TRUE(operation(fs)) << "a crash is reported";
    EXPECT_TRUE(fs.crashed());
    fs.restart();
    auto const found = after_restart(fs);
    EXPECT_TRUE(found == before || found == after || (also_fine && also_fine(found)));
  }
  return steps;
}

TEST(durable, atomic_replace_leaves_the_old_bytes_or_all_the_new_ones)
{
  auto const steps = crash_at_every_step(
    [](auto& fs) { fs.write_file_direct(p("Docs/a.txt"), "old bytes"); },
    [](auto& fs) { return atomic_replace(fs, p("Docs/a.txt"), std::string_view("new bytes, longer")).error(); });
  EXPECT_GE(steps, 4u); // create, write, sync, rename, sync the directory
}

TEST(durable, atomic_replace_of_a_new_file_leaves_nothing_or_the_whole_file)
{
  crash_at_every_step([](auto& fs) { fs.write_file_direct(p("Docs/other.txt"), "x"); },
                      [](auto& fs) { return atomic_replace(fs, p("Docs/new.txt"), std::string_view("all")).error(); });
}

TEST(durable, make_dirs_leaves_a_prefix_of_the_chain)
{
  // mkdir -p is not one step: a crash may keep the first directories. What
  // it must never keep is a directory whose parent is gone.
  for(std::uint64_t n = 1; n <= 6; ++n) {
    sim::memory_filesystem fs;
    fs.crash_after(n);
    (void)make_dirs(fs, p("a/b/c"));
    fs.restart();
    auto const dirs = fs.snapshot(sim::memory_filesystem::view::durable).dirs;
    for(auto const& d : dirs) {
      if(auto const slash = d.rfind('/'); slash != std::string::npos) {
        EXPECT_TRUE(dirs.contains(d.substr(0, slash))) << d << " outlived its parent (crash at step " << n << ")";
      }
    }
  }
  sim::memory_filesystem fs;
  EXPECT_FALSE(make_dirs(fs, p("a/b/c")));
  EXPECT_EQ(fs.snapshot(sim::memory_filesystem::view::durable).dirs, (std::set<std::string>{"a", "a/b", "a/b/c"}));
}

TEST(durable, rename_durably_moves_the_file_or_leaves_it_never_loses_it)
{
  // Across directories the destination is synced first: a crash between
  // the two syncs leaves the file in both places, never in neither.
  auto const in_both = [](const tree& t) {
    return t.files.contains("in/doc.pdf") && t.files.contains("out/doc.pdf") &&
           t.files.at("out/doc.pdf") == "the document";
  };
  crash_at_every_step(
    [](auto& fs) {
      fs.write_file_direct(p("in/doc.pdf"), "the document");
      fs.write_file_direct(p("out/keep.txt"), "k");
    },
    [](auto& fs) { return rename_durably(fs, p("in/doc.pdf"), p("out/doc.pdf")); }, in_both);
}

TEST(durable, remove_durably_removes_or_leaves)
{
  crash_at_every_step([](auto& fs) { fs.write_file_direct(p("Docs/a.txt"), "gone soon"); },
                      [](auto& fs) { return remove_durably(fs, p("Docs/a.txt")); });
}

TEST(durable, a_failed_write_leaves_the_target_and_no_temp_file)
{
  for(std::uint64_t n = 1; n <= 3; ++n) {
    sim::memory_filesystem fs;
    fs.write_file_direct(p("a.txt"), "old");
    fs.fail_after(n);
    EXPECT_TRUE(atomic_replace(fs, p("a.txt"), std::string_view("new")).has_error()) << n;
    fs.disarm();
    EXPECT_EQ(fs.snapshot().files, (std::map<std::string, std::string>{{"a.txt", "old"}})) << n;
  }
}

} // namespace
} // namespace zddc::env
