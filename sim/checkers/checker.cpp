#include "sim/checkers/checker.hpp"

#include <zddc/core/assert.hpp>

namespace zddc::sim {

void
checker::fail(std::string detail)
{
  ZDDC_ASSERT(first_ && clock_);
  if(! *first_)
    *first_ = violation{name_, std::move(detail), clock_->now()};
}

checker&
checker_set::add(std::unique_ptr<checker> c)
{
  c->report_to(first_, clock_);
  checkers_.push_back(std::move(c));
  return *checkers_.back();
}

void
checker_set::on_sent(const exchange& x)
{
  for(auto& c : checkers_)
    c->on_sent(x);
}

void
checker_set::on_link(const node& a, const node& b, bool up)
{
  for(auto& c : checkers_)
    c->on_link(a, b, up);
}

void
checker_set::violated(std::string invariant, std::string detail)
{
  if(! first_)
    first_ = violation{std::move(invariant), std::move(detail), clock_.now()};
}

void
checker_set::on_delivered(const exchange& x)
{
  for(auto& c : checkers_)
    c->on_delivered(x);
}

void
checker_set::on_served(const exchange& x)
{
  for(auto& c : checkers_)
    c->on_served(x);
}

void
checker_set::on_external_change(const external_change& change)
{
  for(auto& c : checkers_)
    c->on_external_change(change);
}

void
checker_set::on_crash(const node& n)
{
  for(auto& c : checkers_)
    c->on_crash(n);
}

void
checker_set::on_restart(const node& n)
{
  for(auto& c : checkers_)
    c->on_restart(n);
}

void
checker_set::at_end()
{
  for(auto& c : checkers_)
    c->at_end();
}

} // namespace zddc::sim
