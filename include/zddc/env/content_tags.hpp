#pragma once
/// @file
/// Strong ETags from file contents, cached by what the filesystem reports.
///
/// Why a content hash: the ETag must change whenever the bytes change, even
/// twice within one second and even for an in-place edit made directly on
/// the server; and equal bytes must carry equal tags on every node, so a
/// replaying cache can recognise its own write after a lost acknowledgement
/// and a mirror can tell that its copy is current without asking.
///
/// Hashing every file on every request would be too slow, so a tag is
/// cached against the file's (file id, size, mtime). That key can miss an
/// in-place edit that keeps the size and lands in the same timestamp tick
/// (Linux stamps files with a coarse clock, a few milliseconds). The cache
/// therefore uses git's "racy clean" rule: a tag computed when the file's
/// mtime was less than `settle` before the hashing time is not trusted, and
/// is recomputed on its next use. Residual risk, documented: an edit that
/// keeps the size and then deliberately sets the mtime back (`touch -d`)
/// goes unnoticed until the file changes again.
///
/// Where the filesystem can keep a digest with its file
/// (env::DigestKeepingFilesystem), a digest computed once the file had
/// settled is kept there too, and a fresh instance (a restarted process)
/// takes it back instead of hashing the file again, for as long as the
/// file's id, size and mtime are those it was computed for.
///
/// Used by every role (the master's answers, a cache's and a mirror's
/// copies), so it sits below them, beside the other compositions over the
/// Filesystem seam (env/durable.hpp). One instance per event loop; not
/// thread-safe.

#include <zddc/core/listing.hpp>
#include <zddc/core/sha256.hpp>
#include <zddc/env/filesystem.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <optional>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace zddc::env {

inline constexpr env::duration tag_settle_time = std::chrono::seconds(2); // > any mtime tick
inline constexpr std::size_t tag_cache_entries_max = 250'000;             // then start afresh
inline constexpr std::size_t hash_chunk_bytes = 64 * 1024;

template<env::Filesystem F>
class content_tags {
public:
  using reader_type = typename F::reader_type;

  /// The tag of the file open in `reader`, which was opened at `path` in `fs`.
  result<core::entity_tag>
  tag_of(F& fs, const core::store_path& path, reader_type& reader, env::time_point now)
  {
    auto const& st = reader.stat();
    if(auto const* known = fresh(path, st))
      return known->tag;
    if(auto const* recalled = recall(fs, path, st))
      return recalled->tag;
    auto digest = hash(reader);
    if(! digest)
      return digest.error();
    return learned(fs, path, made(st, *digest, now)).tag;
  }

  /// The tag already trusted for the file `st` describes at `path`, without
  /// touching the disk; null when there is none. Valid until the next call
  /// that learns or forgets a tag.
  const core::entity_tag*
  known_tag(const core::store_path& path, const env::file_stat& st) const
  {
    auto const* known = fresh(path, st);
    return known ? &known->tag : nullptr;
  }

  /// The tag of the file at `path`, opening it only when needed.
  result<core::entity_tag>
  tag_at(F& fs, const core::store_path& path, const env::file_stat& st, env::time_point now)
  {
    if(auto const* known = fresh(path, st))
      return known->tag;
    auto v = version_at(fs, path, st, now);
    if(! v)
      return v.error();
    return std::move(v->tag);
  }

  /// The tag and the whole digest of the file at `path` (a listing shows
  /// both), opening it only when needed.
  struct version {
    core::entity_tag tag;
    core::sha256::digest digest;
  };
  result<version>
  version_at(F& fs, const core::store_path& path, const env::file_stat& st, env::time_point now)
  {
    if(auto const* known = fresh(path, st); known && known->digest)
      return version{known->tag, *known->digest};
    if(auto const* recalled = recall(fs, path, st))
      return version{recalled->tag, *recalled->digest};
    auto reader = fs.open_read(path);
    if(! reader)
      return reader.error();
    auto digest = hash(*reader);
    if(! digest)
      return digest.error();
    return version{learned(fs, path, made(reader->stat(), *digest, now)).tag, *digest};
  }

  /// Records the digest of bytes learned another way (just written).
  void
  remember(const core::store_path& path, const env::file_stat& st, const core::sha256::digest& digest,
           env::time_point now)
  {
    keep(path, made(st, digest, now));
  }

  /// Records a tag learned another way (the master's, for bytes it sent
  /// whole); the digest stays unknown until someone asks for it.
  void
  remember(const core::store_path& path, const env::file_stat& st, const core::entity_tag& tag,
           env::time_point now)
  {
    keep(path, entry{st, tag, std::nullopt, now - st.mtime < tag_settle_time});
  }

  void
  forget(const core::store_path& path)
  {
    if(auto const it = cache_.find(path.str()); it != cache_.end())
      cache_.erase(it);
  }

  /// Forgets `dir` and everything below it.
  void
  forget_within(const core::store_path& dir)
  {
    std::erase_if(cache_, [&](auto const& item) {
      auto const p = core::store_path::parse(item.first);
      return ! p || p->is_within(dir);
    });
  }

private:
  struct entry {
    env::file_stat stat;
    core::entity_tag tag;
    std::optional<core::sha256::digest> digest; // unknown when only the tag was learned
    bool racy = false; // hashed too soon after the last modification to trust
  };

  /// The entry for `path` when it still describes the file `st` describes.
  const entry*
  fresh(const core::store_path& path, const env::file_stat& st) const
  {
    auto const it = cache_.find(path.str());
    return it != cache_.end() && it->second.stat == st && ! it->second.racy ? &it->second : nullptr;
  }

  /// The entry made from a digest kept with the file, when it still
  /// describes the file `st` describes; null otherwise.
  const entry*
  recall(F& fs, const core::store_path& path, const env::file_stat& st)
  {
    if constexpr(DigestKeepingFilesystem<F>) {
      auto const kept = fs.kept_digest_of(path);
      if(kept && kept->describes(st))
        return &keep(path, entry{st, core::content_etag(kept->sha256), kept->sha256, false});
    }
    return nullptr;
  }

  /// Keeps `e`, a digest just computed, here and, once it can be trusted
  /// (not racy), with the file.
  const entry&
  learned(F& fs, const core::store_path& path, entry e)
  {
    if constexpr(DigestKeepingFilesystem<F>) {
      if(! e.racy && e.digest)
        fs.keep_digest(path, kept_digest{*e.digest, e.stat});
    }
    return keep(path, std::move(e));
  }

  static entry
  made(const env::file_stat& st, const core::sha256::digest& digest, env::time_point now)
  {
    return entry{st, core::content_etag(digest), digest, now - st.mtime < tag_settle_time};
  }

  const entry&
  keep(const core::store_path& path, entry e)
  {
    if(cache_.size() >= tag_cache_entries_max)
      cache_.clear();
    return cache_.insert_or_assign(std::string(path.str()), std::move(e)).first->second;
  }

  static result<core::sha256::digest>
  hash(reader_type& reader)
  {
    core::sha256 h;
    std::array<std::byte, hash_chunk_bytes> buffer;
    std::uint64_t offset = 0;
    for(;;) {
      auto n = reader.read_at(offset, buffer);
      if(! n)
        return n.error();
      if(*n == 0)
        break;
      h.update(std::span<const std::byte>(buffer.data(), *n));
      offset += *n;
    }
    return h.finish();
  }

  /// Looked up by a path's string view, without copying it.
  struct key_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, entry, key_hash, std::equal_to<>> cache_;
};

} // namespace zddc::env
