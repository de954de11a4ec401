#pragma once
/// @file
/// Who is calling, as the HTTP edge learns it before a request reaches a
/// role, and the browser sign-in that a server with tokens offers.
///
/// A request proves who it is with a token (`Authorization: Bearer`, or
/// Basic with the token as password) or with a browser session (a cookie
/// set by signing in at `/.zddc/login`). Only the session is sent by the
/// browser on its own, so only a session-authenticated write must also
/// prove it comes from this server's own page (the edge's CSRF check).
/// Servers without tokens (`--no-auth`, a cache, a mirror) let everyone
/// in as one principal and have no sign-in.

#include "runtime/sessions.hpp"

#include <zddc/core/policy.hpp>

#include <boost/beast/http/fields.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace zddc::runtime {

enum class credential_kind {
  none,    // no credential needed here (--no-auth, a cache, a mirror)
  bearer,  // Authorization: Bearer
  basic,   // Authorization: Basic, the token as password
  session, // the browser's session cookie
};

struct authentication {
  std::shared_ptr<const core::principal> who; // never null; shared, not copied per request
  credential_kind via = credential_kind::none;
  std::string session_id{}; // via session: the cookie's value
  std::string csrf{};       // via session: what the page must send with each write
};

using authenticator = std::function<std::optional<authentication>(const boost::beast::http::fields&)>;

/// Browser sign-in, on a server with tokens.
class sign_in_service {
public:
  virtual ~sign_in_service() = default;

  /// A session for `token` when it authenticates; nullopt when it does not.
  virtual std::optional<session_store::opened> sign_in(std::string_view token) = 0;
  /// Ends one session.
  virtual void sign_out(std::string_view session_id) = 0;
  virtual std::chrono::seconds session_ttl() const = 0;
};

/// What the edge asks about callers: `sign_in` is null on a server
/// without tokens.
struct edge_access {
  authenticator authenticate;
  sign_in_service* sign_in = nullptr;
};

/// The header in which the page sends its session's CSRF token.
inline constexpr std::string_view csrf_header = "X-Zddc-Csrf";

} // namespace zddc::runtime
