#pragma once
/// @file
/// A master in the simulated world: the real master role
/// (master/handler.hpp) over an in-memory disk that survives the node's
/// crashes. Each incarnation gets a fresh handler (its in-memory caches die
/// with it) over a filesystem view that turns stale when it crashes; old
/// incarnations are kept until the world ends, since coroutines of theirs
/// may still be suspended.
///
/// Credentials are modelled, not cryptographic: a bearer token names a
/// principal in a table the world sets up.

#include "sim/memory_filesystem.hpp"
#include "sim/node.hpp"
#include "sim/node_filesystem.hpp"
#include "sim/trace.hpp"
#include "sim/virtual_clock.hpp"

#include <zddc/master/handler.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace zddc::sim {

/// Deliberately broken masters, for showing that the checkers catch them.
enum class master_variant {
  correct,
  ignores_if_unmodified_since, // the seed's master: IUS never reaches the handler
  lies_about_fsync,            // sync and sync_dir do nothing
  tree_misses_direct_edits,    // the tree index hears only the server's own writes, not a person's edits on its disk
};

struct master_node_options {
  master::config config{};
  std::map<std::string, core::principal, std::less<>> tokens{}; // bearer token -> principal
  master_variant variant = master_variant::correct;
};

class master_node final : public node {
public:
  master_node(std::string name, virtual_clock& clock, trace& log, master_node_options options);
  ~master_node() override;

  /// The node's disk, as a person at the server sees it (outside the seam).
  memory_filesystem& disk() noexcept { return disk_; }

  boost::asio::awaitable<served> serve(core::request& req) override;

  /// The tree as the current incarnation's index has it now (after taking
  /// in what changed); the node must be up.
  result<master::tree_ptr> tree();

  /// The principal a request's bearer token names; nullptr when it names none.
  const core::principal* principal_of(const boost::beast::http::fields& headers) const;

  /// An operator issues `token` for `who`, changes what it grants, or
  /// (nullopt) revokes it. Requests already being served keep the
  /// principal they started with.
  void set_token(const std::string& token, std::optional<core::principal> who);

  /// Stops the node now; what was not synced is gone. Idempotent.
  void crash();
  /// Starts a new incarnation on what the disk kept.
  void restart();
  /// Called after each crash (by `crash()` or by the disk mid-operation).
  void on_crash(std::function<void()> listener) { crash_listener_ = std::move(listener); }

private:
  struct incarnation;

  virtual_clock& clock_;
  trace& trace_;
  master_node_options options_;
  memory_filesystem disk_;
  std::vector<std::unique_ptr<incarnation>> incarnations_; // back() is current
  std::function<void()> crash_listener_;
};

} // namespace zddc::sim
