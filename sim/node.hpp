#pragma once
/// @file
/// A node of the simulated world, as the network and the fault injector see
/// it: a name, whether it is up, and an incarnation number that moves on
/// every crash. Work a node started in an earlier incarnation may still be
/// suspended somewhere when it crashes; everything it does afterwards meets
/// `sim_errc::crashed` (its filesystem and transport check the incarnation), and
/// nothing it answers leaves the node. That is how a crash "at any await
/// point" is modelled without tearing down coroutine frames.

#include <zddc/core/http_message.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <string>

namespace zddc::sim {

/// A response as it leaves a node (bodies are small in the simulator).
struct served {
  boost::beast::http::status status = boost::beast::http::status::ok;
  boost::beast::http::fields headers;
  std::string body;
};

/// The bytes of a role's response, read out of its file slice or stream if it has one.
template<class Reader>
served
materialize(core::response<Reader>&& r)
{
  auto body = core::read_whole_body(r);
  if(! body)
    return served{boost::beast::http::status::internal_server_error, {}, "read failed while serving"};
  return served{r.status, std::move(r.headers), std::move(*body)};
}

class node {
public:
  explicit node(std::string name) : name_(std::move(name)) {}
  node(const node&) = delete;
  node& operator=(const node&) = delete;
  virtual ~node() = default;

  const std::string& name() const noexcept { return name_; }
  bool up() const noexcept { return up_; }
  std::uint64_t incarnation() const noexcept { return incarnation_; }

  /// Answers a request the network delivered while the node was up. A node
  /// that serves nothing (a user agent) answers 501.
  virtual boost::asio::awaitable<served> serve(core::request& req);

protected:
  /// The node stops: everything of the current incarnation is now stale.
  void mark_down() noexcept
  {
    up_ = false;
    ++incarnation_;
  }
  void mark_up() noexcept { up_ = true; }

private:
  std::string name_;
  bool up_ = true;
  std::uint64_t incarnation_ = 1;
};

} // namespace zddc::sim
