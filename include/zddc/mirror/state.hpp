#pragma once
/// @file
/// What a mirror remembers between runs: per subtree, when its last walk
/// began, when its last complete walk began, how many incomplete walks
/// came in a row since, and what the last walk found. Kept in
/// `<root>/.zddc-mirror-state.json`:
///
///     { "subtrees": {
///         "/Projects/X": { "last_attempt_ns": 1767229200000000000,
///                          "last_complete_ns": 1767225600000000000,
///                          "failures": 1,
///                          "last": { "complete": false, "dirs": 12, "files": 208,
///                                    "fetched": 3, "unchanged": 204, "purged": 1,
///                                    "failed": 1, "retries": 6,
///                                    "requests": 21, "bytes": 52311,
///                                    "duration_ns": 840000000 } } } }
///
/// The file is replaced atomically after each walk. Which walks are running
/// is not in it: that lives in memory, so a walk cut short by a crash is
/// simply started again by the next request. A file that does not parse is
/// reported and then replaced, never fatal: losing it only means the next
/// request walks sooner than it had to. A file from before `last_attempt_ns`
/// (with `last_walk_ns`) is read as that walk's attempt, and as its complete
/// walk when it was complete.

#include <zddc/core/assert.hpp>
#include <zddc/core/error.hpp>
#include <zddc/core/path.hpp>
#include <zddc/env/durable.hpp>
#include <zddc/env/environment.hpp>

#include <boost/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace zddc::mirror {

inline constexpr std::string_view state_file_name = ".zddc-mirror-state.json";
inline constexpr std::uint64_t state_bytes_max = 1 << 20;

/// One walk's figures.
struct walk_stats {
  bool complete = false;      // every listing and file was answered; purges were allowed throughout
  std::uint64_t dirs = 0;     // directories whose listing was answered (200 or 304)
  std::uint64_t files = 0;    // files those listings show
  std::uint64_t fetched = 0;  // files brought down (200)
  std::uint64_t unchanged = 0; // files found current: not asked for, or answered 304
  std::uint64_t purged = 0;   // local files removed: gone upstream, or no longer listed
  std::uint64_t failed = 0;   // listings and files left as they were (each reported as trouble)
  std::uint64_t retries = 0;  // requests asked again after a failure
  std::uint64_t requests = 0; // upstream requests sent, retries included
  std::uint64_t bytes = 0;    // file bytes brought down
  env::duration duration{};

  friend bool operator==(const walk_stats&, const walk_stats&) = default;
};

struct subtree_record {
  env::time_point last_attempt{};                // when the last walk began
  std::optional<env::time_point> last_complete;  // when the last complete walk began
  std::uint64_t failures = 0;                    // incomplete walks in a row since
  walk_stats last;                               // what the last walk found

  friend bool operator==(const subtree_record&, const subtree_record&) = default;
};

struct mirror_state {
  std::map<core::repo_path, subtree_record> subtrees;

  friend bool operator==(const mirror_state&, const mirror_state&) = default;
};

std::string to_json(const mirror_state& s);

/// Fails with `errc::protocol_error` when `json` is not a state document.
result<mirror_state> state_from_json(std::string_view json);

/// Where the state file is: a fixed name at the root.
inline core::store_path
state_path()
{
  auto p = core::store_path().child(state_file_name);
  ZDDC_ASSERT(p); // a fixed, valid name
  return std::move(*p);
}

/// What `load_state` found.
struct loaded_state {
  mirror_state state;
  error_code problem; // set when a file was there but could not be used (it will be replaced)
};

/// Reads the state file; a missing file is an empty state, not a problem.
template<env::Filesystem F>
loaded_state
load_state(F& fs)
{
  auto text = env::read_all(fs, state_path(), state_bytes_max);
  if(! text)
    return {{}, text.error() == errc::not_found ? error_code() : text.error()};
  auto s = state_from_json(*text);
  if(! s)
    return {{}, s.error()};
  return {std::move(*s), {}};
}

/// Replaces the state file atomically.
template<env::Filesystem F>
error_code
save_state(F& fs, const mirror_state& s)
{
  auto const r = env::atomic_replace(fs, state_path(), to_json(s));
  return r ? error_code() : r.error();
}

} // namespace zddc::mirror

#include <zddc/mirror/impl/state.hpp>
