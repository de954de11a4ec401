#pragma once
// The small answers every master endpoint gives alike (master/handler.hpp,
// master/documents.hpp): a plain-text status, and what a precondition's
// outcome answers.

#include <zddc/core/http_date.hpp>
#include <zddc/core/http_message.hpp>
#include <zddc/core/preconditions.hpp>

#include <boost/beast/http/field.hpp>

#include <optional>
#include <string>

namespace zddc::master::detail {

namespace http = boost::beast::http;

template<class Reader>
core::response<Reader>
text(http::status status, std::string message)
{
  core::response<Reader> r;
  r.status = status;
  r.headers.set(http::field::content_type, "text/plain; charset=utf-8");
  r.headers.set(http::field::cache_control, "no-store");
  r.body = std::move(message) + "\n";
  return r;
}

template<class Reader>
core::response<Reader>
not_found()
{
  return text<Reader>(http::status::not_found, "not found");
}

template<class Reader>
std::optional<core::response<Reader>>
precondition_response(core::precondition_outcome outcome, const core::representation_state& state)
{
  switch(outcome) {
  case core::precondition_outcome::proceed:
    return std::nullopt;
  case core::precondition_outcome::malformed:
    return text<Reader>(http::status::bad_request, "malformed If-Match or If-None-Match");
  case core::precondition_outcome::failed: {
    auto r = text<Reader>(http::status::precondition_failed, "precondition failed");
    if(state.etag)
      r.headers.set(http::field::etag, state.etag->to_string());
    return r;
  }
  case core::precondition_outcome::not_modified: {
    core::response<Reader> r;
    r.status = http::status::not_modified;
    if(state.etag)
      r.headers.set(http::field::etag, state.etag->to_string());
    if(state.last_modified)
      r.headers.set(http::field::last_modified, core::format_http_date(*state.last_modified));
    return r;
  }
  }
  return std::nullopt;
}

} // namespace zddc::master::detail
