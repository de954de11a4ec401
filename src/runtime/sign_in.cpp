#include "runtime/sign_in.hpp"

#include "runtime/request_guard.hpp"

#include <zddc/core/field_lookup.hpp>
#include <zddc/core/html_escape.hpp>
#include <zddc/core/query.hpp>
#include <zddc/core/url_target.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <openssl/crypto.h>

namespace zddc::runtime {

namespace http = boost::beast::http;

namespace {

constexpr std::string_view login_path = "/.zddc/login";
constexpr std::string_view logout_path = "/.zddc/logout";
constexpr std::string_view session_path = "/.zddc/session";

constexpr std::string_view page_style = R"(
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2329;background:#f4f6f8}
main{max-width:26rem;margin:12vh auto 2rem;padding:1.6rem 1.8rem;background:#fff;border:1px solid #e3e6ea;
  border-radius:6px}
h1{font-size:1.3rem;margin:0 0 1rem}label{display:block;font-weight:600;margin:.8rem 0 .3rem}
input[type=password]{box-sizing:border-box;width:100%;padding:.5rem;font:inherit;border:1px solid #b8c0c8;
  border-radius:4px}
button{margin-top:1rem;padding:.45rem 1.1rem;font:inherit;color:#fff;background:#0b5cad;border:0;border-radius:4px;
  cursor:pointer}
.err{padding:.5rem .7rem;background:#fdecea;border:1px solid #e0a39a;border-radius:4px}
.ok{padding:.5rem .7rem;background:#e7f4ea;border:1px solid #9cc9a6;border-radius:4px}
.hint{color:#5b6570;font-size:13px;margin-top:1.2rem}code{font-size:13px}a{color:#0b5cad}
@media (max-width:30rem){main{margin:1.2rem .7rem}}
)";

// A page of ours: no script, nothing from elsewhere, never framed.
daemon_response
page(http::status status, std::string_view title, const std::string& body)
{
  auto r = text_response(status,
                         "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                         "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>" +
                           core::html_escape(title) + " - ZDDC</title><style>" + std::string(page_style) +
                           "</style></head><body><main>\n" + body + "</main></body></html>\n",
                         "text/html; charset=utf-8");
  r.headers.set("Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'");
  r.headers.set("Referrer-Policy", "same-origin");
  return r;
}

std::string
duration_words(std::chrono::seconds s)
{
  auto const hours = s.count() / 3600;
  if(hours >= 1 && s.count() % 3600 == 0)
    return std::to_string(hours) + (hours == 1 ? " hour" : " hours");
  auto const minutes = (s.count() + 59) / 60;
  return std::to_string(minutes) + (minutes == 1 ? " minute" : " minutes");
}

daemon_response
login_page(http::status status, std::string_view next, std::string_view notice, bool error,
           std::chrono::seconds ttl)
{
  std::string b = "<h1>Sign in to ZDDC</h1>\n";
  if(! notice.empty())
    b += std::string(error ? "<p class=\"err\" role=\"alert\">" : "<p class=\"ok\" role=\"status\">") +
         core::html_escape(notice) + "</p>\n";
  if(next != "/")
    b += "<p>Sign in to see <code>" + core::html_escape(next) + "</code>.</p>\n";
  b += "<form method=\"post\" action=\"/.zddc/login\">\n"
       "<label for=\"token\">Access token</label>\n"
       "<input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" spellcheck=\"false\" "
       "required autofocus>\n"
       "<input type=\"hidden\" name=\"next\" value=\"" +
       core::html_escape(next) +
       "\">\n<button>Sign in</button>\n</form>\n"
       "<p class=\"hint\">Your document controller gives you a token (<code>zddc token issue</code>). This browser "
       "keeps only a session, which ends after " +
       duration_words(ttl) +
       ", when you sign out, or when the token is revoked. Tools sign in with the token as a password "
       "(<code>curl -u any:TOKEN</code>) or as <code>Authorization: Bearer TOKEN</code>.</p>\n";
  auto r = page(status, "Sign in", b);
  if(status == http::status::unauthorized)
    r.headers.set(http::field::www_authenticate, R"(Bearer realm="zddc")");
  return r;
}

daemon_response
see_other(std::string_view location)
{
  auto r = text_response(http::status::see_other, "see " + std::string(location) + "\n");
  r.headers.set(http::field::location, location);
  return r;
}

std::string_view
query_of(std::string_view target)
{
  auto const q = target.find('?');
  return q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
}

bool
same_secret(std::string_view a, std::string_view b) noexcept
{
  return ! a.empty() && a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

daemon_response
not_offered()
{
  return page(http::status::not_found, "No sign-in",
              "<h1>No sign-in here</h1>\n<p>This server asks no credentials: everyone who can reach it may "
              "use it.</p>\n<p><a href=\"/\">Go to the documents</a></p>\n");
}

daemon_response
method_not_allowed(std::string_view allow)
{
  auto r = text_response(http::status::method_not_allowed, "only " + std::string(allow) + "\n");
  r.headers.set(http::field::allow, allow);
  return r;
}

daemon_response
login(const sign_in_call& call, sign_in_service& service)
{
  auto const ttl = service.session_ttl();
  if(call.method == http::verb::get || call.method == http::verb::head) {
    auto const q = query_of(call.target);
    auto const next = safe_return_target(core::query_value(q, "next").value_or("/"));
    bool const signed_out = core::query_value(q, "signed_out").has_value();
    return login_page(http::status::ok, next, signed_out ? "You are signed out." : "", false, ttl);
  }
  if(call.method != http::verb::post)
    return method_not_allowed("GET, HEAD, POST");
  auto const next = safe_return_target(core::query_value(call.form, "next").value_or("/"));
  auto const token = core::query_value(call.form, "token").value_or("");
  auto const opened = token.empty() ? std::nullopt : service.sign_in(token);
  if(! opened)
    return login_page(http::status::unauthorized, next,
                      "That token was not accepted: it may be mistyped, revoked, or for another server.", true, ttl);
  auto r = see_other(next);
  r.headers.set(http::field::set_cookie, session_cookie(opened->id, ttl, call.tls));
  return r;
}

daemon_response
logout(const sign_in_call& call, sign_in_service& service)
{
  bool const by_session = call.who && call.who->via == credential_kind::session;
  if(call.method == http::verb::get || call.method == http::verb::head) {
    if(! by_session)
      return page(http::status::ok, "Sign out",
                  "<h1>Not signed in</h1>\n<p>This browser has no session here.</p>\n"
                  "<p><a href=\"/.zddc/login\">Sign in</a></p>\n");
    return page(http::status::ok, "Sign out",
                "<h1>Sign out</h1>\n<p>Signed in as <strong>" + core::html_escape(call.who->who->name) +
                  "</strong>.</p>\n<form method=\"post\" action=\"/.zddc/logout\">"
                  "<input type=\"hidden\" name=\"csrf\" value=\"" +
                  core::html_escape(call.who->csrf) + "\"><button>Sign out</button></form>\n");
  }
  if(call.method != http::verb::post)
    return method_not_allowed("GET, HEAD, POST");
  if(by_session) {
    // The page's form sends the token as a field (no script needed); a
    // script may send the header instead.
    if(! same_secret(core::query_value(call.form, "csrf").value_or(""), call.who->csrf))
      return text_response(http::status::forbidden,
                           "forbidden: sign out from this server's own page (reload it and try again)\n");
    service.sign_out(call.who->session_id);
  }
  auto r = see_other("/.zddc/login?signed_out=1");
  r.headers.set(http::field::set_cookie, expired_session_cookie(call.tls));
  return r;
}

daemon_response
session(const sign_in_call& call)
{
  if(call.method != http::verb::get && call.method != http::verb::head)
    return method_not_allowed("GET, HEAD");
  if(! call.who || call.who->via != credential_kind::session)
    return text_response(http::status::not_found, R"({"error":"no browser session"})" "\n", "application/json");
  boost::json::object o;
  o["principal"] = call.who->who->name;
  o["csrf"] = call.who->csrf;
  return text_response(http::status::ok, boost::json::serialize(o) + "\n", "application/json");
}

} // namespace

bool
is_sign_in_path(std::string_view path) noexcept
{
  return path == login_path || path == logout_path || path == session_path;
}

daemon_response
answer_sign_in(const sign_in_call& call, sign_in_service* service)
{
  auto const path = call.target.substr(0, call.target.find('?'));
  if(path == session_path)
    return session(call);
  if(! service)
    return not_offered();
  if(path == login_path)
    return login(call, *service);
  return logout(call, *service);
}

void
offer_credentials(daemon_response& r, http::verb method, const http::fields& request, std::string_view target,
                  const sign_in_service* service)
{
  if(r.status != http::status::unauthorized)
    return;
  auto const accept = core::find_field(request, http::field::accept);
  bool const browser = (method == http::verb::get || method == http::verb::head) && accept != request.end() &&
                       accept->value().find("text/html") != boost::beast::string_view::npos;
  if(browser && service) {
    auto page = login_page(http::status::unauthorized, safe_return_target(target), "", false, service->session_ttl());
    // keep the role's own challenge (it says whether the token was invalid)
    if(auto const it = r.headers.find(http::field::www_authenticate); it != r.headers.end())
      page.headers.set(http::field::www_authenticate, it->value());
    r = std::move(page);
    return;
  }
  r.headers.insert(http::field::www_authenticate, R"(Basic realm="zddc", charset="UTF-8")");
}

std::string
safe_return_target(std::string_view target)
{
  if(target.size() < 1 || target.front() != '/' || target.starts_with("//") || target.starts_with("/\\") ||
     target.starts_with("/.zddc/") || target.size() > 8192)
    return "/";
  auto const path = target.substr(0, target.find('?'));
  auto const parsed = core::url_target::parse(path);
  if(! parsed || ! core::decode(*parsed)) // also no `..`, `.` or reserved names
    return "/";
  return std::string(path);
}

} // namespace zddc::runtime
