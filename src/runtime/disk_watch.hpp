#pragma once
/// @file
/// A recursive inotify watch of one directory tree: the directories in which
/// something changed since the previous look (the Watching contract of
/// env/filesystem.hpp, for runtime::posix_filesystem).
///
/// Confinement: each directory is opened beneath the root without following
/// any symlink (`openat2`, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) and
/// watched through that descriptor (`/proc/self/fd/N`), so nothing outside
/// the root is ever watched and a symlink to a directory is never followed.
/// Not watched either, because the server can list neither: a directory
/// whose name is no valid `store_path` segment (or lies below the depth
/// limit), and one this process may not read; the latter is tried again
/// when its attributes change (a chmod).
///
/// `take()` drains the queued events without blocking and reports, once
/// each, the directory every event happened in. A directory created under a
/// watched one is watched at once, with everything below it, and reported
/// with every directory found there (files may have been made in it before
/// its watch was). The first take reports `everything`, and so does the
/// take after the watch lost track: an event queue overflow, a directory
/// renamed or moved in or out (every path below it changed), a watch the
/// kernel refused (out of watches), a directory reached by two paths (a bind
/// mount), no inotify at all. Such a take first rebuilds the watch from a
/// fresh scan; while a rebuild stays incomplete, every take reports
/// `everything` and tries again. Nothing throws.
///
/// Not thread-safe: posix_filesystem serialises the calls.

#include "runtime/posix_filesystem.hpp"

#include <zddc/core/path.hpp>
#include <zddc/env/filesystem.hpp>

#include <cstdint>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace zddc::runtime {

class disk_watch {
public:
  /// Watches the tree under `root_fd` (duplicated; the caller keeps its
  /// own), from the first `take()` on.
  explicit disk_watch(int root_fd);

  /// The directories changed since the previous call, or `everything`.
  env::disk_changes take();

private:
  using dir_set = std::set<core::store_path>;

  void rebuild();
  void drain(dir_set& changed);
  void handle(int wd, std::uint32_t mask, std::string_view name, dir_set& changed);
  /// Watches `top` and every directory below it; adds each to `found` (if given).
  void watch_tree(const core::store_path& top, dir_set* found);
  bool watch_dir(const core::store_path& dir, std::vector<core::store_path>& subdirs);
  void forget(int wd);

  unique_fd root_;
  unique_fd inotify_;
  std::unordered_map<int, core::store_path> paths_; // watch descriptor -> directory
  std::map<core::store_path, int> watches_;         // directory -> watch descriptor
  bool lost_ = true; // the next take rebuilds the watch and reports everything
};

} // namespace zddc::runtime
