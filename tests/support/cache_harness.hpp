#pragma once
// A cache role over the simulator, as the cache's unit and property tests
// drive it: its Environment (the virtual clock, an in-memory disk, one
// endpoint of the simulated network) and one request run to its answer.

#include "sim_run.hpp"

#include <zddc/core/http_message.hpp>
#include <zddc/core/url_target.hpp>

#include "sim/memory_filesystem.hpp"
#include "sim/memory_request_body.hpp"
#include "sim/network.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace zddc::test_support {

/// The cache's Environment: `to_master_` leads to the master.
template<class Transport = sim::network::endpoint>
struct basic_cache_env {
  using clock_type = sim::virtual_clock;
  using filesystem_type = sim::memory_filesystem;
  using transport_type = Transport;

  sim::virtual_clock& clock_;
  sim::memory_filesystem fs_;
  Transport to_master_;

  clock_type& clock() { return clock_; }
  filesystem_type& fs() { return fs_; }
  transport_type& transport() { return to_master_; }
  struct no_guard {};
  no_guard commit_guard() { return {}; }
};
using cache_env = basic_cache_env<>;

/// A whole answer: the body read out of its file slice, if it was one.
struct answer {
  boost::beast::http::status status{};
  boost::beast::http::fields headers;
  std::string body;
};

/// Runs one request through `role` (a cache or mirror handler) to its
/// answer, within 10 virtual minutes.
template<class Handler>
answer
run_request(boost::asio::io_context& io, sim::virtual_clock& clock, Handler& role, boost::beast::http::verb method,
            std::string_view target, boost::beast::http::fields headers = {},
            std::optional<std::string_view> body = std::nullopt)
{
  auto work = [&]() -> boost::asio::awaitable<answer> {
    std::optional<sim::memory_request_body> b;
    if(body)
      b.emplace(std::string(*body));
    auto const parsed = core::url_target::parse(target);
    EXPECT_TRUE(parsed) << target;
    core::request req{method, parsed ? *parsed : core::encode(core::repo_path()), std::move(headers),
                      b ? &*b : nullptr};
    auto r = co_await role.handle(req);
    answer a{r.status, r.headers, {}};
    auto bytes = core::read_whole_body(r);
    EXPECT_TRUE(bytes) << target;
    if(bytes)
      a.body = std::move(*bytes);
    co_return a;
  };
  auto out = run_for(io, clock, work());
  EXPECT_TRUE(out) << "no answer within 10 virtual minutes";
  return out ? std::move(*out) : answer{};
}

inline boost::beast::http::fields
accept_json()
{
  boost::beast::http::fields h;
  h.set(boost::beast::http::field::accept, "application/json");
  return h;
}

} // namespace zddc::test_support
