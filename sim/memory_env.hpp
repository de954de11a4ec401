#pragma once
/// @file
/// An Environment (env/environment.hpp) wholly in memory, for tests of a
/// role without a world around it: one event loop, the virtual clock, and
/// the in-memory filesystem stamping mtimes with virtual time. One thread,
/// so the commit guard guards nothing.

#include "sim/memory_filesystem.hpp"
#include "sim/virtual_clock.hpp"

#include <zddc/env/environment.hpp>

#include <boost/asio/io_context.hpp>

namespace zddc::sim {

/// `FS`: the in-memory filesystem, or a test's wrapper of it made the same way.
template<class FS>
struct basic_memory_env {
  using clock_type = virtual_clock;
  using filesystem_type = FS;

  boost::asio::io_context io_;
  virtual_clock clock_{io_.get_executor()};
  FS fs_{[this] { return clock_.now(); }};

  clock_type& clock() { return clock_; }
  filesystem_type& fs() { return fs_; }
  struct no_guard {};
  no_guard commit_guard() { return {}; }
};

using memory_env = basic_memory_env<memory_filesystem>;

static_assert(env::Environment<memory_env>);

} // namespace zddc::sim
