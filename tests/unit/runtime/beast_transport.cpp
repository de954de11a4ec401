#include "runtime/beast_transport.hpp"

#include "runtime/asio_clock.hpp"
#include "runtime/config.hpp"

#include <zddc/env/memory_bodies.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <unistd.h>

namespace zddc::runtime {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::use_awaitable;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;

using round_trip_result = result<env::upstream_response>;

constexpr auto hang_limit = 20s; // a loop still busy after this has hung: the test fails

// Runs `f` (a coroutine function) on `io`; an exception fails the test,
// except the `operation_aborted` of an accept that the test closed.
template<class F>
void
spawn(asio::io_context& io, F f)
{
  asio::co_spawn(io, std::move(f), [](std::exception_ptr e) {
    if(! e)
      return;
    try {
      std::rethrow_exception(e);
    } catch(const boost::system::system_error& x) {
      if(x.code() != asio::error::operation_aborted)
        ADD_FAILURE() << "coroutine failed: " << x.what();
    } catch(const std::exception& x) {
      ADD_FAILURE() << "coroutine failed: " << x.what();
    }
  });
}

// Runs the loop until nothing is left to do.
void
drive(asio::io_context& io)
{
  io.run_for(hang_limit);
  EXPECT_TRUE(io.stopped()) << "the exchange hung";
}

// A scripted upstream on 127.0.0.1, on a free port, on the test's loop.
class upstream {
public:
  explicit upstream(asio::io_context& io)
    : acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), port_(acceptor_.local_endpoint().port())
  {
  }

  std::uint16_t port() const { return port_; }
  std::string url(std::string_view path = "") const
  {
    return "http://127.0.0.1:" + std::to_string(port()) + std::string(path);
  }

  asio::awaitable<tcp::socket>
  accept()
  {
    auto socket = co_await acceptor_.async_accept(use_awaitable);
    ++accepted_;
    co_return socket;
  }

  /// Stops accepting: a pending accept ends, and so does the loop.
  void
  close()
  {
    error_code ignored;
    acceptor_.close(ignored);
  }

  int accepted() const { return accepted_; }

private:
  tcp::acceptor acceptor_;
  std::uint16_t port_;
  int accepted_ = 0;
};

template<class Stream>
asio::awaitable<http::request<http::string_body>>
read_request(Stream& s, beast::flat_buffer& buffer)
{
  http::request_parser<http::string_body> parser;
  parser.body_limit(64u << 20);
  co_await http::async_read(s, buffer, parser, use_awaitable);
  co_return parser.release();
}

template<class Stream>
asio::awaitable<void>
write_text(Stream& s, std::string_view text)
{
  co_await asio::async_write(s, asio::buffer(text), use_awaitable);
}

// Waits until the peer closes (or resets) the connection.
asio::awaitable<void>
wait_for_close(tcp::socket& s)
{
  std::array<char, 4096> scratch;
  for(;;) {
    auto [ec, n] = co_await s.async_read_some(asio::buffer(scratch), asio::as_tuple(use_awaitable));
    if(ec)
      co_return;
  }
}

std::string
ok(std::string_view body, std::string_view extra_fields = "")
{
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + std::string(extra_fields) +
         "\r\n" + std::string(body);
}

env::upstream_request
request(http::verb method, std::string_view target)
{
  env::upstream_request r;
  r.method = method;
  r.target = core::url_target::parse(target).value();
  return r;
}

std::byte
pattern_byte(std::uint64_t i)
{
  return static_cast<std::byte>((i * 131 + i / 4093) & 0xff);
}

std::string
pattern(std::size_t n)
{
  std::string s(n, '\0');
  for(std::size_t i = 0; i < n; ++i)
    s[i] = static_cast<char>(pattern_byte(i));
  return s;
}

// A request body generated on demand, so nothing holds it whole; records
// how it was pulled.
class pattern_source final : public env::body_source {
public:
  pattern_source(std::uint64_t bytes, bool size_known) : bytes_(bytes), size_known_(size_known) {}

  std::optional<std::uint64_t> size() const override
  {
    return size_known_ ? std::optional<std::uint64_t>(bytes_) : std::nullopt;
  }

  result<std::size_t>
  read(std::span<std::byte> buffer) override
  {
    ++reads;
    largest_read = std::max(largest_read, buffer.size());
    auto const n = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), bytes_ - offset_));
    for(std::size_t i = 0; i < n; ++i)
      buffer[i] = pattern_byte(offset_ + i);
    offset_ += n;
    return n;
  }

  std::size_t reads = 0;
  std::size_t largest_read = 0;

private:
  std::uint64_t bytes_;
  bool size_known_;
  std::uint64_t offset_ = 0;
};

// Collects a response body and counts the chunks it came in.
class recording_sink final : public env::body_sink {
public:
  error_code
  write(std::span<const std::byte> chunk) override
  {
    ++chunks;
    bytes.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
    return {};
  }

  std::string bytes;
  std::size_t chunks = 0;
};

beast_transport_options
quick_options()
{
  beast_transport_options o;
  o.io_timeout = 5s; // a test that waits this long has failed anyway
  return o;
}

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

// TLS --------------------------------------------------------------------

struct test_certificate {
  std::string cert_pem;
  std::string key_pem;
};

std::string
bio_text(BIO* bio)
{
  char* data = nullptr;
  auto const n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

// A self-signed certificate for `subject_alt_name` (OpenSSL's syntax:
// `IP:127.0.0.1`, `DNS:localhost`), valid for an hour either side of now.
test_certificate
make_self_signed(const std::string& subject_alt_name)
{
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("zddc test"), -1,
                             -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, subject_alt_name.c_str());
  X509_add_ext(cert, san, -1);
  X509_EXTENSION_free(san);
  X509_sign(cert, key, EVP_sha256());

  test_certificate out;
  BIO* c = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(c, cert);
  out.cert_pem = bio_text(c);
  BIO_free(c);
  BIO* k = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr);
  out.key_pem = bio_text(k);
  BIO_free(k);
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

// A file removed at the end of the test.
class temp_file {
public:
  explicit temp_file(std::string_view text)
  {
    std::string tmpl = (std::filesystem::temp_directory_path() / "zddc-ca-XXXXXX").string();
    int const fd = ::mkstemp(tmpl.data());
    if(fd < 0)
      throw std::runtime_error("mkstemp failed");
    ::close(fd);
    path_ = tmpl;
    std::ofstream(path_) << text;
  }
  ~temp_file() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

private:
  std::filesystem::path path_;
};

class beast_transport_tls : public ::testing::Test {
protected:
  // Serves `answers` on one TLS connection; records the SNI name sent.
  void
  serve(const test_certificate& cert, std::vector<std::string> answers)
  {
    server_tls_.use_certificate_chain(asio::buffer(cert.cert_pem));
    server_tls_.use_private_key(asio::buffer(cert.key_pem), asio::ssl::context::pem);
    spawn(io_, [this, answers = std::move(answers)]() -> asio::awaitable<void> {
      auto socket = co_await up_.accept();
      asio::ssl::stream<tcp::socket> s(std::move(socket), server_tls_);
      auto [hec] = co_await s.async_handshake(asio::ssl::stream_base::server, asio::as_tuple(use_awaitable));
      if(hec) {
        handshake_failed_ = true;
        co_return;
      }
      if(auto const* sni = SSL_get_servername(s.native_handle(), TLSEXT_NAMETYPE_host_name))
        sni_ = sni;
      beast::flat_buffer buffer;
      for(auto const& answer : answers) {
        co_await read_request(s, buffer);
        co_await write_text(s, answer);
      }
      // Closes without a TLS shutdown: the client keeps the connection
      // pooled and would never answer one.
    });
  }

  // Runs GETs of `/` through `transport`, one after the other.
  std::vector<round_trip_result>
  get(beast_transport& transport, int count)
  {
    std::vector<round_trip_result> results;
    bodies_.clear();
    spawn(io_, [&]() -> asio::awaitable<void> {
      for(int i = 0; i < count; ++i) {
        env::string_sink sink;
        auto req = request(http::verb::get, "/");
        auto r = co_await transport.round_trip(std::move(req), sink);
        results.push_back(std::move(r));
        bodies_.push_back(sink.take());
      }
      up_.close();
    });
    drive(io_);
    return results;
  }

  std::string https_url(std::string_view host) const
  {
    return "https://" + std::string(host) + ":" + std::to_string(up_.port()) + "/";
  }

  asio::io_context io_;
  upstream up_{io_};
  asio::ssl::context server_tls_{asio::ssl::context::tls_server};
  std::vector<std::string> bodies_;
  std::string sni_;
  bool handshake_failed_ = false;
};

TEST_F(beast_transport_tls, a_trusted_certificate_carries_keep_alive_requests)
{
  auto const cert = make_self_signed("IP:127.0.0.1");
  temp_file ca(cert.cert_pem);
  serve(cert, {ok("one"), ok("two")});
  auto options = quick_options();
  options.ca_file = ca.path();
  beast_transport transport(io_.get_executor(), https_url("127.0.0.1"), "tok", options);
  auto const results = get(transport, 2);

  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0]) << results[0].error().message();
  EXPECT_TRUE(results[1]) << results[1].error().message();
  EXPECT_EQ(bodies_, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(up_.accepted(), 1);
  EXPECT_EQ(sni_, ""); // no SNI for an address
}

TEST_F(beast_transport_tls, a_host_name_is_sent_as_sni_and_verified)
{
  auto const cert = make_self_signed("DNS:localhost");
  temp_file ca(cert.cert_pem);
  serve(cert, {ok("named")});
  auto options = quick_options();
  options.ca_file = ca.path();
  beast_transport transport(io_.get_executor(), https_url("localhost"), std::nullopt, options);
  auto const results = get(transport, 1);

  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0]) << results[0].error().message();
  EXPECT_EQ(bodies_, (std::vector<std::string>{"named"}));
  EXPECT_EQ(sni_, "localhost");
}

TEST_F(beast_transport_tls, an_untrusted_certificate_is_unreachable)
{
  auto const cert = make_self_signed("IP:127.0.0.1");
  serve(cert, {ok("never")});
  beast_transport transport(io_.get_executor(), https_url("127.0.0.1"), std::nullopt, quick_options());
  auto const results = get(transport, 1);

  ASSERT_EQ(results.size(), 1u);
  ASSERT_FALSE(results[0]);
  EXPECT_EQ(results[0].error(), errc::unreachable);
  EXPECT_TRUE(handshake_failed_);
}

TEST_F(beast_transport_tls, a_certificate_for_another_name_is_unreachable)
{
  auto const cert = make_self_signed("DNS:upstream.test");
  temp_file ca(cert.cert_pem);
  serve(cert, {ok("never")});
  auto options = quick_options();
  options.ca_file = ca.path();
  beast_transport transport(io_.get_executor(), https_url("127.0.0.1"), std::nullopt, options);
  auto const results = get(transport, 1);

  ASSERT_EQ(results.size(), 1u);
  ASSERT_FALSE(results[0]);
  EXPECT_EQ(results[0].error(), errc::unreachable);
  EXPECT_TRUE(handshake_failed_);
}

} // namespace
} // namespace zddc::runtime
