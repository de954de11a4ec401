#pragma once
// The small answers every master endpoint gives alike (master/handler.hpp,
// master/documents.hpp): a plain-text status, the caching each kind of
// answer declares, and what a precondition's outcome answers.

#include <zddc/core/assert.hpp>
#include <zddc/core/http_date.hpp>
#include <zddc/core/http_message.hpp>
#include <zddc/core/preconditions.hpp>

#include <boost/beast/http/field.hpp>

#include <string>
#include <string_view>

namespace zddc::master::detail {

namespace http = boost::beast::http;

/// Makes `r` a plain-text answer: `status` and the line `message`.
template<class Reader>
void
set_text(core::response<Reader>& r, http::status status, std::string message)
{
  r.status = status;
  r.headers.set(http::field::content_type, "text/plain; charset=utf-8");
  r.headers.set(http::field::cache_control, "no-store");
  r.body = std::move(message) + "\n";
}

template<class Reader>
core::response<Reader>
text(http::status status, std::string message)
{
  core::response<Reader> r;
  set_text(r, status, std::move(message));
  return r;
}

template<class Reader>
core::response<Reader>
not_found()
{
  return text<Reader>(http::status::not_found, "not found");
}

/// What a 200 tells caches about storing it. The 304 that stands for the
/// 200 repeats it (RFC 9110 §15.4.5: Cache-Control and Vary, as the 200
/// would send them), so both are set from one of these.
struct caching {
  std::string_view cache_control;
  std::string_view vary; // empty: the answer is the same whatever the request's fields
};

/// A file's bytes: any cache may keep them, and asks again before reuse.
inline constexpr caching file_caching{"no-cache", ""};
/// A listing, register or transmittal page: rendered for its format and for
/// whoever asked, so kept only by that person's own cache.
inline constexpr caching view_caching{"private, no-cache", "Accept, Authorization"};
/// A `?tree` answer: one format, but still shaped by whoever asked.
inline constexpr caching tree_caching{"private, no-cache", "Authorization"};
/// For a write: nothing to say, and its preconditions never answer 304.
inline constexpr caching write_caching{};

template<class Reader>
void
set_caching(core::response<Reader>& r, caching c)
{
  if(! c.cache_control.empty())
    r.headers.set(http::field::cache_control, c.cache_control);
  if(! c.vary.empty())
    r.headers.set(http::field::vary, c.vary);
}

/// The answer when a precondition's outcome (RFC 9110 §13.2.2) is not to
/// proceed. `as_200` is the caching the full answer would carry.
template<class Reader>
core::response<Reader>
precondition_answer(core::precondition_outcome outcome, const core::representation_state& state, caching as_200)
{
  ZDDC_ASSERT(outcome != core::precondition_outcome::proceed); // the caller goes on instead
  core::response<Reader> r; // the one object every path returns: built in place
  if(outcome == core::precondition_outcome::malformed) {
    set_text(r, http::status::bad_request, "malformed If-Match or If-None-Match");
    return r;
  }
  if(outcome == core::precondition_outcome::failed) {
    set_text(r, http::status::precondition_failed, "precondition failed");
    if(state.etag)
      r.headers.set(http::field::etag, state.etag->to_string());
    return r;
  }
  // 304: the validator and what the 200 told caches (§15.4.5). The date
  // only without a tag: beside one it is representation metadata a 304
  // should not repeat, and neither our cache nor our mirror reads it from one.
  r.status = http::status::not_modified;
  if(state.etag)
    r.headers.set(http::field::etag, state.etag->to_string());
  else if(state.last_modified)
    r.headers.set(http::field::last_modified, core::format_http_date(*state.last_modified));
  set_caching(r, as_200);
  return r;
}

} // namespace zddc::master::detail
