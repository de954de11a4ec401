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
#include <string>
#include <unordered_map>

namespace zddc::env {

inline constexpr env::duration tag_settle_time = std::chrono::seconds(2); // > any mtime tick
inline constexpr std::size_t tag_cache_entries_max = 250'000;             // then start afresh
inline constexpr std::size_t hash_chunk_bytes = 64 * 1024;

template<env::Filesystem F>
class content_tags {
public:
  using reader_type = typename F::reader_type;

  /// The tag of the file open in `reader`, which was opened at `path`.
  result<core::entity_tag>
  tag_of(const core::store_path& path, reader_type& reader, env::time_point now)
  {
    auto const& st = reader.stat();
    auto const it = cache_.find(std::string(path.str()));
    if(it != cache_.end() && it->second.stat == st && ! it->second.racy)
      return it->second.tag;
    auto digest = hash(reader);
    if(! digest)
      return digest.error();
    auto tag = core::content_etag(*digest);
    remember(path, st, tag, now);
    return tag;
  }

  /// The tag of the file at `path`, opening it only when needed.
  result<core::entity_tag>
  tag_at(F& fs, const core::store_path& path, const env::file_stat& st, env::time_point now)
  {
    auto const it = cache_.find(std::string(path.str()));
    if(it != cache_.end() && it->second.stat == st && ! it->second.racy)
      return it->second.tag;
    auto reader = fs.open_read(path);
    if(! reader)
      return reader.error();
    return tag_of(path, *reader, now);
  }

  /// Records a tag learned another way (the digest of bytes just written).
  void
  remember(const core::store_path& path, const env::file_stat& st, const core::entity_tag& tag,
           env::time_point now)
  {
    if(cache_.size() >= tag_cache_entries_max)
      cache_.clear();
    cache_.insert_or_assign(std::string(path.str()), entry{st, tag, now - st.mtime < tag_settle_time});
  }

  void
  forget(const core::store_path& path)
  {
    cache_.erase(std::string(path.str()));
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
    bool racy; // hashed too soon after the last modification to trust
  };

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

  std::unordered_map<std::string, entry> cache_;
};

} // namespace zddc::env
