#pragma once

#include <zddc/core/credentials.hpp>
#include <zddc/core/field_lookup.hpp>
#include <zddc/core/query.hpp>
#include <zddc/master/impl/answers.hpp>

#include <array>

namespace zddc::master {
namespace detail {

namespace http = boost::beast::http;

inline constexpr std::size_t body_chunk_bytes = 64 * 1024;
inline constexpr std::string_view allowed_methods = "GET, HEAD, PUT, DELETE, MKCOL, OPTIONS";

// Maps a filesystem error met while reading to what the client may learn:
// anything path-shaped is "not found"; only real storage failures are 500s.
template<class Reader>
core::response<Reader>
read_failure(error_code ec)
{
  if(ec == errc::not_found || ec == errc::not_a_directory || ec == errc::escapes_root ||
     ec == errc::is_a_directory)
    return not_found<Reader>();
  return text<Reader>(http::status::internal_server_error, "storage error: " + ec.message());
}

template<class Reader>
core::response<Reader>
write_failure(error_code ec)
{
  if(ec == errc::not_a_directory || ec == errc::is_a_directory || ec == errc::not_empty ||
     ec == errc::already_exists)
    return text<Reader>(http::status::conflict, "conflict: " + ec.message());
  if(ec == errc::escapes_root)
    return text<Reader>(http::status::forbidden, "forbidden: " + ec.message());
  if(ec == errc::not_found)
    return not_found<Reader>();
  if(ec == errc::no_space)
    return text<Reader>(http::status::insufficient_storage, "insufficient storage: " + ec.message());
  return text<Reader>(http::status::internal_server_error, "storage error: " + ec.message());
}

/// Whether the target's query names `tree` (`?tree`, `?tree&since=...`).
inline bool
asks_for_tree(const core::request& req)
{
  auto const q = req.target.encoded_query();
  return q && core::query_value(*q, "tree").has_value();
}

/// The node of `dir` in the tree under `root`; null when it has none.
inline tree_ptr
find_node(tree_ptr root, const core::repo_path& dir)
{
  std::string_view rest = dir.str();
  while(root && ! rest.empty()) {
    auto const slash = rest.find('/');
    root = root->subdir(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }
  return root;
}

inline bool
wants_json(const http::fields& headers)
{
  auto const it = core::find_field(headers, http::field::accept);
  return it != headers.end() && it->value().find("application/json") != std::string_view::npos;
}

} // namespace detail

inline rendered
render_listing(const core::listing& l, bool json, const core::html_listing_options& html)
{
  if(json)
    return {core::listing_tag(l, core::listing_format::json), core::to_json(l)};
  return {core::html_listing_tag(l, html), core::render_listing_html(l, html)};
}

template<class Reader>
core::response<Reader>
listing_response(const core::request& req, const rendered& page, bool json)
{
  namespace http = boost::beast::http;
  core::representation_state const state{true, page.tag, std::nullopt};
  if(auto const outcome = core::evaluate_preconditions(req.method, req.headers, state);
     outcome != core::precondition_outcome::proceed)
    return detail::precondition_answer<Reader>(outcome, state, detail::view_caching);

  core::response<Reader> r;
  r.headers.set(http::field::etag, page.tag.to_string());
  detail::set_caching(r, detail::view_caching);
  r.headers.set(http::field::content_type, json ? "application/json" : "text/html; charset=utf-8");
  r.headers.set(http::field::content_length, std::to_string(page.body.size()));
  r.body = req.method == http::verb::head ? std::string() : page.body;
  return r;
}

template<class Reader>
core::response<Reader>
listing_response(const core::request& req, const core::listing& l, const core::html_listing_options& html)
{
  bool const json = detail::wants_json(req.headers);
  return listing_response<Reader>(req, render_listing(l, json, html), json);
}

template<class Reader>
core::response<Reader>
file_response(const core::request& req, Reader reader, const file_version& v, std::string_view content_type,
              std::string_view name)
{
  namespace http = boost::beast::http;
  core::representation_state const state{true, v.tag, v.mtime};
  if(auto const outcome = core::evaluate_preconditions(req.method, req.headers, state);
     outcome != core::precondition_outcome::proceed)
    return detail::precondition_answer<Reader>(outcome, state, detail::file_caching);

  core::response<Reader> r;
  r.headers.set(http::field::etag, v.tag.to_string());
  r.headers.set(http::field::last_modified, core::format_http_date(v.mtime));
  r.headers.set(http::field::content_type, content_type);
  core::set_document_headers(r.headers, name);
  r.headers.set(http::field::accept_ranges, "bytes");
  detail::set_caching(r, detail::file_caching);

  core::byte_range range{0, v.size};
  auto const range_header = core::find_field(req.headers, http::field::range);
  if(req.method == http::verb::get && range_header != req.headers.end() && core::if_range_holds(req.headers, state)) {
    auto const parsed = core::parse_range(range_header->value(), v.size);
    if(parsed.kind == core::range_kind::unsatisfiable) {
      auto u = detail::text<Reader>(http::status::range_not_satisfiable, "range not satisfiable");
      u.headers.set(http::field::content_range, core::unsatisfied_content_range(v.size));
      return u;
    }
    if(parsed.kind == core::range_kind::partial) {
      range = parsed.range;
      r.status = http::status::partial_content;
      r.headers.set(http::field::content_range, core::content_range(range, v.size));
    }
  }
  r.headers.set(http::field::content_length, std::to_string(range.length));
  if(req.method == http::verb::head)
    r.body = std::string();
  else
    r.body = core::file_slice<Reader>{std::move(reader), range.first, range.length};
  return r;
}

template<env::Environment E>
boost::asio::awaitable<typename handler<E>::response_type>
handler<E>::handle(const core::request& req, const core::principal* who)
{
  namespace http = boost::beast::http;
  auto const target = core::decode(req.target);
  bool const selection = req.method == http::verb::post && req.target.str() == zip_selection_target;
  if(! target && ! selection)
    co_return detail::text<reader_type>(http::status::bad_request,
                                        "bad request target: " + target.error().message());
  if(! who) {
    auto r = detail::text<reader_type>(http::status::unauthorized, "authentication required");
    r.headers.set(http::field::www_authenticate,
                  core::bearer_challenge(core::count_field(req.headers, http::field::authorization) != 0));
    co_return r;
  }
  if(selection)
    co_return co_await zip_selection(req, *who);
  switch(req.method) {
  case http::verb::get:
  case http::verb::head:
    co_return read(req, *target, *who);
  case http::verb::put:
    if(! core::may_write(*who, target->path))
      co_return detail::text<reader_type>(http::status::forbidden, "no write access here");
    co_return co_await write(req, *target, *who);
  case http::verb::delete_:
    if(! core::may_write(*who, target->path))
      co_return detail::text<reader_type>(http::status::forbidden, "no write access here");
    co_return remove(req, *target);
  case http::verb::mkcol:
    if(! core::may_write(*who, target->path))
      co_return detail::text<reader_type>(http::status::forbidden, "no write access here");
    co_return make_folder(req, *target);
  case http::verb::options: {
    response_type r;
    r.status = http::status::no_content;
    r.headers.set(http::field::allow, detail::allowed_methods);
    co_return r;
  }
  default: {
    auto r = detail::text<reader_type>(http::status::method_not_allowed, "method not allowed");
    r.headers.set(http::field::allow, detail::allowed_methods);
    co_return r;
  }
  }
}

template<env::Environment E>
typename handler<E>::response_type
handler<E>::read(const core::request& req, const core::decoded_target& target,
                 const core::principal& who)
{
  namespace http = boost::beast::http;
  if(! core::is_visible(who, target.path))
    return detail::not_found<reader_type>();
  if(target.form == core::target_form::file && core::may_read(who, target.path)) {
    if(auto const known = known_state(req, target.path))
      if(auto const outcome = core::evaluate_preconditions(req.method, req.headers, *known);
         outcome != core::precondition_outcome::proceed)
        return detail::precondition_answer<reader_type>(outcome, *known, detail::file_caching); // as file_response
    if(auto reader = env_.fs().open_read(target.path); reader && reader->stat().kind == env::file_kind::regular)
      return read_file(req, target.path, std::move(*reader)); // the common case: one open, no separate stat
  }
  auto const st = env_.fs().stat(target.path);
  if(! st)
    return detail::read_failure<reader_type>(st.error());
  if(st->kind == env::file_kind::directory) {
    if(target.form == core::target_form::file && ! target.path.is_root()) {
      // Built from the decoded path, so it is always a local "/a/b/" target.
      auto location = core::encode(target.path, core::target_form::directory);
      if(auto q = req.target.encoded_query())
        location = location.with_query(*q);
      auto r = detail::text<reader_type>(http::status::moved_permanently, "see " + std::string(location.str()));
      r.headers.set(http::field::location, location.str());
      return r;
    }
    if(config_.offer_tree && detail::asks_for_tree(req))
      return read_tree(req, target.path, who);
    if(auto const view = asked_document_view(req))
      return read_documents(req, target.path, who, *view);
    return read_directory(req, target.path, who);
  }
  if(target.form == core::target_form::directory || ! core::may_read(who, target.path))
    return detail::not_found<reader_type>();
  auto reader = env_.fs().open_read(target.path);
  if(! reader)
    return detail::read_failure<reader_type>(reader.error());
  return read_file(req, target.path, std::move(*reader));
}

// A 304 or a 412 needs the file's identity, not its bytes. A glance (one
// fstatat in the daemon, where an open is an openat2, an fstat and a close)
// confirms it when the tag cache has a trusted tag for exactly that stat,
// learned from a confined open (env/filesystem.hpp, Glancing). The glance
// is not confined: a link on the way may lead it out of the root. But only
// a stat equal to the trusted one (file id, size, mtime) is taken, so what
// it found is the file this path served or one made to look exactly like
// it, and the answer names bytes this path served before and sends none.
// A conditional GET that goes on to a 200 pays the glance beside the open.
template<env::Environment E>
std::optional<core::representation_state>
handler<E>::known_state(const core::request& req, const core::repo_path& path)
{
  if constexpr(env::GlancingFilesystem<filesystem_type>) {
    if(! core::has_preconditions(req.headers))
      return std::nullopt;
    auto const st = env_.fs().glance(path);
    if(! st || st->kind != env::file_kind::regular)
      return std::nullopt;
    if(auto const* tag = tags_.known_tag(path, *st))
      return core::representation_state{true, *tag, st->mtime};
  }
  return std::nullopt;
}

template<env::Environment E>
typename handler<E>::response_type
handler<E>::read_file(const core::request& req, const core::repo_path& path, reader_type reader)
{
  auto const tag = tags_.tag_of(env_.fs(), path, reader, env_.clock().now());
  if(! tag)
    return detail::read_failure<reader_type>(tag.error());
  auto const file = reader.stat();
  return file_response(req, std::move(reader), {*tag, file.mtime, file.size}, core::media_type_for(path.name()),
                       path.name());
}

template<env::Environment E>
typename handler<E>::response_type
handler<E>::read_directory(const core::request& req, const core::repo_path& dir,
                           const core::principal& who)
{
  bool const json = detail::wants_json(req.headers);
  core::html_listing_options const page{.can_write = core::may_write(who, dir)};
  if(auto root = tree_->current(env_.clock().now()))
    if(auto node = detail::find_node(*root, dir)) {
      // Kept by the node's listing tag, which names its content, and by
      // what decides the page: a repeat GET of an unchanged directory
      // renders nothing.
      std::string key{json ? "listing json " : page.can_write ? "listing html w " : "listing html r "};
      key += node->listing_tag.opaque();
      key += '\0';
      key += dir.str();
      key += '\0';
      if(! core::may_read(who, dir))
        key += core::grants_key(who);
      auto const answer =
        tree_->rendered().get(key, [&] { return render_listing(visible_listing(*node, who), json, page); });
      return listing_response<reader_type>(req, *answer, json);
    }
  // Not in the index (made a moment ago, not yet seen) or the index
  // failed: list it as it is now.
  auto all = list_directory(env_.fs(), tags_, dir, env_.clock().now());
  if(! all)
    return detail::read_failure<reader_type>(all.error());
  std::erase_if(all->entries, [&](auto const& e) { return ! detail::shows(who, dir, e); });
  return listing_response<reader_type>(req, render_listing(*all, json, page), json);
}

// `?tree` (master/tree.hpp): the subtree's tree tag as `who` sees it, 304
// when the client has it; else its listings — only those changed since
// `since` when the journal still knows that tag.
template<env::Environment E>
typename handler<E>::response_type
handler<E>::read_tree(const core::request& req, const core::repo_path& dir, const core::principal& who)
{
  namespace http = boost::beast::http;
  auto root = tree_->current(env_.clock().now());
  if(! root)
    return detail::read_failure<reader_type>(root.error());
  auto node = detail::find_node(*root, dir);
  if(! node)
    return detail::not_found<reader_type>(); // made a moment ago: its parent's change is on its way
  auto const tag = tree_->view_tag_of(*node, who);
  core::representation_state const state{true, tag, std::nullopt};
  if(auto const outcome = core::evaluate_preconditions(req.method, req.headers, state);
     outcome != core::precondition_outcome::proceed)
    return detail::precondition_answer<reader_type>(outcome, state, detail::tree_caching);
  std::optional<core::entity_tag> since;
  if(auto const q = core::query_value(req.target.encoded_query().value_or(""), "since")) {
    since = core::entity_tag::parse(*q);
    if(! since || since->weak())
      return detail::text<reader_type>(http::status::bad_request, "since= takes a tree tag, as an ETag gave it");
  }
  auto base = since ? tree_->recall(*since, dir, who) : nullptr;
  if(! base)
    since.reset(); // the journal no longer reaches back: the whole subtree
  tree_->remember(tag, node, who);

  response_type r;
  r.headers.set(http::field::etag, tag.to_string());
  r.headers.set(http::field::content_type, core::tree_media_type);
  detail::set_caching(r, detail::tree_caching);
  r.body = std::make_unique<tree_stream>(core::tree_head{dir, tag, std::move(since)}, std::move(node),
                                         std::move(base), who);
  return r;
}

template<env::Environment E>
result<document_source<typename handler<E>::reader_type>>
handler<E>::documents_for(const core::principal& who)
{
  auto root = tree_->current(env_.clock().now());
  if(! root)
    return root.error();
  document_source<reader_type> source;
  source.listing = [root = *root, who](const core::repo_path& dir) -> std::optional<core::listing> {
    auto const node = detail::find_node(root, dir);
    if(! node || ! core::is_visible(who, dir))
      return std::nullopt;
    return visible_listing(*node, who);
  };
  source.basis = [this, root = *root, who](const core::repo_path& dir) -> std::optional<std::string> {
    auto const node = detail::find_node(root, dir);
    if(! node)
      return std::nullopt;
    return std::string(tree_->view_tag_of(*node, who).opaque());
  };
  source.open = [this](const core::repo_path& file) { return env_.fs().open_read(file); };
  return source;
}

// `?register`, `?transmittals`, `?zip` (master/documents.hpp), over the
// tree index as `who` sees it.
template<env::Environment E>
typename handler<E>::response_type
handler<E>::read_documents(const core::request& req, const core::repo_path& dir, const core::principal& who,
                           document_view view)
{
  auto source = documents_for(who);
  if(! source)
    return detail::read_failure<reader_type>(source.error());
  return document_response(req, dir, view, *source);
}

// `POST /.zddc/zip`: a ZIP of the paths the body names, each one `who`
// may read (a folder: everything it may read below it).
template<env::Environment E>
boost::asio::awaitable<typename handler<E>::response_type>
handler<E>::zip_selection(const core::request& req, const core::principal& who)
{
  namespace http = boost::beast::http;
  if(! req.body)
    co_return detail::text<reader_type>(http::status::bad_request, "the body names the paths to download");
  auto const body = co_await read_selection(*req.body);
  if(! body)
    co_return body.error() == errc::too_large
      ? detail::text<reader_type>(http::status::payload_too_large,
                                  "a selection is at most " + std::to_string(zip_selection_bytes_max) + " bytes")
      : detail::text<reader_type>(http::status::bad_request, "body: " + body.error().message());
  auto source = documents_for(who);
  if(! source)
    co_return detail::read_failure<reader_type>(source.error());
  auto members = selection_members(*body, *source);
  if(auto* refused = std::get_if<response_type>(&members))
    co_return std::move(*refused);
  co_return zip_response(req, std::get<std::vector<core::zip_member>>(std::move(members)), "ZDDC selection.zip",
                         *source);
}

template<env::Environment E>
bool
handler<E>::needs_tag(const core::request& req) const
{
  namespace http = boost::beast::http;
  return core::find_field(req.headers, http::field::if_match) != req.headers.end() ||
         core::find_field(req.headers, http::field::if_none_match) != req.headers.end();
}

template<env::Environment E>
result<core::representation_state>
handler<E>::current_state(const core::repo_path& path, bool need_tag)
{
  auto const st = env_.fs().stat(path);
  if(! st) {
    if(st.error() == errc::not_found)
      return core::representation_state{};
    return st.error();
  }
  core::representation_state state{true, std::nullopt, st->mtime};
  if(need_tag && st->kind == env::file_kind::regular) {
    auto tag = tags_.tag_at(env_.fs(), path, *st, env_.clock().now());
    if(! tag)
      return tag.error();
    state.etag = std::move(*tag);
  }
  return state;
}

template<env::Environment E>
std::optional<core::repo_path>
handler<E>::outermost_missing(const core::repo_path& dir)
{
  std::optional<core::repo_path> missing;
  for(auto d = dir; ! d.is_root(); d = d.parent()) {
    auto const st = env_.fs().stat(d);
    if(st || st.error() != errc::not_found)
      break; // there (or in the way): make_dirs reports what is wrong
    missing = d;
  }
  return missing;
}

template<env::Environment E>
std::optional<typename handler<E>::response_type>
handler<E>::refuse_write(const core::request& req, const core::decoded_target& target, const core::principal& who)
{
  namespace http = boost::beast::http;
  auto const& path = target.path;
  if(path.is_root() || target.form == core::target_form::directory) {
    auto r = detail::text<reader_type>(http::status::method_not_allowed, "PUT needs a file path");
    r.headers.set(http::field::allow, "GET, HEAD, OPTIONS");
    return r;
  }
  if(req.body && req.body->content_length() && *req.body->content_length() > config_.write_bytes_max)
    return too_large();
  auto const before = current_state(path, needs_tag(req));
  if(! before)
    return detail::write_failure<reader_type>(before.error());
  if(auto const st = env_.fs().stat(path); st && st->kind == env::file_kind::directory)
    return detail::text<reader_type>(http::status::conflict, "a directory is in the way");
  if(auto const outcome = core::evaluate_preconditions(req.method, req.headers, *before);
     outcome != core::precondition_outcome::proceed)
    return detail::precondition_answer<reader_type>(outcome, *before, detail::write_caching);
  // Grants are inherited downwards, so when the outermost directory to
  // create is writable, every one below it is too.
  if(auto const missing = outermost_missing(path.parent()); missing && ! core::may_write(who, *missing))
    return detail::text<reader_type>(http::status::forbidden,
                                     "no write access here: " +
                                       std::string(core::encode(*missing, core::target_form::directory).str()) +
                                       " does not exist, and your access does not reach it");
  return std::nullopt;
}

template<env::Environment E>
typename handler<E>::response_type
handler<E>::too_large() const
{
  return detail::text<reader_type>(boost::beast::http::status::payload_too_large,
                                   "body exceeds " + std::to_string(config_.write_bytes_max) + " bytes");
}

template<env::Environment E>
boost::asio::awaitable<std::variant<core::sha256::digest, typename handler<E>::response_type>>
handler<E>::spool_body(const core::request& req, writer_type& temp)
{
  namespace http = boost::beast::http;
  core::sha256 hash;
  std::uint64_t total = 0;
  if(req.body) {
    std::vector<std::byte> buffer(detail::body_chunk_bytes);
    for(;;) {
      auto n = co_await req.body->read_some(buffer);
      if(! n)
        co_return detail::text<reader_type>(http::status::bad_request, "body: " + n.error().message());
      if(*n == 0)
        break;
      total += *n;
      if(total > config_.write_bytes_max)
        co_return too_large();
      std::span<const std::byte> const chunk(buffer.data(), *n);
      hash.update(chunk);
      if(auto ec = temp.write(chunk))
        co_return detail::write_failure<reader_type>(ec);
    }
  }
  if(auto ec = temp.sync())
    co_return detail::write_failure<reader_type>(ec);
  co_return hash.finish();
}

template<env::Environment E>
typename handler<E>::response_type
handler<E>::commit_write(const core::request& req, const core::repo_path& path, writer_type& temp,
                         const core::sha256::digest& digest)
{
  auto const tag = core::content_etag(digest);
  namespace http = boost::beast::http;
  auto& fs = env_.fs();
  bool created = false;
  {
    // Nothing here awaits, so within one event loop this is atomic; the
    // guard excludes the other loops.
    [[maybe_unused]] auto const guard = env_.commit_guard();
    auto const now_state = current_state(path, needs_tag(req));
    if(! now_state)
      return detail::write_failure<reader_type>(now_state.error());
    if(auto const outcome = core::evaluate_preconditions(req.method, req.headers, *now_state);
       outcome != core::precondition_outcome::proceed)
      return detail::precondition_answer<reader_type>(outcome, *now_state, detail::write_caching);
    created = ! now_state->exists;
    if(auto ec = env::rename_durably(fs, temp.path(), path))
      return detail::write_failure<reader_type>(ec);
  }
  auto const st = fs.stat(path);
  if(! st)
    return detail::write_failure<reader_type>(st.error());
  tags_.remember(path, *st, digest, env_.clock().now());
  tree_->touched(path.parent());

  response_type r;
  r.status = created ? http::status::created : http::status::no_content;
  r.headers.set(http::field::etag, tag.to_string());
  r.headers.set(http::field::last_modified, core::format_http_date(st->mtime));
  if(created)
    r.headers.set(http::field::location, core::encode(path).str());
  if(auto const warning = core::naming_warning(path.name()))
    r.headers.set(core::name_warning_header, *warning);
  return r;
}

// PUT: refuse early what can be refused before reading a byte; stream the
// body into a temp file (its destructor removes it on any early return, so
// nothing partial is ever visible); then check the preconditions again and
// rename it into place.
template<env::Environment E>
boost::asio::awaitable<typename handler<E>::response_type>
handler<E>::write(const core::request& req, const core::decoded_target& target, const core::principal& who)
{
  if(auto refused = refuse_write(req, target, who))
    co_return std::move(*refused);
  auto& fs = env_.fs();
  auto const parent = target.path.parent();
  if(auto ec = env::make_dirs(fs, parent))
    co_return detail::write_failure<reader_type>(ec);
  auto temp = fs.create_temp(parent);
  if(! temp)
    co_return detail::write_failure<reader_type>(temp.error());
  auto spooled = co_await spool_body(req, *temp);
  if(auto* failed = std::get_if<response_type>(&spooled))
    co_return std::move(*failed);
  co_return commit_write(req, target.path, *temp, std::get<core::sha256::digest>(spooled));
}

template<env::Environment E>
typename handler<E>::response_type
handler<E>::remove(const core::request& req, const core::decoded_target& target)
{
  namespace http = boost::beast::http;
  auto const& path = target.path;
  if(path.is_root()) {
    auto r = detail::text<reader_type>(http::status::method_not_allowed, "the root cannot be deleted");
    r.headers.set(http::field::allow, "GET, HEAD, OPTIONS");
    return r;
  }
  [[maybe_unused]] auto const guard = env_.commit_guard();
  auto const state = current_state(path, needs_tag(req));
  if(! state)
    return detail::write_failure<reader_type>(state.error());
  if(! state->exists)
    return detail::not_found<reader_type>();
  if(auto const outcome = core::evaluate_preconditions(req.method, req.headers, *state);
     outcome != core::precondition_outcome::proceed)
    return detail::precondition_answer<reader_type>(outcome, *state, detail::write_caching);
  auto ec = env::remove_durably(env_.fs(), path);
  if(ec == errc::not_empty && ! remove_stale_temps_in(path))
    ec = env::remove_durably(env_.fs(), path);
  if(ec)
    return detail::write_failure<reader_type>(ec);
  tags_.forget(path);
  tree_->touched(path.parent());
  response_type r;
  r.status = http::status::no_content;
  return r;
}

// MKCOL (RFC 4918 §9.3): a new, empty folder in an existing one. 405 when
// the name is taken (by a folder or a file), 409 when the parent is
// missing: a folder is made one level at a time, as a person makes it.
template<env::Environment E>
typename handler<E>::response_type
handler<E>::make_folder(const core::request& req, const core::decoded_target& target)
{
  namespace http = boost::beast::http;
  auto const& path = target.path;
  if(path.is_root() || (req.body && req.body->content_length().value_or(1) != 0))
    return detail::text<reader_type>(path.is_root() ? http::status::method_not_allowed
                                                    : http::status::unsupported_media_type,
                                     path.is_root() ? "the root exists" : "MKCOL takes no body");
  [[maybe_unused]] auto const guard = env_.commit_guard();
  auto& fs = env_.fs();
  if(auto const st = fs.stat(path); st || st.error() != errc::not_found) {
    if(! st)
      return detail::write_failure<reader_type>(st.error());
    auto r = detail::text<reader_type>(http::status::method_not_allowed,
                                       st->kind == env::file_kind::directory ? "that folder exists already"
                                                                             : "a file has that name");
    r.headers.set(http::field::allow, "GET, HEAD, DELETE, OPTIONS");
    return r;
  }
  auto const parent = fs.stat(path.parent());
  if(! parent || parent->kind != env::file_kind::directory)
    return detail::text<reader_type>(http::status::conflict, "the folder to make it in does not exist");
  if(auto ec = env::make_dirs(fs, path))
    return detail::write_failure<reader_type>(ec);
  tree_->touched(path);
  response_type r;
  r.status = http::status::created;
  r.headers.set(http::field::location, core::encode(path, core::target_form::directory).str());
  return r;
}

// A directory whose only entries are temp files a crash left behind is
// empty to a client (they are never listed): clear them so it can go.
template<env::Environment E>
error_code
handler<E>::remove_stale_temps_in(const core::repo_path& dir)
{
  auto entries = env_.fs().list(dir);
  if(! entries)
    return entries.error();
  auto const cutoff = env_.clock().now() - env::temp_stale_after;
  for(auto const& e : *entries)
    if(! env::is_stale_temp(e, cutoff))
      return errc::not_empty;
  for(auto const& e : *entries) {
    auto const temp = dir.store().child(e.name);
    if(! temp)
      return errc::not_empty; // listed, yet not nameable: leave it to a person
    if(auto ec = env_.fs().remove(*temp); ec && ec != errc::not_found)
      return ec;
  }
  return {};
}

} // namespace zddc::master
