#pragma once
/// @file
/// Conditional requests, evaluated in the order of RFC 9110 §13.2.2.
///
/// The seed master evaluated only If-Match, so a replaying cache's
/// If-Unmodified-Since was silently ignored and a stale offline write
/// overwrote a newer version. Every branch of the RFC's order is here, in one
/// function, with a table test beside it (tests/unit/core/preconditions.cpp).
///
/// Dates compare at one-second resolution, the resolution of HTTP dates, so
/// If-Unmodified-Since cannot see two edits within one second; If-Match with
/// a strong ETag can, which is why a replaying cache sends both (and why the
/// RFC lets If-Match take precedence).

#include <zddc/core/etag.hpp>
#include <zddc/core/field_lookup.hpp>
#include <zddc/core/http_date.hpp>
#include <zddc/core/time.hpp>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>

#include <optional>

namespace zddc::core {

/// What the server knows about the target's current representation.
struct representation_state {
  bool exists = false;
  std::optional<entity_tag> etag;          // strong, when the target exists
  std::optional<time_point> last_modified;
};

enum class precondition_outcome {
  /// Perform the method.
  proceed,
  /// GET/HEAD: answer 304 Not Modified.
  not_modified,
  /// Answer 412 Precondition Failed; nothing may change.
  failed,
  /// An If-Match or If-None-Match value is not a valid list: answer 400.
  /// (Refusing beats guessing when the header guards a write.)
  malformed,
};

/// Steps 1-4 of RFC 9110 §13.2.2 for `method` against `current`.
precondition_outcome
evaluate_preconditions(boost::beast::http::verb method,
                       const boost::beast::http::fields& request,
                       const representation_state& current);

/// Whether `request` carries any of the four preconditions (If-Match,
/// If-None-Match, If-Modified-Since, If-Unmodified-Since).
bool
has_preconditions(const boost::beast::http::fields& request) noexcept;

/// Step 5: whether a GET's Range applies, given If-Range. True when there is
/// no If-Range, or when it names the current representation exactly (a
/// strong ETag match, or a date equal to Last-Modified).
bool
if_range_holds(const boost::beast::http::fields& request, const representation_state& current);

} // namespace zddc::core

#include <zddc/core/impl/preconditions.ipp>
