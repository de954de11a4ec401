#pragma once
/// @file
/// What the world and the checkers need of a node that keeps local copies
/// and an outbox — a cache or a mirror: its disk, its pending writes, and
/// crashing and restarting it.

#include "sim/memory_filesystem.hpp"
#include "sim/node.hpp"

#include <functional>

namespace zddc::sim {

class caching_node : public node {
public:
  using node::node;

  /// The node's disk, as the world and the checkers see it (outside the seam).
  virtual memory_filesystem& disk() noexcept = 0;

  /// Stops the node now; what was not synced is gone. Idempotent.
  virtual void crash() = 0;
  /// Starts a new incarnation; fails (with the reason) when what it finds on
  /// its disk does not open — which a crash must never cause.
  virtual error_code restart() = 0;

  /// Pending outbox entries, as the current incarnation counts them.
  virtual std::size_t pending() const = 0;

  /// Called after each crash (by `crash()` or by the disk mid-operation).
  void on_crash(std::function<void()> listener) { crash_listener_ = std::move(listener); }

protected:
  void
  tell_crashed()
  {
    if(crash_listener_)
      crash_listener_();
  }

private:
  std::function<void()> crash_listener_;
};

} // namespace zddc::sim
