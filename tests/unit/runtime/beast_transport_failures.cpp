// How the Beast transport fails: each network failure as the Transport
// contract names it (unreachable, timed out, protocol error), and
// cancellation ending an exchange promptly.
#include "transport_harness.hpp"

namespace zddc::runtime::transport_test {
namespace beast_transport_failures_test {

TEST(beast_transport, connection_refused_is_unreachable)
{
  asio::io_context io;
  std::uint16_t port = 0;
  {
    tcp::acceptor bound(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = bound.local_endpoint().port();
  } // closed: nothing listens there now
  beast_transport transport(io.get_executor(), "http://127.0.0.1:" + std::to_string(port), std::nullopt,
                            quick_options());
  std::optional<round_trip_result> got;
  spawn(io, [&]() -> asio::awaitable<void> {
    env::string_sink sink;
    auto req = request(http::verb::get, "/");
    got = co_await transport.round_trip(std::move(req), sink);
  });
  drive(io);

  ASSERT_TRUE(got);
  ASSERT_FALSE(*got);
  EXPECT_EQ(got->error(), errc::unreachable);
}

TEST(beast_transport, an_unknown_host_is_unreachable)
{
  asio::io_context io;
  // RFC 6761: `.invalid` never resolves.
  beast_transport transport(io.get_executor(), "http://upstream.invalid:8080", std::nullopt, quick_options());
  std::optional<round_trip_result> got;
  spawn(io, [&]() -> asio::awaitable<void> {
    env::string_sink sink;
    auto req = request(http::verb::get, "/");
    got = co_await transport.round_trip(std::move(req), sink);
  });
  drive(io);

  ASSERT_TRUE(got);
  ASSERT_FALSE(*got);
  EXPECT_EQ(got->error(), errc::unreachable);
}

TEST(beast_transport, an_upstream_that_never_answers_times_out)
{
  asio::io_context io;
  upstream up(io);
  auto options = quick_options();
  options.io_timeout = 200ms;
  beast_transport transport(io.get_executor(), up.url(), std::nullopt, options);
  spawn(io, [&]() -> asio::awaitable<void> {
    auto s = co_await up.accept();
    co_await wait_for_close(s); // reads the request, answers nothing
  });
  std::optional<round_trip_result> got;
  std::chrono::steady_clock::duration took{};
  spawn(io, [&]() -> asio::awaitable<void> {
    env::string_sink sink;
    auto req = request(http::verb::get, "/slow");
    auto const started = std::chrono::steady_clock::now();
    got = co_await transport.round_trip(std::move(req), sink);
    took = std::chrono::steady_clock::now() - started;
    up.close();
  });
  drive(io);

  ASSERT_TRUE(got);
  ASSERT_FALSE(*got);
  EXPECT_EQ(got->error(), errc::timed_out);
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 4s);
  EXPECT_EQ(up.accepted(), 1); // a timeout is not retried
}

TEST(beast_transport, a_truncated_response_is_a_protocol_error)
{
  asio::io_context io;
  upstream up(io);
  beast_transport transport(io.get_executor(), up.url(), std::nullopt, quick_options());
  spawn(io, [&]() -> asio::awaitable<void> {
    auto s = co_await up.accept();
    beast::flat_buffer buffer;
    co_await read_request(s, buffer);
    co_await write_text(s, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b");
    s.close();
  });
  std::optional<round_trip_result> got;
  recording_sink sink;
  spawn(io, [&]() -> asio::awaitable<void> {
    auto req = request(http::verb::get, "/cut");
    got = co_await transport.round_trip(std::move(req), sink);
    up.close();
  });
  drive(io);

  ASSERT_TRUE(got);
  ASSERT_FALSE(*got);
  EXPECT_EQ(got->error(), errc::protocol_error);
  EXPECT_EQ(up.accepted(), 1);
  EXPECT_EQ(transport.idle_connections(), 0u);
}

TEST(beast_transport, a_malformed_response_is_a_protocol_error)
{
  asio::io_context io;
  upstream up(io);
  beast_transport transport(io.get_executor(), up.url(), std::nullopt, quick_options());
  spawn(io, [&]() -> asio::awaitable<void> {
    auto s = co_await up.accept();
    beast::flat_buffer buffer;
    co_await read_request(s, buffer);
    co_await write_text(s, "SMTP ready\r\n\r\n");
    co_await wait_for_close(s);
  });
  std::optional<round_trip_result> got;
  env::string_sink sink;
  spawn(io, [&]() -> asio::awaitable<void> {
    auto req = request(http::verb::get, "/");
    got = co_await transport.round_trip(std::move(req), sink);
    up.close();
  });
  drive(io);

  ASSERT_TRUE(got);
  ASSERT_FALSE(*got);
  EXPECT_EQ(got->error(), errc::protocol_error);
}

TEST(beast_transport, cancellation_ends_the_exchange_promptly)
{
  asio::io_context io;
  upstream up(io);
  beast_transport transport(io.get_executor(), up.url()); // 30 s I/O timeout
  asio::cancellation_signal cancel;
  spawn(io, [&]() -> asio::awaitable<void> {
    auto s = co_await up.accept();
    beast::flat_buffer buffer;
    co_await read_request(s, buffer);
    cancel.emit(asio::cancellation_type::terminal); // the request is in; its answer never comes
    co_await wait_for_close(s);
    up.close();
  });
  std::optional<round_trip_result> got;
  env::string_sink sink;
  auto const started = std::chrono::steady_clock::now();
  asio::co_spawn(io, transport.round_trip(request(http::verb::get, "/slow"), sink),
                 asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e, round_trip_result r) {
                   EXPECT_FALSE(e);
                   got = std::move(r);
                 }));
  drive(io);

  ASSERT_TRUE(got);
  ASSERT_FALSE(*got);
  EXPECT_EQ(got->error(), asio::error::operation_aborted);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_EQ(transport.idle_connections(), 0u);
}

// The way core code bounds a round trip: a race with the Clock.

TEST(beast_transport, a_race_with_the_clock_ends_with_the_clock)
{
  asio::io_context io;
  upstream up(io);
  beast_transport transport(io.get_executor(), up.url()); // 30 s I/O timeout
  asio_clock clock(io.get_executor());
  spawn(io, [&]() -> asio::awaitable<void> {
    auto s = co_await up.accept();
    co_await wait_for_close(s);
  });
  std::optional<std::size_t> winner;
  std::chrono::steady_clock::duration took{};
  spawn(io, [&]() -> asio::awaitable<void> {
    env::string_sink sink;
    auto const started = std::chrono::steady_clock::now();
    auto trip = transport.round_trip(request(http::verb::get, "/slow"), sink);
    auto deadline = clock.sleep_until(clock.now() + 100ms);
    auto r = co_await (std::move(trip) || std::move(deadline));
    took = std::chrono::steady_clock::now() - started;
    winner = r.index();
    up.close();
  });
  drive(io);

  ASSERT_TRUE(winner);
  EXPECT_EQ(*winner, 1u);
  EXPECT_LT(took, 10s);
}

} // namespace
} // namespace zddc::runtime::transport_test
