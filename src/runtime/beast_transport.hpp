#pragma once
/// @file
/// The daemon's Transport (env/transport.hpp): an HTTP/1.1 client for one
/// upstream master, over Beast, with a keep-alive pool and optional TLS.
///
/// - Upstream: `http://host[:port][/prefix]` or `https://...`. A path prefix
///   is prepended to every request target, so a master mounted under a
///   prefix behind a reverse proxy works. No userinfo, query or fragment.
/// - Credentials: the configured bearer goes out as
///   `Authorization: Bearer <token>` on every request, replacing any
///   Authorization the caller set; without one, no Authorization is sent.
/// - Framing belongs to the transport: the caller's Host, Content-Length,
///   Transfer-Encoding, Connection, Keep-Alive, TE, Trailer, Upgrade, Expect
///   and Proxy-* fields are dropped. A request body streams from its source
///   in chunks, with Content-Length when `size()` is known (exactly that many
///   bytes are sent; a source that ends early fails the exchange with
///   `errc::protocol_error`), chunked otherwise. A response body streams to
///   the sink in chunks; hop-by-hop fields are removed from the response head.
/// - Keep-alive: a connection returns to the pool only after a complete
///   response that allows reuse, with nothing left over in its buffer. The
///   pool keeps at most `idle_connections_max` (the least recently used goes
///   first); a pooled connection the peer has already closed (or sent
///   unsolicited bytes on) is discarded before use.
/// - Stale keep-alive retry: a reused connection that fails as closed by the
///   peer (EOF, reset, broken pipe) before any response byte arrived and
///   before any byte was pulled from the request body is retried once, on a
///   fresh connection, whatever the method. This is what browsers and curl do:
///   the peer closed an idle connection as our request crossed it. The
///   request may in rare cases have been seen by the upstream, which the
///   Transport contract already leaves to callers (preconditions on replay).
///   A body source cannot be rewound, so once body bytes were read the
///   failure is reported instead (`errc::unreachable`).
/// - An early answer: when the upstream answers and closes while the request
///   body is still being sent (a 413 or 401 before reading the body), the
///   failed write is followed by an attempt to read that answer, which is
///   then returned as a normal response (the connection is not reused).
/// - Errors: resolve/connect/TLS handshake failures, resets and EOF before the
///   response head → `errc::unreachable`; no progress for `connect_timeout`
///   while connecting or `io_timeout` during an exchange → `errc::timed_out`;
///   a malformed, oversized (header) or truncated response, or a 101 →
///   `errc::protocol_error`; sink and source errors are returned as they
///   are; cancellation through the awaiting coroutine's cancellation slot →
///   `operation_aborted`, promptly (name resolution excepted: a running
///   `getaddrinfo` cannot be interrupted and is bounded by the system
///   resolver's own timeouts).
/// - TLS (https): OpenSSL through Asio, TLS 1.2+, the peer certificate
///   verified against the system's default trust store (plus `ca_file`),
///   with SNI and host name verification. An EOF-delimited body must end with
///   a TLS close_notify; a truncated TLS stream is a truncated response.
/// - Never follows redirects: a 3xx is returned like any other status.
/// - Used from one thread, its executor's; it must outlive its round trips.
///   Concurrent round trips each use their own connection.

#include <zddc/env/transport.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zddc::runtime {

struct beast_transport_options {
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(5); // TCP connect, then TLS handshake
  std::chrono::milliseconds io_timeout = std::chrono::seconds(30); // longest wait without progress in an exchange
  std::size_t idle_connections_max = 4;      // kept open for reuse
  std::size_t header_bytes_max = 64 * 1024;  // response status line and fields
  std::string ca_file; // PEM certificates trusted besides the system's (a self-signed upstream)
};

class beast_transport {
public:
  /// @throws config_error (runtime/config.hpp) when `upstream_url` is not an
  /// http(s) URL this transport can use, when `bearer` is not a single
  /// token of visible ASCII, or when `options.ca_file` cannot be loaded.
  beast_transport(boost::asio::any_io_executor executor, std::string_view upstream_url,
                  std::optional<std::string> bearer = std::nullopt, beast_transport_options options = {});
  ~beast_transport();

  beast_transport(const beast_transport&) = delete;
  beast_transport& operator=(const beast_transport&) = delete;

  boost::asio::awaitable<result<env::upstream_response>>
  round_trip(env::upstream_request request, env::body_sink& sink);

  /// Connections waiting in the pool now.
  std::size_t idle_connections() const noexcept { return idle_.size(); }

private:
  struct connection;

  boost::asio::awaitable<result<env::upstream_response>>
  round_trip_with_retry(const env::upstream_request& request, env::body_sink& sink);
  boost::asio::awaitable<result<std::unique_ptr<connection>>> connect();
  std::unique_ptr<connection> take_idle();
  void put_idle(std::unique_ptr<connection> c);

  boost::asio::any_io_executor executor_;
  beast_transport_options options_;
  std::optional<std::string> authorization_; // "Bearer <token>"
  bool tls_ = false;
  std::string host_;        // to resolve, for SNI and for certificate verification
  std::string port_;        // decimal
  std::string host_field_;  // the Host header: host[:port] as in the URL
  std::string prefix_;      // encoded path prefix without a trailing '/', or empty
  std::unique_ptr<boost::asio::ssl::context> tls_context_;
  std::vector<std::unique_ptr<connection>> idle_; // oldest first
};

static_assert(env::Transport<beast_transport>);

} // namespace zddc::runtime
