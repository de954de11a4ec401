#pragma once
/// @file
/// The walker's decisions as pure functions (the sans-IO style of
/// cache/decide.hpp): what the master's answer for a listing means, what to
/// do with each entry of a listed directory, and what the answer for a file
/// means. The walker (walker.hpp) gathers the evidence — the answers, the
/// local directory's entries and copies — and carries the plan out.
///
/// The one rule above the others: "could not reach" never means "deleted".
/// Only a listing the master actually sent, or its 403/404/410 for the
/// thing itself, ever purges anything.
///
/// And when to ask again: which failures of one request are worth another
/// try and after how long (`retry_delay`), and when a subtree is due for a
/// walk (`walk_due`), so that a walk cut short resumes soon and a complete
/// one holds the interval.

#include <zddc/core/http_date.hpp>
#include <zddc/core/listing.hpp>
#include <zddc/env/filesystem.hpp>
#include <zddc/mirror/config.hpp>
#include <zddc/mirror/state.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace zddc::mirror {

/// The master says the thing is gone for this bearer.
constexpr bool
says_gone(unsigned status) noexcept
{
  return status == 403 || status == 404 || status == 410;
}

/// What the answer to a listing request means.
enum class listing_verdict {
  fresh,       // 200: a new listing (parse it, store it, walk it)
  stored,      // 304 with a stored listing: walk the stored one
  gone,        // 403/404/410: purge the directory
  unreachable, // no answer: stop the walk, touch nothing
  trouble,     // anything else (5xx, a 304 with nothing stored, ...): skip it, the walk is incomplete
};

/// What the answer to a subtree's `?tree` request means.
enum class tree_verdict {
  unchanged,   // 304 to the tree tag sent: nothing below differs from what this mirror holds
  tree,        // 200 with a tree (core/tree_format.hpp): apply its listings
  listing,     // 200 with something else: a master without `?tree` listed the directory; walk it directory by directory
  gone,        // 403/404/410: purge the subtree
  unreachable, // no answer: stop the walk, touch nothing
  trouble,     // anything else (5xx, a 304 to no tag, ...): the walk is incomplete
};

constexpr tree_verdict
classify_tree(std::optional<unsigned> status, bool is_tree, bool sent_tag) noexcept
{
  if(! status)
    return tree_verdict::unreachable;
  if(*status == 200)
    return is_tree ? tree_verdict::tree : tree_verdict::listing;
  if(*status == 304 && sent_tag)
    return tree_verdict::unchanged;
  if(says_gone(*status))
    return tree_verdict::gone;
  return tree_verdict::trouble;
}

constexpr listing_verdict
classify_listing(std::optional<unsigned> status, bool have_stored) noexcept
{
  if(! status)
    return listing_verdict::unreachable;
  if(*status == 200)
    return listing_verdict::fresh;
  if(*status == 304 && have_stored)
    return listing_verdict::stored;
  if(says_gone(*status))
    return listing_verdict::gone;
  return listing_verdict::trouble;
}

/// What to do with a listed directory, from the master's listing of it and
/// the local directory's entries.
struct directory_plan {
  std::vector<std::string> subdirectories; // to list next
  std::vector<std::string> fetch;          // files to bring down: no local copy of that size and mtime
  std::vector<std::string> verify;         // files whose copy has the listed size and mtime: compare tags
  std::vector<std::string> orphans;        // local names the listing does not show as they are: purge
  std::uint64_t files = 0;                 // files listed
};

/// Plans the master's listing `listed` against the local directory `local`.
/// Reserved names (the mirror's own files) are never orphans; a local file
/// where the master now lists a directory (or the reverse) is an orphan.
inline directory_plan
plan_directory(const core::listing& listed, std::span<const env::dir_entry> local)
{
  directory_plan p;
  auto const local_named = [&](std::string_view name) -> const env::dir_entry* {
    auto const it = std::ranges::find(local, name, &env::dir_entry::name);
    return it == local.end() ? nullptr : &*it;
  };
  for(auto const& e : listed.entries) {
    if(e.kind == core::file_kind::directory) {
      p.subdirectories.push_back(e.name);
      continue;
    }
    ++p.files;
    auto const* mine = local_named(e.name);
    bool const same_stat = mine && mine->stat.kind == core::file_kind::regular && mine->stat.size == e.size &&
                           mine->stat.mtime == e.mtime && e.etag;
    (same_stat ? p.verify : p.fetch).push_back(e.name);
  }
  for(auto const& mine : local) {
    if(core::is_reserved_name(mine.name))
      continue;
    auto const entry = std::ranges::lower_bound(listed.entries, mine.name, {}, &core::listing_entry::name);
    if(entry == listed.entries.end() || entry->name != mine.name || entry->kind != mine.stat.kind)
      p.orphans.push_back(mine.name);
  }
  return p;
}

/// A copy whose size and mtime match its listing entry is current when its
/// content tag is the listed one; otherwise it is fetched.
inline bool
copy_is_current(const std::optional<core::entity_tag>& copy, const core::listing_entry& listed) noexcept
{
  return copy && listed.etag && *copy == *listed.etag;
}

/// What the answer to a file request means.
struct fetch_verdict {
  enum class action {
    install,     // 200: install the body
    unchanged,   // 304: the copy is current
    purge,       // 403/404/410
    unreachable, // no answer: stop the walk
    trouble,     // anything else
  } what = action::trouble;
  // install: the listed mtime and tag when the master sent exactly the
  // listed bytes (so the next walk need not ask), else the answer's own date.
  bool as_listed = false;
  // unchanged: stamp the copy with the listed mtime (it holds the listed bytes).
  bool stamp = false;
};

inline fetch_verdict
judge_fetch(std::optional<unsigned> status, std::optional<std::string_view> answer_etag,
            const core::listing_entry& listed, const std::optional<core::entity_tag>& copy)
{
  using action = fetch_verdict::action;
  if(! status)
    return {action::unreachable};
  bool const listed_bytes = listed.etag && answer_etag && *answer_etag == listed.etag->to_string();
  if(*status == 200)
    return {action::install, listed_bytes, false};
  if(*status == 304)
    return {action::unchanged, false, copy_is_current(copy, listed)};
  if(says_gone(*status))
    return {action::purge};
  return {action::trouble};
}

/// Whether one request of a walk that ended this way is asked again: no
/// answer at all (`status` empty; `oversized` aside: a body past a limit
/// comes back just as long), a 5xx, 408 or 429. Anything else is the
/// master's answer about the thing itself.
constexpr bool
worth_retrying(std::optional<unsigned> status, bool oversized) noexcept
{
  if(! status)
    return ! oversized;
  return *status >= 500 || *status == 408 || *status == 429;
}

/// A `Retry-After` value (RFC 9110 §10.2.3: seconds, or an HTTP date) as a
/// wait from `now`; nullopt when it is neither.
inline std::optional<env::duration>
parse_retry_after(std::string_view value, env::time_point now)
{
  std::uint64_t seconds = 0;
  auto const [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if(ec == std::errc() && end == value.data() + value.size() && ! value.empty())
    return std::chrono::seconds(std::min<std::uint64_t>(seconds, 86'400));
  if(auto const at = core::parse_http_date(value))
    return *at > now ? *at - now : env::duration::zero();
  return std::nullopt;
}

/// The wait before asking again after failed attempt `attempt` (0 for the
/// first): `retry_delay` doubling up to `retry_delay_max`, scaled by a
/// jitter factor in [0.5, 1) drawn from `jitter` (any well-mixed number: the
/// walker hashes the path and the attempt, so runs stay reproducible and
/// many mirrors do not retry in step). A master's Retry-After is honoured,
/// capped at `retry_delay_max`.
inline env::duration
retry_delay(unsigned attempt, std::optional<env::duration> retry_after, std::uint64_t jitter, const config& cfg)
{
  auto base = cfg.retry_delay;
  for(unsigned i = 0; i < attempt && base < cfg.retry_delay_max; ++i)
    base *= 2;
  base = std::min(base, cfg.retry_delay_max);
  auto const scaled = base / 2 + base / 2 * static_cast<std::int64_t>(jitter % 1024) / 1024;
  if(retry_after)
    return std::clamp(*retry_after, scaled, cfg.retry_delay_max);
  return scaled;
}

/// Whether an access at `now` should start a walk of a subtree whose last
/// walks are `last` (null: never walked). A complete walk holds for
/// `min_interval` from its start. After an incomplete one (cut short by a
/// lost link, a crash, a stop) the walk resumes `retry_interval` after the
/// last attempt began — doubling with each incomplete walk in a row, never
/// longer than `min_interval`, so a master that stays away is not
/// hammered; but when the master has answered again since that attempt
/// ended (`answering_since`: since when it has answered this node, none
/// while it does not), the outage is over and the walk resumes after
/// `retry_interval` alone. A recorded time later than `now` means the
/// clock was set back: walk now rather than wait for it to catch up.
inline bool
walk_due(const subtree_record* last, env::time_point now, const config& cfg,
         std::optional<env::time_point> answering_since = std::nullopt) noexcept
{
  if(! last || last->last_attempt > now || (last->last_complete && *last->last_complete > now))
    return true;
  if(last->last.complete)
    return now - last->last_attempt >= cfg.min_interval;
  auto wait = cfg.retry_interval;
  bool const back_since = answering_since && *answering_since > last->last_attempt + last->last.duration;
  for(std::uint64_t i = 1; ! back_since && i < last->failures && wait < cfg.min_interval; ++i)
    wait *= 2;
  return now - last->last_attempt >= std::min(wait, cfg.min_interval);
}

} // namespace zddc::mirror
