// Signing in to a master with tokens, as a browser and as a tool does it,
// against the real daemon: the sign-in page a browser gets instead of a
// bare 401, Basic with the token as password, the session cookie, the CSRF
// proof a session's writes need, and a session ending with sign-out and
// with its token's revocation.
#include "harness.hpp"

#include <boost/json/parse.hpp>

#include <openssl/evp.h>

namespace zddc::integration {
namespace {

class sign_in : public ::testing::Test {
protected:
  sign_in()
  {
    spit(dir_.path() / "root" / "Docs" / "a.txt", "the document");
    auto [code, out] = run_command({ZDDC_BINARY, "token", "issue", "--name", "alice", "--grant", "/:rw",
                                    "--state-dir", tokens()});
    EXPECT_EQ(code, 0) << out;
    token_ = out.substr(0, out.find('\n'));
    daemon_.emplace(std::vector<std::string>{"--root", (dir_.path() / "root").string(), "--state-dir", tokens(),
                                             "--session-ttl", "1h"});
  }

  std::string tokens() const { return (dir_.path() / "tokens").string(); }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(daemon_->port()); }
  std::string host() const { return "127.0.0.1:" + std::to_string(daemon_->port()); }

  /// Signs in through the form; the session cookie's value.
  std::string
  sign_in_with(std::string_view token)
  {
    client c(daemon_->port());
    auto const r = c.send(http::verb::post, "/.zddc/login",
                          {{http::field::content_type, "application/x-www-form-urlencoded"},
                           {http::field::host, host()}, {http::field::origin, origin()}},
                          "token=" + std::string(token) + "&next=%2FDocs%2F");
    EXPECT_EQ(r.status, http::status::see_other) << r.body;
    EXPECT_EQ(r.header(http::field::location), "/Docs/");
    auto const cookie = r.header(http::field::set_cookie);
    EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
    EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
    EXPECT_NE(cookie.find("Max-Age=3600"), std::string::npos);
    EXPECT_EQ(cookie.find(token), std::string::npos) << "the token never goes into the cookie";
    auto const start = cookie.find('=') + 1;
    return cookie.substr(start, cookie.find(';') - start);
  }

  std::pair<http::field, std::string> cookie(const std::string& id) { return {http::field::cookie, "zddc_session=" + id}; }

  temp_dir dir_;
  std::string token_;
  std::optional<daemon_process> daemon_;
};

TEST_F(sign_in, a_browser_asking_without_credentials_gets_the_sign_in_page)
{
  client c(daemon_->port());
  auto const page = c.get("/Docs/", {{http::field::accept, "text/html,application/xhtml+xml,*/*;q=0.8"}});
  EXPECT_EQ(page.status, http::status::unauthorized);
  EXPECT_NE(page.header(http::field::content_type).find("text/html"), std::string::npos);
  EXPECT_NE(page.body.find("action=\"/.zddc/login\""), std::string::npos);
  EXPECT_NE(page.body.find("name=\"next\" value=\"/Docs/\""), std::string::npos) << page.body;
  EXPECT_EQ(page.headers.count(http::field::www_authenticate), 1u) << "no Basic: the browser shows the page";

  auto const tool = c.get("/Docs/");
  EXPECT_EQ(tool.status, http::status::unauthorized);
  EXPECT_EQ(tool.headers.count(http::field::www_authenticate), 2u) << "Bearer and Basic";
}

TEST_F(sign_in, a_tool_uses_basic_with_the_token_as_password)
{
  std::string const user_pass = "anyone:" + token_;
  std::string b64(4 * ((user_pass.size() + 2) / 3), '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), reinterpret_cast<const unsigned char*>(user_pass.data()),
                  static_cast<int>(user_pass.size()));
  client c(daemon_->port());
  auto const r = c.get("/Docs/a.txt", {{http::field::authorization, "Basic " + b64}});
  EXPECT_EQ(r.status, http::status::ok);
  EXPECT_EQ(r.body, "the document");
}

TEST_F(sign_in, a_session_reads_and_its_page_writes_with_the_csrf_token)
{
  EXPECT_EQ(client(daemon_->port()).send(http::verb::post, "/.zddc/login",
                                         {{http::field::content_type, "application/x-www-form-urlencoded"}},
                                         "token=zddc_wrong")
              .status,
            http::status::unauthorized);
  auto const id = sign_in_with(token_);
  client c(daemon_->port());
  EXPECT_EQ(c.get("/Docs/a.txt", {cookie(id)}).body, "the document");

  auto const session = c.get("/.zddc/session", {cookie(id)});
  ASSERT_EQ(session.status, http::status::ok);
  auto const json = boost::json::parse(session.body).as_object();
  EXPECT_EQ(json.at("principal").as_string(), "alice");
  std::string const csrf(json.at("csrf").as_string());

  // Without the proof, a write carried by the cookie alone is refused.
  auto const at_home = std::vector<std::pair<http::field, std::string>>{
    cookie(id), {http::field::host, host()}, {http::field::origin, origin()}};
  auto const bare = c.send(http::verb::put, "/Docs/b.txt", at_home, "x");
  EXPECT_EQ(bare.status, http::status::forbidden) << bare.body;
  auto const forged = c.send(http::verb::put, "/Docs/b.txt", at_home, "x", {{"X-Zddc-Csrf", "guessed"}});
  EXPECT_EQ(forged.status, http::status::forbidden);
  auto const cross_site = c.send(http::verb::put, "/Docs/b.txt",
                                 {cookie(id), {http::field::host, host()}, {http::field::origin, "http://evil.example"}},
                                 "x", {{"X-Zddc-Csrf", csrf}});
  EXPECT_EQ(cross_site.status, http::status::forbidden);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "root" / "Docs" / "b.txt"));

  // The page's own write carries both; a token needs neither.
  auto const own = c.send(http::verb::put, "/Docs/b.txt", at_home, "from the page", {{"X-Zddc-Csrf", csrf}});
  EXPECT_EQ(own.status, http::status::created) << own.body;
  EXPECT_EQ(slurp(dir_.path() / "root" / "Docs" / "b.txt"), "from the page");
  auto const by_token = c.send(http::verb::delete_, "/Docs/b.txt", {{http::field::authorization, "Bearer " + token_}});
  EXPECT_EQ(by_token.status, http::status::no_content);
}

TEST_F(sign_in, signing_out_ends_the_session)
{
  auto const id = sign_in_with(token_);
  client c(daemon_->port());
  auto const csrf = std::string(boost::json::parse(c.get("/.zddc/session", {cookie(id)}).body).at("csrf").as_string());
  auto const out = c.send(http::verb::post, "/.zddc/logout",
                          {cookie(id), {http::field::host, host()}, {http::field::origin, origin()},
                           {http::field::content_type, "application/x-www-form-urlencoded"}},
                          "csrf=" + csrf);
  EXPECT_EQ(out.status, http::status::see_other) << out.body;
  EXPECT_NE(out.header(http::field::set_cookie).find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(c.get("/Docs/a.txt", {cookie(id)}).status, http::status::unauthorized);
}

TEST_F(sign_in, revoking_the_token_ends_its_sessions)
{
  auto const id = sign_in_with(token_);
  client c(daemon_->port());
  ASSERT_EQ(c.get("/Docs/a.txt", {cookie(id)}).status, http::status::ok);
  ASSERT_EQ(run_command({ZDDC_BINARY, "token", "revoke", "alice", "--state-dir", tokens()}).first, 0);
  EXPECT_TRUE(eventually([&] { return c.get("/Docs/a.txt", {cookie(id)}).status == http::status::unauthorized; }, 10s));
}

TEST_F(sign_in, what_a_hostile_form_gets)
{
  client c(daemon_->port());
  auto const form = std::vector<std::pair<http::field, std::string>>{
    {http::field::content_type, "application/x-www-form-urlencoded"}};
  // A form over 8 KiB is refused, not read into memory.
  auto const huge = c.send(http::verb::post, "/.zddc/login", form, "token=" + std::string(32 * 1024, 'a'));
  EXPECT_EQ(huge.status, http::status::payload_too_large);
  // A return address elsewhere becomes this server's root.
  for(auto next : {"%2F%2Fevil.example%2F", "https%3A%2F%2Fevil.example%2F", "%2F%5Cevil.example", "%2F.zddc%2Flogout"}) {
    auto const r = client(daemon_->port()).send(http::verb::post, "/.zddc/login", form,
                                                "token=" + token_ + "&next=" + next);
    EXPECT_EQ(r.status, http::status::see_other) << next;
    EXPECT_EQ(r.header(http::field::location), "/") << next;
  }
  // Bytes that are not a form at all: refused as a bad token, and the
  // daemon goes on.
  auto const garbage = client(daemon_->port()).send(http::verb::post, "/.zddc/login", form,
                                                    std::string("%%%\0\xff&&==token", 14));
  EXPECT_EQ(garbage.status, http::status::unauthorized);
  EXPECT_EQ(client(daemon_->port()).get("/.zddc/health").status, http::status::ok);
}

} // namespace
} // namespace zddc::integration
