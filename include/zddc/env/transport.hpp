#pragma once
/// @file
/// The Transport seam: one HTTP round trip from this node to its upstream.
///
/// Words: the *upstream* is the server a cache or mirror forwards to (its
/// master), and only that. What reaches it is a transport (`to_master`),
/// what a cache is told about it is its settings (`cache::config`), and
/// what it lists is the master's listing.
///
/// Contract (every implementation):
/// - `round_trip(request, sink)` sends `request` (streaming its body from
///   `request.body` when there is one) and completes with the response head
///   once the whole response body has been handed to `sink`, in order.
/// - It completes with an error instead when the exchange did not finish:
///   `errc::unreachable` (no connection, reset, partition), `errc::timed_out`,
///   `errc::protocol_error` (malformed or truncated response), or an error
///   the sink or source returned. The sink may then have received part of a
///   body: callers write into a temporary and keep it only on success.
/// - A transport error says nothing about whether the upstream applied the
///   request: a reply can be lost after the write happened. Callers that
///   replay writes must tolerate that (see cache/outbox).
/// - HTTP error statuses (4xx, 5xx) are successful round trips.
/// - The transport owns connections, keep-alive, TLS and socket timeouts; it
///   never follows redirects, and the only credentials it may send are the
///   ones it was configured with for this upstream.
/// - Cancellation (Asio per-operation, e.g. a Clock race) abandons the
///   exchange and completes with `operation_aborted`.

#include <zddc/core/error.hpp>
#include <zddc/core/url_target.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace zddc::env {

/// Where a request body comes from: pulled in chunks by the transport.
class body_source {
public:
  virtual ~body_source() = default;

  /// Total bytes, when known in advance (sent as Content-Length).
  virtual std::optional<std::uint64_t> size() const = 0;

  /// Fills up to `buffer.size()` bytes; 0 means the body is complete.
  virtual result<std::size_t> read(std::span<std::byte> buffer) = 0;
};

/// Where a response body goes: pushed in chunks by the transport.
class body_sink {
public:
  virtual ~body_sink() = default;

  /// Takes the next chunk; an error aborts the round trip with that error.
  virtual error_code write(std::span<const std::byte> chunk) = 0;
};

struct upstream_request {
  boost::beast::http::verb method = boost::beast::http::verb::get;
  core::url_target target = core::encode(core::repo_path());
  boost::beast::http::fields headers;
  body_source* body = nullptr; // not owned; null for no body
};

struct upstream_response {
  boost::beast::http::status status = boost::beast::http::status::unknown;
  boost::beast::http::fields headers;
};

template<class T>
concept Transport = requires(T& transport, upstream_request request, body_sink& sink) {
  { transport.round_trip(std::move(request), sink) }
    -> std::same_as<boost::asio::awaitable<result<upstream_response>>>;
};

} // namespace zddc::env
