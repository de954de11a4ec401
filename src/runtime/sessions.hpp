#pragma once
/// @file
/// Browser sessions. A person signs in once with a token; the browser then
/// holds only a random session id, in an HttpOnly cookie. The server maps
/// the id to the digest of the token that signed in (never the token
/// itself) and to a per-session CSRF token the page sends with each write.
///
/// - Ids are 256 random bits, base64url; they are looked up by their
///   SHA-256, so no comparison of a secret depends on how much of it
///   matched.
/// - A session ends at its expiry (`ttl` after sign-in), on sign-out, and
///   whenever its token no longer authenticates (revoked): the caller
///   checks the digest against the token store on every request.
/// - In memory: a restart signs everyone out. Bounded: beyond
///   `sessions_max` the session nearest its expiry is closed first.
/// - Not thread-safe: the daemon holds one mutex around it and the tokens.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace zddc::runtime {

class session_store {
public:
  using clock = std::chrono::steady_clock;

  struct session {
    std::string token_digest; // what the token store knows the token by
    std::string csrf;         // sent back by the page on every write
    clock::time_point expires;
  };

  /// A new session: the cookie value and the page's CSRF token.
  struct opened {
    std::string id;
    std::string csrf;
  };

  static constexpr std::size_t sessions_max_default = 10'000;

  explicit session_store(std::chrono::seconds ttl, std::size_t sessions_max = sessions_max_default);

  /// Opens a session for the token known by `token_digest`.
  opened open(std::string token_digest, clock::time_point now);

  /// The live session with this id; an expired one is closed and not found.
  std::optional<session> find(std::string_view id, clock::time_point now);

  /// Ends the session with this id, if there is one.
  void close(std::string_view id);

  std::chrono::seconds ttl() const noexcept { return ttl_; }
  std::size_t size() const noexcept { return sessions_.size(); }

private:
  std::chrono::seconds ttl_;
  std::size_t sessions_max_;
  std::unordered_map<std::string, session> sessions_; // by SHA-256 of the id, hex
};

/// The session cookie's name.
inline constexpr std::string_view session_cookie_name = "zddc_session";

/// `Set-Cookie` for a new session: `HttpOnly; SameSite=Strict; Path=/`,
/// `Max-Age` the session's lifetime, `Secure` when the server speaks TLS.
std::string session_cookie(std::string_view id, std::chrono::seconds ttl, bool tls);

/// `Set-Cookie` that removes the session cookie from the browser.
std::string expired_session_cookie(bool tls);

} // namespace zddc::runtime
