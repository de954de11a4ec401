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

inline std::string_view
to_string(refusal_kind k) noexcept
{
  return k == refusal_kind::conflict ? "conflict" : "rejected";
}

inline std::optional<std::pair<std::string, refusal>>
split_refused_name(std::string_view name)
{
  for(auto const kind : {refusal_kind::conflict, refusal_kind::rejected}) {
    auto const marker = "." + std::string(to_string(kind)) + "-";
    if(name.size() > 16 + marker.size() && is_outbox_id(name.substr(0, 16)) && name.substr(16, marker.size()) == marker)
      return std::pair(std::string(name.substr(0, 16)), refusal{kind, std::string(name.substr(16 + marker.size()))});
  }
  return std::nullopt;
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
  if(e.refused)
    o[to_string(e.refused->kind)] = e.refused->at;
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
  for(auto const kind : {refusal_kind::conflict, refusal_kind::rejected})
    if(auto at = detail::optional_string(o, to_string(kind)))
      e.refused = refusal{kind, std::move(*at)};
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

inline core::store_path
outbox_root()
{
  auto p = core::store_path::parse(outbox_directory);
  ZDDC_ASSERT(p.has_value()); // a fixed, valid name
  return std::move(*p);
}

inline core::store_path
outbox_entry_directory(std::string_view name)
{
  auto p = outbox_root().child(name);
  ZDDC_ASSERT(p.has_value()); // entry names are an id and a refusal stamp: short, valid segments
  return std::move(*p);
}

namespace detail {

inline core::store_path
entry_file(std::string_view entry, std::string_view file)
{
  auto p = outbox_entry_directory(entry).child(file);
  ZDDC_ASSERT(p.has_value()); // see outbox_entry_directory; `file` is one of the short fixed names
  return std::move(*p);
}

} // namespace detail

inline core::store_path
outbox_meta_path(std::string_view name)
{
  return detail::entry_file(name, detail::meta_name);
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
    auto const refused = split_refused_name(n.name);
    if(! refused && ! is_outbox_id(n.name))
      continue;
    auto const id = refused ? refused->first : n.name;
    last_id_ = std::max<std::uint64_t>(last_id_, std::stoull(id, nullptr, 16));
    if(refused)
      continue;
    auto const meta = fs.stat(outbox_meta_path(n.name));
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
  auto const r = env::atomic_replace(env_.fs(), outbox_meta_path(dir.name()), to_json(e));
  return r ? error_code() : r.error();
}

template<env::Environment E>
result<outbox_entry>
outbox<E>::read_meta(const core::store_path& dir)
{
  auto text = env::read_all(env_.fs(), outbox_meta_path(dir.name()), detail::meta_bytes_max);
  if(! text)
    return text.error();
  auto e = outbox_entry_from_json(*text);
  if(! e)
    return e.error();
  // The directory's name is the authority on the entry's state: a crash
  // between rewriting meta.json and renaming leaves the old state.
  auto const refused = split_refused_name(dir.name());
  if(refused ? refused->first != e->id : dir.name() != e->id)
    return error_code(errc::protocol_error);
  if(refused)
    e->refused = refused->second;
  else
    e->refused.reset();
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
  e.refused.reset();
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
    if(auto ec = fs.rename(temp->path(), detail::entry_file(dir.name(), detail::body_name)))
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
    if(n.stat.kind == env::file_kind::directory && (is_outbox_id(n.name) || split_refused_name(n.name)))
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
  std::erase_if(*entries, [](const outbox_entry& e) { return ! e.pending(); });
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
  return env_.fs().open_read(detail::entry_file(e.directory_name(), detail::body_name));
}

template<env::Environment E>
auto
outbox<E>::open_master_body(const outbox_entry& e) -> result<reader_type>
{
  return env_.fs().open_read(master_body_path(e));
}

template<env::Environment E>
error_code
outbox<E>::remove_entry(std::string_view name, bool pending)
{
  auto& fs = env_.fs();
  auto const dir = entry_dir(name);
  // meta.json first: once it is gone durably, the entry is.
  if(auto ec = fs.remove(outbox_meta_path(name)); ec && ec != errc::not_found)
    return ec;
  if(auto ec = fs.sync_dir(dir); ec && ec != errc::not_found)
    return ec;
  auto rest = fs.list(dir);
  if(rest) {
    for(auto const& f : *rest)
      if(auto file = dir.child(f.name); ! file)
        return file.error(); // nothing the outbox wrote: leave it for a person
      else if(auto ec = fs.remove(*file); ec && ec != errc::not_found)
        return ec;
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
core::store_path
outbox<E>::master_body_path(const outbox_entry& e) const
{
  return detail::entry_file(e.directory_name(), detail::master_body_name);
}

template<env::Environment E>
result<outbox_entry>
outbox<E>::mark_refused(outbox_entry e, refusal_kind kind, master_view seen)
{
  auto& fs = env_.fs();
  auto const from = directory(e);
  e.master = std::move(seen);
  auto const stamp = detail::rfc3339(env_.clock().now());
  e.refused = refusal{kind, stamp};
  for(int n = 2; fs.stat(entry_dir(e.directory_name())); ++n) // refused again within the second
    e.refused->at = stamp + "-" + std::to_string(n);
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
  if(e->pending())
    return *e; // already pending
  auto const from = directory(*e);
  if(e->refused->kind == refusal_kind::conflict) {
    write_base base;
    if(e->master && e->master->status == 200 && e->master->etag)
      base.if_match = e->master->etag;
    else
      base.if_none_match_any = true; // the master had nothing
    e->base = std::move(base);
  }
  e->refused.reset();
  e->master.reset();
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
  return remove_entry(e->directory_name(), e->pending());
}

} // namespace zddc::cache
