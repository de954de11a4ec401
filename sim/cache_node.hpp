#pragma once
/// @file
/// A cache in the simulated world: the real cache role (cache/handler.hpp)
/// over an in-memory disk that survives the node's crashes, reaching its
/// master through the simulated network. Each incarnation opens the outbox
/// afresh (sweeping what a crash left) and runs its own replay loop; a
/// crash stops the old loop, and anything of the old incarnation still
/// suspended meets `sim_errc::crashed`.

#include "sim/caching_node.hpp"
#include "sim/network.hpp"
#include "sim/node_filesystem.hpp"
#include "sim/trace.hpp"

#include <zddc/cache/config.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <vector>

namespace zddc::sim {

/// Deliberately broken caches, for showing that the checkers catch them.
enum class cache_variant {
  correct,
  wake_never_lands,             // its clock ignores cancellation: a wake cannot cut a wait short (the seed's bug 2)
  replays_without_preconditions, // writes reach the master unguarded (the seed's bug 3)
  outbox_lies_about_fsync,       // sync and sync_dir do nothing
  drops_refused_entries,         // takes a refusal (403, 409, ...) for success: the entry vanishes
  forgets_own_writes,            // cannot recognise its own write in a 412: a lost acknowledgement becomes a conflict
};

class cache_node final : public caching_node {
public:
  cache_node(std::string name, boost::asio::any_io_executor executor, virtual_clock& clock, trace& log,
             network& net, node& master, cache::config config, cache_variant variant = cache_variant::correct);
  ~cache_node() override;


  /// Starts a new incarnation; fails when the outbox it finds does not open.
  error_code restart() override;

  /// The token it presents to the master.
  const std::string& bearer() const noexcept { return config_.bearer; }
  /// An operator gives it a new token; it presents it from its next start.
  void set_bearer(std::string token) { config_.bearer = std::move(token); }

private:
  cache::config config_;
  cache_variant variant_;
};

} // namespace zddc::sim
