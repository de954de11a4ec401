// The Beast transport against scripted upstreams on 127.0.0.1: bodies
// streamed both ways, framing and headers, what it refuses to be told.
#include "transport_harness.hpp"

namespace zddc::runtime::transport_test {
namespace beast_transport_test {

TEST(beast_transport, get_streams_the_body_to_the_sink_in_order)
{
  asio::io_context io;
  upstream up(io);
  beast_transport transport(io.get_executor(), up.url(), std::nullopt, quick_options());
  auto const body = pattern(300 * 1024);
  http::request<http::string_body> seen;
  spawn(io, [&]() -> asio::awaitable<void> {
    auto s = co_await up.accept();
    beast::flat_buffer buffer;
    seen = co_await read_request(s, buffer);
    // The body goes out in three writes.
    auto const head = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\nETag: \"abc\"\r\nX-Upstream: yes\r\n\r\n";
    co_await write_text(s, head);
    std::string_view const all = body;
    auto const first = all.substr(0, 1000), second = all.substr(1000, 150000), third = all.substr(151000);
    co_await write_text(s, first);
    co_await write_text(s, second);
    co_await write_text(s, third);
  });
  std::optional<round_trip_result> got;
  recording_sink sink;
  spawn(io, [&]() -> asio::awaitable<void> {
    auto req = request(http::verb::get, "/Project/Spec%20A.pdf");
    got = co_await transport.round_trip(std::move(req), sink);
    up.close();
  });
  drive(io);

  ASSERT_TRUE(got && *got) << (got ? got->error().message() : "no result");
  EXPECT_EQ((*got)->status, http::status::ok);
  EXPECT_EQ((*got)->headers[http::field::etag], "\"abc\"");
  EXPECT_EQ((*got)->headers["X-Upstream"], "yes");
  EXPECT_EQ(sink.bytes, body);
  EXPECT_GT(sink.chunks, 1u);
  EXPECT_EQ(seen.method(), http::verb::get);
  EXPECT_EQ(seen.target(), "/Project/Spec%20A.pdf");
  EXPECT_EQ(seen[http::field::host], "127.0.0.1:" + std::to_string(up.port()));
  EXPECT_EQ(seen.find(http::field::authorization), seen.end());
  EXPECT_EQ(seen.find(http::field::content_length), seen.end());
  EXPECT_TRUE(seen.keep_alive());
}

TEST(beast_transport, a_large_body_reaches_the_sink_in_large_pieces)
{
  asio::io_context io;
  upstream up(io);
  beast_transport transport(io.get_executor(), up.url(), std::nullopt, quick_options());
  auto const body = pattern(4 << 20);
  spawn(io, [&]() -> asio::awaitable<void> {
    auto s = co_await up.accept();
    beast::flat_buffer buffer;
    co_await read_request(s, buffer);
    co_await write_text(s, ok(body));
  });
  std::optional<round_trip_result> got;
  recording_sink sink;
  spawn(io, [&]() -> asio::awaitable<void> {
    auto req = request(http::verb::get, "/big.pdf");
    got = co_await transport.round_trip(std::move(req), sink);
    up.close();
  });
  drive(io);

  ASSERT_TRUE(got && *got) << (got ? got->error().message() : "no result");
  EXPECT_EQ(sink.bytes, body);
  // Each piece is a write to a file in the cache: 8 KiB on average at the
  // least (the transport reads up to 64 KiB at a time), not 512 B.
  EXPECT_LE(sink.chunks, body.size() / (8 * 1024)) << sink.chunks << " pieces";
}

TEST(beast_transport, put_streams_a_large_body_with_content_length)
{
  asio::io_context io;
  upstream up(io);
  beast_transport transport(io.get_executor(), up.url(), std::nullopt, quick_options());
  constexpr std::size_t body_bytes = 3 * 1024 * 1024 + 17;
  http::request<http::string_body> seen;
  spawn(io, [&]() -> asio::awaitable<void> {
    auto s = co_await up.accept();
    beast::flat_buffer buffer;
    seen = co_await read_request(s, buffer);
    co_await write_text(s, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
  });
  std::optional<round_trip_result> got;
  pattern_source source(body_bytes, true);
  env::string_sink sink;
  spawn(io, [&]() -> asio::awaitable<void> {
    auto req = request(http::verb::put, "/a/b.bin");
    req.body = &source;
    got = co_await transport.round_trip(std::move(req), sink);
    up.close();
  });
  drive(io);

  ASSERT_TRUE(got && *got) << (got ? got->error().message() : "no result");
  EXPECT_EQ((*got)->status, http::status::created);
  EXPECT_EQ(seen.method(), http::verb::put);
  EXPECT_EQ(seen[http::field::content_length], std::to_string(body_bytes));
  EXPECT_FALSE(seen.chunked());
  EXPECT_TRUE(seen.body() == pattern(body_bytes)) << "the body arrived altered";
  EXPECT_GT(source.reads, 10u);                 // pulled in pieces...
  EXPECT_LE(source.largest_read, 64u * 1024u);  // ...of bounded size
}

TEST(beast_transport, a_body_of_unknown_size_is_sent_chunked)
{
  asio::io_context io;
  upstream up(io);
  beast_transport transport(io.get_executor(), up.url(), std::nullopt, quick_options());
  constexpr std::size_t body_bytes = 200 * 1024 + 5;
  http::request<http::string_body> seen;
  spawn(io, [&]() -> asio::awaitable<void> {
    auto s = co_await up.accept();
    beast::flat_buffer buffer;
    seen = co_await read_request(s, buffer);
    co_await write_text(s, "HTTP/1.1 204 No Content\r\n\r\n");
  });
  std::optional<round_trip_result> got;
  pattern_source source(body_bytes, false);
  env::string_sink sink;
  spawn(io, [&]() -> asio::awaitable<void> {
    auto req = request(http::verb::put, "/c");
    req.body = &source;
    got = co_await transport.round_trip(std::move(req), sink);
    up.close();
  });
  drive(io);

  ASSERT_TRUE(got && *got) << (got ? got->error().message() : "no result");
  EXPECT_EQ((*got)->status, http::status::no_content);
  EXPECT_TRUE(seen.chunked());
  EXPECT_EQ(seen.find(http::field::content_length), seen.end());
  EXPECT_TRUE(seen.body() == pattern(body_bytes)) << "the body arrived altered";
}

TEST(beast_transport, a_source_shorter_than_its_size_fails_the_exchange)
{
  // Declares 1000 bytes, delivers 400.
  class short_source final : public env::body_source {
  public:
    std::optional<std::uint64_t> size() const override { return 1000; }
    result<std::size_t>
    read(std::span<std::byte> buffer) override
    {
      auto const n = std::min<std::size_t>(buffer.size(), 400 - given_);
      given_ += n;
      return n;
    }

  private:
    std::size_t given_ = 0;
  };

  asio::io_context io;
  upstream up(io);
  beast_transport transport(io.get_executor(), up.url(), std::nullopt, quick_options());
  spawn(io, [&]() -> asio::awaitable<void> {
    auto s = co_await up.accept();
    co_await wait_for_close(s);
  });
  std::optional<round_trip_result> got;
  short_source source;
  env::string_sink sink;
  spawn(io, [&]() -> asio::awaitable<void> {
    auto req = request(http::verb::put, "/short");
    req.body = &source;
    got = co_await transport.round_trip(std::move(req), sink);
    up.close();
  });
  drive(io);

  ASSERT_TRUE(got);
  ASSERT_FALSE(*got);
  EXPECT_EQ(got->error(), errc::protocol_error);
  EXPECT_EQ(transport.idle_connections(), 0u);
}

TEST(beast_transport, the_bearer_replaces_any_authorization_and_framing_is_the_transports)
{
  asio::io_context io;
  upstream up(io);
  beast_transport transport(io.get_executor(), up.url(), "zddc_secret-token", quick_options());
  http::request<http::string_body> seen;
  spawn(io, [&]() -> asio::awaitable<void> {
    auto s = co_await up.accept();
    beast::flat_buffer buffer;
    seen = co_await read_request(s, buffer);
    auto const answer = ok("");
    co_await write_text(s, answer);
  });
  std::optional<round_trip_result> got;
  spawn(io, [&]() -> asio::awaitable<void> {
    env::string_sink sink;
    auto req = request(http::verb::get, "/doc");
    req.headers.set(http::field::authorization, "Basic dXNlcjpwYXNz");
    req.headers.set(http::field::host, "elsewhere.example");
    req.headers.set(http::field::connection, "close");
    req.headers.set(http::field::content_length, "99");
    req.headers.set(http::field::if_none_match, "\"abc\"");
    req.headers.set("X-Custom", "kept");
    got = co_await transport.round_trip(std::move(req), sink);
    up.close();
  });
  drive(io);

  ASSERT_TRUE(got && *got);
  EXPECT_EQ(seen[http::field::authorization], "Bearer zddc_secret-token");
  EXPECT_EQ(std::distance(seen.equal_range(http::field::authorization).first,
                          seen.equal_range(http::field::authorization).second), 1);
  EXPECT_EQ(seen[http::field::host], "127.0.0.1:" + std::to_string(up.port()));
  EXPECT_EQ(seen.find(http::field::content_length), seen.end());
  EXPECT_TRUE(seen.keep_alive());
  EXPECT_EQ(seen[http::field::if_none_match], "\"abc\"");
  EXPECT_EQ(seen["X-Custom"], "kept");
  EXPECT_EQ(transport.idle_connections(), 1u);
}

TEST(beast_transport, the_base_url_path_prefixes_every_target)
{
  asio::io_context io;
  upstream up(io);
  beast_transport transport(io.get_executor(), up.url("/mount/zddc/"), std::nullopt, quick_options());
  std::vector<std::string> targets;
  spawn(io, [&]() -> asio::awaitable<void> {
    auto s = co_await up.accept();
    beast::flat_buffer buffer;
    for(int i = 0; i < 2; ++i) {
      auto seen = co_await read_request(s, buffer);
      targets.emplace_back(seen.target());
      auto const answer = ok("");
      co_await write_text(s, answer);
    }
  });
  spawn(io, [&]() -> asio::awaitable<void> {
    env::string_sink sink;
    auto file = request(http::verb::get, "/");
    file.target = core::encode(core::repo_path::parse("Vendors/a b.pdf").value());
    auto r1 = co_await transport.round_trip(std::move(file), sink);
    EXPECT_TRUE(r1);
    auto root = request(http::verb::get, "/?x=1");
    auto r2 = co_await transport.round_trip(std::move(root), sink);
    EXPECT_TRUE(r2);
    up.close();
  });
  drive(io);

  EXPECT_EQ(targets, (std::vector<std::string>{"/mount/zddc/Vendors/a%20b.pdf", "/mount/zddc/?x=1"}));
}

TEST(beast_transport, a_sink_error_ends_the_exchange_and_the_connection)
{
  asio::io_context io;
  upstream up(io);
  beast_transport transport(io.get_executor(), up.url(), std::nullopt, quick_options());
  spawn(io, [&]() -> asio::awaitable<void> {
    auto s = co_await up.accept();
    beast::flat_buffer buffer;
    co_await read_request(s, buffer);
    auto const answer = ok(pattern(1000));
    co_await write_text(s, answer);
    co_await wait_for_close(s);
  });
  std::optional<round_trip_result> got;
  env::string_sink sink(10); // too small
  spawn(io, [&]() -> asio::awaitable<void> {
    auto req = request(http::verb::get, "/big");
    got = co_await transport.round_trip(std::move(req), sink);
    up.close();
  });
  drive(io);

  ASSERT_TRUE(got);
  ASSERT_FALSE(*got);
  EXPECT_EQ(got->error(), errc::too_large);
  EXPECT_EQ(transport.idle_connections(), 0u);
}

// An upstream that never stops sending (chunked, or up to EOF, or past a
// Content-Length far beyond the cap) is cut off where the sink says, and
// the connection is dropped rather than drained.

TEST(beast_transport, an_endless_body_ends_at_the_sinks_limit)
{
  for(std::string const head : {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                                "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n",
                                "HTTP/1.1 200 OK\r\nContent-Length: 419430400\r\n\r\n"}) {
    SCOPED_TRACE(head);
    bool const chunked = head.find("chunked") != std::string::npos;
    asio::io_context io;
    upstream up(io);
    beast_transport transport(io.get_executor(), up.url(), std::nullopt, quick_options());
    std::uint64_t sent = 0;
    spawn(io, [&]() -> asio::awaitable<void> {
      auto s = co_await up.accept();
      beast::flat_buffer buffer;
      co_await read_request(s, buffer);
      co_await write_text(s, head);
      std::string const piece = pattern(16 * 1024);
      std::string const chunk = "4000\r\n" + piece + "\r\n";
      for(;;) { // until the transport hangs up
        auto [ec, n] = co_await asio::async_write(s, asio::buffer(chunked ? chunk : piece), asio::as_tuple(use_awaitable));
        if(ec)
          co_return;
        sent += piece.size();
      }
    });
    std::optional<round_trip_result> got;
    env::string_sink sink(1 << 20);
    spawn(io, [&]() -> asio::awaitable<void> {
      got = co_await transport.round_trip(request(http::verb::get, "/endless"), sink);
      up.close();
    });
    drive(io);

    ASSERT_TRUE(got);
    ASSERT_FALSE(*got);
    EXPECT_EQ(got->error(), errc::too_large);
    EXPECT_EQ(sink.bytes().substr(0, 16 * 1024), pattern(16 * 1024)); // de-chunked when chunked
    EXPECT_LE(sink.bytes().size(), 1u << 20);
    EXPECT_LT(sent, 64u << 20); // stopped reading: the sender was cut off, not drained
    EXPECT_EQ(transport.idle_connections(), 0u);
  }
}

// HEAD answers and 304s carry a Content-Length but no body; reading one
// must not swallow the next response on the connection.

TEST(beast_transport, head_and_not_modified_have_no_body)
{
  asio::io_context io;
  upstream up(io);
  beast_transport transport(io.get_executor(), up.url(), std::nullopt, quick_options());
  spawn(io, [&]() -> asio::awaitable<void> {
    auto s = co_await up.accept();
    beast::flat_buffer buffer;
    co_await read_request(s, buffer);
    co_await write_text(s, "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nETag: \"h\"\r\n\r\n");
    co_await read_request(s, buffer);
    co_await write_text(s, "HTTP/1.1 304 Not Modified\r\nContent-Length: 5000\r\nETag: \"h\"\r\n\r\n");
    co_await read_request(s, buffer);
    auto const answer = ok("after");
    co_await write_text(s, answer);
  });
  std::vector<std::pair<unsigned, std::string>> answers;
  spawn(io, [&]() -> asio::awaitable<void> {
    auto head = request(http::verb::head, "/f");
    auto conditional = request(http::verb::get, "/f");
    conditional.headers.set(http::field::if_none_match, "\"h\"");
    auto plain = request(http::verb::get, "/g");
    for(auto* req : {&head, &conditional, &plain}) {
      env::string_sink sink;
      auto r = co_await transport.round_trip(std::move(*req), sink);
      EXPECT_TRUE(r) << r.error().message();
      if(r)
        answers.emplace_back(static_cast<unsigned>(r->status), sink.take());
    }
    up.close();
  });
  drive(io);

  EXPECT_EQ(answers, (std::vector<std::pair<unsigned, std::string>>{{200, ""}, {304, ""}, {200, "after"}}));
  EXPECT_EQ(up.accepted(), 1);
}

TEST(beast_transport, a_chunked_response_is_unframed_and_hop_by_hop_fields_removed)
{
  asio::io_context io;
  upstream up(io);
  beast_transport transport(io.get_executor(), up.url(), std::nullopt, quick_options());
  spawn(io, [&]() -> asio::awaitable<void> {
    auto s = co_await up.accept();
    beast::flat_buffer buffer;
    co_await read_request(s, buffer);
    co_await write_text(s, "HTTP/1.1 100 Continue\r\n\r\n"
                           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive, X-Hop\r\n"
                           "X-Hop: 1\r\nKeep-Alive: timeout=5\r\nX-End: 2\r\n\r\n"
                           "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  });
  std::optional<round_trip_result> got;
  env::string_sink sink;
  spawn(io, [&]() -> asio::awaitable<void> {
    auto req = request(http::verb::get, "/chunks");
    got = co_await transport.round_trip(std::move(req), sink);
    up.close();
  });
  drive(io);

  ASSERT_TRUE(got && *got) << (got ? got->error().message() : "no result");
  EXPECT_EQ((*got)->status, http::status::ok);
  EXPECT_EQ(sink.bytes(), "hello world");
  auto const& h = (*got)->headers;
  EXPECT_EQ(h.find(http::field::transfer_encoding), h.end());
  EXPECT_EQ(h.find(http::field::connection), h.end());
  EXPECT_EQ(h.find(http::field::keep_alive), h.end());
  EXPECT_EQ(h.find("X-Hop"), h.end());
  EXPECT_EQ(h["X-End"], "2");
  EXPECT_EQ(transport.idle_connections(), 1u);
}

TEST(beast_transport, redirects_are_returned_not_followed)
{
  asio::io_context io;
  upstream up(io);
  beast_transport transport(io.get_executor(), up.url(), std::nullopt, quick_options());
  int requests_seen = 0;
  spawn(io, [&]() -> asio::awaitable<void> {
    auto s = co_await up.accept();
    beast::flat_buffer buffer;
    co_await read_request(s, buffer);
    ++requests_seen;
    co_await write_text(s, "HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n");
  });
  std::optional<round_trip_result> got;
  env::string_sink sink;
  spawn(io, [&]() -> asio::awaitable<void> {
    auto req = request(http::verb::get, "/moved");
    got = co_await transport.round_trip(std::move(req), sink);
    up.close();
  });
  drive(io);

  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->status, http::status::found);
  EXPECT_EQ((*got)->headers[http::field::location], "/elsewhere");
  EXPECT_EQ(requests_seen, 1);
}

// An upstream that refuses an upload answers and closes without reading the
// body; the answer still reaches the caller although the send failed.

TEST(beast_transport, an_answer_sent_before_the_body_was_read_is_returned)
{
  asio::io_context io;
  upstream up(io);
  beast_transport transport(io.get_executor(), up.url(), std::nullopt, quick_options());
  spawn(io, [&]() -> asio::awaitable<void> {
    auto s = co_await up.accept();
    beast::flat_buffer buffer;
    http::request_parser<http::empty_body> parser;
    parser.body_limit(boost::none);
    co_await http::async_read_header(s, buffer, parser, use_awaitable);
    co_await write_text(s, "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 9\r\nConnection: close\r\n\r\ntoo large");
    s.close(); // unread body bytes: the kernel answers them with a reset
  });
  std::optional<round_trip_result> got;
  pattern_source source(32u << 20, true); // more than the socket buffers hold
  env::string_sink sink;
  spawn(io, [&]() -> asio::awaitable<void> {
    auto req = request(http::verb::put, "/huge");
    req.body = &source;
    got = co_await transport.round_trip(std::move(req), sink);
    up.close();
  });
  drive(io);

  ASSERT_TRUE(got && *got) << (got ? got->error().message() : "no result");
  EXPECT_EQ((*got)->status, http::status::payload_too_large);
  EXPECT_EQ(sink.bytes(), "too large");
  EXPECT_EQ(transport.idle_connections(), 0u);
}

TEST(beast_transport, unusable_configuration_is_refused)
{
  asio::io_context io;
  auto const refused = [&](std::string_view url, std::optional<std::string> bearer = std::nullopt,
                           beast_transport_options options = {}) {
    try {
      beast_transport t(io.get_executor(), url, std::move(bearer), std::move(options));
    } catch(const config_error&) {
      return true;
    }
    return false;
  };
  EXPECT_TRUE(refused("ftp://host/"));
  EXPECT_TRUE(refused("127.0.0.1:8080"));
  EXPECT_TRUE(refused("/relative"));
  EXPECT_TRUE(refused("http://user:pass@host/"));
  EXPECT_TRUE(refused("http://host/?q=1"));
  EXPECT_TRUE(refused("http://host/#f"));
  EXPECT_TRUE(refused("http://host:0/"));
  EXPECT_TRUE(refused("http://host:99999/"));
  EXPECT_TRUE(refused("http:///path"));
  EXPECT_TRUE(refused("http://host/", "two words"));
  EXPECT_TRUE(refused("http://host/", "line\r\nX-Injected: 1"));
  EXPECT_TRUE(refused("http://host/", ""));
  beast_transport_options missing_ca;
  missing_ca.ca_file = "/nonexistent/ca.pem";
  EXPECT_TRUE(refused("https://host/", std::nullopt, missing_ca));

  EXPECT_FALSE(refused("http://host"));
  EXPECT_FALSE(refused("HTTP://Host:8080/prefix/"));
  EXPECT_FALSE(refused("http://[::1]:8080"));
  EXPECT_FALSE(refused("https://host/", "zddc_abc.DEF-123"));
}

} // namespace
} // namespace zddc::runtime::transport_test
