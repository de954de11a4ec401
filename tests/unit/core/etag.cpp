// Entity tags (RFC 9110 §8.8.3): parsing, the two comparisons, and the
// lists If-Match and If-None-Match carry.
#include <zddc/core/etag.hpp>

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace zddc::core {
namespace etag_test {

TEST(etag, parses_strong_and_weak_tags_and_writes_them_back)
{
  auto const strong = entity_tag::parse("\"abc\"");
  ASSERT_TRUE(strong);
  EXPECT_FALSE(strong->weak());
  EXPECT_EQ(strong->opaque(), "abc");
  EXPECT_EQ(strong->to_string(), "\"abc\"");
  auto const weak = entity_tag::parse("W/\"abc\"");
  ASSERT_TRUE(weak);
  EXPECT_TRUE(weak->weak());
  EXPECT_EQ(weak->to_string(), "W/\"abc\"");
  EXPECT_EQ(entity_tag::parse("\"\"")->opaque(), "");
}

TEST(etag, refuses_what_is_not_a_tag)
{
  for(std::string_view bad : {"abc", "\"abc", "abc\"", "w/\"abc\"", "W/abc", "\"a\"b\"", "\"a b\"", "\"a\x7f\"", ""})
    EXPECT_FALSE(entity_tag::parse(bad)) << bad;
  EXPECT_FALSE(entity_tag::strong("has\"quote"));
  EXPECT_FALSE(entity_tag::strong("has space"));
  EXPECT_TRUE(entity_tag::strong("0123abcdef-json"));
}

TEST(etag, takes_exactly_the_etagc_bytes_of_the_rfc)
{
  // etagc = %x21 / %x23-7E / obs-text (%x80-FF), each byte alone and
  // between valid ones.
  for(int b = 0; b < 256; ++b) {
    bool const etagc = b == 0x21 || (b >= 0x23 && b <= 0x7e) || b >= 0x80;
    std::string const alone(1, static_cast<char>(b));
    EXPECT_EQ(entity_tag::strong(alone).has_value(), etagc) << "byte " << b;
    EXPECT_EQ(entity_tag::strong("0123456789abcdef" + alone + "0123456789abcdef").has_value(), etagc) << "byte " << b;
  }
}

TEST(etag, strong_comparison_needs_two_strong_tags_weak_comparison_does_not)
{
  auto const s = *entity_tag::parse("\"v1\"");
  auto const w = *entity_tag::parse("W/\"v1\"");
  auto const other = *entity_tag::parse("\"v2\"");
  EXPECT_TRUE(strong_match(s, s));
  EXPECT_FALSE(strong_match(s, w));
  EXPECT_FALSE(strong_match(w, w));
  EXPECT_FALSE(strong_match(s, other));
  EXPECT_TRUE(weak_match(s, w));
  EXPECT_TRUE(weak_match(w, w));
  EXPECT_FALSE(weak_match(w, other));
}

TEST(etag, conditions_are_any_or_a_list)
{
  auto const any = parse_etag_condition("*");
  ASSERT_TRUE(any);
  EXPECT_TRUE(any->any);
  EXPECT_TRUE(any->tags.empty());
  auto const list = parse_etag_condition(" \"a\" ,, W/\"b\",\"c\" ");
  ASSERT_TRUE(list);
  EXPECT_FALSE(list->any);
  ASSERT_EQ(list->tags.size(), 3u);
  EXPECT_EQ(list->tags[1].to_string(), "W/\"b\"");
  EXPECT_FALSE(parse_etag_condition("\"a\", b"));
  EXPECT_FALSE(parse_etag_condition("*, \"a\""));
}

TEST(etag, a_scan_views_each_tag_in_place_and_says_what_it_found)
{
  std::vector<std::pair<std::string, bool>> seen;
  auto record = [&](const etag_view& t) { seen.emplace_back(std::string(t.opaque), t.weak); };
  EXPECT_EQ(scan_etag_condition(" \"a\" ,, W/\"b\",\"c\" ", record), etag_list::tags);
  EXPECT_EQ(seen, (std::vector<std::pair<std::string, bool>>{{"a", false}, {"b", true}, {"c", false}}));
  seen.clear();
  EXPECT_EQ(scan_etag_condition(" * ", record), etag_list::any);
  EXPECT_TRUE(seen.empty());
  EXPECT_EQ(scan_etag_condition("\"a\", b", record), etag_list::malformed); // after visiting "a"
  EXPECT_EQ(scan_etag_condition(" , ", record), etag_list::malformed);    // no tag at all
  EXPECT_EQ(scan_etag_condition("\"a\x01\"", record), etag_list::malformed);

  auto const held = *entity_tag::parse("\"v1\"");
  auto const held_weak = *entity_tag::parse("W/\"v1\"");
  EXPECT_TRUE(strong_match(etag_view{"v1", false}, held));
  EXPECT_FALSE(strong_match(etag_view{"v1", true}, held));
  EXPECT_FALSE(strong_match(etag_view{"v1", false}, held_weak));
  EXPECT_TRUE(weak_match(etag_view{"v1", true}, held));
  EXPECT_TRUE(weak_match(etag_view{"v1", false}, held_weak));
  EXPECT_FALSE(weak_match(etag_view{"v2", false}, held));
}

} // namespace
} // namespace zddc::core
