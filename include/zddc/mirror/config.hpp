#pragma once
/// @file
/// What a mirror is told at start, and how its subtrees are named.
///
/// A subtree is a directory of the master's tree, written as a decoded path
/// (`/Projects/Spec Docs`, not `/Projects/Spec%20Docs`): it becomes a
/// `repo_path` here and is never pasted into a URL. `/` is everything.

#include <zddc/core/path.hpp>
#include <zddc/env/clock.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace zddc::mirror {

struct config {
  std::vector<core::repo_path> subtrees{core::repo_path()}; // walked on access; `/` by default
  env::duration min_interval = std::chrono::hours(1);       // between the starts of two complete walks of one subtree
  std::size_t parallel = 4;                                 // requests in flight during a walk
  env::duration progress_every = std::chrono::seconds(10);  // a progress report while a walk runs
  // One request of a walk that fails (no answer, 5xx, 408, 429) is asked
  // again up to `retries` times, after `retry_delay` doubling to
  // `retry_delay_max` (jittered; a Retry-After is honoured up to that).
  unsigned retries = 4;
  env::duration retry_delay = std::chrono::seconds(1);
  env::duration retry_delay_max = std::chrono::seconds(30);
  // After an incomplete walk the next access walks again (resuming) once
  // `retry_interval` has passed, doubling with each incomplete walk in a
  // row up to `min_interval`.
  env::duration retry_interval = std::chrono::minutes(1);
  // Ask the master for a subtree's whole tree at once (`?tree`: one request
  // when nothing changed, one more listing per changed directory); false,
  // or a master that does not offer it, walks directory by directory.
  bool tree = true;
  // A deliberately broken mirror, for the simulator's own tests only: keep
  // the tree tag as soon as the tree arrives, before the copy is brought in
  // line, so a walk cut short leaves a tag that vouches for what is not here.
  bool vouch_early = false;
};

/// Parses one subtree: a decoded path with an optional leading and trailing
/// slash (`/`, `/a/b`, `a/b/`). Fails with the path's error for an empty
/// segment, `.`/`..`, a reserved name and the like.
inline result<core::repo_path>
parse_subtree(std::string_view text)
{
  if(text.starts_with('/'))
    text.remove_prefix(1);
  if(text.ends_with('/'))
    text.remove_suffix(1);
  return core::repo_path::parse(text);
}

/// The configured subtree that covers `p`: the longest one `p` lies within
/// (whole segments), or nullopt when none does.
inline std::optional<core::repo_path>
covering_subtree(const std::vector<core::repo_path>& subtrees, const core::repo_path& p)
{
  std::optional<core::repo_path> best;
  for(auto const& s : subtrees)
    if(p.is_within(s) && (! best || s.depth() > best->depth()))
      best = s;
  return best;
}

} // namespace zddc::mirror
