// One contract, two implementations: every clause of env/filesystem.hpp
// (and the compositions in env/durable.hpp) against the POSIX filesystem
// and the in-memory one.
#include <zddc/env/durable.hpp>

#include "runtime/posix_filesystem.hpp"
#include "sim/memory_filesystem.hpp"

#include "../../support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>

namespace zddc::env {
namespace filesystem_contract_test {

using core::store_path;

store_path
p(std::string_view s)
{
  return *store_path::parse(s);
}

struct memory_fixture {
  sim::memory_filesystem fs;
};

struct posix_fixture {
  std::filesystem::path dir;
  runtime::posix_filesystem fs;

  posix_fixture() : dir(make_dir()), fs(*runtime::posix_filesystem::open(dir.string())) {}
  ~posix_fixture() { std::filesystem::remove_all(dir); }

  static std::filesystem::path
  make_dir()
  {
    return test_support::make_temp_dir("zddc-fs");
  }
};

template<class Fixture>
class filesystem_contract : public ::testing::Test {
protected:
  Fixture fixture_;
  decltype(fixture_.fs)& fs_ = fixture_.fs;

  std::string
  read(std::string_view path)
  {
    auto r = read_all(fs_, p(path), 1 << 20);
    return r ? *r : "<" + r.error().message() + ">";
  }
};

using implementations = ::testing::Types<memory_fixture, posix_fixture>;
TYPED_TEST_SUITE(filesystem_contract, implementations);

TYPED_TEST(filesystem_contract, stat_reports_kind_size_and_absence)
{
  auto& fs = this->fs_;
  ASSERT_FALSE(atomic_replace(fs, p("a.txt"), std::string_view("hello")).has_error());
  ASSERT_FALSE(make_dirs(fs, p("d/e")));
  auto file = fs.stat(p("a.txt"));
  ASSERT_TRUE(file);
  EXPECT_EQ(file->kind, file_kind::regular);
  EXPECT_EQ(file->size, 5u);
  auto dir = fs.stat(p("d/e"));
  ASSERT_TRUE(dir);
  EXPECT_EQ(dir->kind, file_kind::directory);
  EXPECT_EQ(fs.stat(p("missing")).error(), errc::not_found);
  EXPECT_EQ(fs.stat(p("a.txt/below")).error(), errc::not_a_directory);
  EXPECT_TRUE(fs.stat(store_path()));
}

TYPED_TEST(filesystem_contract, a_glance_sees_what_stat_sees)
{
  auto& fs = this->fs_;
  ASSERT_FALSE(make_dirs(fs, p("d")));
  ASSERT_FALSE(atomic_replace(fs, p("d/a.txt"), std::string_view("hello")).has_error());
  for(auto const path : {"d/a.txt", "d"})
    EXPECT_EQ(*fs.glance(p(path)), *fs.stat(p(path))) << path;
  EXPECT_EQ(fs.glance(p("d/missing")).error(), errc::not_found);
  ASSERT_FALSE(atomic_replace(fs, p("d/a.txt"), std::string_view("hello, again")).has_error());
  EXPECT_EQ(*fs.glance(p("d/a.txt")), *fs.stat(p("d/a.txt"))); // the new file, not a remembered one
}

TYPED_TEST(filesystem_contract, reads_by_position_until_end_of_file)
{
  auto& fs = this->fs_;
  ASSERT_TRUE(atomic_replace(fs, p("f"), std::string_view("0123456789")));
  auto r = fs.open_read(p("f"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->stat().size, 10u);
  std::array<std::byte, 4> buf{};
  auto n = r->read_at(3, buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 4u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(buf.data()), 4), "3456");
  EXPECT_EQ(*r->read_at(8, buf), 2u);
  EXPECT_EQ(*r->read_at(10, buf), 0u);
  EXPECT_EQ(*r->read_at(1000, buf), 0u);
  ASSERT_FALSE(make_dirs(fs, p("dir")));
  EXPECT_EQ(fs.open_read(p("dir")).error(), errc::is_a_directory);
  EXPECT_EQ(fs.open_read(p("nope")).error(), errc::not_found);
}

TYPED_TEST(filesystem_contract, temp_files_have_unique_reserved_names_and_vanish_unless_renamed)
{
  auto& fs = this->fs_;
  std::set<std::string> names;
  {
    auto a = fs.create_temp(store_path());
    auto b = fs.create_temp(store_path());
    ASSERT_TRUE(a && b);
    EXPECT_TRUE(core::is_reserved_name(a->path().name()));
    EXPECT_NE(a->path(), b->path());
    EXPECT_EQ(fs.list(store_path())->size(), 2u);
  }
  EXPECT_TRUE(fs.list(store_path())->empty());
}

TYPED_TEST(filesystem_contract, rename_replaces_atomically_with_a_new_file_id)
{
  auto& fs = this->fs_;
  auto first = atomic_replace(fs, p("doc.pdf"), std::string_view("v1"));
  ASSERT_TRUE(first);
  auto second = atomic_replace(fs, p("doc.pdf"), std::string_view("version 2"));
  ASSERT_TRUE(second);
  EXPECT_NE(first->file_id, second->file_id);
  EXPECT_EQ(second->size, 9u);
  EXPECT_EQ(this->read("doc.pdf"), "version 2");
  auto const entries = *fs.list(store_path());
  ASSERT_EQ(entries.size(), 1u); // no temp left behind
  EXPECT_EQ(entries[0].name, "doc.pdf");
}

TYPED_TEST(filesystem_contract, names_are_bytes_exactly)
{
  auto& fs = this->fs_;
  std::set<std::string> const names = {
    "Spec (IFA) - Caf\xC3\xA9.pdf",  // NFC
    "Spec (IFA) - Cafe\xCC\x81.pdf", // NFD: a different name
    "#1 100% & Co's + more.txt",
    "~B draft",
  };
  for(auto const& n : names)
    ASSERT_TRUE(atomic_replace(fs, *store_path().child(n), std::string_view(n)));
  std::set<std::string> listed;
  for(auto const& e : *fs.list(store_path())) {
    listed.insert(e.name);
    EXPECT_EQ(e.stat.size, e.name.size());
  }
  EXPECT_EQ(listed, names);
}

TYPED_TEST(filesystem_contract, remove_files_and_empty_directories_only)
{
  auto& fs = this->fs_;
  ASSERT_FALSE(make_dirs(fs, p("d")));
  ASSERT_TRUE(atomic_replace(fs, p("d/f"), std::string_view("x")));
  EXPECT_EQ(fs.remove(p("d")), errc::not_empty);
  EXPECT_FALSE(remove_durably(fs, p("d/f")));
  EXPECT_FALSE(fs.remove(p("d")));
  EXPECT_EQ(fs.remove(p("d")), errc::not_found);
}

TYPED_TEST(filesystem_contract, remove_tree_removes_everything_below_and_counts_documents)
{
  auto& fs = this->fs_;
  ASSERT_FALSE(make_dirs(fs, p("t/a/b")));
  ASSERT_TRUE(atomic_replace(fs, p("t/one"), std::string_view("1")));
  ASSERT_TRUE(atomic_replace(fs, p("t/a/b/two"), std::string_view("2")));
  ASSERT_TRUE(atomic_replace(fs, *p("t/a").child(".zddc-listing.json"), std::string_view("{}")));
  ASSERT_TRUE(atomic_replace(fs, p("kept"), std::string_view("k")));
  auto const removed = remove_tree(fs, p("t"));
  ASSERT_TRUE(removed) << removed.error().message();
  EXPECT_EQ(*removed, 2u); // the reserved companion went too, uncounted
  EXPECT_EQ(fs.stat(p("t")).error(), errc::not_found);
  EXPECT_TRUE(fs.stat(p("kept")));
  EXPECT_EQ(*remove_tree(fs, p("t")), 0u); // already gone
  EXPECT_EQ(*remove_tree(fs, p("kept")), 1u);
}

TYPED_TEST(filesystem_contract, sweep_removes_only_stale_temp_files_at_any_depth)
{
  auto& fs = this->fs_;
  auto const cutoff = time_point(std::chrono::seconds(1767225600));
  auto const place = [&](std::string_view path, time_point mtime) {
    ASSERT_TRUE(atomic_replace(fs, p(path), std::string_view("x")));
    ASSERT_FALSE(fs.set_mtime(p(path), mtime));
  };
  ASSERT_FALSE(make_dirs(fs, p("a/b")));
  place(".zddc-tmp-1-1-1", cutoff - std::chrono::seconds(1));
  place("a/b/.zddc-tmp-2-2-2", cutoff - std::chrono::hours(24));
  place("a/.zddc-tmp-3-3-3", cutoff + std::chrono::seconds(1)); // a write may still own it
  place("a/.zddc-listing.json", cutoff - std::chrono::hours(24)); // reserved, not a temp
  place("a/b/doc.pdf", cutoff - std::chrono::hours(24));
  auto const removed = sweep_stale_temps(fs, store_path(), cutoff);
  ASSERT_TRUE(removed) << removed.error().message();
  EXPECT_EQ(*removed, 2u);
  EXPECT_EQ(fs.stat(p(".zddc-tmp-1-1-1")).error(), errc::not_found);
  EXPECT_EQ(fs.stat(p("a/b/.zddc-tmp-2-2-2")).error(), errc::not_found);
  EXPECT_TRUE(fs.stat(p("a/.zddc-tmp-3-3-3")));
  EXPECT_TRUE(fs.stat(p("a/.zddc-listing.json")));
  EXPECT_TRUE(fs.stat(p("a/b/doc.pdf")));
}

TYPED_TEST(filesystem_contract, make_dir_and_make_dirs)
{
  auto& fs = this->fs_;
  EXPECT_FALSE(fs.make_dir(p("a")));
  EXPECT_EQ(fs.make_dir(p("a")), errc::already_exists);
  EXPECT_EQ(fs.make_dir(p("x/y")), errc::not_found);
  EXPECT_FALSE(make_dirs(fs, p("a/b/c")));
  EXPECT_FALSE(make_dirs(fs, p("a/b/c"))); // existing is fine
  ASSERT_TRUE(atomic_replace(fs, p("a/file"), std::string_view("x")));
  EXPECT_EQ(make_dirs(fs, p("a/file/below")), errc::not_a_directory);
}

TYPED_TEST(filesystem_contract, set_mtime_round_trips_nanoseconds)
{
  auto& fs = this->fs_;
  ASSERT_TRUE(atomic_replace(fs, p("f"), std::string_view("x")));
  auto const t = time_point(std::chrono::seconds(1767225600) + std::chrono::nanoseconds(123456789));
  EXPECT_FALSE(fs.set_mtime(p("f"), t));
  EXPECT_EQ(fs.stat(p("f"))->mtime, t);
}

TYPED_TEST(filesystem_contract, rename_moves_across_directories_durably)
{
  auto& fs = this->fs_;
  ASSERT_FALSE(make_dirs(fs, p("from")));
  ASSERT_FALSE(make_dirs(fs, p("to")));
  ASSERT_TRUE(atomic_replace(fs, p("from/x"), std::string_view("payload")));
  EXPECT_FALSE(rename_durably(fs, p("from/x"), p("to/y")));
  EXPECT_EQ(fs.stat(p("from/x")).error(), errc::not_found);
  EXPECT_EQ(this->read("to/y"), "payload");
  EXPECT_EQ(fs.rename(p("nothing"), p("to/z")), errc::not_found);
}

TYPED_TEST(filesystem_contract, read_all_refuses_files_over_its_limit)
{
  auto& fs = this->fs_;
  ASSERT_TRUE(atomic_replace(fs, p("big"), std::string_view("0123456789")));
  EXPECT_EQ(read_all(fs, p("big"), 9).error(), errc::too_large);
  EXPECT_EQ(*read_all(fs, p("big"), 10), "0123456789");
}

} // namespace
} // namespace zddc::env
