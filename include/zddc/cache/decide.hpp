#pragma once
/// @file
/// The cache's decisions as pure functions: evidence in as values, a verdict
/// out (the sans-IO style of h11 and quinn-proto). The coroutines in
/// handler.hpp and replayer.hpp gather the evidence and carry the verdict
/// out; every rule lives here, where a table test can list the cases as
/// rows: what a read's answer means (`classify_read`), what a replay's
/// answer means (`classify_replay`), the version a write is based on
/// (`choose_base`), and what a person at the cache sees of their own
/// waiting and refused writes (`overlay_pending`, `newest_pending_for`,
/// `refused_in`, `offline_since`).

#include <zddc/cache/outbox.hpp>
#include <zddc/core/etag.hpp>
#include <zddc/core/http_date.hpp>
#include <zddc/core/listing_html.hpp>

#include <boost/beast/http/verb.hpp>

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace zddc::cache {

/// What the master's answer to a read (a file or a listing) means for the
/// local copy.
enum class read_verdict {
  fresh,       // 200: replace the copy
  current,     // 304: the copy is current
  gone,        // 403/404/410: purge the copy, answer 404
  unavailable, // no answer, a cut or malformed one, or a 5xx: serve the copy stale
  oversized,   // a body past this cache's cap: 502, the copy kept
  redirect,    // another 3xx: 502, unless it only adds the directory's slash
  other,       // anything else (a 4xx about the request): relay it
};

/// Classifies the answer to a read: `status` when the master answered,
/// `oversized` when it sent more than this cache takes (cut off there).
constexpr read_verdict
classify_read(std::optional<unsigned> status, bool oversized) noexcept
{
  if(! status)
    return oversized ? read_verdict::oversized : read_verdict::unavailable;
  auto const s = *status;
  if(s >= 500)
    return read_verdict::unavailable;
  if(s == 200)
    return read_verdict::fresh;
  if(s == 304)
    return read_verdict::current;
  if(s == 404 || s == 403 || s == 410)
    return read_verdict::gone;
  if(s >= 300 && s < 400)
    return read_verdict::redirect;
  return read_verdict::other;
}

/// What a replayed outbox entry's answer from the master means.
enum class replay_verdict {
  applied,      // the master holds this write: settle locally, forget the entry
  conflict,     // 412 on another version: keep the entry, with the master's copy
  rejected,     // another 4xx: the write cannot succeed as it is; keep it, with the answer
  unauthorized, // 401: the cache's own credentials were refused; nothing is
                // known about the write, so it stays pending (and replay backs off)
  deferred,     // no answer, 5xx, 408, 429: try again later
};

/// The evidence: one attempt at an entry and what came back.
struct replay_evidence {
  boost::beast::http::verb method = boost::beast::http::verb::put;
  std::optional<unsigned> status;          // none: the master could not be reached
  std::optional<std::string_view> etag;    // the answer's ETag
  std::optional<std::string_view> body_etag; // PUT: the tag the master gives the entry's bytes
};

/// Classifies the master's answer to a replayed entry.
///
/// A 412 carrying the tag of the entry's own bytes is not a conflict: the
/// master already holds this write, and only the acknowledgement of an
/// earlier attempt was lost. Likewise a DELETE answered 404 is done.
constexpr replay_verdict
classify_replay(const replay_evidence& x) noexcept
{
  if(! x.status)
    return replay_verdict::deferred;
  auto const s = *x.status;
  if(s >= 200 && s < 300)
    return replay_verdict::applied;
  if(s == 412) {
    bool const ours = x.method == boost::beast::http::verb::put && x.body_etag && x.etag && *x.etag == *x.body_etag;
    return ours ? replay_verdict::applied : replay_verdict::conflict;
  }
  if(s == 404 && x.method == boost::beast::http::verb::delete_)
    return replay_verdict::applied;
  if(s == 401)
    return replay_verdict::unauthorized;
  if(s >= 500 || s == 408 || s == 429)
    return replay_verdict::deferred;
  if(s >= 400)
    return replay_verdict::rejected;
  // 1xx, 3xx: a master that redirects writes is misconfigured; a redirect is
  // never followed, nor taken for a refusal.
  return replay_verdict::deferred;
}

/// What the cache knows when a client writes `path`, gathered before the
/// write is queued.
struct base_evidence {
  boost::beast::http::verb method = boost::beast::http::verb::put;
  // The client's own preconditions, as sent.
  std::optional<std::string_view> if_match, if_unmodified_since, if_none_match;
  // The newest pending outbox entry for the same path: its method and, for
  // a PUT, the tag of its body.
  std::optional<boost::beast::http::verb> pending_method;
  std::optional<std::string_view> pending_body_etag;
  // The local copy's tag and mtime, if there is a copy.
  std::optional<core::entity_tag> copy_tag;
  std::optional<core::time_point> copy_mtime;
  // The stored listing's entry for the path, if the listing names it as a file.
  std::optional<core::entity_tag> listed_tag;
  std::optional<core::time_point> listed_mtime;
};

/// The version a queued write is based on (DESIGN.md invariant 2: a replay
/// never overwrites a version its base had not seen), or nullopt when there
/// is none to base it on (answered 428) or the client's conditions cannot
/// be carried (a tag list in If-None-Match).
///
/// In order: what the client said it saw; else the newest pending write to
/// the same path, so chained offline edits build on each other; else the
/// local copy; else the stored listing's entry; else, for a PUT, "create
/// only" (`If-None-Match: *`). A DELETE of something never seen has no base.
inline std::optional<write_base>
choose_base(const base_evidence& x)
{
  namespace http = boost::beast::http;
  auto const text = [](std::optional<std::string_view> v) {
    return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
  };
  write_base base{text(x.if_match), text(x.if_unmodified_since), false};
  if(x.if_none_match) {
    if(*x.if_none_match != "*")
      return std::nullopt;
    base.if_none_match_any = true;
  }
  if(! base.empty())
    return base;
  if(x.pending_method) {
    if(*x.pending_method == http::verb::put)
      base.if_match = text(x.pending_body_etag);
    else
      base.if_none_match_any = true; // after a pending delete, only a create makes sense
    return base;
  }
  if(x.copy_tag) {
    base.if_match = x.copy_tag->to_string();
    if(x.copy_mtime)
      base.if_unmodified_since = core::format_http_date(*x.copy_mtime);
    return base;
  }
  if(x.listed_tag) {
    base.if_match = x.listed_tag->to_string();
    if(x.listed_mtime)
      base.if_unmodified_since = core::format_http_date(*x.listed_mtime);
    return base;
  }
  if(x.method == http::verb::delete_)
    return std::nullopt;
  base.if_none_match_any = true;
  return base;
}

/// The listing a person at this cache sees (read your own writes): the
/// master's, as last stored, with the writes still waiting in the outbox
/// laid over it in queue order. A pending PUT shows the file as written
/// (its size, its body's tag, when it was queued), marked with its entry;
/// a pending DELETE marks the entry deleted (hidden from JSON, struck
/// through in HTML). `pending` may hold entries for other directories.
inline core::listing
overlay_pending(core::listing l, std::span<const outbox_entry> pending)
{
  namespace http = boost::beast::http;
  auto const by_name = [](auto const& a, auto const& b) { return a.name < b.name; };
  for(auto const& e : pending) {
    if(! e.pending() || e.path.is_root() || e.path.parent() != l.dir)
      continue;
    auto const name = e.path.name();
    auto it = std::lower_bound(l.entries.begin(), l.entries.end(), name,
                               [](const core::listing_entry& x, std::string_view n) { return x.name < n; });
    bool const present = it != l.entries.end() && it->name == name;
    if(e.method == http::verb::delete_) {
      if(present)
        it->pending = core::pending_write{e.id, true};
      continue;
    }
    core::listing_entry written{std::string(name), core::file_kind::regular, e.body_bytes, e.queued_at,
                                e.body_etag ? core::entity_tag::parse(*e.body_etag) : std::nullopt,
                                core::pending_write{e.id, false}};
    if(present)
      *it = std::move(written);
    else
      l.entries.insert(it, std::move(written));
  }
  ZDDC_ASSERT(std::is_sorted(l.entries.begin(), l.entries.end(), by_name));
  return l;
}

/// The write a person at this cache last made to `path` and the master does
/// not hold yet (read your own writes): the newest pending entry for it in
/// queue order, or null. What a read of `path` shows while it waits.
inline const outbox_entry*
newest_pending_for(std::span<const outbox_entry> pending, const core::repo_path& path) noexcept
{
  auto const it = std::find_if(pending.rbegin(), pending.rend(),
                               [&](const outbox_entry& e) { return e.pending() && e.path == path; });
  return it == pending.rend() ? nullptr : &*it;
}

/// Since when the page should say the master could not be reached, if it
/// was served `stale`: when the master stopped answering, or `now` when it
/// answered with a server error instead of the listing.
inline std::optional<core::time_point>
offline_since(bool stale, std::optional<core::time_point> unreachable_since, core::time_point now) noexcept
{
  if(! stale)
    return std::nullopt;
  return unreachable_since ? *unreachable_since : now;
}

/// The writes to files directly in `dir` that the master refused, as the
/// directory's page lists them for a person to settle, in id order.
/// `entries` is the whole outbox (`outbox::all()`); pending ones are skipped.
inline std::vector<core::refused_write>
refused_in(std::span<const outbox_entry> entries, const core::repo_path& dir)
{
  std::vector<core::refused_write> out;
  for(auto const& e : entries) {
    if(e.pending() || e.path.is_root() || e.path.parent() != dir)
      continue;
    out.push_back(core::refused_write{
      .entry = e.id,
      .name = std::string(e.path.name()),
      .conflict = e.refused->kind == refusal_kind::conflict,
      .at = e.refused->at,
      .master_status = e.master ? e.master->status : 0u,
      .deletion = e.method == boost::beast::http::verb::delete_,
    });
  }
  return out;
}

} // namespace zddc::cache
