#pragma once
/// @file
/// The production Environment: the Asio clock of one event loop, the POSIX
/// filesystem shared by all loops, and one mutex behind every loop's commit
/// guard.

#include "runtime/asio_clock.hpp"
#include "runtime/beast_transport.hpp"
#include "runtime/posix_filesystem.hpp"

#include <zddc/env/environment.hpp>

#include <boost/asio/io_context.hpp>

#include <mutex>

namespace zddc::runtime {

class daemon_env {
public:
  using clock_type = asio_clock;
  using filesystem_type = posix_filesystem;

  daemon_env(boost::asio::io_context& loop, posix_filesystem& fs, std::mutex& commits)
    : clock_(loop.get_executor()), fs_(fs), commits_(commits)
  {
  }

  asio_clock& clock() noexcept { return clock_; }
  posix_filesystem& fs() noexcept { return fs_; }
  std::unique_lock<std::mutex> commit_guard() { return std::unique_lock(commits_); }

private:
  asio_clock clock_;
  posix_filesystem& fs_;
  std::mutex& commits_;
};

static_assert(env::Environment<daemon_env>);

/// A cache's Environment: a daemon_env that also reaches the master.
class cache_daemon_env : public daemon_env {
public:
  using transport_type = beast_transport;

  cache_daemon_env(boost::asio::io_context& loop, posix_filesystem& fs, std::mutex& commits, beast_transport& to_master)
    : daemon_env(loop, fs, commits), to_master_(to_master)
  {
  }

  beast_transport& transport() noexcept { return to_master_; }

private:
  beast_transport& to_master_;
};

static_assert(env::UpstreamEnvironment<cache_daemon_env>);

} // namespace zddc::runtime
