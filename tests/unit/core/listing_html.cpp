#include <zddc/core/listing_html.hpp>

#include <gtest/gtest.h>

#include <algorithm>

namespace zddc::core {
namespace listing_html_test {

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
  EXPECT_NE(html.find("<td class=\"trk\">123456-EL-SPC-2623</td><td class=\"rev\" data-sort=\"0\">A+C1</td>"
                      "<td class=\"stat\">RSB</td><td class=\"ttl\">Spec For Switchgear</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<td class=\"trk\">123456-EL-TRN-0043</td><td class=\"rev\"></td><td class=\"stat\">IFC</td>"
                      "<td class=\"ttl\">2025-10-31 Switchgear Package</td>"),
            std::string::npos);
  // A name outside the convention is listed with empty columns.
  EXPECT_NE(html.find(">notes.txt</a></td><td class=\"trk\"></td><td class=\"rev\"></td><td class=\"stat\"></td>"
                      "<td class=\"ttl\"></td>"),
            std::string::npos);
  EXPECT_NE(html.find("title=\"2048 bytes\">2.0 KiB</td>"), std::string::npos);
  // Modification times in RFC 3339, the format of the banners' times.
  EXPECT_NE(html.find("<td class=\"num mod\" data-sort=\"1767225600000000000\">2026-01-01T00:00:00Z</td>"),
            std::string::npos);
}

TEST(listing_html, links_to_the_folders_register_transmittals_and_zip)
{
  auto const html = render_listing_html(sample("A Dir"), {});
  EXPECT_NE(html.find("<p class=\"links\"><a href=\"/A%20Dir/?register\">Register</a>"
                      "<a href=\"/A%20Dir/?transmittals\">Transmittals</a>"
                      "<a href=\"/A%20Dir/?zip\">Download ZIP</a></p>"),
            std::string::npos);
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
  for(auto control : {"id=\"upload\"", "id=\"file\"", "id=\"mkdir\"", "class=\"del\"", "class=\"act"}) {
    EXPECT_EQ(reader.find(control), std::string::npos) << control;
    EXPECT_NE(writer.find(control), std::string::npos) << control;
  }
  EXPECT_NE(writer.find("<button type=\"button\" class=\"del\" data-href=\"/Dir/notes.txt\">Delete</button>"),
            std::string::npos);
  // Folders too, by their directory URL (the server refuses a folder that is not empty).
  EXPECT_NE(writer.find("class=\"del\" data-href=\"/Dir/2025-10-31_123456-EL-TRN-0043%20(IFC)%20-%20Switchgear%20"
                        "Package/\""),
            std::string::npos);
  // Everything that needs the script is hidden without it.
  EXPECT_NE(writer.find("<html lang=\"en\" class=\"nojs\">"), std::string::npos);
  EXPECT_NE(writer.find("<form id=\"upload\" class=\"controls js-only\">"), std::string::npos);
  EXPECT_NE(reader.find("<div class=\"tools js-only\"><input type=\"search\" id=\"filter\""), std::string::npos);
}

TEST(listing_html, empty_directories_and_determinism)
{
  listing empty{repo_path(), {}};
  EXPECT_NE(render_listing_html(empty, {}).find("<td colspan=\"7\" class=\"empty\">This folder is empty."),
            std::string::npos);
  EXPECT_NE(render_listing_html(empty, {true}).find("<td colspan=\"8\" class=\"empty\">This folder is empty."),
            std::string::npos);
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
  // The page's own markup, style and script are part of every HTML tag, so
  // a new version of the page is never answered 304 from an old one.
  EXPECT_NE(html_listing_tag(l, {false}), listing_tag(l, listing_format::html));
  EXPECT_EQ(html_listing_tag(l, {false}), html_listing_tag(sample("Dir"), {false}));
}

// The row of `name` in `html`, from its `<tr` to its `</tr>`.
std::string
row_of(const std::string& html, std::string_view name)
{
  auto const at = html.find("data-name=\"" + std::string(name) + "\"");
  if(at == std::string::npos)
    return {};
  auto const start = html.rfind("<tr", at);
  return html.substr(start, html.find("</tr>", at) + 5 - start);
}

listing
documents(std::vector<std::string> names)
{
  listing l{*repo_path::parse("Docs"), {}};
  for(auto& n : names)
    l.entries.push_back({std::move(n), core::file_kind::regular, 1, core::time_point(1767225600s),
                         entity_tag::strong("t")});
  std::sort(l.entries.begin(), l.entries.end(), [](auto const& a, auto const& b) { return a.name < b.name; });
  return l;
}

std::string
doc(std::string_view tracking, std::string_view rev, std::string_view ext = "pdf")
{
  return std::string(tracking) + "_" + std::string(rev) + " (IFA) - Title." + std::string(ext);
}

// Issue 16: Rev sorts in ZDDC revision order, by a key the server computes.
TEST(listing_html, rev_sort_keys_follow_revision_order)
{
  std::vector<std::string> const order = {"~A", "A", "A+C1", "B", "0", "1", "2"};
  std::vector<std::string> names = {"notes.txt", doc("X-2", "B")}; // B again, another tracking number
  for(auto const& r : order)
    names.push_back(doc("X-1", r));
  auto const html = render_listing_html(documents(names), {});
  for(std::size_t i = 0; i < order.size(); ++i)
    EXPECT_NE(row_of(html, doc("X-1", order[i])).find("<td class=\"rev\" data-sort=\"" + std::to_string(i) + "\">" +
                                                      order[i] + "</td>"),
              std::string::npos)
      << order[i];
  EXPECT_NE(row_of(html, doc("X-2", "B")).find("<td class=\"rev\" data-sort=\"3\">B</td>"), std::string::npos);
  EXPECT_NE(row_of(html, "notes.txt").find("<td class=\"rev\"></td>"), std::string::npos); // no key: sorts last
  // The Rev header sorts numerically on those keys; the Name header shows the server's order.
  EXPECT_NE(html.find("<th data-col=\"2\" class=\"rev\" data-num>"), std::string::npos);
  EXPECT_NE(html.find("<th data-col=\"0\" aria-sort=\"ascending\"><button type=\"button\">Name<span class=\"arrow\" "
                      "aria-hidden=\"true\">\xE2\x96\xB2</span></button></th>"),
            std::string::npos);
}

// Issue 16: "Latest revision only" keeps, per tracking number, the greatest
// revision that is neither a draft nor a modifier; drafts when there are
// only drafts; every format of that revision.
TEST(listing_html, latest_revision_per_tracking_number)
{
  auto l = documents({doc("X-1", "~A"), doc("X-1", "A"), doc("X-1", "B"), doc("X-1", "B", "dwg"), doc("X-1", "B+C1"),
                      doc("X-1", "~C"), doc("Y-1", "~A"), doc("Y-1", "~B"), doc("Z-1", "A+C1"), doc("Z-1", "A+C2"),
                      doc("W-1", "A"), doc("W-1", "B"), "notes.txt"});
  for(auto& e : l.entries)
    if(e.name == doc("W-1", "B"))
      e.pending = pending_write{"0000000000000001", true}; // deleted here: not a candidate
  l.entries.push_back({"2025-10-31_X-9 (IFC) - Package", core::file_kind::directory, 0, core::time_point(1767225600s),
                       std::nullopt});
  auto const html = render_listing_html(l, {});
  auto latest = [&](std::string const& name) {
    auto const row = row_of(html, name);
    EXPECT_FALSE(row.empty()) << name;
    return row.find(" data-latest=\"1\"") != std::string::npos;
  };
  EXPECT_TRUE(latest(doc("X-1", "B")));
  EXPECT_TRUE(latest(doc("X-1", "B", "dwg")));
  for(auto rev : {"~A", "A", "B+C1", "~C"})
    EXPECT_FALSE(latest(doc("X-1", rev))) << rev;
  EXPECT_TRUE(latest(doc("Y-1", "~B")));
  EXPECT_FALSE(latest(doc("Y-1", "~A")));
  EXPECT_TRUE(latest(doc("Z-1", "A+C2"))); // only modifiers: the greatest of them
  EXPECT_FALSE(latest(doc("Z-1", "A+C1")));
  EXPECT_TRUE(latest(doc("W-1", "A")));
  EXPECT_FALSE(latest(doc("W-1", "B")));
  EXPECT_NE(row_of(html, doc("X-1", "A")).find(" data-tracking=\"X-1\""), std::string::npos);
  // Folders and other names carry no tracking number: the toggle leaves them.
  EXPECT_EQ(row_of(html, "notes.txt").find("data-tracking"), std::string::npos);
  EXPECT_EQ(row_of(html, "2025-10-31_X-9 (IFC) - Package").find("data-tracking"), std::string::npos);
}

// Issue 16: names that look the same in NFC and NFD are told apart.
TEST(listing_html, twin_names_are_marked_by_their_form)
{
  std::string const nfc = "Caf\xC3\xA9.pdf", nfd = "Cafe\xCC\x81.pdf";
  auto const html = render_listing_html(documents({nfc, nfd, "Cafe.pdf", "Nai\xCC\x88ve.txt", "\xC3\x89t\xC3\xA9.txt",
                                                   "E\xCC\x81te\xCC\x81.txt"}),
                                        {});
  EXPECT_NE(row_of(html, nfc).find(">NFC</span>"), std::string::npos);
  EXPECT_NE(row_of(html, nfd).find(">NFD</span>"), std::string::npos);
  EXPECT_NE(row_of(html, "\xC3\x89t\xC3\xA9.txt").find(">NFC</span>"), std::string::npos);
  EXPECT_NE(row_of(html, "E\xCC\x81te\xCC\x81.txt").find(">NFD</span>"), std::string::npos);
  EXPECT_EQ(row_of(html, "Cafe.pdf").find("class=\"twin\""), std::string::npos); // no accent: another name
  EXPECT_EQ(row_of(html, "Nai\xCC\x88ve.txt").find("class=\"twin\""), std::string::npos); // decomposed, no twin
  EXPECT_NE(row_of(html, nfc).find("title=\"Another entry here has a name that looks the same"), std::string::npos);

  EXPECT_EQ(detail::twin_key(nfc), nfd);
  EXPECT_EQ(detail::twin_key("\xC3\xBF\xC3\x87\xC3\xA6"), "y\xCC\x88" "C\xCC\xA7\xC3\xA6"); // ÿ Ç; æ stays
  EXPECT_TRUE(detail::has_combining_mark(nfd));
  EXPECT_FALSE(detail::has_combining_mark(nfc));
}

// Issue 16: each file row carries the tag the page shows it with, which a
// replacing upload or a delete sends as If-Match.
TEST(listing_html, rows_carry_their_etags_and_pending_rows_no_delete)
{
  auto l = sample("Dir");
  l.entries.push_back({"queued.txt", core::file_kind::regular, 1, core::time_point(1767225600s),
                       entity_tag::strong("q1"), pending_write{"0000000000000002", false}});
  l.entries.push_back({"gone.txt", core::file_kind::regular, 1, core::time_point(1767225600s),
                       entity_tag::strong("g1"), pending_write{"0000000000000003", true}});
  std::sort(l.entries.begin(), l.entries.end(), [](auto const& a, auto const& b) { return a.name < b.name; });
  auto const html = render_listing_html(l, {true});
  EXPECT_NE(html.find("<tr data-kind=\"f\" data-name=\"notes.txt\" data-etag=\"&quot;t&quot;\">"), std::string::npos);
  EXPECT_NE(html.find("<tr data-kind=\"f\" data-name=\"a#b?c%d&amp;e&#39;f&quot;g\" data-etag=\"&quot;t&quot;\">"),
            std::string::npos);
  auto const queued = row_of(html, "queued.txt"), gone = row_of(html, "gone.txt");
  EXPECT_NE(queued.find("data-etag=\"&quot;q1&quot;\" class=\"pending\""), std::string::npos);
  EXPECT_EQ(queued.find("class=\"del\""), std::string::npos);
  EXPECT_NE(gone.find("class=\"deleted\""), std::string::npos);
  EXPECT_EQ(gone.find("data-etag"), std::string::npos);
  EXPECT_EQ(gone.find("class=\"del\""), std::string::npos);
  EXPECT_NE(html.find("<body data-dir=\"/Dir/\">"), std::string::npos);
}

// Issue 16: the script speaks the server's write contract and nothing else.
TEST(listing_html, the_page_loads_nothing_from_elsewhere_and_sends_the_csrf_token)
{
  auto const html = render_listing_html(sample("Dir"), {true});
  for(auto outside : {"http:", "https:", "src=\"", "<link", "@import", "url("})
    EXPECT_EQ(html.find(outside), std::string::npos) << outside;
  for(auto contract : {"'/.zddc/session'", "'X-Zddc-Csrf'", "'If-None-Match': '*'", "'If-Match'", "'MKCOL'",
                       "'Zddc-Name-Warning'", "status === 412", "status === 202", "action: '/.zddc/logout'"})
    EXPECT_NE(html.find(contract), std::string::npos) << contract;
  EXPECT_NE(html.find("<div id=\"msg\" role=\"status\" aria-live=\"polite\"></div>"), std::string::npos);
}

// Issue 16: the tag moves with everything the page shows.
TEST(listing_html, the_tag_moves_with_everything_the_page_shows)
{
  auto const l = sample("Dir");
  html_listing_options const base{true};
  auto const tag = html_listing_tag(l, base);
  EXPECT_EQ(html_listing_tag(sample("Dir"), base), tag);

  auto changed = l; // another version of one file: another data-etag
  changed.entries.back().etag = entity_tag::strong("t2");
  EXPECT_NE(html_listing_tag(changed, base), tag);
  auto deleted = l; // a pending deletion: struck through, no Delete button
  deleted.entries.back().pending = pending_write{"0000000000000009", true};
  EXPECT_NE(html_listing_tag(deleted, base), tag);

  auto mirrored = base;
  mirrored.mirrored = true;
  EXPECT_NE(html_listing_tag(l, mirrored), tag);
  auto walked = mirrored;
  walked.walked_at = "2026-01-01T08:00:00Z";
  EXPECT_NE(html_listing_tag(l, walked), html_listing_tag(l, mirrored));
  auto refused = base;
  refused.refused = {refused_write{"0000000000000007", "a|b", true, "2026-01-01T10:00:00Z", 200, false}};
  auto other = base; // the same text, split elsewhere
  other.refused = {refused_write{"0000000000000007", "a", true, "|b2026-01-01T10:00:00Z", 200, false}};
  EXPECT_NE(html_listing_tag(l, refused), tag);
  EXPECT_NE(html_listing_tag(l, refused), html_listing_tag(l, other));
  auto deletion = refused;
  deletion.refused[0].deletion = true;
  EXPECT_NE(html_listing_tag(l, deletion), html_listing_tag(l, refused));
}

} // namespace
} // namespace zddc::core
