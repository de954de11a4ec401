#pragma once
/// @file
/// What a cache and a mirror share as nodes of the world: an in-memory disk
/// that survives their crashes, a link to their master, and crashing and
/// restarting — what the world and the checkers use. Each incarnation runs
/// its own role; a crash stops the current one's loops, and anything of an
/// old incarnation still suspended meets `sim_errc::crashed`.

#include "sim/memory_filesystem.hpp"
#include "sim/network.hpp"
#include "sim/node.hpp"
#include "sim/trace.hpp"
#include "sim/virtual_clock.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/co_spawn.hpp>

#include <exception>
#include <functional>
#include <memory>
#include <vector>

namespace zddc::sim {

/// One incarnation's role (a cache's or a mirror's), whatever its
/// (possibly deliberately broken) environment.
class caching_role {
public:
  virtual ~caching_role() = default;
  virtual boost::asio::awaitable<served> serve(core::request& req) = 0;
  /// Opens what the disk holds; fails when any of it does not parse.
  virtual error_code open() = 0;
  virtual boost::asio::awaitable<void> replay_loop() = 0;
  /// Stops the role's loops (replays, walks).
  virtual void stop() = 0;
  virtual std::size_t pending() = 0;
};

class caching_node : public node {
public:
  caching_node(std::string name, boost::asio::any_io_executor executor, virtual_clock& clock, trace& log,
               network& net, node& master)
    : node(std::move(name)), executor_(std::move(executor)), clock_(clock), trace_(log), net_(net), master_(master),
      disk_([&clock] { return clock.now(); })
  {
  }

  /// The node's disk, as the world and the checkers see it (outside the seam).
  memory_filesystem& disk() noexcept { return disk_; }

  /// Stops the node now; what was not synced is gone. Idempotent.
  void
  crash()
  {
    if(! up())
      return;
    mark_down();
    if(! disk_.crashed())
      disk_.crash();
    incarnations_.back()->stop();
    trace_.record(name(), "crashed");
    if(crash_listener_)
      crash_listener_();
  }

  /// Starts a new incarnation; fails (with the reason) when what it finds on
  /// its disk does not open — which a crash must never cause.
  virtual error_code restart() = 0;

  /// Pending outbox entries, as the current incarnation counts them.
  std::size_t pending() const { return incarnations_.empty() ? 0 : incarnations_.back()->pending(); }

  boost::asio::awaitable<served>
  serve(core::request& req) final
  {
    co_return co_await incarnations_.back()->serve(req);
  }

  /// Called after each crash (by `crash()` or by the disk mid-operation).
  void on_crash(std::function<void()> listener) { crash_listener_ = std::move(listener); }

protected:
  /// A restart's first step: the disk as the crash left it, the node up.
  void
  revive()
  {
    if(disk_.crashed())
      disk_.restart();
    mark_up();
  }

  /// A restart's last step: opens the new incarnation's role and runs its
  /// replay loop. Old incarnations are kept until the world ends, since
  /// coroutines of theirs may still be suspended.
  error_code
  launch(std::unique_ptr<caching_role> role)
  {
    if(auto ec = role->open())
      return ec;
    boost::asio::co_spawn(executor_, role->replay_loop(), [](std::exception_ptr e) {
      if(e)
        std::rethrow_exception(e);
    });
    incarnations_.push_back(std::move(role));
    if(incarnations_.size() > 1)
      trace_.record(name(), "restarted");
    return {};
  }

  bool has_incarnation() const noexcept { return ! incarnations_.empty(); }
  /// The current incarnation's role.
  caching_role& current() const { return *incarnations_.back(); }

  boost::asio::any_io_executor executor_;
  virtual_clock& clock_;
  trace& trace_;
  network& net_;
  node& master_;
  memory_filesystem disk_;

private:
  std::vector<std::unique_ptr<caching_role>> incarnations_; // back() is current
  std::function<void()> crash_listener_;
};

} // namespace zddc::sim
