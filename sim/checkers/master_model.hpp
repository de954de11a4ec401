#pragma once
/// @file
/// The master's own invariants, checked against a model of what its disk
/// must hold. The model follows every write the master acknowledged (at the
/// instant it answered, whether or not the reply then got through) and every
/// change made on its disk directly.
///
/// - Preconditions: each conditional write was applied exactly when RFC 9110
///   §13.2.2 says it may be, judged against the model's version at that
///   instant: no `If-Match` write replaces a version with another tag, no
///   `If-Unmodified-Since` write replaces one modified after the date, no
///   `If-None-Match: *` write replaces anything — and no 412 is answered
///   when the precondition held. 201 exactly when the file was new.
/// - Durability: after a crash and restart the disk holds exactly the model,
///   except for writes that were in flight at the crash, which may have
///   happened or not, but whole (no torn or partial file).
/// - Reads: a GET answers the model's current bytes, with the ETag of those
///   bytes; a 304 only when the client's tag is current.
/// - Listings: a JSON listing names exactly the entries of the directory
///   the caller may see, each with its kind, size, mtime and content ETag.
/// - Isolation (invariant 7): what a caller's grants do not cover looks
///   absent (404, unlisted), a write there is never applied, and a request
///   without a valid token is answered 401.
/// - Replays: a write a cache replays from its outbox (it names the entry)
///   may only replace the version the entry was based on, whatever headers
///   reached the master (`replay_base` reads the base off the cache's disk).
/// - At the end, the disk equals the model.

#include "sim/checkers/checker.hpp"
#include "sim/master_node.hpp"

#include <zddc/cache/outbox.hpp>

#include <functional>
#include <map>
#include <vector>

namespace zddc::sim {

class master_model final : public checker {
public:
  /// The base of the outbox entry an exchange replays, if it replays one.
  using replay_base_fn = std::function<std::optional<cache::write_base>(const exchange&)>;

  explicit master_model(master_node& master, replay_base_fn replay_base = {});

  void on_delivered(const exchange& x) override;
  void on_served(const exchange& x) override;
  void on_external_change(const external_change& c) override;
  void on_crash(const node& n) override;
  void on_restart(const node& n) override;
  void at_end() override;

  /// Writes the model judged (acknowledged or refused), for the summary.
  std::uint64_t judged() const noexcept { return judged_; }

private:
  struct version {
    std::string bytes;
    env::time_point mtime{};
  };
  using state = std::optional<std::string>; // a file's bytes, or absent

  void load_from_disk();
  void judge_write(const exchange& x, const core::repo_path& path, const std::optional<cache::write_base>& base,
                   const core::principal& who);
  void judge_read(const exchange& x, const core::repo_path& path, const core::principal& who);
  void judge_listing(const exchange& x, const core::repo_path& dir, const core::principal& who);
  void compare_disk(std::string_view when, const std::map<std::string, std::vector<state>>* also_allowed);
  state on_disk(const core::repo_path& path) const;
  void remember(const core::repo_path& path);

  master_node& master_;
  replay_base_fn replay_base_;
  std::map<std::string, version> files_; // repo path -> current version
  struct pending_write {
    std::string path;
    state outcome; // what it would leave
    std::optional<cache::write_base> base; // for replays: what the entry was based on
  };
  std::map<std::uint64_t, pending_write> in_flight_; // exchange id -> write
  std::map<std::uint64_t, std::optional<core::principal>> callers_; // exchange id -> who the master saw
  std::map<std::string, std::vector<state>> uncertain_; // path -> states a crash may have left
  std::uint64_t judged_ = 0;
};

} // namespace zddc::sim
