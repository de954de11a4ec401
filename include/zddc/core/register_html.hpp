#pragma once
/// @file
/// The document register and the transmittals as HTML pages: what a
/// document controller reads in a browser (`GET <dir>/?register`,
/// `GET <dir>/?transmittals`).
///
/// They look and behave like the directory listing (core/listing_html.hpp)
/// and share its style, page head, breadcrumbs, banner, filter syntax and
/// sort order: one server-rendered page with a small inline script that
/// loads nothing from elsewhere and reads no clock, so the same register
/// and options always render the same bytes. Reading and downloading are
/// plain links and work without the script; filtering, sorting and the
/// toggle need it and are hidden without it. Every name is HTML-escaped and
/// every link built by `encode()` of a `repo_path`.
///
/// Register page:
/// - links to the directory listing, the transmittals, the CSV
///   (`?register&format=csv`) and the ZIP (`?zip`) of the directory;
/// - one row per revision: each base revision, then its modifiers (marked as
///   belonging to it), with Tracking, Title, Rev, Status, the files (links,
///   sizes, a cache's writes still waiting for the master marked), the
///   transmittal folders that brought them, and the newest file's
///   modification time (UTC, RFC 3339);
/// - a document's current revision is marked ("current", `data-latest`);
///   "Current revisions only" hides every other row;
/// - sorting by any column (a base and its modifiers move together); Rev in
///   ZDDC revision order by a rank the server computes; the filter box with
///   the columns tracking, rev, status, title, name, ext, transmittal;
/// - below, the files outside the naming convention with the reason, and a
///   notice naming the folders that were not at hand (a cache that does not
///   hold them), whose documents are missing from the page.
///
/// Transmittals page: the transmittal folders grouped by date, newest
/// first; each with its folder, tracking number, status, title, number of
/// documents and files, and a link to its ZIP (`<folder>/?zip`); a filter.

#include <zddc/core/listing_html.hpp>
#include <zddc/core/register.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace zddc::core {

/// What a cache or mirror adds to the register and transmittals pages.
struct document_page_options {
  // Serving its stored copy because the master could not be reached: since
  // when (RFC 3339). Shown as a banner, as on the listing page.
  std::optional<std::string> offline_since = std::nullopt;
};

std::string render_register_html(const document_register& r, const document_page_options& o);

std::string render_transmittals_html(const transmittal_index& t, const document_page_options& o);

/// Changes whenever the pages' markup, style or script change (a hash of
/// them, as `listing_page_version()` is for the listing page): a part of
/// every tag the pages are served with.
std::string_view document_pages_version();

} // namespace zddc::core

#include <zddc/core/impl/register_html.ipp>
