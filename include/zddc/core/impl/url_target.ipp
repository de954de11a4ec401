#pragma once

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/rfc/pchars.hpp>

namespace zddc::core {

inline result<url_target>
url_target::parse(std::string_view target)
{
  auto const parsed = boost::urls::parse_origin_form(target);
  if(! parsed)
    return error_code(path_errc::malformed_target);
  auto const path = parsed->encoded_path();
  if(path.empty() || path.front() != '/')
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
    auto const pct = boost::urls::make_pct_string_view(encoded);
    if(! pct)
      return error_code(path_errc::malformed_target);
    std::string_view segment = encoded;
    if(pct->decoded_size() != encoded.size()) { // escaped: the common segment has no escapes
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
