#pragma once
/// @file
/// One walk of a subtree: bring the mirror's copy of it in line with what
/// the master shows this mirror's bearer (DESIGN.md §2, Mirror).
///
/// A walk is a pool of `parallel` workers over one queue of tasks, "list
/// this directory" and "fetch this file"; listing a directory queues its
/// subdirectories and the files that need fetching, so files of different
/// directories come down side by side. What each answer means and what to
/// do with each entry are pure functions in plan.hpp (`classify_listing`,
/// `plan_directory`, `copy_is_current`, `judge_fetch`); the walker gathers
/// the evidence and carries the plan out. For each directory:
/// - its JSON listing is asked for with `If-None-Match` (the stored
///   listing's tag): 304 means the stored listing is current, 200 replaces
///   it (kept as `.zddc-listing.json`, so the directory can be browsed
///   offline);
/// - a file whose listing entry matches the local copy (size, mtime, and
///   content ETag) is not requested at all; any other file is fetched with
///   `If-None-Match` when there is a local copy, and stamped with the
///   listed mtime when its bytes are the listed ones;
/// - local entries the listing does not show are purged (files and whole
///   directories), and so is a directory or file the master answers
///   403/404/410 for. Nothing else ever purges: a purge needs a complete,
///   successful listing or the master's own "no".
///
/// With `config::tree` (the default) a walk first asks for the subtree's
/// tree (`GET <subtree>/?tree`, master/tree.hpp) with the tree tag it last
/// brought in whole: a 304 ends the walk there, whatever the subtree's
/// size; otherwise the answer carries the listings of the directories that
/// changed since that tag (or of all of them), and each is carried out as
/// if it had been fetched on its own — subdirectories are not asked for.
/// The tag is forgotten before anything changes and kept again only when
/// the whole walk completed, so it never vouches for a copy half brought in
/// line. A master that answers with a plain listing (one from before tree
/// tags) is walked directory by directory, from that listing.
///
/// Names never leave their decoded form: listing entries are decoded
/// segments, local entries are the names on disk, the two are compared as
/// they are, and a URL is made only by `core::encode` of a `repo_path`. A
/// walk therefore cannot store, or purge, a percent-encoded artefact of a
/// name (the seed's bug 1).
///
/// A request that gets no answer, a 5xx, 408 or 429 is asked again after a
/// jittered backoff (`config::retries`, `retry_delay`; a Retry-After is
/// honoured), so one lost packet does not spoil a walk. When the master
/// still cannot be reached after that, no worker takes another task and the
/// walk ends incomplete (the scheduler resumes it soon); a 5xx that
/// persists, or an unexpected answer for one directory or file, marks the
/// walk incomplete and leaves that part as it was (a `trouble` event says
/// what, and `walk_stats::failed` counts it) while the other tasks go on. Unexpected answers include: a malformed or
/// cut-short response; a 3xx (never followed); a listing that does not
/// parse, or names something that is not a valid segment (`..`, `a/b`, a
/// reserved `.zddc*` name, a bidi control) — refused whole, nothing of it
/// stored; an entry too deep or too long to be a path here
/// (`core::repo_path_depth_max`, `repo_path_bytes_max`) — skipped; a file
/// listed larger than `cache::config::download_bytes_max` — not asked for;
/// a body longer than the listed size — cut off, the old copy kept (up to
/// 64 KiB past it are read and dropped: room for the page of an error
/// status, which comes before its status is known).

#include <zddc/cache/config.hpp>
#include <zddc/cache/store.hpp>
#include <zddc/core/tree_format.hpp>
#include <zddc/env/file_bodies.hpp>
#include <zddc/env/memory_bodies.hpp>
#include <zddc/master/handler.hpp>
#include <zddc/mirror/config.hpp>
#include <zddc/mirror/plan.hpp>
#include <zddc/mirror/state.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/channel.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace zddc::mirror {

enum class walk_step {
  started,  // stats empty
  progress, // every `progress_every` while the walk runs: stats so far
  trouble,  // something was left as it was (detail says what); the walk will be incomplete
  finished, // the walk's final stats
};

struct walk_event {
  walk_step step;
  const core::repo_path& subtree;
  const walk_stats& stats;
  std::string detail;
};
using walk_listener = std::function<void(const walk_event&)>;

template<env::UpstreamEnvironment E>
class walker {
public:
  walker(E& env, cache::store<E>& local, const cache::config& cache_settings, const config& cfg,
         walk_listener listener = {})
    : env_(env), local_(local), cache_settings_(cache_settings), config_(cfg), listener_(std::move(listener))
  {
  }

  /// Walks `subtree` and reports what it found. Runs on the caller's executor.
  boost::asio::awaitable<walk_stats> walk(core::repo_path subtree);

  /// Walks in progress take no further task (a crashed node's walks, in the simulator).
  void stop() noexcept { stopped_ = true; }

private:
  struct run;
  using writer_type = typename cache::store<E>::writer_type;

  boost::asio::awaitable<void> work(std::shared_ptr<run> r);
  /// Asks for the subtree's tree and carries out what it says (or queues
  /// the subtree for a walk directory by directory).
  boost::asio::awaitable<void> start_from_tree(run& r);
  /// Carries out every listing of a tree answer spooled in `download`.
  void apply_tree(run& r, writer_type& download, const std::optional<core::entity_tag>& sent);
  /// Carries out a plain listing of the subtree (a master without `?tree`).
  void apply_subtree_listing(run& r, writer_type& download);
  /// Keeps the walk's tree tag when the walk brought the whole tree in.
  void finish_tree(run& r);
  boost::asio::awaitable<void> visit_directory(run& r, const core::repo_path& dir);
  /// The master's listing of `dir` (or the stored one, on a 304); nullopt
  /// when there is none to walk (gone, refused, unanswered: said as trouble).
  boost::asio::awaitable<std::optional<core::listing>> read_listing(run& r, const core::repo_path& dir);
  /// Purges the orphans of `dir` and queues the files to fetch and (unless
  /// a tree answer brings their listings) its subdirectories.
  void carry_out(run& r, const core::repo_path& dir, core::listing& master_listing, bool visit_subdirectories = true);
  boost::asio::awaitable<void> fetch_file(run& r, const core::repo_path& path, const core::listing_entry& listed);
  /// Stages a fetched file to be moved into place with its batch, stamped
  /// with the listed mtime and tag when it holds exactly the listed bytes
  /// (`as_listed`, judge_fetch).
  void install(run& r, const core::repo_path& path, const core::listing_entry& listed, bool as_listed,
               writer_type&& download, const env::upstream_response& answer, std::uint64_t bytes);
  /// Moves the staged batch into place after one `sync_all` has made all
  /// their bytes durable: no file is ever torn under its final name, at one
  /// sync per batch rather than two per file. The renames become durable
  /// at the next `settle`.
  void place_staged(run& r);
  /// Places what is staged and makes everything placed durable: before the
  /// walk ends, and so before it vouches for the copy (`finish_tree`).
  void settle(run& r);
  /// Purges the local entry `name` of `dir` (a file or a whole directory).
  void purge_local(run& r, const core::repo_path& dir, const std::string& name);
  void purge(run& r, const core::repo_path& p);

  /// A fetched file waiting in its temp file for its batch (`place_staged`).
  struct staged {
    writer_type download;
    core::repo_path path;
    std::optional<env::time_point> mtime;
    std::optional<core::entity_tag> tag;
    std::uint64_t bytes = 0;
  };
  static constexpr std::size_t staged_files_max = 32;
  static constexpr std::uint64_t staged_bytes_max = 64ull << 20;

  /// Where a download goes: a temp file in the store, written through `Sink`.
  template<class Sink>
  struct download_into {
    std::optional<writer_type> file;
    std::optional<Sink> sink;
    error_code spool_failed; // no temp file could be made
  };

  /// Sends `request()` with retries (`ask_with_retries`), each attempt
  /// into a fresh temp file through a `Sink(file, bytes_max)`.
  template<class Sink, class Request>
  boost::asio::awaitable<result<env::upstream_response>>
  download(run& r, const core::repo_path& p, download_into<Sink>& into, std::uint64_t bytes_max, Request request);

  /// Sends the request `ask` makes (one attempt, with a fresh body sink
  /// each time) and asks again while the answer is `worth_retrying`
  /// (plan.hpp), up to `config::retries` more times after `retry_delay`.
  /// Counts every attempt in the walk's requests.
  template<class Ask>
  boost::asio::awaitable<result<env::upstream_response>> ask_with_retries(run& r, const core::repo_path& p, Ask ask);
  void trouble(run& r, std::string detail);
  void no_answer(run& r, error_code ec, std::string detail);
  void tell(walk_step step, const run& r, std::string detail = {});

  E& env_;
  cache::store<E>& local_;
  const cache::config& cache_settings_;
  const config& config_;
  walk_listener listener_;
  bool stopped_ = false;
};

} // namespace zddc::mirror

#include <zddc/mirror/impl/walker.hpp>
