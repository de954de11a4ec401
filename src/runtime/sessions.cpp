#include "runtime/sessions.hpp"

#include "runtime/secrets.hpp"

#include <algorithm>

namespace zddc::runtime {

namespace {

constexpr std::size_t id_bytes = 32;
constexpr std::size_t csrf_bytes = 32;

} // namespace

session_store::session_store(std::chrono::seconds ttl, std::size_t sessions_max)
  : ttl_(ttl), sessions_max_(std::max<std::size_t>(sessions_max, 1))
{
}

session_store::opened
session_store::open(std::string token_digest, clock::time_point now)
{
  std::erase_if(sessions_, [now](auto const& s) { return s.second.expires <= now; });
  if(sessions_.size() >= sessions_max_) {
    auto const soonest = std::ranges::min_element(sessions_, {}, [](auto const& s) { return s.second.expires; });
    sessions_.erase(soonest);
  }
  opened out{base64url(random_bytes(id_bytes)), base64url(random_bytes(csrf_bytes))};
  sessions_.insert_or_assign(sha256_hex(out.id), session{std::move(token_digest), out.csrf, now + ttl_});
  return out;
}

std::optional<session_store::session>
session_store::find(std::string_view id, clock::time_point now)
{
  auto const it = sessions_.find(sha256_hex(id));
  if(it == sessions_.end())
    return std::nullopt;
  if(it->second.expires <= now) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

void
session_store::close(std::string_view id)
{
  sessions_.erase(sha256_hex(id));
}

std::string
session_cookie(std::string_view id, std::chrono::seconds ttl, bool tls)
{
  return std::string(session_cookie_name) + "=" + std::string(id) + "; Path=/; Max-Age=" +
         std::to_string(ttl.count()) + "; HttpOnly; SameSite=Strict" + (tls ? "; Secure" : "");
}

std::string
expired_session_cookie(bool tls)
{
  return std::string(session_cookie_name) + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" +
         (tls ? "; Secure" : "");
}

} // namespace zddc::runtime
