#include <zddc/core/path.hpp>

#include <gtest/gtest.h>

#include <string>

namespace zddc::core {
namespace path_test {

error_code
segment_error(std::string_view s)
{
  return validate_segment(s, false);
}

TEST(path, root_is_empty)
{
  repo_path root;
  EXPECT_TRUE(root.is_root());
  EXPECT_EQ(root.str(), "");
  EXPECT_EQ(root.depth(), 0u);
  auto parsed = repo_path::parse("");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, root);
}

TEST(path, keeps_every_byte_of_valid_names)
{
  for(std::string name : {
        "123456-EL-SPC-2623_A+C1 (RSB) - Spec For Switchgear.pdf",
        "Caf\xC3\xA9 (NFC).pdf",
        "Cafe\xCC\x81 (NFD).pdf",
        "#1 100% & Co's + more?.txt",
        "~B",
        "...",
        ".hidden",
        "\xF0\x9F\x93\x84 emoji.pdf",
      }) {
    SCOPED_TRACE(name);
    auto p = repo_path::parse("dir/" + name);
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_EQ(p->name(), name);
    EXPECT_EQ(p->str(), "dir/" + name);
  }
}

TEST(path, nfc_and_nfd_are_different_names)
{
  auto nfc = repo_path::parse("Caf\xC3\xA9");
  auto nfd = repo_path::parse("Cafe\xCC\x81");
  ASSERT_TRUE(nfc);
  ASSERT_TRUE(nfd);
  EXPECT_NE(*nfc, *nfd);
}

TEST(path, refuses_each_invalid_segment_class)
{
  EXPECT_EQ(segment_error(""), path_errc::empty_segment);
  EXPECT_EQ(segment_error("."), path_errc::dot_segment);
  EXPECT_EQ(segment_error(".."), path_errc::dot_segment);
  EXPECT_EQ(segment_error("a/b"), path_errc::slash_in_segment);
  EXPECT_EQ(segment_error("a\\b"), path_errc::backslash_in_segment);
  EXPECT_EQ(segment_error(std::string("a\0b", 3)), path_errc::control_character);
  EXPECT_EQ(segment_error("tab\there"), path_errc::control_character);
  EXPECT_EQ(segment_error("del\x7f"), path_errc::control_character);
  EXPECT_EQ(segment_error("c1\xC2\x85"), path_errc::control_character);
  EXPECT_EQ(segment_error("\xC0\xAE"), path_errc::invalid_utf8);          // overlong '.'
  EXPECT_EQ(segment_error("\xE0\x80\xAE"), path_errc::invalid_utf8);      // overlong 3-byte
  EXPECT_EQ(segment_error("\xED\xA0\x80"), path_errc::invalid_utf8);      // surrogate
  EXPECT_EQ(segment_error("\xF4\x90\x80\x80"), path_errc::invalid_utf8);  // > U+10FFFF
  EXPECT_EQ(segment_error("\xC3"), path_errc::invalid_utf8);              // truncated
  EXPECT_EQ(segment_error("\xFF"), path_errc::invalid_utf8);
  EXPECT_EQ(segment_error("x\xE2\x80\xAEgnp.exe"), path_errc::control_character); // U+202E RLO
  EXPECT_EQ(segment_error("\xE2\x80\xAA"), path_errc::control_character);        // U+202A LRE
  EXPECT_EQ(segment_error("\xE2\x81\xA6x"), path_errc::control_character);       // U+2066 LRI
  EXPECT_EQ(segment_error("\xE2\x81\xA9"), path_errc::control_character);        // U+2069 PDI
  EXPECT_FALSE(segment_error("\xE2\x80\xA9 \xE2\x80\xAF \xE2\x81\xA5 \xE2\x81\xAA")); // neighbours stay
  EXPECT_EQ(segment_error(".zddc-outbox"), path_errc::reserved_name);
  EXPECT_EQ(segment_error(".ZDDC-Listing.json"), path_errc::reserved_name);
  EXPECT_EQ(segment_error(std::string(segment_bytes_max + 1, 'a')), path_errc::segment_too_long);
  EXPECT_FALSE(segment_error(std::string(segment_bytes_max, 'a')));
}

TEST(path, parse_refuses_malformed_joins)
{
  EXPECT_EQ(repo_path::parse("/a").error(), path_errc::empty_segment);
  EXPECT_EQ(repo_path::parse("a/").error(), path_errc::empty_segment);
  EXPECT_EQ(repo_path::parse("a//b").error(), path_errc::empty_segment);
  EXPECT_EQ(repo_path::parse("a/../b").error(), path_errc::dot_segment);
  EXPECT_EQ(repo_path::parse("../x").error(), path_errc::dot_segment);
  std::string deep;
  for(std::size_t i = 0; i <= path_depth_max; ++i)
    deep += (i ? "/d" : "d");
  EXPECT_EQ(repo_path::parse(deep).error(), path_errc::path_too_long);
}

// The seed-independent crash of issue 12: a listing sidecar appended to a
// directory at the path limit could not be formed, and was dereferenced.
TEST(path, a_repo_path_always_leaves_room_for_a_reserved_name)
{
  std::string deep = "d";
  for(std::size_t i = 1; i < repo_path_depth_max; ++i)
    deep += "/d";
  auto at_depth = repo_path::parse(deep);
  ASSERT_TRUE(at_depth);
  EXPECT_EQ(at_depth->child("d").error(), path_errc::path_too_long);
  auto grown = *at_depth;
  EXPECT_EQ(grown.append("d"), path_errc::path_too_long); // decode's way of adding a segment
  EXPECT_EQ(grown, *at_depth);
  EXPECT_EQ(repo_path::parse(deep + "/d").error(), path_errc::path_too_long);
  EXPECT_TRUE(store_path::parse(deep + "/d")); // the store's own files may go one deeper
  auto const sidecar = at_depth->reserved_child(".zddc-listing.json");
  EXPECT_EQ(sidecar.str(), deep + "/.zddc-listing.json");

  std::string longest(segment_bytes_max, 'n');
  while(longest.size() + 1 + segment_bytes_max <= repo_path_bytes_max)
    longest += "/" + std::string(segment_bytes_max, 'n');
  longest += "/" + std::string(repo_path_bytes_max - longest.size() - 1, 'n');
  ASSERT_EQ(longest.size(), repo_path_bytes_max);
  auto at_length = repo_path::parse(longest);
  ASSERT_TRUE(at_length) << at_length.error().message();
  EXPECT_EQ(at_length->child("x").error(), path_errc::path_too_long);
  auto longer = *at_length;
  EXPECT_EQ(longer.append("x"), path_errc::path_too_long);
  EXPECT_EQ(longer, *at_length);
  EXPECT_EQ(repo_path::parse(longest + "x").error(), path_errc::path_too_long);
  auto const name = std::string(".zddc-") + std::string(reserved_name_bytes_max - 6, 't');
  auto const longest_reserved = at_length->reserved_child(name);
  EXPECT_EQ(longest_reserved.str().size(), path_bytes_max);
}

TEST(path, store_path_admits_reserved_names_repo_path_does_not)
{
  auto store = store_path::parse(".zddc-outbox/0001/meta.json");
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->has_reserved_segment());
  EXPECT_EQ(repo_path::parse(".zddc-outbox/0001/meta.json").error(), path_errc::reserved_name);
  EXPECT_EQ(repo_path().child(".zddc-listing.json").error(), path_errc::reserved_name);
}

TEST(path, child_parent_and_name)
{
  auto p = repo_path().child("a");
  ASSERT_TRUE(p);
  auto q = p->child("b c");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->str(), "a/b c");
  EXPECT_EQ(q->name(), "b c");
  EXPECT_EQ(q->depth(), 2u);
  EXPECT_EQ(q->parent(), *p);
  EXPECT_TRUE(q->parent().parent().is_root());
  EXPECT_EQ(p->child("x/y").error(), path_errc::slash_in_segment);
}

TEST(path, is_within_matches_whole_segments)
{
  auto vendor_a = *repo_path::parse("vendorA");
  EXPECT_TRUE(repo_path::parse("vendorA/x.pdf")->is_within(vendor_a));
  EXPECT_TRUE(vendor_a.is_within(vendor_a));
  EXPECT_FALSE(repo_path::parse("vendorAB/x.pdf")->is_within(vendor_a));
  EXPECT_FALSE(repo_path::parse("vendor")->is_within(vendor_a));
  EXPECT_TRUE(vendor_a.is_within(repo_path()));
}

TEST(path, error_messages_are_readable)
{
  EXPECT_EQ(error_code(path_errc::dot_segment).message(), "'.' or '..' path segment");
  EXPECT_STREQ(error_code(path_errc::dot_segment).category().name(), "zddc.path");
}

} // namespace
} // namespace zddc::core
