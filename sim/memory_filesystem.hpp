#pragma once
/// @file
/// An in-memory Filesystem (env/filesystem.hpp) with a crash model.
///
/// Fault contract — what a crash keeps, exactly the seam's Durability rules:
/// - every file has its current bytes and its durable bytes; `sync()` on a
///   writer makes the current bytes durable;
/// - every directory has its current entries and its durable entries;
///   `sync_dir()` makes the current entries durable;
/// - `sync_all()` makes every file's bytes and every directory's entries
///   durable at once;
/// - `crash()` reverts every directory to its durable entries and every
///   file to its durable bytes, so an unsynced rename is undone, a file whose
///   directory entry was never synced is gone, and a file whose bytes were
///   never synced is empty;
/// - metadata-only changes (`set_mtime`) are treated as durable at once.
///
/// A real filesystem may also keep an unsynced rename (its journal
/// committed it) while the renamed file's unsynced bytes are lost.
/// `unsynced_entries::kept` crashes that way: every directory keeps its
/// current entries, every file only its durable bytes — the worst case for
/// a file renamed before its bytes were synced, which it shows torn.
///
/// Faults on demand, for fail_count-style tests (Beast's `test::fail_count`):
/// `fail_after(n)` makes the n-th next mutating operation fail with an I/O
/// error; `crash_after(n)` makes it crash the filesystem instead, after which
/// every operation answers `sim_errc::crashed` until `restart()`.
///
/// Every change, through the seam or outside it, is recorded for
/// `drain_changes` (the in-memory counterpart of the daemon's inotify).
///
/// Files are shared nodes, so a reader keeps reading the file it opened
/// after the name is replaced or removed, as on POSIX. Symlinks are not
/// modelled. `list()` is sorted by name bytes. Deterministic: no randomness,
/// times come from the time source given at construction.

#include "sim/crash_error.hpp"

#include <zddc/env/filesystem.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace zddc::sim {

class memory_filesystem {
  struct node;

public:
  using time_source = std::function<env::time_point()>;

  class reader_type {
  public:
    const env::file_stat& stat() const noexcept { return stat_; }
    result<std::size_t> read_at(std::uint64_t offset, std::span<std::byte> buffer) const;

  private:
    friend class memory_filesystem;
    reader_type(const memory_filesystem& fs, std::shared_ptr<node> n, env::file_stat st)
      : fs_(&fs), node_(std::move(n)), stat_(st)
    {
    }
    const memory_filesystem* fs_;
    std::shared_ptr<node> node_;
    env::file_stat stat_;
  };

  /// A new temp file being written. Must not outlive its filesystem.
  class writer_type {
  public:
    writer_type(writer_type&& other) noexcept;
    writer_type& operator=(writer_type&&) = delete;
    ~writer_type();

    const core::store_path& path() const noexcept { return path_; }
    error_code write(std::span<const std::byte> bytes);
    error_code sync();

  private:
    friend class memory_filesystem;
    writer_type(memory_filesystem& fs, std::shared_ptr<node> n, core::store_path p)
      : fs_(&fs), node_(std::move(n)), path_(std::move(p))
    {
    }
    memory_filesystem* fs_;
    std::shared_ptr<node> node_;
    core::store_path path_;
  };

  /// Times for mtimes; by default a counter that moves 1 ms per mutation.
  explicit memory_filesystem(time_source now = {});

  result<env::file_stat> stat(const core::store_path& p) const;
  /// `stat`: nothing here is cheaper, and there are no links to follow.
  result<env::file_stat> glance(const core::store_path& p) const { return stat(p); }
  result<reader_type> open_read(const core::store_path& p) const;
  result<writer_type> create_temp(const core::store_path& dir);
  result<std::vector<env::dir_entry>> list(const core::store_path& dir) const;
  error_code rename(const core::store_path& from, const core::store_path& to);
  error_code remove(const core::store_path& p);
  error_code make_dir(const core::store_path& p);
  error_code sync_dir(const core::store_path& dir);
  error_code sync_all();
  error_code set_mtime(const core::store_path& p, env::time_point t);

  /// What changed since the previous call, by anyone (the seam's Watching
  /// contract; node_filesystem hands it to the one consumer). Starts with
  /// `everything`, as after a crash.
  env::disk_changes drain_changes();

  // --- faults -------------------------------------------------------------

  /// What a crash does to directory entries that were never synced.
  enum class unsynced_entries { undone, kept };

  /// Discards everything that was not durable (see the file comment).
  void crash(unsynced_entries entries = unsynced_entries::undone);
  /// Ends the crashed state (the node restarts on what was durable).
  void restart();
  bool crashed() const noexcept { return crashed_; }
  /// The n-th next mutating operation fails with an I/O error (n >= 1).
  void fail_after(std::uint64_t n) { fail_countdown_ = n; }
  /// The n-th next mutating operation crashes the filesystem (n >= 1).
  void
  crash_after(std::uint64_t n, unsynced_entries entries = unsynced_entries::undone)
  {
    crash_countdown_ = n;
    crash_entries_ = entries;
  }
  /// Cancels a fault armed by `fail_after` or `crash_after` that has not struck.
  void disarm() noexcept
  {
    fail_countdown_.reset();
    crash_countdown_.reset();
  }
  /// Mutating operations performed so far.
  std::uint64_t mutations() const noexcept { return mutations_; }
  /// The syncs asked for so far: of files, of directories, of everything.
  struct sync_counts {
    std::uint64_t files = 0, dirs = 0, all = 0;
  };
  const sync_counts& syncs() const noexcept { return syncs_; }

  // --- outside the seam: the world's view -----------------------------------

  /// Creates or replaces a file (new inode) and its parents, all durable.
  void write_file_direct(const core::store_path& p, std::string_view bytes);
  /// Overwrites a file's bytes in place (same inode), durably: what a person
  /// editing on the server does.
  void edit_in_place(const core::store_path& p, std::string_view bytes);
  /// Removes a file or an empty directory, durably.
  void remove_direct(const core::store_path& p);

  enum class view { visible, durable };
  struct tree {
    std::map<std::string, std::string> files; // path -> bytes
    std::set<std::string> dirs;                // every directory but the root
    friend bool operator==(const tree&, const tree&) = default;
  };
  /// Every file and directory, as now visible or as a crash would leave it.
  tree snapshot(view v = view::visible) const;

private:
  struct node {
    env::file_kind kind = env::file_kind::regular;
    std::uint64_t id = 0;
    std::string bytes, durable_bytes;
    env::time_point mtime{};
    std::map<std::string, std::shared_ptr<node>> entries, durable_entries;
  };

  env::time_point now();
  error_code mutate(); // counts an operation; applies injected faults
  void changed(const core::store_path& dir) { changed_.insert(std::string(dir.str())); }
  result<std::shared_ptr<node>> resolve(const core::store_path& p) const;
  result<std::shared_ptr<node>> resolve_dir(const core::store_path& p) const;
  std::shared_ptr<node> make_node(env::file_kind kind);
  static env::file_stat stat_of(const node& n);

  time_source now_;
  env::time_point tick_{};
  std::shared_ptr<node> root_;
  std::uint64_t next_id_ = 1;
  std::uint64_t next_temp_ = 1;
  std::uint64_t mutations_ = 0;
  std::optional<std::uint64_t> fail_countdown_, crash_countdown_;
  unsynced_entries crash_entries_ = unsynced_entries::undone;
  bool crashed_ = false;
  std::set<std::string> changed_; // directories, for drain_changes
  bool changed_everything_ = true;
  sync_counts syncs_;
};

static_assert(env::GlancingFilesystem<memory_filesystem>);

} // namespace zddc::sim
