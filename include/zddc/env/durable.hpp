#pragma once
/// @file
/// The compositions of Filesystem primitives that core code uses, each with
/// the fsync discipline that makes it survive a crash (env/filesystem.hpp,
/// "Durability"):
///
/// - `atomic_replace`: temp file in the same directory, write, fsync, rename
///   over the target, fsync the directory. After a crash the target holds
///   either its old bytes or all the new ones, never a mix or nothing.
/// - `make_dirs`: mkdir -p, fsyncing each parent whose entries changed.
/// - `remove_durably`, `rename_durably`: the operation, then the directories.
/// - `remove_tree`: rm -r, then the parent directory.
/// - `sweep_stale_temps`: removes temp files a crash left behind.

#include <zddc/env/filesystem.hpp>

#include <span>
#include <string>
#include <utility>

namespace zddc::env {

/// Replaces (or creates) `path` with the bytes `produce(writer)` writes.
/// `produce` returns an error_code; on any failure the temp file is removed
/// and `path` is untouched.
template<Filesystem F, class Producer>
result<file_stat>
atomic_replace_with(F& fs, const core::store_path& path, Producer&& produce)
{
  auto const parent = path.parent();
  auto temp = fs.create_temp(parent);
  if(! temp)
    return temp.error();
  if(error_code ec = std::forward<Producer>(produce)(*temp))
    return ec;
  if(auto ec = temp->sync())
    return ec;
  if(auto ec = fs.rename(temp->path(), path))
    return ec;
  if(auto ec = fs.sync_dir(parent))
    return ec;
  return fs.stat(path);
}

/// Replaces (or creates) `path` with `bytes`.
template<Filesystem F>
result<file_stat>
atomic_replace(F& fs, const core::store_path& path, std::span<const std::byte> bytes)
{
  return atomic_replace_with(fs, path, [&](auto& writer) { return writer.write(bytes); });
}

template<Filesystem F>
result<file_stat>
atomic_replace(F& fs, const core::store_path& path, std::string_view text)
{
  return atomic_replace(fs, path, std::as_bytes(std::span(text.data(), text.size())));
}

/// Creates `dir` and any missing parents. Existing directories are fine; a
/// file in the way is `not_a_directory`.
template<Filesystem F>
error_code
make_dirs(F& fs, const core::store_path& dir)
{
  if(dir.is_root())
    return {};
  if(auto st = fs.stat(dir))
    return st->kind == file_kind::directory ? error_code() : error_code(errc::not_a_directory);
  else if(st.error() != errc::not_found)
    return st.error();
  if(auto ec = make_dirs(fs, dir.parent()))
    return ec;
  if(auto ec = fs.make_dir(dir); ec && ec != errc::already_exists)
    return ec;
  return fs.sync_dir(dir.parent());
}

/// Removes a file or an empty directory, durably.
template<Filesystem F>
error_code
remove_durably(F& fs, const core::store_path& path)
{
  if(auto ec = fs.remove(path))
    return ec;
  return fs.sync_dir(path.parent());
}

/// Removes `path` and, when it is a directory, everything below it; then
/// syncs its parent. Returns how many documents went: regular files whose
/// names are not reserved (a directory's `.zddc-*` companions are not
/// counted). A missing `path` removes nothing.
template<Filesystem F>
result<std::uint64_t>
remove_tree(F& fs, const core::store_path& path)
{
  auto st = fs.stat(path);
  if(! st)
    return st.error() == errc::not_found ? result<std::uint64_t>(0) : result<std::uint64_t>(st.error());
  std::uint64_t files = 0;
  if(st->kind == file_kind::directory) {
    auto entries = fs.list(path);
    if(! entries)
      return entries.error();
    for(auto const& e : *entries) {
      auto const child = path.child(e.name);
      if(! child)
        return child.error();
      auto removed = remove_tree(fs, *child);
      if(! removed)
        return removed.error();
      files += *removed;
    }
  } else {
    files = core::is_reserved_name(path.name()) ? 0 : 1;
  }
  if(auto ec = remove_durably(fs, path))
    return ec;
  return files;
}

/// How long a temp file may go unmodified before it counts as abandoned by
/// a crash. A live write appends at least once per body chunk, and a chunk
/// that does not arrive within the read timeout (30 s by default) ends the
/// write; ten minutes is far beyond any pause a live write can have.
inline constexpr duration temp_stale_after = std::chrono::minutes(10);

/// True for an entry that is a temp file last modified before `cutoff`.
inline bool
is_stale_temp(const dir_entry& e, time_point cutoff) noexcept
{
  return e.stat.kind == file_kind::regular && is_temp_name(e.name) && e.stat.mtime < cutoff;
}

/// Removes, in `dir` and below it, the temp files last modified before
/// `cutoff` (see `temp_stale_after`): what a crash during a write left.
/// Returns how many went. Directories that cannot be listed are skipped.
template<Filesystem F>
result<std::uint64_t>
sweep_stale_temps(F& fs, const core::store_path& dir, time_point cutoff)
{
  auto entries = fs.list(dir);
  if(! entries)
    return entries.error();
  std::uint64_t here = 0, below = 0;
  for(auto const& e : *entries) {
    auto const child = dir.child(e.name);
    if(! child)
      continue; // a name no request can form: not ours
    if(e.stat.kind == file_kind::directory) {
      if(auto n = sweep_stale_temps(fs, *child, cutoff))
        below += *n;
    } else if(is_stale_temp(e, cutoff)) {
      if(auto ec = fs.remove(*child); ! ec)
        ++here;
      else if(ec != errc::not_found)
        return ec;
    }
  }
  if(here)
    if(auto ec = fs.sync_dir(dir))
      return ec;
  return here + below;
}

/// Renames `from` over `to`, durably in both directories.
template<Filesystem F>
error_code
rename_durably(F& fs, const core::store_path& from, const core::store_path& to)
{
  if(auto ec = fs.rename(from, to))
    return ec;
  if(auto ec = fs.sync_dir(to.parent()))
    return ec;
  if(from.parent() != to.parent())
    return fs.sync_dir(from.parent());
  return {};
}

/// Reads a whole small file; `too_large` past `bytes_max`.
template<Filesystem F>
result<std::string>
read_all(F& fs, const core::store_path& path, std::uint64_t bytes_max)
{
  auto reader = fs.open_read(path);
  if(! reader)
    return reader.error();
  if(reader->stat().size > bytes_max)
    return error_code(errc::too_large);
  std::string out(reader->stat().size, '\0');
  std::uint64_t offset = 0;
  while(offset < out.size()) {
    auto n = reader->read_at(offset, std::as_writable_bytes(std::span(out.data() + offset, out.size() - offset)));
    if(! n)
      return n.error();
    if(*n == 0)
      break; // shrank since it was opened
    offset += *n;
  }
  out.resize(offset);
  return out;
}

} // namespace zddc::env
