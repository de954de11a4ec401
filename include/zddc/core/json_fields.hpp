#pragma once
/// @file
/// Reading the fields of a JSON object, with one set of rules for every
/// document ZDDC reads back (listings, outbox entries, mirror state, the
/// token store):
///
/// - a required field that is missing, or any field of the wrong type, is
///   `errc::protocol_error`; an optional field is absent or well-typed, never
///   "wrong, so ignored";
/// - a count (a size, a number of things) is an integer from 0 up; a
///   negative one is an error, never cast to a huge unsigned;
/// - an integer is any value Boost.JSON holds exactly as `std::int64_t`.
///
/// Each returns a view into the document, valid while it lives.

#include <zddc/core/error.hpp>

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string_view>

namespace zddc::core::json_fields {

namespace detail {

inline result<const boost::json::value*>
find(const boost::json::object& o, std::string_view key, bool required)
{
  auto const* v = o.if_contains(key);
  if(! v && required)
    return error_code(errc::protocol_error);
  return v;
}

inline result<std::uint64_t>
count_of(const boost::json::value& v)
{
  if(auto const* u = v.if_uint64())
    return *u;
  if(auto const* i = v.if_int64(); i && *i >= 0)
    return static_cast<std::uint64_t>(*i);
  return error_code(errc::protocol_error);
}

} // namespace detail

inline result<std::string_view>
required_string(const boost::json::object& o, std::string_view key)
{
  auto v = detail::find(o, key, true);
  if(! v)
    return v.error();
  if(auto const* s = (*v)->if_string())
    return std::string_view(*s);
  return error_code(errc::protocol_error);
}

inline result<std::optional<std::string_view>>
optional_string(const boost::json::object& o, std::string_view key)
{
  auto const* v = o.if_contains(key);
  if(! v)
    return std::optional<std::string_view>();
  if(auto const* s = v->if_string())
    return std::optional<std::string_view>(std::string_view(*s));
  return error_code(errc::protocol_error);
}

/// A non-negative integer.
inline result<std::uint64_t>
required_count(const boost::json::object& o, std::string_view key)
{
  auto v = detail::find(o, key, true);
  if(! v)
    return v.error();
  return detail::count_of(**v);
}

inline result<std::optional<std::uint64_t>>
optional_count(const boost::json::object& o, std::string_view key)
{
  auto const* v = o.if_contains(key);
  if(! v)
    return std::optional<std::uint64_t>();
  auto n = detail::count_of(*v);
  if(! n)
    return n.error();
  return std::optional<std::uint64_t>(*n);
}

/// Any integer that fits `std::int64_t` (a time in nanoseconds, say).
inline result<std::int64_t>
required_integer(const boost::json::object& o, std::string_view key)
{
  auto v = detail::find(o, key, true);
  if(! v)
    return v.error();
  if(auto const* i = (*v)->if_int64())
    return *i;
  if(auto const* u = (*v)->if_uint64(); u && *u <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(*u);
  return error_code(errc::protocol_error);
}

inline result<bool>
required_bool(const boost::json::object& o, std::string_view key)
{
  using out = result<bool>; // bool and error_code both convert: say which
  auto v = detail::find(o, key, true);
  if(! v)
    return out(boost::system::in_place_error, v.error());
  if(auto const* b = (*v)->if_bool())
    return out(boost::system::in_place_value, *b);
  return out(boost::system::in_place_error, errc::protocol_error);
}

inline result<const boost::json::object*>
optional_object(const boost::json::object& o, std::string_view key)
{
  auto const* v = o.if_contains(key);
  if(! v)
    return static_cast<const boost::json::object*>(nullptr);
  if(auto const* obj = v->if_object())
    return obj;
  return error_code(errc::protocol_error);
}

inline result<const boost::json::object*>
required_object(const boost::json::object& o, std::string_view key)
{
  auto v = optional_object(o, key);
  if(v && ! *v)
    return error_code(errc::protocol_error);
  return v;
}

inline result<const boost::json::array*>
required_array(const boost::json::object& o, std::string_view key)
{
  auto v = detail::find(o, key, true);
  if(! v)
    return v.error();
  if(auto const* a = (*v)->if_array())
    return a;
  return error_code(errc::protocol_error);
}

} // namespace zddc::core::json_fields
