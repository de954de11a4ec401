#pragma once
/// @file
/// The cache's decisions as pure functions: evidence in as values, a verdict
/// out (the sans-IO style of h11 and quinn-proto). The coroutines in
/// replayer.hpp gather the evidence and carry the verdict out; every rule
/// lives here, where a table test can list the cases as rows.

#include <boost/beast/http/verb.hpp>

#include <optional>
#include <string_view>

namespace zddc::cache {

/// What a replayed outbox entry's answer from the master means.
enum class replay_verdict {
  applied,      // the master holds this write: settle locally, forget the entry
  conflict,     // 412 on another version: keep the entry, with the master's copy
  rejected,     // another 4xx: the write cannot succeed as it is; keep it, with the answer
  unauthorized, // 401: the cache's own credentials were refused; nothing is
                // known about the write, so it stays pending (and replay backs off)
  deferred,     // no answer, 5xx, 408, 429: try again later
};

/// The evidence: one attempt at an entry and what came back.
struct replay_evidence {
  boost::beast::http::verb method = boost::beast::http::verb::put;
  std::optional<unsigned> status;          // none: the master could not be reached
  std::optional<std::string_view> etag;    // the answer's ETag
  std::optional<std::string_view> body_etag; // PUT: the tag the master gives the entry's bytes
};

/// Classifies the master's answer to a replayed entry.
///
/// A 412 carrying the tag of the entry's own bytes is not a conflict: the
/// master already holds this write, and only the acknowledgement of an
/// earlier attempt was lost. Likewise a DELETE answered 404 is done.
constexpr replay_verdict
classify_replay(const replay_evidence& x) noexcept
{
  if(! x.status)
    return replay_verdict::deferred;
  auto const s = *x.status;
  if(s >= 200 && s < 300)
    return replay_verdict::applied;
  if(s == 412) {
    bool const ours = x.method == boost::beast::http::verb::put && x.body_etag && x.etag && *x.etag == *x.body_etag;
    return ours ? replay_verdict::applied : replay_verdict::conflict;
  }
  if(s == 404 && x.method == boost::beast::http::verb::delete_)
    return replay_verdict::applied;
  if(s == 401)
    return replay_verdict::unauthorized;
  if(s >= 500 || s == 408 || s == 429)
    return replay_verdict::deferred;
  if(s >= 400)
    return replay_verdict::rejected;
  return replay_verdict::deferred; // 1xx, 3xx: not an answer to act on
}

} // namespace zddc::cache
