#include "sim/memory_filesystem.hpp"

#include <zddc/core/assert.hpp>

#include <cstring>
#include <functional>

namespace zddc::sim {

namespace {

const error_code io_failure = std::make_error_code(std::errc::io_error);

} // namespace

// --- reader -----------------------------------------------------------------

result<std::size_t>
memory_filesystem::reader_type::read_at(std::uint64_t offset, std::span<std::byte> buffer) const
{
  if(fs_->crashed_)
    return error_code(sim_errc::crashed);
  auto const& bytes = node_->bytes;
  if(offset >= bytes.size())
    return std::size_t(0);
  auto const n = std::min<std::size_t>(buffer.size(), bytes.size() - offset);
  std::memcpy(buffer.data(), bytes.data() + offset, n);
  return n;
}

// --- writer -----------------------------------------------------------------

memory_filesystem::writer_type::writer_type(writer_type&& other) noexcept
  : fs_(std::exchange(other.fs_, nullptr)), node_(std::move(other.node_)), path_(other.path_)
{
}

memory_filesystem::writer_type::~writer_type()
{
  if(! fs_ || fs_->crashed_)
    return;
  // Remove the temp file unless it was renamed away (contract: best effort).
  auto dir = fs_->resolve_dir(path_.parent());
  if(! dir)
    return;
  auto& entries = (*dir)->entries;
  auto const it = entries.find(std::string(path_.name()));
  if(it != entries.end() && it->second == node_) {
    entries.erase(it);
    fs_->changed(path_.parent());
  }
}

error_code
memory_filesystem::writer_type::write(std::span<const std::byte> bytes)
{
  if(auto ec = fs_->mutate())
    return ec;
  node_->bytes.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  node_->mtime = fs_->now();
  fs_->changed(path_.parent());
  return {};
}

error_code
memory_filesystem::writer_type::sync()
{
  if(auto ec = fs_->mutate())
    return ec;
  node_->durable_bytes = node_->bytes;
  ++fs_->syncs_.files;
  return {};
}

// --- filesystem ---------------------------------------------------------------

memory_filesystem::memory_filesystem(time_source now)
  : now_(std::move(now)), root_(make_node(env::file_kind::directory))
{
}

env::time_point
memory_filesystem::now()
{
  if(now_)
    return now_();
  tick_ += std::chrono::milliseconds(1);
  return tick_;
}

error_code
memory_filesystem::mutate()
{
  if(crashed_)
    return sim_errc::crashed;
  ++mutations_;
  if(fail_countdown_ && --*fail_countdown_ == 0) {
    fail_countdown_.reset();
    return io_failure;
  }
  if(crash_countdown_ && --*crash_countdown_ == 0) {
    crash_countdown_.reset();
    crash(crash_entries_);
    return sim_errc::crashed;
  }
  return {};
}

std::shared_ptr<memory_filesystem::node>
memory_filesystem::make_node(env::file_kind kind)
{
  auto n = std::make_shared<node>();
  n->kind = kind;
  n->id = next_id_++;
  n->mtime = now();
  return n;
}

env::file_stat
memory_filesystem::stat_of(const node& n)
{
  return {n.kind, n.kind == env::file_kind::regular ? n.bytes.size() : 0, n.mtime, n.id};
}

result<std::shared_ptr<memory_filesystem::node>>
memory_filesystem::resolve(const core::store_path& p) const
{
  if(crashed_)
    return error_code(sim_errc::crashed);
  auto cur = root_;
  std::string_view rest = p.str();
  while(! rest.empty()) {
    if(cur->kind != env::file_kind::directory)
      return error_code(errc::not_a_directory);
    auto const slash = rest.find('/');
    auto const it = cur->entries.find(std::string(rest.substr(0, slash)));
    if(it == cur->entries.end())
      return error_code(errc::not_found);
    cur = it->second;
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }
  return cur;
}

result<std::shared_ptr<memory_filesystem::node>>
memory_filesystem::resolve_dir(const core::store_path& p) const
{
  auto n = resolve(p);
  if(n && (*n)->kind != env::file_kind::directory)
    return error_code(errc::not_a_directory);
  return n;
}

result<env::file_stat>
memory_filesystem::stat(const core::store_path& p) const
{
  auto n = resolve(p);
  if(! n)
    return n.error();
  return stat_of(**n);
}

result<memory_filesystem::reader_type>
memory_filesystem::open_read(const core::store_path& p) const
{
  auto n = resolve(p);
  if(! n)
    return n.error();
  if((*n)->kind == env::file_kind::directory)
    return error_code(errc::is_a_directory);
  return reader_type(*this, *n, stat_of(**n));
}

result<memory_filesystem::writer_type>
memory_filesystem::create_temp(const core::store_path& dir)
{
  auto d = resolve_dir(dir);
  if(! d)
    return d.error();
  if(auto ec = mutate())
    return ec;
  auto name = std::string(env::temp_name_prefix) + std::to_string(next_temp_++);
  auto path = dir.child(name);
  ZDDC_ASSERT(path.has_value());
  auto n = make_node(env::file_kind::regular);
  (*d)->entries[name] = n;
  (*d)->mtime = now();
  changed(dir);
  return writer_type(*this, std::move(n), std::move(*path));
}

result<std::vector<env::dir_entry>>
memory_filesystem::list(const core::store_path& dir) const
{
  auto d = resolve_dir(dir);
  if(! d)
    return d.error();
  std::vector<env::dir_entry> out;
  out.reserve((*d)->entries.size());
  for(auto const& [name, n] : (*d)->entries)
    out.push_back({name, stat_of(*n)});
  return out;
}

error_code
memory_filesystem::rename(const core::store_path& from, const core::store_path& to)
{
  if(from.is_root() || to.is_root())
    return std::make_error_code(std::errc::invalid_argument);
  auto src_dir = resolve_dir(from.parent());
  if(! src_dir)
    return src_dir.error();
  auto const src_it = (*src_dir)->entries.find(std::string(from.name()));
  if(src_it == (*src_dir)->entries.end())
    return errc::not_found;
  auto dst_dir = resolve_dir(to.parent());
  if(! dst_dir)
    return dst_dir.error();
  auto moving = src_it->second;
  if(moving->kind == env::file_kind::directory && to.is_within(from))
    return std::make_error_code(std::errc::invalid_argument);
  auto& dst_entries = (*dst_dir)->entries;
  auto const dst_it = dst_entries.find(std::string(to.name()));
  if(dst_it != dst_entries.end() && dst_it->second != moving) {
    auto const& target = *dst_it->second;
    if(target.kind == env::file_kind::directory && moving->kind != env::file_kind::directory)
      return errc::is_a_directory;
    if(target.kind != env::file_kind::directory && moving->kind == env::file_kind::directory)
      return errc::not_a_directory;
    if(target.kind == env::file_kind::directory && ! target.entries.empty())
      return errc::not_empty;
  }
  if(auto ec = mutate())
    return ec;
  if(moving->kind == env::file_kind::directory)
    changed_everything_ = true; // every path below it moved
  (*src_dir)->entries.erase(std::string(from.name()));
  dst_entries[std::string(to.name())] = std::move(moving);
  auto const t = now();
  (*src_dir)->mtime = t;
  (*dst_dir)->mtime = t;
  changed(from.parent());
  changed(to.parent());
  return {};
}

error_code
memory_filesystem::remove(const core::store_path& p)
{
  if(p.is_root())
    return std::make_error_code(std::errc::invalid_argument);
  auto dir = resolve_dir(p.parent());
  if(! dir)
    return dir.error();
  auto const it = (*dir)->entries.find(std::string(p.name()));
  if(it == (*dir)->entries.end())
    return errc::not_found;
  if(it->second->kind == env::file_kind::directory && ! it->second->entries.empty())
    return errc::not_empty;
  if(auto ec = mutate())
    return ec;
  (*dir)->entries.erase(it);
  (*dir)->mtime = now();
  changed(p.parent());
  return {};
}

error_code
memory_filesystem::make_dir(const core::store_path& p)
{
  if(p.is_root())
    return errc::already_exists;
  auto dir = resolve_dir(p.parent());
  if(! dir)
    return dir.error();
  auto const name = std::string(p.name());
  if((*dir)->entries.count(name))
    return errc::already_exists;
  if(auto ec = mutate())
    return ec;
  (*dir)->entries[name] = make_node(env::file_kind::directory);
  (*dir)->mtime = now();
  changed(p.parent());
  changed(p);
  return {};
}

error_code
memory_filesystem::sync_dir(const core::store_path& dir)
{
  auto d = resolve_dir(dir);
  if(! d)
    return d.error();
  if(auto ec = mutate())
    return ec;
  (*d)->durable_entries = (*d)->entries;
  ++syncs_.dirs;
  return {};
}

error_code
memory_filesystem::sync_all()
{
  if(auto ec = mutate())
    return ec;
  auto durable = [](auto& self, node& n) -> void {
    n.durable_bytes = n.bytes;
    n.durable_entries = n.entries;
    for(auto const& [name, child] : n.entries)
      self(self, *child);
  };
  durable(durable, *root_);
  ++syncs_.all;
  return {};
}

error_code
memory_filesystem::set_mtime(const core::store_path& p, env::time_point t)
{
  auto n = resolve(p);
  if(! n)
    return n.error();
  if(auto ec = mutate())
    return ec;
  (*n)->mtime = t;
  changed(p.is_root() ? p : p.parent());
  return {};
}

void
memory_filesystem::crash(unsynced_entries entries)
{
  // Revert from the root down through what stays reachable; nodes that are
  // no longer referenced by any durable entry simply drop away.
  std::function<void(node&)> revert = [&](node& n) {
    if(n.kind == env::file_kind::directory) {
      if(entries == unsynced_entries::kept)
        n.durable_entries = n.entries;
      else
        n.entries = n.durable_entries;
      for(auto& [name, child] : n.entries)
        revert(*child);
    } else {
      n.bytes = n.durable_bytes;
    }
  };
  revert(*root_);
  crashed_ = true;
  changed_everything_ = true;
  fail_countdown_.reset();
  crash_countdown_.reset();
}

void
memory_filesystem::restart()
{
  crashed_ = false;
}

void
memory_filesystem::write_file_direct(const core::store_path& p, std::string_view bytes)
{
  ZDDC_ASSERT(! p.is_root() && ! crashed_);
  auto cur = root_;
  auto const parent = p.parent();
  std::string_view rest = parent.str();
  core::store_path at; // the directory `cur` is
  while(! rest.empty()) {
    auto const slash = rest.find('/');
    auto const name = std::string(rest.substr(0, slash));
    auto& slot = cur->entries[name];
    auto next = at.child(name);
    ZDDC_ASSERT(next.has_value()); // a prefix of a valid path
    if(! slot) {
      slot = make_node(env::file_kind::directory);
      changed(at);
      changed(*next);
    }
    ZDDC_ASSERT(slot->kind == env::file_kind::directory);
    cur->durable_entries[name] = slot;
    cur = slot;
    at = std::move(*next);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }
  auto file = make_node(env::file_kind::regular);
  file->bytes = file->durable_bytes = std::string(bytes);
  cur->entries[std::string(p.name())] = file;
  cur->durable_entries[std::string(p.name())] = file;
  cur->mtime = file->mtime;
  changed(p.parent());
}

void
memory_filesystem::edit_in_place(const core::store_path& p, std::string_view bytes)
{
  auto n = resolve(p);
  ZDDC_ASSERT(n && (*n)->kind == env::file_kind::regular);
  (*n)->bytes = (*n)->durable_bytes = std::string(bytes);
  (*n)->mtime = now();
  changed(p.parent());
}

void
memory_filesystem::remove_direct(const core::store_path& p)
{
  ZDDC_ASSERT(! p.is_root() && ! crashed_);
  auto dir = resolve_dir(p.parent());
  ZDDC_ASSERT(dir);
  auto const name = std::string(p.name());
  auto const it = (*dir)->entries.find(name);
  ZDDC_ASSERT(it != (*dir)->entries.end());
  ZDDC_ASSERT(it->second->kind == env::file_kind::regular || it->second->entries.empty());
  (*dir)->entries.erase(it);
  (*dir)->durable_entries.erase(name);
  (*dir)->mtime = now();
  changed(p.parent());
}

env::disk_changes
memory_filesystem::drain_changes()
{
  env::disk_changes out;
  out.everything = std::exchange(changed_everything_, false);
  for(auto const& d : std::exchange(changed_, {})) {
    auto p = core::store_path::parse(d);
    ZDDC_ASSERT(p); // recorded from a valid store_path
    out.dirs.push_back(std::move(*p));
  }
  return out;
}

memory_filesystem::tree
memory_filesystem::snapshot(view v) const
{
  tree out;
  std::function<void(const node&, const std::string&)> walk = [&](const node& n, const std::string& prefix) {
    auto const& entries = v == view::durable ? n.durable_entries : n.entries;
    for(auto const& [name, child] : entries) {
      auto const path = prefix.empty() ? name : prefix + "/" + name;
      if(child->kind == env::file_kind::directory) {
        out.dirs.insert(path);
        walk(*child, path);
      } else {
        out.files[path] = v == view::durable ? child->durable_bytes : child->bytes;
      }
    }
  };
  walk(*root_, "");
  return out;
}

} // namespace zddc::sim
