#pragma once

#include <boost/url/encode.hpp>
#include <boost/url/grammar/hexdig_chars.hpp>
#include <boost/url/grammar/lut_chars.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/rfc/pchars.hpp>

namespace zddc::core {

namespace detail {

// RFC 3986's characters for a path (pchar and '/') and for a query (those
// and '?'); anything else must be a %XX escape.
inline constexpr boost::urls::grammar::lut_chars target_path_chars = boost::urls::pchars + '/';
inline constexpr boost::urls::grammar::lut_chars target_query_chars = target_path_chars + '?';

// Whether every byte of `s` is in `allowed` or begins a %XX escape.
inline bool
only_chars_and_escapes(std::string_view s, const boost::urls::grammar::lut_chars& allowed) noexcept
{
  for(std::size_t i = 0; i < s.size();) {
    if(allowed(s[i])) {
      ++i;
      continue;
    }
    if(s[i] != '%' || s.size() - i < 3 || ! boost::urls::grammar::hexdig_chars(s[i + 1]) ||
       ! boost::urls::grammar::hexdig_chars(s[i + 2]))
      return false;
    i += 3;
  }
  return true;
}

} // namespace detail

// origin-form = absolute-path [ "?" query ] (RFC 9112 §3.2.1), checked with
// Boost.URL's character sets in one pass over the bytes: its
// parse_origin_form takes the same targets (a property test holds the two
// together) but builds a whole url_view on the way, which cost 1 300
// instructions of a 17 500-instruction 304.
inline result<url_target>
url_target::parse(std::string_view target)
{
  if(target.empty() || target.front() != '/')
    return error_code(path_errc::malformed_target);
  auto const question = target.find('?');
  auto const path = target.substr(0, question);
  if(! detail::only_chars_and_escapes(path, detail::target_path_chars) ||
     (question != std::string_view::npos &&
      ! detail::only_chars_and_escapes(target.substr(question + 1), detail::target_query_chars)))
    return error_code(path_errc::malformed_target);
  return url_target(std::string(target), path.size());
}

inline std::optional<std::string_view>
url_target::encoded_query() const noexcept
{
  if(path_bytes_ == s_.size())
    return std::nullopt;
  return std::string_view(s_).substr(path_bytes_ + 1);
}

inline url_target
url_target::with_query(std::string_view encoded_query) const
{
  std::string s(encoded_path());
  s.append(1, '?').append(encoded_query);
  auto const path_bytes = path_bytes_;
  return url_target(std::move(s), path_bytes);
}

inline result<decoded_target>
decode(const url_target& target)
{
  std::string_view rest = target.encoded_path();
  rest.remove_prefix(1); // the leading '/', guaranteed by url_target::parse
  decoded_target out;
  if(rest.empty()) {
    out.form = target_form::directory;
    return out;
  }
  if(rest.back() == '/') {
    out.form = target_form::directory;
    rest.remove_suffix(1);
  }
  if(rest.size() > path_bytes_max * 3)
    return error_code(path_errc::path_too_long);
  std::string decoded; // one segment's, when it has escapes
  for(;;) {
    auto const slash = rest.find('/');
    auto const encoded = rest.substr(0, slash);
    std::string_view segment = encoded;
    if(encoded.find('%') != std::string_view::npos) { // escaped: the common segment has no escapes
      auto const pct = boost::urls::make_pct_string_view(encoded);
      if(! pct)
        return error_code(path_errc::malformed_target);
      pct->decode({}, boost::urls::string_token::assign_to(decoded));
      segment = decoded;
    }
    if(auto ec = out.path.append(segment))
      return ec;
    if(slash == std::string_view::npos)
      break;
    rest.remove_prefix(slash + 1);
  }
  return out;
}

inline url_target
encode(const repo_path& path, target_form form)
{
  std::string s(1, '/');
  std::string_view rest = path.str();
  while(! rest.empty()) {
    auto const slash = rest.find('/');
    s += boost::urls::encode(rest.substr(0, slash), boost::urls::pchars);
    if(slash == std::string_view::npos)
      break;
    s += '/';
    rest.remove_prefix(slash + 1);
  }
  if(form == target_form::directory && ! path.is_root())
    s += '/';
  auto const path_bytes = s.size();
  return url_target(std::move(s), path_bytes);
}

} // namespace zddc::core
