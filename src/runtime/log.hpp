#pragma once
/// @file
/// Structured logs: one line per event, `key=value` pairs (logfmt), first
/// `time`, `level` and `msg`. Values with spaces, quotes, `=` or control
/// characters are quoted, with `\"`, `\\`, `\n`, `\r`, `\t` and `\xNN` for
/// the rest of C0 and DEL: a hostile name cannot forge a line or a field.
/// Paths are logged decoded (`log_path` for a request target; `/a/b` for a
/// repo_path), so one name looks the same in every line.
/// Thread-safe: each line is formatted first and written with one call.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace zddc::runtime {

enum class log_level { debug = 0, info = 1, warn = 2, error = 3 };

/// One `key=value` pair; the value is formatted by the constructor.
struct log_field {
  std::string_view key;
  std::string value;

  log_field(std::string_view k, std::string_view v) : key(k), value(v) {}
  log_field(std::string_view k, const char* v) : key(k), value(v) {}
  log_field(std::string_view k, const std::string& v) : key(k), value(v) {}
  template<class N>
    requires std::is_arithmetic_v<N>
  log_field(std::string_view k, N n) : key(k), value(std::to_string(n))
  {
  }
};

/// Parses `debug|info|warn|error`.
bool parse_log_level(std::string_view text, log_level& out);

/// Lines below this level are dropped.
void set_log_level(log_level level);

/// Whether a line at `level` is written: test it before formatting fields
/// on a hot path (the fields are formatted before `log` can drop them).
bool log_enabled(log_level level) noexcept;

void log(log_level level, std::string_view msg, std::initializer_list<log_field> fields = {});

/// A request target as logged: its decoded path (`/Docs/Spec (IFA) - Café.pdf`,
/// a directory with its trailing `/`), or, when it does not decode, the raw
/// target as received.
std::string log_path(std::string_view raw_target);

/// A rate limit for the log line of an event that can repeat fast (an
/// accept failing while descriptors are exhausted): the first occurrence
/// passes, then at most one line per `interval`, each carrying how many
/// occurrences were held back before it. Not thread-safe: one per task.
class log_throttle {
public:
  using clock = std::chrono::steady_clock;

  explicit log_throttle(clock::duration interval) : interval_(interval) {}

  /// An occurrence at `now`. When its line should be written: the number
  /// of occurrences held back since the last line; else nullopt.
  std::optional<std::uint64_t> admit(clock::time_point now);

  /// The condition may have ended (an accept succeeded): when occurrences
  /// were held back and a line is due, their number (for a closing line);
  /// else nullopt. Lines stay at most one per `interval` either way.
  std::optional<std::uint64_t> flush(clock::time_point now);

private:
  bool due(clock::time_point now) const { return ! last_ || now - *last_ >= interval_; }
  std::uint64_t take(clock::time_point now);

  clock::duration interval_;
  std::optional<clock::time_point> last_;
  std::uint64_t held_ = 0;
};

/// Formats one line without writing it (for tests).
std::string format_log_line(std::string_view time, log_level level, std::string_view msg,
                            std::initializer_list<log_field> fields);

} // namespace zddc::runtime
