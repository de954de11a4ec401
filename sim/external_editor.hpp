#pragma once
/// @file
/// A person at the server, changing files on its disk directly — not
/// through HTTP, so no precondition guards them and no server sees them
/// coming. Edits in place keep the inode and often the size, and come in
/// quick pairs, to give the validators (DESIGN.md §3) their hardest case.

#include "sim/checkers/checker.hpp"
#include "sim/master_node.hpp"

namespace zddc::sim {

class external_editor {
public:
  external_editor(master_node& where, virtual_clock& clock, rng& random, trace& log, checker_set& checkers,
                  env::duration mean_interval);

  boost::asio::awaitable<void> run(env::time_point until);

  std::uint64_t edits() const noexcept { return edits_; }

private:
  void act();
  void changed(const core::repo_path& p, std::optional<std::string> bytes, std::string_view what);

  master_node& where_;
  virtual_clock& clock_;
  rng& rng_;
  trace& trace_;
  checker_set& checkers_;
  env::duration mean_interval_;
  std::uint64_t edits_ = 0;
};

} // namespace zddc::sim
