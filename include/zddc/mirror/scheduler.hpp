#pragma once
/// @file
/// When a mirror walks (DESIGN.md §2, Mirror): on access. A request for a
/// path under a configured subtree (the longest that covers it) starts a
/// walk of that subtree when none is in flight and one is due (`walk_due`,
/// mirror/plan.hpp): `min_interval` after the start of the last complete
/// walk, or soon after an incomplete one (`retry_interval`, doubling to
/// `min_interval` while the master stays away, not once it answers the
/// cache again), so a walk cut short resumes — and costs only what is
/// left, since a directory whose listing still matches and a file that is
/// current are not fetched again. The walk is spawned beside the request,
/// which never waits for it.
///
/// Why on access rather than on a timer: many vendor mirrors sit idle most
/// of the time; an idle mirror then costs the master nothing, and a busy
/// one stays current as a side effect of being used.
///
/// Which walks are in flight is kept in memory only; each subtree's last
/// attempt, last complete walk and the figures of its last walk go to the
/// state file when a walk ends. So a walk cut short by a crash is started
/// again by the next request, and a restart keeps the rate limit of walks
/// that finished.

#include <zddc/cache/health.hpp>
#include <zddc/mirror/config.hpp>
#include <zddc/mirror/plan.hpp>
#include <zddc/mirror/state.hpp>
#include <zddc/mirror/walker.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/co_spawn.hpp>

#include <exception>
#include <optional>
#include <map>

namespace zddc::mirror {

template<env::UpstreamEnvironment E>
class scheduler {
public:
  /// `monitor` follows the cache's exchanges with the master: when it
  /// answers again after an outage, a walk the outage cut short resumes
  /// without waiting out the backoff.
  scheduler(E& env, walker<E>& walks, const config& cfg, boost::asio::any_io_executor executor,
            const cache::upstream_monitor& monitor)
    : env_(env), walker_(walks), config_(cfg), executor_(std::move(executor)), monitor_(monitor)
  {
  }

  /// Reads the state file. One that does not parse is replaced by an empty
  /// state, and what was wrong is kept in `state_problem()`. Fails only when
  /// the replacement cannot be written.
  error_code
  open()
  {
    auto loaded = load_state(env_.fs());
    state_ = std::move(loaded.state);
    problem_ = loaded.problem;
    if(problem_)
      return save_state(env_.fs(), state_);
    return {};
  }

  /// The last thing wrong with the state file: unusable at `open()`, or a
  /// save after a walk that failed. Empty when all was well.
  error_code state_problem() const noexcept { return problem_; }

  /// A request for `p` arrived: starts a walk of the subtree covering it
  /// when one is due, and returns that subtree; nullopt when none started.
  std::optional<core::repo_path>
  notice(const core::repo_path& p)
  {
    auto subtree = covering_subtree(config_.subtrees, p);
    if(! subtree || stopped_ || ! due(*subtree))
      return std::nullopt;
    begin(*subtree);
    boost::asio::co_spawn(executor_, run_walk(*subtree), [](std::exception_ptr e, const std::optional<walk_stats>&) {
      if(e)
        std::rethrow_exception(e); // a programmer's error: let it be seen
    });
    return subtree;
  }

  /// Walks `subtree` now, whatever the interval says, unless a walk of it is
  /// in flight (then nullopt at once).
  boost::asio::awaitable<std::optional<walk_stats>>
  walk_now(core::repo_path subtree)
  {
    if(in_flight(subtree))
      co_return std::nullopt;
    begin(subtree);
    co_return co_await run_walk(std::move(subtree));
  }

  bool in_flight(const core::repo_path& subtree) const { return in_flight_.contains(subtree); }

  /// What the mirror remembers: each subtree's last walk.
  const mirror_state& state() const noexcept { return state_; }

  /// Starts no more walks, and stops those in progress taking new tasks.
  void
  stop() noexcept
  {
    stopped_ = true;
    walker_.stop();
  }

private:
  bool
  due(const core::repo_path& subtree) const
  {
    if(in_flight(subtree))
      return false;
    auto const last = state_.subtrees.find(subtree);
    auto const& master = monitor_.state();
    return walk_due(last == state_.subtrees.end() ? nullptr : &last->second, env_.clock().now(), config_,
                    master.reachable ? master.since : std::nullopt);
  }

  void begin(const core::repo_path& subtree) { in_flight_.emplace(subtree, env_.clock().now()); }

  boost::asio::awaitable<std::optional<walk_stats>>
  run_walk(core::repo_path subtree)
  {
    struct done_with {
      std::map<core::repo_path, env::time_point>& in_flight;
      const core::repo_path& subtree;
      ~done_with() { in_flight.erase(subtree); }
    } const release{in_flight_, subtree};
    auto stats = co_await walker_.walk(subtree);
    auto& record = state_.subtrees[subtree];
    record.last_attempt = in_flight_.at(subtree);
    record.last = stats;
    if(stats.complete) {
      record.last_complete = record.last_attempt;
      record.failures = 0;
    } else {
      ++record.failures;
    }
    if(auto ec = save_state(env_.fs(), state_))
      problem_ = ec;
    co_return stats;
  }

  E& env_;
  walker<E>& walker_;
  const config& config_;
  boost::asio::any_io_executor executor_;
  const cache::upstream_monitor& monitor_;
  mirror_state state_;
  std::map<core::repo_path, env::time_point> in_flight_; // walks in flight: when each began
  error_code problem_;
  bool stopped_ = false;
};

} // namespace zddc::mirror
