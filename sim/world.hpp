#pragma once
/// @file
/// A world: nodes on a simulated network under virtual time, driven by one
/// seed, watched by the checkers (FoundationDB's simulation, TigerBeetle's
/// VOPR). It holds a master over the fixture, caches and mirrors in front of
/// it, people working against all of them through clients, a person editing
/// on the master's disk, and a fault injector that partitions links, loses
/// messages and crashes the master, the caches and the mirrors — at an
/// instant (wherever their work is suspended) or in the middle of a
/// filesystem step. After the day, the world heals (links calm, partitions
/// gone, every node up) and settles for an hour: what was promised must
/// then have happened. Last, with nothing else running, each mirror walks
/// its subtrees once more and must then equal the master as its bearer
/// sees it.
///
/// Mirrors: the odd ones (`mirror1`, `mirror3`, ...) hold an unrestricted
/// token and walk `/`; the even ones hold a vendor's token (read and write
/// on `/Vendors/vendorA` only) and walk `/Vendors`, so what a walk sees is
/// bounded by its bearer. One person works against each mirror, within what
/// its token may write.
///
/// `run_world` is a pure function of its options: same seed, same trace hash.

#include "sim/cache_node.hpp"
#include "sim/checkers/checker.hpp"
#include "sim/client_actor.hpp"
#include "sim/master_node.hpp"
#include "sim/mirror_node.hpp"

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace zddc::sim {

/// How hostile the world is. Intervals are means; 0 turns a fault off.
struct fault_profile {
  std::string_view name;
  std::string_view about;
  link_profile link;
  env::duration partition_every{};
  env::duration partition_min{}, partition_max{};
  env::duration crash_every{};
  double crash_mid_step = 0; // share of crashes armed to strike inside a filesystem step
  env::duration downtime_min{}, downtime_max{};
  env::duration edit_every{};
  env::duration regrant_every{}; // an operator narrows a cache's grant, or revokes and rotates its token
  // How soon after a person uses a mirror's subtree, with the master
  // reachable throughout, a complete walk of it must follow (the liveness
  // checker): room for a walk of the fixture over these links.
  env::duration walk_window = std::chrono::minutes(10);
};

/// The named profiles (`--faults`): none, network, crash, default, credentials, lossy.
std::span<const fault_profile> fault_profiles();
const fault_profile* find_fault_profile(std::string_view name);

/// Whether the master offers `?tree` and the mirrors ask for it (issue 19).
enum class tree_use {
  mixed,      // by seed: some worlds have a master from before tree tags, some mirrors walk directory by directory
  everywhere, // the master offers it and every mirror asks for it
  nowhere,    // directory by directory, as before tree tags
};

struct world_options {
  std::uint64_t seed = 1;
  env::duration length = std::chrono::hours(24);
  std::string faults = "default";
  std::size_t clients = 4;  // the first half work against the master, the rest against the caches
  std::size_t caches = 1;
  std::size_t mirrors = 1;  // each with one person working against it
  env::duration mirror_min_interval = std::chrono::minutes(20); // several walks in a quarter day
  std::size_t mirror_people = SIZE_MAX; // how many mirrors (the first ones) have a person; the rest are idle
  bool mirror_timer = false; // also walk every mirror every min interval, used or not (for comparison)
  tree_use trees = tree_use::mixed;
  master_variant master = master_variant::correct;
  cache_variant cache = cache_variant::correct;
  mirror_variant mirror = mirror_variant::correct;
  std::ostream* echo = nullptr; // every trace event, as it happens
};

/// A walk a mirror finished.
struct walk_record {
  std::string mirror_name;
  core::repo_path subtree;
  mirror::walk_stats stats;
  bool final = false; // one of the world's last walks, with nothing else running
};

struct run_summary {
  std::uint64_t seed = 0;
  std::uint64_t trace_hash = 0;
  std::uint64_t events = 0;
  std::uint64_t exchanges = 0;
  std::uint64_t master_crashes = 0;
  std::uint64_t cache_crashes = 0;
  std::uint64_t mirror_crashes = 0;
  std::uint64_t queued = 0; // writes caches answered 202
  std::uint64_t refused_kept = 0; // ... that the master refused on replay, kept as conflicts or rejections
  std::uint64_t credential_changes = 0; // grants narrowed, tokens revoked (the credentials profile)
  std::uint64_t partitions = 0;
  std::uint64_t external_edits = 0;
  std::uint64_t writes_judged = 0;
  std::uint64_t mirror_requests_used = 0; // requests mirrors with a person sent the master during the day
  std::uint64_t mirror_requests_idle = 0; // ... and mirrors without one
  client_stats clients;
  std::vector<walk_record> walks; // every walk a mirror finished, in order, the final ones last
  env::duration simulated{};
  std::optional<violation> failure;
  std::vector<std::string> trace_tail; // the last events, when it failed
  std::string failure_time;            // virtual time since the start, as printed
};

/// Builds the world for `options`, runs it for `options.length` (plus time
/// for what is in flight to settle), checks the final state and reports.
run_summary run_world(const world_options& options);

} // namespace zddc::sim
