#pragma once

#include <zddc/core/assert.hpp>

namespace zddc::core {
namespace detail {

class path_category_impl final : public boost::system::error_category {
public:
  constexpr path_category_impl() noexcept : error_category(0x7a6464635f706174ULL) {}

  const char*
  name() const noexcept override
  {
    return "zddc.path";
  }

  std::string
  message(int ev) const override
  {
    switch(static_cast<path_errc>(ev)) {
    case path_errc::empty_segment: return "empty path segment";
    case path_errc::dot_segment: return "'.' or '..' path segment";
    case path_errc::slash_in_segment: return "'/' inside a path segment";
    case path_errc::backslash_in_segment: return "'\\' inside a path segment";
    case path_errc::control_character: return "control character in a path segment";
    case path_errc::invalid_utf8: return "path segment is not valid UTF-8";
    case path_errc::reserved_name: return "path segment names a reserved server file";
    case path_errc::segment_too_long: return "path segment too long";
    case path_errc::path_too_long: return "path too long or too deep";
    case path_errc::malformed_target: return "malformed request target";
    }
    return "unknown path error";
  }
};

constexpr unsigned char
ascii_lower(unsigned char c) noexcept
{
  return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c - 'A' + 'a') : c;
}

// Validates UTF-8 and refuses control characters in one pass.
// Well-formed sequences per RFC 3629 / Unicode Table 3-7.
inline error_code
check_utf8_text(std::string_view s) noexcept
{
  std::size_t i = 0;
  while(i < s.size()) {
    auto const c = static_cast<unsigned char>(s[i]);
    if(c < 0x80) {
      if(c < 0x20 || c == 0x7f)
        return path_errc::control_character;
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xbf; // allowed range of the second byte
    if(c >= 0xc2 && c <= 0xdf) {
      len = 2;
    } else if(c == 0xe0) {
      len = 3; lo = 0xa0;              // no overlong 3-byte forms
    } else if((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef) {
      len = 3;
    } else if(c == 0xed) {
      len = 3; hi = 0x9f;              // no UTF-16 surrogates
    } else if(c == 0xf0) {
      len = 4; lo = 0x90;              // no overlong 4-byte forms
    } else if(c >= 0xf1 && c <= 0xf3) {
      len = 4;
    } else if(c == 0xf4) {
      len = 4; hi = 0x8f;              // nothing past U+10FFFF
    } else {
      return path_errc::invalid_utf8;  // 0x80-0xc1 lead, 0xf5-0xff
    }
    if(s.size() - i < len)
      return path_errc::invalid_utf8;
    auto const b1 = static_cast<unsigned char>(s[i + 1]);
    if(b1 < lo || b1 > hi)
      return path_errc::invalid_utf8;
    for(std::size_t k = 2; k < len; ++k) {
      auto const b = static_cast<unsigned char>(s[i + k]);
      if(b < 0x80 || b > 0xbf)
        return path_errc::invalid_utf8;
    }
    if(len == 2 && c == 0xc2 && b1 <= 0x9f)
      return path_errc::control_character; // C1 controls U+0080..U+009F
    if(len == 3 && c == 0xe2) {
      auto const b2 = static_cast<unsigned char>(s[i + 2]);
      if((b1 == 0x80 && b2 >= 0xaa && b2 <= 0xae) || (b1 == 0x81 && b2 >= 0xa6 && b2 <= 0xa9))
        return path_errc::control_character; // bidi overrides U+202A..E, isolates U+2066..9
    }
    i += len;
  }
  return {};
}

} // namespace detail

inline const boost::system::error_category&
path_category() noexcept
{
  static constexpr detail::path_category_impl instance;
  return instance;
}

constexpr bool
is_reserved_name(std::string_view name) noexcept
{
  if(name.size() < reserved_prefix.size())
    return false;
  for(std::size_t i = 0; i < reserved_prefix.size(); ++i)
    if(detail::ascii_lower(static_cast<unsigned char>(name[i])) !=
       static_cast<unsigned char>(reserved_prefix[i]))
      return false;
  return true;
}

inline error_code
validate_segment(std::string_view segment, bool allow_reserved) noexcept
{
  if(segment.empty())
    return path_errc::empty_segment;
  if(segment == "." || segment == "..")
    return path_errc::dot_segment;
  if(segment.size() > segment_bytes_max)
    return path_errc::segment_too_long;
  if(segment.find('/') != std::string_view::npos)
    return path_errc::slash_in_segment;
  if(segment.find('\\') != std::string_view::npos)
    return path_errc::backslash_in_segment;
  if(auto ec = detail::check_utf8_text(segment))
    return ec;
  if(! allow_reserved && is_reserved_name(segment))
    return path_errc::reserved_name;
  return {};
}

inline result<store_path>
store_path::parse_impl(std::string_view joined, limits lim)
{
  if(joined.empty())
    return store_path();
  if(joined.size() > lim.bytes_max)
    return error_code(path_errc::path_too_long);
  std::size_t depth = 0;
  std::size_t start = 0;
  for(;;) {
    auto const slash = joined.find('/', start);
    auto const seg = joined.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if(auto ec = validate_segment(seg, lim.allow_reserved))
      return ec;
    if(++depth > lim.depth_max)
      return error_code(path_errc::path_too_long);
    if(slash == std::string_view::npos)
      break;
    start = slash + 1;
  }
  return store_path(std::string(joined));
}

inline result<store_path>
store_path::parse(std::string_view joined)
{
  return parse_impl(joined, store_limits);
}

inline result<store_path>
store_path::child(std::string_view name) const
{
  return child_impl(name, store_limits);
}

inline result<store_path>
store_path::child_impl(std::string_view name, limits lim) const
{
  store_path out;
  out.joined_.reserve(joined_.size() + 1 + name.size());
  out.joined_ = joined_;
  if(auto ec = out.append_impl(name, lim))
    return ec;
  return out;
}

inline error_code
store_path::append_impl(std::string_view name, limits lim)
{
  if(auto ec = validate_segment(name, lim.allow_reserved))
    return ec;
  if(depth() + 1 > lim.depth_max || joined_.size() + 1 + name.size() > lim.bytes_max)
    return error_code(path_errc::path_too_long);
  if(! joined_.empty())
    joined_ += '/';
  joined_ += name;
  return {};
}

inline store_path
store_path::parent() const
{
  ZDDC_ASSERT(! is_root());
  auto const slash = joined_.rfind('/');
  if(slash == std::string::npos)
    return store_path();
  return store_path(joined_.substr(0, slash));
}

inline std::string_view
store_path::name() const& noexcept
{
  auto const slash = joined_.rfind('/');
  return slash == std::string::npos ? std::string_view(joined_)
                                    : std::string_view(joined_).substr(slash + 1);
}

inline std::size_t
store_path::depth() const noexcept
{
  if(joined_.empty())
    return 0;
  std::size_t n = 1;
  for(char c : joined_)
    n += (c == '/');
  return n;
}

inline bool
store_path::is_within(const store_path& ancestor) const noexcept
{
  if(ancestor.joined_.empty())
    return true;
  if(! std::string_view(joined_).starts_with(ancestor.joined_))
    return false;
  return joined_.size() == ancestor.joined_.size() || joined_[ancestor.joined_.size()] == '/';
}

inline bool
store_path::has_reserved_segment() const noexcept
{
  std::size_t start = 0;
  while(start < joined_.size()) {
    auto slash = joined_.find('/', start);
    if(slash == std::string::npos)
      slash = joined_.size();
    if(is_reserved_name(std::string_view(joined_).substr(start, slash - start)))
      return true;
    start = slash + 1;
  }
  return false;
}

inline result<repo_path>
repo_path::parse(std::string_view joined)
{
  auto p = store_path::parse_impl(joined, store_path::repo_limits);
  if(! p)
    return p.error();
  return repo_path(std::move(*p));
}

inline result<repo_path>
repo_path::child(std::string_view name) const
{
  auto p = path_.child_impl(name, store_path::repo_limits);
  if(! p)
    return p.error();
  return repo_path(std::move(*p));
}

inline error_code
repo_path::append(std::string_view name)
{
  return path_.append_impl(name, store_path::repo_limits);
}

inline store_path
repo_path::reserved_child(std::string_view name) const
{
  ZDDC_ASSERT(is_reserved_name(name) && name.size() <= reserved_name_bytes_max);
  auto p = path_.child(name);
  // A repo_path is at most repo_path_bytes_max long and repo_path_depth_max
  // deep, which leaves exactly this much room.
  ZDDC_ASSERT(p.has_value());
  return std::move(*p);
}

} // namespace zddc::core
