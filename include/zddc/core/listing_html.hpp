#pragma once
/// @file
/// The HTML directory listing: what a person sees in a browser.
///
/// One server-rendered page with inline style and a small inline script;
/// it loads nothing from elsewhere and reads no clock: the same listing and
/// options always render the same bytes. Browsing and downloading are plain
/// links and work without the script; everything else needs it and is
/// hidden without it.
///
/// - Breadcrumbs from the root, then links to the folder's register,
///   transmittals and a ZIP of it (master/documents.hpp); one row per entry, directories first, with
///   the ZDDC columns (tracking, revision, status, title) parsed from
///   document names and, for transmittal folders, the date; size and UTC
///   modification time (RFC 3339, the format the banners use too). Every
///   name is HTML-escaped and every link built by `encode()`.
/// - Sorting by any column (keyboard-operable header buttons, `aria-sort`,
///   ▲/▼); Rev sorts in ZDDC revision order by a rank the server computes.
/// - A filter box with the ZDDC archive tool's expressions, plus
///   `column:word`; a "Latest revision only" toggle: per tracking number,
///   the greatest issued revision (else draft, else any), marked by the
///   server (`data-latest`).
/// - Twin names (the same text in NFC and NFD) marked in both rows.
/// - For a principal who may write here: upload (create-only, or replacing
///   the version shown, by its ETag), New folder, and Delete per file and
///   folder; state-changing requests carry the session's CSRF token. The
///   script's comment states the exact contract it relies on.
///
/// Served by a cache or mirror, the page also says what the person must
/// know there: a banner when the master could not be reached, each write
/// still waiting for it marked in its row, and the writes the master refused
/// (conflicts and rejections) with both versions to download and the two
/// ways to settle them (keep mine: retry; keep the master's: discard), which
/// post to `/.zddc/outbox/<id>/retry|discard`. A mirror's page also says
/// when the subtree was last brought fully up to date.

#include <zddc/core/listing.hpp>

#include <optional>
#include <string>
#include <vector>

namespace zddc::core {

/// A write the master refused, kept by a cache for a person to settle,
/// shown in the listing of the directory it was for.
struct refused_write {
  std::string entry;         // the outbox entry's id
  std::string name;          // the file's name in this directory
  bool conflict = true;      // a conflict (412), else a rejection
  std::string at;            // when the master refused it, RFC 3339
  unsigned master_status = 0; // a rejection's status; a conflict's GET status (200: the master has a copy)
  bool deletion = false;     // the refused write was a DELETE
};

struct html_listing_options {
  bool can_write = false; // show upload, new folder and delete controls
  // A cache or mirror serving its stored copy because the master could not
  // be reached: since when (RFC 3339). Shown as a banner.
  std::optional<std::string> offline_since = std::nullopt;
  // Writes to this directory that the master refused, kept for a person.
  std::vector<refused_write> refused = {};
  // A mirror: the directory lies in a subtree it keeps current. `walked_at`
  // is when the last complete walk of that subtree began (RFC 3339), none
  // when no walk has completed yet.
  bool mirrored = false;
  std::optional<std::string> walked_at = std::nullopt;
};

std::string render_listing_html(const listing& l, const html_listing_options& options);

/// The strong tag of the page `render_listing_html(l, options)` renders:
/// over the listing's HTML tag, the page's own version (its markup, style
/// and script) and every option, so it moves whenever the page would.
entity_tag html_listing_tag(const listing& l, const html_listing_options& options);

} // namespace zddc::core

#include <zddc/core/impl/listing_html.ipp>
