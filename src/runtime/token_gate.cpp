#include "runtime/token_gate.hpp"

#include <zddc/core/credentials.hpp>
#include <zddc/core/field_lookup.hpp>

namespace zddc::runtime {

namespace http = boost::beast::http;

token_gate::token_gate(token_store store, std::chrono::seconds session_ttl, std::chrono::milliseconds check_interval)
  : watcher_(std::move(store), check_interval), sessions_(session_ttl)
{
}

std::optional<authentication>
token_gate::authenticate(const http::fields& headers, clock::time_point now)
{
  std::lock_guard lock(mutex_);
  if(auto const it = core::find_field(headers, http::field::authorization); it != headers.end()) {
    if(auto const token = core::bearer_from_authorization(it->value()))
      if(auto who = watcher_.authenticate(*token, now))
        return authentication{std::move(who), credential_kind::bearer, {}, {}};
    if(auto const password = core::basic_password_from_authorization(it->value()))
      if(auto who = watcher_.authenticate(*password, now))
        return authentication{std::move(who), credential_kind::basic, {}, {}};
    return std::nullopt;
  }
  auto const [first, last] = headers.equal_range(http::field::cookie);
  for(auto it = first; it != last; ++it) {
    auto const id = core::cookie_value(it->value(), session_cookie_name);
    if(! id)
      continue;
    auto const session = sessions_.find(*id, now);
    if(! session)
      return std::nullopt;
    auto who = watcher_.principal_by_digest(session->token_digest, now);
    if(! who) { // the token was revoked (or the store is unusable): the session ends with it
      sessions_.close(*id);
      return std::nullopt;
    }
    return authentication{std::move(who), credential_kind::session, std::string(*id), session->csrf};
  }
  return std::nullopt;
}

std::optional<session_store::opened>
token_gate::sign_in(std::string_view token, clock::time_point now)
{
  std::lock_guard lock(mutex_);
  auto verified = watcher_.verify(token, now);
  if(! verified)
    return std::nullopt;
  return sessions_.open(std::move(verified->digest), now);
}

void
token_gate::sign_out(std::string_view session_id)
{
  std::lock_guard lock(mutex_);
  sessions_.close(session_id);
}

} // namespace zddc::runtime
