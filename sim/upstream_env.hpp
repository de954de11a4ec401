#pragma once
/// @file
/// The Environment of a node that has an upstream (a cache, a mirror): the
/// world's clock, the node's filesystem view and its transport, each
/// possibly swapped for a deliberately broken one.

#include "sim/virtual_clock.hpp"

#include <zddc/env/environment.hpp>

namespace zddc::sim {

/// The world's clock, by reference.
class clock_ref {
public:
  explicit clock_ref(virtual_clock& c) : c_(&c) {}
  env::time_point now() const { return c_->now(); }
  boost::asio::awaitable<void> sleep_until(env::time_point t) { return c_->sleep_until(t); }

private:
  virtual_clock* c_;
};

template<class Clock, class Filesystem, class Transport>
struct upstream_env {
  using clock_type = Clock;
  using filesystem_type = Filesystem;
  using transport_type = Transport;

  Clock clock_;
  Filesystem fs_;
  Transport transport_;

  clock_type& clock() { return clock_; }
  filesystem_type& fs() { return fs_; }
  transport_type& transport() { return transport_; }
  struct no_guard {}; // one thread: a commit step never interleaves
  no_guard commit_guard() { return {}; }
};

} // namespace zddc::sim
