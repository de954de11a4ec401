// zddc-sim: runs simulated worlds from seeds and checks their invariants.
#include "sim/world.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>

namespace {

namespace po = boost::program_options;
using namespace zddc;

struct seed_range {
  std::uint64_t first = 1, last = 1;
};

std::optional<std::uint64_t>
number(std::string_view s)
{
  std::uint64_t v = 0;
  auto const [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if(ec != std::errc() || end != s.data() + s.size())
    return std::nullopt;
  return v;
}

std::optional<seed_range>
parse_seeds(std::string_view s)
{
  auto const dots = s.find("..");
  if(dots == std::string_view::npos)
    return std::nullopt;
  auto const a = number(s.substr(0, dots));
  auto const b = number(s.substr(dots + 2));
  if(! a || ! b || *a > *b)
    return std::nullopt;
  return seed_range{*a, *b};
}

std::optional<sim::master_variant>
parse_variant(std::string_view s)
{
  if(s == "correct")
    return sim::master_variant::correct;
  if(s == "ignores-if-unmodified-since")
    return sim::master_variant::ignores_if_unmodified_since;
  if(s == "lies-about-fsync")
    return sim::master_variant::lies_about_fsync;
  if(s == "tree-misses-direct-edits")
    return sim::master_variant::tree_misses_direct_edits;
  return std::nullopt;
}

std::optional<sim::cache_variant>
parse_cache_variant(std::string_view s)
{
  if(s == "correct")
    return sim::cache_variant::correct;
  if(s == "wake-never-lands")
    return sim::cache_variant::wake_never_lands;
  if(s == "replays-without-preconditions")
    return sim::cache_variant::replays_without_preconditions;
  if(s == "outbox-lies-about-fsync")
    return sim::cache_variant::outbox_lies_about_fsync;
  if(s == "drops-refused-entries")
    return sim::cache_variant::drops_refused_entries;
  if(s == "forgets-own-writes")
    return sim::cache_variant::forgets_own_writes;
  return std::nullopt;
}

std::optional<sim::mirror_variant>
parse_mirror_variant(std::string s)
{
  std::ranges::replace(s, '_', '-'); // keys_disk_by_encoded_name, as the enum spells it, is fine too
  if(s == "correct")
    return sim::mirror_variant::correct;
  if(s == "keys-disk-by-encoded-name")
    return sim::mirror_variant::keys_disk_by_encoded_name;
  if(s == "no-retries")
    return sim::mirror_variant::no_retries;
  if(s == "incomplete-walk-holds-the-interval")
    return sim::mirror_variant::incomplete_walk_holds_the_interval;
  if(s == "purges-when-a-listing-fails")
    return sim::mirror_variant::purges_when_a_listing_fails;
  if(s == "vouches-early")
    return sim::mirror_variant::vouches_early;
  return std::nullopt;
}

std::string
reproduce(const sim::run_summary& s, const po::variables_map& vm)
{
  std::ostringstream out;
  out << "zddc-sim --seed " << s.seed << " --days " << vm["days"].as<double>() << " --faults "
      << vm["faults"].as<std::string>() << " --clients " << vm["clients"].as<std::size_t>() << " --caches "
      << vm["caches"].as<std::size_t>() << " --mirrors " << vm["mirrors"].as<std::size_t>();
  if(vm.count("mirror-people"))
    out << " --mirror-people " << vm["mirror-people"].as<std::size_t>();
  if(vm.count("mirror-timer"))
    out << " --mirror-timer";
  if(auto const& v = vm["trees"].as<std::string>(); v != "mixed")
    out << " --trees " << v;
  if(auto const& v = vm["broken-master"].as<std::string>(); v != "correct")
    out << " --broken-master " << v;
  if(auto const& v = vm["broken-cache"].as<std::string>(); v != "correct")
    out << " --broken-cache " << v;
  if(auto const& v = vm["broken-mirror"].as<std::string>(); v != "correct")
    out << " --broken-mirror " << v;
  out << " --trace";
  return out.str();
}

void
print(const sim::run_summary& s, double wall_ms)
{
  std::uint64_t complete = 0, fetched = 0, purged = 0;
  for(auto const& w : s.walks) {
    complete += w.stats.complete;
    fetched += w.stats.fetched;
    purged += w.stats.purged;
  }
  std::printf("seed %llu: %s hash=%s events=%llu exchanges=%llu writes=%llu acked=%llu queued=%llu refused=%llu "
              "412=%llu transport-errors=%llu crashes=%llu+%llu+%llu partitions=%llu edits=%llu walks=%llu/%zu "
              "fetched=%llu purged=%llu mirror-requests=%llu+%llu (%.0f ms)\n",
              static_cast<unsigned long long>(s.seed), s.failure ? "FAILED" : "ok",
              sim::to_hex(s.trace_hash).c_str(), static_cast<unsigned long long>(s.events),
              static_cast<unsigned long long>(s.exchanges), static_cast<unsigned long long>(s.clients.writes),
              static_cast<unsigned long long>(s.clients.acknowledged), static_cast<unsigned long long>(s.queued),
              static_cast<unsigned long long>(s.refused_kept), static_cast<unsigned long long>(s.clients.conflicts),
              static_cast<unsigned long long>(s.clients.transport_errors),
              static_cast<unsigned long long>(s.master_crashes), static_cast<unsigned long long>(s.cache_crashes),
              static_cast<unsigned long long>(s.mirror_crashes), static_cast<unsigned long long>(s.partitions),
              static_cast<unsigned long long>(s.external_edits), static_cast<unsigned long long>(complete),
              s.walks.size(), static_cast<unsigned long long>(fetched), static_cast<unsigned long long>(purged),
              static_cast<unsigned long long>(s.mirror_requests_used),
              static_cast<unsigned long long>(s.mirror_requests_idle), wall_ms);
}

po::options_description
describe_options(const std::string& profile_help)
{
  po::options_description opts(
    "Usage: zddc-sim [--seed N | --seeds A..B] [options]\n\n"
    "Runs simulated worlds (a master over the fixture, caches and mirrors in front of it,\n"
    "clients, a person editing on the master's disk, faults) under virtual time, one per\n"
    "seed, and checks the invariants. A result line counts crashes as master+caches+mirrors,\n"
    "walks as complete/finished, and the requests mirrors sent the master as used+idle mirrors'.\n"
    "The same seed and options always give the same run and the same trace hash.\n\nOptions");
  opts.add_options()
    ("help", "print this help")
    ("seed", po::value<std::uint64_t>(), "run one world from this seed")
    ("seeds", po::value<std::string>(), "run every seed in A..B (inclusive)")
    ("days", po::value<double>()->default_value(1.0), "simulated days of activity per world")
    ("faults", po::value<std::string>()->default_value("default"), profile_help.c_str())
    ("clients", po::value<std::size_t>()->default_value(4),
     "people at work: the first half against the master, the rest against the caches")
    ("caches", po::value<std::size_t>()->default_value(1), "caches in front of the master")
    ("mirrors", po::value<std::size_t>()->default_value(1),
     "mirrors in front of the master, one person at each; the odd ones walk / with a full token, "
     "the even ones walk /Vendors with a token for /Vendors/vendorA only")
    ("mirror-people", po::value<std::size_t>(),
     "how many mirrors (the first ones) have a person at work; the rest sit idle (default: all)")
    ("mirror-timer", "also walk every mirror on a fixed timer, used or not (the design's rejected "
                     "alternative, to compare the master's load)")
    ("trees", po::value<std::string>()->default_value("mixed"),
     "whether the master offers ?tree and mirrors ask for it: mixed (by seed: one world in five has a master "
     "from before tree tags, one mirror in three walks directory by directory) | everywhere | nowhere")
    ("trace", "print every event of the run as it happens")
    ("broken-master", po::value<std::string>()->default_value("correct"),
     "a deliberately broken master, to see the checkers catch it: "
     "correct | ignores-if-unmodified-since | lies-about-fsync | tree-misses-direct-edits (its tree "
     "index hears only its own writes)")
    ("broken-cache", po::value<std::string>()->default_value("correct"),
     "a deliberately broken cache: correct | wake-never-lands | replays-without-preconditions | "
     "outbox-lies-about-fsync | drops-refused-entries | forgets-own-writes")
    ("broken-mirror", po::value<std::string>()->default_value("correct"),
     "a deliberately broken mirror: correct | keys-disk-by-encoded-name (the seed's bug 1: names "
     "stored percent-encoded under the filesystem seam, listed as stored) | no-retries (a walk gives up on "
     "the first failed request) | incomplete-walk-holds-the-interval | purges-when-a-listing-fails (a 502 "
     "listing taken for an empty one) | vouches-early (keeps a tree tag before the walk that brings the tree "
     "in has completed)");
  return opts;
}

/// The worlds to run: every option but the seed, and the seeds.
struct sweep {
  sim::world_options base;
  seed_range range;
};

/// The sweep the parsed options ask for; an exit code after a usage error.
std::variant<sweep, int>
sweep_of(const po::variables_map& vm)
{
  seed_range range;
  if(vm.count("seed") && vm.count("seeds")) {
    std::cerr << "zddc-sim: give --seed or --seeds, not both\n";
    return 2;
  }
  if(vm.count("seed"))
    range = {vm["seed"].as<std::uint64_t>(), vm["seed"].as<std::uint64_t>()};
  if(vm.count("seeds")) {
    auto const r = parse_seeds(vm["seeds"].as<std::string>());
    if(! r) {
      std::cerr << "zddc-sim: --seeds takes A..B with A <= B\n";
      return 2;
    }
    range = *r;
  }
  auto const days = vm["days"].as<double>();
  auto const variant = parse_variant(vm["broken-master"].as<std::string>());
  auto const cache_variant = parse_cache_variant(vm["broken-cache"].as<std::string>());
  auto const mirror_variant = parse_mirror_variant(vm["broken-mirror"].as<std::string>());
  auto const trees = vm["trees"].as<std::string>();
  if(! sim::find_fault_profile(vm["faults"].as<std::string>()) || ! variant || ! cache_variant || ! mirror_variant ||
     ! (days > 0) || (trees != "mixed" && trees != "everywhere" && trees != "nowhere")) {
    std::cerr << "zddc-sim: unknown --faults, --broken-master, --broken-cache, --broken-mirror or --trees, or --days "
                 "not positive (see --help)\n";
    return 2;
  }
  sim::world_options base;
  base.length = std::chrono::duration_cast<env::duration>(std::chrono::duration<double, std::ratio<86400>>(days));
  base.faults = vm["faults"].as<std::string>();
  base.clients = vm["clients"].as<std::size_t>();
  base.caches = vm["caches"].as<std::size_t>();
  base.mirrors = vm["mirrors"].as<std::size_t>();
  if(vm.count("mirror-people"))
    base.mirror_people = vm["mirror-people"].as<std::size_t>();
  base.mirror_timer = vm.count("mirror-timer") > 0;
  base.trees = trees == "everywhere" ? sim::tree_use::everywhere
               : trees == "nowhere"  ? sim::tree_use::nowhere
                                     : sim::tree_use::mixed;
  base.master = *variant;
  base.cache = *cache_variant;
  base.mirror = *mirror_variant;
  base.echo = vm.count("trace") ? &std::cout : nullptr;
  return sweep{base, range};
}

/// Runs every world of the sweep, printing one line each and the reason
/// and reproduction of each failure; the exit code.
int
run_sweep(const sweep& w, const po::variables_map& vm)
{
  std::uint64_t failed = 0;
  double simulated_s = 0;
  auto const sweep_start = std::chrono::steady_clock::now();
  for(auto seed = w.range.first;; ++seed) {
    auto options = w.base;
    options.seed = seed;
    auto const t0 = std::chrono::steady_clock::now();
    auto const s = sim::run_world(options);
    auto const ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    simulated_s += std::chrono::duration<double>(s.simulated).count();
    print(s, ms);
    if(s.failure) {
      ++failed;
      std::printf("  violation of %s at %s:\n    %s\n  last events:\n", s.failure->invariant.c_str(),
                  s.failure_time.c_str(), s.failure->detail.c_str());
      for(auto const& line : s.trace_tail)
        std::printf("    %s\n", line.c_str());
      std::printf("  reproduce: %s\n", reproduce(s, vm).c_str());
    }
    if(seed == w.range.last)
      break;
  }
  auto const wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - sweep_start).count();
  auto const seeds = w.range.last - w.range.first + 1;
  std::printf("%llu seed(s), %llu failed; %.0f simulated s in %.2f wall s (%.0f simulated s per wall s, "
              "%.0f seeds per minute)\n",
              static_cast<unsigned long long>(seeds), static_cast<unsigned long long>(failed), simulated_s, wall_s,
              simulated_s / wall_s, static_cast<double>(seeds) * 60.0 / wall_s);
  std::fflush(stdout);
  return failed ? 1 : 0;
}

} // namespace

int
main(int argc, char** argv)
{
  std::string profile_help = "fault profile:";
  for(auto const& p : sim::fault_profiles())
    profile_help += "\n  " + std::string(p.name) + ": " + std::string(p.about);
  auto const opts = describe_options(profile_help);
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
    po::notify(vm);
  } catch(const po::error& e) {
    std::cerr << "zddc-sim: " << e.what() << "\n";
    return 2;
  }
  if(vm.count("help")) {
    std::cout << opts << "\n";
    return 0;
  }
  auto const parsed = sweep_of(vm);
  if(auto const* code = std::get_if<int>(&parsed))
    return *code;
  return run_sweep(std::get<sweep>(parsed), vm);
}
