#pragma once
// How a world's failure reads in a test's message: the violation, when,
// and the events that led to it.

#include "sim/world.hpp"

#include <string>

namespace zddc::sim::test_support {

inline std::string
explain(const run_summary& s)
{
  if(! s.failure)
    return "no violation";
  std::string out = s.failure->invariant + " at " + s.failure_time + ": " + s.failure->detail + "\n";
  for(auto const& line : s.trace_tail)
    out += "  " + line + "\n";
  return out;
}

} // namespace zddc::sim::test_support
