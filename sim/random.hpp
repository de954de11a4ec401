#pragma once
/// @file
/// The simulator's one source of choice. Every decision a world makes — a
/// latency, a fault, a think time, a body — is drawn from one generator
/// seeded by the run's seed, so a run is a function of its seed.
///
/// Boost.Random rather than <random>: the standard fixes the engines'
/// output but not the distributions', so `std::uniform_int_distribution`
/// may draw differently on another standard library and a seed would stop
/// reproducing. Boost's distributions are the same code everywhere.

#include <zddc/core/assert.hpp>
#include <zddc/env/clock.hpp>

#include <boost/random/mersenne_twister.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <boost/random/uniform_real_distribution.hpp>

#include <cstdint>
#include <vector>

namespace zddc::sim {

class rng {
public:
  explicit rng(std::uint64_t seed) : engine_(seed) {}
  rng(const rng&) = delete;
  rng& operator=(const rng&) = delete;

  /// Uniform in [lo, hi].
  std::uint64_t
  uniform(std::uint64_t lo, std::uint64_t hi)
  {
    ZDDC_ASSERT(lo <= hi);
    return boost::random::uniform_int_distribution<std::uint64_t>(lo, hi)(engine_);
  }

  /// True with probability `p`.
  bool
  chance(double p)
  {
    if(p <= 0)
      return false;
    if(p >= 1)
      return true;
    return boost::random::uniform_real_distribution<double>(0.0, 1.0)(engine_) < p;
  }

  /// Uniform in [lo, hi].
  env::duration
  between(env::duration lo, env::duration hi)
  {
    return env::duration(static_cast<env::duration::rep>(
      uniform(static_cast<std::uint64_t>(lo.count()), static_cast<std::uint64_t>(hi.count()))));
  }

  /// A waiting time with the given mean, memoryless-ish (uniform on
  /// [0, 2·mean]: bounded, so a run's length stays predictable).
  env::duration
  around(env::duration mean)
  {
    return between(env::duration(0), 2 * mean);
  }

  /// An index in [0, n).
  std::size_t
  index(std::size_t n)
  {
    ZDDC_ASSERT(n > 0);
    return static_cast<std::size_t>(uniform(0, n - 1));
  }

  template<class T>
  const T&
  pick(const std::vector<T>& from)
  {
    return from[index(from.size())];
  }

private:
  boost::random::mt19937_64 engine_;
};

} // namespace zddc::sim
