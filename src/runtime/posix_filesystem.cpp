#include "runtime/posix_filesystem.hpp"

#include "runtime/disk_watch.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <random>

namespace zddc::runtime {
namespace {

// Conditions the seam promises as zddc::errc; the rest pass through.
error_code
from_errno(int e)
{
  switch(e) {
  case ENOENT: return errc::not_found;
  case EEXIST: return errc::already_exists;
  case ENOTDIR: return errc::not_a_directory;
  case EISDIR: return errc::is_a_directory;
  case ENOTEMPTY: return errc::not_empty;
  case ENOSPC:
  case EDQUOT: return errc::no_space;
  case EXDEV:   // RESOLVE_BENEATH: the path would leave the root
  case ELOOP:   // too many links, or a magic link
    return errc::escapes_root;
  default: return {e, boost::system::system_category()};
  }
}

error_code
last_error()
{
  return from_errno(errno);
}

env::time_point
mtime_of(const struct stat& st)
{
  return env::time_point(std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec));
}

result<env::file_stat>
stat_of(const struct stat& st)
{
  env::file_stat out;
  if(S_ISDIR(st.st_mode))
    out.kind = env::file_kind::directory;
  else if(S_ISREG(st.st_mode))
    out.kind = env::file_kind::regular;
  else
    return error_code(errc::not_found); // sockets, devices, fifos: not documents
  out.size = out.kind == env::file_kind::regular ? static_cast<std::uint64_t>(st.st_size) : 0;
  out.mtime = mtime_of(st);
  out.file_id = static_cast<std::uint64_t>(st.st_ino);
  return out;
}

std::string
path_or_dot(std::string_view p)
{
  return p.empty() ? std::string(".") : std::string(p);
}

} // namespace

unique_fd&
unique_fd::operator=(unique_fd&& o) noexcept
{
  if(this != &o) {
    if(fd_ >= 0)
      ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

unique_fd::~unique_fd()
{
  if(fd_ >= 0)
    ::close(fd_);
}

// --- reader / writer ---------------------------------------------------------

result<std::size_t>
posix_filesystem::reader_type::read_at(std::uint64_t offset, std::span<std::byte> buffer) const
{
  for(;;) {
    auto const n = ::pread(fd_.get(), buffer.data(), buffer.size(), static_cast<off_t>(offset));
    if(n >= 0)
      return static_cast<std::size_t>(n);
    if(errno != EINTR)
      return last_error();
  }
}

posix_filesystem::writer_type::~writer_type()
{
  // After a rename the name is gone and this fails harmlessly with ENOENT;
  // temp names are unique, so it can never remove someone else's file.
  if(dir_)
    ::unlinkat(dir_.get(), name_.c_str(), 0);
}

error_code
posix_filesystem::writer_type::write(std::span<const std::byte> bytes)
{
  while(! bytes.empty()) {
    auto const n = ::write(fd_.get(), bytes.data(), bytes.size());
    if(n < 0) {
      if(errno == EINTR)
        continue;
      return last_error();
    }
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return {};
}

error_code
posix_filesystem::writer_type::sync()
{
  if(::fsync(fd_.get()) != 0)
    return last_error();
  return {};
}

// --- filesystem ----------------------------------------------------------------

posix_filesystem::posix_filesystem(unique_fd root) : root_(std::move(root)) {}
posix_filesystem::posix_filesystem(posix_filesystem&&) noexcept = default;
posix_filesystem&
posix_filesystem::operator=(posix_filesystem&&) noexcept = default;
posix_filesystem::~posix_filesystem() = default;

result<posix_filesystem>
posix_filesystem::open(const std::string& root)
{
  int const fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if(fd < 0)
    return last_error();
  return posix_filesystem(unique_fd(fd));
}

namespace {

// openat2(2), retried on EINTR/EAGAIN; the descriptor, or -errno.
int
openat2_raw(int at, const char* path, std::uint64_t flags, std::uint64_t resolve)
{
  struct open_how how {};
  how.flags = flags | O_CLOEXEC;
  how.resolve = resolve;
  for(;;) {
    auto const fd = ::syscall(SYS_openat2, at, path, &how, sizeof how);
    if(fd >= 0)
      return static_cast<int>(fd);
    if(errno != EINTR && errno != EAGAIN)
      return -errno;
  }
}

} // namespace

result<unique_fd>
posix_filesystem::open_beneath(std::string_view path, std::uint64_t flags) const
{
  // The common case, a path without symlinks, costs one call.
  auto const whole = path_or_dot(path);
  int const fd = openat2_raw(root_.get(), whole.c_str(), flags, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
  if(fd >= 0)
    return unique_fd(fd);
  if(fd != -ELOOP)
    return from_errno(-fd);

  // A symlink on the way: walk one segment at a time, each resolved beneath
  // the directory that holds it. A link may point anywhere below its own
  // directory, never above it, so it cannot carry a request out of the
  // subtree a grant names (nor out of the root).
  unique_fd dir;
  int at = root_.get();
  std::size_t start = 0;
  for(;;) {
    auto const slash = path.find('/', start);
    bool const last = slash == std::string_view::npos;
    std::string const segment(path.substr(start, last ? std::string_view::npos : slash - start));
    int const next = openat2_raw(at, segment.c_str(), last ? flags : O_PATH | O_DIRECTORY,
                                 RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
    if(next < 0)
      return from_errno(-next);
    dir = unique_fd(next);
    if(last)
      return dir;
    at = dir.get();
    start = slash + 1;
  }
}

result<unique_fd>
posix_filesystem::open_parent(const core::store_path& p) const
{
  auto const parent = p.parent();
  return open_beneath(parent.str(), O_PATH | O_DIRECTORY);
}

result<env::file_stat>
posix_filesystem::stat(const core::store_path& p) const
{
  auto fd = open_beneath(p.str(), O_PATH);
  if(! fd)
    return fd.error();
  struct stat st {};
  if(::fstat(fd->get(), &st) != 0)
    return last_error();
  return stat_of(st);
}

result<env::file_stat>
posix_filesystem::glance(const core::store_path& p) const
{
  // One fstatat, where stat() is an openat2, an fstat and a close: less
  // than half the time (zddc-bench-filesystem). Not confined
  // (env/filesystem.hpp, Glancing).
  struct stat st {};
  if(::fstatat(root_.get(), path_or_dot(p.str()).c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return last_error();
  return stat_of(st);
}

result<posix_filesystem::reader_type>
posix_filesystem::open_read(const core::store_path& p) const
{
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
  // writer; it opens at once and fstat then refuses it (not a document).
  // Reads of a regular file ignore the flag.
  auto fd = open_beneath(p.str(), O_RDONLY | O_NOCTTY | O_NONBLOCK);
  if(! fd)
    return fd.error();
  struct stat st {};
  if(::fstat(fd->get(), &st) != 0)
    return last_error();
  auto s = stat_of(st);
  if(! s)
    return s.error();
  if(s->kind == env::file_kind::directory)
    return error_code(errc::is_a_directory);
  return reader_type(std::move(*fd), *s);
}

result<posix_filesystem::writer_type>
posix_filesystem::create_temp(const core::store_path& dir)
{
  auto dfd = open_beneath(dir.str(), O_PATH | O_DIRECTORY);
  if(! dfd)
    return dfd.error();
  thread_local std::mt19937_64 random{std::random_device{}()};
  for(int attempt = 0; attempt < 8; ++attempt) {
    auto name = std::string(env::temp_name_prefix) + std::to_string(::getpid()) + "-" + std::to_string(++*temp_counter_) + "-" +
                std::to_string(random() % 1'000'000);
    // Name the file before creating it: a directory at the path limit has
    // no room for it, and nothing may be left open or on disk then.
    auto path = dir.child(name);
    if(! path)
      return path.error();
    int const fd = ::openat(dfd->get(), name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    if(fd < 0) {
      if(errno == EEXIST)
        continue;
      return last_error();
    }
    return writer_type(unique_fd(fd), std::move(*dfd), std::move(name), std::move(*path));
  }
  return error_code(errc::already_exists);
}

result<std::vector<env::dir_entry>>
posix_filesystem::list(const core::store_path& dir) const
{
  auto dfd = open_beneath(dir.str(), O_RDONLY | O_DIRECTORY);
  if(! dfd)
    return dfd.error();
  int const owned = ::dup(dfd->get());
  if(owned < 0)
    return last_error();
  std::unique_ptr<DIR, int (*)(DIR*)> d(::fdopendir(owned), &::closedir);
  if(! d) {
    ::close(owned);
    return last_error();
  }
  std::vector<env::dir_entry> out;
  std::string const prefix = dir.is_root() ? std::string() : std::string(dir.str()) + "/";
  while(auto* e = ::readdir(d.get())) {
    std::string_view const name = e->d_name;
    if(name == "." || name == "..")
      continue;
    struct stat st {};
    if(::fstatat(dfd->get(), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
      continue; // gone since readdir
    if(S_ISLNK(st.st_mode)) {
      // Report what the link points to, when that is inside the root.
      auto target = open_beneath(prefix + std::string(name), O_PATH);
      if(! target || ::fstat(target->get(), &st) != 0)
        continue;
    }
    auto s = stat_of(st);
    if(! s)
      continue;
    out.push_back({std::string(name), *s});
  }
  return out;
}

error_code
posix_filesystem::rename(const core::store_path& from, const core::store_path& to)
{
  auto from_dir = open_parent(from);
  if(! from_dir)
    return from_dir.error();
  auto to_dir = open_parent(to);
  if(! to_dir)
    return to_dir.error();
  if(::renameat(from_dir->get(), std::string(from.name()).c_str(), to_dir->get(),
                std::string(to.name()).c_str()) != 0)
    return errno == EEXIST ? error_code(errc::not_empty) : last_error();
  return {};
}

error_code
posix_filesystem::remove(const core::store_path& p)
{
  auto dir = open_parent(p);
  if(! dir)
    return dir.error();
  auto const name = std::string(p.name());
  struct stat st {};
  if(::fstatat(dir->get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return last_error();
  if(::unlinkat(dir->get(), name.c_str(), S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) != 0)
    return errno == EEXIST ? error_code(errc::not_empty) : last_error();
  return {};
}

error_code
posix_filesystem::make_dir(const core::store_path& p)
{
  auto dir = open_parent(p);
  if(! dir)
    return dir.error();
  if(::mkdirat(dir->get(), std::string(p.name()).c_str(), 0755) != 0)
    return last_error();
  return {};
}

error_code
posix_filesystem::sync_dir(const core::store_path& dir)
{
  auto fd = open_beneath(dir.str(), O_RDONLY | O_DIRECTORY);
  if(! fd)
    return fd.error();
  if(::fsync(fd->get()) != 0)
    return last_error();
  return {};
}

error_code
posix_filesystem::sync_all()
{
  if(::syncfs(root_.get()) != 0)
    return last_error();
  return {};
}

error_code
posix_filesystem::set_mtime(const core::store_path& p, env::time_point t)
{
  auto dir = open_parent(p);
  if(! dir)
    return dir.error();
  auto const ns = t.time_since_epoch().count();
  struct timespec times[2] = {{0, UTIME_OMIT}, {static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)}};
  if(ns < 0)
    return std::make_error_code(std::errc::invalid_argument);
  if(::utimensat(dir->get(), std::string(p.name()).c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
    return last_error();
  return {};
}

// --- kept digests ---------------------------------------------------------------

namespace {

// user.zddc.sha256: a version byte, the digest, then the file id, size and
// mtime (ns) it was computed for, little-endian.
constexpr char digest_attribute[] = "user.zddc.sha256";
constexpr unsigned char digest_format = 1;
constexpr std::size_t digest_record_bytes = 1 + 32 + 3 * 8;

void
put_u64(unsigned char* at, std::uint64_t v)
{
  for(int i = 0; i < 8; ++i)
    at[i] = static_cast<unsigned char>(v >> (8 * i));
}

std::uint64_t
get_u64(const unsigned char* at)
{
  std::uint64_t v = 0;
  for(int i = 0; i < 8; ++i)
    v |= std::uint64_t(at[i]) << (8 * i);
  return v;
}

} // namespace

std::optional<env::kept_digest>
posix_filesystem::kept_digest_of(const core::store_path& p) const
{
  auto fd = open_beneath(p.str(), O_RDONLY | O_NOCTTY | O_NONBLOCK);
  if(! fd)
    return std::nullopt;
  std::array<unsigned char, digest_record_bytes> record{};
  auto const n = ::fgetxattr(fd->get(), digest_attribute, record.data(), record.size());
  if(n != static_cast<ssize_t>(record.size()) || record[0] != digest_format)
    return std::nullopt;
  env::kept_digest d;
  std::copy_n(record.begin() + 1, 32, d.sha256.begin());
  d.of.file_id = get_u64(record.data() + 33);
  d.of.size = get_u64(record.data() + 41);
  d.of.mtime = env::time_point(env::duration(static_cast<std::int64_t>(get_u64(record.data() + 49))));
  return d;
}

void
posix_filesystem::keep_digest(const core::store_path& p, const env::kept_digest& d)
{
  auto fd = open_beneath(p.str(), O_RDONLY | O_NOCTTY | O_NONBLOCK);
  if(! fd)
    return;
  std::array<unsigned char, digest_record_bytes> record{};
  record[0] = digest_format;
  std::copy_n(d.sha256.begin(), 32, record.begin() + 1);
  put_u64(record.data() + 33, d.of.file_id);
  put_u64(record.data() + 41, d.of.size);
  put_u64(record.data() + 49, static_cast<std::uint64_t>(d.of.mtime.time_since_epoch().count()));
  (void)::fsetxattr(fd->get(), digest_attribute, record.data(), record.size(), 0); // best effort
}

// --- watching ------------------------------------------------------------------

env::disk_changes
posix_filesystem::take_changes()
{
  std::lock_guard lock(*watch_mutex_);
  if(! watch_)
    watch_ = std::make_unique<disk_watch>(root_.get());
  return watch_->take();
}

} // namespace zddc::runtime
