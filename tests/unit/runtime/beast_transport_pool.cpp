// The Beast transport's connection pool: keep-alive, its bound, and a
// pooled connection the upstream closed meanwhile (retried once, never
// after the request body was read).
#include "transport_harness.hpp"

namespace zddc::runtime::transport_test {
namespace beast_transport_pool_test {

TEST(beast_transport, keep_alive_reuses_one_connection)
{
  asio::io_context io;
  upstream up(io);
  beast_transport transport(io.get_executor(), up.url(), std::nullopt, quick_options());
  spawn(io, [&]() -> asio::awaitable<void> {
    auto s = co_await up.accept();
    beast::flat_buffer buffer;
    for(auto const* text : {"first", "second"}) {
      co_await read_request(s, buffer);
      auto const answer = ok(text);
      co_await write_text(s, answer);
    }
  });
  std::vector<std::string> bodies;
  std::size_t idle_after_first = 0;
  spawn(io, [&]() -> asio::awaitable<void> {
    for(int i = 0; i < 2; ++i) {
      env::string_sink sink;
      auto req = request(http::verb::get, "/x");
      auto r = co_await transport.round_trip(std::move(req), sink);
      EXPECT_TRUE(r) << r.error().message();
      bodies.push_back(sink.take());
      if(i == 0)
        idle_after_first = transport.idle_connections();
    }
    up.close();
  });
  drive(io);

  EXPECT_EQ(bodies, (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(up.accepted(), 1);
  EXPECT_EQ(idle_after_first, 1u);
  EXPECT_EQ(transport.idle_connections(), 1u);
}

TEST(beast_transport, the_pool_keeps_at_most_idle_connections_max)
{
  asio::io_context io;
  upstream up(io);
  auto options = quick_options();
  options.idle_connections_max = 2;
  beast_transport transport(io.get_executor(), up.url(), std::nullopt, options);
  constexpr int concurrent = 3;
  spawn(io, [&]() -> asio::awaitable<void> {
    for(int i = 0; i < concurrent; ++i) {
      auto accepted = co_await up.accept();
      spawn(io, [s = std::move(accepted)]() mutable -> asio::awaitable<void> {
        beast::flat_buffer buffer;
        co_await read_request(s, buffer);
        auto const answer = ok("x");
        co_await write_text(s, answer);
      });
    }
  });
  int done = 0;
  for(int i = 0; i < concurrent; ++i)
    spawn(io, [&]() -> asio::awaitable<void> {
      env::string_sink sink;
      auto req = request(http::verb::get, "/x");
      auto r = co_await transport.round_trip(std::move(req), sink);
      EXPECT_TRUE(r) << r.error().message();
      if(++done == concurrent)
        up.close();
    });
  drive(io);

  EXPECT_EQ(done, concurrent);
  EXPECT_EQ(up.accepted(), concurrent); // each concurrent exchange had its own connection
  EXPECT_EQ(transport.idle_connections(), 2u);
}

// The upstream closes a keep-alive connection after its first answer; the
// next request goes out on a fresh one without the caller noticing.

TEST(beast_transport, a_pooled_connection_closed_by_the_upstream_is_replaced)
{
  asio::io_context io;
  upstream up(io);
  beast_transport transport(io.get_executor(), up.url(), std::nullopt, quick_options());
  spawn(io, [&]() -> asio::awaitable<void> {
    for(auto const* text : {"first", "second"}) {
      auto s = co_await up.accept();
      beast::flat_buffer buffer;
      co_await read_request(s, buffer);
      auto const answer = ok(text); // says nothing of closing: the client pools it
      co_await write_text(s, answer);
      s.close();
    }
  });
  std::vector<std::string> bodies;
  spawn(io, [&]() -> asio::awaitable<void> {
    for(int i = 0; i < 2; ++i) {
      env::string_sink sink;
      auto req = request(http::verb::get, "/x");
      auto r = co_await transport.round_trip(std::move(req), sink);
      EXPECT_TRUE(r) << r.error().message();
      bodies.push_back(sink.take());
    }
    up.close();
  });
  drive(io);

  EXPECT_EQ(bodies, (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(up.accepted(), 2);
}

// The race the retry exists for: the upstream closes the idle connection
// just as the second request arrives on it, answering nothing.

TEST(beast_transport, a_request_met_by_a_closing_connection_is_retried_once)
{
  asio::io_context io;
  upstream up(io);
  beast_transport transport(io.get_executor(), up.url(), std::nullopt, quick_options());
  int requests_seen = 0;
  spawn(io, [&]() -> asio::awaitable<void> {
    {
      auto s = co_await up.accept();
      beast::flat_buffer buffer;
      co_await read_request(s, buffer);
      auto const first = ok("first");
      co_await write_text(s, first);
      co_await read_request(s, buffer); // the second request arrives...
      ++requests_seen;
      s.close();                        // ...and is dropped unanswered
    }
    auto s = co_await up.accept();
    beast::flat_buffer buffer;
    co_await read_request(s, buffer);
    ++requests_seen;
    auto const second = ok("second");
    co_await write_text(s, second);
  });
  std::vector<std::string> bodies;
  spawn(io, [&]() -> asio::awaitable<void> {
    for(int i = 0; i < 2; ++i) {
      env::string_sink sink;
      auto req = request(http::verb::get, "/x");
      auto r = co_await transport.round_trip(std::move(req), sink);
      EXPECT_TRUE(r) << r.error().message();
      bodies.push_back(sink.take());
    }
    up.close();
  });
  drive(io);

  EXPECT_EQ(bodies, (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(up.accepted(), 2);
  EXPECT_EQ(requests_seen, 2);
}

// A body source cannot be rewound: once its bytes went out, a connection
// that then fails is reported, not retried.

TEST(beast_transport, a_closing_connection_is_not_retried_once_the_body_was_read)
{
  asio::io_context io;
  upstream up(io);
  beast_transport transport(io.get_executor(), up.url(), std::nullopt, quick_options());
  spawn(io, [&]() -> asio::awaitable<void> {
    auto s = co_await up.accept();
    beast::flat_buffer buffer;
    co_await read_request(s, buffer);
    auto const first = ok("first");
    co_await write_text(s, first);
    http::request_parser<http::empty_body> parser;
    co_await http::async_read_header(s, buffer, parser, use_awaitable);
    s.close(); // the PUT's head arrived; its body is dropped unanswered
    co_await up.accept(); // a retry would land here (the test closes the acceptor)
  });
  std::optional<round_trip_result> second;
  spawn(io, [&]() -> asio::awaitable<void> {
    env::string_sink sink;
    auto get = request(http::verb::get, "/x");
    auto first = co_await transport.round_trip(std::move(get), sink);
    EXPECT_TRUE(first);
    env::string_source body(pattern(100 * 1024));
    auto put = request(http::verb::put, "/x");
    put.body = &body;
    second = co_await transport.round_trip(std::move(put), sink);
    up.close();
  });
  drive(io);

  ASSERT_TRUE(second);
  ASSERT_FALSE(*second);
  EXPECT_EQ(second->error(), errc::unreachable);
  EXPECT_EQ(up.accepted(), 1);
}

} // namespace
} // namespace zddc::runtime::transport_test
