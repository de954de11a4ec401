// Two real daemons on loopback, a master and a cache in front of it: the
// offline round trip and the conflict, as an operator would see them.
#include "harness.hpp"

#include "runtime/posix_filesystem.hpp"

#include <zddc/cache/outbox.hpp>

namespace zddc::integration {
namespace {

class cache_daemon : public ::testing::Test {
protected:
  cache_daemon()
  {
    spit(master_root() / "Docs" / "Spec (IFA) - Caf\xC3\xA9 #1.txt", "version one");
    master_.emplace(std::vector<std::string>{"--root", master_root().string(), "--no-auth"});
    master_port_ = master_->port();
    cache_.emplace(std::vector<std::string>{"--mode", "cache", "--root", cache_root().string(), "--upstream",
                                            "http://127.0.0.1:" + std::to_string(master_port_), "--retry-max",
                                            "2s"});
  }

  std::filesystem::path master_root() const { return dir_.path() / "master"; }
  std::filesystem::path cache_root() const { return dir_.path() / "cache"; }

  void stop_master() { ASSERT_EQ(master_->terminate(10s), 0); }
  void
  start_master()
  {
    master_.emplace(std::vector<std::string>{"--root", master_root().string(), "--no-auth"},
                    "127.0.0.1:" + std::to_string(master_port_));
  }

  /// Entry directories in the cache's outbox.
  std::vector<std::string>
  outbox() const
  {
    std::vector<std::string> names;
    if(std::filesystem::exists(cache_root() / ".zddc-outbox"))
      for(auto const& e : std::filesystem::directory_iterator(cache_root() / ".zddc-outbox"))
        if(e.is_directory())
          names.push_back(e.path().filename().string());
    return names;
  }

  static constexpr std::string_view spec = "/Docs/Spec%20(IFA)%20-%20Caf%C3%A9%20%231.txt";

  temp_dir dir_;
  std::optional<daemon_process> master_;
  std::uint16_t master_port_ = 0;
  std::optional<daemon_process> cache_;
};

TEST_F(cache_daemon, reads_pass_through_and_stay_available_offline)
{
  client c(cache_->port());
  auto const online = c.get(std::string(spec));
  ASSERT_EQ(online.status, http::status::ok);
  EXPECT_EQ(online.body, "version one");
  EXPECT_EQ(slurp(cache_root() / "Docs" / "Spec (IFA) - Caf\xC3\xA9 #1.txt"), "version one"); // decoded name

  stop_master();
  auto const offline = c.get(std::string(spec));
  EXPECT_EQ(offline.status, http::status::ok);
  EXPECT_EQ(offline.body, "version one");
  EXPECT_EQ(offline.headers["Zddc-Cache"], "stale");
  EXPECT_EQ(c.get("/Docs/never-read.txt").status, http::status::gateway_timeout);
}

TEST_F(cache_daemon, an_offline_write_answers_202_and_lands_when_the_master_returns)
{
  client c(cache_->port());
  ASSERT_EQ(c.get(std::string(spec)).status, http::status::ok);
  stop_master();

  auto const queued = c.send(http::verb::put, std::string(spec), {}, "written offline");
  ASSERT_EQ(queued.status, http::status::accepted) << queued.body;
  auto const id = std::string(queued.headers["Zddc-Outbox-Entry"]);
  EXPECT_TRUE(cache::is_outbox_id(id));
  EXPECT_EQ(outbox(), std::vector<std::string>{id});
  auto const mode = std::filesystem::status(cache_root() / ".zddc-outbox" / id).permissions();
  EXPECT_EQ(mode & std::filesystem::perms::all, std::filesystem::perms::owner_all);

  start_master();
  EXPECT_TRUE(eventually([&] { return outbox().empty(); }, 20s)) << cache_->log();
  EXPECT_EQ(slurp(master_root() / "Docs" / "Spec (IFA) - Caf\xC3\xA9 #1.txt"), "written offline");
  EXPECT_NE(cache_->wait_for_log("msg=\"outbox: replayed\"", 1s), "") << cache_->log();
}

TEST_F(cache_daemon, a_stale_offline_write_becomes_a_conflict_and_the_master_keeps_its_version)
{
  client c(cache_->port());
  ASSERT_EQ(c.get(std::string(spec)).status, http::status::ok);
  stop_master();
  spit(master_root() / "Docs" / "Spec (IFA) - Caf\xC3\xA9 #1.txt", "changed on the server");
  auto const queued = c.send(http::verb::put, std::string(spec), {}, "stale offline edit");
  ASSERT_EQ(queued.status, http::status::accepted);
  auto const id = std::string(queued.headers["Zddc-Outbox-Entry"]);

  start_master();
  ASSERT_TRUE(eventually(
    [&] {
      auto const names = outbox();
      return names.size() == 1 && names.front().starts_with(id + ".conflict-");
    },
    20s))
    << cache_->log();
  EXPECT_EQ(slurp(master_root() / "Docs" / "Spec (IFA) - Caf\xC3\xA9 #1.txt"), "changed on the server");
  auto const kept = cache_root() / ".zddc-outbox" / outbox().front();
  EXPECT_EQ(slurp(kept / "body.bin"), "stale offline edit");
  EXPECT_EQ(slurp(kept / "master.bin"), "changed on the server");

  auto const [status, listed] = run_command({ZDDC_BINARY, "outbox", "list", "--root", cache_root().string()});
  EXPECT_EQ(status, 0) << listed;
  EXPECT_NE(listed.find(id), std::string::npos) << listed;
  EXPECT_NE(listed.find("conflict"), std::string::npos) << listed;
}

// Issue 14: the offline round trip as a person at the cache sees it in the
// page (browser-free: the HTML is read for its markers). An upload and a
// deletion made offline show at once; the banner says since when; a
// collision comes back as a conflict on the directory's page, with both
// versions and the two buttons; "keep the master's" settles it.
TEST_F(cache_daemon, the_page_shows_offline_writes_the_banner_and_conflicts)
{
  spit(master_root() / "Docs" / "Plan.txt", "plan one");
  client c(cache_->port());
  auto const online = c.get("/Docs/");
  ASSERT_EQ(online.status, http::status::ok);
  EXPECT_EQ(online.body.find("The master cannot be reached"), std::string::npos);
  ASSERT_EQ(c.get("/Docs/Plan.txt").status, http::status::ok);
  ASSERT_EQ(c.get(std::string(spec)).status, http::status::ok);

  stop_master();
  auto const upload = c.send(http::verb::put, "/Docs/New%20upload.txt", {}, "made offline");
  ASSERT_EQ(upload.status, http::status::accepted) << upload.body;
  auto const opened = c.get("/Docs/New%20upload.txt");
  EXPECT_EQ(opened.status, http::status::ok);
  EXPECT_EQ(opened.body, "made offline");
  EXPECT_EQ(opened.headers["Zddc-Pending"], upload.headers["Zddc-Outbox-Entry"]);
  ASSERT_EQ(c.send(http::verb::delete_, std::string(spec)).status, http::status::accepted);
  EXPECT_EQ(c.get(std::string(spec)).status, http::status::not_found);
  spit(master_root() / "Docs" / "Plan.txt", "plan changed on the server");
  auto const edit = c.send(http::verb::put, "/Docs/Plan.txt", {}, "plan edited offline");
  ASSERT_EQ(edit.status, http::status::accepted);
  std::string const edit_id(edit.headers["Zddc-Outbox-Entry"]);

  auto const page = c.get("/Docs/");
  EXPECT_EQ(page.status, http::status::ok);
  EXPECT_EQ(page.headers["Zddc-Cache"], "stale");
  for(auto marker : {"The master cannot be reached", "New upload.txt", "class=\"pending\"", "class=\"deleted\"",
                     "deletion waiting for the master"})
    EXPECT_NE(page.body.find(marker), std::string::npos) << marker << "\n" << page.body;

  start_master();
  ASSERT_TRUE(eventually([&] { return c.get("/Docs/").body.find("Changes the master did not accept") != std::string::npos; },
                         20s))
    << cache_->log();
  auto const settled = c.get("/Docs/");
  EXPECT_EQ(settled.body.find("The master cannot be reached"), std::string::npos);
  for(auto action : {"/mine", "/theirs", "/retry", "/discard"})
    EXPECT_NE(settled.body.find("/.zddc/outbox/" + edit_id + action), std::string::npos) << action;
  EXPECT_EQ(slurp(master_root() / "Docs" / "New upload.txt"), "made offline");
  EXPECT_FALSE(std::filesystem::exists(master_root() / "Docs" / "Spec (IFA) - Caf\xC3\xA9 #1.txt"));
  EXPECT_EQ(c.get("/.zddc/outbox/" + edit_id + "/theirs").body, "plan changed on the server");

  // Keep the master's: the conflict goes, the master's version stays.
  EXPECT_EQ(c.send(http::verb::post, "/.zddc/outbox/" + edit_id + "/discard").status, http::status::ok);
  auto const after = c.get("/Docs/");
  EXPECT_EQ(after.body.find("Changes the master did not accept"), std::string::npos);
  EXPECT_EQ(c.get("/Docs/Plan.txt").body, "plan changed on the server");
  EXPECT_TRUE(outbox().empty());
}

// Issue 14: an operator sees, without a shell on the cache's machine,
// whether the master answers and what waits.
TEST_F(cache_daemon, health_and_metrics_say_what_waits_and_since_when)
{
  client c(cache_->port());
  ASSERT_EQ(c.get(std::string(spec)).status, http::status::ok);
  auto const online = c.get("/.zddc/health");
  EXPECT_EQ(online.status, http::status::ok);
  EXPECT_NE(online.body.find(R"("status":"ok")"), std::string::npos) << online.body;
  EXPECT_NE(online.body.find(R"("reachable":true)"), std::string::npos) << online.body;

  stop_master();
  ASSERT_EQ(c.send(http::verb::put, std::string(spec), {}, "written offline").status, http::status::accepted);
  auto const offline = c.get("/.zddc/health");
  EXPECT_EQ(offline.status, http::status::ok); // load balancers do not flap with the link
  EXPECT_NE(offline.body.find(R"("reachable":false)"), std::string::npos) << offline.body;
  EXPECT_NE(offline.body.find(R"("pending":1)"), std::string::npos) << offline.body;
  // Unreachable for longer than --retry-max (2s): degraded.
  EXPECT_TRUE(eventually([&] { return c.get("/.zddc/health").body.find(R"("status":"degraded")") != std::string::npos; },
                         10s));

  auto const metrics = c.get("/.zddc/metrics");
  EXPECT_EQ(metrics.status, http::status::ok);
  for(auto line : {"zddc_upstream_up 0\n", "zddc_outbox_entries{state=\"pending\"} 1\n",
                   "zddc_outbox_entries{state=\"conflict\"} 0\n", "zddc_replay_total{outcome=\"deferred\"} ",
                   "zddc_upstream_requests_total{outcome=\"unanswered\"} ", "zddc_outbox_oldest_pending_seconds "})
    EXPECT_NE(metrics.body.find(line), std::string::npos) << line << "\n" << metrics.body;
  // The exposition format itself, checked by Prometheus's own tool
  // (Debian's prometheus package, installed by scripts/install-deps.sh).
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/promtool")) << "promtool missing: run scripts/install-deps.sh";
  spit(dir_.path() / "metrics.txt", metrics.body);
  auto const [code, out] = run_command({"/bin/sh", "-c", "/usr/bin/promtool check metrics < " +
                                                             (dir_.path() / "metrics.txt").string() + " 2>&1"});
  EXPECT_EQ(code, 0) << out;

  start_master();
  EXPECT_TRUE(eventually([&] { return c.get("/.zddc/health").body.find(R"("status":"ok")") != std::string::npos; },
                         20s));
}

TEST_F(cache_daemon, the_request_log_names_the_principal_and_the_decoded_path)
{
  client c(cache_->port());
  ASSERT_EQ(c.get(std::string(spec)).status, http::status::ok);
  auto const line = cache_->wait_for_log("msg=request", 5s);
  EXPECT_NE(line.find("path=\"/Docs/Spec (IFA) - Caf\xC3\xA9 #1.txt\""), std::string::npos) << line;
  EXPECT_NE(line.find("principal=local"), std::string::npos) << line;
}

TEST_F(cache_daemon, shuts_down_gracefully_on_sigterm)
{
  client c(cache_->port());
  ASSERT_EQ(c.get(std::string(spec)).status, http::status::ok);
  EXPECT_EQ(cache_->terminate(10s), 0) << cache_->log(); // the replay loop waiting on its channel does not hold it up
  EXPECT_NE(cache_->log().find("msg=stopped"), std::string::npos);
}

// Issue 14, against a master with tokens: a write outside the cache's grant
// was dropped on replay, its body deleted. It is kept as a rejection, shown
// on its directory's page and in health; and when the master refuses the
// cache's own token (401), writes stay pending rather than being judged.
TEST(cache_with_tokens, a_refused_write_is_kept_and_a_refused_token_keeps_writes_pending)
{
  temp_dir dir;
  auto const master_root = dir.path() / "master";
  auto const cache_root = dir.path() / "cache";
  auto const tokens = (dir.path() / "tokens").string();
  spit(master_root / "Docs" / "Vendor" / "a.txt", "one");
  auto [code, out] = run_command({ZDDC_BINARY, "token", "issue", "--name", "site", "--grant", "/Docs:r", "--grant",
                                  "/Docs/Vendor:rw", "--state-dir", tokens});
  ASSERT_EQ(code, 0) << out;
  auto const token = out.substr(0, out.find('\n'));
  std::optional<daemon_process> master;
  master.emplace(std::vector<std::string>{"--root", master_root.string(), "--state-dir", tokens});
  auto const port = master->port();
  daemon_process cache({"--mode", "cache", "--root", cache_root.string(), "--upstream",
                        "http://127.0.0.1:" + std::to_string(port), "--bearer", token, "--retry-max", "2s"});
  client c(cache.port());
  ASSERT_EQ(c.get("/Docs/").status, http::status::ok);

  // Offline, the site writes where its token may only read.
  ASSERT_EQ(master->terminate(10s), 0);
  auto const queued = c.send(http::verb::put, "/Docs/minutes.txt", {}, "written at the site");
  ASSERT_EQ(queued.status, http::status::accepted) << queued.body;
  std::string const id(queued.headers["Zddc-Outbox-Entry"]);
  master.emplace(std::vector<std::string>{"--root", master_root.string(), "--state-dir", tokens},
                 "127.0.0.1:" + std::to_string(port));
  auto const kept = [&] {
    if(! std::filesystem::exists(cache_root / ".zddc-outbox"))
      return std::string();
    for(auto const& e : std::filesystem::directory_iterator(cache_root / ".zddc-outbox"))
      if(e.path().filename().string().starts_with(id + ".rejected-"))
        return e.path().string();
    return std::string();
  };
  ASSERT_TRUE(eventually([&] { return ! kept().empty(); }, 20s)) << cache.log();
  EXPECT_EQ(slurp(std::filesystem::path(kept()) / "body.bin"), "written at the site");
  EXPECT_FALSE(std::filesystem::exists(master_root / "Docs" / "minutes.txt"));
  auto const health = c.get("/.zddc/health").body;
  EXPECT_NE(health.find(R"("rejected":1)"), std::string::npos) << health;
  EXPECT_NE(health.find(R"("status":"degraded")"), std::string::npos) << health;
  auto const page = c.get("/Docs/").body;
  EXPECT_NE(page.find("was refused by the master (403"), std::string::npos) << page;
  EXPECT_NE(page.find("/.zddc/outbox/" + id + "/retry"), std::string::npos);
  EXPECT_NE(c.get("/.zddc/outbox/" + id + "/theirs").body.find("no write access"), std::string::npos);
  auto const [listed_code, listed] = run_command({ZDDC_BINARY, "outbox", "list", "--root", cache_root.string()});
  EXPECT_EQ(listed_code, 0);
  EXPECT_NE(listed.find("rejected"), std::string::npos) << listed;

  // The cache's token is revoked: its next write is not refused, it waits.
  ASSERT_EQ(run_command({ZDDC_BINARY, "token", "revoke", "site", "--state-dir", tokens}).first, 0);
  ASSERT_TRUE(eventually(
    [&] {
      return client(port).get("/", {{http::field::authorization, "Bearer " + token}}).status ==
             http::status::unauthorized;
    },
    10s));
  auto const waiting = c.send(http::verb::put, "/Docs/Vendor/a.txt", {}, "two");
  EXPECT_EQ(waiting.status, http::status::accepted) << waiting.body;
  EXPECT_NE(c.get("/.zddc/health").body.find(R"("credentials_refused":true)"), std::string::npos);
  EXPECT_EQ(c.get("/Docs/Vendor/a.txt").body, "two"); // read back as written
  EXPECT_NE(cache.wait_for_log("credentials", 5s), "") << cache.log();
}

} // namespace
} // namespace zddc::integration
