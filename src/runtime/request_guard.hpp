#pragma once
/// @file
/// What the HTTP edge refuses before a request reaches a role, as pure
/// functions of the request head. The server applies them in this order:
///
/// 1. Framing (RFC 9112 §6.1, §6.3). A `Transfer-Encoding` must be one
///    field saying exactly `chunked` (we support no other coding), on
///    HTTP/1.1, without `Content-Length`. Anything else answers 400 and
///    closes the connection: where such a body ends cannot be known, and
///    bytes taken for a next request would be a smuggled one.
/// 2. Host (RFC 9112 §3.2; DNS rebinding). An HTTP/1.1 request carries
///    exactly one valid `Host` (else 400). Its name must be one the server
///    answers to, else 421 Misdirected Request: the listen address,
///    `localhost`, `127.0.0.1`, `[::1]`, the `--allowed-host` names, and,
///    when listening on a wildcard address (0.0.0.0, ::), any IP literal
///    (a literal cannot be rebound to us by someone else's DNS). A port is
///    compared only when the allowed name carries one; `*` allows any Host.
/// 3. Origin (cross-origin writes). A request with an unsafe method
///    (anything but GET, HEAD, OPTIONS, TRACE) that carries an `Origin`
///    must come from this server's own origin, else 403: the Origin's host
///    and port equal the Host's (the port defaulting from the Origin's
///    scheme), and its scheme is https on a TLS server (http or https
///    otherwise, for a TLS proxy in front that passes Host through).
///    `Origin: null` (a sandboxed document, a privacy redirect) is refused.
/// 4. CSRF, after authentication. A write authenticated by the browser's
///    session cookie (the one credential a browser sends on its own) must
///    prove it comes from this server's own page: it carries an `Origin`
///    (matched in step 3) and the session's CSRF token in `X-Zddc-Csrf`,
///    else 403. Bearer and Basic credentials need neither: a browser never
///    attaches them to a cross-site request by itself.

#include "runtime/access.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zddc::runtime {

/// A `Host` value: the host lower-cased (an IP literal in its canonical
/// form, IPv6 in brackets) and the port when one was written.
struct authority {
  std::string host;
  std::optional<std::uint16_t> port;

  friend bool operator==(const authority&, const authority&) = default;
};

/// Parses `host[:port]` (RFC 9110 §7.2: a reg-name or an IP literal, an
/// optional decimal port; `host:` has none). nullopt when malformed.
std::optional<authority> parse_authority(std::string_view text);

/// The names a server answers to (see step 2 above).
class host_allowlist {
public:
  /// `listen_host` as configured (an IP address, IPv6 without brackets);
  /// `allowed` are `--allowed-host` items: `*` or what parse_authority
  /// takes. @throws std::invalid_argument on an item it does not take.
  host_allowlist(std::string_view listen_host, const std::vector<std::string>& allowed);

  bool allows(const authority& a) const;

  /// Whether `host` (in parse_authority's form) with `port` is one of the
  /// names listed, whatever `*` and a listen address of 0.0.0.0 or `::`
  /// allow besides.
  bool names(std::string_view host, std::optional<std::uint16_t> port) const;

private:
  std::vector<authority> names_;
  bool any_ = false;
  bool any_ip_literal_ = false;
};

/// Why the edge refuses a request: the status, a one-line reason for the
/// body, and whether the connection must close after the answer.
struct edge_refusal {
  boost::beast::http::status status;
  std::string_view reason;
  bool close;
};

using request_head = boost::beast::http::request_header<>;

/// Step 1 above.
std::optional<edge_refusal> check_framing(const request_head& head);

/// Step 2 above.
std::optional<edge_refusal> check_host(const request_head& head, const host_allowlist& hosts);

/// Step 3 above; `tls`: this server speaks HTTPS itself.
std::optional<edge_refusal> check_origin(const request_head& head, bool tls);

/// Steps 1 to 3, the first refusal.
std::optional<edge_refusal> check_request_head(const request_head& head, const host_allowlist& hosts, bool tls);

/// GET, HEAD, OPTIONS and TRACE.
bool is_safe_method(boost::beast::http::verb m) noexcept;

/// Step 4 above, for a request authenticated as `who`.
std::optional<edge_refusal> check_csrf(boost::beast::http::verb method, const boost::beast::http::fields& headers,
                                       const authentication& who);

} // namespace zddc::runtime
