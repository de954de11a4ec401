#pragma once
/// @file
/// The master role: request + principal → response, over the Environment's
/// filesystem. The daemon and the simulator call the same `handle()`.
///
/// What it answers, in order:
/// 1. A target that does not decode to a valid path: 400, with the reason.
/// 2. No principal (no or bad credentials): 401 with WWW-Authenticate.
///    Authentication comes before any precondition or existence check.
/// 3. GET/HEAD: anything the principal may not see answers exactly like a
///    missing path (404). Files: strong content ETag, Last-Modified,
///    Content-Type, Accept-Ranges; 304 / 412 per RFC 9110 §13.2.2 (from a
///    glance at the file when its tag is known: `known_state`); a single
///    Range → 206 / 416. Directories: a listing (JSON for
///    `Accept: application/json`, else HTML) of the visible entries with its
///    own ETag; the file form of a directory URL redirects (301) to the
///    directory form. `<dir>/?tree` answers the tree of listings below
///    the directory (master/tree.hpp, core/tree_format.hpp), 304 on its
///    tree tag; `?tree&since=<tag>` only what changed since that tag.
///    `?register`, `?transmittals` and `?zip` answer the directory's
///    document register, its transmittals and a ZIP of it, and
///    `POST /.zddc/zip` a ZIP of a selection (master/documents.hpp), all
///    from the tree index as the principal sees it.
/// 4. PUT: 403 outside the principal's write grants, and when a missing
///    ancestor directory it would create lies outside them (a grant creates
///    directories only at or below its own root); 413 for a body over
///    `write_bytes_max` (checked before reading when Content-Length says so,
///    and while streaming otherwise; nothing is written); preconditions;
///    then the body streams to a temp file (hashed on the way), is synced,
///    and — after the preconditions are checked again under the commit guard
///    — renamed into place and the directory synced. 201 new / 204 replaced.
/// 5. DELETE: a file or an empty directory (temp files a crash left behind,
///    `env::temp_stale_after` old, do not count as entries); preconditions;
///    204.

#include <zddc/core/byte_range.hpp>
#include <zddc/core/http_date.hpp>
#include <zddc/core/http_message.hpp>
#include <zddc/core/listing.hpp>
#include <zddc/core/listing_html.hpp>
#include <zddc/core/media_type.hpp>
#include <zddc/core/naming.hpp>
#include <zddc/core/policy.hpp>
#include <zddc/core/preconditions.hpp>
#include <zddc/env/durable.hpp>
#include <zddc/env/environment.hpp>
#include <zddc/env/content_tags.hpp>
#include <zddc/master/documents.hpp>
#include <zddc/master/tree.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace zddc::master {

struct config {
  std::uint64_t write_bytes_max = 256ull << 20; // a larger PUT body answers 413
  /// Answer `?tree` (false: ignore the query and list the directory, as a
  /// master before tree tags did; for testing mirrors against old masters).
  bool offer_tree = true;
};

/// Answers `req` with listing `l`: JSON for `Accept: application/json`,
/// else HTML rendered with `html` (upload and delete controls, a cache's
/// banner and refused writes), after the request's preconditions (304 when
/// the client's tag is current). The master and a cache serving its stored
/// copy answer alike.
template<class Reader>
core::response<Reader> listing_response(const core::request& req, const core::listing& l,
                                        const core::html_listing_options& html);

/// `l` rendered as JSON (`json`) or as the HTML page `html` describes, with its tag.
rendered render_listing(const core::listing& l, bool json, const core::html_listing_options& html);

/// Answers `req` with a rendered listing (`json`: the JSON form), after the
/// request's preconditions.
template<class Reader>
core::response<Reader> listing_response(const core::request& req, const rendered& page, bool json);

/// One version of a file as served: its strong tag, modification time and size.
struct file_version {
  core::entity_tag tag;
  core::time_point mtime{};
  std::uint64_t size = 0;
};

/// Answers `req` (GET or HEAD) with the bytes `reader` reads, which are
/// version `v`: validators, the request's preconditions (304, 412), a single
/// Range (206, 416), `content_type` and the download name `name`. The
/// master's own files and a cache's pending writes are served alike.
template<class Reader>
core::response<Reader> file_response(const core::request& req, Reader reader, const file_version& v,
                                     std::string_view content_type, std::string_view name);

template<env::Environment E>
class handler {
public:
  using filesystem_type = typename E::filesystem_type;
  using reader_type = typename filesystem_type::reader_type;
  using writer_type = typename filesystem_type::writer_type;
  using response_type = core::response<reader_type>;

  using tree_type = tree_index<filesystem_type>;

  /// `tree`: the tree index, shared by every handler over the same disk
  /// (one per event loop); null makes one of its own.
  handler(E& env, config cfg, std::shared_ptr<tree_type> tree = nullptr)
    : env_(env), config_(cfg), tree_(tree ? std::move(tree) : std::make_shared<tree_type>(env.fs()))
  {
  }

  /// Answers `req` for `who`; `who` is null when the request carried no
  /// valid credentials.
  boost::asio::awaitable<response_type>
  handle(const core::request& req, const core::principal* who);

private:
  response_type read(const core::request&, const core::decoded_target&, const core::principal&);
  /// A conditional GET's view of the file at `path` when its tag is known
  /// here and a glance shows the file unchanged; nullopt otherwise.
  std::optional<core::representation_state> known_state(const core::request&, const core::repo_path& path);
  /// Answers with the file open in `reader` (opened at `path`).
  response_type read_file(const core::request&, const core::repo_path& path, reader_type reader);
  response_type read_directory(const core::request&, const core::repo_path&, const core::principal&);
  response_type read_tree(const core::request&, const core::repo_path&, const core::principal&);
  response_type read_documents(const core::request&, const core::repo_path&, const core::principal&,
                               document_view view);
  boost::asio::awaitable<response_type> zip_selection(const core::request&, const core::principal&);
  /// The document answers' view of the tree `root` for `who`.
  result<document_source<reader_type>> documents_for(const core::principal& who);
  boost::asio::awaitable<response_type> write(const core::request&, const core::decoded_target&,
                                              const core::principal&);
  std::optional<response_type> refuse_write(const core::request&, const core::decoded_target&,
                                            const core::principal&);
  boost::asio::awaitable<std::variant<core::sha256::digest, response_type>> spool_body(const core::request&,
                                                                                   writer_type& temp);
  response_type commit_write(const core::request&, const core::repo_path&, writer_type& temp,
                             const core::sha256::digest& digest);
  response_type too_large() const;
  response_type remove(const core::request&, const core::decoded_target&);
  response_type make_folder(const core::request&, const core::decoded_target&);
  std::optional<core::repo_path> outermost_missing(const core::repo_path& dir);
  error_code remove_stale_temps_in(const core::repo_path& dir);

  result<core::representation_state> current_state(const core::repo_path&, bool need_tag);
  bool needs_tag(const core::request&) const;

  E& env_;
  config config_;
  env::content_tags<filesystem_type> tags_;
  std::shared_ptr<tree_type> tree_;
};

} // namespace zddc::master

#include <zddc/master/impl/handler.hpp>
