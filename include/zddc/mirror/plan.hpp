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

#include <zddc/core/listing.hpp>
#include <zddc/env/filesystem.hpp>

#include <algorithm>
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

/// Plans `upstream` against `local`. Reserved names (the mirror's own
/// files) are never orphans; a local file where the master now lists a
/// directory (or the reverse) is an orphan.
inline directory_plan
plan_directory(const core::listing& upstream, std::span<const env::dir_entry> local)
{
  directory_plan p;
  auto const local_named = [&](std::string_view name) -> const env::dir_entry* {
    auto const it = std::ranges::find(local, name, &env::dir_entry::name);
    return it == local.end() ? nullptr : &*it;
  };
  for(auto const& e : upstream.entries) {
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
    auto const listed = std::ranges::lower_bound(upstream.entries, mine.name, {}, &core::listing_entry::name);
    if(listed == upstream.entries.end() || listed->name != mine.name || listed->kind != mine.stat.kind)
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

} // namespace zddc::mirror
