#include <zddc/core/register_html.hpp>

#include <gtest/gtest.h>

#include <algorithm>

namespace zddc::core {
namespace register_html_test {

using namespace std::chrono_literals;

constexpr std::string_view trn = "2025-10-31_123456-EL-TRN-0043 (IFC) - Switchgear Package";
constexpr std::string_view trn_href = "/Docs/2025-10-31_123456-EL-TRN-0043%20(IFC)%20-%20Switchgear%20Package/";

struct file_spec {
  std::string name;
  long mtime_s = 1767225600; // 2026-01-01T00:00:00Z
  std::uint64_t size = 1;
  std::optional<pending_write> pending = std::nullopt;
};

/// A listing of `dir` holding `files` and the folders `dirs`.
listing
make(std::string_view dir, std::vector<file_spec> files, std::vector<std::string> dirs = {})
{
  listing l{*repo_path::parse(dir), {}};
  for(auto& f : files)
    l.entries.push_back({std::move(f.name), file_kind::regular, f.size, time_point(std::chrono::seconds(f.mtime_s)),
                         entity_tag::strong("t"), f.pending});
  for(auto& d : dirs)
    l.entries.push_back({std::move(d), file_kind::directory, 0, time_point(1767225600s), std::nullopt});
  std::ranges::sort(l.entries, {}, &listing_entry::name);
  return l;
}

std::string
doc(std::string_view tracking, std::string_view rev, std::string_view status = "IFA",
    std::string_view title = "Spec For Switchgear", std::string_view ext = ".pdf")
{
  return std::string(tracking) + "_" + std::string(rev) + " (" + std::string(status) + ") - " + std::string(title) +
         std::string(ext);
}

std::string
render(std::vector<listing> ls, std::vector<repo_path> missing = {}, document_page_options o = {})
{
  return render_register_html(build_register(*repo_path::parse("Docs"), ls, std::move(missing)), o);
}

/// The register row of `tracking`'s revision `rev`, from its `<tr` to its `</tr>`.
std::string
row_of(const std::string& html, std::string_view tracking, std::string_view rev)
{
  auto const at = html.find("<tr data-tracking=\"" + html_escape(tracking) + "\" data-rev=\"" + std::string(rev) +
                            "\"");
  if(at == std::string::npos)
    return {};
  return html.substr(at, html.find("</tr>", at) + 5 - at);
}

/// The `data-rev` of every register row, in page order.
std::vector<std::string>
row_revs(const std::string& html, std::string_view tracking)
{
  std::vector<std::string> out;
  auto const marker = "<tr data-tracking=\"" + std::string(tracking) + "\" data-rev=\"";
  for(auto at = html.find(marker); at != std::string::npos; at = html.find(marker, at + 1)) {
    auto const start = at + marker.size();
    out.push_back(html.substr(start, html.find('"', start) - start));
  }
  return out;
}

std::size_t
occurrences(const std::string& html, std::string_view what)
{
  std::size_t n = 0;
  for(auto at = html.find(what); at != std::string::npos; at = html.find(what, at + 1))
    ++n;
  return n;
}

TEST(register_html, every_file_is_a_link_by_its_encoded_path)
{
  auto const odd = doc("X-1", "A", "IFA", "Spec #1 100% Caf\xC3\xA9 & Co's");
  std::vector<listing> ls = {
    make("Docs", {{odd}, {doc("X-1", "B", "IFC")}, {doc("X-1", "B", "IFC", "Spec For Switchgear", ".dwg")}},
         {std::string(trn)}),
    make("Docs/" + std::string(trn), {{doc("Y-1", "0", "IFC", "Single Line")}}),
  };
  auto const html = render(ls);
  EXPECT_NE(html.find("<a href=\"/Docs/X-1_A%20(IFA)%20-%20Spec%20%231%20100%25%20Caf%C3%A9%20&amp;%20Co&#39;s.pdf\""
                      " title=\"/Docs/X-1_A (IFA) - Spec #1 100% Caf\xC3\xA9 &amp; Co&#39;s.pdf\">"
                      "X-1_A (IFA) - Spec #1 100% Caf\xC3\xA9 &amp; Co&#39;s.pdf</a>"),
            std::string::npos);
  // Every file of the register, by `encode` of its path, its name as the text.
  auto const r = build_register(*repo_path::parse("Docs"), ls);
  std::size_t files = 0;
  for(auto const& d : r.documents)
    for(auto const& rev : d.revisions)
      for(auto const& f : rev.files) {
        ++files;
        EXPECT_NE(html.find("<a href=\"" + html_escape(encode(f.path).str()) + "\" title=\"/" +
                            html_escape(f.path.str()) + "\">" + html_escape(f.path.name()) + "</a>"),
                  std::string::npos)
          << f.path;
      }
  EXPECT_EQ(files, 4u);
  // A file in a subfolder links by its whole path and shows its name.
  EXPECT_NE(html.find("<a href=\"" + std::string(trn_href) + "Y-1_0%20(IFC)%20-%20Single%20Line.pdf\""),
            std::string::npos);
  // Both formats of one revision in one row.
  auto const b = row_of(html, "X-1", "B");
  EXPECT_NE(b.find("Spec For Switchgear.pdf</a>"), std::string::npos);
  EXPECT_NE(b.find("Spec For Switchgear.dwg</a>"), std::string::npos);
}

TEST(register_html, hostile_names_and_titles_are_escaped)
{
  auto const html = render({make("Docs", {{doc("X-1", "A", "IFA", "<script>alert(1)")},
                                          {doc("Q\"<i>", "A", "IFA", "<img src=x onerror=alert(2)>")},
                                          {"<svg onload=alert(3)>.txt"}})});
  EXPECT_EQ(occurrences(html, "<script>"), 1u); // the page's own script only
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_EQ(html.find("<img src"), std::string::npos);
  EXPECT_EQ(html.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("<i>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"c-ttl\">&lt;script&gt;alert(1)</td>"), std::string::npos);
  EXPECT_NE(html.find("<tr data-tracking=\"Q&quot;&lt;i&gt;\" data-rev=\"A\""), std::string::npos);
  EXPECT_NE(html.find("&lt;svg onload=alert(3)&gt;.txt</a>"), std::string::npos);
}

TEST(register_html, one_row_per_revision_with_modifiers_after_their_base)
{
  auto const html = render({make("Docs", {{doc("X-1", "~C", "DFT")},
                                          {doc("X-1", "B", "IFC")},
                                          {doc("X-1", "A+C2", "RSB")},
                                          {doc("X-1", "A", "IFA")},
                                          {doc("X-1", "A+C1", "RSA")},
                                          {doc("X-2", "1", "IFC")},
                                          {doc("X-2", "0", "IFC")}})});
  EXPECT_EQ(row_revs(html, "X-1"), (std::vector<std::string>{"A", "A+C1", "A+C2", "B", "~C"}));
  EXPECT_EQ(row_revs(html, "X-2"), (std::vector<std::string>{"0", "1"}));
  // Modifiers are marked as belonging to the base above them; each document opens with a ruled row.
  EXPECT_NE(row_of(html, "X-1", "A").find("class=\"base first\""), std::string::npos);
  EXPECT_NE(row_of(html, "X-1", "A+C1").find("class=\"mod\""), std::string::npos);
  EXPECT_NE(row_of(html, "X-1", "A+C2").find("class=\"mod\""), std::string::npos);
  EXPECT_NE(row_of(html, "X-1", "B").find("class=\"base\""), std::string::npos);
  EXPECT_NE(row_of(html, "X-2", "0").find("class=\"base first\""), std::string::npos);
  // Rev sorts by a rank in ZDDC revision order over the whole register.
  std::vector<std::string> const order = {"A", "A+C1", "A+C2", "B", "~C", "0", "1"};
  for(std::size_t i = 0; i < order.size(); ++i) {
    auto const row = row_of(html, i < 5 ? "X-1" : "X-2", order[i]);
    EXPECT_NE(row.find("<td class=\"c-rev\" data-sort=\"" + std::to_string(i) + "\">" + html_escape(order[i])),
              std::string::npos)
      << order[i];
  }
  EXPECT_NE(html.find("<th data-col=\"2\" class=\"c-rev\" data-num>"), std::string::npos);
  EXPECT_NE(html.find("<th data-col=\"0\" class=\"c-trk\" aria-sort=\"ascending\"><button type=\"button\">Tracking"
                      "<span class=\"arrow\" aria-hidden=\"true\">\xE2\x96\xB2</span></button></th>"),
            std::string::npos);
  // A row's status is its own; the count names revisions and documents.
  EXPECT_NE(row_of(html, "X-1", "A+C1").find("<td class=\"c-st\">RSA</td>"), std::string::npos);
  EXPECT_NE(html.find("<span id=\"count\">7 revisions of 2 documents</span>"), std::string::npos);
}

TEST(register_html, the_current_revision_of_each_document_is_marked)
{
  auto const html = render({make("Docs", {{doc("X-1", "A", "IFA")},
                                          {doc("X-1", "A+C1", "RSB")},
                                          {doc("X-1", "B", "IFC")},
                                          {doc("X-1", "~C", "DFT")},
                                          {doc("Y-1", "~A", "DFT")},
                                          {doc("Y-1", "~B", "DFT")},
                                          {doc("Z-1", "A+C1", "RSB", "Comments Only")}})});
  auto current = [&](std::string_view tracking, std::string_view rev) {
    auto const row = row_of(html, tracking, rev);
    EXPECT_FALSE(row.empty()) << tracking << " " << rev;
    bool const latest = row.find(" data-latest=\"1\"") != std::string::npos;
    EXPECT_EQ(latest, row.find(">current</span>") != std::string::npos) << tracking << " " << rev;
    return latest;
  };
  EXPECT_TRUE(current("X-1", "B")); // the greatest issue, not the later draft
  for(auto rev : {"A", "A+C1", "~C"})
    EXPECT_FALSE(current("X-1", rev)) << rev;
  EXPECT_TRUE(current("Y-1", "~B")); // only drafts: the greatest draft
  EXPECT_FALSE(current("Y-1", "~A"));
  // Only modifiers: the base is listed without files, and nothing is current.
  EXPECT_FALSE(current("Z-1", "A"));
  EXPECT_FALSE(current("Z-1", "A+C1"));
  EXPECT_NE(row_of(html, "Z-1", "A").find("<td class=\"c-files none\" data-sort=\"\">no files of its own</td>"),
            std::string::npos);
  EXPECT_NE(row_of(html, "Z-1", "A").find("<td class=\"c-ttl\">Comments Only</td>"), std::string::npos);
  EXPECT_EQ(occurrences(html, " data-latest=\"1\""), 2u);
  EXPECT_NE(html.find("<label><input type=\"checkbox\" id=\"latest\"> Current revisions only</label>"),
            std::string::npos);
}

TEST(register_html, files_show_size_pending_writes_transmittal_and_newest_time)
{
  std::vector<listing> ls = {
    make("Docs", {{doc("X-1", "A", "IFA"), 1767225600, 2048, pending_write{"0000000000000005", false}}},
         {std::string(trn)}),
    make("Docs/" + std::string(trn), {{doc("X-1", "B", "IFC"), 1767225600, 10},
                                      {doc("X-1", "B", "IFC", "Spec For Switchgear", ".dwg"), 1767312000, 20}}),
  };
  auto const html = render(ls);
  auto const a = row_of(html, "X-1", "A"), b = row_of(html, "X-1", "B");
  EXPECT_NE(a.find("<span class=\"sz\" title=\"2048 bytes\">2.0 KiB</span>"), std::string::npos);
  EXPECT_NE(a.find("<span class=\"badge\" title=\"outbox entry 0000000000000005\">waiting for the master</span>"),
            std::string::npos);
  EXPECT_NE(a.find(" pending\""), std::string::npos);
  EXPECT_NE(a.find("<td class=\"c-trn\"></td>"), std::string::npos);
  EXPECT_EQ(b.find("waiting for the master"), std::string::npos);
  // The transmittal that brought the files, once, by its folder's directory URL.
  EXPECT_NE(b.find("<td class=\"c-trn\"><a href=\"" + std::string(trn_href) + "\" title=\"/Docs/" + std::string(trn) +
                   "/\">" + std::string(trn) + "</a></td>"),
            std::string::npos);
  // Modified: the newest file's time, sortable by nanoseconds.
  EXPECT_NE(b.find("<td class=\"c-mod\" data-sort=\"1767312000000000000\">2026-01-02T00:00:00Z</td>"),
            std::string::npos);
}

TEST(register_html, links_to_the_other_views_of_the_directory)
{
  auto const html = render_register_html(build_register(*repo_path::parse("Caf\xC3\xA9 & Co/Docs"), {}), {});
  EXPECT_NE(html.find("<title>Register of /Caf\xC3\xA9 &amp; Co/Docs/ - ZDDC</title>"), std::string::npos);
  EXPECT_NE(html.find("<h1>Register of /Caf\xC3\xA9 &amp; Co/Docs/</h1>"), std::string::npos);
  EXPECT_NE(html.find("<p class=\"links\"><a href=\"/Caf%C3%A9%20&amp;%20Co/Docs/\">Directory listing</a>"
                      "<a href=\"/Caf%C3%A9%20&amp;%20Co/Docs/?transmittals\">Transmittals</a>"
                      "<a href=\"/Caf%C3%A9%20&amp;%20Co/Docs/?register&amp;format=csv\">Download CSV</a>"
                      "<a href=\"/Caf%C3%A9%20&amp;%20Co/Docs/?zip\">Download ZIP</a></p>"),
            std::string::npos);
  EXPECT_NE(html.find(" / <a href=\"/Caf%C3%A9%20&amp;%20Co/Docs/\">Docs</a></nav>"), std::string::npos);
  EXPECT_NE(html.find("<body data-dir=\"/Caf%C3%A9%20&amp;%20Co/Docs/\">"), std::string::npos);
}

TEST(register_html, unclassified_files_are_listed_with_the_reason)
{
  auto const html = render({make("Docs", {{"notes.txt", 1767225600, 10}, {doc("X-1", "A")}}, {"Sub"}),
                            make("Docs/Sub", {{"scan 001.pdf"}})});
  auto const reason = parse_document_name("notes.txt").error().message;
  ASSERT_FALSE(reason.empty());
  EXPECT_NE(html.find("<h2 id=\"unclassified\">Files outside the naming convention (2)</h2>"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"/Docs/notes.txt\" title=\"/Docs/notes.txt\">notes.txt</a></td><td class=\"u-why\">" +
                      html_escape(reason) + "</td>"),
            std::string::npos);
  // Below the register's directory, by the path from there.
  EXPECT_NE(html.find("<a href=\"/Docs/Sub/scan%20001.pdf\" title=\"/Docs/Sub/scan 001.pdf\">Sub/scan 001.pdf</a>"),
            std::string::npos);
  EXPECT_NE(html.find("<span id=\"count\">1 revision of 1 document</span>"), std::string::npos);
  // Not shown when every name follows the convention.
  EXPECT_EQ(render({make("Docs", {{doc("X-1", "A")}})}).find("id=\"unclassified\""), std::string::npos);
}

TEST(register_html, folders_not_at_hand_are_named_in_a_notice)
{
  auto const html = render({make("Docs", {{doc("X-1", "A")}})},
                           {*repo_path::parse("Docs/Site B"), *repo_path::parse("Docs/Archive")});
  auto const at = html.find("<div class=\"missing\" role=\"alert\"><strong>This page is incomplete.</strong>");
  ASSERT_NE(at, std::string::npos);
  EXPECT_NE(html.find("their documents are not in this register", at), std::string::npos);
  auto const archive = html.find("<li><a href=\"/Docs/Archive/\">/Docs/Archive/</a></li>", at);
  auto const site = html.find("<li><a href=\"/Docs/Site%20B/\">/Docs/Site B/</a></li>", at);
  EXPECT_NE(archive, std::string::npos);
  EXPECT_NE(site, std::string::npos);
  EXPECT_LT(archive, site); // by path
  EXPECT_LT(at, html.find("<table id=\"register\"")); // above the table, where it is seen
  EXPECT_EQ(render({make("Docs", {{doc("X-1", "A")}})}).find("class=\"missing\""), std::string::npos);
}

TEST(register_html, a_cache_offline_shows_the_banner)
{
  auto const html = render({make("Docs", {{doc("X-1", "A")}})}, {}, {"2026-01-01T09:30:00Z"});
  EXPECT_NE(html.find("<p class=\"banner\" role=\"status\"><strong>The master cannot be reached</strong> (since "
                      "2026-01-01T09:30:00Z)."),
            std::string::npos);
  EXPECT_EQ(render({make("Docs", {{doc("X-1", "A")}})}).find("class=\"banner\""), std::string::npos);
  auto const t = render_transmittals_html(build_transmittals(*repo_path::parse("Docs"), {}), {"2026-01-01T09:30:00Z"});
  EXPECT_NE(t.find("The master cannot be reached</strong> (since 2026-01-01T09:30:00Z)"), std::string::npos);
}

TEST(register_html, an_empty_register_says_so)
{
  auto const html = render_register_html(build_register(repo_path(), {}), {});
  EXPECT_NE(html.find("<tr><td colspan=\"7\" class=\"empty\">No documents here.</td></tr>"), std::string::npos);
  EXPECT_NE(html.find("<span id=\"count\">0 revisions of 0 documents</span>"), std::string::npos);
  EXPECT_NE(html.find("<h1>Register of /</h1>"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"/?transmittals\">Transmittals</a>"), std::string::npos);
}

TEST(register_html, the_pages_are_deterministic_and_load_nothing_from_elsewhere)
{
  std::vector<listing> ls = {make("Docs", {{doc("X-1", "A")}, {doc("X-1", "B", "IFC")}, {"notes.txt"}}, {"Sub"}),
                             make("Docs/Sub", {{doc("X-2", "0", "IFC")}})};
  auto const dir = *repo_path::parse("Docs");
  auto const html = render_register_html(build_register(dir, ls), {});
  std::vector<listing> reversed(ls.rbegin(), ls.rend()); // listings in another order: the same page
  EXPECT_EQ(render_register_html(build_register(dir, reversed), {}), html);
  auto const t = render_transmittals_html(build_transmittals(dir, ls), {});
  EXPECT_EQ(render_transmittals_html(build_transmittals(dir, reversed), {}), t);
  for(auto const* page : {&html, &t}) {
    for(auto outside : {"http:", "https:", "src=", "<link", "@import", "url("})
      EXPECT_EQ(page->find(outside), std::string::npos) << outside;
    // The script needs no markup of its own to work: browsing is links, the tools hide without it.
    EXPECT_NE(page->find("<html lang=\"en\" class=\"nojs\">"), std::string::npos);
    EXPECT_NE(page->find("<div class=\"tools js-only\"><input type=\"search\" id=\"filter\""), std::string::npos);
    EXPECT_NE(page->find("var zddcView"), std::string::npos); // the filter syntax shared with the listing
  }
  EXPECT_NE(html.find("in one column: tracking, rev, status, title, name, ext, transmittal</dd>"), std::string::npos);
  EXPECT_FALSE(document_pages_version().empty());
}

TEST(register_html, transmittals_are_grouped_by_date_newest_first)
{
  std::string const early = std::string(trn), late = "2025-11-05_123456-EL-TRN-0051 (IFA) - Cable <Schedules>",
                    other = "2025-10-31_123456-EL-TRN-0044 (IFR) - Relay Settings";
  std::vector<listing> ls = {
    make("Docs", {{doc("X-1", "A")}}, {early, "Incoming"}),
    make("Docs/Incoming", {}, {late, other}),
    make("Docs/" + early, {{doc("X-1", "B", "IFC")}, {doc("X-1", "B", "IFC", "Spec", ".dwg")}, {doc("X-2", "0")},
                           {"readme.txt"}}),
    make("Docs/Incoming/" + late, {{doc("X-3", "A")}}),
    make("Docs/Incoming/" + other, {}),
  };
  auto const html = render_transmittals_html(build_transmittals(*repo_path::parse("Docs"), ls), {});
  EXPECT_NE(html.find("<title>Transmittals in /Docs/ - ZDDC</title>"), std::string::npos);
  EXPECT_NE(html.find("<p class=\"links\"><a href=\"/Docs/?register\">Register</a>"
                      "<a href=\"/Docs/\">Directory listing</a></p>"),
            std::string::npos);
  auto const nov = html.find("<time datetime=\"2025-11-05\">2025-11-05, Wednesday</time>");
  auto const oct = html.find("<time datetime=\"2025-10-31\">2025-10-31, Friday</time>");
  ASSERT_NE(nov, std::string::npos);
  ASSERT_NE(oct, std::string::npos);
  EXPECT_LT(nov, oct);
  EXPECT_NE(html.find("2025-10-31, Friday</time> <span class=\"n\">2 transmittals</span>"), std::string::npos);
  EXPECT_NE(html.find("<span id=\"count\">3 transmittals on 2 days</span>"), std::string::npos);

  // Each with its folder, tracking, status, title, counts and ZIP.
  auto const row = html.substr(html.find("<tr data-date=\"2025-10-31\"><td class=\"t-name\"><a href=\"" +
                                         std::string(trn_href) + "\">"));
  EXPECT_EQ(row.find("<tr data-date=\"2025-10-31\"><td class=\"t-name\"><a href=\"" + std::string(trn_href) + "\">" +
                     early + "/</a></td><td class=\"t-trk\">123456-EL-TRN-0043</td><td class=\"t-st\">IFC</td>"
                             "<td class=\"t-ttl\">Switchgear Package</td><td class=\"num t-docs\">2<span "
                             "class=\"ph\"> documents</span></td><td class=\"num t-files\">4<span class=\"ph\"> "
                             "files</span></td><td class=\"t-zip\"><a href=\"" +
                     std::string(trn_href) + "?zip\""),
            0u);
  // A folder lower down shows its path from here; its title is escaped.
  EXPECT_NE(html.find(">Incoming/2025-11-05_123456-EL-TRN-0051 (IFA) - Cable &lt;Schedules&gt;/</a>"),
            std::string::npos);
  EXPECT_NE(html.find("<td class=\"t-ttl\">Cable &lt;Schedules&gt;</td>"), std::string::npos);
  EXPECT_NE(html.find("href=\"/Docs/Incoming/2025-11-05_123456-EL-TRN-0051%20(IFA)%20-%20Cable%20%3CSchedules%3E/"
                      "?zip\""),
            std::string::npos);
  EXPECT_EQ(html.find("<Schedules>"), std::string::npos);
  // The same day: by tracking number.
  EXPECT_LT(html.find("123456-EL-TRN-0043</td>"), html.find("123456-EL-TRN-0044</td>"));
  EXPECT_NE(html.find("<td class=\"num t-docs\">0<span class=\"ph\"> documents</span></td><td class=\"num t-files\">"
                      "0<span class=\"ph\"> files</span></td>"),
            std::string::npos);

  auto const empty = render_transmittals_html(build_transmittals(*repo_path::parse("Docs"), {}), {});
  EXPECT_NE(empty.find("<td colspan=\"7\" class=\"empty\">No transmittals here.</td>"), std::string::npos);
  EXPECT_NE(empty.find("<span id=\"count\">0 transmittals on 0 days</span>"), std::string::npos);
}

} // namespace
} // namespace zddc::core
