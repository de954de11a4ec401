#pragma once
/// @file
/// The Environment of a node that has an upstream (a cache, a mirror): the
/// world's clock, the node's view of its disk (node_filesystem.hpp) and its
/// connection to the master.
///
/// A variant that re-introduces one of the seed's bugs bends one of the
/// three at run time, never by swapping a type: every cache in every world
/// runs the one `cache::handler<node_env>` and every mirror the one
/// `mirror::handler<node_env>`, each compiled once (cache_node.cpp).

#include "sim/network.hpp"
#include "sim/node_filesystem.hpp"
#include "sim/virtual_clock.hpp"

#include <zddc/env/environment.hpp>

namespace zddc::sim {

/// The world's clock, by reference.
class node_clock {
public:
  enum class sleeps {
    cancellable,
    /// The clock of `wake_never_lands` (the seed's bug 2): a sleep cannot
    /// be cancelled, so a race against a wake signal always waits the
    /// sleep out (DESIGN.md §3, "the trap").
    uncancellable,
  };

  explicit node_clock(virtual_clock& c, sleeps s = sleeps::cancellable) : c_(&c), sleeps_(s) {}
  env::time_point now() const { return c_->now(); }
  boost::asio::awaitable<void> sleep_until(env::time_point t);

private:
  virtual_clock* c_;
  sleeps sleeps_;
};

/// The node's connection to the master, possibly misread.
class node_transport {
public:
  enum class misreading {
    none,
    /// `replays_without_preconditions` (the seed's bug 3): a replayed
    /// entry reaches the master without its preconditions.
    replay_preconditions_dropped,
    /// `forgets_own_writes`: a 412 to a replayed entry loses its ETag, so
    /// the cache cannot recognise its own earlier write in it.
    own_write_in_412,
    /// `drops_refused_entries`: a refusal of a replayed entry (403, 409,
    /// ...) reads as 204, and the entry vanishes.
    refusal_as_success,
    /// `purges_when_a_listing_fails`: a listing answered with a 5xx reads
    /// as a 200 with no entries.
    failure_as_empty_listing,
  };

  explicit node_transport(network::endpoint inner, misreading m = misreading::none)
    : inner_(std::move(inner)), misreading_(m)
  {
  }
  boost::asio::awaitable<result<env::upstream_response>> round_trip(env::upstream_request req,
                                                                   env::body_sink& sink);

private:
  boost::asio::awaitable<result<env::upstream_response>> misread_replay(env::upstream_request req,
                                                                       env::body_sink& sink);
  boost::asio::awaitable<result<env::upstream_response>> misread_listing(env::upstream_request req,
                                                                        env::body_sink& sink);

  network::endpoint inner_;
  misreading misreading_;
};

struct node_env {
  using clock_type = node_clock;
  using filesystem_type = node_filesystem;
  using transport_type = node_transport;

  node_clock clock_;
  node_filesystem fs_;
  node_transport transport_;

  clock_type& clock() { return clock_; }
  filesystem_type& fs() { return fs_; }
  transport_type& transport() { return transport_; }
  struct no_guard {}; // one thread: a commit step never interleaves
  no_guard commit_guard() { return {}; }
};

static_assert(env::UpstreamEnvironment<node_env>);

} // namespace zddc::sim
