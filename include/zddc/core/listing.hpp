#pragma once
/// @file
/// A directory listing: the model, its JSON form, and its validator.
///
/// JSON schema (`Accept: application/json`), one object:
///
///     {
///       "path": "/Project/X/",                  // the directory's URL target
///       "entries": [                            // sorted by name bytes
///         { "name": "Spec (IFA) - Café.pdf",    // decoded, exactly as on disk
///           "type": "file",                     // "file" | "directory"
///           "size": 1234,                       // bytes; 0 for directories
///           "mtime_ns": 1767225600000000000,    // ns since the Unix epoch
///           "etag": "\"9f86d0...\"",            // files only: strong ETag
///           "sha256": "9f86d081...",            // files only: the whole SHA-256 of
///                                               // the bytes (the ETag is its first half)
///           "transmittal": {                    // directories named as a transmittal:
///             "date": "2025-10-31", "tracking": "123456-EL-TRN-0043",
///             "status": "IFC", "title": "Switchgear Package" },
///           "pending": "0001867f2a3b4c5d" },    // a cache's own write, still waiting
///                                               // for the master (its outbox entry)
///         ...
///       ]
///     }
///
/// Names are decoded bytes; a client builds an entry's URL with
/// `encode(dir.child(name))`, never by pasting strings. Parsing a listing
/// validates every name as a `repo_path` segment, so nothing an upstream
/// sends can name a path outside the directory or a reserved file.
///
/// Validators: a file's ETag is derived from a SHA-256 of its bytes
/// (`content_etag`), so equal bytes have equal tags on every node. A
/// listing's ETag is a SHA-256 over its canonical JSON, so it changes when
/// any visible entry changes, and differs between callers who see different
/// entries.

#include <zddc/core/etag.hpp>
#include <zddc/core/path.hpp>
#include <zddc/core/sha256.hpp>
#include <zddc/core/url_target.hpp>
#include <zddc/core/file_kind.hpp>
#include <zddc/core/time.hpp>

#include <boost/json/fwd.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zddc::core {

/// A write a cache accepted for this entry and has not yet seen the master
/// hold: the file as written (shown in place of the master's), or a
/// deletion (hidden from the JSON form, shown struck through in HTML).
struct pending_write {
  std::string entry; // the outbox entry's id
  bool deletion = false;

  friend bool operator==(const pending_write&, const pending_write&) = default;
};

struct listing_entry {
  std::string name;
  file_kind kind = file_kind::regular;
  std::uint64_t size = 0;
  time_point mtime{};
  std::optional<entity_tag> etag; // files only
  std::optional<pending_write> pending = std::nullopt; // only in what a cache shows
  // Files only: the SHA-256 of the bytes, whose first half the ETag is;
  // absent where it is not known (a cache's own write, still waiting).
  std::optional<core::sha256::digest> sha256 = std::nullopt;

  friend bool operator==(const listing_entry&, const listing_entry&) = default;
};

struct listing {
  repo_path dir;
  std::vector<listing_entry> entries; // sorted by name bytes

  friend bool operator==(const listing&, const listing&) = default;
};

/// The strong ETag for content with this digest (128 bits of it, in hex).
inline entity_tag
content_etag(const sha256::digest& d)
{
  auto tag = entity_tag::strong(to_hex(d, 16));
  ZDDC_ASSERT(tag.has_value()); // hex digits are valid opaque-tag characters
  return std::move(*tag);
}

/// The canonical JSON text of `l` (entries must be sorted).
std::string
to_json(const listing& l);

/// Parses a listing of directory `dir`. Fails with `path_errc` when an
/// entry's name is not a valid client-addressable segment, and with
/// `errc::protocol_error` when the document does not follow the schema
/// (an entry's `sha256` that is not the one its ETag was made from
/// included). A `transmittal` object is read from the name, not from the
/// document: it is ignored here.
result<listing>
listing_from_json(std::string_view json, const repo_path& dir);

/// The same, from a document already parsed.
result<listing>
listing_from_json_value(const boost::json::value& json, const repo_path& dir);

/// The listing's validator.
entity_tag
listing_etag(const listing& l);

/// The two representations a listing is served in.
enum class listing_format { json, html };

/// The strong tag of a listing in one of its representations: different
/// representations of the same listing carry different tags.
entity_tag
listing_tag(const listing& l, listing_format f);

} // namespace zddc::core

#include <zddc/core/impl/listing.ipp>
