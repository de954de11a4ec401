#pragma once
/// @file
/// What a cache or mirror tells an operator: can it reach the master, and
/// what waits in its outbox. `upstream_monitor` follows every upstream
/// exchange; `health_report` is built from plain values and rendered as the
/// `/.zddc/health` JSON and as Prometheus text. Pure: no I/O, `now` passed in.
///
///     {"status": "ok" | "degraded",
///      "upstream": {"reachable": true, "since": "2026-01-01T09:30:00Z",
///                   "credentials_refused": false},
///      "outbox": {"pending": 0, "conflicts": 0, "rejected": 0, "oldest_pending_age_s": 0}}
///
/// Degraded when the master has been out of reach for longer than the
/// replay backoff's ceiling (`--retry-max`), when it refuses the cache's own
/// token, or when any write waits for a person (a conflict or a rejection).
/// The HTTP status of the health answer stays 200 either way, so a load
/// balancer does not flap with the link.

#include <zddc/cache/outbox.hpp>
#include <zddc/core/time.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace zddc::cache {

/// Whether the master answers, and since when; and how its exchanges went.
struct upstream_state {
  bool reachable = true;
  std::optional<core::time_point> since;   // when it last became (un)reachable; none: never observed
  bool credentials_refused = false;        // its latest answer was 401
  std::array<std::uint64_t, 6> answered{}; // exchanges answered, by status class (index 1..5)
  std::uint64_t unanswered = 0;            // exchanges that got no answer
};

/// Follows the outcome of every upstream exchange.
class upstream_monitor {
public:
  /// An exchange ended: `answered` when the master sent any answer at all,
  /// `status` its status then.
  void
  observe(bool answered, unsigned status, core::time_point now) noexcept
  {
    if(answered != state_.reachable || ! state_.since) {
      state_.reachable = answered;
      state_.since = now;
    }
    if(answered) {
      state_.credentials_refused = status == 401;
      ++state_.answered[std::min<unsigned>(status / 100, 5)];
    } else {
      ++state_.unanswered;
    }
  }

  const upstream_state& state() const noexcept { return state_; }

private:
  upstream_state state_;
};

struct outbox_summary {
  std::uint64_t pending = 0, conflicts = 0, rejected = 0;
  std::optional<core::time_point> oldest_pending; // when the oldest pending entry was queued
};

/// Counts the entries of an outbox listing (`outbox::all()`).
inline outbox_summary
summarize(std::span<const outbox_entry> entries)
{
  outbox_summary s;
  for(auto const& e : entries) {
    if(e.pending()) {
      ++s.pending;
      s.oldest_pending = s.oldest_pending ? std::min(*s.oldest_pending, e.queued_at) : e.queued_at;
    } else if(e.refused->kind == refusal_kind::conflict) {
      ++s.conflicts;
    } else {
      ++s.rejected;
    }
  }
  return s;
}

struct health_report {
  upstream_state upstream;
  outbox_summary outbox;
};

inline bool
degraded(const health_report& h, core::time_point now, core::duration retry_max)
{
  bool const long_unreachable = ! h.upstream.reachable && h.upstream.since && now - *h.upstream.since > retry_max;
  return long_unreachable || h.upstream.credentials_refused || h.outbox.conflicts > 0 || h.outbox.rejected > 0;
}

namespace detail {

inline std::int64_t
seconds_between(core::time_point from, core::time_point to)
{
  return std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::seconds>(to - from).count());
}

} // namespace detail

/// The `/.zddc/health` document of a cache or mirror, as an object (a
/// mirror adds its walks to it).
inline boost::json::object
health_object(const health_report& h, core::time_point now, core::duration retry_max)
{
  boost::json::object up;
  up["reachable"] = h.upstream.reachable;
  if(h.upstream.since)
    up["since"] = detail::rfc3339(*h.upstream.since);
  else
    up["since"] = nullptr;
  up["credentials_refused"] = h.upstream.credentials_refused;
  boost::json::object box;
  box["pending"] = h.outbox.pending;
  box["conflicts"] = h.outbox.conflicts;
  box["rejected"] = h.outbox.rejected;
  box["oldest_pending_age_s"] = h.outbox.oldest_pending ? detail::seconds_between(*h.outbox.oldest_pending, now) : 0;
  boost::json::object o;
  o["status"] = degraded(h, now, retry_max) ? "degraded" : "ok";
  o["upstream"] = std::move(up);
  o["outbox"] = std::move(box);
  return o;
}

/// The `/.zddc/health` document of a cache.
inline std::string
to_json(const health_report& h, core::time_point now, core::duration retry_max)
{
  return boost::json::serialize(health_object(h, now, retry_max));
}

/// The report as Prometheus text (each metric with its HELP and TYPE).
inline std::string
to_prometheus(const health_report& h, core::time_point now)
{
  std::string s;
  s += "# HELP zddc_upstream_up Whether the master answered the latest exchange (1) or not (0).\n";
  s += "# TYPE zddc_upstream_up gauge\n";
  s += "zddc_upstream_up " + std::to_string(h.upstream.reachable ? 1 : 0) + "\n";
  s += "# HELP zddc_upstream_credentials_refused Whether the master refused this node's token (401).\n";
  s += "# TYPE zddc_upstream_credentials_refused gauge\n";
  s += "zddc_upstream_credentials_refused " + std::to_string(h.upstream.credentials_refused ? 1 : 0) + "\n";
  s += "# HELP zddc_upstream_requests_total Exchanges with the master, by outcome.\n";
  s += "# TYPE zddc_upstream_requests_total counter\n";
  for(std::size_t c = 1; c < h.upstream.answered.size(); ++c)
    s += "zddc_upstream_requests_total{outcome=\"" + std::to_string(c) + "xx\"} " +
         std::to_string(h.upstream.answered[c]) + "\n";
  s += "zddc_upstream_requests_total{outcome=\"unanswered\"} " + std::to_string(h.upstream.unanswered) + "\n";
  s += "# HELP zddc_outbox_entries Writes in the outbox, by state.\n";
  s += "# TYPE zddc_outbox_entries gauge\n";
  s += "zddc_outbox_entries{state=\"pending\"} " + std::to_string(h.outbox.pending) + "\n";
  s += "zddc_outbox_entries{state=\"conflict\"} " + std::to_string(h.outbox.conflicts) + "\n";
  s += "zddc_outbox_entries{state=\"rejected\"} " + std::to_string(h.outbox.rejected) + "\n";
  s += "# HELP zddc_outbox_oldest_pending_seconds Age of the oldest write waiting for the master.\n";
  s += "# TYPE zddc_outbox_oldest_pending_seconds gauge\n";
  s += "zddc_outbox_oldest_pending_seconds " +
       std::to_string(h.outbox.oldest_pending ? detail::seconds_between(*h.outbox.oldest_pending, now) : 0) + "\n";
  return s;
}

} // namespace zddc::cache
