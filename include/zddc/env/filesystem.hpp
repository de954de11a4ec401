#pragma once
/// @file
/// The Filesystem seam: storage under one root, addressed by `store_path`.
///
/// The primitives mirror POSIX so that durability is explicit and the
/// simulator can model exactly what a crash keeps (see env/durable.hpp for
/// the compositions core code uses: atomic replace, mkdir -p).
///
/// Contract (every implementation):
/// - Paths are relative to the root; nothing outside it is ever read or
///   written. A symlink is followed only when its target lies beneath the
///   directory that holds it (so it cannot lead out of a granted subtree);
///   any other fails with `errc::escapes_root`. Conditions in `zddc::errc` (not_found,
///   already_exists, not_a_directory, is_a_directory, not_empty,
///   escapes_root) are reported with those values; anything else is an
///   opaque storage failure.
/// - `stat` reports kind, size, mtime (ns where the storage keeps it) and a
///   file id (the inode) that changes when a file is replaced by `rename`.
/// - `open_read` opens a regular file for positional reads; the reader's
///   `stat()` describes the opened file, so a check made on it holds for
///   the bytes read (no check-then-open race).
/// - `create_temp(dir)` creates a new, empty regular file with a unique
///   reserved name (`.zddc-tmp-*`) in `dir`, open for appending writes. If
///   the writer is destroyed without the file having been renamed, the temp
///   file is removed (best effort).
/// - `list(dir)` returns the entries of a directory (not `.`/`..`) with their
///   stats, in unspecified order; a symlink entry is reported as what it
///   points to when it may be followed (above) and omitted otherwise.
/// - `rename(from, to)` atomically replaces `to` (a file, or an empty
///   directory by a directory).
/// - `remove(p)` removes a file or an empty directory.
/// - `make_dir(p)` creates one directory; `already_exists` if anything is there.
/// - `set_mtime(p, t)` sets a file's modification time.
///
/// Durability (what survives a crash or power loss), as on a POSIX
/// filesystem with ordered metadata:
/// - a file's contents are durable after `writer.sync()`;
/// - a directory's entries (creations, renames into or out of it, removals)
///   are durable after `sync_dir` on that directory;
/// - everything (every file's contents, every directory's entries) is
///   durable after `sync_all()`: one call (syncfs) where a batch of files
///   would need two each;
/// - nothing else is promised: after a crash an unsynced file may be empty or
///   lost, and an unsynced rename may be undone.
///
/// Watching (`WatchedFilesystem`, optional): `take_changes()` reports the
/// directories whose listings may differ since the previous call, whoever
/// changed them — the server, or a person at the machine editing the files
/// directly. The first call, and any call after the watch lost track (an
/// event queue overflow, a directory it could not watch), reports
/// `everything`. Exactly one consumer calls it.
///
/// Kept digests (`DigestKeepingFilesystem`, optional): a file's SHA-256 can
/// be kept with the file itself (an extended attribute in the daemon), with
/// the file id, size and mtime it was computed for, so that a restarted
/// process need not hash the file again (env/content_tags.hpp). Best effort:
/// `keep_digest` may keep nothing, and `kept_digest_of` answers nothing for
/// a file it cannot read one from; a caller trusts a kept digest only while
/// the file's stat still matches it.
///
/// Glancing (`GlancingFilesystem`, optional): `glance(p)` is `stat(p)` in
/// one cheap call, without the confinement above: a symlink on the way may
/// lead anywhere (one at the end is not followed, and fails). Its answer is
/// good only for confirming that the file at `p` is still the one a
/// confined call reported, by comparing the two stats; never for reading,
/// listing or deciding access. The master answers a conditional GET so: a
/// 304 needs the file's identity, not its bytes (master::handler::read).

#include <zddc/core/error.hpp>
#include <zddc/core/file_kind.hpp>
#include <zddc/core/path.hpp>
#include <zddc/env/clock.hpp>

#include <array>
#include <concepts>
#include <optional>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace zddc::env {

/// Every name `create_temp` gives starts with this (a reserved name).
inline constexpr std::string_view temp_name_prefix = ".zddc-tmp-";

/// True for a name `create_temp` could have given.
constexpr bool
is_temp_name(std::string_view name) noexcept
{
  return name.starts_with(temp_name_prefix);
}

using core::file_kind;

struct file_stat {
  file_kind kind = file_kind::regular;
  std::uint64_t size = 0;    // bytes; 0 for directories
  time_point mtime{};        // last modification
  std::uint64_t file_id = 0; // inode number: changes when a file is replaced

  friend bool operator==(const file_stat&, const file_stat&) = default;
};

struct dir_entry {
  std::string name; // one decoded segment, exactly as stored
  file_stat stat;
};

/// An open regular file, read by position.
template<class R>
concept FileReader = requires(R& r, std::uint64_t offset, std::span<std::byte> buffer) {
  { r.stat() } -> std::same_as<const file_stat&>;
  /// Reads up to `buffer.size()` bytes at `offset`; 0 means end of file.
  { r.read_at(offset, buffer) } -> std::same_as<result<std::size_t>>;
};

/// A new file being written, by appending.
template<class W>
concept FileWriter = requires(W& w, std::span<const std::byte> bytes) {
  { w.path() } -> std::same_as<const core::store_path&>;
  /// Appends all of `bytes`.
  { w.write(bytes) } -> std::same_as<error_code>;
  /// Makes what was written durable (fsync).
  { w.sync() } -> std::same_as<error_code>;
};

/// What changed on a disk since the previous look (see Watching above).
struct disk_changes {
  /// Directories in which a name was created, removed or renamed, or whose
  /// files' bytes, sizes or times changed. Unordered, maybe repeated.
  std::vector<core::store_path> dirs;
  /// Anything may have changed: look at everything again.
  bool everything = false;
};

template<class F>
concept Filesystem =
  FileReader<typename F::reader_type> && FileWriter<typename F::writer_type> &&
  requires(F& fs, const core::store_path& p, const core::store_path& q, time_point t) {
    { fs.stat(p) } -> std::same_as<result<file_stat>>;
    { fs.open_read(p) } -> std::same_as<result<typename F::reader_type>>;
    { fs.create_temp(p) } -> std::same_as<result<typename F::writer_type>>;
    { fs.list(p) } -> std::same_as<result<std::vector<dir_entry>>>;
    { fs.rename(p, q) } -> std::same_as<error_code>;
    { fs.remove(p) } -> std::same_as<error_code>;
    { fs.make_dir(p) } -> std::same_as<error_code>;
    { fs.sync_dir(p) } -> std::same_as<error_code>;
    { fs.sync_all() } -> std::same_as<error_code>;
    { fs.set_mtime(p, t) } -> std::same_as<error_code>;
  };

/// A Filesystem that says what changed on it (see Watching above).
template<class F>
concept WatchedFilesystem = Filesystem<F> && requires(F& fs) {
  { fs.take_changes() } -> std::same_as<disk_changes>;
};

/// A file's SHA-256 as kept with it, and the file it was computed for.
struct kept_digest {
  std::array<unsigned char, 32> sha256{};
  file_stat of; // kind is ignored

  /// Whether this describes the file `st` describes.
  bool
  describes(const file_stat& st) const noexcept
  {
    return of.size == st.size && of.mtime == st.mtime && of.file_id == st.file_id;
  }
};

template<class F>
concept DigestKeepingFilesystem = Filesystem<F> && requires(F& fs, const core::store_path& p, const kept_digest& d) {
  { fs.kept_digest_of(p) } -> std::same_as<std::optional<kept_digest>>;
  { fs.keep_digest(p, d) } -> std::same_as<void>;
};

/// A Filesystem that can glance at a path (see Glancing above).
template<class F>
concept GlancingFilesystem = Filesystem<F> && requires(F& fs, const core::store_path& p) {
  { fs.glance(p) } -> std::same_as<result<file_stat>>;
};

} // namespace zddc::env
