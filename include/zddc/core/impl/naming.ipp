#pragma once

#include <array>
#include <charconv>
#include <cstdio>
#include <tuple>

namespace zddc::core {
namespace detail {

inline constexpr std::array<std::string_view, 16> status_names = {
  "DFT", "IFA", "IFB", "IFC", "IFD", "IFI", "IFP", "IFR", "IFU", "REC", "RSA", "RSB", "RSC", "RSD", "RSI", "---"};

inline bool
is_ascii_alnum(char c) noexcept
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Digits without a leading zero (except "0" itself).
inline std::optional<std::uint32_t>
parse_count(std::string_view s)
{
  if(s.empty() || (s.size() > 1 && s.front() == '0') || s.size() > 9)
    return std::nullopt;
  std::uint32_t v = 0;
  auto const [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if(ec != std::errc() || end != s.data() + s.size())
    return std::nullopt;
  return v;
}

inline name_error
fail(name_errc reason, std::string message)
{
  return {reason, std::move(message)};
}

// Finds the ` (XXX) - ` group; returns its start or npos.
inline std::size_t
find_status_group(std::string_view name)
{
  for(std::size_t i = name.find(" ("); i != std::string_view::npos; i = name.find(" (", i + 1))
    if(name.size() >= i + 9 && name.substr(i + 5, 4) == ") - ")
      return i;
  return std::string_view::npos;
}

struct common_parts {
  std::string_view head; // before the status group
  doc_status status;
  std::string_view title;
};

inline name_result<common_parts>
split_common(std::string_view name)
{
  if(name.empty())
    return fail(name_errc::empty, "empty name");
  auto const group = find_status_group(name);
  if(group == std::string_view::npos)
    return fail(name_errc::missing_status, "no ' (STATUS) - ' after the tracking number");
  auto const status = parse_status(name.substr(group + 2, 3));
  if(! status)
    return fail(name_errc::unknown_status, "unknown status '" + std::string(name.substr(group + 2, 3)) + "'");
  auto const title = name.substr(group + 9);
  if(title.empty())
    return fail(name_errc::empty_title, "empty title");
  auto const head = name.substr(0, group);
  if(head.find(' ') != std::string_view::npos)
    return fail(name_errc::tracking_has_space, "the tracking number contains a space");
  return common_parts{head, *status, title};
}

} // namespace detail

inline std::optional<doc_status>
parse_status(std::string_view text)
{
  for(std::size_t i = 0; i < detail::status_names.size(); ++i)
    if(text == detail::status_names[i])
      return static_cast<doc_status>(i);
  return std::nullopt;
}

inline std::string_view
format(doc_status s)
{
  return detail::status_names[static_cast<std::size_t>(s)];
}

inline std::optional<revision>
revision::parse(std::string_view text)
{
  revision r;
  if(text.starts_with('~')) {
    r.draft = true;
    text.remove_prefix(1);
  }
  auto const plus = text.find('+');
  auto const base = text.substr(0, plus);
  if(base.size() == 1 && base[0] >= 'A' && base[0] <= 'Z') {
    r.base = static_cast<std::uint32_t>(base[0]);
  } else if(auto n = detail::parse_count(base)) {
    r.numeric = true;
    r.base = *n;
  } else {
    return std::nullopt;
  }
  if(plus == std::string_view::npos)
    return r;
  auto m = text.substr(plus + 1);
  modifier mod;
  if(m.starts_with('~')) {
    mod.draft = true;
    m.remove_prefix(1);
  }
  if(m.empty() || (m[0] != 'B' && m[0] != 'C' && m[0] != 'N' && m[0] != 'Q'))
    return std::nullopt;
  mod.kind = static_cast<modifier_kind>(m[0]);
  auto const n = detail::parse_count(m.substr(1));
  if(! n)
    return std::nullopt;
  mod.number = *n;
  r.mod = mod;
  return r;
}

inline std::strong_ordering
operator<=>(const revision& a, const revision& b)
{
  auto key = [](const revision& r) {
    // The modifier's absence sorts first; then kind (B < C < N < Q happens
    // to be character order), number, draft before issue.
    auto const has = r.mod.has_value();
    auto const kind = has ? static_cast<int>(r.mod->kind) : 0;
    auto const number = has ? r.mod->number : 0u;
    auto const mod_issue = has ? ! r.mod->draft : false;
    return std::tuple(r.numeric, r.base, ! r.draft, has, kind, number, mod_issue);
  };
  return key(a) <=> key(b);
}

inline std::string
format(const revision& r)
{
  std::string s = r.draft ? "~" : "";
  if(r.numeric)
    s += std::to_string(r.base);
  else
    s += static_cast<char>(r.base);
  if(r.mod) {
    s += '+';
    if(r.mod->draft)
      s += '~';
    s += static_cast<char>(r.mod->kind);
    s += std::to_string(r.mod->number);
  }
  return s;
}

inline name_result<document_name>
parse_document_name(std::string_view name)
{
  auto parts = detail::split_common(name);
  if(! parts)
    return parts.error();
  auto const head = parts->head;
  auto const underscore = head.find('_');
  if(underscore == std::string_view::npos)
    return detail::fail(name_errc::missing_underscore, "no '_' between tracking number and revision");
  if(head.find('_', underscore + 1) != std::string_view::npos)
    return detail::fail(name_errc::tracking_has_underscore, "the tracking number contains an underscore");
  if(underscore == 0)
    return detail::fail(name_errc::empty_tracking, "empty tracking number");
  auto const rev_text = head.substr(underscore + 1);
  if(rev_text.empty())
    return detail::fail(name_errc::empty_revision, "empty revision");
  auto const rev = revision::parse(rev_text);
  if(! rev)
    return detail::fail(name_errc::bad_revision, "bad revision '" + std::string(rev_text) + "'");

  document_name d{std::string(head.substr(0, underscore)), *rev, parts->status, std::string(parts->title), {}};
  auto const dot = d.title.rfind('.');
  if(dot != std::string::npos && dot > 0) {
    auto const ext = std::string_view(d.title).substr(dot + 1);
    bool ok = ! ext.empty() && ext.size() <= 8;
    for(char c : ext)
      ok = ok && detail::is_ascii_alnum(c);
    if(ok) {
      d.extension = std::string(ext);
      d.title.resize(dot);
    }
  }
  return d;
}

inline name_result<transmittal_name>
parse_transmittal_name(std::string_view name)
{
  auto parts = detail::split_common(name);
  if(! parts)
    return parts.error();
  auto const head = parts->head;
  if(head.size() < 11 || head[10] != '_')
    return detail::fail(name_errc::bad_date, "a transmittal starts with YYYY-MM-DD_");
  int y = 0;
  unsigned m = 0, dd = 0;
  auto const date = head.substr(0, 10);
  bool const shaped = date[4] == '-' && date[7] == '-';
  auto const ys = std::from_chars(date.data(), date.data() + 4, y);
  auto const ms = std::from_chars(date.data() + 5, date.data() + 7, m);
  auto const ds = std::from_chars(date.data() + 8, date.data() + 10, dd);
  std::chrono::year_month_day const ymd{std::chrono::year(y), std::chrono::month(m), std::chrono::day(dd)};
  if(! shaped || ys.ptr != date.data() + 4 || ms.ptr != date.data() + 7 || ds.ptr != date.data() + 10 ||
     ! ymd.ok())
    return detail::fail(name_errc::bad_date, "'" + std::string(date) + "' is not a calendar date");
  auto const tracking = head.substr(11);
  if(tracking.empty())
    return detail::fail(name_errc::empty_tracking, "empty tracking number");
  if(tracking.find('_') != std::string_view::npos)
    return detail::fail(name_errc::tracking_has_underscore, "the tracking number contains an underscore");
  return transmittal_name{ymd, std::string(tracking), parts->status, std::string(parts->title)};
}

inline std::string
format(const document_name& d)
{
  std::string s = d.tracking + "_" + format(d.rev) + " (" + std::string(format(d.status)) + ") - " + d.title;
  if(d.extension)
    s += "." + *d.extension;
  return s;
}

inline std::string
format_date(const std::chrono::year_month_day& date)
{
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", int(date.year()), unsigned(date.month()), unsigned(date.day()));
  return text;
}

inline std::string
format(const transmittal_name& t)
{
  return format_date(t.date) + "_" + t.tracking + " (" + std::string(format(t.status)) + ") - " + t.title;
}

inline std::optional<std::string>
naming_warning(std::string_view file_name)
{
  auto const parsed = parse_document_name(file_name);
  if(parsed)
    return std::nullopt;
  std::string out = "not a ZDDC document name (TRACKING_REV (STATUS) - Title.ext): " + parsed.error().message;
  for(auto& c : out)
    if(c < 0x20 || c > 0x7e)
      c = '?';
  return out;
}

} // namespace zddc::core
