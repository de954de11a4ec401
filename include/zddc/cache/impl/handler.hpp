#pragma once
// Implementation of cache/handler.hpp.

namespace zddc::cache {

template<env::UpstreamEnvironment E>
auto
handler<E>::text(boost::beast::http::status status, std::string message) -> response_type
{
  namespace http = boost::beast::http;
  response_type r;
  r.status = status;
  r.headers.set(http::field::content_type, "text/plain; charset=utf-8");
  message += '\n';
  r.headers.set(http::field::content_length, std::to_string(message.size()));
  r.body = std::move(message);
  return r;
}

template<env::UpstreamEnvironment E>
auto
handler<E>::relay(const env::upstream_response& answer, std::string body) -> response_type
{
  namespace http = boost::beast::http;
  response_type r;
  r.status = answer.status;
  for(auto f : {http::field::etag, http::field::last_modified, http::field::allow})
    if(auto it = answer.headers.find(f); it != answer.headers.end())
      r.headers.set(f, it->value());
  if(! body.empty())
    r.headers.set(http::field::content_type, "text/plain; charset=utf-8");
  r.headers.set(http::field::content_length, std::to_string(body.size()));
  r.body = std::move(body);
  return r;
}

namespace detail {

/// A PUT kept under a name that does not follow the convention: say so.
template<class Response>
void
warn_of_name(Response& r, const core::request& req, const core::repo_path& path)
{
  if(req.method != boost::beast::http::verb::put)
    return;
  if(auto const warning = core::naming_warning(path.name()))
    r.headers.set(core::name_warning_header, *warning);
}

/// True when `location` (a Location field) is the directory form of the
/// requested path, `expected`: an origin-form target whose path is
/// `expected`, under any mount prefix a reverse proxy added, any query
/// aside. Only ever compared, never sent on.
inline bool
is_directory_location(std::string_view location, std::string_view expected)
{
  location = location.substr(0, location.find_first_of("?#"));
  return location.starts_with('/') && ! location.starts_with("//") && location.ends_with(expected);
}

} // namespace detail

template<env::UpstreamEnvironment E>
auto
handler<E>::directory_redirect(const core::request& req, const core::repo_path& path,
                               const env::upstream_response& answer) -> response_type
{
  namespace http = boost::beast::http;
  auto location = core::encode(path, core::target_form::directory);
  auto const theirs = answer.headers.find(http::field::location);
  if(theirs == answer.headers.end() || ! detail::is_directory_location(theirs->value(), location.str()))
    return text(http::status::bad_gateway, "the master answered with a redirect this cache does not follow");
  if(auto q = req.target.encoded_query())
    location = location.with_query(*q);
  auto r = text(answer.status, "see " + std::string(location.str()));
  r.headers.set(http::field::location, location.str());
  return r;
}

template<env::UpstreamEnvironment E>
boost::asio::awaitable<typename handler<E>::response_type>
handler<E>::handle(const core::request& req)
{
  namespace http = boost::beast::http;
  if(auto r = co_await outbox_route(req))
    co_return std::move(*r);
  auto const target = core::decode(req.target);
  if(! target)
    co_return text(http::status::bad_request, "bad request target: " + target.error().message());
  switch(req.method) {
  case http::verb::get:
  case http::verb::head:
    if(target->path.is_root() || target->form == core::target_form::directory)
      co_return co_await read_directory(req, target->path);
    co_return co_await read_file(req, target->path);
  case http::verb::put:
  case http::verb::delete_:
    if(req.method == http::verb::delete_ && target->form == core::target_form::directory && ! target->path.is_root())
      co_return co_await forward_folder(req, target->path);
    if(target->path.is_root() || target->form == core::target_form::directory)
      co_return text(http::status::method_not_allowed, "only files are written");
    co_return co_await write(req, target->path);
  case http::verb::mkcol:
    co_return co_await forward_folder(req, target->path);
  default: {
    auto r = text(http::status::method_not_allowed, "method not allowed");
    r.headers.set(http::field::allow, "GET, HEAD, PUT, DELETE, MKCOL");
    co_return r;
  }
  }
}

template<env::UpstreamEnvironment E>
auto
handler<E>::judge(const result<env::upstream_response>& answer) -> read_verdict
{
  // Any answer, even one cut off for its length, says the master is there.
  bool const oversized = ! answer && answer.error() == errc::too_large;
  std::optional<unsigned> const status =
    answer ? std::optional<unsigned>(static_cast<unsigned>(answer->status)) : std::nullopt;
  monitor_.observe(answer || oversized, status.value_or(0), env_.clock().now());
  auto const verdict = classify_read(status, oversized);
  if(verdict != read_verdict::unavailable)
    upstream_answered();
  return verdict;
}

template<env::UpstreamEnvironment E>
boost::asio::awaitable<typename handler<E>::response_type>
handler<E>::serve_local(const core::request& req, bool stale)
{
  auto r = co_await local_server_.handle(req, &everyone_);
  if(stale)
    r.headers.set(cache_status_header, "stale");
  co_return r;
}

template<env::UpstreamEnvironment E>
boost::asio::awaitable<typename handler<E>::response_type>
handler<E>::read_file(const core::request& req, const core::repo_path& path)
{
  namespace http = boost::beast::http;
  if(box_.pending_count() > 0) { // a write waits for the master: the person sees it
    auto pending = box_.pending();
    if(! pending)
      co_return text(http::status::internal_server_error, "outbox: " + pending.error().message());
    if(auto const* mine = newest_pending_for(*pending, path))
      co_return serve_pending(req, *mine);
  }
  auto const cached = local_.tag(path);
  if(! cached)
    co_return text(http::status::internal_server_error, "local copy: " + cached.error().message());
  auto download = local_.begin_download();
  if(! download)
    co_return text(http::status::internal_server_error, "local store: " + download.error().message());

  env::upstream_request up;
  up.target = req.target;
  config_.authorize(up.headers);
  if(*cached)
    up.headers.set(http::field::if_none_match, (*cached)->to_string());
  env::writer_sink<typename store<E>::writer_type> sink(*download, config_.download_bytes_max);
  auto answer = co_await env_.transport().round_trip(std::move(up), sink);

  auto const verdict = judge(answer);
  switch(verdict) {
  case read_verdict::fresh: {
    ZDDC_ASSERT(answer); // judge() finds a status only in an answer
    std::optional<env::time_point> mtime;
    if(auto it = answer->headers.find(http::field::last_modified); it != answer->headers.end())
      mtime = core::parse_http_date(it->value());
    if(auto ec = local_.install(*download, path, mtime))
      co_return text(http::status::internal_server_error, "local store: " + ec.message());
    break;
  }
  case read_verdict::gone:
    if(auto ec = local_.purge(path))
      co_return text(http::status::internal_server_error, "local store: " + ec.message());
    co_return text(http::status::not_found, "not found");
  case read_verdict::oversized:
    co_return text(http::status::bad_gateway, "the master sent more than this cache takes (--max-download-bytes)");
  case read_verdict::redirect:
    ZDDC_ASSERT(answer); // as above
    co_return directory_redirect(req, path, *answer);
  case read_verdict::other:
    ZDDC_ASSERT(answer); // as above
    co_return relay(*answer); // an error about the request
  case read_verdict::current:
  case read_verdict::unavailable:
    break;
  }
  bool const stale = verdict == read_verdict::unavailable;
  if(stale && ! *cached)
    co_return text(http::status::gateway_timeout, "the master cannot be reached and nothing is cached here");
  co_return co_await serve_local(req, stale);
}

template<env::UpstreamEnvironment E>
boost::asio::awaitable<typename handler<E>::response_type>
handler<E>::read_directory(const core::request& req, const core::repo_path& dir)
{
  namespace http = boost::beast::http;
  auto stored = local_.listing(dir);
  if(! stored)
    co_return text(http::status::internal_server_error, "local store: " + stored.error().message());

  env::upstream_request up;
  up.target = core::encode(dir, core::target_form::directory);
  config_.authorize(up.headers);
  up.headers.set(http::field::accept, "application/json");
  if(*stored)
    up.headers.set(http::field::if_none_match, core::listing_tag(**stored, core::listing_format::json).to_string());
  env::string_sink body(listing_bytes_max);
  auto answer = co_await env_.transport().round_trip(std::move(up), body);

  auto const verdict = judge(answer);
  switch(verdict) {
  case read_verdict::fresh: {
    // Every name is checked as a segment of `dir` here: a listing naming
    // `..`, `a/b`, a reserved or a bidi-control name is refused whole, and
    // what it says never reaches the disk.
    auto fresh = core::listing_from_json(body.bytes(), dir);
    if(! fresh)
      co_return text(http::status::bad_gateway, "the master sent a listing that does not parse");
    if(auto ec = local_.save_listing(dir, body.bytes()))
      co_return text(http::status::internal_server_error, "local store: " + ec.message());
    *stored = std::move(*fresh);
    break;
  }
  case read_verdict::gone:
    if(auto ec = local_.purge_listing(dir))
      co_return text(http::status::internal_server_error, "local store: " + ec.message());
    co_return text(http::status::not_found, "not found");
  case read_verdict::oversized:
    co_return text(http::status::bad_gateway, "the master sent a listing larger than this cache takes");
  case read_verdict::redirect: // the master never redirects the directory form
    co_return text(http::status::bad_gateway, "the master answered with a redirect this cache does not follow");
  case read_verdict::other:
    ZDDC_ASSERT(answer); // judge() finds a status only in an answer
    co_return relay(*answer, body.take());
  case read_verdict::current:
    ZDDC_ASSERT(answer); // as above
    if(! *stored)
      co_return relay(*answer, body.take()); // a 304 to a question never asked
    break;
  case read_verdict::unavailable:
    break;
  }
  bool const stale = verdict == read_verdict::unavailable;
  if(! *stored)
    co_return text(http::status::gateway_timeout, "the master cannot be reached and this listing is not cached here");
  // What a person here sees: the master's listing with this cache's own
  // waiting writes laid over it, the writes the master refused, and since
  // when the master could not be asked.
  // The outbox is read only when it holds anything: a listing of a cache
  // with nothing waiting costs no extra I/O.
  result<std::vector<outbox_entry>> outbox = std::vector<outbox_entry>{};
  if(box_.pending_count() > 0 || box_.refused_count() > 0)
    outbox = box_.all();
  if(! outbox)
    co_return text(http::status::internal_server_error, "outbox: " + outbox.error().message());
  auto const& state = monitor_.state();
  core::html_listing_options page{.can_write = true, .refused = refused_in(*outbox, dir)};
  if(auto since = offline_since(stale, state.reachable ? std::nullopt : state.since, env_.clock().now()))
    page.offline_since = detail::rfc3339(*since);
  if(decorate_)
    decorate_(dir, page);
  auto r = master::listing_response<reader_type>(req, overlay_pending(std::move(**stored), *outbox), page);
  if(stale)
    r.headers.set(cache_status_header, "stale");
  co_return r;
}

template<env::UpstreamEnvironment E>
auto
handler<E>::serve_pending(const core::request& req, const outbox_entry& e) -> response_type
{
  namespace http = boost::beast::http;
  if(e.method == http::verb::delete_) {
    auto r = text(http::status::not_found, "deleted here; the deletion waits for the master as " + e.id);
    r.headers.set(pending_header, e.id);
    return r;
  }
  auto reader = box_.open_body(e);
  auto const tag = e.body_etag ? core::entity_tag::parse(*e.body_etag) : std::nullopt;
  if(! reader || ! tag)
    return text(http::status::internal_server_error, "outbox entry " + e.id + ": its body cannot be read");
  auto const type = e.content_type.empty() ? core::media_type_for(e.path.name()) : std::string_view(e.content_type);
  auto r = master::file_response(req, std::move(*reader), {*tag, e.queued_at, e.body_bytes}, type, e.path.name());
  r.headers.set(pending_header, e.id);
  return r;
}

template<env::UpstreamEnvironment E>
result<std::optional<write_base>>
handler<E>::base_for(const core::request& req, const core::repo_path& path)
{
  namespace http = boost::beast::http;
  // Gather what the cache knows, in choose_base's order of precedence and
  // no further than needed; choose_base (cache/decide.hpp) decides.
  base_evidence x;
  x.method = req.method;
  auto header = [&](http::field f) -> std::optional<std::string_view> {
    auto it = req.headers.find(f);
    return it == req.headers.end() ? std::nullopt : std::optional<std::string_view>(it->value());
  };
  x.if_match = header(http::field::if_match);
  x.if_unmodified_since = header(http::field::if_unmodified_since);
  x.if_none_match = header(http::field::if_none_match);
  if(x.if_match || x.if_unmodified_since || x.if_none_match)
    return choose_base(x);
  auto pending = box_.pending();
  if(! pending)
    return pending.error();
  for(auto it = pending->rbegin(); it != pending->rend(); ++it)
    if(it->path == path) {
      x.pending_method = it->method;
      if(it->body_etag)
        x.pending_body_etag = *it->body_etag;
      return choose_base(x);
    }
  auto const tag = local_.tag(path);
  if(! tag)
    return tag.error();
  if(*tag) {
    x.copy_tag = **tag;
    if(auto st = local_.stat(path))
      x.copy_mtime = st->mtime;
    return choose_base(x);
  }
  if(auto listed = local_.listing(path.parent()); listed && *listed)
    for(auto const& e : (*listed)->entries)
      if(e.name == path.name() && e.kind == env::file_kind::regular && e.etag) {
        x.listed_tag = e.etag;
        x.listed_mtime = e.mtime;
      }
  return choose_base(x);
}

template<env::UpstreamEnvironment E>
boost::asio::awaitable<typename handler<E>::response_type>
handler<E>::write(const core::request& req, const core::repo_path& path)
{
  namespace http = boost::beast::http;
  auto base = base_for(req, path);
  if(! base)
    co_return text(http::status::internal_server_error, "outbox: " + base.error().message());
  if(! *base)
    co_return text(http::status::precondition_required,
                   "this cache has no version of that file to base the change on: read it first, or send If-Match");

  outbox_entry e;
  e.method = req.method;
  e.path = path;
  e.base = std::move(**base);
  if(auto it = req.headers.find(http::field::content_type); it != req.headers.end())
    e.content_type = std::string(it->value());
  auto queued = co_await box_.enqueue(std::move(e), req.method == http::verb::put ? req.body : nullptr,
                                      config_.write_bytes_max);
  if(! queued) {
    if(queued.error() == errc::too_large)
      co_return text(http::status::payload_too_large, "the body is larger than this cache accepts");
    co_return text(http::status::internal_server_error, "outbox: " + queued.error().message());
  }

  auto accepted = [&] {
    auto r = text(http::status::accepted, "queued for the master as " + queued->id);
    r.headers.set(outbox_entry_header, queued->id);
    detail::warn_of_name(r, req, path);
    return r;
  };
  if(box_.pending_count() > 1) { // older entries first: this one waits its turn
    replayer_.wake();
    co_return accepted();
  }
  auto const f = co_await replayer_.forward(*queued);
  switch(f.what) {
  case replay_verdict::applied: {
    ZDDC_ASSERT(f.response); // forward() decides "applied" only on an answer
    upstream_answered();
    if(auto ec = replayer_.settle_applied(*queued, f.response))
      co_return text(http::status::internal_server_error, "applied upstream; local store: " + ec.message());
    auto r = relay(*f.response);
    if(r.status == http::status::created)
      r.headers.set(http::field::location, core::encode(path).str()); // ours, not the master's
    detail::warn_of_name(r, req, path);
    co_return r;
  }
  case replay_verdict::conflict:
  case replay_verdict::rejected:
    ZDDC_ASSERT(f.response); // as above
    // The client hears the refusal itself, so no promise was made: the
    // entry that carried the attempt goes.
    if(auto ec = box_.complete(*queued))
      co_return text(http::status::internal_server_error, "outbox: " + ec.message());
    upstream_answered();
    co_return relay(*f.response, f.detail);
  case replay_verdict::unauthorized: // the cache's credentials, not this write: kept, like offline
  case replay_verdict::deferred:
    break;
  }
  replayer_.wake(); // the loop retries with backoff from now
  co_return accepted();
}

// Folders hold no document to keep, so nothing about them is queued: made
// or removed on the master while it answers, refused (503) while it does
// not. The local copy of a removed folder goes with it.
template<env::UpstreamEnvironment E>
boost::asio::awaitable<typename handler<E>::response_type>
handler<E>::forward_folder(const core::request& req, const core::repo_path& path)
{
  namespace http = boost::beast::http;
  if(path.is_root())
    co_return text(http::status::method_not_allowed, "the root is no folder to make or remove");
  env::upstream_request up;
  up.method = req.method;
  up.target = core::encode(path, core::target_form::directory);
  config_.authorize(up.headers);
  env::string_sink body(listing_bytes_max);
  auto const answer = co_await env_.transport().round_trip(std::move(up), body);
  monitor_.observe(answer.has_value(), answer ? static_cast<unsigned>(answer->status) : 0u, env_.clock().now());
  if(! answer)
    co_return text(http::status::service_unavailable,
                   "the master cannot be reached: folders are made and removed only while it answers");
  upstream_answered();
  if(req.method == http::verb::delete_ && (answer->status == http::status::no_content ||
                                          answer->status == http::status::not_found))
    (void)local_.purge_tree(path.store());
  co_return relay(*answer, body.take());
}

} // namespace zddc::cache
