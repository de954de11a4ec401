#include "runtime/token_store.hpp"

#include "runtime/log.hpp"
#include "runtime/secrets.hpp"

#include <zddc/core/json_fields.hpp>
#include <zddc/core/sha256.hpp>

#include <boost/json.hpp>

#include <openssl/crypto.h>
#include <openssl/hmac.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace zddc::runtime {
namespace {

constexpr std::size_t key_bytes = 32;
constexpr std::size_t token_bytes = 32;
constexpr std::string_view token_prefix = "zddc_";

std::string
now_rfc3339()
{
  using namespace std::chrono;
  auto const now = floor<seconds>(system_clock::now());
  auto const day = floor<days>(now);
  year_month_day const ymd(day);
  hh_mm_ss const hms(now - day);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", int(ymd.year()), unsigned(ymd.month()),
                unsigned(ymd.day()), int(hms.hours().count()), int(hms.minutes().count()),
                int(hms.seconds().count()));
  return buf;
}

error_code
errno_code()
{
  return {errno, boost::system::system_category()};
}

const error_code corrupt = make_error_code(errc::protocol_error);

// Reads the whole store, making it private (0600) when others could read it.
error_code
read_private(const std::string& path, std::string& text)
{
  int const fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if(fd < 0)
    return errno == ENOENT ? error_code(errc::not_found) : errno_code();
  struct stat st {};
  if(::fstat(fd, &st) == 0 && (st.st_mode & 077) != 0) {
    bool const fixed = ::fchmod(fd, 0600) == 0;
    log(log_level::warn, fixed ? "token store was readable by others; made private" : "token store is readable by others",
        {{"path", path}, {"mode", std::to_string(st.st_mode & 0777)}});
  }
  char buf[4096];
  for(;;) {
    auto const n = ::read(fd, buf, sizeof buf);
    if(n < 0 && errno == EINTR)
      continue;
    if(n < 0) {
      auto const ec = errno_code();
      ::close(fd);
      return ec;
    }
    if(n == 0)
      break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return {};
}

// A new temp beside `path` (unique name, created exclusively, 0600), fsync,
// rename over `path`, fsync the directory: never a torn store, and never a
// store with a stale temp's mode or through a planted link.
error_code
write_atomically(const std::string& path, std::string_view text)
{
  ::unlink((path + ".tmp").c_str()); // the fixed-name temp of earlier versions
  std::string tmp = path + ".tmp-XXXXXX";
  int const fd = ::mkostemp(tmp.data(), O_CLOEXEC); // O_CREAT | O_EXCL, mode 0600
  if(fd < 0)
    return errno_code();
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if(! ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    auto const ec = errno_code();
    ::unlink(tmp.c_str());
    return ec;
  }
  auto const dir = std::filesystem::path(path).parent_path();
  int const dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if(dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
}

token_watcher::file_identity
identity_of(const std::string& path)
{
  struct stat st {};
  if(::stat(path.c_str(), &st) != 0)
    return {};
  return {true,
          static_cast<std::uint64_t>(st.st_dev),
          static_cast<std::uint64_t>(st.st_ino),
          static_cast<std::uint64_t>(st.st_size),
          std::int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
          std::int64_t(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec};
}

// The path with symbolic links resolved as far as it exists, normalised.
std::filesystem::path
resolved(const std::string& p)
{
  std::error_code ec;
  auto r = std::filesystem::weakly_canonical(p, ec);
  if(ec)
    r = std::filesystem::absolute(p, ec).lexically_normal();
  if(r.has_filename() == false && r.has_parent_path() && r != r.root_path())
    r = r.parent_path(); // drop a trailing separator
  return r;
}

} // namespace

result<core::grant>
parse_grant(std::string_view text)
{
  auto const colon = text.rfind(':');
  auto const bad = error_code(core::path_errc::malformed_target);
  if(colon == std::string_view::npos || text.empty() || text.front() != '/')
    return bad;
  auto const level = text.substr(colon + 1);
  core::grant g;
  if(level == "r")
    g.level = core::access::read;
  else if(level == "rw")
    g.level = core::access::write;
  else
    return bad;
  auto subtree = text.substr(1, colon - 1);
  if(subtree.ends_with('/'))
    subtree.remove_suffix(1);
  auto path = core::repo_path::parse(subtree);
  if(! path)
    return path.error();
  g.subtree = std::move(*path);
  return g;
}

std::string
format_grant(const core::grant& g)
{
  return "/" + std::string(g.subtree.str()) + (g.level == core::access::write ? ":rw" : ":r");
}

result<token_store>
token_store::open(std::string path)
{
  std::error_code fec;
  auto const dir = std::filesystem::path(path).parent_path();
  if(! dir.empty() && ! std::filesystem::exists(dir, fec)) {
    std::filesystem::create_directories(dir, fec);
    if(fec)
      return error_code(fec.value(), boost::system::system_category());
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, fec);
  }
  auto existing = read(path);
  if(existing || existing.error() != errc::not_found)
    return existing;
  token_store store(std::move(path));
  store.key_ = random_bytes(key_bytes);
  if(auto ec = store.save())
    return ec;
  return store;
}

result<token_store>
token_store::read(std::string path)
{
  token_store store(std::move(path));
  if(auto ec = store.load())
    return ec;
  return store;
}

error_code
token_store::load()
{
  std::string text;
  if(auto ec = read_private(path_, text))
    return ec;
  boost::json::error_code jec;
  auto const doc = boost::json::parse(text, jec);
  if(jec || ! doc.is_object())
    return corrupt;
  namespace jf = core::json_fields;
  auto const& o = doc.as_object();
  auto const key = jf::required_string(o, "key");
  auto const tokens = jf::required_array(o, "tokens");
  if(! key || ! tokens)
    return corrupt;
  auto raw_key = unhex(*key);
  if(! raw_key || raw_key->size() != key_bytes)
    return corrupt;
  key_ = std::move(*raw_key);
  records_.clear();
  for(auto const& t : **tokens) {
    auto const* r = t.if_object();
    if(! r)
      return corrupt;
    record rec;
    for(auto [field, out] : {std::pair{"id", &rec.info.id}, std::pair{"name", &rec.info.name},
                             std::pair{"created", &rec.info.created}, std::pair{"hash", &rec.hash}}) {
      auto const v = jf::required_string(*r, field);
      if(! v)
        return corrupt;
      *out = std::string(*v);
    }
    auto const grants = jf::required_array(*r, "grants");
    if(! grants)
      return corrupt;
    for(auto const& g : **grants) {
      auto const* written = g.if_string();
      if(! written)
        return corrupt;
      auto grant = parse_grant(*written);
      if(! grant)
        return corrupt;
      rec.info.grants.push_back(std::move(*grant));
    }
    rec.who = principal_of(rec.info);
    records_.push_back(std::move(rec));
  }
  return {};
}

error_code
token_store::save() const
{
  boost::json::array tokens;
  for(auto const& r : records_) {
    boost::json::array grants;
    for(auto const& g : r.info.grants)
      grants.emplace_back(format_grant(g));
    tokens.emplace_back(boost::json::object{{"id", r.info.id},
                                            {"name", r.info.name},
                                            {"grants", std::move(grants)},
                                            {"created", r.info.created},
                                            {"hash", r.hash}});
  }
  auto const text = boost::json::serialize(boost::json::object{
                      {"version", 1}, {"key", hex(key_)}, {"tokens", std::move(tokens)}}) + "\n";

  return write_atomically(path_, text);
}

std::string
token_store::digest(std::string_view token) const
{
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()), reinterpret_cast<const unsigned char*>(token.data()),
       token.size(), out, &len);
  return hex(std::string_view(reinterpret_cast<const char*>(out), len));
}

result<issued_token>
token_store::issue(std::string name, std::vector<core::grant> grants)
{
  if(name.empty())
    return error_code(make_error_code(std::errc::invalid_argument));
  issued_token out{hex(random_bytes(4)), std::string(token_prefix) + base64url(random_bytes(token_bytes))};
  records_.push_back({{out.id, std::move(name), std::move(grants), now_rfc3339()}, digest(out.token), nullptr});
  records_.back().who = principal_of(records_.back().info);
  if(auto ec = save()) {
    records_.pop_back();
    return ec;
  }
  return out;
}

error_code
token_store::revoke(std::string_view id_or_name)
{
  auto it = std::find_if(records_.begin(), records_.end(), [&](auto const& r) { return r.info.id == id_or_name; });
  if(it == records_.end()) {
    auto const named = std::count_if(records_.begin(), records_.end(),
                                     [&](auto const& r) { return r.info.name == id_or_name; });
    if(named > 1)
      return make_error_code(std::errc::invalid_argument); // ambiguous: use the id
    it = std::find_if(records_.begin(), records_.end(), [&](auto const& r) { return r.info.name == id_or_name; });
  }
  if(it == records_.end())
    return errc::not_found;
  auto const removed = *it;
  records_.erase(it);
  if(auto ec = save()) {
    records_.push_back(removed);
    return ec;
  }
  return {};
}

std::vector<token_info>
token_store::list() const
{
  std::vector<token_info> out;
  for(auto const& r : records_)
    out.push_back(r.info);
  return out;
}

std::optional<std::string>
token_store::digest_of(std::string_view token) const
{
  if(! token.starts_with(token_prefix))
    return std::nullopt;
  return digest(token);
}

std::shared_ptr<const core::principal>
token_store::principal_of(const token_info& info)
{
  return std::make_shared<const core::principal>(core::principal{info.name, info.grants});
}

std::shared_ptr<const core::principal>
token_store::principal_by_digest(std::string_view d) const
{
  for(auto const& r : records_)
    if(r.hash.size() == d.size() && CRYPTO_memcmp(r.hash.data(), d.data(), d.size()) == 0)
      return r.who;
  return nullptr;
}

std::shared_ptr<const core::principal>
token_store::authenticate(std::string_view token) const
{
  auto const d = digest_of(token);
  return d ? principal_by_digest(*d) : nullptr;
}

token_watcher::token_watcher(token_store store, std::chrono::milliseconds check_interval)
  : path_(store.path()), store_(std::move(store)), check_interval_(check_interval), seen_(identity_of(path_))
{
  if(! seen_.exists) { // gone already: nothing vouches for what is in memory
    store_.reset();
    state_ = state::vanished;
  }
}

std::shared_ptr<const core::principal>
token_watcher::authenticate(std::string_view token, clock::time_point now)
{
  auto v = verify(token, now);
  return v ? std::move(v->who) : nullptr;
}

std::optional<token_watcher::verified>
token_watcher::verify(std::string_view token, clock::time_point now)
{
  refresh(now);
  if(! store_)
    return std::nullopt;
  auto d = store_->digest_of(token);
  if(! d)
    return std::nullopt;
  auto who = store_->principal_by_digest(*d);
  if(! who)
    return std::nullopt;
  return verified{std::move(who), std::move(*d)};
}

std::shared_ptr<const core::principal>
token_watcher::principal_by_digest(std::string_view digest, clock::time_point now)
{
  refresh(now);
  if(! store_)
    return nullptr;
  return store_->principal_by_digest(digest);
}

void
token_watcher::refresh(clock::time_point now)
{
  if(checked_ && now - *checked_ < check_interval_)
    return;
  checked_ = now;
  auto const id = identity_of(path_);
  if(id == seen_)
    return;
  seen_ = id;
  auto reloaded = token_store::read(path_);
  if(reloaded) {
    if(state_ != state::serving)
      log(log_level::warn, "token store readable again; tokens accepted", {{"path", path_}});
    store_ = std::move(*reloaded);
    state_ = state::serving;
    return;
  }
  store_.reset();
  state_ = reloaded.error() == errc::not_found ? state::vanished : state::unreadable;
  log(log_level::error,
      state_ == state::vanished ? "token store vanished: every token is revoked until it is back"
                                : "token store unreadable: every token is refused until it parses",
      {{"path", path_}, {"error", reloaded.error().message()}});
}

bool
state_dir_inside_root(const std::string& state_dir, const std::string& root)
{
  auto const rel = resolved(state_dir).lexically_relative(resolved(root));
  return ! rel.empty() && *rel.begin() != "..";
}

std::optional<std::string>
served_tree_holding(const std::string& state_dir)
{
  static constexpr std::string_view markers[] = {".zddc-outbox", ".zddc-spool", ".zddc-mirror-state.json"};
  std::error_code ec;
  for(auto dir = resolved(state_dir);; dir = dir.parent_path()) {
    for(auto m : markers)
      if(std::filesystem::exists(dir / m, ec))
        return dir.string();
    if(dir == dir.parent_path())
      return std::nullopt;
  }
}

} // namespace zddc::runtime
