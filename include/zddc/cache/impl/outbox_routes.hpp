#pragma once
// Implementation of cache/handler.hpp: the outbox over HTTP, so a person at
// the cache's site can see and settle what the master refused without a
// shell on the cache's machine.
//
//   GET  /.zddc/outbox/<id>/mine     the entry's body, as written here
//   GET  /.zddc/outbox/<id>/theirs   a conflict's copy of the master's version,
//                                    or a rejection's answer from the master
//   POST /.zddc/outbox/<id>/retry    keep mine: back in the queue (outbox::retry)
//   POST /.zddc/outbox/<id>/discard  keep the master's: the refused entry goes
//
// Only a refused entry may be discarded here; a pending one has not reached
// the master, and only `zddc outbox discard --yes` drops it. Local requests
// are not authenticated (see handler.hpp), so whoever may read the cache may
// read and settle these; cross-site posts are refused by the server's
// Origin check.

#include <zddc/core/media_type.hpp>

namespace zddc::cache {

namespace detail {

/// `<id>` and `<what>` of `/.zddc/outbox/<id>/<what>`; nullopt for any other target.
inline std::optional<std::pair<std::string_view, std::string_view>>
split_outbox_route(std::string_view path) noexcept
{
  constexpr std::string_view prefix = "/.zddc/outbox/";
  if(! path.starts_with(prefix))
    return std::nullopt;
  path.remove_prefix(prefix.size());
  auto const slash = path.find('/');
  if(slash == std::string_view::npos)
    return std::nullopt;
  return std::pair(path.substr(0, slash), path.substr(slash + 1));
}

} // namespace detail

template<env::UpstreamEnvironment E>
boost::asio::awaitable<std::optional<typename handler<E>::response_type>>
handler<E>::outbox_route(const core::request& req)
{
  namespace http = boost::beast::http;
  auto const route = detail::split_outbox_route(req.target.encoded_path());
  if(! route)
    co_return std::nullopt;
  auto const [id, what] = *route;
  bool const read = what == "mine" || what == "theirs";
  bool const settle = what == "retry" || what == "discard";
  if(! is_outbox_id(id) || (! read && ! settle))
    co_return text(http::status::not_found, "no such outbox entry or action");
  bool const reading = req.method == http::verb::get || req.method == http::verb::head;
  if((read && ! reading) || (settle && req.method != http::verb::post)) {
    auto r = text(http::status::method_not_allowed, "method not allowed here");
    r.headers.set(http::field::allow, read ? "GET, HEAD" : "POST");
    co_return r;
  }
  auto const e = box_.find(id);
  if(! e)
    co_return text(e.error() == errc::not_found ? http::status::not_found : http::status::internal_server_error,
                   "outbox entry " + std::string(id) + ": " + e.error().message());
  if(read)
    co_return serve_entry_body(req, *e, what == "mine");
  if(what == "retry") {
    auto const again = box_.retry(e->id);
    if(! again)
      co_return text(http::status::internal_server_error, "retry: " + again.error().message());
    replayer_.wake();
    co_return text(http::status::ok, "re-queued " + e->id + ": it replays at the next pass");
  }
  if(e->pending())
    co_return text(http::status::conflict,
                   "entry " + e->id + " has not reached the master yet: only an operator drops it "
                   "(zddc outbox discard --yes)");
  if(auto ec = box_.discard(e->id))
    co_return text(http::status::internal_server_error, "discard: " + ec.message());
  co_return text(http::status::ok, "discarded " + e->id + ": the master's version stays");
}

template<env::UpstreamEnvironment E>
auto
handler<E>::serve_entry_body(const core::request& req, const outbox_entry& e, bool mine) -> response_type
{
  namespace http = boost::beast::http;
  if(mine && e.method != http::verb::put)
    return text(http::status::not_found, "entry " + e.id + " is a deletion: it has no body");
  auto reader = mine ? box_.open_body(e) : box_.open_master_body(e);
  if(! reader)
    return text(http::status::not_found, "entry " + e.id + (mine ? " has no body" : " kept nothing of the master's"));
  auto const size = reader->stat().size;
  response_type r;
  bool const answer_text = ! mine && e.refused && e.refused->kind == refusal_kind::rejected;
  r.headers.set(http::field::content_type, answer_text                         ? std::string_view("text/plain; charset=utf-8")
                                           : mine && ! e.content_type.empty() ? std::string_view(e.content_type)
                                                                              : core::media_type_for(e.path.name()));
  core::set_document_headers(r.headers, e.path.name());
  r.headers.set(http::field::cache_control, "no-store");
  r.headers.set(http::field::content_length, std::to_string(size));
  if(req.method == http::verb::head)
    r.body = std::string();
  else
    r.body = core::file_slice<reader_type>{std::move(*reader), 0, size};
  return r;
}

} // namespace zddc::cache
