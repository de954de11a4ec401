#pragma once
/// @file
/// HTTP dates (RFC 9110 §5.6.7). Formatting always produces IMF-fixdate
/// (`Sun, 06 Nov 1994 08:49:37 GMT`); parsing also accepts the two obsolete
/// forms a recipient must understand: RFC 850 (`Sunday, 06-Nov-94 08:49:37
/// GMT`) and asctime (`Sun Nov  6 08:49:37 1994`). HTTP dates have one-second
/// resolution, so comparisons with file times truncate those first.
///
/// RFC 850's two-digit year is read as 1970-2069 (a fixed pivot: core code
/// has no clock to apply the RFC's "50 years in the future" rule to, and no
/// HTTP date precedes 1970). The weekday is checked for syntax, not against
/// the date. `time_point` counts nanoseconds in 64 bits, so it spans
/// 1677-09-21 to 2262-04-11; a date outside that is refused, never wrapped.

#include <zddc/core/time.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace zddc::core {

/// `t` rounded down to a whole second.
inline time_point
truncate_to_seconds(time_point t) noexcept
{
  return std::chrono::floor<std::chrono::seconds>(t);
}

/// IMF-fixdate for `t` (sub-second part dropped).
std::string format_http_date(time_point t);

/// Parses any of the three HTTP date forms; nullopt when invalid.
std::optional<time_point> parse_http_date(std::string_view text);

namespace detail {

inline constexpr std::array<std::string_view, 7> short_days = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
inline constexpr std::array<std::string_view, 7> long_days = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                              "Thursday", "Friday", "Saturday"};
inline constexpr std::array<std::string_view, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// A small cursor over the text; every step fails closed.
class date_scanner {
public:
  explicit date_scanner(std::string_view s) : s_(s) {}

  bool
  literal(std::string_view lit)
  {
    if(! s_.starts_with(lit))
      return false;
    s_.remove_prefix(lit.size());
    return true;
  }

  // Exactly `digits` digits (or 1-2 when `digits` is 0, for asctime's day).
  bool
  number(int digits, int& out)
  {
    int const max = digits == 0 ? 2 : digits;
    int n = 0, v = 0;
    while(n < max && n < static_cast<int>(s_.size()) && s_[n] >= '0' && s_[n] <= '9')
      v = v * 10 + (s_[n++] - '0');
    if(n == 0 || (digits != 0 && n != digits))
      return false;
    s_.remove_prefix(n);
    out = v;
    return true;
  }

  template<std::size_t N>
  bool
  one_of(const std::array<std::string_view, N>& names, int& index)
  {
    for(std::size_t i = 0; i < N; ++i)
      if(s_.starts_with(names[i])) {
        s_.remove_prefix(names[i].size());
        index = static_cast<int>(i);
        return true;
      }
    return false;
  }

  bool done() const noexcept { return s_.empty(); }

private:
  std::string_view s_;
};

inline std::optional<time_point>
make_time(int year, int month0, int day, int hour, int minute, int second)
{
  using namespace std::chrono;
  if(hour > 23 || minute > 59 || second > 60) // 60: a leap second, folded into :59
    return std::nullopt;
  year_month_day const ymd{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month0 + 1)),
                           std::chrono::day(static_cast<unsigned>(day))};
  if(! ymd.ok())
    return std::nullopt;
  auto const s = std::min(second, 59);
  auto const when = sys_seconds(sys_days(ymd).time_since_epoch() + hours(hour) + minutes(minute) + seconds(s));
  // Stay inside what 64-bit nanoseconds can hold.
  constexpr auto limit = duration_cast<seconds>(core::duration::max());
  if(when.time_since_epoch() > limit || when.time_since_epoch() < -limit)
    return std::nullopt;
  return core::time_point(when.time_since_epoch());
}

} // namespace detail

inline std::string
format_http_date(time_point t)
{
  using namespace std::chrono;
  auto const secs = floor<seconds>(t);
  auto const day = floor<days>(secs);
  year_month_day const ymd(day);
  hh_mm_ss const hms(secs - day);
  weekday const wd(day);
  // IMF-fixdate is fixed-width: written digit by digit (snprintf was a
  // visible share of answering a conditional GET). A 64-bit nanosecond
  // time point lies within the years 1677-2262: always four digits.
  std::string out = "Ddd, 00 Mmm 0000 00:00:00 GMT";
  auto const two = [&](std::size_t at, unsigned v) {
    out[at] = static_cast<char>('0' + v / 10);
    out[at + 1] = static_cast<char>('0' + v % 10);
  };
  detail::short_days[wd.c_encoding()].copy(out.data(), 3);
  two(5, unsigned(ymd.day()));
  detail::months[unsigned(ymd.month()) - 1].copy(out.data() + 8, 3);
  auto const year = static_cast<unsigned>(int(ymd.year()));
  two(12, year / 100);
  two(14, year % 100);
  two(17, static_cast<unsigned>(hms.hours().count()));
  two(20, static_cast<unsigned>(hms.minutes().count()));
  two(23, static_cast<unsigned>(hms.seconds().count()));
  return out;
}

inline std::optional<time_point>
parse_http_date(std::string_view text)
{
  int wd = 0, day = 0, month = 0, year = 0, h = 0, m = 0, s = 0;
  auto clock = [&](detail::date_scanner& sc) {
    return sc.number(2, h) && sc.literal(":") && sc.number(2, m) && sc.literal(":") && sc.number(2, s);
  };
  { // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
    detail::date_scanner sc(text);
    if(sc.one_of(detail::short_days, wd) && sc.literal(", ") && sc.number(2, day) && sc.literal(" ") &&
       sc.one_of(detail::months, month) && sc.literal(" ") && sc.number(4, year) && sc.literal(" ") &&
       clock(sc) && sc.literal(" GMT") && sc.done())
      return detail::make_time(year, month, day, h, m, s);
  }
  { // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
    detail::date_scanner sc(text);
    if(sc.one_of(detail::long_days, wd) && sc.literal(", ") && sc.number(2, day) && sc.literal("-") &&
       sc.one_of(detail::months, month) && sc.literal("-") && sc.number(2, year) && sc.literal(" ") &&
       clock(sc) && sc.literal(" GMT") && sc.done())
      return detail::make_time(year < 70 ? 2000 + year : 1900 + year, month, day, h, m, s);
  }
  { // asctime: Sun Nov  6 08:49:37 1994
    detail::date_scanner sc(text);
    if(sc.one_of(detail::short_days, wd) && sc.literal(" ") && sc.one_of(detail::months, month) &&
       sc.literal(" ") && (sc.literal(" ") || true) && sc.number(0, day) && sc.literal(" ") && clock(sc) &&
       sc.literal(" ") && sc.number(4, year) && sc.done())
      return detail::make_time(year, month, day, h, m, s);
  }
  return std::nullopt;
}

} // namespace zddc::core
