#pragma once

#include <charconv>

namespace zddc::core {
namespace detail {

inline std::optional<std::uint64_t>
parse_u64(std::string_view s)
{
  if(s.empty())
    return std::nullopt;
  std::uint64_t v = 0;
  auto const [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if(ec != std::errc() || end != s.data() + s.size())
    return std::nullopt;
  return v;
}

inline std::string_view
trim_ows(std::string_view s)
{
  while(! s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while(! s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

} // namespace detail

inline range_request
parse_range(std::string_view header, std::uint64_t size)
{
  header = detail::trim_ows(header);
  constexpr std::string_view unit = "bytes=";
  if(header.size() < unit.size())
    return {};
  for(std::size_t i = 0; i < unit.size(); ++i) // the unit is case-insensitive
    if((header[i] | 0x20) != unit[i] && header[i] != unit[i])
      return {};
  auto spec = detail::trim_ows(header.substr(unit.size()));
  if(spec.find(',') != std::string_view::npos)
    return {};
  auto const dash = spec.find('-');
  if(dash == std::string_view::npos)
    return {};
  auto const first_text = detail::trim_ows(spec.substr(0, dash));
  auto const last_text = detail::trim_ows(spec.substr(dash + 1));

  if(first_text.empty()) { // suffix range: the last N bytes
    auto const n = detail::parse_u64(last_text);
    if(! n)
      return {};
    if(*n == 0 || size == 0)
      return {range_kind::unsatisfiable, {}};
    auto const len = *n < size ? *n : size;
    return {range_kind::partial, {size - len, len}};
  }
  auto const first = detail::parse_u64(first_text);
  if(! first)
    return {};
  std::uint64_t last = size == 0 ? 0 : size - 1;
  if(! last_text.empty()) {
    auto const l = detail::parse_u64(last_text);
    if(! l || *l < *first)
      return {}; // invalid: ignore the header
    if(*l < last)
      last = *l;
  }
  if(*first >= size)
    return {range_kind::unsatisfiable, {}};
  return {range_kind::partial, {*first, last - *first + 1}};
}

inline std::string
content_range(const byte_range& r, std::uint64_t size)
{
  return "bytes " + std::to_string(r.first) + "-" + std::to_string(r.first + r.length - 1) + "/" +
         std::to_string(size);
}

inline std::string
unsatisfied_content_range(std::uint64_t size)
{
  return "bytes */" + std::to_string(size);
}

} // namespace zddc::core
