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
/// Timeouts: `idle_timeout` waiting for a request, `read_timeout` for the
/// rest of a header and for each body chunk or response write. A connection
/// whose request body was not fully read is closed after the answer.
///
/// `/.zddc/health` and `/.zddc/metrics` (Prometheus text) are answered here;
/// everything else goes to the role. SIGTERM/SIGINT: stop accepting, close
/// idle connections, let in-flight requests finish for `shutdown_timeout`,
/// then stop.

#include "runtime/config.hpp"
#include "runtime/posix_filesystem.hpp"

#include <zddc/core/http_message.hpp>
#include <zddc/core/policy.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/fields.hpp>

#include <functional>
#include <memory>
#include <optional>

namespace zddc::runtime {

using daemon_response = core::response<posix_filesystem::reader_type>;

/// A role's entry point on one loop.
using role_function =
  std::function<boost::asio::awaitable<daemon_response>(const core::request&, const core::principal*)>;

/// Resolves a request's credentials; nullopt = unauthenticated.
using authenticator = std::function<std::optional<core::principal>(const boost::beast::http::fields&)>;

/// Makes the role for one loop (called once per loop, before any loop runs).
using role_factory = std::function<role_function(boost::asio::io_context&)>;

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

/// Runs until SIGTERM/SIGINT. `on_listening` gets the bound port (useful
/// with port 0). Returns the process exit code.
int run_http_server(const serve_config& config, role_factory make_role, authenticator authenticate,
                    std::function<void(std::uint16_t port)> on_listening);

} // namespace zddc::runtime
