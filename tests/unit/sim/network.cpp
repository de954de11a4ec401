// The simulated network: delivery, latency, partitions, lost messages,
// injected errors, slow bodies, and crashes on either side.
#include "sim/network.hpp"
#include "sim/scheduler.hpp"

#include <zddc/env/memory_bodies.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <optional>

namespace zddc::sim {
namespace network_test {

namespace http = boost::beast::http;
using namespace std::chrono_literals;

/// Echoes the request body; can be told to take its time, and to crash.
class echo_node final : public node {
public:
  echo_node(virtual_clock& clock) : node("server"), clock_(clock) {}

  boost::asio::awaitable<served>
  serve(core::request& req) override
  {
    ++served_;
    std::string body;
    if(req.body) {
      std::array<std::byte, 1024> buf;
      for(;;) {
        auto n = co_await req.body->read_some(buf);
        if(! n || *n == 0)
          break;
        ++pieces_;
        body.append(reinterpret_cast<const char*>(buf.data()), *n);
      }
    }
    if(think_ > env::duration::zero())
      co_await clock_.sleep_until(clock_.now() + think_);
    co_return served{http::status::ok, {}, "echo:" + body};
  }

  void crash() { mark_down(); }
  void restart() { mark_up(); }

  env::duration think_{};
  int served_ = 0;
  int pieces_ = 0;

private:
  virtual_clock& clock_;
};

class recorder final : public network_observer {
public:
  void on_delivered(const exchange&) override { ++delivered; }
  void on_served(const exchange& x) override
  {
    ++answered;
    last_status = x.response.status;
  }
  int delivered = 0, answered = 0;
  http::status last_status{};
};

class sim_network : public ::testing::Test {
protected:
  struct outcome {
    result<env::upstream_response> head = errc::unreachable;
    std::string body;
    env::duration took{};
  };

  sim_network() { net_.set_observer(&observed_); }

  /// Sends one PUT from the client to the server and runs the world until quiet.
  outcome
  exchange_once(std::string body = "hello")
  {
    std::optional<outcome> out;
    auto const start = clock_.now();
    boost::asio::co_spawn(
      io_,
      [&]() -> boost::asio::awaitable<void> {
        auto ep = net_.connect(client_, server_);
        env::string_source source(body);
        env::string_sink sink;
        env::upstream_request req{http::verb::put, core::encode(*core::repo_path::parse("a b.txt")), {}, &source};
        auto head = co_await ep.round_trip(std::move(req), sink);
        out = outcome{std::move(head), sink.take(), clock_.now() - start};
      },
      [](std::exception_ptr e) {
        if(e)
          std::rethrow_exception(e);
      });
    run_until_quiet(io_, clock_);
    return std::move(*out);
  }

  boost::asio::io_context io_;
  virtual_clock clock_{io_.get_executor()};
  rng rng_{42};
  trace trace_{clock_};
  network net_{clock_, rng_, trace_};
  recorder observed_;
  node client_{"client"};
  echo_node server_{clock_};
};

TEST_F(sim_network, delivers_the_request_and_returns_the_reply_after_the_latency)
{
  net_.set_profile({.latency_min = 10ms, .latency_max = 10ms});
  auto const r = exchange_once("payload");
  ASSERT_TRUE(r.head);
  EXPECT_EQ(r.head->status, http::status::ok);
  EXPECT_EQ(r.body, "echo:payload");
  EXPECT_EQ(r.took, 20ms);
  EXPECT_EQ(observed_.delivered, 1);
  EXPECT_EQ(observed_.answered, 1);
}

TEST_F(sim_network, a_partition_refuses_until_it_heals)
{
  net_.partition(client_, server_);
  EXPECT_TRUE(net_.partitioned(server_, client_));
  auto const refused = exchange_once();
  ASSERT_FALSE(refused.head);
  EXPECT_EQ(refused.head.error(), errc::unreachable);
  EXPECT_EQ(server_.served_, 0);

  net_.heal(server_, client_);
  auto const healed = exchange_once();
  ASSERT_TRUE(healed.head);
  EXPECT_EQ(server_.served_, 1);
}

TEST_F(sim_network, a_request_dropped_before_delivery_never_reaches_the_server)
{
  net_.set_profile({.timeout = 30s, .drop_request = 1.0});
  auto const r = exchange_once();
  ASSERT_FALSE(r.head);
  EXPECT_EQ(r.head.error(), errc::timed_out);
  EXPECT_GE(r.took, 30s);
  EXPECT_EQ(server_.served_, 0);
  EXPECT_EQ(observed_.delivered, 0);
}

TEST_F(sim_network, a_lost_reply_leaves_the_request_applied_and_the_caller_in_doubt)
{
  net_.set_profile({.timeout = 30s, .lose_reply = 1.0});
  auto const r = exchange_once();
  ASSERT_FALSE(r.head);
  EXPECT_EQ(r.head.error(), errc::timed_out);
  EXPECT_EQ(server_.served_, 1);
  EXPECT_EQ(observed_.answered, 1); // the checkers know it happened
}

TEST_F(sim_network, an_injected_502_comes_from_in_front_of_the_server)
{
  net_.set_profile({.inject_5xx = 1.0});
  auto const r = exchange_once();
  ASSERT_TRUE(r.head);
  EXPECT_EQ(r.head->status, http::status::bad_gateway);
  EXPECT_EQ(server_.served_, 0);
}

TEST_F(sim_network, a_slow_body_arrives_in_pieces_over_time_and_whole)
{
  net_.set_profile({.latency_min = 1ms, .latency_max = 1ms, .slow_body = 1.0, .slow_pause_max = 2s});
  std::string const body(500, 'x');
  auto const r = exchange_once(body);
  ASSERT_TRUE(r.head);
  EXPECT_EQ(r.body, "echo:" + body);
  EXPECT_GT(server_.pieces_, 5);
  EXPECT_GT(r.took, 1s);
}

TEST_F(sim_network, a_server_that_crashes_while_serving_sends_no_reply)
{
  net_.set_profile({.latency_min = 1ms, .latency_max = 1ms, .timeout = 30s});
  server_.think_ = 10s;
  boost::asio::co_spawn(
    io_,
    [&]() -> boost::asio::awaitable<void> {
      co_await clock_.sleep_until(clock_.now() + 5s);
      server_.crash();
    },
    [](std::exception_ptr e) {
      if(e)
        std::rethrow_exception(e);
    });
  auto const r = exchange_once();
  ASSERT_FALSE(r.head);
  EXPECT_EQ(r.head.error(), errc::timed_out);
  EXPECT_EQ(observed_.delivered, 1);
  EXPECT_EQ(observed_.answered, 0); // what a crashed incarnation answers never counts
}

TEST_F(sim_network, a_down_server_refuses)
{
  server_.crash();
  auto const r = exchange_once();
  ASSERT_FALSE(r.head);
  EXPECT_EQ(r.head.error(), errc::unreachable);
}

TEST_F(sim_network, the_trace_hash_is_a_function_of_the_seed)
{
  auto run = [](std::uint64_t seed) {
    boost::asio::io_context io;
    virtual_clock clock(io.get_executor());
    rng random(seed);
    trace log(clock);
    network net(clock, random, log);
    net.set_profile({.latency_min = 1ms, .latency_max = 500ms, .lose_reply = 0.3, .slow_body = 0.3});
    node a("a");
    echo_node b(clock);
    for(int i = 0; i < 20; ++i)
      boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
          auto ep = net.connect(a, b);
          env::string_sink sink;
          env::upstream_request req; // named: GCC 12 mishandles a temporary argument to a co_await
          (void)co_await ep.round_trip(std::move(req), sink);
        },
        [](std::exception_ptr e) {
          if(e)
            std::rethrow_exception(e);
        });
    run_until_quiet(io, clock);
    return log.hash();
  };
  EXPECT_EQ(run(1), run(1));
  EXPECT_NE(run(1), run(2));
}

} // namespace
} // namespace zddc::sim
