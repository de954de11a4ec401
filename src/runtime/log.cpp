#include "runtime/log.hpp"

#include <zddc/core/url_target.hpp>

#include <algorithm>

#include <chrono>
#include <cstdio>
#include <unistd.h>

namespace zddc::runtime {
namespace {

std::atomic<log_level> threshold{log_level::info};

constexpr std::string_view
level_name(log_level l)
{
  switch(l) {
  case log_level::debug: return "debug";
  case log_level::info: return "info";
  case log_level::warn: return "warn";
  case log_level::error: return "error";
  }
  return "info";
}

bool
is_control(char c) noexcept
{
  auto const u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

void
append_value(std::string& out, std::string_view v)
{
  bool const quote = v.empty() || v.find_first_of(" \"=\\") != std::string_view::npos ||
                     std::ranges::any_of(v, is_control);
  if(! quote) {
    out += v;
    return;
  }
  out += '"';
  for(char c : v) {
    switch(c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default:
      if(is_control(c)) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned>(static_cast<unsigned char>(c)));
        out += hex;
      } else {
        out += c;
      }
    }
  }
  out += '"';
}

std::string
now_rfc3339()
{
  using namespace std::chrono;
  auto const now = time_point_cast<milliseconds>(system_clock::now());
  auto const day = floor<days>(now);
  year_month_day const ymd(day);
  hh_mm_ss const hms(now - day);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld.%03ldZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), long(hms.hours().count()),
                long(hms.minutes().count()), long(hms.seconds().count()),
                long(hms.subseconds().count()));
  return buf;
}

} // namespace

bool
parse_log_level(std::string_view text, log_level& out)
{
  for(auto l : {log_level::debug, log_level::info, log_level::warn, log_level::error})
    if(text == level_name(l)) {
      out = l;
      return true;
    }
  return false;
}

void
set_log_level(log_level level)
{
  threshold.store(level, std::memory_order_relaxed);
}

std::string
format_log_line(std::string_view time, log_level level, std::string_view msg,
                std::initializer_list<log_field> fields)
{
  std::string line;
  line.reserve(96);
  line += "time=";
  line += time;
  line += " level=";
  line += level_name(level);
  line += " msg=";
  append_value(line, msg);
  for(auto const& f : fields) {
    line += ' ';
    line += f.key;
    line += '=';
    append_value(line, f.value);
  }
  line += '\n';
  return line;
}

std::uint64_t
log_throttle::take(clock::time_point now)
{
  last_ = now;
  auto const held = held_;
  held_ = 0;
  return held;
}

std::optional<std::uint64_t>
log_throttle::admit(clock::time_point now)
{
  if(! due(now)) {
    ++held_;
    return std::nullopt;
  }
  return take(now);
}

std::optional<std::uint64_t>
log_throttle::flush(clock::time_point now)
{
  if(held_ == 0 || ! due(now))
    return std::nullopt;
  return take(now);
}

bool
log_enabled(log_level level) noexcept
{
  return level >= threshold.load(std::memory_order_relaxed);
}

void
log(log_level level, std::string_view msg, std::initializer_list<log_field> fields)
{
  if(! log_enabled(level))
    return;
  auto const line = format_log_line(now_rfc3339(), level, msg, fields);
  // One write(2) per line keeps lines whole when several loops log at once.
  [[maybe_unused]] auto const n = ::write(STDERR_FILENO, line.data(), line.size());
}

std::string
log_path(std::string_view raw_target)
{
  auto const target = core::url_target::parse(raw_target);
  if(! target)
    return std::string(raw_target);
  auto const decoded = core::decode(*target);
  if(! decoded)
    return std::string(target->encoded_path());
  std::string out = "/" + std::string(decoded->path.str());
  if(decoded->form == core::target_form::directory && ! decoded->path.is_root())
    out += '/';
  return out;
}

} // namespace zddc::runtime
