#pragma once
/// @file
/// The wire form of a path: an origin-form request target such as
/// `/Project/Spec%20(IFA)%20-%20X.pdf?x=1`, and the one codec between it and
/// `repo_path`.
///
/// Decoding splits the encoded path on raw `/`, percent-decodes each segment
/// exactly once, then validates it (core/path.hpp); so `%2F` can never act
/// as a separator, `%252F` stays the three bytes `%2F`, and no spelling of
/// `..` gets through. Encoding percent-encodes each segment with the RFC 3986
/// `pchar` set, so `decode(encode(p)) == p` for every `repo_path`. Both
/// directions percent-code through Boost.URL, and a target is checked
/// against Boost.URL's character sets.

#include <zddc/core/path.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace zddc::core {

/// Whether a target names a directory (ends in `/`) or a file.
enum class target_form { file, directory };

/// A syntactically valid origin-form request target. It says nothing about
/// which file it names until `decode` validates that.
class url_target {
public:
  /// The root, `/`.
  url_target() : s_("/"), path_bytes_(1) {}

  /// Parses an origin-form target (absolute path, optional query).
  static result<url_target>
  parse(std::string_view target);

  /// The target exactly as it goes on the wire.
  std::string_view str() const noexcept { return s_; }

  /// The path part, still percent-encoded.
  std::string_view encoded_path() const noexcept { return std::string_view(s_).substr(0, path_bytes_); }

  /// The query after `?`, still encoded; nullopt when there is no `?`.
  std::optional<std::string_view> encoded_query() const noexcept;

  /// The same target with `query` (already encoded) in place of any query.
  url_target with_query(std::string_view encoded_query) const;

  friend bool operator==(const url_target&, const url_target&) = default;

private:
  url_target(std::string s, std::size_t path_bytes) : s_(std::move(s)), path_bytes_(path_bytes) {}
  friend url_target encode(const repo_path&, target_form);

  std::string s_;
  std::size_t path_bytes_ = 0;
};

/// A request target after decoding: the path it names and its form.
struct decoded_target {
  repo_path path;
  target_form form = target_form::file;
};

/// Decodes and validates the path of `target`. The root `/` is the root
/// directory; a trailing `/` marks the directory form.
result<decoded_target>
decode(const url_target& target);

/// Encodes `path` as a target: `/a/b` or, for `directory` (and always for
/// the root), `/a/b/`. The result never starts with `//`.
url_target
encode(const repo_path& path, target_form form = target_form::file);

} // namespace zddc::core

#include <zddc/core/impl/url_target.ipp>
