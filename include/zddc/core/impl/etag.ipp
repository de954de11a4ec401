#pragma once

namespace zddc::core {
namespace detail {

// etagc = %x21 / %x23-7E / obs-text
constexpr bool
is_etagc(char ch) noexcept
{
  auto const c = static_cast<unsigned char>(ch);
  return c == 0x21 || (c >= 0x23 && c <= 0x7e) || c >= 0x80;
}

constexpr bool
is_ows(char c) noexcept
{
  return c == ' ' || c == '\t';
}

} // namespace detail

inline std::optional<entity_tag>
entity_tag::strong(std::string_view opaque)
{
  for(char c : opaque)
    if(! detail::is_etagc(c))
      return std::nullopt;
  return entity_tag(std::string(opaque), false);
}

inline std::optional<entity_tag>
entity_tag::parse(std::string_view text)
{
  bool weak = false;
  if(text.starts_with("W/")) {
    weak = true;
    text.remove_prefix(2);
  }
  if(text.size() < 2 || text.front() != '"' || text.back() != '"')
    return std::nullopt;
  auto tag = strong(text.substr(1, text.size() - 2));
  if(! tag)
    return std::nullopt;
  tag->weak_ = weak;
  return tag;
}

inline std::string
entity_tag::to_string() const
{
  std::string s = weak_ ? "W/\"" : "\"";
  s += opaque_;
  s += '"';
  return s;
}

inline std::optional<etag_condition>
parse_etag_condition(std::string_view text)
{
  auto trim = [](std::string_view s) {
    while(! s.empty() && detail::is_ows(s.front()))
      s.remove_prefix(1);
    while(! s.empty() && detail::is_ows(s.back()))
      s.remove_suffix(1);
    return s;
  };
  text = trim(text);
  if(text == "*")
    return etag_condition{true, {}};
  etag_condition out;
  // Tags cannot contain ',' only outside quotes; scan quote-aware.
  std::size_t i = 0;
  while(i < text.size()) {
    while(i < text.size() && (detail::is_ows(text[i]) || text[i] == ','))
      ++i;
    if(i == text.size())
      break;
    std::size_t const start = i;
    if(text.compare(i, 2, "W/") == 0)
      i += 2;
    if(i >= text.size() || text[i] != '"')
      return std::nullopt;
    auto const close = text.find('"', i + 1);
    if(close == std::string_view::npos)
      return std::nullopt;
    auto tag = entity_tag::parse(text.substr(start, close + 1 - start));
    if(! tag)
      return std::nullopt;
    out.tags.push_back(std::move(*tag));
    i = close + 1;
    while(i < text.size() && detail::is_ows(text[i]))
      ++i;
    if(i < text.size() && text[i] != ',')
      return std::nullopt;
  }
  if(out.tags.empty())
    return std::nullopt;
  return out;
}

} // namespace zddc::core
