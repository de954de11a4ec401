// The sign-in endpoints and what a 401 becomes, as pure functions of the
// request: the form, the cookie it sets, sign-out with its CSRF token, the
// session's JSON, and where a person may be sent back to.
#include "runtime/sign_in.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <algorithm>
#include <memory>

namespace zddc::runtime {
namespace sign_in_test {

namespace http = boost::beast::http;
using namespace std::chrono_literals;

// A sign-in service that knows one token.
class one_token final : public sign_in_service {
public:
  std::optional<session_store::opened>
  sign_in(std::string_view token) override
  {
    if(token != "zddc_good")
      return std::nullopt;
    return session_store::opened{"SESSION-ID", "CSRF-TOKEN"};
  }
  void sign_out(std::string_view id) override { signed_out.emplace_back(id); }
  std::chrono::seconds session_ttl() const override { return 2h; }

  std::vector<std::string> signed_out;
};

const std::optional<authentication> nobody;

authentication
browser_session()
{
  return {std::make_shared<const core::principal>(core::principal::unrestricted("alice")), credential_kind::session,
          "SESSION-ID", "CSRF-TOKEN"};
}

std::string
body_of(const daemon_response& r)
{
  return std::get<std::string>(r.body);
}

class sign_in_endpoints : public ::testing::Test {
protected:
  daemon_response
  call(http::verb method, std::string_view target, std::string_view form = {},
       const std::optional<authentication>& who = nobody, bool tls = false)
  {
    return answer_sign_in({method, target, form, who, tls}, &service_);
  }

  one_token service_;
};

TEST_F(sign_in_endpoints, the_form_asks_for_a_token_and_remembers_where_to_return)
{
  auto const r = call(http::verb::get, "/.zddc/login?next=%2FDocs%2FSpec%2520A%2F");
  EXPECT_EQ(r.status, http::status::ok);
  EXPECT_TRUE(r.headers[http::field::content_type].starts_with("text/html"));
  auto const page = body_of(r);
  EXPECT_NE(page.find("<form method=\"post\" action=\"/.zddc/login\">"), std::string::npos);
  EXPECT_NE(page.find("type=\"password\""), std::string::npos);
  EXPECT_NE(page.find("name=\"next\" value=\"/Docs/Spec%20A/\""), std::string::npos) << page;
  EXPECT_NE(page.find("ends after 2 hours"), std::string::npos);
  EXPECT_EQ(r.headers[http::field::cache_control], "no-store");
  EXPECT_NE(r.headers["Content-Security-Policy"].find("frame-ancestors 'none'"), std::string::npos);
}

TEST_F(sign_in_endpoints, a_query_is_read_within_its_bounds)
{
  // The target as the server holds it: a view into a buffer with nothing
  // after the last byte (ASan catches a read past it).
  std::string_view const text = "/.zddc/login?signed_out=1";
  auto const exact = std::make_unique<char[]>(text.size());
  std::copy(text.begin(), text.end(), exact.get());
  auto const r = call(http::verb::get, std::string_view(exact.get(), text.size()));
  EXPECT_NE(body_of(r).find("You are signed out."), std::string::npos);
}

TEST_F(sign_in_endpoints, a_good_token_sets_the_session_cookie_and_returns)
{
  auto const r = call(http::verb::post, "/.zddc/login", "token=zddc_good&next=%2FDocs%2F");
  EXPECT_EQ(r.status, http::status::see_other);
  EXPECT_EQ(r.headers[http::field::location], "/Docs/");
  EXPECT_EQ(r.headers[http::field::set_cookie],
            "zddc_session=SESSION-ID; Path=/; Max-Age=7200; HttpOnly; SameSite=Strict");
  auto const over_tls = answer_sign_in({http::verb::post, "/.zddc/login", "token=zddc_good", nobody, true}, &service_);
  EXPECT_TRUE(over_tls.headers[http::field::set_cookie].ends_with("; Secure"));
  EXPECT_EQ(over_tls.headers[http::field::location], "/");
}

TEST_F(sign_in_endpoints, a_bad_token_answers_401_with_the_form_again)
{
  for(auto form : {"token=zddc_bad&next=%2FDocs%2F", "next=%2FDocs%2F", "token=", "%%%", ""}) {
    SCOPED_TRACE(form);
    auto const r = call(http::verb::post, "/.zddc/login", form);
    EXPECT_EQ(r.status, http::status::unauthorized);
    EXPECT_EQ(r.headers.count(http::field::set_cookie), 0u);
    EXPECT_EQ(r.headers[http::field::www_authenticate], R"(Bearer realm="zddc")") << "no Basic: no browser dialog";
    EXPECT_NE(body_of(r).find("That token was not accepted"), std::string::npos);
  }
  EXPECT_NE(body_of(call(http::verb::post, "/.zddc/login", "token=x&next=%2FDocs%2F")).find("value=\"/Docs/\""),
            std::string::npos);
}

TEST_F(sign_in_endpoints, sign_out_needs_the_sessions_csrf_token)
{
  auto const who = std::optional<authentication>(browser_session());
  auto const page = body_of(call(http::verb::get, "/.zddc/logout", {}, who));
  EXPECT_NE(page.find("Signed in as <strong>alice</strong>"), std::string::npos);
  EXPECT_NE(page.find("name=\"csrf\" value=\"CSRF-TOKEN\""), std::string::npos);

  auto const forged = call(http::verb::post, "/.zddc/logout", "csrf=guess", who);
  EXPECT_EQ(forged.status, http::status::forbidden);
  EXPECT_TRUE(service_.signed_out.empty());

  auto const r = call(http::verb::post, "/.zddc/logout", "csrf=CSRF-TOKEN", who);
  EXPECT_EQ(r.status, http::status::see_other);
  EXPECT_EQ(r.headers[http::field::location], "/.zddc/login?signed_out=1");
  EXPECT_EQ(r.headers[http::field::set_cookie], "zddc_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
  EXPECT_EQ(service_.signed_out, std::vector<std::string>{"SESSION-ID"});
  EXPECT_NE(body_of(call(http::verb::get, "/.zddc/login?signed_out=1")).find("You are signed out."),
            std::string::npos);
}

TEST_F(sign_in_endpoints, the_session_endpoint_gives_the_page_its_csrf_token)
{
  auto const r = call(http::verb::get, "/.zddc/session", {}, browser_session());
  EXPECT_EQ(r.status, http::status::ok);
  auto const json = boost::json::parse(body_of(r)).as_object();
  EXPECT_EQ(json.at("principal").as_string(), "alice");
  EXPECT_EQ(json.at("csrf").as_string(), "CSRF-TOKEN");
  EXPECT_EQ(r.headers[http::field::cache_control], "no-store");

  authentication by_token{std::make_shared<const core::principal>(core::principal::unrestricted("bot")),
                          credential_kind::bearer, {}, {}};
  EXPECT_EQ(call(http::verb::get, "/.zddc/session", {}, by_token).status, http::status::not_found);
  EXPECT_EQ(call(http::verb::get, "/.zddc/session").status, http::status::not_found);
  EXPECT_EQ(call(http::verb::post, "/.zddc/session").status, http::status::method_not_allowed);
}

TEST(sign_in, a_server_without_tokens_has_nothing_to_sign_in_to)
{
  for(auto target : {"/.zddc/login", "/.zddc/logout", "/.zddc/session"})
    EXPECT_EQ(answer_sign_in({http::verb::get, target, {}, nobody, false}, nullptr).status, http::status::not_found)
      << target;
}

TEST(offer_credentials, a_browser_gets_the_sign_in_page_returning_where_it_was)
{
  one_token service;
  auto r = text_response(http::status::unauthorized, "authentication required\n");
  r.headers.set(http::field::www_authenticate, R"(Bearer realm="zddc")");
  http::fields request;
  request.set(http::field::accept, "text/html,application/xhtml+xml,*/*;q=0.8");
  offer_credentials(r, http::verb::get, request, "/Docs/Spec%20A.pdf", &service);
  EXPECT_EQ(r.status, http::status::unauthorized);
  EXPECT_TRUE(r.headers[http::field::content_type].starts_with("text/html"));
  EXPECT_NE(body_of(r).find("value=\"/Docs/Spec%20A.pdf\""), std::string::npos);
  EXPECT_EQ(r.headers.count(http::field::www_authenticate), 1u);
  EXPECT_EQ(r.headers[http::field::www_authenticate], R"(Bearer realm="zddc")");
}

TEST(offer_credentials, a_tool_is_offered_bearer_and_basic)
{
  one_token service;
  for(auto accept : {"*/*", "application/json", ""}) {
    auto r = text_response(http::status::unauthorized, "authentication required\n");
    r.headers.set(http::field::www_authenticate, R"(Bearer realm="zddc")");
    http::fields request;
    if(*accept)
      request.set(http::field::accept, accept);
    offer_credentials(r, http::verb::get, request, "/Docs/", &service);
    EXPECT_EQ(body_of(r), "authentication required\n");
    std::vector<std::string> challenges;
    for(auto const& f : r.headers)
      if(f.name() == http::field::www_authenticate)
        challenges.emplace_back(f.value());
    EXPECT_EQ(challenges, (std::vector<std::string>{R"(Bearer realm="zddc")", R"(Basic realm="zddc", charset="UTF-8")"}))
      << accept;
  }
  auto ok = text_response(http::status::ok, "fine");
  offer_credentials(ok, http::verb::get, {}, "/", &service);
  EXPECT_EQ(ok.headers.count(http::field::www_authenticate), 0u);
}

TEST(safe_return_target, only_paths_on_this_server_outside_its_own_pages)
{
  EXPECT_EQ(safe_return_target("/Docs/Spec%20A/"), "/Docs/Spec%20A/");
  EXPECT_EQ(safe_return_target("/Docs/?x=1"), "/Docs/");
  EXPECT_EQ(safe_return_target("/"), "/");
  for(auto bad : {"", "Docs/", "//evil.example/", "/\\evil.example", "https://evil.example/", "/.zddc/login",
                  "/.zddc/logout", "/a/../b", "/%2e%2e/x", "/a\r\nSet-Cookie: x=1"})
    EXPECT_EQ(safe_return_target(bad), "/") << bad;
}

} // namespace
} // namespace zddc::runtime
