#pragma once
/// @file
/// Tree tags (master/tree.hpp) are kept current incrementally; this checks
/// that they are right. Whenever the master answers a `?tree` (200 or 304),
/// after every edit a person makes on its disk, and at the end, the root's
/// tree tag as the master's index has it must equal one computed afresh
/// over the disk, outside the seam, by an index that re-lists every
/// directory. So every tag the master serves, and every change its watch
/// must see, is judged; the server's own writes are judged by the next
/// answer. A failure names the first listing where the two trees differ. A
/// master whose index misses a person's edits (`tree-misses-direct-edits`)
/// is caught at the first edit.

#include "sim/checkers/checker.hpp"
#include "sim/master_node.hpp"

#include <zddc/master/tree.hpp>

namespace zddc::sim {

class tree_tags final : public checker {
public:
  tree_tags(master_node& master, const virtual_clock& clock);

  void on_served(const exchange& x) override;
  void on_external_change(const external_change& c) override;
  void at_end() override;

  /// Comparisons made so far.
  std::uint64_t checks() const noexcept { return checks_; }

private:
  void check(std::string_view after);
  /// Where two trees first differ, said for a person.
  static std::string first_difference(const master::tree_node& kept, const master::tree_node& fresh);

  master_node& master_;
  const virtual_clock& clock_;
  // Over the disk itself, which does not report changes to this index, so
  // every look re-lists the whole tree (content tags stay cached, under
  // their own racy-clean rule).
  master::tree_index<memory_filesystem> afresh_;
  std::uint64_t checks_ = 0;
};

} // namespace zddc::sim
