#pragma once
/// @file
/// Entity tags (RFC 9110 §8.8.3): values, parsing of single tags and of the
/// lists in If-Match / If-None-Match, and the two comparison functions.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zddc::core {

class entity_tag {
public:
  /// A strong tag with the given opaque text (no quotes; must be etagc).
  static std::optional<entity_tag> strong(std::string_view opaque);

  /// Parses `"xyz"` or `W/"xyz"`.
  static std::optional<entity_tag> parse(std::string_view text);

  bool weak() const noexcept { return weak_; }
  std::string_view opaque() const noexcept { return opaque_; }

  /// The header form: `"xyz"` or `W/"xyz"`.
  std::string to_string() const;

  /// §8.8.3.2 strong comparison: both strong and the same opaque text.
  friend bool strong_match(const entity_tag& a, const entity_tag& b) noexcept
  {
    return ! a.weak_ && ! b.weak_ && a.opaque_ == b.opaque_;
  }

  /// §8.8.3.2 weak comparison: the same opaque text.
  friend bool weak_match(const entity_tag& a, const entity_tag& b) noexcept
  {
    return a.opaque_ == b.opaque_;
  }

  friend bool operator==(const entity_tag&, const entity_tag&) = default;

private:
  entity_tag(std::string opaque, bool weak) : opaque_(std::move(opaque)), weak_(weak) {}

  std::string opaque_;
  bool weak_ = false;
};

/// The value of If-Match or If-None-Match: `*` or a list of tags.
struct etag_condition {
  bool any = false;               // `*`
  std::vector<entity_tag> tags;   // empty when `any`
};

/// Parses `*` or a comma-separated list of entity tags (empty list elements
/// and surrounding whitespace allowed, RFC 9110 §5.6.1); nullopt when
/// malformed.
std::optional<etag_condition> parse_etag_condition(std::string_view text);

/// One tag of such a list, viewed where it stands.
struct etag_view {
  std::string_view opaque; // between the quotes
  bool weak = false;
};

/// The two comparisons of §8.8.3.2, of a tag in a list with a tag held.
inline bool
strong_match(const etag_view& a, const entity_tag& b) noexcept
{
  return ! a.weak && ! b.weak() && a.opaque == b.opaque();
}
inline bool
weak_match(const etag_view& a, const entity_tag& b) noexcept
{
  return a.opaque == b.opaque();
}

/// What `scan_etag_condition` found.
enum class etag_list { any, tags, malformed };

/// Reads the value `parse_etag_condition` parses, without copying a tag:
/// calls `visit(etag_view)` for each tag of a list, in order. For `*` and
/// for a malformed value (some tags may have been visited before the fault
/// was seen), the answer says which. Every request with If-None-Match pays
/// for this; parse_etag_condition is built on it.
template<class Visit>
etag_list scan_etag_condition(std::string_view text, Visit&& visit);

} // namespace zddc::core

#include <zddc/core/impl/etag.ipp>
