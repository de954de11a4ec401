#pragma once
/// @file
/// The world's event log. Every event a run records — a request sent, a
/// fault injected, a crash — is folded into a running hash, so two runs of
/// one seed can be compared by a single number (the determinism check), and
/// the last events are kept so that a violation can be shown in context.
/// With `echo` set, every event is also printed as it happens (`--trace`).

#include "sim/virtual_clock.hpp"

#include <cstdint>
#include <deque>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace zddc::sim {

class trace {
public:
  static constexpr std::size_t tail_events = 40;

  explicit trace(const virtual_clock& clock, std::ostream* echo = nullptr);

  /// Records that `who` did or saw `what`, now.
  void record(std::string_view who, std::string_view what);

  /// FNV-1a over every event's time, actor and text, in order.
  std::uint64_t hash() const noexcept { return hash_; }
  std::uint64_t events() const noexcept { return events_; }

  /// The most recent events, oldest first, formatted as printed.
  std::vector<std::string> tail() const { return {tail_.begin(), tail_.end()}; }

  /// `d3 14:05:09.250`: virtual time since the world began.
  std::string elapsed(env::time_point t) const;

private:
  void fold(std::string_view bytes) noexcept;

  const virtual_clock& clock_;
  env::time_point start_;
  std::ostream* echo_;
  std::uint64_t hash_ = 14695981039346656037ull;
  std::uint64_t events_ = 0;
  std::deque<std::string> tail_;
};

/// A hash as 16 hex digits.
std::string to_hex(std::uint64_t hash);

} // namespace zddc::sim
