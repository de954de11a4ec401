#pragma once
/// @file
/// What a cache is told at start.

#include <zddc/env/clock.hpp>

#include <boost/beast/http/fields.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace zddc::cache {

struct config {
  std::string bearer;                             // sent upstream on every request; empty: none
  std::uint64_t write_bytes_max = 256ull << 20;   // a larger PUT answers 413, nothing queued
  // A larger upstream body is abandoned as it arrives (an endless one
  // included): the read answers 502, the copy on disk is kept.
  std::uint64_t download_bytes_max = 1ull << 30;
  env::duration retry_min = std::chrono::seconds(1);  // first retry while entries wait
  env::duration retry_max = std::chrono::seconds(30); // backoff ceiling
  env::duration idle_interval = std::chrono::minutes(5); // a pass when nothing seems to wait

  void
  authorize(boost::beast::http::fields& h) const
  {
    if(! bearer.empty())
      h.set(boost::beast::http::field::authorization, "Bearer " + bearer);
  }
};

/// The header that names the outbox entry a request replays (for operators
/// reading the master's logs, and for the simulator's checkers).
inline constexpr std::string_view outbox_entry_header = "Zddc-Outbox-Entry";
/// Set on an answer served from the local copy because the master could
/// not be asked.
inline constexpr std::string_view cache_status_header = "Zddc-Cache";
/// Set on an answer that shows a write this cache accepted and the master
/// does not hold yet: the outbox entry's id.
inline constexpr std::string_view pending_header = "Zddc-Pending";

} // namespace zddc::cache
