#pragma once
/// @file
/// A master's access with tokens: Bearer and Basic credentials checked
/// against the token store (re-read when `zddc token` changes it, failing
/// closed when it vanishes or breaks: see token_watcher), and browser
/// sessions that remember the token's digest and end when it is revoked.
/// Shared by every event loop, hence one mutex around both.

#include "runtime/access.hpp"
#include "runtime/sessions.hpp"
#include "runtime/token_store.hpp"

#include <mutex>

namespace zddc::runtime {

class token_gate final : public sign_in_service {
public:
  using clock = token_watcher::clock;

  token_gate(token_store store, std::chrono::seconds session_ttl,
             std::chrono::milliseconds check_interval = std::chrono::seconds(1));

  /// A Bearer or Basic credential first; else the session cookie. nullopt
  /// when neither authenticates (an `Authorization` that fails is not
  /// retried with the cookie).
  std::optional<authentication> authenticate(const boost::beast::http::fields& headers, clock::time_point now);
  std::optional<authentication> operator()(const boost::beast::http::fields& headers)
  {
    return authenticate(headers, clock::now());
  }

  std::optional<session_store::opened> sign_in(std::string_view token, clock::time_point now);
  std::optional<session_store::opened> sign_in(std::string_view token) override { return sign_in(token, clock::now()); }
  void sign_out(std::string_view session_id) override;
  std::chrono::seconds session_ttl() const override { return sessions_.ttl(); }

private:
  std::mutex mutex_;
  token_watcher watcher_;
  session_store sessions_;
};

} // namespace zddc::runtime
