#pragma once
/// @file
/// The cache's outbox: writes waiting for the master, on disk, crash-safe.
///
/// Layout under the cache root (DESIGN.md §2, the seed's outbox):
///
///     .zddc-outbox/<id>/meta.json      what to send: method, path, base
///     .zddc-outbox/<id>/body.bin       the PUT body, exactly as received
///     .zddc-outbox/<id>.conflict-<time>/   a write the master refused (412),
///                                      kept whole; meta.json records what
///                                      the master had, master.bin its copy
///     .zddc-outbox/<id>.rejected-<time>/   a write the master refused for
///                                      good (403, 400, 409, 413, ...), kept
///                                      whole; meta.json records the status,
///                                      master.bin the master's answer
///
/// A 202 is a promise (DESIGN.md invariant 1): an entry leaves the outbox
/// only when the master holds it (`complete`) or a person discards it;
/// every refusal keeps it, as a conflict or a rejection, until someone
/// decides (`retry`, `discard`).
///
/// Ids are 16 hex digits of the enqueue time in nanoseconds, made strictly
/// increasing, so names sort in queue order.
///
/// Crash safety (every step through env/durable.hpp): an entry exists once
/// its meta.json does, and meta.json is written last, atomically, after the
/// body was synced; removal deletes meta.json first. So a crash at any
/// point leaves either no entry (an incomplete directory, swept at `open`)
/// or a whole one. The processes that write an outbox (`zddc serve` in
/// cache and mirror mode, `zddc outbox`) set umask 077, so its directories
/// are 0700 and its files 0600.
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
  unsigned status = 0;                  // conflict: of the GET made after the 412 (200 or 404);
                                        // rejected: the refusal's own status
  std::optional<std::string> etag;      // its ETag then
  std::optional<std::string> last_modified;
};

/// How the master refused an entry for good.
enum class refusal_kind : std::uint8_t {
  conflict, // 412: the master's version is not the one the write was based on
  rejected, // another 4xx: the write cannot succeed as it is
};

/// Why an entry left the queue, and when.
struct refusal {
  refusal_kind kind = refusal_kind::conflict;
  std::string at; // RFC 3339 UTC; `-2`, `-3`... when refused again within the second

  friend bool operator==(const refusal&, const refusal&) = default;
};

/// `conflict` or `rejected`: the word in an entry's directory name.
std::string_view to_string(refusal_kind k) noexcept;

struct outbox_entry {
  std::string id;
  boost::beast::http::verb method = boost::beast::http::verb::put;
  core::repo_path path;
  std::string content_type;
  write_base base;
  env::time_point queued_at{};
  std::uint64_t body_bytes = 0;
  std::optional<std::string> body_etag; // PUT: the ETag the master will give these bytes
  std::optional<refusal> refused;       // refused entries: how and when; pending ones have none
  std::optional<master_view> master;    // refused entries: what the master had or said

  bool pending() const noexcept { return ! refused; }

  /// The directory name: `<id>`, `<id>.conflict-<time>` or `<id>.rejected-<time>`.
  std::string
  directory_name() const
  {
    return refused ? id + "." + std::string(to_string(refused->kind)) + "-" + refused->at : id;
  }
};

inline constexpr std::string_view outbox_directory = ".zddc-outbox";
inline constexpr std::uint64_t outbox_body_bytes_max_default = 256ull << 20;

/// The outbox's layout, for those outside it that must look at a cache's
/// disk (the simulator's checkers): the outbox directory, an entry's
/// directory by its name (`directory_name()`), and its meta.json.
core::store_path outbox_root();
core::store_path outbox_entry_directory(std::string_view name);
core::store_path outbox_meta_path(std::string_view name);

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
  /// Pending and refused entries, in id order.
  result<std::vector<outbox_entry>> all();
  /// One entry by id (pending or refused).
  result<outbox_entry> find(std::string_view id);

  result<reader_type> open_body(const outbox_entry& e);
  /// Opens what the master had (a conflict whose GET returned a body) or
  /// said (a rejection's answer).
  result<reader_type> open_master_body(const outbox_entry& e);

  /// The entry reached the master: forget it.
  error_code complete(const outbox_entry& e) { return remove_entry(e.directory_name(), true); }

  /// The master refused the entry (`kind`): record what it had or said
  /// (`seen`; a body, if any, already placed as `master.bin` in
  /// `directory(e)`) and rename the entry out of the queue. Returns the
  /// entry as renamed.
  result<outbox_entry> mark_refused(outbox_entry e, refusal_kind kind, master_view seen);

  /// Where the master's copy or answer goes before `mark_refused`.
  core::store_path master_body_path(const outbox_entry& e) const;

  /// Where an entry's files are.
  core::store_path directory(const outbox_entry& e) const { return entry_dir(e.directory_name()); }

  /// Puts a refused entry back in the queue. A conflict is now based on
  /// the version the master had when it refused it: the operator has
  /// looked and decided this write wins over that version (and only that
  /// version). A rejection keeps its base: what changed is the master's
  /// mind (a grant given, a limit raised), not the version.
  result<outbox_entry> retry(std::string_view id);

  /// Deletes an entry, pending or refused, with everything in it.
  error_code discard(std::string_view id);

  /// How many pending entries there are (from the last scan or change).
  std::size_t pending_count() const noexcept { return pending_count_; }
  /// How many refused entries there are, as this process last saw: never
  /// fewer than the truth, since only this process refuses entries (a
  /// `zddc outbox retry|discard` beside it only ever lowers the truth).
  /// Zero means the outbox need not be read for them.
  std::size_t refused_count() const noexcept { return refused_count_; }

  static core::store_path root() { return outbox_root(); }

private:
  static core::store_path entry_dir(std::string_view name) { return outbox_entry_directory(name); }
  std::string next_id();
  error_code write_meta(const core::store_path& dir, const outbox_entry& e);
  result<outbox_entry> read_meta(const core::store_path& dir);
  error_code remove_entry(std::string_view name, bool pending);
  error_code refresh_count();

  E& env_;
  std::uint64_t last_id_ = 0;
  std::size_t pending_count_ = 0;
  std::size_t refused_count_ = 0;
};

/// Splits `<id>.conflict-<time>` or `<id>.rejected-<time>` into the id and
/// the refusal; nullopt for other names.
std::optional<std::pair<std::string, refusal>> split_refused_name(std::string_view name);
/// True for a well-formed id: 16 lower-case hex digits.
bool is_outbox_id(std::string_view name) noexcept;

std::string to_json(const outbox_entry& e);
result<outbox_entry> outbox_entry_from_json(std::string_view json);

} // namespace zddc::cache

#include <zddc/cache/impl/outbox.hpp>
