#pragma once
/// @file
/// The Filesystem one incarnation of a node sees (env/filesystem.hpp): the
/// node's disk for as long as that incarnation is current, `sim_errc::crashed`
/// afterwards. A fault the disk injects mid-operation (`crash_after`) is
/// reported to the node at once, inside that operation, so the crash takes
/// effect exactly there and nothing later in the same step reaches the disk.
///
/// `durability::lies` is a deliberately broken disk for the checkers' own
/// tests: `sync`, `sync_dir` and `sync_all` succeed without doing anything, as on a
/// drive with a volatile write cache that acknowledges flushes.
///
/// `disk_names::url_encoded` is the seed's bug 1, at the only place it can
/// still happen — under the Filesystem seam (`keys_disk_by_encoded_name`):
/// each segment of every path is stored under its URL percent-encoding
/// (Boost.URL's, as a request target spells it), but `list()` returns the
/// names on disk as they are — the seed's walker, which keyed its disk by
/// the encoded child URL and then compared `os.ReadDir` with the decoded
/// listing. A segment that already is the encoding of its decoded form is
/// its own key, so a name taken from `list()` reaches the file it names, as
/// `os.Remove` did in the seed.

#include "sim/crash_error.hpp"
#include "sim/memory_filesystem.hpp"
#include "sim/node.hpp"

#include <functional>
#include <utility>
#include <optional>

namespace zddc::sim {

enum class durability { honest, lies };
enum class disk_names { as_given, url_encoded };

/// `p` with each segment URL-encoded, unless it already is (`url_encoded` above).
result<core::store_path> url_encoded_key(const core::store_path& p);

class node_filesystem {
public:
  using reader_type = memory_filesystem::reader_type;

  class writer_type {
  public:
    /// The temp file's path as its user named it (under `url_encoded`, the
    /// directory it gave, decoded).
    const core::store_path& path() const noexcept { return shown_ ? *shown_ : inner_.path(); }
    error_code
    write(std::span<const std::byte> bytes)
    {
      return owner_->check([&] { return inner_.write(bytes); });
    }
    error_code
    sync()
    {
      if(owner_->durability_ == durability::lies)
        return owner_->check([] { return error_code(); });
      return owner_->check([&] { return inner_.sync(); });
    }

  private:
    friend class node_filesystem;
    writer_type(node_filesystem& owner, memory_filesystem::writer_type inner,
                std::optional<core::store_path> shown = std::nullopt)
      : owner_(&owner), inner_(std::move(inner)), shown_(std::move(shown))
    {
    }
    node_filesystem* owner_;
    memory_filesystem::writer_type inner_;
    std::optional<core::store_path> shown_;
  };

  /// `crashed()` is called when the disk crashes under this incarnation.
  node_filesystem(memory_filesystem& disk, const node& owner, std::function<void()> crashed,
                  durability d = durability::honest, disk_names names = disk_names::as_given)
    : disk_(disk), owner_(owner), incarnation_(owner.incarnation()), crashed_(std::move(crashed)), durability_(d),
      names_(names)
  {
  }
  node_filesystem(node_filesystem&&) = default; // only before any writer exists
  node_filesystem& operator=(node_filesystem&&) = delete;

  result<env::file_stat> stat(const core::store_path& p) { return at(p, [&](auto const& k) { return disk_.stat(k); }); }
  result<env::file_stat> glance(const core::store_path& p) { return at(p, [&](auto const& k) { return disk_.glance(k); }); }
  result<reader_type>
  open_read(const core::store_path& p)
  {
    return at(p, [&](auto const& k) { return disk_.open_read(k); });
  }
  /// The names on disk as they are (under `url_encoded`, the bug).
  result<std::vector<env::dir_entry>>
  list(const core::store_path& d)
  {
    return at(d, [&](auto const& k) { return disk_.list(k); });
  }
  error_code
  rename(const core::store_path& a, const core::store_path& b)
  {
    if(names_ == disk_names::as_given)
      return check([&] { return disk_.rename(a, b); });
    auto const from = url_encoded_key(a);
    auto const to = url_encoded_key(b);
    if(! from || ! to)
      return from ? to.error() : from.error();
    return check([&] { return disk_.rename(*from, *to); });
  }
  /// Removes `p`, and tells the removal listener what went.
  error_code
  remove(const core::store_path& p)
  {
    return at(p, [&](auto const& k) {
      std::optional<env::file_kind> kind;
      if(removed_ && ! stale())
        if(auto const st = disk_.stat(k))
          kind = st->kind;
      auto const ec = disk_.remove(k);
      if(! ec && kind)
        removed_(k, *kind);
      return ec;
    });
  }

  /// Called after each removal with the path and what it was (the
  /// checkers' view of what a node purges).
  void on_remove(std::function<void(const core::store_path&, env::file_kind)> listener) { removed_ = std::move(listener); }
  error_code make_dir(const core::store_path& p) { return at(p, [&](auto const& k) { return disk_.make_dir(k); }); }
  error_code
  set_mtime(const core::store_path& p, env::time_point t)
  {
    return at(p, [&](auto const& k) { return disk_.set_mtime(k, t); });
  }

  error_code
  sync_dir(const core::store_path& d)
  {
    if(durability_ == durability::lies)
      return at(d, [](auto const&) { return error_code(); });
    return at(d, [&](auto const& k) { return disk_.sync_dir(k); });
  }

  error_code
  sync_all()
  {
    if(durability_ == durability::lies)
      return check([] { return error_code(); });
    return check([&] { return disk_.sync_all(); });
  }

  result<writer_type>
  create_temp(const core::store_path& dir)
  {
    auto w = at(dir, [&](auto const& k) { return disk_.create_temp(k); });
    if(! w)
      return w.error();
    if(names_ == disk_names::as_given)
      return writer_type(*this, std::move(*w));
    auto shown = dir.child(w->path().name()); // a temp name needs no encoding
    if(! shown)
      return shown.error();
    return writer_type(*this, std::move(*w), std::move(*shown));
  }

  /// What changed on the disk since the previous call (env::WatchedFilesystem).
  /// A stale incarnation has lost track: everything.
  env::disk_changes
  take_changes()
  {
    if(stale())
      return env::disk_changes{{}, true};
    auto changes = disk_.drain_changes();
    if(deaf_ && ! std::exchange(first_look_, false))
      return env::disk_changes{}; // hears only its own writes (master::handler marks those itself)
    return changes;
  }

  /// A deliberately broken watch, for the checkers' own tests: after the
  /// first look it reports nothing, so the tree index misses every change
  /// made on the disk directly.
  void deafen() noexcept { deaf_ = true; }

private:
  bool stale() const noexcept { return owner_.incarnation() != incarnation_; }

  /// `op` applied to `p`'s key on disk, as one step that a crash may cut.
  template<class Op>
  auto
  at(const core::store_path& p, Op&& op) -> decltype(op(p))
  {
    if(names_ == disk_names::as_given)
      return check([&] { return op(p); });
    auto const key = url_encoded_key(p);
    if(! key)
      return decltype(op(p))(key.error());
    return check([&] { return op(*key); });
  }

  template<class Op>
  auto
  check(Op&& op) -> decltype(op())
  {
    if(stale())
      return decltype(op())(sim_errc::crashed);
    auto r = std::forward<Op>(op)();
    if(disk_.crashed() && ! stale())
      crashed_();
    return r;
  }

  memory_filesystem& disk_;
  const node& owner_;
  std::uint64_t incarnation_;
  std::function<void()> crashed_;
  durability durability_;
  disk_names names_;
  std::function<void(const core::store_path&, env::file_kind)> removed_;
  bool deaf_ = false;
  bool first_look_ = true;
};

static_assert(env::WatchedFilesystem<node_filesystem>);
static_assert(env::GlancingFilesystem<node_filesystem>);

} // namespace zddc::sim
