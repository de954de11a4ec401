#pragma once
/// @file
/// Browser sign-in at the HTTP edge: the endpoints under `/.zddc/` and
/// what a 401 becomes for the client that receives it.
///
///     GET  /.zddc/login?next=/Docs/   the sign-in form (a token field)
///     POST /.zddc/login               token=…&next=…: a valid token sets the
///                                     session cookie and answers 303 to next;
///                                     any other answers 401 with the form
///     GET  /.zddc/logout              a page with the sign-out button
///     POST /.zddc/logout              csrf=… (or the X-Zddc-Csrf header):
///                                     ends the session, clears the cookie
///     GET  /.zddc/session             {"principal": …, "csrf": …} for a
///                                     browser session, else 404
///
/// A 401 to a browser (a GET or HEAD whose Accept names text/html) is the
/// sign-in page, returning to the page asked for. To anything else it
/// offers both Bearer and Basic; a browser is offered Bearer only, so that
/// it shows the page rather than its own password dialog (whose
/// credentials it would keep sending with no way to sign out).
///
/// Pure functions of the request: the edge reads the small form body and
/// authenticates first, then calls these.

#include "runtime/access.hpp"
#include "runtime/http_server.hpp"

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace zddc::runtime {

/// The largest form body the sign-in endpoints read.
inline constexpr std::size_t sign_in_form_bytes_max = 8 * 1024;

/// True for `/.zddc/login`, `/.zddc/logout` and `/.zddc/session` (the path
/// of a request target, without its query).
bool is_sign_in_path(std::string_view path) noexcept;

struct sign_in_call {
  boost::beast::http::verb method;
  std::string_view target; // as sent, with the query
  std::string_view form;   // a POST's body, application/x-www-form-urlencoded
  const std::optional<authentication>& who;
  bool tls;
};

/// The answer of a sign-in endpoint; `service` is null on a server
/// without tokens (then every endpoint says there is nothing to sign in to).
daemon_response answer_sign_in(const sign_in_call& call, sign_in_service* service);

/// Makes a 401 from a role into what the client that asked `target` can
/// use (see the file comment). `service` is null on a server without
/// sign-in.
void offer_credentials(daemon_response& r, boost::beast::http::verb method, const boost::beast::http::fields& request,
                       std::string_view target, const sign_in_service* service);

/// `target` when it is a path on this server a person may be sent back to
/// after signing in (an origin-form target outside `/.zddc/`), else "/".
std::string safe_return_target(std::string_view target);

} // namespace zddc::runtime
