// What the HTTP edge refuses before a request reaches a role.
#include "runtime/request_guard.hpp"

#include <gtest/gtest.h>

namespace zddc::runtime {
namespace request_guard_test {

namespace http = boost::beast::http;

request_head
head(http::verb method, std::initializer_list<std::pair<std::string_view, std::string_view>> fields,
     unsigned version = 11)
{
  request_head h;
  h.method(method);
  h.target("/a.txt");
  h.version(version);
  for(auto const& [name, value] : fields)
    h.insert(name, value);
  return h;
}

authority
at(std::string_view text)
{
  auto a = parse_authority(text);
  EXPECT_TRUE(a) << text;
  return a ? *a : authority{};
}

TEST(request_guard, transfer_encoding_must_be_exactly_chunked_alone)
{
  // The smuggling vectors: each was read as an empty body, and the bytes
  // after it ran as a second request.
  for(auto te : {"xchunked", "gzip", "chunked, identity", "gzip, chunked", "identity", "chunked;x=1", ""}) {
    auto const r = check_framing(head(http::verb::post, {{"Transfer-Encoding", te}}));
    ASSERT_TRUE(r) << te;
    EXPECT_EQ(r->status, http::status::bad_request) << te;
    EXPECT_TRUE(r->close) << te;
  }
  EXPECT_FALSE(check_framing(head(http::verb::put, {{"Transfer-Encoding", "chunked"}})));
  EXPECT_FALSE(check_framing(head(http::verb::put, {{"Transfer-Encoding", "Chunked"}}))); // codings ignore case
  EXPECT_FALSE(check_framing(head(http::verb::put, {{"Content-Length", "5"}})));
  EXPECT_FALSE(check_framing(head(http::verb::get, {})));
}

TEST(request_guard, transfer_encoding_with_content_length_twice_or_on_http_1_0_is_refused)
{
  for(auto const& h : {head(http::verb::put, {{"Transfer-Encoding", "chunked"}, {"Content-Length", "5"}}),
                       head(http::verb::put, {{"Content-Length", "5"}, {"Transfer-Encoding", "gzip"}}),
                       head(http::verb::put, {{"Transfer-Encoding", "gzip"}, {"Transfer-Encoding", "chunked"}}),
                       head(http::verb::put, {{"Transfer-Encoding", "chunked"}}, 10)}) {
    auto const r = check_framing(h);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, http::status::bad_request);
    EXPECT_TRUE(r->close);
  }
}

TEST(request_guard, authorities_parse_lower_cased_with_optional_port)
{
  EXPECT_EQ(at("LocalHost"), (authority{"localhost", std::nullopt}));
  EXPECT_EQ(at("docs.example.com:8443"), (authority{"docs.example.com", 8443}));
  EXPECT_EQ(at("127.0.0.1:0"), (authority{"127.0.0.1", 0}));
  EXPECT_EQ(at("[::1]:8080"), (authority{"[::1]", 8080}));
  EXPECT_EQ(at("[0:0::1]"), (authority{"[::1]", std::nullopt})); // canonical IPv6
  EXPECT_EQ(at("255.255.255.255:1"), (authority{"255.255.255.255", 1}));
  EXPECT_EQ(at("10.0.0.5"), (authority{"10.0.0.5", std::nullopt}));
  // Not IPv4 addresses, so names (which no allowlist entry for an address matches).
  EXPECT_EQ(at("127.000.0.1"), (authority{"127.000.0.1", std::nullopt}));
  EXPECT_EQ(at("256.0.0.1"), (authority{"256.0.0.1", std::nullopt}));
  EXPECT_EQ(at("1.2.3"), (authority{"1.2.3", std::nullopt}));
  EXPECT_EQ(at("1.2.3.4.5"), (authority{"1.2.3.4.5", std::nullopt}));
  EXPECT_EQ(at("host:"), (authority{"host", std::nullopt}));     // RFC 3986: an empty port is none
  for(auto bad : {"", ":80", "a b", "evil.com/x", "user@host", "host:port", "host:99999", "::1", "[::1", "[::1]x",
                  "[nonsense]", "host:80:80", "h\xC3\xA9"})
    EXPECT_FALSE(parse_authority(bad)) << bad;
}

TEST(request_guard, the_server_answers_to_its_listen_address_and_loopback_names_by_default)
{
  host_allowlist const hosts("127.0.0.1", {});
  for(auto ok : {"127.0.0.1", "127.0.0.1:8080", "localhost", "LOCALHOST:1", "[::1]", "[::1]:8080"})
    EXPECT_TRUE(hosts.allows(at(ok))) << ok;
  // A DNS-rebinding page sends its own name; another address is misdirected.
  for(auto bad : {"evil.example", "evil.example:8080", "10.0.0.5", "localhost.evil.example", "127.0.0.1.nip.io"})
    EXPECT_FALSE(hosts.allows(at(bad))) << bad;

  host_allowlist const v6("::1", {});
  EXPECT_TRUE(v6.allows(at("[::1]:9")));
  host_allowlist const lan("10.0.0.5", {});
  EXPECT_TRUE(lan.allows(at("10.0.0.5:8080")));
  EXPECT_FALSE(lan.allows(at("10.0.0.6")));
}

TEST(request_guard, a_wildcard_listen_address_answers_to_any_ip_literal_but_not_to_names)
{
  for(auto listen : {"0.0.0.0", "::"}) {
    host_allowlist const hosts(listen, {});
    EXPECT_TRUE(hosts.allows(at("192.168.1.20:8080"))) << listen;
    EXPECT_TRUE(hosts.allows(at("[fe80::1]"))) << listen;
    EXPECT_TRUE(hosts.allows(at("localhost"))) << listen;
    EXPECT_FALSE(hosts.allows(at("docs.example.com"))) << listen;
  }
}

TEST(request_guard, allowed_hosts_add_names_with_or_without_a_port_and_star_allows_any)
{
  host_allowlist const hosts("127.0.0.1", {"Docs.Example.com", "proxy.example:8443"});
  EXPECT_TRUE(hosts.allows(at("docs.example.com")));
  EXPECT_TRUE(hosts.allows(at("docs.example.com:1234")));
  EXPECT_TRUE(hosts.allows(at("proxy.example:8443")));
  EXPECT_FALSE(hosts.allows(at("proxy.example:8080")));
  EXPECT_FALSE(hosts.allows(at("proxy.example")));
  EXPECT_TRUE(host_allowlist("127.0.0.1", {"*"}).allows(at("anything.example")));
  EXPECT_THROW(host_allowlist("127.0.0.1", {"a b"}), std::invalid_argument);
}

TEST(request_guard, host_must_be_present_once_valid_and_allowed)
{
  host_allowlist const hosts("127.0.0.1", {});
  EXPECT_FALSE(check_host(head(http::verb::get, {{"Host", "127.0.0.1:8080"}}), hosts));
  EXPECT_FALSE(check_host(head(http::verb::get, {}, 10), hosts)); // HTTP/1.0 may omit it
  for(auto const& h : {head(http::verb::get, {}), head(http::verb::get, {{"Host", "a b"}}),
                       head(http::verb::get, {{"Host", "127.0.0.1"}, {"Host", "127.0.0.1"}})}) {
    auto const r = check_host(h, hosts);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, http::status::bad_request);
  }
  auto const r = check_host(head(http::verb::get, {{"Host", "rebound.evil.example:8080"}}), hosts);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, http::status::misdirected_request);
  EXPECT_FALSE(r->close);
}

TEST(request_guard, writes_from_another_origin_are_forbidden)
{
  auto write = [](http::verb m, std::string_view origin, std::string_view host = "127.0.0.1:8080") {
    return head(m, {{"Host", host}, {"Origin", origin}});
  };
  // Same origin: the listing page's own upload and delete.
  EXPECT_FALSE(check_origin(write(http::verb::put, "http://127.0.0.1:8080"), false));
  EXPECT_FALSE(check_origin(write(http::verb::delete_, "HTTP://127.0.0.1:8080"), false));
  EXPECT_FALSE(check_origin(write(http::verb::put, "https://docs.example.com", "docs.example.com"), false));
  EXPECT_FALSE(check_origin(write(http::verb::put, "https://docs.example.com", "docs.example.com:443"), false));
  EXPECT_FALSE(check_origin(write(http::verb::put, "https://127.0.0.1:8080"), true));
  EXPECT_FALSE(check_origin(head(http::verb::put, {{"Host", "127.0.0.1:8080"}}), false)); // not a browser
  // Reads are not refused: the browser keeps a cross-origin answer from the page.
  EXPECT_FALSE(check_origin(write(http::verb::get, "http://evil.example"), false));
  for(auto const& [m, origin] : std::initializer_list<std::pair<http::verb, std::string_view>>{
        {http::verb::put, "http://evil.example"},
        {http::verb::delete_, "http://127.0.0.1:8081"},   // another port is another origin
        {http::verb::post, "http://localhost:8080"},      // another name too
        {http::verb::put, "null"},                        // a sandboxed document
        {http::verb::patch, "http://127.0.0.1:8080/x"},   // not an origin
        {http::verb::put, "ftp://127.0.0.1:8080"}}) {
    auto const r = check_origin(write(m, origin), false);
    ASSERT_TRUE(r) << origin;
    EXPECT_EQ(r->status, http::status::forbidden) << origin;
  }
  // A TLS server's own origin is https.
  EXPECT_TRUE(check_origin(write(http::verb::put, "http://127.0.0.1:8080"), true));
  auto twice = head(http::verb::put, {{"Host", "127.0.0.1:8080"}, {"Origin", "http://127.0.0.1:8080"},
                                      {"Origin", "http://evil.example"}});
  EXPECT_TRUE(check_origin(twice, false));
}

// check_host takes a Host that spells a listed name exactly without parsing
// it; whatever the spelling, its answer must be the parsed one.
TEST(request_guard, the_host_check_answers_as_parsing_would_however_the_host_is_written)
{
  std::vector<host_allowlist> const lists{host_allowlist("127.0.0.1", {}), host_allowlist("::1", {}),
                                          host_allowlist("0.0.0.0", {"docs.example.com", "proxy.example:8443"}),
                                          host_allowlist("10.0.0.5", {"*"})};
  for(auto const* text :
      {"127.0.0.1", "127.0.0.1:8080", "127.0.0.1:", "127.0.0.01:8080", "127.0.0.1:65536", "127.0.0.1:80x",
       "127.0.0.1:-1", "localhost", "LocalHost:8080", "localhost:8080:1", "[::1]", "[::1]:9", "[0:0::1]:9",
       "[::1]x", "[::1", "::1", "10.0.0.5", "10.0.0.5:1", "10.0.0.6", "docs.example.com", "DOCS.example.com:1",
       "proxy.example:8443", "proxy.example:8080", "proxy.example", "evil.example", "", ":", ":80", "a b",
       "docs.example.com.", "[fe80::1]", "192.168.1.20:8080"}) {
    auto const written = head(http::verb::get, {{"Host", text}});
    for(std::size_t i = 0; i < lists.size(); ++i) {
      auto const parsed = parse_authority(text);
      std::optional<http::status> const expected =
        ! parsed ? std::optional(http::status::bad_request)
                 : lists[i].allows(*parsed) ? std::nullopt : std::optional(http::status::misdirected_request);
      auto const got = check_host(written, lists[i]);
      EXPECT_EQ(got ? std::optional(got->status) : std::nullopt, expected) << text << " on list " << i;
    }
  }
}

TEST(request_guard, framing_is_checked_before_host_and_host_before_origin)
{
  host_allowlist const hosts("127.0.0.1", {});
  auto const all_wrong =
    head(http::verb::put, {{"Host", "evil.example"}, {"Origin", "http://evil.example"}, {"Transfer-Encoding", "gzip"}});
  EXPECT_EQ(check_request_head(all_wrong, hosts, false)->status, http::status::bad_request);
  auto const host_wrong = head(http::verb::put, {{"Host", "evil.example"}, {"Origin", "http://evil.example"}});
  EXPECT_EQ(check_request_head(host_wrong, hosts, false)->status, http::status::misdirected_request);
  EXPECT_FALSE(check_request_head(head(http::verb::put, {{"Host", "localhost:8080"}, {"Origin", "http://localhost:8080"}}),
                                  hosts, false));
}

TEST(request_guard, a_session_write_needs_its_origin_and_csrf_token)
{
  auto const who = [](std::string name) {
    return std::make_shared<const core::principal>(core::principal::unrestricted(std::move(name)));
  };
  authentication const session{who("alice"), credential_kind::session, "ID", "CSRF"};
  auto const origin = std::pair<std::string_view, std::string_view>{"Origin", "http://127.0.0.1:8080"};
  // The page's own write: both.
  EXPECT_FALSE(check_csrf(http::verb::put, head(http::verb::put, {origin, {"X-Zddc-Csrf", "CSRF"}}), session));
  EXPECT_FALSE(check_csrf(http::verb::mkcol, head(http::verb::mkcol, {origin, {"X-Zddc-Csrf", "CSRF"}}), session));
  // A cross-site form (no custom header), a forged or missing token, a
  // write with no Origin at all: refused.
  for(auto const& fields : std::vector<std::vector<std::pair<std::string_view, std::string_view>>>{
        {origin}, {origin, {"X-Zddc-Csrf", "CSRX"}}, {origin, {"X-Zddc-Csrf", "csrf"}}, {origin, {"X-Zddc-Csrf", ""}},
        {{"X-Zddc-Csrf", "CSRF"}}}) {
    request_head h;
    for(auto const& [k, v] : fields)
      h.insert(k, v);
    auto const r = check_csrf(http::verb::delete_, h, session);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, http::status::forbidden);
  }
  // Reading needs nothing; neither do tokens, which no browser attaches by itself.
  EXPECT_FALSE(check_csrf(http::verb::get, head(http::verb::get, {}), session));
  authentication const bearer{who("bot"), credential_kind::bearer, {}, {}};
  authentication const basic{who("bot"), credential_kind::basic, {}, {}};
  EXPECT_FALSE(check_csrf(http::verb::put, head(http::verb::put, {}), bearer));
  EXPECT_FALSE(check_csrf(http::verb::put, head(http::verb::put, {}), basic));
}

} // namespace
} // namespace zddc::runtime
