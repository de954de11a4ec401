#pragma once
// Implementation of cache/outbox.hpp.

#include <chrono>
#include <cstdio>
#include <span>

namespace zddc::cache {

namespace detail {

inline constexpr std::string_view meta_name = "meta.json";
inline constexpr std::string_view body_name = "body.bin";
inline constexpr std::string_view master_body_name = "master.bin";
inline constexpr std::uint64_t meta_bytes_max = 64 * 1024;
inline constexpr std::size_t spool_chunk_bytes = 64 * 1024;

/// `2026-01-01T09:30:00Z`.
inline std::string
rfc3339(env::time_point t)
{
  using namespace std::chrono;
  auto const secs = floor<seconds>(t);
  auto const day = floor<days>(secs);
  year_month_day const ymd(day);
  hh_mm_ss const hms(secs - day);
  char out[32];
  std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02lld:%02lld:%02lldZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long long>(hms.hours().count()), static_cast<long long>(hms.minutes().count()),
                static_cast<long long>(hms.seconds().count()));
  return out;
}

inline const boost::json::string*
string_field(const boost::json::object& o, std::string_view key)
{
  auto const* v = o.if_contains(key);
  return v ? v->if_string() : nullptr;
}

inline std::optional<std::string>
optional_string(const boost::json::object& o, std::string_view key)
{
  if(auto const* s = string_field(o, key))
    return std::string(*s);
  return std::nullopt;
}

} // namespace detail

inline void
write_base::apply(boost::beast::http::fields& h) const
{
  namespace http = boost::beast::http;
  if(if_match)
    h.set(http::field::if_match, *if_match);
  if(if_unmodified_since)
    h.set(http::field::if_unmodified_since, *if_unmodified_since);
  if(if_none_match_any)
    h.set(http::field::if_none_match, "*");
}

inline bool
is_outbox_id(std::string_view name) noexcept
{
  return name.size() == 16 &&
         std::ranges::all_of(name, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

inline std::optional<std::pair<std::string, std::string>>
split_conflict_name(std::string_view name)
{
  constexpr std::string_view marker = ".conflict-";
  if(name.size() <= 16 + marker.size() || name.size() > 64 || ! is_outbox_id(name.substr(0, 16)) ||
     name.substr(16, marker.size()) != marker)
    return std::nullopt;
  auto const stamp = name.substr(16 + marker.size());
  // What mark_conflict writes: an RFC 3339 time, maybe "-<n>". Anything else
  // in the outbox is not an entry (and need not even be a valid segment).
  if(! std::ranges::all_of(stamp, [](char c) { return (c >= '0' && c <= '9') || c == '-' || c == ':' || c == 'T' || c == 'Z'; }))
    return std::nullopt;
  return std::pair(std::string(name.substr(0, 16)), std::string(stamp));
}

inline std::string
to_json(const outbox_entry& e)
{
  boost::json::object o;
  o["id"] = e.id;
  o["method"] = std::string_view(boost::beast::http::to_string(e.method));
  o["path"] = e.path.str();
  if(! e.content_type.empty())
    o["content_type"] = e.content_type;
  if(e.base.if_match)
    o["if_match"] = *e.base.if_match;
  if(e.base.if_unmodified_since)
    o["if_unmodified_since"] = *e.base.if_unmodified_since;
  if(e.base.if_none_match_any)
    o["if_none_match"] = "*";
  o["queued_at_ns"] = e.queued_at.time_since_epoch().count();
  o["body_bytes"] = e.body_bytes;
  if(e.body_etag)
    o["body_etag"] = *e.body_etag;
  if(e.conflict)
    o["conflict"] = *e.conflict;
  if(e.master) {
    boost::json::object m;
    m["status"] = e.master->status;
    if(e.master->etag)
      m["etag"] = *e.master->etag;
    if(e.master->last_modified)
      m["last_modified"] = *e.master->last_modified;
    o["master"] = std::move(m);
  }
  return boost::json::serialize(o);
}

inline result<outbox_entry>
outbox_entry_from_json(std::string_view json)
{
  boost::json::error_code jec;
  auto const doc = boost::json::parse(json, jec);
  if(jec || ! doc.is_object())
    return error_code(errc::protocol_error);
  auto const& o = doc.get_object();
  outbox_entry e;
  auto const* id = detail::string_field(o, "id");
  auto const* method = detail::string_field(o, "method");
  auto const* path = detail::string_field(o, "path");
  auto const* queued = o.if_contains("queued_at_ns");
  auto const* bytes = o.if_contains("body_bytes");
  if(! id || ! is_outbox_id(*id) || ! method || ! path || ! queued || ! queued->is_int64() || ! bytes ||
     ! (bytes->is_uint64() || bytes->is_int64()))
    return error_code(errc::protocol_error);
  e.id = std::string(*id);
  e.method = boost::beast::http::string_to_verb(*method);
  if(e.method != boost::beast::http::verb::put && e.method != boost::beast::http::verb::delete_)
    return error_code(errc::protocol_error);
  auto p = core::repo_path::parse(*path);
  if(! p || p->is_root())
    return error_code(errc::protocol_error);
  e.path = std::move(*p);
  e.content_type = detail::optional_string(o, "content_type").value_or("");
  e.base.if_match = detail::optional_string(o, "if_match");
  e.base.if_unmodified_since = detail::optional_string(o, "if_unmodified_since");
  e.base.if_none_match_any = detail::optional_string(o, "if_none_match") == "*";
  e.queued_at = env::time_point(env::duration(queued->as_int64()));
  e.body_bytes = bytes->is_uint64() ? bytes->as_uint64() : static_cast<std::uint64_t>(bytes->as_int64());
  e.body_etag = detail::optional_string(o, "body_etag");
  e.conflict = detail::optional_string(o, "conflict");
  if(auto const* m = o.if_contains("master"); m && m->is_object()) {
    master_view v;
    if(auto const* s = m->get_object().if_contains("status"); s && s->is_int64())
      v.status = static_cast<unsigned>(s->as_int64());
    v.etag = detail::optional_string(m->get_object(), "etag");
    v.last_modified = detail::optional_string(m->get_object(), "last_modified");
    e.master = std::move(v);
  }
  return e;
}

template<env::Environment E>
core::store_path
outbox<E>::root()
{
  auto p = core::store_path::parse(outbox_directory);
  ZDDC_ASSERT(p); // a fixed, valid name
  return std::move(*p);
}

template<env::Environment E>
core::store_path
outbox<E>::entry_dir(std::string_view name) const
{
  // Every caller passes an id (16 hex digits) or a name split_conflict_name
  // accepts (at most 64 bytes of hex, digits and `.-:TZ`): a valid segment,
  // one level below a one-segment root.
  ZDDC_ASSERT(is_outbox_id(name) || split_conflict_name(name));
  auto p = root().child(name);
  ZDDC_ASSERT(p);
  return std::move(*p);
}

template<env::Environment E>
core::store_path
outbox<E>::entry_file(const core::store_path& dir, std::string_view name)
{
  // An entry's own files: fixed short names two levels below the root.
  auto p = dir.child(name);
  ZDDC_ASSERT(p);
  return std::move(*p);
}

template<env::Environment E>
error_code
outbox<E>::open()
{
  auto& fs = env_.fs();
  if(auto ec = env::make_dirs(fs, root()))
    return ec;
  auto names = fs.list(root());
  if(! names)
    return names.error();
  for(auto const& n : *names) {
    if(n.stat.kind != env::file_kind::directory)
      continue;
    auto const conflict = split_conflict_name(n.name);
    if(! conflict && ! is_outbox_id(n.name))
      continue;
    auto const id = conflict ? conflict->first : n.name;
    last_id_ = std::max<std::uint64_t>(last_id_, std::stoull(id, nullptr, 16));
    if(conflict)
      continue;
    auto const meta = fs.stat(entry_file(entry_dir(n.name), detail::meta_name));
    if(! meta && meta.error() == errc::not_found)
      if(auto ec = remove_entry(n.name, false)) // a crash interrupted its enqueue
        return ec;
  }
  return refresh_count();
}

template<env::Environment E>
std::string
outbox<E>::next_id()
{
  auto const now = static_cast<std::uint64_t>(env_.clock().now().time_since_epoch().count());
  last_id_ = std::max(now, last_id_ + 1);
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(last_id_));
  return out;
}

template<env::Environment E>
error_code
outbox<E>::write_meta(const core::store_path& dir, const outbox_entry& e)
{
  auto const r = env::atomic_replace(env_.fs(), entry_file(dir, detail::meta_name), to_json(e));
  return r ? error_code() : r.error();
}

template<env::Environment E>
result<outbox_entry>
outbox<E>::read_meta(const core::store_path& dir)
{
  auto text = env::read_all(env_.fs(), entry_file(dir, detail::meta_name), detail::meta_bytes_max);
  if(! text)
    return text.error();
  auto e = outbox_entry_from_json(*text);
  if(! e)
    return e.error();
  // The directory's name is the authority on the entry's state: a crash
  // between rewriting meta.json and renaming leaves the old state.
  auto const conflict = split_conflict_name(dir.name());
  if(conflict ? conflict->first != e->id : dir.name() != e->id)
    return error_code(errc::protocol_error);
  if(conflict)
    e->conflict = conflict->second;
  else
    e->conflict.reset();
  return e;
}

template<env::Environment E>
boost::asio::awaitable<result<outbox_entry>>
outbox<E>::enqueue(outbox_entry e, core::request_body* body, std::uint64_t bytes_max)
{
  namespace http = boost::beast::http;
  if(body && body->content_length() && *body->content_length() > bytes_max)
    co_return error_code(errc::too_large);
  auto& fs = env_.fs();
  e.id = next_id();
  e.conflict.reset();
  e.master.reset();
  e.queued_at = env_.clock().now();
  e.body_bytes = 0;
  e.body_etag.reset();
  auto const dir = entry_dir(e.id);
  if(auto ec = fs.make_dir(dir))
    co_return ec;
  // From here a failure removes what was made; a crash leaves a directory
  // without meta.json, which open() sweeps.
  auto const abandon = [&](error_code ec) {
    (void)remove_entry(e.id, false);
    return ec;
  };
  if(e.method == http::verb::put) {
    auto temp = fs.create_temp(dir);
    if(! temp)
      co_return abandon(temp.error());
    core::sha256 hash;
    std::vector<std::byte> buffer(detail::spool_chunk_bytes);
    while(body) {
      auto n = co_await body->read_some(buffer);
      if(! n)
        co_return abandon(n.error());
      if(*n == 0)
        break;
      e.body_bytes += *n;
      if(e.body_bytes > bytes_max)
        co_return abandon(errc::too_large);
      std::span<const std::byte> const chunk(buffer.data(), *n);
      hash.update(chunk);
      if(auto ec = temp->write(chunk))
        co_return abandon(ec);
    }
    if(auto ec = temp->sync())
      co_return abandon(ec);
    if(auto ec = fs.rename(temp->path(), entry_file(dir, detail::body_name)))
      co_return abandon(ec);
    e.body_etag = core::content_etag(hash.finish()).to_string();
  }
  if(auto ec = write_meta(dir, e)) // syncs the entry's directory: body.bin and meta.json
    co_return abandon(ec);
  if(auto ec = fs.sync_dir(root()))
    co_return abandon(ec);
  ++pending_count_;
  co_return e;
}

template<env::Environment E>
result<std::vector<outbox_entry>>
outbox<E>::all()
{
  auto names = env_.fs().list(root());
  if(! names)
    return names.error();
  std::vector<std::string> dirs;
  for(auto const& n : *names)
    if(n.stat.kind == env::file_kind::directory && (is_outbox_id(n.name) || split_conflict_name(n.name)))
      dirs.push_back(n.name);
  std::ranges::sort(dirs);
  std::vector<outbox_entry> out;
  for(auto const& name : dirs) {
    auto e = read_meta(entry_dir(name));
    if(e)
      out.push_back(std::move(*e));
    else if(e.error() != errc::not_found)
      return e.error(); // an unreadable entry is never skipped silently
  }
  return out;
}

template<env::Environment E>
result<std::vector<outbox_entry>>
outbox<E>::pending()
{
  auto entries = all();
  if(! entries)
    return entries.error();
  std::erase_if(*entries, [](const outbox_entry& e) { return e.conflict.has_value(); });
  pending_count_ = entries->size();
  return entries;
}

template<env::Environment E>
error_code
outbox<E>::refresh_count()
{
  auto p = pending();
  return p ? error_code() : p.error();
}

template<env::Environment E>
result<outbox_entry>
outbox<E>::find(std::string_view id)
{
  auto entries = all();
  if(! entries)
    return entries.error();
  for(auto& e : *entries)
    if(e.id == id)
      return std::move(e);
  return error_code(errc::not_found);
}

template<env::Environment E>
auto
outbox<E>::open_body(const outbox_entry& e) -> result<reader_type>
{
  return env_.fs().open_read(entry_file(directory(e), detail::body_name));
}

template<env::Environment E>
auto
outbox<E>::open_master_body(const outbox_entry& e) -> result<reader_type>
{
  return env_.fs().open_read(entry_file(directory(e), detail::master_body_name));
}

template<env::Environment E>
error_code
outbox<E>::remove_entry(std::string_view name, bool pending)
{
  auto& fs = env_.fs();
  auto const dir = entry_dir(name);
  // meta.json first: once it is gone durably, the entry is.
  if(auto ec = fs.remove(entry_file(dir, detail::meta_name)); ec && ec != errc::not_found)
    return ec;
  if(auto ec = fs.sync_dir(dir); ec && ec != errc::not_found)
    return ec;
  auto rest = fs.list(dir);
  if(rest) {
    for(auto const& f : *rest) {
      auto const file = dir.child(f.name); // whatever is on disk: not necessarily a valid name
      if(! file)
        return file.error();
      if(auto ec = fs.remove(*file); ec && ec != errc::not_found)
        return ec;
    }
    if(auto ec = fs.remove(dir); ec && ec != errc::not_found)
      return ec;
  } else if(rest.error() != errc::not_found) {
    return rest.error();
  }
  if(auto ec = fs.sync_dir(root()))
    return ec;
  if(pending && pending_count_ > 0)
    --pending_count_;
  return {};
}

template<env::Environment E>
result<outbox_entry>
outbox<E>::mark_conflict(outbox_entry e, master_view seen)
{
  auto& fs = env_.fs();
  auto const from = directory(e);
  e.master = std::move(seen);
  e.conflict = detail::rfc3339(env_.clock().now());
  auto const stamp = *e.conflict;
  for(int n = 2; fs.stat(entry_dir(e.directory_name())); ++n) // refused again within the second
    e.conflict = stamp + "-" + std::to_string(n);
  auto const to = entry_dir(e.directory_name());
  if(auto ec = write_meta(from, e))
    return ec;
  if(auto ec = fs.rename(from, to))
    return ec;
  if(auto ec = fs.sync_dir(root()))
    return ec;
  if(pending_count_ > 0)
    --pending_count_;
  return e;
}

template<env::Environment E>
result<outbox_entry>
outbox<E>::retry(std::string_view id)
{
  auto e = find(id);
  if(! e)
    return e.error();
  if(! e->conflict)
    return *e; // already pending
  auto const from = directory(*e);
  write_base base;
  if(e->master && e->master->status == 200 && e->master->etag)
    base.if_match = e->master->etag;
  else
    base.if_none_match_any = true; // the master had nothing
  e->base = std::move(base);
  e->conflict.reset();
  if(auto ec = write_meta(from, *e))
    return ec;
  auto& fs = env_.fs();
  if(auto ec = fs.rename(from, directory(*e)))
    return ec;
  if(auto ec = fs.sync_dir(root()))
    return ec;
  ++pending_count_;
  return *e;
}

template<env::Environment E>
error_code
outbox<E>::discard(std::string_view id)
{
  auto e = find(id);
  if(! e)
    return e.error();
  return remove_entry(e->directory_name(), ! e->conflict);
}

} // namespace zddc::cache
