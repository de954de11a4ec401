#pragma once
/// @file
/// "Could not reach" never means "deleted" (DESIGN.md §2, Mirror): nothing a
/// mirror held is removed from its disk unless the master's latest answer
/// to that mirror said it was gone — a listing of its directory that lacks
/// it (or shows it as the other kind), or a 403/404/410 for it or for a
/// directory above it, or the master's acceptance of the mirror's own
/// DELETE of it.
///
/// The checker follows every answer the master serves a mirror: the JSON
/// listings, alone or in a tree (and, for a 304, the listing whose tag the mirror sent), and
/// the statuses that say a path is gone. Each removal on a mirror's disk
/// (its own `.zddc*` files aside) must be justified by that evidence for
/// the path or one of its ancestors. A walk that purged a directory whose
/// listing answered 502 is caught here, at the first file it removes.

#include "sim/checkers/checker.hpp"
#include "sim/mirror_node.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace zddc::sim {

class mirror_safety final : public checker {
public:
  mirror_safety(const node& master, std::vector<const mirror_node*> mirrors);

  void on_served(const exchange& x) override;
  /// `m` removed `p`, which was a `kind`.
  void on_removed(const mirror_node& m, const core::store_path& p, env::file_kind kind);

  /// Removals judged so far.
  std::uint64_t judged() const noexcept { return judged_; }

private:
  using names = std::map<std::string, env::file_kind>; // a listing: name → kind
  struct evidence {
    std::map<core::repo_path, names> listing;                        // the latest listing of each directory
    std::map<core::repo_path, std::map<std::string, names>> by_tag;  // every listing served, by its JSON tag
    std::set<core::repo_path> gone;                                  // the latest answer for it said gone
  };

  /// Records a listing the master served the mirror (alone, or in a tree).
  static void learn(evidence& e, const core::listing& l);
  /// Whether removing `p` (a `kind`) is justified by the master's latest answers.
  bool justified(const evidence& e, const core::repo_path& p, env::file_kind kind) const;

  const node& master_;
  std::map<const node*, evidence> mirrors_;
  std::uint64_t judged_ = 0;
};

} // namespace zddc::sim
