#pragma once
/// @file
/// What a cache promises about the writes it acknowledged (DESIGN.md §4);
/// a mirror is a cache here too:
///
/// 1. No acknowledged write is lost: every write a cache answered 202 ends
///    on the master (a replay the master applied, or recognised as already
///    applied), in a conflict or rejected entry with its body, or — while
///    the master refuses the cache's own credentials — still pending; and
///    it is in the outbox after every crash until then.
/// 2'. No false conflict: an entry kept as a conflict although the 412 that
///    refused it carried the tag of the entry's own bytes (the master held
///    exactly this write; only an acknowledgement was lost) is a violation.
/// 5. Liveness: while a cache and its master can reach each other, a cache
///    with acknowledged writes waiting sends one at least every `bound` —
///    it does not sit on them until an idle timer fires.
/// 6. Crash safety: a restarted cache's outbox opens and parses (checked
///    by the world at each restart), and 1 still holds.
///
/// Invariant 2 (no replay clobbers a version its base had not seen) is
/// judged where the master's versions are known: master_model.

#include "sim/caching_node.hpp"
#include "sim/checkers/checker.hpp"
#include "sim/master_node.hpp"

#include <algorithm>
#include <map>
#include <vector>

namespace zddc::sim {

class outbox_guarantees final : public checker {
public:
  outbox_guarantees(const virtual_clock& clock, const master_node& master, std::vector<caching_node*> caches,
                    env::duration bound);

  void on_sent(const exchange& x) override;
  void on_served(const exchange& x) override;
  void on_crash(const node& n) override;
  void on_restart(const node& n) override;
  void on_link(const node& a, const node& b, bool up) override;
  void at_end() override;

  std::uint64_t acknowledged() const noexcept { return acked_.size(); }
  /// Acknowledged writes the master refused on replay (conflicts, rejections).
  std::uint64_t
  refused() const noexcept
  {
    return static_cast<std::uint64_t>(
      std::ranges::count_if(acked_, [](auto const& a) { return a.second.settled && ! a.second.landed; }));
  }

private:
  struct acked_write {
    caching_node* cache = nullptr;
    std::string what; // method and path, for messages
    env::time_point at{};
    bool settled = false; // the master answered a replay of it with a verdict
    bool landed = false;  // ... and holds it
    bool last_412_own = false; // the latest 412 for it carried its own bytes' tag
  };
  struct cache_state {
    bool partitioned = false;
    bool credentials_refused = false; // the master's latest answer to its replays was 401
    std::optional<env::time_point> reachable_since;
    env::time_point last_attempt{};
  };

  caching_node* cache_of(const node* n) const;
  void update_reachability(caching_node& c);
  void check_liveness();
  enum class kept_as { pending, conflict, refused };
  /// Whether the entry's directory is on the cache's disk: pending; a
  /// conflict; or refused (conflict or rejected).
  static bool on_disk(caching_node& c, const std::string& id, kept_as how);

  const virtual_clock& clock_;
  const master_node& master_;
  std::vector<caching_node*> caches_;
  env::duration bound_;
  std::map<std::string, acked_write> acked_; // entry id -> what was promised
  std::map<const caching_node*, cache_state> state_;
};

} // namespace zddc::sim
