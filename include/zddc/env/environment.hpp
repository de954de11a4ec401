#pragma once
/// @file
/// An Environment bundles the three seams a role runs on. Roles are written
/// as `template<env::Environment E>` so the same code runs in the daemon
/// (src/) and in the simulator (sim/); nothing in a role reaches the real
/// clock, disk or network except through these.
///
/// `commit_guard()` returns an RAII object that excludes every other commit
/// on the same storage while it lives. A role takes it around a short
/// synchronous step that must not interleave with another request's (a
/// precondition re-check and the rename that follows it), and never holds it
/// across a `co_await`. The daemon, whose event loops run on several
/// threads, backs it with one mutex; the single-threaded simulator with
/// nothing.

#include <zddc/env/clock.hpp>
#include <zddc/env/filesystem.hpp>
#include <zddc/env/transport.hpp>

namespace zddc::env {

template<class E>
concept Environment = requires(E& e) {
  typename E::clock_type;
  typename E::filesystem_type;
  requires Clock<typename E::clock_type>;
  requires Filesystem<typename E::filesystem_type>;
  { e.clock() } -> std::same_as<typename E::clock_type&>;
  { e.fs() } -> std::same_as<typename E::filesystem_type&>;
  e.commit_guard();
};

/// An Environment that can also reach an upstream (cache and mirror roles).
template<class E>
concept UpstreamEnvironment = Environment<E> && requires(E& e) {
  typename E::transport_type;
  requires Transport<typename E::transport_type>;
  { e.transport() } -> std::same_as<typename E::transport_type&>;
};

} // namespace zddc::env
