#pragma once
/// @file
/// The cache's local copies: files under their decoded names, exactly where
/// the master keeps them, and each directory's last upstream listing as a
/// `.zddc-listing.json` sidecar (the JSON the master sent, verbatim; the
/// HTML form is rendered from it, so one upstream request serves both).
/// A mirror also keeps, in the top directory of a subtree it walks, the
/// tree tag of the last tree it brought in whole (`.zddc-tree-tag`).
///
/// A local file's mtime is set to the master's Last-Modified, and its ETag
/// is its content tag — equal bytes, equal tags on every node — so the
/// cache revalidates with the master's own validator.
///
/// Downloads stream into a temp file under `.zddc-spool/` and are renamed
/// into place only when complete: a reader never sees a partial copy.

#include <zddc/core/assert.hpp>
#include <zddc/core/listing.hpp>
#include <zddc/env/durable.hpp>
#include <zddc/env/environment.hpp>
#include <zddc/env/content_tags.hpp>

#include <optional>

namespace zddc::cache {

inline constexpr std::string_view listing_sidecar = ".zddc-listing.json";
inline constexpr std::string_view tree_tag_sidecar = ".zddc-tree-tag";
inline constexpr std::string_view spool_directory = ".zddc-spool";
inline constexpr std::uint64_t listing_bytes_max = 64ull << 20;

template<env::Environment E>
class store {
public:
  using filesystem_type = typename E::filesystem_type;
  using writer_type = typename filesystem_type::writer_type;
  using reader_type = typename filesystem_type::reader_type;

  explicit store(E& env) : env_(env) {}

  /// Makes the spool, and empties it: a download still there was cut short
  /// by a crash (the spool is this store's alone, and nothing downloads
  /// before `open`), so every file in it is a leftover.
  error_code
  open()
  {
    if(auto ec = env::make_dirs(env_.fs(), spool()))
      return ec;
    auto const swept = env::sweep_stale_temps(env_.fs(), spool(), env::time_point::max());
    return swept ? error_code() : swept.error();
  }

  /// The local copy's content tag; nullopt when there is no local file.
  result<std::optional<core::entity_tag>>
  tag(const core::repo_path& p)
  {
    auto st = env_.fs().stat(p);
    if(! st)
      return st.error() == errc::not_found ? result<std::optional<core::entity_tag>>(std::nullopt)
                                            : result<std::optional<core::entity_tag>>(st.error());
    if(st->kind != env::file_kind::regular)
      return std::optional<core::entity_tag>();
    auto t = tags_.tag_at(env_.fs(), p, *st, env_.clock().now());
    if(! t)
      return t.error();
    return std::optional<core::entity_tag>(*t);
  }

  result<env::file_stat> stat(const core::repo_path& p) { return env_.fs().stat(p); }

  /// A temp file to download into.
  result<writer_type> begin_download() { return env_.fs().create_temp(spool()); }

  /// Who makes an installed download durable.
  enum class durability {
    here,      // its bytes before the rename, and the rename
    by_caller, // a caller that syncs many at once (`sync_all`) before and after
  };

  /// Moves a complete download into place, stamped with the master's time.
  /// `tag`, when given, is the content tag of the bytes downloaded (the
  /// master's, for a body it sent whole): remembered, so the copy is not
  /// read again to learn it. `durability::by_caller`: the caller has made
  /// the bytes durable already (a mirror's walk, a batch at a time), and
  /// makes the rename durable later; a crash leaves the old copy or none,
  /// never a torn one.
  error_code
  install(writer_type& download, const core::repo_path& p, std::optional<env::time_point> mtime,
          std::optional<core::entity_tag> tag = std::nullopt, durability d = durability::here)
  {
    auto& fs = env_.fs();
    if(d == durability::here)
      if(auto ec = download.sync())
        return ec;
    if(auto ec = env::make_dirs(fs, p.parent()))
      return ec;
    if(auto ec = d == durability::here ? env::rename_durably(fs, download.path(), p) : fs.rename(download.path(), p))
      return ec;
    tags_.forget(p);
    if(mtime)
      if(auto ec = fs.set_mtime(p, *mtime))
        return ec;
    if(tag)
      if(auto st = fs.stat(p))
        tags_.remember(p, *st, *tag, env_.clock().now());
    return {};
  }

  /// Copies an open file (an outbox body) into place.
  error_code
  install_copy(reader_type& from, const core::repo_path& p, std::optional<env::time_point> mtime)
  {
    auto temp = begin_download();
    if(! temp)
      return temp.error();
    std::array<std::byte, 64 * 1024> buffer;
    for(std::uint64_t offset = 0;;) {
      auto n = from.read_at(offset, buffer);
      if(! n)
        return n.error();
      if(*n == 0)
        break;
      if(auto ec = temp->write(std::span<const std::byte>(buffer.data(), *n)))
        return ec;
      offset += *n;
    }
    return install(*temp, p, mtime);
  }

  /// Forgets a local file (the master no longer has it, or hides it).
  error_code
  purge(const core::repo_path& p)
  {
    tags_.forget(p);
    auto ec = env::remove_durably(env_.fs(), p);
    return ec == errc::not_found || ec == errc::not_empty || ec == errc::is_a_directory ? error_code() : ec;
  }

  /// Forgets a local directory and everything below it, or a file; returns
  /// how many files went.
  result<std::uint64_t>
  purge_tree(const core::store_path& p)
  {
    tags_.forget_within(p);
    return env::remove_tree(env_.fs(), p);
  }

  /// Stamps a local file with the master's modification time.
  error_code set_mtime(const core::repo_path& p, env::time_point t) { return env_.fs().set_mtime(p, t); }

  /// The last listing of `dir` the master sent; nullopt when none is kept.
  result<std::optional<core::listing>>
  listing(const core::repo_path& dir)
  {
    auto text = env::read_all(env_.fs(), sidecar(dir), listing_bytes_max);
    if(! text)
      return text.error() == errc::not_found || text.error() == errc::not_a_directory
               ? result<std::optional<core::listing>>(std::nullopt)
               : result<std::optional<core::listing>>(text.error());
    auto l = core::listing_from_json(*text, dir);
    if(! l)
      return std::optional<core::listing>(); // unreadable: as if never fetched
    return std::optional<core::listing>(std::move(*l));
  }

  error_code
  save_listing(const core::repo_path& dir, std::string_view json)
  {
    if(auto ec = env::make_dirs(env_.fs(), dir))
      return ec;
    auto const r = env::atomic_replace(env_.fs(), sidecar(dir), json);
    return r ? error_code() : r.error();
  }

  error_code
  purge_listing(const core::repo_path& dir)
  {
    auto ec = env::remove_durably(env_.fs(), sidecar(dir));
    return ec == errc::not_found || ec == errc::not_a_directory ? error_code() : ec;
  }

  /// The tree tag a mirror last brought `dir`'s whole subtree in line
  /// with; nullopt when none is kept (never, or no longer vouched for).
  result<std::optional<core::entity_tag>>
  tree_tag(const core::repo_path& dir)
  {
    auto text = env::read_all(env_.fs(), dir.reserved_child(tree_tag_sidecar), 1024);
    if(! text)
      return text.error() == errc::not_found || text.error() == errc::not_a_directory
               ? result<std::optional<core::entity_tag>>(std::nullopt)
               : result<std::optional<core::entity_tag>>(text.error());
    return core::entity_tag::parse(*text); // unreadable: as if never kept
  }

  error_code
  save_tree_tag(const core::repo_path& dir, const core::entity_tag& tag)
  {
    if(auto ec = env::make_dirs(env_.fs(), dir))
      return ec;
    auto const r = env::atomic_replace(env_.fs(), dir.reserved_child(tree_tag_sidecar), tag.to_string());
    return r ? error_code() : r.error();
  }

  /// Durably forgets `dir`'s tree tag (before changing anything below it).
  error_code
  forget_tree_tag(const core::repo_path& dir)
  {
    auto ec = env::remove_durably(env_.fs(), dir.reserved_child(tree_tag_sidecar));
    return ec == errc::not_found || ec == errc::not_a_directory ? error_code() : ec;
  }

private:
  static core::store_path
  spool()
  {
    auto p = core::store_path::parse(spool_directory);
    ZDDC_ASSERT(p); // a fixed, valid name
    return std::move(*p);
  }
  // Infallible: a repo_path leaves room for one reserved name below it, so
  // the deepest and longest directory a client can name has a sidecar too.
  static core::store_path sidecar(const core::repo_path& dir) { return dir.reserved_child(listing_sidecar); }

  E& env_;
  env::content_tags<filesystem_type> tags_;
};

} // namespace zddc::cache
