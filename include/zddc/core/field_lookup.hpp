#pragma once
/// @file
/// Looking up a header field Beast knows by name, in one pass over the
/// fields.
///
/// Beast's `find(field)` and `count(field)` look the name up as a string,
/// case-insensitively, in an ordered set. Every field Beast knows is stored
/// with the `field` value its name was parsed into, so comparing that value
/// along the list answers the same question with no string work: for the
/// handful of fields a request carries, several times cheaper (the edge
/// and the role ask for seven or eight of them on each request). Not for `field::unknown`, which names no one
/// field; look those up by their name with Beast.

#include <zddc/core/assert.hpp>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/fields.hpp>

#include <cstddef>

namespace zddc::core {

/// The first field named `name`, or `fields.end()`.
inline boost::beast::http::fields::const_iterator
find_field(const boost::beast::http::fields& fields, boost::beast::http::field name) noexcept
{
  ZDDC_ASSERT(name != boost::beast::http::field::unknown);
  auto it = fields.begin();
  while(it != fields.end() && it->name() != name)
    ++it;
  return it;
}

/// How many fields are named `name`.
inline std::size_t
count_field(const boost::beast::http::fields& fields, boost::beast::http::field name) noexcept
{
  ZDDC_ASSERT(name != boost::beast::http::field::unknown);
  std::size_t n = 0;
  for(auto const& f : fields)
    n += f.name() == name;
  return n;
}

} // namespace zddc::core
