#include "runtime/disk_watch.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

namespace zddc::runtime {
namespace {

// What each directory's watch reports. IN_ONLYDIR: the descriptor is a
// directory's; IN_EXCL_UNLINK: nothing about files already removed. No
// IN_DONT_FOLLOW: the path is the descriptor's magic link, which must be
// followed; the descriptor itself was opened through no symlink.
constexpr std::uint32_t watch_mask = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE |
                                     IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR |
                                     IN_EXCL_UNLINK;

// Opens the directory `dir` for reading, beneath `root` and through no
// symlink at all; the descriptor, or -errno.
int
open_dir(int root, const core::store_path& dir)
{
  std::string const path = dir.is_root() ? std::string(".") : std::string(dir.str());
  struct open_how how {};
  how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
  for(;;) {
    auto const fd = ::syscall(SYS_openat2, root, path.c_str(), &how, sizeof how);
    if(fd >= 0)
      return static_cast<int>(fd);
    if(errno != EINTR && errno != EAGAIN)
      return -errno;
  }
}

// Failures to open a directory that leave nothing unwatched the server could
// list: it is gone, no directory (any more), a symlink, or unreadable to
// this process (and so to the server).
bool
nothing_to_watch(int error)
{
  return error == ENOENT || error == ENOTDIR || error == ELOOP || error == EXDEV || error == EACCES;
}

// Appends the subdirectories of the open directory `fd` (named `dir`) that a
// `store_path` can name; false when reading it failed.
bool
list_subdirs(int fd, const core::store_path& dir, std::vector<core::store_path>& out)
{
  int const owned = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if(owned < 0)
    return false;
  std::unique_ptr<DIR, int (*)(DIR*)> d(::fdopendir(owned), &::closedir);
  if(! d) {
    ::close(owned);
    return false;
  }
  for(;;) {
    errno = 0;
    auto const* e = ::readdir(d.get());
    if(! e)
      return errno == 0;
    // DT_UNKNOWN (some filesystems): opening it with O_DIRECTORY decides.
    if(e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
      continue;
    std::string_view const name = e->d_name;
    if(name == "." || name == "..")
      continue;
    if(auto child = dir.child(name))
      out.push_back(std::move(*child));
  }
}

} // namespace

disk_watch::disk_watch(int root_fd) : root_(::fcntl(root_fd, F_DUPFD_CLOEXEC, 0)) {}

env::disk_changes
disk_watch::take()
{
  dir_set changed;
  if(! lost_)
    drain(changed);
  if(lost_) {
    rebuild();
    return {{}, true};
  }
  return {{changed.begin(), changed.end()}, false};
}

void
disk_watch::rebuild()
{
  // A fresh instance: closing the old one drops its watches and its queue.
  inotify_ = unique_fd();
  paths_.clear();
  watches_.clear();
  lost_ = false;
  int const fd = root_ ? ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC) : -1;
  if(fd < 0) {
    lost_ = true;
    return;
  }
  inotify_ = unique_fd(fd);
  watch_tree(core::store_path(), nullptr); // this take reports everything
  if(! watches_.contains(core::store_path()))
    lost_ = true;
}

void
disk_watch::drain(dir_set& changed)
{
  std::array<char, 16 * 1024> buffer; // events copied out: no alignment needed
  while(! lost_) {
    auto const n = ::read(inotify_.get(), buffer.data(), buffer.size());
    if(n < 0 && errno == EINTR)
      continue;
    if(n <= 0) {
      if(n == 0 || errno != EAGAIN)
        lost_ = true; // the queue cannot be read: trust nothing
      return;         // EAGAIN: drained
    }
    auto const size = static_cast<std::size_t>(n);
    for(std::size_t at = 0; at + sizeof(inotify_event) <= size && ! lost_;) {
      inotify_event ev;
      std::memcpy(&ev, buffer.data() + at, sizeof ev);
      char const* name = buffer.data() + at + sizeof ev;
      handle(ev.wd, ev.mask, std::string_view(name, ::strnlen(name, ev.len)), changed);
      at += sizeof ev + ev.len;
    }
  }
}

void
disk_watch::handle(int wd, std::uint32_t mask, std::string_view name, dir_set& changed)
{
  if(mask & (IN_Q_OVERFLOW | IN_UNMOUNT | IN_MOVE_SELF)) {
    lost_ = true; // events were dropped, or the paths below a directory changed
    return;
  }
  if(mask & IN_IGNORED) {
    forget(wd);
    return;
  }
  auto const it = paths_.find(wd);
  if(it == paths_.end())
    return; // a watch already forgotten
  core::store_path const dir = it->second; // a copy: watching more may rehash paths_
  if(mask & IN_DELETE_SELF) {
    // Its parent reports the removal; the root has none to.
    if(dir.is_root())
      lost_ = true;
    forget(wd);
    return;
  }
  changed.insert(dir);
  if(name.empty() || ! (mask & IN_ISDIR))
    return;
  if(mask & (IN_MOVED_FROM | IN_MOVED_TO)) {
    lost_ = true; // every path below the moved directory changed
    return;
  }
  // A name no store_path can hold: nothing below it can be listed either.
  auto child = dir.child(name);
  if(! child)
    return;
  // A new directory, or an unwatched one whose permissions may now allow it.
  if((mask & IN_CREATE) || ((mask & IN_ATTRIB) && ! watches_.contains(*child)))
    watch_tree(*child, &changed);
}

void
disk_watch::watch_tree(const core::store_path& top, dir_set* found)
{
  std::vector<core::store_path> pending{top};
  while(! pending.empty() && ! lost_) {
    auto dir = std::move(pending.back());
    pending.pop_back();
    if(watch_dir(dir, pending) && found)
      found->insert(std::move(dir));
  }
}

bool
disk_watch::watch_dir(const core::store_path& dir, std::vector<core::store_path>& subdirs)
{
  int const fd = open_dir(root_.get(), dir);
  if(fd < 0) {
    if(! nothing_to_watch(-fd))
      lost_ = true;
    return false;
  }
  unique_fd const owned(fd);
  // The watch first, then the listing: whatever the listing misses, an
  // event reports.
  auto const proc = "/proc/self/fd/" + std::to_string(fd);
  int const wd = ::inotify_add_watch(inotify_.get(), proc.c_str(), watch_mask);
  if(wd < 0) {
    lost_ = true; // out of watches (ENOSPC), no /proc, ...
    return false;
  }
  // The same directory again returns its watch: fine under the same path,
  // but one directory under two paths (a bind mount) cannot be reported as both.
  auto const [it, added] = paths_.try_emplace(wd, dir);
  if(! added && it->second != dir) {
    lost_ = true;
    return false;
  }
  watches_[dir] = wd;
  if(! list_subdirs(fd, dir, subdirs))
    lost_ = true;
  return true;
}

void
disk_watch::forget(int wd)
{
  auto const it = paths_.find(wd);
  if(it == paths_.end())
    return;
  // The path may already belong to a newer directory of the same name.
  auto const w = watches_.find(it->second);
  if(w != watches_.end() && w->second == wd)
    watches_.erase(w);
  paths_.erase(it);
}

} // namespace zddc::runtime
