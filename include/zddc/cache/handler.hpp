#pragma once
/// @file
/// The cache role: a read-through copy of an upstream master that keeps
/// working when the master cannot be reached (DESIGN.md §2, Cache).
///
/// Reads. Every GET/HEAD asks the master first, conditionally (the local
/// copy's content ETag, or the stored listing's tag), then answers from the
/// local copy exactly as a master would (ranges, 304s, both listing forms):
/// - 200 from upstream: the copy is replaced (streamed to a temp file, then
///   renamed) and stamped with the master's Last-Modified;
/// - 304: the copy is current;
/// - 404/403/410: the copy is purged and the answer is 404;
/// - no answer (unreachable, timed out, a body cut short or malformed) or a
///   5xx: the copy is served as it is, marked `Zddc-Cache: stale`; with no
///   copy, 504;
/// - a body longer than `config::download_bytes_max` (a listing: longer
///   than `listing_bytes_max`), or a listing that does not parse (a name
///   that is not a valid segment included: nothing under it reaches the
///   disk): 502, the copy kept;
/// - a 3xx: 502, except the master's "add a slash" for a directory read as
///   a file, which is answered with this cache's own Location.
///
/// Read your own writes. A path whose newest write still waits in the
/// outbox is answered from that write, without asking the master: a PUT's
/// body with the tag the master will give it (ranges and 304s as usual), a
/// DELETE with 404; both carry `Zddc-Pending: <entry id>`. A listing lays
/// the waiting writes over the stored one (`overlay_pending`), and its HTML
/// page shows since when the master could not be reached and the refused
/// writes of that directory, with the buttons that settle them.
///
/// Writes. A PUT or DELETE is first spooled into the outbox (crash-safe,
/// capped), with the preconditions it will carry: the client's own if it
/// sent any, else the version this cache showed — the last queued write to
/// that path, the local copy (If-Match and If-Unmodified-Since), the stored
/// listing's entry, or for a PUT of something never seen, If-None-Match: *.
/// A DELETE of something never seen answers 428: there is no version to
/// base it on. Then, unless older entries wait (order is kept), it is sent
/// at once: the master's answer is relayed (a 412 included, and the entry
/// dropped: the client is told now); with no answer, or a 3xx (see
/// replayer.hpp), 202 and the entry id, and the replayer takes over. A 201's
/// Location is this cache's own, made from the decoded path.
///
/// Outbox. `/.zddc/outbox/<id>/mine|theirs|retry|discard` let a person see
/// and settle a refused write over HTTP (impl/outbox_routes.hpp).
///
/// Documents. `?register`, `?transmittals`, `?zip` and `POST /.zddc/zip`
/// (master/documents.hpp) are built here, from the stored listings with
/// this cache's waiting writes laid over them, and from the local copies.
/// First the subtree's listings are brought in with one `?tree` request
/// (and, for a ZIP, every copy that is missing or differs from its listing
/// is fetched); when the master cannot be asked, the answer is made from
/// what is kept, marked `Zddc-Cache: stale`, and names the folders it could
/// not include. A mirror answers them offline for every walked subtree.
///
/// Local requests are not authenticated: a cache serves one site, and
/// reaches upstream with its own bearer, which bounds what it can see.

#include <zddc/cache/config.hpp>
#include <zddc/cache/health.hpp>
#include <zddc/cache/outbox.hpp>
#include <zddc/cache/replayer.hpp>
#include <zddc/cache/store.hpp>
#include <zddc/core/assert.hpp>
#include <zddc/master/handler.hpp>

#include <functional>

namespace zddc::cache {

template<env::UpstreamEnvironment E>
class handler {
public:
  using filesystem_type = typename E::filesystem_type;
  using reader_type = typename filesystem_type::reader_type;
  using response_type = core::response<reader_type>;

  handler(E& env, config cfg, replay_listener listener = {})
    : env_(env), config_(std::move(cfg)), box_(env), local_(env),
      replayer_(env, box_, local_, config_, monitor_, std::move(listener)), local_server_(env, master::config{})
  {
  }

  /// Opens the outbox (sweeping what a crash left) and the local store.
  error_code
  open()
  {
    if(auto ec = local_.open())
      return ec;
    return box_.open();
  }

  boost::asio::awaitable<response_type> handle(const core::request& req);

  /// Called with every directory page before it is rendered, to say more
  /// on it (a mirror: when the subtree was last walked in full).
  using page_decorator = std::function<void(const core::repo_path& dir, core::html_listing_options&)>;
  void decorate_pages(page_decorator d) { decorate_ = std::move(d); }

  replayer<E>& replay() noexcept { return replayer_; }
  outbox<E>& box() noexcept { return box_; }
  store<E>& local() noexcept { return local_; }
  const config& settings() const noexcept { return config_; }

  /// What an operator sees: the master's reachability and the outbox.
  result<health_report>
  health()
  {
    auto all = box_.all();
    if(! all)
      return all.error();
    return health_report{monitor_.state(), summarize(*all)};
  }
  const upstream_monitor& monitor() const noexcept { return monitor_; }

private:
  boost::asio::awaitable<response_type> read_file(const core::request& req, const core::repo_path& path);
  boost::asio::awaitable<response_type> read_directory(const core::request& req, const core::repo_path& dir);
  boost::asio::awaitable<response_type> read_documents(const core::request& req, const core::repo_path& dir,
                                                       master::document_view view);
  boost::asio::awaitable<response_type> zip_selection(const core::request& req);
  /// Brings in the stored listings of `dir`'s subtree from one `?tree`
  /// answer: whether the master could not be asked (`stale`), or the
  /// answer that ends the request (the master's "no", a malformed tree).
  boost::asio::awaitable<std::variant<bool, response_type>> refresh_subtree(const core::repo_path& dir);
  /// Fetches every copy among `files` that is missing or differs from its
  /// listing (a waiting write aside); false once the master stops answering.
  boost::asio::awaitable<bool> bring_copies_in(const std::vector<std::pair<core::repo_path, core::entity_tag>>& files);
  /// The stored listings, with the waiting writes over them, and the copies.
  result<master::document_source<reader_type>> documents_source(bool stale);
  boost::asio::awaitable<response_type> write(const core::request& req, const core::repo_path& path);
  /// MKCOL, or DELETE of a folder: sent to the master at once, never queued.
  boost::asio::awaitable<response_type> forward_folder(const core::request& req, const core::repo_path& path);
  result<std::optional<write_base>> base_for(const core::request& req, const core::repo_path& path);
  boost::asio::awaitable<response_type> serve_local(const core::request& req, bool stale);
  boost::asio::awaitable<std::optional<response_type>> outbox_route(const core::request& req);
  response_type serve_entry_body(const core::request& req, const outbox_entry& e, bool mine);
  /// A read of a path whose newest write waits in the outbox: that write
  /// as the master will have it (a PUT's body; a DELETE: 404).
  response_type serve_pending(const core::request& req, const outbox_entry& e);

  /// Notes what `answer` (a read's) says about the master — reachable, and
  /// then older entries need not wait — and classifies it (`classify_read`).
  read_verdict judge(const result<env::upstream_response>& answer);

  /// The answer to a 3xx for the file form of `path`: when the master only
  /// says "this is a directory" (its Location is the directory form of the
  /// same path), this cache's own redirect, built from the decoded path; any
  /// other redirect is the master's error, 502. The master's Location is
  /// never passed on: it could send the client anywhere (`//evil.example/`).
  static response_type directory_redirect(const core::request& req, const core::repo_path& path,
                                          const env::upstream_response& answer);

  /// Any answer from the master means it is back: entries need not wait.
  void
  upstream_answered()
  {
    if(box_.pending_count() > 0)
      replayer_.wake();
  }

  static response_type text(boost::beast::http::status status, std::string message);
  /// The master's status and validators with `body` (a message for a
  /// person, served as plain text). Its Location never: a caller that
  /// needs one builds it from the decoded path.
  static response_type relay(const env::upstream_response& answer, std::string body = {});

  E& env_;
  config config_;
  upstream_monitor monitor_; // before the replayer, which reports to it
  outbox<E> box_;
  store<E> local_;
  replayer<E> replayer_;
  master::handler<E> local_server_; // answers from the local copies
  core::principal everyone_ = core::principal::unrestricted("local");
  page_decorator decorate_;
};

} // namespace zddc::cache

#include <zddc/cache/impl/handler.hpp>
#include <zddc/cache/impl/outbox_routes.hpp>
