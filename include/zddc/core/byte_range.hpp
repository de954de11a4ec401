#pragma once
/// @file
/// The Range request header (RFC 9110 §14.2), for a single byte range.
///
/// A multi-range request is answered with the whole representation (200),
/// which the RFC permits; serving multipart/byteranges is not worth its
/// complexity for documents fetched by browsers and resuming downloaders.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zddc::core {

/// A satisfiable range: `length` bytes starting at `first`.
struct byte_range {
  std::uint64_t first = 0;
  std::uint64_t length = 0;

  friend bool operator==(const byte_range&, const byte_range&) = default;
};

enum class range_kind {
  /// No usable Range: serve the whole representation (absent, not `bytes`,
  /// several ranges, or syntactically invalid — all ignorable per §14.2).
  whole,
  /// One satisfiable range: answer 206.
  partial,
  /// A valid range that selects nothing: answer 416.
  unsatisfiable,
};

struct range_request {
  range_kind kind = range_kind::whole;
  byte_range range; // when `partial`
};

/// Interprets `header` (the Range field value) for a representation of
/// `size` bytes.
range_request
parse_range(std::string_view header, std::uint64_t size);

/// `bytes first-last/size` for a 206 answer.
std::string
content_range(const byte_range& r, std::uint64_t size);

/// `bytes */size` for a 416 answer.
std::string
unsatisfied_content_range(std::uint64_t size);

} // namespace zddc::core

#include <zddc/core/impl/byte_range.ipp>
