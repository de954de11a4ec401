#include <zddc/core/listing_html.hpp>

#include <gtest/gtest.h>

namespace zddc::core {
namespace {

using namespace std::chrono_literals;

listing
sample(std::string_view dir)
{
  listing l{*repo_path::parse(dir), {}};
  auto file = [&](std::string name, std::uint64_t size) {
    l.entries.push_back({std::move(name), core::file_kind::regular, size, core::time_point(1767225600s),
                         entity_tag::strong("t")});
  };
  l.entries.push_back({"2025-10-31_123456-EL-TRN-0043 (IFC) - Switchgear Package", core::file_kind::directory, 0,
                       core::time_point(1767225600s), std::nullopt});
  file("123456-EL-SPC-2623_A+C1 (RSB) - Spec For Switchgear.pdf", 2048);
  file("<img src=x onerror=alert(1)>", 1);
  file("a#b?c%d&e'f\"g", 2);
  file("notes.txt", 10);
  std::sort(l.entries.begin(), l.entries.end(), [](auto const& a, auto const& b) { return a.name < b.name; });
  return l;
}

TEST(listing_html, escapes_names_and_encodes_links)
{
  auto const html = render_listing_html(sample("Dir"), {});
  EXPECT_EQ(html.find("<img src=x"), std::string::npos);
  EXPECT_NE(html.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  EXPECT_NE(html.find("href=\"/Dir/a%23b%3Fc%25d&amp;e&#39;f%22g\""), std::string::npos);
  EXPECT_NE(html.find("a#b?c%d&amp;e&#39;f&quot;g</a>"), std::string::npos);
  EXPECT_NE(html.find("href=\"/Dir/2025-10-31_123456-EL-TRN-0043%20(IFC)%20-%20Switchgear%20Package/\""),
            std::string::npos);
}

TEST(listing_html, shows_zddc_columns_for_documents_and_transmittals)
{
  auto const html = render_listing_html(sample("Dir"), {});
  EXPECT_NE(html.find("<td>123456-EL-SPC-2623</td><td class=\"st\">A+C1</td><td class=\"st\">RSB</td>"
                      "<td>Spec For Switchgear</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<td>123456-EL-TRN-0043</td><td class=\"st\"></td><td class=\"st\">IFC</td>"
                      "<td>2025-10-31 Switchgear Package</td>"),
            std::string::npos);
  // A name outside the convention is listed with empty columns.
  EXPECT_NE(html.find(">notes.txt</a></td><td></td><td class=\"st\"></td><td class=\"st\"></td><td></td>"),
            std::string::npos);
  EXPECT_NE(html.find("title=\"2048 bytes\">2.0 KiB</td>"), std::string::npos);
  EXPECT_NE(html.find("2026-01-01 00:00:00Z"), std::string::npos);
}

TEST(listing_html, breadcrumbs_link_every_ancestor)
{
  auto const html = render_listing_html(sample("Caf\xC3\xA9 & Co/Sub dir/Leaf"), {});
  EXPECT_NE(html.find("<a href=\"/\">ZDDC</a> / <a href=\"/Caf%C3%A9%20&amp;%20Co/\">Caf\xC3\xA9 &amp; Co</a>"
                      " / <a href=\"/Caf%C3%A9%20&amp;%20Co/Sub%20dir/\">Sub dir</a>"
                      " / <a href=\"/Caf%C3%A9%20&amp;%20Co/Sub%20dir/Leaf/\">Leaf</a></nav>"),
            std::string::npos);
}

TEST(listing_html, write_controls_only_for_writers)
{
  auto const reader = render_listing_html(sample("Dir"), {false});
  auto const writer = render_listing_html(sample("Dir"), {true});
  EXPECT_EQ(reader.find("id=\"upload\""), std::string::npos);
  EXPECT_EQ(reader.find("class=\"del\""), std::string::npos);
  EXPECT_NE(writer.find("id=\"upload\""), std::string::npos);
  EXPECT_NE(writer.find("<button class=\"del\" data-href=\"/Dir/notes.txt\""), std::string::npos);
}

TEST(listing_html, empty_directories_and_determinism)
{
  listing empty{repo_path(), {}};
  EXPECT_NE(render_listing_html(empty, {}).find("This folder is empty."), std::string::npos);
  EXPECT_EQ(render_listing_html(sample("Dir"), {true}), render_listing_html(sample("Dir"), {true}));
}

// Issue 14: at a cache, the page says what the person must know there.
TEST(listing_html, a_cache_page_shows_the_offline_banner_and_the_refused_writes)
{
  auto const l = sample("Dir");
  html_listing_options options;
  options.can_write = true;
  options.offline_since = "2026-01-01T09:30:00Z";
  options.refused = {
    refused_write{"0000000000000007", "Spec <A>.pdf", true, "2026-01-01T10:00:00Z", 200, false},
    refused_write{"0000000000000008", "Other.pdf", false, "2026-01-01T10:05:00Z", 403, false},
  };
  auto const html = render_listing_html(l, options);
  EXPECT_NE(html.find("The master cannot be reached</strong> (since 2026-01-01T09:30:00Z)"), std::string::npos);
  EXPECT_NE(html.find("Spec &lt;A&gt;.pdf: your version was refused because the master's copy changed"),
            std::string::npos);
  EXPECT_NE(html.find("href=\"/.zddc/outbox/0000000000000007/mine\""), std::string::npos);
  EXPECT_NE(html.find("href=\"/.zddc/outbox/0000000000000007/theirs\""), std::string::npos);
  EXPECT_NE(html.find("data-href=\"/.zddc/outbox/0000000000000007/retry\""), std::string::npos);
  EXPECT_NE(html.find("data-href=\"/.zddc/outbox/0000000000000008/discard\""), std::string::npos);
  EXPECT_NE(html.find("refused by the master (403, 2026-01-01T10:05:00Z)"), std::string::npos);
  EXPECT_EQ(render_listing_html(l, {true}).find("class=\"banner\""), std::string::npos);

  // Each of these changes the page, so each changes its tag.
  auto const plain = html_listing_tag(l, {true});
  EXPECT_NE(html_listing_tag(l, options), plain);
  auto online = options;
  online.offline_since.reset();
  EXPECT_NE(html_listing_tag(l, online), html_listing_tag(l, options));
  EXPECT_NE(html_listing_tag(l, {false}), plain);
  EXPECT_EQ(html_listing_tag(l, {false}), listing_tag(l, listing_format::html));
}

} // namespace
} // namespace zddc::core
