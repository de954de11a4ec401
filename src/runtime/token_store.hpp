#pragma once
/// @file
/// Bearer tokens issued by `zddc token issue`, kept as HMAC-SHA-256 digests
/// under a random key in `<state-dir>/tokens.json` (mode 0600, written
/// atomically), outside the served tree. A token is printed once at issue
/// and never stored: reading the file gives no usable credential.
///
/// While serving, `token_watcher` re-reads the file when it changes and
/// fails closed: a store that vanished, emptied or stopped parsing revokes
/// every token until a valid one is back. `zddc serve` and `zddc token`
/// refuse a state directory inside the served tree (`state_dir_inside_root`).

#include <zddc/core/error.hpp>
#include <zddc/core/policy.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
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
  /// Reads an existing store and never creates one: `errc::not_found` when
  /// the file is missing, `errc::protocol_error` when it does not parse
  /// (an empty file included).
  static result<token_store> read(std::string path);

  result<issued_token> issue(std::string name, std::vector<core::grant> grants);
  /// Revokes by id, or by name when exactly one token has it.
  error_code revoke(std::string_view id_or_name);
  std::vector<token_info> list() const;
  /// The token's principal (one per token, shared); null when `token` is not one.
  std::shared_ptr<const core::principal> authenticate(std::string_view token) const;
  /// The digest a token is kept as (HMAC-SHA-256 under the store's key);
  /// nullopt for text that is not a token of ours.
  std::optional<std::string> digest_of(std::string_view token) const;
  /// The principal of the issued token kept as `digest`; null once it
  /// is revoked. Compared in constant time.
  std::shared_ptr<const core::principal> principal_by_digest(std::string_view digest) const;

  const std::string& path() const noexcept { return path_; }

private:
  struct record {
    token_info info;
    std::string hash; // hex HMAC-SHA-256(key, token)
    std::shared_ptr<const core::principal> who{}; // made from `info` once, handed to every request
  };
  static std::shared_ptr<const core::principal> principal_of(const token_info& info);

  token_store(std::string path) : path_(std::move(path)) {}
  error_code load();
  error_code save() const;
  std::string digest(std::string_view token) const;

  std::string path_;
  std::string key_; // raw bytes
  std::vector<record> records_;
};

/// The serving daemon's view of a store. It looks at the file at most once
/// per `check_interval` and re-reads it when its identity (inode, size,
/// mtime, ctime) changed. Failing closed: when the file is missing, empty,
/// unreadable or does not parse, no token authenticates until a valid store
/// is back; each such change is logged as an error. Not thread-safe: the
/// daemon holds a mutex around it.
class token_watcher {
public:
  using clock = std::chrono::steady_clock;
  enum class state { serving, vanished, unreadable };

  explicit token_watcher(token_store store, std::chrono::milliseconds check_interval = std::chrono::seconds(1));

  /// Looks at the file when `check_interval` has passed since the last
  /// look, then checks `token`.
  std::shared_ptr<const core::principal> authenticate(std::string_view token, clock::time_point now);

  /// A token that authenticates, and the digest it is kept as (what a
  /// browser session remembers instead of the token).
  struct verified {
    std::shared_ptr<const core::principal> who;
    std::string digest;
  };
  std::optional<verified> verify(std::string_view token, clock::time_point now);
  /// The principal whose token is kept as `digest`, as `authenticate`
  /// would give it (same file checks, same failing closed).
  std::shared_ptr<const core::principal> principal_by_digest(std::string_view digest, clock::time_point now);
  state status() const noexcept { return state_; }

  struct file_identity {
    bool exists = false;
    std::uint64_t device = 0, inode = 0, size = 0;
    std::int64_t mtime_ns = 0, ctime_ns = 0;
    friend bool operator==(const file_identity&, const file_identity&) = default;
  };

private:
  void refresh(clock::time_point now);

  std::string path_;
  std::optional<token_store> store_; // empty while failing closed
  std::chrono::milliseconds check_interval_;
  std::optional<clock::time_point> checked_;
  file_identity seen_;
  state state_ = state::serving;
};

/// True when `state_dir` is `root` or lies below it, comparing the paths
/// with symbolic links resolved as far as they exist (neither need exist).
/// Tokens must never be servable: `zddc serve` refuses such a state
/// directory at start, and so does `zddc token` when it knows the root
/// (`--root` or `ZDDC_ROOT`).
bool state_dir_inside_root(const std::string& state_dir, const std::string& root);

/// The nearest directory at or above `state_dir` (links resolved) that holds
/// a cache's or mirror's store marker (`.zddc-outbox`, `.zddc-spool`,
/// `.zddc-mirror-state.json`), if any: a tree some `zddc serve` serves.
/// A master's tree carries no marker; only `state_dir_inside_root` with its
/// root can tell that one.
std::optional<std::string> served_tree_holding(const std::string& state_dir);

} // namespace zddc::runtime
