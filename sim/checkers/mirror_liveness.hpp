#pragma once
/// @file
/// A mirror finishes its walks (issue 15): when a person uses a subtree of
/// a mirror while the master can be reached, a complete walk of that
/// subtree follows within `window` — or one had begun less than
/// `min_interval` before, so none was due.
///
/// "Can be reached" means the mirror and the master are both up and the
/// link between them is not partitioned, without a break, from the access
/// until `window` after it; lossy links (drops, lost replies, injected
/// 502s, slow bodies) do not count as a break: riding them out is the
/// mirror's job. An access during an outage, or one whose window an outage
/// cuts, sets no obligation. The window is chosen from the fault profile:
/// long enough for a walk of the fixture over its links, short enough that
/// a mirror which lets an incomplete walk hold the whole interval, or gives
/// a walk up on the first lost request, is caught.
///
/// Obligations are judged as time passes (at every exchange) and at the end
/// of the run, after the heal and the settle hour; one whose window has not
/// ended by then is dropped (the final walks are the convergence checker's).

#include "sim/checkers/checker.hpp"
#include "sim/mirror_node.hpp"

#include <deque>
#include <map>
#include <vector>

namespace zddc::sim {

class mirror_liveness final : public checker {
public:
  mirror_liveness(const virtual_clock& clock, const node& master, std::vector<const mirror_node*> mirrors,
                  env::duration window);

  void on_served(const exchange& x) override;
  void on_crash(const node& n) override;
  void on_restart(const node& n) override;
  void on_link(const node& a, const node& b, bool up) override;
  void at_end() override;
  /// `m` finished a walk of `subtree`.
  void on_walk(const mirror_node& m, const core::repo_path& subtree, const mirror::walk_stats& stats);

  /// Obligations judged (kept) so far, and walks finished complete.
  std::uint64_t judged() const noexcept { return judged_; }

private:
  struct obligation {
    core::repo_path subtree;
    env::time_point at;
  };
  struct walk {
    env::time_point began, ended;
  };
  struct watched {
    const mirror_node* mirror = nullptr;
    bool partitioned = false;
    std::optional<env::time_point> reachable_since; // mirror and master up, link whole, since
    std::deque<obligation> due;
    std::map<core::repo_path, std::vector<walk>> complete; // complete walks, by subtree
  };

  void update_reachability(watched& w);
  void judge(env::time_point now);

  const virtual_clock& clock_;
  const node& master_;
  env::duration window_;
  std::map<const node*, watched> mirrors_;
  std::uint64_t judged_ = 0;
};

} // namespace zddc::sim
