#pragma once
// The master role over the in-memory filesystem and the virtual clock: what
// the handler and tree tests stand on.

#include <zddc/master/handler.hpp>

#include "sim/memory_env.hpp"
#include "sim/memory_filesystem.hpp"
#include "sim/memory_request_body.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace zddc::master::testing {

namespace http = boost::beast::http;

using test_env = sim::memory_env;
using response = handler<test_env>::response_type;
using header_list = std::vector<std::pair<http::field, std::string>>;

inline core::repo_path
path(std::string_view s)
{
  return *core::repo_path::parse(s);
}

class master_fixture : public ::testing::Test {
protected:
  explicit master_fixture(config cfg = {}) : tree_(std::make_shared<tree_index<sim::memory_filesystem>>(env_.fs_)), handler_(env_, cfg, tree_) {}

  void write(std::string_view p, std::string_view bytes) { env_.fs_.write_file_direct(path(p), bytes); }

  std::string
  contents(std::string_view p)
  {
    auto r = env::read_all(env_.fs_, path(p), 1 << 20);
    return r ? *r : "<" + r.error().message() + ">";
  }

  /// Runs one request to completion; `body` arrives in small pieces (streaming exercised).
  response
  send(http::verb method, std::string_view target, header_list headers = {}, std::optional<std::string> body = std::nullopt,
       bool declare_length = true, const core::principal* who = &admin_)
  {
    core::request req;
    req.method = method;
    auto t = core::url_target::parse(target);
    EXPECT_TRUE(t) << target;
    req.target = *t;
    for(auto const& [f, v] : headers)
      req.headers.set(f, v);
    std::optional<sim::memory_request_body> source;
    if(body) {
      source.emplace(*body, declare_length, 7);
      req.body = &*source;
    }
    boost::asio::io_context io;
    auto fut = boost::asio::co_spawn(io, handler_.handle(req, who), boost::asio::use_future);
    io.run();
    return fut.get();
  }

  /// The same as `who` (no body).
  response
  send_as(const core::principal& who, http::verb method, std::string_view target, header_list headers = {})
  {
    return send(method, target, std::move(headers), std::nullopt, true, &who);
  }

  static std::string
  body_of(response& r)
  {
    auto body = core::read_whole_body(r);
    EXPECT_TRUE(body);
    return body ? std::move(*body) : std::string();
  }

  static std::string
  header(const response& r, http::field f)
  {
    auto it = r.headers.find(f);
    return it == r.headers.end() ? std::string() : std::string(it->value());
  }

  test_env env_;
  std::shared_ptr<tree_index<sim::memory_filesystem>> tree_;
  handler<test_env> handler_;
  static inline core::principal admin_ = core::principal::unrestricted("admin");
};

} // namespace zddc::master::testing
