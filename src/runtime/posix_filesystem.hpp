#pragma once
/// @file
/// The production Filesystem (env/filesystem.hpp): POSIX calls under one
/// root directory.
///
/// Confinement: every path is resolved with `openat2(..., RESOLVE_BENEATH)`
/// (Linux 5.6+). A path without symlinks is one call from the root; a path
/// with one is walked a segment at a time, each resolved beneath the
/// directory holding it, so a symlink is followed only when its target lies
/// below its own directory. An absolute link, or one climbing with `..`,
/// fails with `escapes_root`: a link can lead neither out of the root nor
/// out of the subtree a grant names (`vendorA/linkB -> ../vendorB` is
/// refused). A grant that names a link itself grants what it points to.
/// Mutations act on a parent directory opened that way plus a final name
/// (`renameat`, `unlinkat`, `mkdirat`), and those calls never follow a
/// final symlink. Durability is the caller's, with `sync()` and `sync_dir()`
/// mapping to fsync(2).
///
/// Watching (env::WatchedFilesystem): an inotify watch of the whole tree
/// (runtime/disk_watch.hpp), started by the first `take_changes()`, so a
/// cache or a mirror never opens one. Without inotify, or when it loses
/// track, `take_changes()` reports `everything`: correct, only slower.
///
/// Thread-safe: no mutable state besides an atomic temp-name counter and
/// the watch under its mutex, so one instance serves every event loop.

#include <zddc/env/filesystem.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace zddc::runtime {

/// An owned file descriptor.
class unique_fd {
public:
  unique_fd() = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  unique_fd(unique_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& o) noexcept;
  ~unique_fd();
  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }

private:
  int fd_ = -1;
};

class disk_watch;

class posix_filesystem {
public:
  class reader_type {
  public:
    const env::file_stat& stat() const noexcept { return stat_; }
    result<std::size_t> read_at(std::uint64_t offset, std::span<std::byte> buffer) const;
    /// The open file, for the daemon's `sendfile`.
    int native_handle() const noexcept { return fd_.get(); }

  private:
    friend class posix_filesystem;
    reader_type(unique_fd fd, env::file_stat st) : fd_(std::move(fd)), stat_(st) {}
    unique_fd fd_;
    env::file_stat stat_;
  };

  /// A temp file being written; removed on destruction unless renamed.
  class writer_type {
  public:
    writer_type(writer_type&&) noexcept = default;
    writer_type& operator=(writer_type&&) = delete;
    ~writer_type();

    const core::store_path& path() const noexcept { return path_; }
    error_code write(std::span<const std::byte> bytes);
    error_code sync();

  private:
    friend class posix_filesystem;
    writer_type(unique_fd fd, unique_fd dir, std::string name, core::store_path path)
      : fd_(std::move(fd)), dir_(std::move(dir)), name_(std::move(name)), path_(std::move(path))
    {
    }
    unique_fd fd_;
    unique_fd dir_; // the parent, to unlink the temp name
    std::string name_;
    core::store_path path_;
  };

  /// Opens `root` (which must be an existing directory).
  static result<posix_filesystem> open(const std::string& root);

  posix_filesystem(posix_filesystem&&) noexcept;
  posix_filesystem& operator=(posix_filesystem&&) noexcept;
  ~posix_filesystem();

  result<env::file_stat> stat(const core::store_path& p) const;
  /// `stat` in one call, unconfined: for confirming a stat only
  /// (env/filesystem.hpp, Glancing).
  result<env::file_stat> glance(const core::store_path& p) const;
  result<reader_type> open_read(const core::store_path& p) const;
  result<writer_type> create_temp(const core::store_path& dir);
  result<std::vector<env::dir_entry>> list(const core::store_path& dir) const;
  error_code rename(const core::store_path& from, const core::store_path& to);
  error_code remove(const core::store_path& p);
  error_code make_dir(const core::store_path& p);
  error_code sync_dir(const core::store_path& dir);
  /// syncfs(2) on the filesystem that holds the root.
  error_code sync_all();
  error_code set_mtime(const core::store_path& p, env::time_point t);

  /// The digest kept with the file at `p` (the extended attribute
  /// `user.zddc.sha256`), if any (env/filesystem.hpp, Kept digests).
  std::optional<env::kept_digest> kept_digest_of(const core::store_path& p) const;
  /// Keeps `d` with the file at `p`; nothing when the file cannot take it
  /// (no write permission, a filesystem without user attributes).
  void keep_digest(const core::store_path& p, const env::kept_digest& d);

  /// The directories changed under the root since the previous call, or
  /// `everything` (env/filesystem.hpp, Watching); the first call starts the watch.
  env::disk_changes take_changes();

private:
  explicit posix_filesystem(unique_fd root);

  result<unique_fd> open_beneath(std::string_view path, std::uint64_t flags) const;
  result<unique_fd> open_parent(const core::store_path& p) const;

  unique_fd root_;
  std::unique_ptr<std::atomic<std::uint64_t>> temp_counter_ = std::make_unique<std::atomic<std::uint64_t>>(0);
  std::unique_ptr<std::mutex> watch_mutex_ = std::make_unique<std::mutex>();
  std::unique_ptr<disk_watch> watch_; // under watch_mutex_; made by the first take_changes()
};

static_assert(env::WatchedFilesystem<posix_filesystem>);
static_assert(env::DigestKeepingFilesystem<posix_filesystem>);
static_assert(env::GlancingFilesystem<posix_filesystem>);

} // namespace zddc::runtime
