#pragma once
/// @file
/// The daemon's HTTP/1.1 server: Beast over Asio, one coroutine per
/// connection, `threads` single-threaded event loops (connections are dealt
/// round-robin; a connection stays on its loop).
///
/// Per connection: keep-alive; requests are read one at a time, so
/// pipelined requests are answered in order; a fresh parser per request
/// with a header limit; a request body is streamed to the role, never
/// buffered here; `Expect: 100-continue` is answered only when the role
/// starts reading the body (so a 413 goes out without the body being sent).
/// Timeouts: `idle_timeout` waiting for the first byte of a request,
/// `read_timeout` for the rest of its header (counted from that byte), for
/// each body chunk and for each response write. A connection whose request
/// body was not fully read is closed after the answer.
///
/// Before a role sees a request, its head passes request_guard.hpp
/// (framing, Host, Origin). Every response carries
/// `X-Content-Type-Options: nosniff` and `X-Frame-Options: DENY`.
///
/// Connections: at most `max_connections` (0: sized from the open-files
/// limit, see connections_max_for) are served at once. Each extra one is
/// accepted, answered `503` with `Retry-After: 1` and `Connection: close`
/// without reading its request, and closed once the client closes or after
/// a short linger (so the answer is not lost to a reset). A failed accept
/// (descriptors exhausted: EMFILE, ENFILE) pauses accepting and is logged
/// at most once per 10 s (accept_pacer).
///
/// A request header larger than `header_bytes_max` in all (not only per
/// read, as Beast's own limit counts) answers 431 and closes.
///
/// `/.zddc/health` and `/.zddc/metrics` (Prometheus text; on a server that
/// authenticates, only with a valid token unless `metrics_public`) are
/// answered here for GET and HEAD; everything else goes to the role. Health
/// is `{"status":"ok"}` for a master; a role that has more to say (a cache,
/// a mirror) gives its own document and metrics through a `status_function`.
/// Every request is logged once: method, decoded path, status, bytes,
/// duration, peer, and the principal (its name, or `-`). SIGTERM/SIGINT: stop accepting, close
/// idle connections, let in-flight requests finish for `shutdown_timeout`,
/// then stop.

#include "runtime/access.hpp"
#include "runtime/config.hpp"
#include "runtime/log.hpp"
#include "runtime/posix_filesystem.hpp"

#include <zddc/core/http_message.hpp>
#include <zddc/core/policy.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/fields.hpp>

#include <chrono>
#include <algorithm>
#include <functional>
#include <memory>
#include <optional>

namespace zddc::runtime {

using daemon_response = core::response<posix_filesystem::reader_type>;

/// A short answer of the edge's own: `body` with `type`, never cached.
inline daemon_response
text_response(boost::beast::http::status status, std::string body,
              std::string_view type = "text/plain; charset=utf-8")
{
  daemon_response r;
  r.status = status;
  r.headers.set(boost::beast::http::field::content_type, type);
  r.headers.set(boost::beast::http::field::cache_control, "no-store");
  r.body = std::move(body);
  return r;
}

/// A role's entry point on one loop.
using role_function =
  std::function<boost::asio::awaitable<daemon_response>(const core::request&, const core::principal*)>;

/// Resolves a request's credentials; nullopt = unauthenticated.
/// Makes the role for one loop (called once per loop, before any loop runs).
using role_factory = std::function<role_function(boost::asio::io_context&)>;

/// What a role says about itself: the `/.zddc/health` document, and metric
/// lines appended to the server's own (each with HELP and TYPE).
struct role_status {
  std::string health_json;
  std::string metrics;
};
/// Called on a loop's thread when health or metrics are asked for.
using status_function = std::function<role_status()>;

/// Readies an accepted connection: TCP_NODELAY, so that a response written
/// as a header then a body is not held back by Nagle's algorithm waiting for
/// the client's delayed ACK (a ~40 ms stall on every small GET).
template<class Socket>
void
prepare_accepted(Socket& socket)
{
  boost::system::error_code ignored; // a socket the peer already closed fails later, visibly
  socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
}

/// The accept loop's pause after a failed accept: `first`, doubling up to
/// `ceiling`, and back to `first` after an accept succeeds. Without it,
/// exhausted descriptors turned the loop into a busy spin (the listening
/// socket stays readable while accept fails).
class accept_backoff {
public:
  static constexpr std::chrono::milliseconds first{10};
  static constexpr std::chrono::milliseconds ceiling{1000};

  /// The pause before the next accept, after a failure.
  std::chrono::milliseconds
  next()
  {
    current_ = current_.count() == 0 ? first : std::min(current_ * 2, ceiling);
    return current_;
  }

  /// An accept succeeded.
  void reset() { current_ = std::chrono::milliseconds(0); }

private:
  std::chrono::milliseconds current_{0};
};

/// The accept loop's decisions, without I/O: after a failed accept, how
/// long to pause (accept_backoff) and whether to log (a log_throttle, one
/// line per `log_interval` carrying the failures not logged); after a
/// success, whether a closing line is due for failures not yet logged.
class accept_pacer {
public:
  using clock = log_throttle::clock;
  static constexpr std::chrono::seconds log_interval{10};

  struct after_failure {
    std::chrono::milliseconds pause;
    std::optional<std::uint64_t> log_not_logged; // set: write a line, with this count
  };

  after_failure
  failed(clock::time_point now)
  {
    auto const pause = backoff_.next();
    return {pause, log_.admit(now)};
  }

  /// Set: write a line saying accepts work again, with this count.
  std::optional<std::uint64_t>
  succeeded(clock::time_point now)
  {
    backoff_.reset();
    return log_.flush(now);
  }

private:
  accept_backoff backoff_;
  log_throttle log_{log_interval};
};

/// Runs until SIGTERM/SIGINT. `on_listening` gets the bound port (useful
/// with port 0). Returns the process exit code.
int run_http_server(const serve_config& config, role_factory make_role, edge_access access,
                    std::function<void(std::uint16_t port)> on_listening, status_function status = {});

} // namespace zddc::runtime
