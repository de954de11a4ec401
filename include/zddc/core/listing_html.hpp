#pragma once
/// @file
/// The HTML directory listing: what a person sees in a browser.
///
/// Breadcrumbs from the root; one row per entry, directories first, with
/// the ZDDC columns (tracking, revision, status, title) parsed from document
/// names and, for transmittal folders, the date; size and UTC modification
/// time; sorting by any column in the browser; and, for a principal who may
/// write here, an upload form and a delete button per file. Every name is
/// HTML-escaped and every link built by `encode()` from the decoded path.
/// The page loads nothing from elsewhere and reads no clock: the same
/// listing always renders the same bytes.

#include <zddc/core/listing.hpp>

#include <string>

namespace zddc::core {

struct html_listing_options {
  bool can_write = false; // show upload and delete controls
};

std::string render_listing_html(const listing& l, const html_listing_options& options);

} // namespace zddc::core

#include <zddc/core/impl/listing_html.ipp>
