#pragma once
/// @file
/// Invariant checkers: observers of a world that know what must hold and
/// say so the first time it does not.
///
/// A checker sees every exchange as the server received and answered it
/// (network_observer), every change a person makes on a disk directly,
/// every crash and restart, and the end of the run. The world owns one
/// `checker_set`; the first violation any checker reports ends the run, and
/// the world prints it with the seed, the virtual time and the trace's last
/// events. Invariants of later roles (DESIGN.md §4: the outbox's, the
/// mirror's) are further checkers in this folder, added to the same set.

#include "sim/network.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace zddc::sim {

struct violation {
  std::string invariant; // which checker
  std::string detail;    // what was seen, with paths and tags
  env::time_point at{};
};

/// A change made on a node's disk outside the server (a person at the
/// server, an editor, a script).
struct external_change {
  const node* where = nullptr;
  core::repo_path path;
  std::optional<std::string> bytes; // nullopt: removed
};

class checker : public network_observer {
public:
  explicit checker(std::string name) : name_(std::move(name)) {}

  const std::string& name() const noexcept { return name_; }

  virtual void on_external_change(const external_change&) {}
  virtual void on_crash(const node&) {}
  virtual void on_restart(const node&) {}
  /// A link was partitioned (`up` false) or healed.
  virtual void on_link(const node&, const node&, bool /*up*/) {}
  /// The run is over and every node is up: check the final state.
  virtual void at_end() {}

  /// Where violations go (set by the checker_set).
  void report_to(std::optional<violation>& first, const virtual_clock& clock)
  {
    first_ = &first;
    clock_ = &clock;
  }

protected:
  /// Records a violation (only the first of the whole run is kept).
  void fail(std::string detail);

private:
  std::string name_;
  std::optional<violation>* first_ = nullptr;
  const virtual_clock* clock_ = nullptr;
};

class checker_set final : public network_observer {
public:
  explicit checker_set(const virtual_clock& clock) : clock_(clock) {}

  checker& add(std::unique_ptr<checker> c);

  void on_sent(const exchange& x) override;
  void on_delivered(const exchange& x) override;
  void on_served(const exchange& x) override;
  void on_external_change(const external_change& c);
  void on_crash(const node& n);
  void on_restart(const node& n);
  void on_link(const node& a, const node& b, bool up);
  void at_end();
  /// A violation found outside any checker (by the world itself).
  void violated(std::string invariant, std::string detail);

  const std::optional<violation>& first_violation() const noexcept { return first_; }

private:
  const virtual_clock& clock_;
  std::vector<std::unique_ptr<checker>> checkers_;
  std::optional<violation> first_;
};

} // namespace zddc::sim
