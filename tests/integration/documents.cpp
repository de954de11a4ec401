// The document register, the transmittals and ZIP downloads (issue 17), from
// the real daemon over the bundled fixture: JSON, CSV (read back by Python's
// csv module), HTML, ZIP (unpacked by Python's zipfile), for a vendor's
// token, and from a mirror whose master has gone away.
#include "fixture_tree.hpp"
#include "harness.hpp"

#include "fixtures/generator.hpp"

#include <zddc/core/naming.hpp>
#include <zddc/core/sha256.hpp>
#include <zddc/core/url_target.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <map>
#include <set>

namespace zddc::integration {
namespace {

namespace fs = std::filesystem;
using headers = std::vector<std::pair<http::field, std::string>>;

std::string
url(std::string_view path, core::target_form form = core::target_form::directory)
{
  return std::string(core::encode(*core::repo_path::parse(path), form).str());
}

std::string
sha256_hex(std::string_view bytes)
{
  core::sha256 h;
  h.update(bytes);
  return core::to_hex(h.finish());
}

/// Every file below `root` (relative path → bytes), the server's own
/// `.zddc*` names left out.
std::map<std::string, std::string>
files_below(const fs::path& root)
{
  std::map<std::string, std::string> out;
  for(auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    if(core::is_reserved_name(it->path().filename().string())) {
      it.disable_recursion_pending();
      continue;
    }
    if(it->is_regular_file())
      out[it->path().lexically_relative(root).generic_string()] = slurp(it->path());
  }
  return out;
}

/// What Python's zipfile reads from `zip`: name → {sha256, utf8 flag}, or
/// the error it raised. CRCs are checked (`testzip`).
boost::json::value
unzip_with_python(const fs::path& zip)
{
  static constexpr const char* script = R"(
import hashlib, json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    bad = z.testzip()
    out = {"bad": bad, "members": {}}
    for i in z.infolist():
        data = z.read(i)
        out["members"][i.filename] = {"sha256": hashlib.sha256(data).hexdigest(), "size": i.file_size,
                                      "utf8": bool(i.flag_bits & 0x800), "text": data.decode("utf-8", "replace")
                                      if i.filename in ("SHA256SUMS", "MISSING.txt") else None}
print(json.dumps(out))
)";
  auto [code, out] = run_command({"/usr/bin/python3", "-c", script, zip.string()});
  EXPECT_EQ(code, 0) << out;
  boost::json::error_code ec;
  auto v = boost::json::parse(out, ec);
  EXPECT_FALSE(ec) << out;
  return v;
}

/// Rows of a CSV as Python's csv module reads it (BOM stripped by utf-8-sig).
boost::json::value
csv_with_python(const fs::path& csv)
{
  static constexpr const char* script = R"(
import csv, json, sys
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    print(json.dumps(list(csv.reader(f))))
)";
  auto [code, out] = run_command({"/usr/bin/python3", "-c", script, csv.string()});
  EXPECT_EQ(code, 0) << out;
  return boost::json::parse(out);
}

/// Checks that `members` (from unzip_with_python) holds exactly `expected`
/// (archive name → bytes) and a SHA256SUMS that lists each of them.
void
expect_archive(const boost::json::value& unzipped, const std::map<std::string, std::string>& expected)
{
  ASSERT_TRUE(unzipped.is_object());
  EXPECT_TRUE(unzipped.at("bad").is_null()) << "a member's CRC does not match";
  auto const& members = unzipped.at("members").as_object();
  std::set<std::string> names;
  for(auto const& [name, _] : members)
    names.insert(std::string(name));
  std::set<std::string> want{"SHA256SUMS"};
  for(auto const& [name, _] : expected)
    want.insert(name);
  EXPECT_EQ(names, want);
  std::string sums;
  for(auto const& [name, bytes] : expected) {
    auto const it = members.find(name);
    if(it == members.end())
      continue;
    EXPECT_EQ(it->value().at("sha256").as_string(), sha256_hex(bytes)) << name;
    EXPECT_EQ(it->value().at("size").as_int64(), static_cast<std::int64_t>(bytes.size())) << name;
    // Non-ASCII names carry the UTF-8 flag (bit 11); ASCII reads the same either way.
    bool const ascii = std::ranges::all_of(name, [](char ch) { return static_cast<unsigned char>(ch) < 0x80; });
    EXPECT_EQ(it->value().at("utf8").as_bool(), ! ascii) << name;
    sums += sha256_hex(bytes) + "  " + name + "\n";
  }
  if(auto const it = members.find("SHA256SUMS"); it != members.end()) {
    EXPECT_EQ(it->value().at("text").as_string(), sums);
  }
}

class documents : public ::testing::Test {
protected:
  static void TearDownTestSuite() { fixture_tree::release(); }

  documents() { fixture_tree::copy_to(root()); }

  fs::path root() const { return dir_.path() / "master"; }
  std::string state() const { return (dir_.path() / "state").string(); }

  temp_dir dir_;
};

constexpr std::string_view transmittal =
  "123456 Substation Upgrade/EL - Electrical/2025-10-31_123456-EL-TRN-0043 (IFC) - Switchgear Package";

TEST_F(documents, the_register_lists_every_file_once_with_its_hash_and_transmittal)
{
  daemon_process d({"--root", root().string(), "--no-auth", "--state-dir", state()});
  client c(d.port());
  auto const r = c.get("/?register", {{http::field::accept, "application/json"}});
  ASSERT_EQ(r.status, http::status::ok) << r.body;
  EXPECT_EQ(r.header(http::field::content_type), "application/json");
  auto const v = boost::json::parse(r.body);
  auto const disk = files_below(root());

  std::map<std::string, boost::json::object> seen; // decoded path → file
  std::size_t document_count = 0, in_transmittals = 0;
  auto note = [&](const boost::json::value& f) {
    auto const path = std::string(f.at("path").as_string());
    EXPECT_TRUE(seen.emplace(path, f.as_object()).second) << "twice: " << path;
  };
  for(auto const& doc : v.at("documents").as_array()) {
    ++document_count;
    for(auto const& rev : doc.at("revisions").as_array()) {
      for(auto const& f : rev.at("files").as_array())
        note(f);
      for(auto const& m : rev.at("modifiers").as_array())
        for(auto const& f : m.at("files").as_array())
          note(f);
    }
  }
  for(auto const& u : v.at("unclassified").as_array()) {
    note(u);
    EXPECT_FALSE(u.at("reason").as_string().empty());
  }
  ASSERT_EQ(seen.size(), disk.size());
  for(auto const& [rel, bytes] : disk) {
    auto const it = seen.find("/" + rel);
    ASSERT_NE(it, seen.end()) << rel;
    EXPECT_EQ(it->second.at("sha256").as_string(), sha256_hex(bytes)) << rel;
    EXPECT_EQ(it->second.at("size").as_int64(), static_cast<std::int64_t>(bytes.size())) << rel;
    auto const inside = rel.starts_with(std::string(transmittal) + "/");
    if(inside) {
      ++in_transmittals;
      EXPECT_EQ(it->second.at("transmittal").as_string(), "/" + std::string(transmittal)) << rel;
    }
  }
  EXPECT_GT(document_count, 10u);
  EXPECT_GT(in_transmittals, 0u);
  EXPECT_TRUE(v.at("missing").as_array().empty());

  // 304 on its tag; a file edited on the disk moves it.
  auto const tag = r.header(http::field::etag);
  EXPECT_EQ(c.get("/?register", {{http::field::accept, "application/json"}, {http::field::if_none_match, tag}}).status,
            http::status::not_modified);
  spit(root() / std::string(transmittal) / "123456-EL-SPC-9999_A (IFA) - New Spec.pdf", "new"); // by hand
  std::string moved;
  eventually(
    [&] {
      auto const again = c.get("/?register", {{http::field::accept, "application/json"}, {http::field::if_none_match, tag}});
      moved = again.header(http::field::etag);
      return again.status == http::status::ok && again.body.find("123456-EL-SPC-9999") != std::string::npos;
    },
    10s);
  EXPECT_NE(moved, tag);
}

TEST_F(documents, csv_and_html_forms_and_the_transmittals)
{
  daemon_process d({"--root", root().string(), "--no-auth", "--state-dir", state()});
  client c(d.port());
  auto const csv = c.get("/?register&format=csv");
  ASSERT_EQ(csv.status, http::status::ok);
  EXPECT_TRUE(csv.header(http::field::content_type).starts_with("text/csv"));
  EXPECT_TRUE(csv.header(http::field::content_disposition).starts_with("attachment;"));
  EXPECT_TRUE(csv.body.starts_with("\xEF\xBB\xBF"));
  spit(dir_.path() / "register.csv", csv.body);
  auto const rows = csv_with_python(dir_.path() / "register.csv").as_array();
  auto const disk = files_below(root());
  ASSERT_EQ(rows.size(), disk.size() + 1);
  EXPECT_EQ(boost::json::serialize(rows[0]),
            R"(["tracking","rev","status","title","extension","path","size","mtime","sha256","transmittal"])");
  std::set<std::string> paths;
  for(std::size_t i = 1; i < rows.size(); ++i) {
    auto const path = std::string(rows[i].at(5).as_string());
    paths.insert(path);
    auto const it = disk.find(path.substr(1));
    ASSERT_NE(it, disk.end()) << path;
    EXPECT_EQ(rows[i].at(8).as_string(), sha256_hex(it->second)) << path;
  }
  EXPECT_EQ(paths.size(), disk.size()); // every name, byte for byte (accents, quotes, commas)
  EXPECT_EQ(c.get("/?register", {{http::field::accept, "text/csv"}}).body, csv.body);

  auto const html = c.get("/?register");
  ASSERT_EQ(html.status, http::status::ok);
  EXPECT_EQ(html.header(http::field::content_type), "text/html; charset=utf-8");
  EXPECT_NE(html.body.find("123456-EL-SPC-2623"), std::string::npos);
  EXPECT_NE(html.header(http::field::etag), csv.header(http::field::etag));
  EXPECT_EQ(c.get("/?register&format=xml").status, http::status::bad_request);

  auto const t = c.get("/?transmittals", {{http::field::accept, "application/json"}});
  ASSERT_EQ(t.status, http::status::ok);
  auto const v = boost::json::parse(t.body);
  std::string previous = "9999-99-99";
  std::size_t count = 0;
  bool found = false;
  for(auto const& day : v.at("days").as_array()) {
    auto const date = std::string(day.at("date").as_string());
    EXPECT_LT(date, previous); // newest first, one group per date
    previous = date;
    for(auto const& tr : day.at("transmittals").as_array()) {
      ++count;
      if(tr.at("path").as_string() == url(transmittal)) {
        found = true;
        EXPECT_EQ(tr.at("tracking").as_string(), "123456-EL-TRN-0043");
        EXPECT_EQ(tr.at("status").as_string(), "IFC");
        EXPECT_GT(tr.at("files").as_int64(), 0);
      }
    }
  }
  EXPECT_TRUE(found);
  EXPECT_GE(count, 10u);
  EXPECT_EQ(c.get("/?transmittals").header(http::field::content_type), "text/html; charset=utf-8");

  // The parent's JSON listing says what the folder's name means.
  auto const parent = c.get(url("123456 Substation Upgrade/EL - Electrical"), {{http::field::accept, "application/json"}});
  auto const listing = boost::json::parse(parent.body);
  bool described = false;
  for(auto const& e : listing.at("entries").as_array())
    if(e.at("name").as_string() == fs::path(std::string(transmittal)).filename().string()) {
      described = true;
      EXPECT_EQ(e.at("transmittal").at("date").as_string(), "2025-10-31");
      EXPECT_EQ(e.at("transmittal").at("title").as_string(), "Switchgear Package");
    }
  EXPECT_TRUE(described);
}

TEST_F(documents, a_zip_of_a_transmittal_and_of_the_root_unpack_byte_for_byte)
{
  daemon_process d({"--root", root().string(), "--no-auth", "--state-dir", state()});
  client c(d.port());
  auto const disk = files_below(root());

  auto const z = c.get(url(transmittal) + "?zip");
  ASSERT_EQ(z.status, http::status::ok) << z.body;
  EXPECT_EQ(z.header(http::field::content_type), "application/zip");
  EXPECT_EQ(z.header(http::field::transfer_encoding), "chunked");
  EXPECT_NE(z.header(http::field::content_disposition).find("2025-10-31_123456-EL-TRN-0043"), std::string::npos);
  spit(dir_.path() / "t.zip", z.body);
  std::map<std::string, std::string> expected;
  auto const folder = fs::path(std::string(transmittal));
  for(auto const& [rel, bytes] : disk)
    if(rel.starts_with(std::string(transmittal) + "/"))
      expected[folder.filename().string() + rel.substr(transmittal.size())] = bytes;
  ASSERT_FALSE(expected.empty());
  expect_archive(unzip_with_python(dir_.path() / "t.zip"), expected);

  auto const all = c.get("/?zip");
  ASSERT_EQ(all.status, http::status::ok);
  spit(dir_.path() / "all.zip", all.body);
  expect_archive(unzip_with_python(dir_.path() / "all.zip"), disk); // NFC and NFD names included

  // A selection: a file and a folder, each once.
  auto const some_file = disk.begin()->first;
  auto const body = boost::json::serialize(boost::json::array{
    boost::json::value("/" + some_file), boost::json::value("/" + std::string(transmittal) + "/"),
    boost::json::value("/" + some_file)}); // decoded paths, as the register shows them
  auto const sel = c.send(http::verb::post, "/.zddc/zip", {{http::field::content_type, "application/json"}}, body);
  ASSERT_EQ(sel.status, http::status::ok) << sel.body;
  spit(dir_.path() / "sel.zip", sel.body);
  std::map<std::string, std::string> chosen{{some_file, disk.at(some_file)}};
  for(auto const& [rel, bytes] : disk)
    if(rel.starts_with(std::string(transmittal) + "/"))
      chosen[rel] = bytes;
  expect_archive(unzip_with_python(dir_.path() / "sel.zip"), chosen);

  EXPECT_EQ(c.send(http::verb::post, "/.zddc/zip", {}, "[\"/nothing/here.pdf\"]").status, http::status::not_found);
  EXPECT_EQ(c.send(http::verb::post, "/.zddc/zip", {}, "{\"paths\": 1}").status, http::status::bad_request);
  EXPECT_EQ(c.send(http::verb::post, "/.zddc/zip", {}, "[\"/../etc/passwd\"]").status, http::status::bad_request);
  EXPECT_EQ(c.get("/nothing/?zip").status, http::status::not_found);
}

TEST_F(documents, a_vendor_sees_only_its_grants_in_the_register_the_csv_and_the_zip)
{
  auto [code, out] = run_command({ZDDC_BINARY, "token", "issue", "--name", "vendorA", "--grant",
                                  "/Vendors/vendorA:r", "--state-dir", state()});
  ASSERT_EQ(code, 0) << out;
  auto const token = out.substr(0, out.find('\n'));
  daemon_process d({"--root", root().string(), "--state-dir", state()});
  client c(d.port());
  headers const as{{http::field::authorization, "Bearer " + token}, {http::field::accept, "application/json"}};
  auto const disk = files_below(root());
  std::map<std::string, std::string> mine;
  for(auto const& [rel, bytes] : disk)
    if(rel.starts_with("Vendors/vendorA/"))
      mine[rel] = bytes;
  ASSERT_FALSE(mine.empty());

  auto const r = c.get("/?register", as);
  ASSERT_EQ(r.status, http::status::ok) << r.body;
  std::set<std::string> listed;
  auto const v = boost::json::parse(r.body);
  for(auto const& doc : v.at("documents").as_array())
    for(auto const& rev : doc.at("revisions").as_array()) {
      for(auto const& f : rev.at("files").as_array())
        listed.insert(std::string(f.at("path").as_string()));
      for(auto const& m : rev.at("modifiers").as_array())
        for(auto const& f : m.at("files").as_array())
          listed.insert(std::string(f.at("path").as_string()));
    }
  for(auto const& u : v.at("unclassified").as_array())
    listed.insert(std::string(u.at("path").as_string()));
  std::set<std::string> want;
  for(auto const& [rel, _] : mine)
    want.insert("/" + rel);
  EXPECT_EQ(listed, want);

  auto const csv = c.get("/?register&format=csv", as);
  for(auto const& [rel, _] : disk) {
    if(! rel.starts_with("Vendors/vendorA/")) {
      EXPECT_EQ(csv.body.find(rel), std::string::npos) << rel;
    }
  }

  auto const z = c.get("/?zip", as);
  ASSERT_EQ(z.status, http::status::ok);
  spit(dir_.path() / "vendor.zip", z.body);
  expect_archive(unzip_with_python(dir_.path() / "vendor.zip"), mine);

  // Hidden paths answer as missing ones do, in a selection too.
  auto const hidden = c.send(http::verb::post, "/.zddc/zip", as, "[\"/123456 Substation Upgrade/\"]");
  EXPECT_EQ(hidden.status, http::status::not_found);
  EXPECT_EQ(c.get(url("Vendors/vendorAB") + "?register", as).status, http::status::not_found);
  EXPECT_EQ(c.get("/?register").status, http::status::unauthorized);
}

TEST_F(documents, a_mirror_answers_all_three_offline_for_its_walked_subtree)
{
  std::optional<daemon_process> master;
  master.emplace(std::vector<std::string>{"--root", root().string(), "--no-auth", "--state-dir", state()});
  auto const mirror_root = dir_.path() / "mirror";
  daemon_process mirror({"--mode", "mirror", "--root", mirror_root.string(), "--upstream",
                         "http://127.0.0.1:" + std::to_string(master->port()), "--mirror-min-interval", "0s"});
  client c(mirror.port());
  auto const online = c.get("/?register", {{http::field::accept, "application/json"}});
  ASSERT_EQ(online.status, http::status::ok) << online.body;
  EXPECT_EQ(online.header(http::field::etag).empty(), false);
  EXPECT_TRUE(online.headers.find("Zddc-Cache") == online.headers.end());
  // Wait for the walk the request started to bring every copy in.
  auto const disk = files_below(root());
  ASSERT_TRUE(eventually([&] { return files_below(mirror_root) == disk; }, 60s)) << mirror.log();

  master.reset(); // the master goes away
  client offline(mirror.port());
  auto const r = offline.get("/?register", {{http::field::accept, "application/json"}});
  ASSERT_EQ(r.status, http::status::ok) << r.body;
  EXPECT_EQ(r.headers["Zddc-Cache"], "stale");
  auto strip_missing = [](std::string body) { return boost::json::parse(body).at("documents"); };
  EXPECT_EQ(strip_missing(r.body), strip_missing(online.body));

  auto const t = offline.get("/?transmittals");
  EXPECT_EQ(t.status, http::status::ok);
  EXPECT_EQ(t.headers["Zddc-Cache"], "stale");
  EXPECT_NE(t.body.find("Switchgear Package"), std::string::npos);

  auto const z = offline.get(url(transmittal) + "?zip");
  ASSERT_EQ(z.status, http::status::ok);
  EXPECT_EQ(z.headers["Zddc-Cache"], "stale");
  spit(dir_.path() / "offline.zip", z.body);
  std::map<std::string, std::string> expected;
  auto const folder = fs::path(std::string(transmittal)).filename().string();
  for(auto const& [rel, bytes] : disk)
    if(rel.starts_with(std::string(transmittal) + "/"))
      expected[folder + rel.substr(transmittal.size())] = bytes;
  expect_archive(unzip_with_python(dir_.path() / "offline.zip"), expected);
}

} // namespace
} // namespace zddc::integration
