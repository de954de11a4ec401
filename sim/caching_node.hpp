#pragma once
/// @file
/// What a cache and a mirror share as nodes of the world: an in-memory disk
/// that survives their crashes, a link to their master, and crashing and
/// restarting — what the world and the checkers use. Each incarnation runs
/// its own role; a crash stops the current one's loops, and anything of an
/// old incarnation still suspended meets `errc::crashed`.

#include "sim/memory_filesystem.hpp"
#include "sim/network.hpp"
#include "sim/node.hpp"
#include "sim/trace.hpp"
#include "sim/virtual_clock.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <functional>

namespace zddc::sim {

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
    stop_current();
    trace_.record(name(), "crashed");
    if(crash_listener_)
      crash_listener_();
  }

  /// Starts a new incarnation; fails (with the reason) when what it finds on
  /// its disk does not open — which a crash must never cause.
  virtual error_code restart() = 0;

  /// Pending outbox entries, as the current incarnation counts them.
  virtual std::size_t pending() const = 0;

  /// Called after each crash (by `crash()` or by the disk mid-operation).
  void on_crash(std::function<void()> listener) { crash_listener_ = std::move(listener); }

protected:
  /// Stops the current incarnation's loops (replays, walks).
  virtual void stop_current() = 0;

  /// A restart's first step: the disk as the crash left it, the node up.
  void
  revive()
  {
    if(disk_.crashed())
      disk_.restart();
    mark_up();
  }

  boost::asio::any_io_executor executor_;
  virtual_clock& clock_;
  trace& trace_;
  network& net_;
  node& master_;
  memory_filesystem disk_;

private:
  std::function<void()> crash_listener_;
};

} // namespace zddc::sim
