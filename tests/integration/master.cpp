// The real daemon over loopback: the master's behaviour as a client sees it.
#include "harness.hpp"

#include "fixtures/generator.hpp"
#include "fixtures/write.hpp"
#include "runtime/posix_filesystem.hpp"

#include <zddc/core/http_date.hpp>
#include <zddc/core/listing.hpp>
#include <zddc/core/tree_format.hpp>
#include <zddc/core/url_target.hpp>

#include <map>
#include <set>

namespace zddc::integration {
namespace {

class master_daemon : public ::testing::Test {
protected:
  static void
  SetUpTestSuite()
  {
    dir_ = new temp_dir;
    std::filesystem::create_directories(dir_->path() / "root");
    plan_ = new fixtures::fixture_plan(fixtures::plan({}));
    auto fs = runtime::posix_filesystem::open((dir_->path() / "root").string());
    ASSERT_TRUE(fs);
    ASSERT_FALSE(fixtures::write_fixture(*fs, *plan_));
  }

  static void
  TearDownTestSuite()
  {
    delete plan_;
    delete dir_;
  }

  std::string root() const { return (dir_->path() / "root").string(); }
  std::string state() const { return (dir_->path() / "state").string(); }

  static inline temp_dir* dir_ = nullptr;
  static inline fixtures::fixture_plan* plan_ = nullptr;
};

std::string
url(std::string_view path, core::target_form form = core::target_form::file)
{
  return std::string(core::encode(*core::repo_path::parse(path), form).str());
}

// Walks the JSON listings from `/` and returns every file with its bytes.
std::map<std::string, std::string>
fetch_tree(client& c, const core::repo_path& dir)
{
  std::map<std::string, std::string> out;
  auto const r = c.get(std::string(core::encode(dir, core::target_form::directory).str()),
                       {{http::field::accept, "application/json"}});
  EXPECT_EQ(r.status, http::status::ok) << dir;
  auto const l = core::listing_from_json(r.body, dir);
  EXPECT_TRUE(l) << r.body;
  if(! l)
    return out;
  for(auto const& e : l->entries) {
    auto const child = *dir.child(e.name);
    if(e.kind == env::file_kind::directory) {
      out.merge(fetch_tree(c, child));
    } else {
      auto const f = c.get(std::string(core::encode(child).str()));
      EXPECT_EQ(f.status, http::status::ok) << child;
      EXPECT_EQ(f.header(http::field::etag), e.etag->to_string()) << child;
      out[std::string(child.str())] = f.body;
    }
  }
  return out;
}

TEST_F(master_daemon, every_fixture_name_round_trips_listing_and_get_byte_for_byte)
{
  daemon_process d({"--root", root(), "--no-auth", "--state-dir", state()});
  client c(d.port());
  auto const served = fetch_tree(c, core::repo_path());
  ASSERT_EQ(served.size(), plan_->files.size());
  for(auto const& f : plan_->files) {
    auto const it = served.find(std::string(f.path.str()));
    ASSERT_NE(it, served.end()) << "missing " << f.path;
    EXPECT_EQ(it->second, fixtures::body_of(f)) << f.path;
  }
  EXPECT_EQ(d.terminate(10s), 0);
}

TEST_F(master_daemon, conditional_gets_and_ranges)
{
  daemon_process d({"--root", root(), "--no-auth", "--state-dir", state()});
  client c(d.port());
  auto const& f = plan_->files[0];
  auto const target = url(f.path.str());
  auto const full = c.get(target);
  ASSERT_EQ(full.status, http::status::ok);
  auto const unchanged = c.get(target, {{http::field::if_none_match, full.header(http::field::etag)}});
  EXPECT_EQ(unchanged.status, http::status::not_modified);
  // A 304 repeats what a cache keeps from the 200 (RFC 9110 §15.4.5).
  EXPECT_EQ(unchanged.header(http::field::cache_control), "no-cache");
  EXPECT_EQ(unchanged.header(http::field::etag), full.header(http::field::etag));
  EXPECT_EQ(c.get(target, {{http::field::if_modified_since, full.header(http::field::last_modified)}}).status,
            http::status::not_modified);
  // Both carry the time they were sent (§6.6.1): a cache reckons an answer's age from it.
  for(auto const* answer : {&full, &unchanged}) {
    auto const date = core::parse_http_date(answer->header(http::field::date));
    ASSERT_TRUE(date) << answer->header(http::field::date);
    EXPECT_LT(std::chrono::abs(*date - std::chrono::system_clock::now()), 1min);
  }
  auto const folder = std::string(core::encode(f.path.parent(), core::target_form::directory).str());
  auto const listing = c.get(folder);
  ASSERT_EQ(listing.status, http::status::ok);
  auto const listing_unchanged = c.get(folder, {{http::field::if_none_match, listing.header(http::field::etag)}});
  EXPECT_EQ(listing_unchanged.status, http::status::not_modified);
  EXPECT_EQ(listing_unchanged.header(http::field::cache_control), "private, no-cache");
  EXPECT_EQ(listing_unchanged.header(http::field::vary), "Accept, Authorization");
  auto const part = c.get(target, {{http::field::range, "bytes=2-9"}});
  EXPECT_EQ(part.status, http::status::partial_content);
  EXPECT_EQ(part.body, full.body.substr(2, 8));
  EXPECT_EQ(c.get(target, {{http::field::range, "bytes=99999999-"}}).status, http::status::range_not_satisfiable);
  auto const head = c.send(http::verb::head, target);
  EXPECT_EQ(head.header(http::field::content_length), std::to_string(f.size));
  EXPECT_TRUE(head.body.empty());
}

TEST_F(master_daemon, writes_honour_every_precondition)
{
  daemon_process d({"--root", root(), "--no-auth", "--state-dir", state(), "--max-write-bytes", "1KiB"});
  client c(d.port());
  auto const target = url("Scratch/Spec (IFA) - Caf\xC3\xA9 #1.txt");
  auto const created = c.send(http::verb::put, target, {{http::field::if_none_match, "*"}}, "v1");
  ASSERT_EQ(created.status, http::status::created);
  auto const tag = created.header(http::field::etag);
  auto const refused = c.send(http::verb::put, target, {{http::field::if_none_match, "*"}}, "again");
  EXPECT_EQ(refused.status, http::status::precondition_failed);
  // Refused before its body was read, yet the small body is drained: the
  // connection survives.
  EXPECT_NE(refused.header(http::field::connection), "close");
  EXPECT_EQ(c.send(http::verb::put, target, {{http::field::if_match, "\"stale\""}}, "v2").status,
            http::status::precondition_failed);
  EXPECT_EQ(c.send(http::verb::put, target, {{http::field::if_unmodified_since, "Sat, 01 Jan 2000 00:00:00 GMT"}}, "v2")
              .status,
            http::status::precondition_failed);
  EXPECT_EQ(c.get(target).body, "v1");
  EXPECT_EQ(c.send(http::verb::put, target, {{http::field::if_match, tag}}, "v2").status, http::status::no_content);
  EXPECT_EQ(c.get(target).body, "v2");
  EXPECT_EQ(c.send(http::verb::delete_, target, {{http::field::if_match, tag}}).status,
            http::status::precondition_failed);
  EXPECT_EQ(c.send(http::verb::delete_, target).status, http::status::no_content);
  EXPECT_EQ(c.get(target).status, http::status::not_found);
}

TEST_F(master_daemon, oversized_bodies_answer_413_and_leave_nothing)
{
  daemon_process d({"--root", root(), "--no-auth", "--state-dir", state(), "--max-write-bytes", "1KiB"});
  {
    client c(d.port());
    EXPECT_EQ(c.send(http::verb::put, "/Scratch/big.bin", {}, std::string(1025, 'x')).status,
              http::status::payload_too_large);
  }
  client c(d.port()); // the 413 closed the connection: its body was never read
  EXPECT_EQ(c.get("/Scratch/big.bin").status, http::status::not_found);
  for(auto const& e : std::filesystem::recursive_directory_iterator(root()))
    EXPECT_EQ(e.path().filename().string().find(".zddc-tmp"), std::string::npos) << e.path();
}

TEST_F(master_daemon, traversal_in_any_spelling_is_refused)
{
  daemon_process d({"--root", root(), "--no-auth", "--state-dir", state()});
  std::filesystem::create_directories(dir_->path() / "outside");
  for(auto const* t : {"/../outside", "/%2e%2e/outside", "/%2E%2E%2Foutside", "/a%2f..%2f..%2foutside",
                       "/..%5coutside", "/%c0%ae%c0%ae/outside", "/.zddc-tmp", "/a%00b", "//outside"}) {
    client c(d.port());
    auto const r = c.get(t);
    EXPECT_TRUE(r.status == http::status::bad_request || r.status == http::status::not_found) << t << " " << r.status;
  }
}

TEST_F(master_daemon, tokens_scope_reads_and_writes)
{
  auto issue = [&](std::string name, std::string grant) {
    auto [code, out] = run_command({ZDDC_BINARY, "token", "issue", "--name", name, "--grant", grant, "--state-dir",
                                    state() + "-tokens"});
    EXPECT_EQ(code, 0);
    return out.substr(0, out.find('\n'));
  };
  auto const vendor = issue("vendorA", "/Vendors/vendorA:rw");
  auto const reader = issue("reader", "/123456 Substation Upgrade:r");
  daemon_process d({"--root", root(), "--state-dir", state() + "-tokens"});
  client c(d.port());
  auto as = [](const std::string& token) {
    return std::vector<std::pair<http::field, std::string>>{{http::field::authorization, "Bearer " + token}};
  };

  auto const anonymous = c.get("/");
  EXPECT_EQ(anonymous.status, http::status::unauthorized);
  EXPECT_EQ(anonymous.header(http::field::www_authenticate), "Bearer realm=\"zddc\"");
  EXPECT_EQ(c.get("/", {{http::field::authorization, "Bearer zddc_forged"}}).status, http::status::unauthorized);

  // vendorA sees its subtree and the way to it; vendorAB is invisible.
  auto const root_listing = core::listing_from_json(
    c.get("/", {{http::field::authorization, "Bearer " + vendor}, {http::field::accept, "application/json"}}).body,
    core::repo_path());
  ASSERT_TRUE(root_listing);
  ASSERT_EQ(root_listing->entries.size(), 1u);
  EXPECT_EQ(root_listing->entries[0].name, "Vendors");
  auto const hidden = c.get(url("Vendors/vendorAB", core::target_form::directory), as(vendor));
  auto const missing = c.get(url("Vendors/nothing-here", core::target_form::directory), as(vendor));
  EXPECT_EQ(hidden.status, http::status::not_found);
  EXPECT_EQ(hidden.body, missing.body);
  EXPECT_EQ(c.get(url("Vendors/vendorA", core::target_form::directory), as(vendor)).status, http::status::ok);

  EXPECT_EQ(c.send(http::verb::put, url("Vendors/vendorA/new.pdf"), as(vendor), "x").status, http::status::created);
  EXPECT_EQ(c.send(http::verb::put, url("Vendors/vendorAB/new.pdf"), as(vendor), "x").status, http::status::forbidden);
  EXPECT_EQ(c.send(http::verb::put, url("123456 Substation Upgrade/x.pdf"), as(reader), "x").status,
            http::status::forbidden);
  EXPECT_EQ(c.get(url("Vendors/vendorA/new.pdf"), as(reader)).status, http::status::not_found);

  // Revocation reaches the running server.
  EXPECT_EQ(run_command({ZDDC_BINARY, "token", "revoke", "vendorA", "--state-dir", state() + "-tokens"}).first, 0);
  auto const deadline = std::chrono::steady_clock::now() + 10s;
  http::status status{};
  while(std::chrono::steady_clock::now() < deadline) {
    status = client(d.port()).get("/", as(vendor)).status;
    if(status == http::status::unauthorized)
      break;
    d.wait_for_log("no such line", 100ms); // a bounded wait between polls
  }
  EXPECT_EQ(status, http::status::unauthorized);
}

TEST_F(master_daemon, shuts_down_gracefully_on_sigterm)
{
  daemon_process d({"--root", root(), "--no-auth", "--state-dir", state()});
  client idle(d.port());
  EXPECT_EQ(idle.get("/.zddc/health").status, http::status::ok);
  EXPECT_EQ(d.terminate(10s), 0); // the idle keep-alive connection does not hold it up
  EXPECT_NE(d.log().find("msg=\"shutting down\""), std::string::npos);
}

TEST_F(master_daemon, bad_configuration_fails_at_start_with_one_line)
{
  auto [code, out] = run_command({ZDDC_BINARY, "serve", "--root", "/definitely/not/here", "--no-auth"});
  EXPECT_EQ(code, 2);
  auto [code2, out2] = run_command({ZDDC_BINARY, "serve", "--root", root(), "--listen", "nonsense"});
  EXPECT_EQ(code2, 2);
  auto [code3, out3] = run_command({ZDDC_BINARY, "--version"});
  EXPECT_EQ(code3, 0);
  EXPECT_TRUE(out3.starts_with("zddc "));
}

// The lines of a `?tree` answer, parsed.
std::vector<core::tree_line>
tree_lines(const reply& r)
{
  std::vector<core::tree_line> out;
  std::string_view rest = r.body;
  while(! rest.empty()) {
    auto const nl = rest.find('\n');
    auto line = core::parse_tree_line(rest.substr(0, nl));
    EXPECT_TRUE(line) << rest.substr(0, nl);
    if(line)
      out.push_back(std::move(*line));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  }
  return out;
}

TEST_F(master_daemon, a_tree_streams_chunked_and_sees_edits_made_on_the_disk)
{
  daemon_process d({"--root", root(), "--no-auth", "--state-dir", state()});
  client c(d.port());
  auto const whole = c.get("/?tree");
  ASSERT_EQ(whole.status, http::status::ok);
  EXPECT_EQ(whole.header(http::field::content_type), core::tree_media_type);
  EXPECT_EQ(whole.header(http::field::transfer_encoding), "chunked");
  auto const lines = tree_lines(whole);
  ASSERT_GE(lines.size(), 3u);
  std::size_t files = 0;
  for(auto const& l : lines)
    if(auto const* listing = std::get_if<core::listing>(&l))
      files += std::ranges::count(listing->entries, env::file_kind::regular, &core::listing_entry::kind);
  EXPECT_EQ(files, plan_->files.size()); // every file of the fixture, once
  auto const tag = whole.header(http::field::etag);
  EXPECT_EQ(c.get("/?tree", {{http::field::if_none_match, tag}}).status, http::status::not_modified);

  // A person edits a file on the server, outside the daemon: inotify tells the index.
  auto const& f = plan_->files[0];
  auto const on_disk = dir_->path() / "root" / std::string(f.path.str());
  auto const before = slurp(on_disk);
  spit(on_disk, before + " edited by hand");
  std::string since = "since=";
  for(char ch : tag)
    since += ch == '"' ? std::string("%22") : std::string(1, ch);
  auto const changed = c.get("/?tree&" + since, {{http::field::if_none_match, tag}});
  spit(on_disk, before); // the other tests see the fixture as planned
  ASSERT_EQ(changed.status, http::status::ok);
  auto const delta = tree_lines(changed);
  ASSERT_EQ(delta.size(), 3u); // head, the one listing, end
  EXPECT_EQ(std::get<core::listing>(delta[1]).dir, f.path.parent());
  EXPECT_EQ(std::get<core::tree_head>(delta[0]).base, core::entity_tag::parse(tag));
}

} // namespace
} // namespace zddc::integration
