#pragma once
// Implementation of cache/outbox.hpp.

#include <zddc/core/json_fields.hpp>

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
  if(name.size() > 64 || name.size() < 16 || ! is_outbox_id(name.substr(0, 16)))
    return std::nullopt;
  for(auto const kind : {refusal_kind::conflict, refusal_kind::rejected}) {
    auto const marker = "." + std::string(to_string(kind)) + "-";
    if(name.size() <= 16 + marker.size() || name.substr(16, marker.size()) != marker)
      continue;
    auto const stamp = name.substr(16 + marker.size());
    // What mark_refused writes: an RFC 3339 time, maybe "-<n>". Anything else
    // in the outbox is not an entry (and need not even be a valid segment).
    if(! std::ranges::all_of(stamp, [](char c) { return (c >= '0' && c <= '9') || c == '-' || c == ':' || c == 'T' || c == 'Z'; }))
      return std::nullopt;
    return std::pair(std::string(name.substr(0, 16)), refusal{kind, std::string(stamp)});
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
  namespace jf = core::json_fields;
  auto const bad = error_code(errc::protocol_error);
  boost::json::error_code jec;
  auto const doc = boost::json::parse(json, jec);
  if(jec || ! doc.is_object())
    return bad;
  auto const& o = doc.get_object();
  auto const id = jf::required_string(o, "id");
  auto const method = jf::required_string(o, "method");
  auto const path = jf::required_string(o, "path");
  auto const queued = jf::required_integer(o, "queued_at_ns");
  auto const bytes = jf::required_count(o, "body_bytes");
  auto const content_type = jf::optional_string(o, "content_type");
  auto const if_match = jf::optional_string(o, "if_match");
  auto const if_unmodified_since = jf::optional_string(o, "if_unmodified_since");
  auto const if_none_match = jf::optional_string(o, "if_none_match");
  auto const body_etag = jf::optional_string(o, "body_etag");
  auto const master = jf::optional_object(o, "master");
  if(! id || ! is_outbox_id(*id) || ! method || ! path || ! queued || ! bytes || ! content_type || ! if_match ||
     ! if_unmodified_since || ! if_none_match || ! body_etag || ! master)
    return bad;
  outbox_entry e;
  e.id = std::string(*id);
  e.method = boost::beast::http::string_to_verb(*method);
  if(e.method != boost::beast::http::verb::put && e.method != boost::beast::http::verb::delete_)
    return bad;
  auto p = core::repo_path::parse(*path);
  if(! p || p->is_root())
    return bad;
  e.path = std::move(*p);
  auto const text = [](const std::optional<std::string_view>& v) {
    return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
  };
  e.content_type = std::string(content_type->value_or(""));
  e.base.if_match = text(*if_match);
  e.base.if_unmodified_since = text(*if_unmodified_since);
  e.base.if_none_match_any = *if_none_match == std::optional<std::string_view>("*");
  e.queued_at = env::time_point(env::duration(*queued));
  e.body_bytes = *bytes;
  e.body_etag = text(*body_etag);
  for(auto const kind : {refusal_kind::conflict, refusal_kind::rejected}) {
    auto const at = jf::optional_string(o, to_string(kind));
    if(! at)
      return bad;
    if(*at)
      e.refused = refusal{kind, std::string(**at)};
  }
  if(*master) {
    auto const& m = **master;
    auto const status = jf::optional_count(m, "status");
    auto const etag = jf::optional_string(m, "etag");
    auto const last_modified = jf::optional_string(m, "last_modified");
    if(! status || ! etag || ! last_modified || status->value_or(0) > 999)
      return bad;
    e.master = master_view{static_cast<unsigned>(status->value_or(0)), text(*etag), text(*last_modified)};
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
  // Every caller passes an id (16 hex digits) or a name split_refused_name
  // accepts (at most 64 bytes of hex, digits and `.-:TZ`): a valid segment,
  // one level below a one-segment root.
  ZDDC_ASSERT(is_outbox_id(name) || split_refused_name(name));
  auto p = outbox_root().child(name);
  ZDDC_ASSERT(p.has_value());
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
  auto const all_entries = entries->size();
  std::erase_if(*entries, [](const outbox_entry& e) { return ! e.pending(); });
  pending_count_ = entries->size();
  refused_count_ = all_entries - pending_count_;
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
    for(auto const& f : *rest) {
      auto const file = dir.child(f.name); // whatever is on disk: not necessarily a valid name
      if(! file)
        return file.error(); // nothing the outbox wrote: leave it for a person
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
  auto& count = pending ? pending_count_ : refused_count_;
  if(count > 0)
    --count;
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
  ++refused_count_;
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
  if(refused_count_ > 0)
    --refused_count_;
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
