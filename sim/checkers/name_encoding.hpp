#pragma once
/// @file
/// Invariant 3 (DESIGN.md §4), encoding: a name round-trips URL ↔ disk ↔
/// listing unchanged, and no cache's or mirror's disk ever holds a
/// percent-encoded artefact of a name.
///
/// The check on disks: every name on a cache's or mirror's disk (outside
/// the roles' own `.zddc*` names) must be a path someone actually used — a
/// path the master held (the fixture, and what the person at the server
/// created), or the decoded target of a request any node received — or an
/// ancestor directory of one.
///
/// Why this is sound: a correct cache or mirror names a file only after a
/// decoded request target it was asked for, or after an entry of a master
/// listing; every name on the master came from the fixture, a decoded
/// request target or the person at the server; and this checker learns
/// each of those before any node can act on it (a request when it is
/// delivered, an edit as it happens). Temp files, spools, listing sidecars,
/// the outbox and the state file all have reserved names.
///
/// Why it catches the seed's bug 1: an encoded artefact (`A%20B.pdf` for
/// `A B.pdf`) is a name no one ever used — no person here asks for a name
/// with a literal `%XX` in it, and were one to, that name would be learned
/// and a correct node could store it. When the name percent-decodes to a
/// known one, the report says whose artefact it is.
///
/// When: each exchange a cache or mirror answered has the directory of its
/// target (and the target, when it is a directory) checked at that
/// instant; whole disks are scanned when the world asks (after each walk),
/// after every restart, and at the end. JSON listings those nodes serve
/// must name only known paths too, and every target delivered anywhere must
/// decode, re-encode and decode to the same path.

#include "sim/caching_node.hpp"
#include "sim/checkers/checker.hpp"
#include "sim/master_node.hpp"

#include <set>
#include <string>
#include <vector>

namespace zddc::sim {

class name_encoding final : public checker {
public:
  name_encoding(master_node& master, std::vector<caching_node*> nodes);

  void on_delivered(const exchange& x) override;
  void on_served(const exchange& x) override;
  void on_external_change(const external_change& c) override;
  void on_restart(const node& n) override;
  void at_end() override;

  /// Checks every name on `n`'s disk now.
  void scan(caching_node& n);

private:
  caching_node* caching(const node* n) const;
  void learn(const core::store_path& p);
  /// Checks the names in `dir` on `n`'s disk, and below it when `deep`.
  void check_directory(caching_node& n, const core::store_path& dir, bool deep);
  void check_listing(const exchange& x, const core::repo_path& dir);

  std::vector<caching_node*> nodes_;
  std::set<std::string, std::less<>> known_; // joined paths, without the leading '/'
};

} // namespace zddc::sim
