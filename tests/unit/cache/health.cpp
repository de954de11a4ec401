// What a cache tells an operator: reachability, the outbox, degraded or not.
#include <zddc/cache/health.hpp>

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

namespace zddc::cache {
namespace health_test {

using namespace std::chrono_literals;

core::time_point const t0 = core::time_point(std::chrono::seconds(1767225600)); // 2026-01-01T00:00:00Z
core::duration const retry_max = 30s;

outbox_entry
entry(core::time_point queued, std::optional<refusal_kind> refused = {})
{
  outbox_entry e;
  e.queued_at = queued;
  if(refused)
    e.refused = refusal{*refused, "2026-01-01T00:00:00Z"};
  return e;
}

TEST(cache_health, the_monitor_notes_when_reachability_changes_and_refused_credentials)
{
  upstream_monitor m;
  EXPECT_FALSE(m.state().since);
  m.observe(true, 200, t0);
  EXPECT_TRUE(m.state().reachable);
  EXPECT_EQ(m.state().since, t0);
  m.observe(true, 304, t0 + 5s);
  EXPECT_EQ(m.state().since, t0); // unchanged: still reachable since t0
  m.observe(false, 0, t0 + 10s);
  m.observe(false, 0, t0 + 20s);
  EXPECT_FALSE(m.state().reachable);
  EXPECT_EQ(m.state().since, t0 + 10s);
  m.observe(true, 401, t0 + 30s);
  EXPECT_TRUE(m.state().reachable);
  EXPECT_TRUE(m.state().credentials_refused);
  m.observe(false, 0, t0 + 31s); // no answer says nothing about the token
  EXPECT_TRUE(m.state().credentials_refused);
  m.observe(true, 204, t0 + 32s);
  EXPECT_FALSE(m.state().credentials_refused);
  EXPECT_EQ(m.state().answered[2], 2u);
  EXPECT_EQ(m.state().answered[3], 1u);
  EXPECT_EQ(m.state().answered[4], 1u);
  EXPECT_EQ(m.state().unanswered, 3u);
}

TEST(cache_health, ok_until_the_master_is_gone_longer_than_the_backoff_or_a_person_is_needed)
{
  health_report h;
  h.upstream = {true, t0, false};
  EXPECT_FALSE(degraded(h, t0 + 1h, retry_max));
  h.upstream = {false, t0, false};
  EXPECT_FALSE(degraded(h, t0 + retry_max, retry_max)); // a blip
  EXPECT_TRUE(degraded(h, t0 + retry_max + 1s, retry_max));
  h.upstream = {true, t0, true};
  EXPECT_TRUE(degraded(h, t0, retry_max));
  h.upstream = {true, t0, false};
  std::vector<outbox_entry> const box{entry(t0 - 90s), entry(t0 - 30s), entry(t0, refusal_kind::rejected)};
  h.outbox = summarize(box);
  EXPECT_EQ(h.outbox.pending, 2u);
  EXPECT_EQ(h.outbox.rejected, 1u);
  EXPECT_EQ(h.outbox.oldest_pending, t0 - 90s);
  EXPECT_TRUE(degraded(h, t0, retry_max));
}

TEST(cache_health, the_json_and_the_metrics_say_the_same)
{
  std::vector<outbox_entry> const box{entry(t0 - 90s), entry(t0, refusal_kind::conflict)};
  health_report const h{{false, t0 - 60s, false, {0, 0, 4, 0, 0, 1}, 2}, summarize(box)};
  auto const doc = boost::json::parse(to_json(h, t0, retry_max)).as_object();
  EXPECT_EQ(doc.at("status"), "degraded");
  EXPECT_EQ(doc.at("upstream").at("reachable"), false);
  EXPECT_EQ(doc.at("upstream").at("since"), "2025-12-31T23:59:00Z");
  EXPECT_EQ(doc.at("outbox").at("pending"), 1);
  EXPECT_EQ(doc.at("outbox").at("conflicts"), 1);
  EXPECT_EQ(doc.at("outbox").at("rejected"), 0);
  EXPECT_EQ(doc.at("outbox").at("oldest_pending_age_s"), 90);

  auto const text = to_prometheus(h, t0);
  for(auto line : {"zddc_upstream_up 0\n", "zddc_outbox_entries{state=\"pending\"} 1\n",
                   "zddc_outbox_entries{state=\"conflict\"} 1\n", "zddc_outbox_oldest_pending_seconds 90\n",
                   "# TYPE zddc_outbox_entries gauge\n", "zddc_upstream_requests_total{outcome=\"2xx\"} 4\n",
                   "zddc_upstream_requests_total{outcome=\"unanswered\"} 2\n"})
    EXPECT_NE(text.find(line), std::string::npos) << line;
}

} // namespace
} // namespace zddc::cache
