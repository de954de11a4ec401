#include <zddc/core/register.hpp>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <algorithm>

namespace zddc::core {
namespace register_test {

using namespace std::chrono_literals;

constexpr std::string_view spec = "123456-EL-SPC-2623";
constexpr std::string_view trn = "2025-10-31_123456-EL-TRN-0043 (IFC) - Switchgear Package";

sha256::digest
digest_of(std::string_view bytes)
{
  sha256 h;
  h.update(bytes);
  return h.finish();
}

/// A listing of `dir` with files (name, mtime in seconds) and folders.
listing
make(std::string_view dir, std::vector<std::pair<std::string, long>> files, std::vector<std::string> dirs = {})
{
  listing l{*repo_path::parse(dir), {}};
  for(auto& [name, secs] : files) {
    auto const d = digest_of(name);
    l.entries.push_back({name, file_kind::regular, name.size(), time_point(std::chrono::seconds(secs)),
                         content_etag(d), std::nullopt, d});
  }
  for(auto& name : dirs)
    l.entries.push_back({name, file_kind::directory, 0, time_point(1s), std::nullopt});
  std::ranges::sort(l.entries, {}, &listing_entry::name);
  return l;
}

std::string
doc(std::string_view rev, std::string_view status, std::string_view title = "Spec For Switchgear",
    std::string_view ext = ".pdf")
{
  return std::string(spec) + "_" + std::string(rev) + " (" + std::string(status) + ") - " + std::string(title) +
         std::string(ext);
}

std::vector<std::string>
revs_of(const register_document& d)
{
  std::vector<std::string> out;
  for(auto const& r : d.revisions) {
    out.push_back(format(r.rev));
    for(auto const& m : r.modifiers)
      out.push_back(format(m.rev));
  }
  return out;
}

TEST(register_, groups_files_by_document_and_revision_in_revision_order)
{
  std::vector<listing> ls{
    make("Docs", {{doc("B", "IFC"), 30}, {doc("A", "IFA"), 10}, {doc("A+C1", "RSB"), 20}, {doc("~C", "DFT"), 40},
                  {doc("B", "IFC", "Spec For Switchgear", ".docx"), 31}, {"notes.txt", 5},
                  {"123456-EL-DWG-0001_1 (IFC) - Single Line.pdf", 9},
                  {"123456-EL-DWG-0001_0 (IFC) - Single Line.pdf", 8}},
         {std::string(trn)}),
    make(std::string("Docs/") + std::string(trn), {{doc("A", "IFA"), 11}}),
  };
  auto const r = build_register(*repo_path::parse("Docs"), ls);
  ASSERT_EQ(r.documents.size(), 2u);
  EXPECT_EQ(r.documents[0].tracking, "123456-EL-DWG-0001");
  EXPECT_EQ(revs_of(r.documents[0]), (std::vector<std::string>{"0", "1"}));
  auto const& d = r.documents[1];
  EXPECT_EQ(d.tracking, spec);
  EXPECT_EQ(revs_of(d), (std::vector<std::string>{"A", "A+C1", "B", "~C"}));
  ASSERT_TRUE(d.current);
  EXPECT_EQ(format(d.revisions[*d.current].rev), "B"); // the draft ~C is greater, but a draft
  EXPECT_EQ(d.title, "Spec For Switchgear");
  // Rev A came twice: loose and in the transmittal; files by path.
  auto const& a = d.revisions[0];
  ASSERT_EQ(a.files.size(), 2u);
  EXPECT_EQ(a.files[0].path.str(), "Docs/" + doc("A", "IFA"));
  EXPECT_FALSE(a.files[0].transmittal);
  ASSERT_TRUE(a.files[1].transmittal);
  EXPECT_EQ(a.files[1].transmittal->str(), "Docs/" + std::string(trn));
  EXPECT_EQ(a.status, doc_status::ifa);
  ASSERT_EQ(a.modifiers.size(), 1u);
  EXPECT_EQ(a.modifiers[0].status, doc_status::rsb);
  EXPECT_EQ(d.revisions[1].files.size(), 2u); // B: .docx and .pdf
  ASSERT_EQ(r.unclassified.size(), 1u);
  EXPECT_EQ(r.unclassified[0].file.path.str(), "Docs/notes.txt");
  EXPECT_FALSE(r.unclassified[0].reason.empty());
}

TEST(register_, current_is_the_greatest_draft_when_there_are_only_drafts_and_none_with_only_modifiers)
{
  auto const drafts = build_register(repo_path(), std::vector{make("", {{doc("~A", "DFT"), 1}, {doc("~B", "DFT"), 2}})});
  ASSERT_EQ(drafts.documents.size(), 1u);
  auto const& d = drafts.documents[0];
  ASSERT_TRUE(d.current);
  EXPECT_EQ(format(d.revisions[*d.current].rev), "~B");

  auto const mods = build_register(repo_path(), std::vector{make("", {{doc("A+C1", "RSB", "Comments"), 1}})});
  ASSERT_EQ(mods.documents.size(), 1u);
  EXPECT_FALSE(mods.documents[0].current);
  ASSERT_EQ(mods.documents[0].revisions.size(), 1u);
  auto const& base = mods.documents[0].revisions[0];
  EXPECT_EQ(format(base.rev), "A"); // the base is listed, with no files of its own
  EXPECT_TRUE(base.files.empty());
  EXPECT_FALSE(base.status);
  EXPECT_EQ(mods.documents[0].title, "Comments");
}

TEST(register_, a_revision_takes_its_newest_files_status_and_a_document_its_current_title)
{
  auto const r = build_register(repo_path(), std::vector{make("", {{doc("A", "IFA", "Old Title"), 1},
                                                                   {doc("A", "IFB", "New Title", ".docx"), 2},
                                                                   {doc("~B", "DFT", "Draft Title"), 3}})});
  ASSERT_EQ(r.documents.size(), 1u);
  EXPECT_EQ(r.documents[0].revisions[0].status, doc_status::ifb);
  EXPECT_EQ(r.documents[0].title, "New Title");
}

TEST(register_, pending_deletions_are_not_files_and_pending_writes_are_marked)
{
  auto l = make("", {{doc("A", "IFA"), 1}, {doc("B", "IFC"), 2}});
  l.entries[0].pending = pending_write{"0001", true};
  l.entries[1].pending = pending_write{"0002", false};
  l.entries[1].sha256.reset();
  auto const r = build_register(repo_path(), std::vector{l});
  ASSERT_EQ(r.documents.size(), 1u);
  ASSERT_EQ(r.documents[0].revisions.size(), 1u);
  auto const& f = r.documents[0].revisions[0].files.at(0);
  EXPECT_EQ(f.pending, "0002");
  auto const json = boost::json::parse(to_json(r));
  auto const& file = json.at("documents").at(0).at("current").at("files").at(0).as_object();
  EXPECT_TRUE(file.at("sha256").is_null());
  EXPECT_EQ(file.at("pending").as_string(), "0002");
}

TEST(register_, json_follows_the_schema)
{
  std::vector<listing> ls{
    make("Docs", {{doc("A", "IFA"), 10}, {doc("A+C1", "RSB"), 20}, {"readme", 1}}, {std::string(trn)}),
    make(std::string("Docs/") + std::string(trn), {{doc("B", "IFC"), 30}}),
  };
  auto const r = build_register(*repo_path::parse("Docs"), ls, {*repo_path::parse("Docs/Site")});
  auto const v = boost::json::parse(to_json(r));
  EXPECT_EQ(v.at("path").as_string(), "/Docs/");
  auto const& d = v.at("documents").at(0);
  EXPECT_EQ(d.at("tracking").as_string(), spec);
  EXPECT_EQ(d.at("title").as_string(), "Spec For Switchgear");
  EXPECT_EQ(d.at("current").at("rev").as_string(), "B");
  EXPECT_EQ(d.at("current").at("status").as_string(), "IFC");
  EXPECT_EQ(d.at("current").at("draft").as_bool(), false);
  auto const& b = d.at("current").at("files").at(0);
  EXPECT_EQ(b.at("path").as_string(), "/Docs/" + std::string(trn) + "/" + doc("B", "IFC"));
  EXPECT_EQ(b.at("transmittal").as_string(), "/Docs/" + std::string(trn));
  EXPECT_EQ(b.at("sha256").as_string(), to_hex(digest_of(doc("B", "IFC"))));
  EXPECT_EQ(b.at("etag").as_string(), content_etag(digest_of(doc("B", "IFC"))).to_string());
  EXPECT_EQ(b.at("size").as_int64(), static_cast<std::int64_t>(doc("B", "IFC").size()));
  EXPECT_EQ(b.at("mtime_ns").as_int64(), 30'000'000'000);
  auto const& a = d.at("revisions").at(0);
  EXPECT_EQ(a.at("rev").as_string(), "A");
  EXPECT_EQ(a.at("modifiers").at(0).at("rev").as_string(), "A+C1");
  EXPECT_EQ(a.at("modifiers").at(0).at("status").as_string(), "RSB");
  EXPECT_TRUE(a.at("files").at(0).at("transmittal").is_null());
  EXPECT_EQ(v.at("unclassified").at(0).at("path").as_string(), "/Docs/readme");
  EXPECT_FALSE(v.at("unclassified").at(0).at("reason").as_string().empty());
  EXPECT_EQ(v.at("missing").at(0).as_string(), "/Docs/Site/");
}

TEST(register_, csv_quotes_per_rfc4180_with_a_bom_and_crlf)
{
  auto const r = build_register(repo_path(), std::vector{make("", {{doc("A", "IFA", "Spec, \"Switchgear\""), 0},
                                                                   {"plain.txt", 0}})});
  auto const csv = to_csv(r);
  ASSERT_TRUE(csv.starts_with("\xEF\xBB\xBF"
                              "tracking,rev,status,title,extension,path,size,mtime,sha256,transmittal\r\n"));
  auto const name = doc("A", "IFA", "Spec, \"Switchgear\"");
  auto const row = std::string(spec) + ",A,IFA,\"Spec, \"\"Switchgear\"\"\",pdf,\"/" + [&] {
    std::string quoted;
    for(char c : name)
      quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted;
  }() + "\"," + std::to_string(name.size()) + ",1970-01-01T00:00:00Z," + to_hex(digest_of(name)) + ",\r\n";
  EXPECT_NE(csv.find(row), std::string::npos) << csv;
  EXPECT_NE(csv.find(",,,,txt,/plain.txt,9,1970-01-01T00:00:00Z,"), std::string::npos) << csv;
  EXPECT_EQ(std::ranges::count(csv, '\n'), 3);
}

TEST(transmittals, grouped_by_date_newest_first_with_counts)
{
  std::string const older = "2025-09-01_123456-EL-TRN-0040 (IFA) - First Package";
  std::string const same_day = "2025-10-31_123456-EL-TRN-0042 (IFR) - Another";
  std::vector<listing> ls{
    make("Docs", {}, {older, std::string(trn), same_day, "Plain"}),
    make("Docs/" + older, {{doc("A", "IFA"), 1}, {doc("A", "IFA", "Spec For Switchgear", ".docx"), 1}}),
    make("Docs/" + std::string(trn), {{doc("B", "IFC"), 2}, {"123456-EL-DWG-0001_0 (IFC) - SLD.pdf", 2},
                                      {"cover.txt", 2}}),
    make("Docs/" + same_day, {}),
    make("Docs/Plain", {{doc("C", "IFC"), 3}}),
  };
  auto const t = build_transmittals(*repo_path::parse("Docs"), ls);
  ASSERT_EQ(t.days.size(), 2u);
  EXPECT_EQ(format_date(t.days[0].date), "2025-10-31");
  ASSERT_EQ(t.days[0].transmittals.size(), 2u);
  EXPECT_EQ(t.days[0].transmittals[0].name.tracking, "123456-EL-TRN-0042");
  EXPECT_EQ(t.days[0].transmittals[0].files, 0u);
  auto const& main = t.days[0].transmittals[1];
  EXPECT_EQ(main.documents, 2u);
  EXPECT_EQ(main.files, 3u);
  EXPECT_EQ(t.days[1].transmittals.at(0).documents, 1u); // one document in two formats
  EXPECT_EQ(t.days[1].transmittals.at(0).files, 2u);
  auto const v = boost::json::parse(to_json(t));
  EXPECT_EQ(v.at("days").at(0).at("date").as_string(), "2025-10-31");
  EXPECT_EQ(v.at("days").at(0).at("transmittals").at(1).at("path").as_string(),
            "/Docs/2025-10-31_123456-EL-TRN-0043%20(IFC)%20-%20Switchgear%20Package/");
  EXPECT_EQ(v.at("days").at(0).at("transmittals").at(1).at("status").as_string(), "IFC");
  EXPECT_EQ(v.at("days").at(0).at("transmittals").at(1).at("title").as_string(), "Switchgear Package");
}

TEST(transmittals, the_asked_folder_itself_counts_and_folders_above_do_not)
{
  auto const inside = *repo_path::parse("Docs/" + std::string(trn));
  auto const t = build_transmittals(inside, std::vector{make(inside.str(), {{doc("A", "IFA"), 1}})});
  ASSERT_EQ(t.days.size(), 1u);
  EXPECT_EQ(t.days[0].transmittals.at(0).path, inside);
  EXPECT_EQ(t.days[0].transmittals.at(0).files, 1u);
}

TEST(register_, derived_tags_differ_by_basis_and_representation)
{
  EXPECT_NE(derived_tag("a", "register-json"), derived_tag("b", "register-json"));
  EXPECT_NE(derived_tag("a", "register-json"), derived_tag("a", "register-csv"));
  EXPECT_EQ(derived_tag("a", "register-json"), derived_tag("a", "register-json"));
  auto l = make("", {{doc("A", "IFA"), 1}});
  auto const before = listings_basis(std::vector{l}, {});
  l.entries[0].mtime += 1s;
  EXPECT_NE(before, listings_basis(std::vector{l}, {}));
  EXPECT_NE(before, listings_basis(std::vector{make("", {{doc("A", "IFA"), 1}})}, std::vector{*repo_path::parse("x")}));
}

TEST(listing_json, carries_the_digest_and_a_transmittals_parsed_name)
{
  auto const l = make("Docs", {{doc("A", "IFA"), 1}}, {std::string(trn)});
  auto const json = to_json(l);
  auto const v = boost::json::parse(json);
  auto const& folder = v.at("entries").at(1).as_object(); // "2025-..." sorts after "123456-..."
  EXPECT_EQ(folder.at("transmittal").at("date").as_string(), "2025-10-31");
  EXPECT_EQ(folder.at("transmittal").at("tracking").as_string(), "123456-EL-TRN-0043");
  EXPECT_EQ(folder.at("transmittal").at("status").as_string(), "IFC");
  EXPECT_EQ(folder.at("transmittal").at("title").as_string(), "Switchgear Package");
  auto const& file = v.at("entries").at(0).as_object();
  EXPECT_FALSE(folder.contains("sha256"));
  EXPECT_EQ(file.at("sha256").as_string(), to_hex(digest_of(doc("A", "IFA"))));
  auto const back = listing_from_json(json, l.dir);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, l);
}

TEST(listing_json, refuses_a_digest_the_tag_was_not_made_from)
{
  auto l = make("", {{"a.pdf", 1}});
  auto json = to_json(l);
  auto const hex = to_hex(*l.entries[0].sha256);
  auto const wrong = std::string(hex.rbegin(), hex.rend());
  json.replace(json.find(hex), hex.size(), wrong);
  EXPECT_FALSE(listing_from_json(json, l.dir));
  auto bad = to_json(l);
  bad.replace(bad.find(hex), hex.size(), "xyz");
  EXPECT_FALSE(listing_from_json(bad, l.dir));
}

} // namespace
} // namespace zddc::core
