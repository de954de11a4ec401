#pragma once
/// @file
/// An Environment bundles the three seams a role runs on. Roles are written
/// as `template<env::Environment E>` so the same code runs in the daemon
/// (src/) and in the simulator (sim/); nothing in a role reaches the real
/// clock, disk or network except through these.

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
};

/// An Environment that can also reach an upstream (cache and mirror roles).
template<class E>
concept UpstreamEnvironment = Environment<E> && requires(E& e) {
  typename E::transport_type;
  requires Transport<typename E::transport_type>;
  { e.transport() } -> std::same_as<typename E::transport_type&>;
};

} // namespace zddc::env
