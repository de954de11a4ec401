#pragma once
/// @file
/// Invariant 4 (DESIGN.md §4), convergence: after the network heals and a
/// walk completes, a mirror's tree equals the master's tree as visible to
/// the mirror's bearer, byte for byte.
///
/// The world asks for the judgement at the very end — after the heal, the
/// settle hour and the other final checks, with the people and the editor
/// gone and the links calm — by running a walk of each of the mirror's
/// subtrees to completion. That walk must report itself complete, and then,
/// under that subtree, the mirror's files (path → bytes; its own `.zddc*`
/// files aside) and directories must be exactly the master's files its
/// bearer may read and directories it may see (core/policy.hpp). Before
/// any walk, the mirror's outbox must have drained: a write it still holds
/// would make its copy differ for a reason that is not the walker's.
///
/// A copy may lag for a file the master changed while a walk ran; that is
/// why only the final walks are judged: by then every outbox has drained
/// (the outbox checker's final check comes first) and no one else acts, so
/// the master holds still while they run.

#include "sim/checkers/checker.hpp"
#include "sim/master_node.hpp"
#include "sim/mirror_node.hpp"

#include <zddc/core/policy.hpp>

namespace zddc::sim {

class mirror_convergence final : public checker {
public:
  explicit mirror_convergence(master_node& master);

  /// The mirror is about to be walked a last time: its outbox must be empty.
  void before_final_walks(const mirror_node& m);
  /// A final walk of `subtree` on `m`, whose bearer is `bearer`, ended with `stats`.
  void judge(mirror_node& m, const core::principal& bearer, const core::repo_path& subtree,
             const mirror::walk_stats& stats);

  /// The master's tree as `bearer` sees it under `subtree`.
  memory_filesystem::tree master_view(const core::principal& bearer, const core::repo_path& subtree);

  /// Final walks judged so far.
  std::uint64_t judged() const noexcept { return judged_; }

private:
  master_node& master_;
  std::uint64_t judged_ = 0;
};

} // namespace zddc::sim
