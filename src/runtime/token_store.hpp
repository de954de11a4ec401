#pragma once
/// @file
/// Bearer tokens issued by `zddc token issue`, kept as HMAC-SHA-256 digests
/// under a random key in `<state-dir>/tokens.json` (mode 0600, written
/// atomically), outside the served tree. A token is printed once at issue
/// and never stored: reading the file gives no usable credential.

#include <zddc/core/error.hpp>
#include <zddc/core/policy.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace zddc::runtime {

struct token_info {
  std::string id;                // short, for list and revoke
  std::string name;              // becomes the principal's name
  std::vector<core::grant> grants;
  std::string created;           // RFC 3339, UTC
};

struct issued_token {
  std::string id;
  std::string token; // `zddc_` + 43 base64url characters; shown once
};

/// Parses `/subtree:r` or `/subtree:rw` (`/` for everything; the subtree
/// is a decoded path).
result<core::grant> parse_grant(std::string_view text);
std::string format_grant(const core::grant& g);

class token_store {
public:
  /// Opens the store at `path`, creating an empty one (and its directory,
  /// 0700) when missing. A store that exists but does not parse is an error,
  /// never silently replaced.
  static result<token_store> open(std::string path);

  result<issued_token> issue(std::string name, std::vector<core::grant> grants);
  /// Revokes by id, or by name when exactly one token has it.
  error_code revoke(std::string_view id_or_name);
  std::vector<token_info> list() const;
  std::optional<core::principal> authenticate(std::string_view token) const;

  const std::string& path() const noexcept { return path_; }

private:
  struct record {
    token_info info;
    std::string hash; // hex HMAC-SHA-256(key, token)
  };

  token_store(std::string path) : path_(std::move(path)) {}
  error_code load();
  error_code save() const;
  std::string digest(std::string_view token) const;

  std::string path_;
  std::string key_; // raw bytes
  std::vector<record> records_;
};

} // namespace zddc::runtime
