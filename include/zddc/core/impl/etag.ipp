#pragma once

namespace zddc::core {
namespace detail {

// etagc = %x21 / %x23-7E / obs-text
constexpr bool
is_etagc(char ch) noexcept
{
  auto const c = static_cast<unsigned char>(ch);
  return (c > 0x20) & (c != 0x22) & (c != 0x7f); // 0x21, 0x23-0x7e, 0x80-0xff
}

// Every byte checked, without a branch per byte: a conditional GET checks
// the tag it sends (32 bytes or more) on every request.
constexpr bool
all_etagc(std::string_view s) noexcept
{
  bool valid = true;
  for(char c : s)
    valid &= is_etagc(c);
  return valid;
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
  if(! detail::all_etagc(opaque))
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
  std::string s;
  s.reserve(opaque_.size() + 4); // one allocation for a content tag's 32 hex digits and quotes
  s += weak_ ? "W/\"" : "\"";
  s += opaque_;
  s += '"';
  return s;
}

template<class Visit>
etag_list
scan_etag_condition(std::string_view text, Visit&& visit)
{
  while(! text.empty() && detail::is_ows(text.front()))
    text.remove_prefix(1);
  while(! text.empty() && detail::is_ows(text.back()))
    text.remove_suffix(1);
  if(text == "*")
    return etag_list::any;
  // Tags cannot contain ',' only outside quotes; scan quote-aware.
  bool any_tag = false;
  std::size_t i = 0;
  while(i < text.size()) {
    while(i < text.size() && (detail::is_ows(text[i]) || text[i] == ','))
      ++i;
    if(i == text.size())
      break;
    etag_view tag;
    if(text.compare(i, 2, "W/") == 0) {
      tag.weak = true;
      i += 2;
    }
    if(i >= text.size() || text[i] != '"')
      return etag_list::malformed;
    auto const close = text.find('"', i + 1);
    if(close == std::string_view::npos)
      return etag_list::malformed;
    tag.opaque = text.substr(i + 1, close - i - 1);
    if(! detail::all_etagc(tag.opaque))
      return etag_list::malformed;
    visit(tag);
    any_tag = true;
    i = close + 1;
    while(i < text.size() && detail::is_ows(text[i]))
      ++i;
    if(i < text.size() && text[i] != ',')
      return etag_list::malformed;
  }
  return any_tag ? etag_list::tags : etag_list::malformed;
}

inline std::optional<etag_condition>
parse_etag_condition(std::string_view text)
{
  etag_condition out;
  auto const found = scan_etag_condition(text, [&](const etag_view& t) {
    std::string wire = t.weak ? "W/\"" : "\"";
    wire.append(t.opaque).append(1, '"');
    out.tags.push_back(*entity_tag::parse(wire)); // the scan found it a valid tag
  });
  if(found == etag_list::malformed)
    return std::nullopt;
  out.any = found == etag_list::any;
  return out;
}

} // namespace zddc::core
