// A response's head as the bytes that go on the wire.
#include "runtime/response_head.hpp"

#include <zddc/core/http_date.hpp>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/empty_body.hpp>

#include <gtest/gtest.h>

namespace zddc::runtime {
namespace response_head_test {

namespace http = boost::beast::http;

std::string
head_of(http::status status, const http::fields& fields, body_framing framing, edge_fields edge = {})
{
  std::string out = "left over from the last request";
  format_response_head(out, status, fields, framing, edge);
  return out;
}

TEST(response_head, a_file_answer_has_its_fields_then_the_edges_then_its_length)
{
  http::fields f;
  f.set(http::field::etag, "\"abc\"");
  f.set(http::field::content_type, "application/pdf");
  EXPECT_EQ(head_of(http::status::ok, f, body_framing::bytes(4096)),
            "HTTP/1.1 200 OK\r\n"
            "ETag: \"abc\"\r\n"
            "Content-Type: application/pdf\r\n"
            "Server: zddc\r\n"
            "X-Content-Type-Options: nosniff\r\n"
            "X-Frame-Options: DENY\r\n"
            "Content-Length: 4096\r\n"
            "\r\n");
}

TEST(response_head, the_framing_replaces_what_the_fields_said_about_it)
{
  http::fields f;
  f.set(http::field::content_length, "12");
  f.set(http::field::transfer_encoding, "gzip");
  auto const h = head_of(http::status::ok, f, body_framing::chunks());
  EXPECT_EQ(h.find("Content-Length"), std::string::npos);
  EXPECT_EQ(h.find("gzip"), std::string::npos);
  EXPECT_NE(h.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
}

TEST(response_head, without_a_body_the_fields_keep_their_length)
{
  // HEAD says the length a GET would have.
  http::fields f;
  f.set(http::field::content_length, "4096");
  auto const h = head_of(http::status::ok, f, body_framing::none());
  EXPECT_NE(h.find("Content-Length: 4096\r\n"), std::string::npos);
  EXPECT_EQ(head_of(http::status::not_modified, {}, body_framing::none()).substr(0, 30),
            "HTTP/1.1 304 Not Modified\r\nSer");
}

TEST(response_head, the_edge_fields_appear_once_whatever_the_role_set)
{
  http::fields f;
  f.set("x-content-type-options", "nosniff");
  f.set(http::field::server, "someone else");
  f.set("X-Frame-Options", "SAMEORIGIN");
  f.set(http::field::connection, "keep-alive");
  auto const h = head_of(http::status::ok, f, body_framing::bytes(0), {11, true, true, {}});
  EXPECT_EQ(h,
            "HTTP/1.1 200 OK\r\n"
            "Server: zddc\r\n"
            "X-Content-Type-Options: nosniff\r\n"
            "X-Frame-Options: DENY\r\n"
            "Strict-Transport-Security: max-age=31536000\r\n"
            "Content-Length: 0\r\n"
            "\r\n");
}

TEST(response_head, persistence_is_said_as_each_version_needs)
{
  auto const close11 = head_of(http::status::ok, {}, body_framing::bytes(0), {11, false, false, {}});
  EXPECT_NE(close11.find("Connection: close\r\n"), std::string::npos);
  auto const keep11 = head_of(http::status::ok, {}, body_framing::bytes(0), {11, true, false, {}});
  EXPECT_EQ(keep11.find("Connection"), std::string::npos); // persistent by default
  auto const keep10 = head_of(http::status::ok, {}, body_framing::bytes(0), {10, true, false, {}});
  EXPECT_EQ(keep10.substr(0, 9), "HTTP/1.0 ");
  EXPECT_NE(keep10.find("Connection: keep-alive\r\n"), std::string::npos);
  auto const close10 = head_of(http::status::ok, {}, body_framing::bytes(0), {10, false, false, {}});
  EXPECT_EQ(close10.find("Connection"), std::string::npos); // closing by default
}

TEST(response_head, what_is_written_parses_back_to_what_was_meant)
{
  // Beast's own parser reads the head as a client would.
  http::fields f;
  f.set(http::field::etag, "\"0823f6a2\"");
  f.set(http::field::cache_control, "no-cache");
  auto const h = head_of(http::status::partial_content, f, body_framing::bytes(7), {11, false, false, {}});
  http::response_parser<http::empty_body> p; // not eager: it stops at the end of the head
  boost::system::error_code ec;
  p.put(boost::asio::buffer(h), ec);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_TRUE(p.is_header_done());
  auto const& m = p.get();
  EXPECT_EQ(m.result(), http::status::partial_content);
  EXPECT_EQ(m[http::field::etag], "\"0823f6a2\"");
  EXPECT_EQ(p.content_length().value_or(0), 7u);
  EXPECT_FALSE(m.keep_alive());
}

TEST(response_head, the_date_is_the_edges_and_said_once)
{
  http::fields f;
  f.set(http::field::date, "Thu, 01 Jan 1970 00:00:00 GMT"); // a role's, or an upstream's: not ours to repeat
  auto const h = head_of(http::status::not_modified, f, body_framing::none(),
                         {11, true, false, "Fri, 04 Dec 2026 04:30:00 GMT"});
  EXPECT_EQ(h,
            "HTTP/1.1 304 Not Modified\r\n"
            "Server: zddc\r\n"
            "Date: Fri, 04 Dec 2026 04:30:00 GMT\r\n"
            "X-Content-Type-Options: nosniff\r\n"
            "X-Frame-Options: DENY\r\n"
            "\r\n");
  // Without a clock there is no Date at all (RFC 9110 §6.6.1).
  EXPECT_EQ(head_of(http::status::ok, f, body_framing::bytes(0)).find("Date"), std::string::npos);
}

TEST(response_head, a_date_field_formats_each_second_once)
{
  using namespace std::chrono_literals;
  core::time_point const t{std::chrono::sys_days{std::chrono::year{2026} / 12 / 4} + 4h + 30min};
  date_field d;
  auto const first = d.at(t + 100ms);
  EXPECT_EQ(first, "Fri, 04 Dec 2026 04:30:00 GMT");
  auto const same_second = d.at(t + 999ms);
  EXPECT_EQ(same_second.data(), first.data()); // the same text, not formatted again
  EXPECT_EQ(same_second, "Fri, 04 Dec 2026 04:30:00 GMT");
  EXPECT_EQ(d.at(t + 1s), "Fri, 04 Dec 2026 04:30:01 GMT");
  EXPECT_EQ(d.at(t - 1ns), "Fri, 04 Dec 2026 04:29:59 GMT"); // a clock stepped back is followed
  EXPECT_EQ(d.at(t + 24h), core::format_http_date(t + 24h));
}

} // namespace response_head_test
} // namespace zddc::runtime
