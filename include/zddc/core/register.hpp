#pragma once
/// @file
/// The document register and the transmittals: the questions a document
/// controller asks all day ("what is the current revision of every
/// document, in what status, and which transmittal brought it"), answered
/// from listings. Pure functions: listings in, register out. The roles
/// gather the listings a caller may see and serve the answers
/// (master/documents.hpp).
///
/// Register JSON (`GET <dir>/?register`, `Accept: application/json`):
///
///     { "path": "/Project/",
///       "documents": [                         // by tracking number (bytes)
///         { "tracking": "123456-EL-SPC-2623",
///           "title": "Spec For Switchgear",    // the current revision's
///           "current": { "rev": "B", "status": "IFC", "draft": false, "files": [...] },  // or null
///           "revisions": [                     // in revision order (core/naming.hpp)
///             { "rev": "A", "status": "IFA", "draft": false, "files": [...],
///               "modifiers": [ { "rev": "A+C1", "status": "RSB", "draft": false, "files": [...] } ] } ] } ],
///       "unclassified": [ { "path": ..., "size": ..., ..., "reason": "no status group ..." } ],
///       "missing": [ "/Project/Site/" ] }      // directories whose listing was not at hand
///
/// A file: `{"path": decoded path, "size", "mtime_ns", "etag", "sha256"
/// (hex, or null where unknown), "transmittal": decoded path of the nearest
/// enclosing transmittal folder or null}`, plus `"pending": <outbox entry>`
/// for a cache's own write that waits for the master.
///
/// Rules:
/// - every file of every listing appears exactly once: under its document
///   and revision when its name follows the convention, else in
///   `unclassified` with the parser's reason. A cache's pending deletions
///   are not files.
/// - A modifier (`A+C1`, `A+~C2`, ...) belongs under its base (`A`); a base
///   that has only modifiers is listed with no files and a null status.
/// - A revision's status is its newest file's (greatest mtime, then path).
/// - `current` is the greatest base revision with files that is not a
///   draft; when there are only drafts, the greatest draft (`"draft": true`);
///   null when there are only modifiers.
/// - A document's title is its current revision's newest file's, else its
///   newest file's.
///
/// Transmittals (`GET <dir>/?transmittals`): every folder at or below `dir`
/// whose name is a transmittal name (`YYYY-MM-DD_TRACKING (STATUS) -
/// Title`), grouped by date, newest date first; each with the number of
/// documents (distinct tracking numbers) and of files whose nearest
/// enclosing transmittal it is.

#include <zddc/core/listing.hpp>
#include <zddc/core/naming.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace zddc::core {

/// One file as the register shows it.
struct register_file {
  repo_path path;
  std::uint64_t size = 0;
  time_point mtime{};
  std::optional<entity_tag> etag = std::nullopt;
  std::optional<core::sha256::digest> sha256 = std::nullopt;
  std::optional<repo_path> transmittal = std::nullopt;   // nearest enclosing transmittal folder
  std::optional<std::string> pending = std::nullopt;     // a cache's own write: its outbox entry
  std::optional<document_name> name = std::nullopt;      // parsed; none for unclassified files

  friend bool operator==(const register_file&, const register_file&) = default;
};

struct register_revision {
  revision rev;
  std::optional<doc_status> status = std::nullopt; // its newest file's; none without files
  std::vector<register_file> files = {};            // by path
  std::vector<register_revision> modifiers = {};    // base revisions only; in revision order

  friend bool operator==(const register_revision&, const register_revision&) = default;
};

struct register_document {
  std::string tracking;
  std::string title;
  std::optional<std::size_t> current = std::nullopt; // index into `revisions`
  std::vector<register_revision> revisions = {};      // base revisions, in revision order

  friend bool operator==(const register_document&, const register_document&) = default;
};

struct unclassified_file {
  register_file file;
  std::string reason; // why the name does not follow the convention

  friend bool operator==(const unclassified_file&, const unclassified_file&) = default;
};

struct document_register {
  repo_path dir;
  std::vector<register_document> documents = {};   // by tracking number
  std::vector<unclassified_file> unclassified = {}; // by path
  std::vector<repo_path> missing = {};              // directories not at hand, by path

  friend bool operator==(const document_register&, const document_register&) = default;
};

/// The register of the files in `listings` (each a directory at or below
/// `dir`, in any order); `missing` names the directories whose listings
/// could not be had.
document_register build_register(const repo_path& dir, std::span<const listing> listings,
                                 std::vector<repo_path> missing = {});

std::string to_json(const document_register& r);

/// One row per file (documents in register order, then unclassified):
/// tracking, rev, status, title, extension, path, size, mtime (UTC, RFC
/// 3339), sha256, transmittal. RFC 4180 (CRLF, fields quoted when they
/// hold a quote, comma or line break) and UTF-8 with a byte-order mark, so
/// a spreadsheet opens it with every name intact.
std::string to_csv(const document_register& r);

/// The nearest folder at or above `p`'s parent whose name is a transmittal name.
std::optional<repo_path> enclosing_transmittal(const repo_path& p);

struct transmittal_summary {
  repo_path path;
  transmittal_name name;
  std::size_t documents = 0; // distinct tracking numbers
  std::size_t files = 0;

  friend bool operator==(const transmittal_summary&, const transmittal_summary&) = default;
};

struct transmittal_day {
  std::chrono::year_month_day date;
  std::vector<transmittal_summary> transmittals = {}; // by tracking number, then path

  friend bool operator==(const transmittal_day&, const transmittal_day&) = default;
};

struct transmittal_index {
  repo_path dir;
  std::vector<transmittal_day> days = {}; // newest first
  std::vector<repo_path> missing = {};

  friend bool operator==(const transmittal_index&, const transmittal_index&) = default;
};

transmittal_index build_transmittals(const repo_path& dir, std::span<const listing> listings,
                                     std::vector<repo_path> missing = {});

/// `{"path": ..., "days": [{"date": "2025-10-31", "transmittals": [{"path",
/// "tracking", "status", "title", "documents", "files"}]}], "missing": [...]}`
std::string to_json(const transmittal_index& t);

/// A strong tag for one representation (`what`: "register-json",
/// "transmittals-html", ...) of an answer built from listings whose
/// combined validator is `basis` (a tree tag, or `listings_basis`).
entity_tag derived_tag(std::string_view basis, std::string_view what);

/// A validator for a set of listings (with the directories missing from
/// it): it moves whenever any listing does.
std::string listings_basis(std::span<const listing> listings, std::span<const repo_path> missing);

} // namespace zddc::core

#include <zddc/core/impl/register.ipp>
