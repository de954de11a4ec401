#pragma once
/// @file
/// One parameter of a query string or an HTML form body
/// (`application/x-www-form-urlencoded`), decoded.

#include <boost/url/encoding_opts.hpp>
#include <boost/url/params_view.hpp>
#include <boost/url/parse_query.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace zddc::core {

/// The decoded value of the first parameter named `name` in `query` (the
/// text after `?`, or a form body; `+` reads as a space): an empty string
/// for a bare `name` or `name=`, nullopt when it is absent or `query` is not
/// a valid query.
inline std::optional<std::string>
query_value(std::string_view query, std::string_view name)
{
  // A copy: Boost.URL 1.81's parse_query reads past the end of a view that
  // is not NUL-terminated (a query cut from a request target is not).
  std::string const text(query);
  if(! boost::urls::parse_query(text))
    return std::nullopt;
  boost::urls::encoding_opts opts;
  opts.space_as_plus = true;
  boost::urls::params_view const params(text, opts);
  for(auto const& p : params)
    if(p.key == name)
      return p.has_value ? p.value : std::string();
  return std::nullopt;
}

} // namespace zddc::core
