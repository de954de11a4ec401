#pragma once
/// @file
/// The cache's outbox: writes waiting for the master, on disk, crash-safe.
///
/// Layout under the cache root (DESIGN.md §2, the seed's outbox):
///
///     .zddc-outbox/<id>/meta.json      what to send: method, path, base
///     .zddc-outbox/<id>/body.bin       the PUT body, exactly as received
///     .zddc-outbox/<id>.conflict-<time>/   a write the master refused (412),
///                                      kept whole, plus master.json (what
///                                      the master had) and master.bin
///
/// Ids are 16 hex digits of the enqueue time in nanoseconds, made strictly
/// increasing, so names sort in queue order.
///
/// Crash safety (every step through env/durable.hpp): an entry exists once
/// its meta.json does, and meta.json is written last, atomically, after the
/// body was synced; removal deletes meta.json first. So a crash at any
/// point leaves either no entry (an incomplete directory, swept at `open`)
/// or a whole one. Directories are created 0700 and files 0600 by the
/// POSIX filesystem.
///
/// The preconditions an entry replays with are fixed when it is enqueued
/// (`write_base`): the version the cache showed the user, so a replay can
/// never overwrite a master version that base had not seen.

#include <zddc/core/assert.hpp>
#include <zddc/core/etag.hpp>
#include <zddc/core/http_date.hpp>
#include <zddc/core/http_message.hpp>
#include <zddc/core/listing.hpp>
#include <zddc/core/sha256.hpp>
#include <zddc/env/durable.hpp>
#include <zddc/env/environment.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace zddc::cache {

/// Preconditions a write carries to the master.
struct write_base {
  std::optional<std::string> if_match{};            // entity-tag list, as sent
  std::optional<std::string> if_unmodified_since{}; // HTTP date, as sent
  bool if_none_match_any = false;                 // create only

  void apply(boost::beast::http::fields& h) const;
  bool empty() const noexcept { return ! if_match && ! if_unmodified_since && ! if_none_match_any; }
  friend bool operator==(const write_base&, const write_base&) = default;
};

/// What the master had when it refused an entry.
struct master_view {
  unsigned status = 0;                  // of the GET made after the 412: 200 or 404
  std::optional<std::string> etag;      // its ETag then
  std::optional<std::string> last_modified;
};

struct outbox_entry {
  std::string id;
  boost::beast::http::verb method = boost::beast::http::verb::put;
  core::repo_path path;
  std::string content_type;
  write_base base;
  env::time_point queued_at{};
  std::uint64_t body_bytes = 0;
  std::optional<std::string> body_etag; // PUT: the ETag the master will give these bytes
  std::optional<std::string> conflict;  // conflict entries: when the master refused it
  std::optional<master_view> master;    // conflict entries: what the master had

  /// The directory name: `<id>` or `<id>.conflict-<time>`.
  std::string directory_name() const { return conflict ? id + ".conflict-" + *conflict : id; }
};

inline constexpr std::string_view outbox_directory = ".zddc-outbox";
inline constexpr std::uint64_t outbox_body_bytes_max_default = 256ull << 20;

template<env::Environment E>
class outbox {
public:
  using filesystem_type = typename E::filesystem_type;
  using reader_type = typename filesystem_type::reader_type;

  explicit outbox(E& env) : env_(env) {}

  /// Creates the directory if needed, sweeps entries a crash left
  /// incomplete, and learns the last id. Call once before anything else.
  error_code open();

  /// Spools a write: streams `body` (may be null) into body.bin, capped at
  /// `bytes_max` (`errc::too_large`, nothing kept), then commits meta.json.
  /// `entry.id`, `queued_at`, `body_bytes` and `body_etag` are filled in.
  boost::asio::awaitable<result<outbox_entry>> enqueue(outbox_entry entry, core::request_body* body,
                                                       std::uint64_t bytes_max);

  /// Pending entries in queue order.
  result<std::vector<outbox_entry>> pending();
  /// Pending and conflict entries, in id order.
  result<std::vector<outbox_entry>> all();
  /// One entry by id (pending or conflict).
  result<outbox_entry> find(std::string_view id);

  result<reader_type> open_body(const outbox_entry& e);
  /// Opens what the master had (conflict entries whose GET returned a body).
  result<reader_type> open_master_body(const outbox_entry& e);

  /// The entry reached the master: forget it.
  error_code complete(const outbox_entry& e) { return remove_entry(e.directory_name(), true); }

  /// The master refused the entry: record what it had (`seen`; its body,
  /// if any, already placed as `master.bin` in `directory(e)`) and rename
  /// the entry out of the queue. Returns the entry as renamed.
  result<outbox_entry> mark_conflict(outbox_entry e, master_view seen);

  /// Where an entry's files are.
  core::store_path directory(const outbox_entry& e) const { return entry_dir(e.directory_name()); }
  /// One of an entry's own files (a fixed short name) in `dir`, an entry's directory.
  static core::store_path entry_file(const core::store_path& dir, std::string_view name);

  /// Puts a conflict entry back in the queue, now based on the version the
  /// master had when it refused it: the operator has looked and decided
  /// this write wins over that version (and only that version).
  result<outbox_entry> retry(std::string_view id);

  /// Deletes an entry, pending or conflict, with everything in it.
  error_code discard(std::string_view id);

  /// How many pending entries there are (from the last scan or change).
  std::size_t pending_count() const noexcept { return pending_count_; }

  static core::store_path root();

private:
  core::store_path entry_dir(std::string_view name) const;
  std::string next_id();
  error_code write_meta(const core::store_path& dir, const outbox_entry& e);
  result<outbox_entry> read_meta(const core::store_path& dir);
  error_code remove_entry(std::string_view name, bool pending);
  error_code refresh_count();

  E& env_;
  std::uint64_t last_id_ = 0;
  std::size_t pending_count_ = 0;
};

/// Splits `<id>.conflict-<time>` into its parts; nullopt for other names.
std::optional<std::pair<std::string, std::string>> split_conflict_name(std::string_view name);
/// True for a well-formed id: 16 lower-case hex digits.
bool is_outbox_id(std::string_view name) noexcept;

std::string to_json(const outbox_entry& e);
result<outbox_entry> outbox_entry_from_json(std::string_view json);

} // namespace zddc::cache

#include <zddc/cache/impl/outbox.hpp>
