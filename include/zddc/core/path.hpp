#pragma once
/// @file
/// Decoded, validated paths under a storage root.
///
/// Two types, because "a name on disk" and "a name in a URL" must never be
/// confused (the seed's first bug stored percent-encoded names on disk and
/// then purged every one of them as an orphan):
///
/// - `store_path` names anything under the root, including the server's own
///   `.zddc*` files (outbox entries, listing sidecars, state). Only the
///   filesystem seam and the roles' bookkeeping use it.
/// - `repo_path` is a `store_path` that a client may address: no segment is
///   a reserved name. It converts implicitly to `store_path`, never back.
///
/// Neither is a URL. The only way from a request target to a path is
/// `core::decode` (core/url_target.hpp), and the only way back is
/// `core::encode`. A path holds decoded bytes exactly as given: no Unicode
/// normalisation (NFC and NFD spellings are different names), no case folding.
///
/// Every segment is checked by `validate_segment`: not empty, not `.` or
/// `..`, no `/` or `\`, no control character (C0, DEL, C1), valid UTF-8
/// (no overlong forms, surrogates or code points past U+10FFFF), no
/// bidirectional override or isolate control (U+202A–U+202E, U+2066–U+2069:
/// they make `exe.gnp` display as `png.exe`), at most `segment_bytes_max`
/// bytes; and for a `repo_path`, not reserved, and the whole path within
/// `repo_path_bytes_max` / `repo_path_depth_max`.

#include <zddc/core/error.hpp>

#include <compare>
#include <ostream>
#include <cstddef>
#include <string>
#include <string_view>

namespace zddc::core {

inline constexpr std::size_t segment_bytes_max = 255; // NAME_MAX on Linux
inline constexpr std::size_t path_bytes_max = 3072;   // leaves room for a root under PATH_MAX
inline constexpr std::size_t path_depth_max = 64;     // segments; deeper trees are refused

/// The longest name the server gives its own files (listing sidecars, temp
/// files, outbox entries).
inline constexpr std::size_t reserved_name_bytes_max = 64;
/// A client path leaves room below it for one reserved name, so the
/// server's own files beside any client path can always be named: a listing
/// sidecar in the deepest, longest directory a client may address is still
/// a valid `store_path`.
inline constexpr std::size_t repo_path_bytes_max = path_bytes_max - 1 - reserved_name_bytes_max;
inline constexpr std::size_t repo_path_depth_max = path_depth_max - 1;

/// Names starting with this (ASCII case-insensitively) belong to the server.
inline constexpr std::string_view reserved_prefix = ".zddc";

/// Why a path or a request target was refused.
enum class path_errc {
  /// An empty segment: `a//b`, or a leading or trailing `/` where none belongs.
  empty_segment = 1,
  /// A `.` or `..` segment.
  dot_segment,
  /// A `/` inside a decoded segment (from `%2F`).
  slash_in_segment,
  /// A `\` inside a segment (a separator on other systems).
  backslash_in_segment,
  /// NUL or another control character.
  control_character,
  /// Bytes that are not well-formed UTF-8.
  invalid_utf8,
  /// A segment naming the server's own files (`.zddc*`).
  reserved_name,
  /// A segment longer than `segment_bytes_max`.
  segment_too_long,
  /// A path longer or deeper than its type allows (`path_bytes_max`,
  /// `path_depth_max`; less for a `repo_path`).
  path_too_long,
  /// A request target that is not an origin-form URL path (`/a/b?q`), or has
  /// malformed percent-encoding.
  malformed_target,
};

const boost::system::error_category& path_category() noexcept;

inline error_code
make_error_code(path_errc e) noexcept
{
  return {static_cast<int>(e), path_category()};
}

/// True when `name` starts with `.zddc`, ignoring ASCII case.
constexpr bool
is_reserved_name(std::string_view name) noexcept;

/// Checks one decoded segment; `allow_reserved` admits `.zddc*` names.
/// Returns the first rule the segment breaks, or an empty code.
inline error_code
validate_segment(std::string_view segment, bool allow_reserved) noexcept;

/// A relative path under the storage root: validated segments joined by
/// `/`. The empty path is the root itself.
class store_path {
public:
  /// The root.
  store_path() = default;

  /// Parses `a/b/c` (no leading or trailing slash; "" is the root).
  static result<store_path>
  parse(std::string_view joined);

  /// This path with one more segment.
  result<store_path>
  child(std::string_view name) const;

  /// The enclosing directory. The root has none: asserting.
  store_path
  parent() const;

  /// The last segment; empty for the root. Views into this object, so a
  /// temporary may not hand one out (`p.parent().name()` would dangle).
  std::string_view
  name() const& noexcept;
  std::string_view name() const&& = delete;

  bool
  is_root() const noexcept
  {
    return joined_.empty();
  }

  /// The segments joined by `/`, e.g. `Project/Spec (IFA) - X.pdf`.
  std::string_view
  str() const& noexcept
  {
    return joined_;
  }
  std::string_view str() const&& = delete;

  /// Number of segments; 0 for the root.
  std::size_t
  depth() const noexcept;

  /// True when this path is `ancestor` or lies below it, matching whole
  /// segments (`vendorA` does not contain `vendorAB`).
  bool
  is_within(const store_path& ancestor) const noexcept;

  /// True when some segment is a reserved name.
  bool
  has_reserved_segment() const noexcept;

  friend bool operator==(const store_path&, const store_path&) = default;
  friend std::strong_ordering operator<=>(const store_path&, const store_path&) = default;

private:
  struct limits {
    bool allow_reserved;
    std::size_t bytes_max;
    std::size_t depth_max;
  };
  static constexpr limits store_limits{true, path_bytes_max, path_depth_max};
  static constexpr limits repo_limits{false, repo_path_bytes_max, repo_path_depth_max};

  explicit store_path(std::string joined) : joined_(std::move(joined)) {}
  static result<store_path> parse_impl(std::string_view joined, limits);
  result<store_path> child_impl(std::string_view name, limits) const;
  error_code append_impl(std::string_view name, limits);
  friend class repo_path;

  std::string joined_;
};

/// A path a client may address: a `store_path` without reserved segments.
class repo_path {
public:
  /// The root.
  repo_path() = default;

  static result<repo_path>
  parse(std::string_view joined);

  result<repo_path>
  child(std::string_view name) const;

  /// Adds the segment `name` to this path, validated as `child` validates
  /// it; on an error the path is left as it was. Builds a path segment by
  /// segment without a new string for each (core/url_target.hpp's decode).
  error_code
  append(std::string_view name);

  /// The server's own file `name` (reserved, at most
  /// `reserved_name_bytes_max` bytes) in this directory. Cannot fail: a
  /// `repo_path` always leaves room for it.
  store_path
  reserved_child(std::string_view name) const;

  repo_path
  parent() const
  {
    return repo_path(path_.parent());
  }

  std::string_view name() const& noexcept { return path_.name(); }
  std::string_view name() const&& = delete;
  bool is_root() const noexcept { return path_.is_root(); }
  std::string_view str() const& noexcept { return path_.str(); }
  std::string_view str() const&& = delete;
  std::size_t depth() const noexcept { return path_.depth(); }

  bool
  is_within(const repo_path& ancestor) const noexcept
  {
    return path_.is_within(ancestor.path_);
  }

  /// Every client-addressable path is a valid storage path.
  const store_path& store() const noexcept { return path_; }
  operator const store_path&() const noexcept { return path_; }

  friend bool operator==(const repo_path&, const repo_path&) = default;
  friend std::strong_ordering operator<=>(const repo_path&, const repo_path&) = default;

private:
  explicit repo_path(store_path p) : path_(std::move(p)) {}

  store_path path_;
};

/// Writes the joined path, for diagnostics and test output.
inline std::ostream&
operator<<(std::ostream& os, const store_path& p)
{
  return os << '/' << p.str();
}

inline std::ostream&
operator<<(std::ostream& os, const repo_path& p)
{
  return os << p.store();
}

} // namespace zddc::core

template<>
struct boost::system::is_error_code_enum<zddc::core::path_errc> : std::true_type {};

#include <zddc/core/impl/path.ipp>
