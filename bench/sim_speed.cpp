// How fast the simulator runs: simulated seconds per wall second and worlds
// per minute, per fault profile, over a fixed set of seeds.
//   zddc-bench-sim [SEEDS] [DAYS]       default: 20 seeds of 1 day each
#include "sim/world.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>

int
main(int argc, char** argv)
{
  using namespace zddc;
  std::uint64_t const seeds = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 20;
  double const days = argc > 2 ? std::strtod(argv[2], nullptr) : 1.0;
  std::printf("%-8s %6s %5s %16s %14s %12s %10s\n", "faults", "seeds", "days", "sim s / wall s", "worlds / min",
              "ms / world", "events");
  for(auto const& profile : sim::fault_profiles()) {
    std::uint64_t events = 0;
    double simulated = 0;
    auto const start = std::chrono::steady_clock::now();
    for(std::uint64_t seed = 1; seed <= seeds; ++seed) {
      sim::world_options o;
      o.seed = seed;
      o.faults = std::string(profile.name);
      o.length = std::chrono::duration_cast<env::duration>(std::chrono::duration<double, std::ratio<86400>>(days));
      auto const s = sim::run_world(o);
      if(s.failure) {
        std::printf("seed %llu failed under %s: %s\n", static_cast<unsigned long long>(seed),
                    std::string(profile.name).c_str(), s.failure->detail.c_str());
        return 1;
      }
      events += s.events;
      simulated += std::chrono::duration<double>(s.simulated).count();
    }
    auto const wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%-8s %6llu %5.2f %16.0f %14.0f %12.1f %10.0f\n", std::string(profile.name).c_str(),
                static_cast<unsigned long long>(seeds), days, simulated / wall, static_cast<double>(seeds) * 60 / wall,
                wall * 1000 / static_cast<double>(seeds), static_cast<double>(events) / static_cast<double>(seeds));
  }
  return 0;
}
