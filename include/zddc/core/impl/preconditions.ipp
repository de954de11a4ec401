#pragma once

namespace zddc::core {
namespace detail {

inline bool
is_get_or_head(boost::beast::http::verb m) noexcept
{
  return m == boost::beast::http::verb::get || m == boost::beast::http::verb::head;
}

inline std::optional<time_point>
header_date(const boost::beast::http::fields& f, boost::beast::http::field name)
{
  auto const it = find_field(f, name);
  if(it == f.end())
    return std::nullopt;
  return parse_http_date(it->value());
}

// §13.1.1 If-Match: `*` holds when the target exists; a list holds when one
// tag strongly matches the current ETag. Nullopt: the value is malformed.
inline std::optional<bool>
if_match_holds(std::string_view value, const representation_state& cur)
{
  bool matched = false;
  auto const found = scan_etag_condition(value, [&](const etag_view& t) {
    matched |= cur.etag && strong_match(t, *cur.etag);
  });
  if(found == etag_list::malformed)
    return std::nullopt;
  if(found == etag_list::any)
    return cur.exists;
  return cur.exists && matched;
}

// §13.1.2 If-None-Match: `*` holds when the target does not exist; a list
// holds when no tag weakly matches the current ETag. Nullopt: the value is
// malformed.
inline std::optional<bool>
if_none_match_holds(std::string_view value, const representation_state& cur)
{
  bool matched = false;
  auto const found = scan_etag_condition(value, [&](const etag_view& t) {
    matched |= cur.etag && weak_match(t, *cur.etag);
  });
  if(found == etag_list::malformed)
    return std::nullopt;
  if(found == etag_list::any)
    return ! cur.exists;
  return ! cur.exists || ! matched;
}

} // namespace detail

inline precondition_outcome
evaluate_preconditions(boost::beast::http::verb method,
                       const boost::beast::http::fields& request,
                       const representation_state& current)
{
  using boost::beast::http::field;
  auto const if_match = find_field(request, field::if_match);
  auto const if_none_match = find_field(request, field::if_none_match);

  // Step 1: If-Match, else Step 2: If-Unmodified-Since.
  if(if_match != request.end()) {
    auto const holds = detail::if_match_holds(if_match->value(), current);
    if(! holds)
      return precondition_outcome::malformed;
    if(! *holds)
      return precondition_outcome::failed;
  } else if(auto const ius = detail::header_date(request, field::if_unmodified_since)) {
    // A target without a modification date ignores the header (§13.1.4).
    if(current.exists && current.last_modified &&
       truncate_to_seconds(*current.last_modified) > *ius)
      return precondition_outcome::failed;
  }

  // Step 3: If-None-Match, else Step 4: If-Modified-Since (GET/HEAD only).
  if(if_none_match != request.end()) {
    auto const holds = detail::if_none_match_holds(if_none_match->value(), current);
    if(! holds)
      return precondition_outcome::malformed;
    if(! *holds)
      return detail::is_get_or_head(method) ? precondition_outcome::not_modified
                                            : precondition_outcome::failed;
  } else if(detail::is_get_or_head(method)) {
    if(auto const ims = detail::header_date(request, field::if_modified_since)) {
      if(current.exists && current.last_modified &&
         truncate_to_seconds(*current.last_modified) <= *ims)
        return precondition_outcome::not_modified;
    }
  }
  return precondition_outcome::proceed;
}

inline bool
has_preconditions(const boost::beast::http::fields& request) noexcept
{
  using boost::beast::http::field;
  for(auto const& f : request)
    switch(f.name()) {
    case field::if_match:
    case field::if_none_match:
    case field::if_modified_since:
    case field::if_unmodified_since:
      return true;
    default:
      break;
    }
  return false;
}

inline bool
if_range_holds(const boost::beast::http::fields& request, const representation_state& current)
{
  auto const it = find_field(request, boost::beast::http::field::if_range);
  if(it == request.end())
    return true;
  if(! current.exists)
    return false;
  auto const value = it->value();
  if(value.starts_with('"') || value.starts_with("W/")) {
    auto const tag = entity_tag::parse(value);
    return tag && current.etag && strong_match(*tag, *current.etag);
  }
  auto const date = parse_http_date(value);
  return date && current.last_modified && truncate_to_seconds(*current.last_modified) == *date;
}

} // namespace zddc::core
