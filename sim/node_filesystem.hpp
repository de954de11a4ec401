#pragma once
/// @file
/// The Filesystem one incarnation of a node sees (env/filesystem.hpp): the
/// node's disk for as long as that incarnation is current, `sim_errc::crashed`
/// afterwards. A fault the disk injects mid-operation (`crash_after`) is
/// reported to the node at once, inside that operation, so the crash takes
/// effect exactly there and nothing later in the same step reaches the disk.
///
/// `durability::lies` is a deliberately broken disk for the checkers' own
/// tests: `sync` and `sync_dir` succeed without doing anything, as on a
/// drive with a volatile write cache that acknowledges flushes.

#include "sim/crash_error.hpp"
#include "sim/memory_filesystem.hpp"
#include "sim/node.hpp"

#include <functional>
#include <utility>
#include <optional>

namespace zddc::sim {

enum class durability { honest, lies };

class node_filesystem {
public:
  using reader_type = memory_filesystem::reader_type;

  class writer_type {
  public:
    const core::store_path& path() const noexcept { return inner_.path(); }
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
    writer_type(node_filesystem& owner, memory_filesystem::writer_type inner)
      : owner_(&owner), inner_(std::move(inner))
    {
    }
    node_filesystem* owner_;
    memory_filesystem::writer_type inner_;
  };

  /// `crashed()` is called when the disk crashes under this incarnation.
  node_filesystem(memory_filesystem& disk, const node& owner, std::function<void()> crashed,
                  durability d = durability::honest)
    : disk_(disk), owner_(owner), incarnation_(owner.incarnation()), crashed_(std::move(crashed)), durability_(d)
  {
  }
  node_filesystem(node_filesystem&&) = default; // only before any writer exists
  node_filesystem& operator=(node_filesystem&&) = delete;

  result<env::file_stat> stat(const core::store_path& p) { return check([&] { return disk_.stat(p); }); }
  result<reader_type> open_read(const core::store_path& p) { return check([&] { return disk_.open_read(p); }); }
  result<std::vector<env::dir_entry>> list(const core::store_path& d) { return check([&] { return disk_.list(d); }); }
  error_code rename(const core::store_path& a, const core::store_path& b) { return check([&] { return disk_.rename(a, b); }); }
  /// Removes `p`, and tells the removal listener what went.
  error_code
  remove(const core::store_path& p)
  {
    std::optional<env::file_kind> kind;
    if(removed_ && ! stale())
      if(auto const st = disk_.stat(p))
        kind = st->kind;
    auto const ec = check([&] { return disk_.remove(p); });
    if(! ec && kind)
      removed_(p, *kind);
    return ec;
  }

  /// Called after each removal with the path and what it was (the
  /// checkers' view of what a node purges).
  void on_remove(std::function<void(const core::store_path&, env::file_kind)> listener) { removed_ = std::move(listener); }
  error_code make_dir(const core::store_path& p) { return check([&] { return disk_.make_dir(p); }); }
  error_code set_mtime(const core::store_path& p, env::time_point t) { return check([&] { return disk_.set_mtime(p, t); }); }

  error_code
  sync_dir(const core::store_path& d)
  {
    if(durability_ == durability::lies)
      return check([] { return error_code(); });
    return check([&] { return disk_.sync_dir(d); });
  }

  result<writer_type>
  create_temp(const core::store_path& dir)
  {
    auto w = check([&] { return disk_.create_temp(dir); });
    if(! w)
      return w.error();
    return writer_type(*this, std::move(*w));
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
  std::function<void(const core::store_path&, env::file_kind)> removed_;
  bool deaf_ = false;
  bool first_look_ = true;
};

static_assert(env::WatchedFilesystem<node_filesystem>);

} // namespace zddc::sim
