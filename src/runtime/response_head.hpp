#pragma once
/// @file
/// A response's head as the bytes that go on the wire.
///
/// The head is formatted into one buffer that the connection keeps from one
/// request to the next, so that a head and a body held in memory go out in
/// one gathered write of two buffers. Beast's serializer would present the
/// status line and each field as a buffer of its own, walked through a
/// concatenation of views on every write; for a small file that walk cost
/// more than the write.

#include <zddc/core/time.hpp>

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/status.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace zddc::runtime {

/// How the body after a head is delimited.
struct body_framing {
  enum class kind {
    as_given,       // no body follows (HEAD, 304, 204): the fields say what they say
    content_length, // exactly `length` bytes follow
    chunked,        // Transfer-Encoding: chunked
  };
  kind how = kind::as_given;
  std::uint64_t length = 0;

  static body_framing none() { return {kind::as_given, 0}; }
  static body_framing bytes(std::uint64_t n) { return {kind::content_length, n}; }
  static body_framing chunks() { return {kind::chunked, 0}; }
};

/// What the edge adds to every head.
struct edge_fields {
  unsigned version = 11;  // the request's: 10 or 11
  bool keep_alive = true;
  bool tls = false;       // adds Strict-Transport-Security
  std::string_view date;  // the Date field's value; empty for a server without a clock
};

/// The Date field's value for the present moment (RFC 9110 §6.6.1: an
/// origin server with a clock sends it on every 2xx, 3xx and 4xx answer).
/// A date has one-second resolution, so the text is formatted once per
/// second and reused for every answer within it.
class date_field {
public:
  /// IMF-fixdate of `now`; valid until the next call.
  std::string_view at(core::time_point now);

private:
  std::chrono::sys_seconds second_ = std::chrono::sys_seconds::min();
  std::string text_;
};

/// Writes into `out` (replacing what it held) the status line, `fields`,
/// the edge's own fields (Server, Date unless `edge.date` is empty,
/// X-Content-Type-Options, X-Frame-Options, and HSTS over TLS), the framing
/// and the connection's persistence as HTTP/1.x says them, and the blank
/// line. With a framing other than
/// `as_given`, any Content-Length or Transfer-Encoding in `fields` is
/// replaced by the framing's own.
void format_response_head(std::string& out, boost::beast::http::status status, const boost::beast::http::fields& fields,
                          body_framing framing, edge_fields edge);

} // namespace zddc::runtime
