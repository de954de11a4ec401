#pragma once
/// @file
/// A mirror in the simulated world: the real mirror role
/// (mirror/handler.hpp) — a cache whose requests also start walks of their
/// subtree — over an in-memory disk that survives the node's crashes,
/// reaching its master through the simulated network.
///
/// As with caches (cache_node.hpp), each incarnation opens what the disk
/// holds afresh (the outbox, the store and the walk state file) and runs
/// its own replay loop; a crash stops the old incarnation's replay loop and
/// its walks, and whatever of it is still suspended meets `sim_errc::crashed`.
/// Walks are traced as they start, progress, meet trouble and finish.

#include "sim/caching_node.hpp"
#include "sim/network.hpp"
#include "sim/trace.hpp"

#include <zddc/cache/config.hpp>
#include <zddc/mirror/config.hpp>
#include <zddc/mirror/walker.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace zddc::sim {

/// Deliberately broken mirrors, for showing that the checkers catch them.
enum class mirror_variant {
  correct,
  /// The seed's bug 1, at the only place it can still happen — under the
  /// Filesystem seam: every path segment is stored under its URL
  /// percent-encoding, while `list()` hands back the names on disk as they
  /// are. A walk then sees its own files as orphans and purges them.
  keys_disk_by_encoded_name,
  /// A walk gives up on the first failed request (`--mirror-retries 0`):
  /// under a lossy link most walks end incomplete.
  no_retries,
  /// An incomplete walk holds the whole interval, as a complete one does
  /// (`retry_interval` = `min_interval`): after an outage the mirror stays
  /// stale for up to the interval.
  incomplete_walk_holds_the_interval,
  /// A listing request that fails with a 5xx is taken for an empty listing
  /// (its transport turns the 502 into `{"entries": []}`), so the walk
  /// purges a directory the master never said was empty.
  purges_when_a_listing_fails,
  /// A walk keeps the tree tag of the master's answer as soon as it
  /// arrives, before it has brought the copy in line
  /// (`mirror::config::vouch_early`): after a walk cut short, the next one
  /// is told nothing changed and the copy stays incomplete.
  vouches_early,
};

class mirror_node final : public caching_node {
public:
  mirror_node(std::string name, boost::asio::any_io_executor executor, virtual_clock& clock, trace& log,
              network& net, node& master, cache::config cache_settings, mirror::config config,
              mirror_variant variant = mirror_variant::correct);
  ~mirror_node() override;

  const mirror::config& settings() const noexcept { return config_; }

  /// Starts a new incarnation; fails when the outbox or the walk state file
  /// it finds does not open or parse.
  error_code restart() override;

  /// Walks `subtree` on the current incarnation now, whatever the interval
  /// says; nullopt at once when a walk of it is already in flight.
  boost::asio::awaitable<std::optional<mirror::walk_stats>> walk_now(core::repo_path subtree);
  /// Whether the current incarnation is walking `subtree`.
  bool walking(const core::repo_path& subtree) const;

  /// Called with every walk event of the current incarnation (after it is traced).
  void on_walk(mirror::walk_listener listener) { walk_listener_ = std::move(listener); }
  /// Called with everything any incarnation removes from the disk.
  using removal_listener = std::function<void(const core::store_path&, env::file_kind)>;
  void on_removal(removal_listener listener) { removal_listener_ = std::move(listener); }

private:
  cache::config cache_settings_;
  mirror::config config_;
  mirror_variant variant_;
  mirror::walk_listener walk_listener_;
  removal_listener removal_listener_;
};

} // namespace zddc::sim
