#pragma once
// What the beast_transport tests share: a scripted upstream on 127.0.0.1
// (a free port, on the test's own loop), request and answer helpers, and a
// request body and a response sink that record how they were used.

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

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <unistd.h>

namespace zddc::runtime::transport_test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::use_awaitable;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;

using round_trip_result = result<env::upstream_response>;

inline constexpr auto hang_limit = 20s; // a loop still busy after this has hung: the test fails

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
inline void
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
inline asio::awaitable<void>
wait_for_close(tcp::socket& s)
{
  std::array<char, 4096> scratch;
  for(;;) {
    auto [ec, n] = co_await s.async_read_some(asio::buffer(scratch), asio::as_tuple(use_awaitable));
    if(ec)
      co_return;
  }
}

inline std::string
ok(std::string_view body, std::string_view extra_fields = "")
{
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + std::string(extra_fields) +
         "\r\n" + std::string(body);
}

inline env::upstream_request
request(http::verb method, std::string_view target)
{
  env::upstream_request r;
  r.method = method;
  r.target = core::url_target::parse(target).value();
  return r;
}

inline std::byte
pattern_byte(std::uint64_t i)
{
  return static_cast<std::byte>((i * 131 + i / 4093) & 0xff);
}

inline std::string
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

inline beast_transport_options
quick_options()
{
  beast_transport_options o;
  o.io_timeout = 5s; // a test that waits this long has failed anyway
  return o;
}

} // namespace zddc::runtime::transport_test
