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
  if(req.method == http::verb::post && req.target.str() == master::zip_selection_target)
    co_return co_await zip_selection(req);
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
  if(auto const view = master::asked_document_view(req))
    co_return co_await read_documents(req, dir, *view);
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

namespace detail {

/// The files among `members` with the tags their listings give them (a
/// waiting write, which has no copy to fetch, has no tag here).
template<class Reader>
std::vector<std::pair<core::repo_path, core::entity_tag>>
listed_tags(const master::document_source<Reader>& source, const std::vector<core::zip_member>& members)
{
  std::vector<std::pair<core::repo_path, core::entity_tag>> out;
  std::optional<core::listing> parent;
  for(auto const& m : members) {
    if(m.path.is_root())
      continue;
    if(! parent || parent->dir != m.path.parent())
      parent = source.listing(m.path.parent());
    if(! parent)
      continue;
    auto const name = m.path.name();
    for(auto const& e : parent->entries)
      if(e.name == name && e.etag && ! e.pending)
        out.emplace_back(m.path, *e.etag);
  }
  return out;
}

} // namespace detail

template<env::UpstreamEnvironment E>
boost::asio::awaitable<std::variant<bool, typename handler<E>::response_type>>
handler<E>::refresh_subtree(const core::repo_path& dir)
{
  namespace http = boost::beast::http;
  env::upstream_request up;
  up.target = core::encode(dir, core::target_form::directory).with_query("tree");
  config_.authorize(up.headers);
  up.headers.set(http::field::accept, std::string(core::tree_media_type) + ", application/json");
  env::string_sink body(listing_bytes_max);
  auto answer = co_await env_.transport().round_trip(std::move(up), body);
  auto const malformed = [] {
    return text(http::status::bad_gateway, "the master sent a tree of listings that does not parse");
  };
  switch(judge(answer)) {
  case read_verdict::fresh:
    break;
  case read_verdict::gone:
    if(auto ec = local_.purge_listing(dir))
      co_return text(http::status::internal_server_error, "local store: " + ec.message());
    co_return text(http::status::not_found, "not found");
  case read_verdict::redirect:
    co_return text(http::status::bad_gateway, "the master answered with a redirect this cache does not follow");
  case read_verdict::other:
    ZDDC_ASSERT(answer); // judge() finds a status only in an answer
    co_return relay(*answer, body.take());
  case read_verdict::oversized: // too big to take in one answer: what is kept has to do
  case read_verdict::unavailable:
    co_return true;
  case read_verdict::current:
    co_return false;
  }
  ZDDC_ASSERT(answer); // as above
  auto const type = answer->headers.find(http::field::content_type);
  if(type == answer->headers.end() || ! type->value().starts_with(core::tree_media_type)) {
    // A master from before tree tags: its listing of `dir` alone.
    auto l = core::listing_from_json(body.bytes(), dir);
    if(! l)
      co_return malformed();
    if(auto ec = local_.save_listing(dir, body.bytes()))
      co_return text(http::status::internal_server_error, "local store: " + ec.message());
    co_return false;
  }
  // Every line is checked whole before any is kept: a tree whose end line
  // is missing was cut short, and one listing outside `dir` means the
  // master sent something other than what was asked for.
  std::vector<std::pair<core::repo_path, std::string_view>> listings;
  std::string_view rest = body.bytes();
  bool head = false, end = false;
  while(! rest.empty() && ! end) {
    auto const eol = rest.find('\n');
    auto const line = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);
    auto parsed = core::parse_tree_line(line);
    if(! parsed)
      co_return malformed();
    if(auto const* h = std::get_if<core::tree_head>(&*parsed)) {
      if(head || h->dir != dir)
        co_return malformed();
      head = true;
    } else if(auto const* e = std::get_if<core::tree_end>(&*parsed)) {
      if(! head || e->directories != listings.size())
        co_return malformed();
      end = true;
    } else {
      auto const& l = std::get<core::listing>(*parsed);
      if(! head || ! l.dir.is_within(dir))
        co_return malformed();
      listings.emplace_back(l.dir, line);
    }
  }
  if(! end)
    co_return malformed();
  for(auto const& [d, json] : listings)
    if(auto ec = local_.save_listing(d, json))
      co_return text(http::status::internal_server_error, "local store: " + ec.message());
  co_return false;
}

template<env::UpstreamEnvironment E>
result<master::document_source<typename handler<E>::reader_type>>
handler<E>::documents_source(bool stale)
{
  std::vector<outbox_entry> pending;
  if(box_.pending_count() > 0) {
    auto all = box_.pending();
    if(! all)
      return all.error();
    pending = std::move(*all);
  }
  master::document_source<reader_type> source;
  source.listing = [this, pending](const core::repo_path& dir) -> std::optional<core::listing> {
    auto stored = local_.listing(dir);
    if(! stored || ! *stored)
      return std::nullopt;
    return overlay_pending(std::move(**stored), pending);
  };
  source.open = [this, pending](const core::repo_path& file) -> result<reader_type> {
    if(auto const* mine = newest_pending_for(pending, file)) {
      if(mine->method == boost::beast::http::verb::delete_)
        return errc::not_found;
      return box_.open_body(*mine);
    }
    return env_.fs().open_read(file);
  };
  auto const& state = monitor_.state();
  if(auto since = offline_since(stale, state.reachable ? std::nullopt : state.since, env_.clock().now()))
    source.page.offline_since = detail::rfc3339(*since);
  return source;
}

template<env::UpstreamEnvironment E>
boost::asio::awaitable<bool>
handler<E>::bring_copies_in(const std::vector<std::pair<core::repo_path, core::entity_tag>>& files)
{
  namespace http = boost::beast::http;
  for(auto const& [path, listed] : files) {
    auto const copy = local_.tag(path);
    if(copy && *copy && **copy == listed)
      continue;
    core::request head;
    head.method = http::verb::head;
    head.target = core::encode(path);
    auto const r = co_await read_file(head, path); // brings the copy in line, or finds the master away
    if(r.headers.count(cache_status_header) || r.status == http::status::gateway_timeout)
      co_return false;
  }
  co_return true;
}

template<env::UpstreamEnvironment E>
boost::asio::awaitable<typename handler<E>::response_type>
handler<E>::read_documents(const core::request& req, const core::repo_path& dir, master::document_view view)
{
  namespace http = boost::beast::http;
  auto refreshed = co_await refresh_subtree(dir);
  if(auto* ended = std::get_if<response_type>(&refreshed))
    co_return std::move(*ended);
  bool stale = std::get<bool>(refreshed);
  auto source = documents_source(stale);
  if(! source)
    co_return text(http::status::internal_server_error, "outbox: " + source.error().message());
  response_type r;
  if(view == master::document_view::zip) {
    auto members = master::directory_members(*source, dir);
    if(! members)
      co_return text(stale ? http::status::gateway_timeout : http::status::not_found,
                     stale ? "the master cannot be reached and this folder is not kept here" : "not found");
    if(! stale && req.method != http::verb::head && ! co_await bring_copies_in(detail::listed_tags(*source, *members)))
      stale = true;
    r = master::zip_response(req, std::move(*members), master::zip_download_name(dir), *source);
  } else {
    r = master::document_response(req, dir, view, *source);
    if(stale && r.status == http::status::not_found)
      r = text(http::status::gateway_timeout, "the master cannot be reached and this folder is not kept here");
  }
  if(stale)
    r.headers.set(cache_status_header, "stale");
  co_return r;
}

template<env::UpstreamEnvironment E>
boost::asio::awaitable<typename handler<E>::response_type>
handler<E>::zip_selection(const core::request& req)
{
  namespace http = boost::beast::http;
  if(! req.body)
    co_return text(http::status::bad_request, "the body names the paths to download");
  auto const body = co_await master::read_selection(*req.body);
  if(! body)
    co_return body.error() == errc::too_large
      ? text(http::status::payload_too_large,
             "a selection is at most " + std::to_string(master::zip_selection_bytes_max) + " bytes")
      : text(http::status::bad_request, "body: " + body.error().message());
  auto source = documents_source(false);
  if(! source)
    co_return text(http::status::internal_server_error, "outbox: " + source.error().message());
  auto members = master::selection_members(*body, *source);
  if(auto* refused = std::get_if<response_type>(&members))
    co_return std::move(*refused);
  auto& chosen = std::get<std::vector<core::zip_member>>(members);
  bool const stale = ! co_await bring_copies_in(detail::listed_tags(*source, chosen));
  auto r = master::zip_response(req, std::move(chosen), "ZDDC selection.zip", *source);
  if(stale)
    r.headers.set(cache_status_header, "stale");
  co_return r;
}

} // namespace zddc::cache
