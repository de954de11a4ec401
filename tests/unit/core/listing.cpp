#include <zddc/core/listing.hpp>

#include <gtest/gtest.h>

namespace zddc::core {
namespace listing_test {

using namespace std::chrono_literals;

listing
sample()
{
  auto const dir = *repo_path::parse("Project/X");
  listing l{dir, {}};
  // Sorted by bytes: 'e' (0x65) sorts before 0xC3.
  l.entries.push_back({"Cafe\xCC\x81 (NFD).pdf", core::file_kind::regular, 13,
                       core::time_point(1767225600000000001ns), entity_tag::strong("bb")});
  l.entries.push_back({"Caf\xC3\xA9 (NFC).pdf", core::file_kind::regular, 12,
                       core::time_point(1767225600123456789ns), entity_tag::strong("aa")});
  l.entries.push_back({"Spec #1 100% & Co's + more", core::file_kind::directory, 0,
                       core::time_point(1767225600s), std::nullopt});
  return l;
}

TEST(listing, json_round_trips_every_name_and_field)
{
  auto const l = sample();
  auto const json = to_json(l);
  auto const back = listing_from_json(json, l.dir);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, l);
  EXPECT_NE(json.find("\"path\":\"/Project/X/\""), std::string::npos);
  EXPECT_NE(json.find("\"mtime_ns\":1767225600123456789"), std::string::npos);
}

TEST(listing, refuses_names_that_would_escape_or_touch_reserved_files)
{
  auto const dir = repo_path();
  for(auto name : {"..", ".", "a/b", ".zddc-outbox", "", "a\\\\b"}) {
    SCOPED_TRACE(name);
    auto const json = std::string(R"({"path":"/","entries":[{"name":")") + name +
                      R"(","type":"file","size":1,"mtime_ns":0}]})";
    EXPECT_FALSE(listing_from_json(json, dir));
  }
}

TEST(listing, refuses_documents_off_the_schema)
{
  auto const dir = repo_path();
  EXPECT_FALSE(listing_from_json("not json", dir));
  EXPECT_FALSE(listing_from_json("[]", dir));
  EXPECT_FALSE(listing_from_json(R"({"entries":[{"name":"a","type":"socket","size":1,"mtime_ns":0}]})", dir));
  EXPECT_FALSE(listing_from_json(R"({"entries":[{"name":"a","type":"file","size":-1,"mtime_ns":0}]})", dir));
  EXPECT_FALSE(listing_from_json(
    R"({"entries":[{"name":"a","type":"file","size":1,"mtime_ns":0},{"name":"a","type":"file","size":1,"mtime_ns":0}]})",
    dir));
}

TEST(listing, etag_changes_with_any_visible_change)
{
  auto const l = sample();
  auto const base = listing_etag(l);
  EXPECT_EQ(listing_etag(sample()), base);
  auto sized = l;
  sized.entries[0].size += 1;
  EXPECT_NE(listing_etag(sized), base);
  auto retagged = l;
  retagged.entries[0].etag = entity_tag::strong("cc");
  EXPECT_NE(listing_etag(retagged), base);
  auto fewer = l;
  fewer.entries.pop_back();
  EXPECT_NE(listing_etag(fewer), base);
}

TEST(listing, content_etag_is_the_hex_digest_prefix)
{
  sha256 h;
  h.update(std::string_view("abc"));
  // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
  EXPECT_EQ(content_etag(h.finish()).to_string(), "\"ba7816bf8f01cfea414140de5dae2223\"");
}

} // namespace
} // namespace zddc::core
