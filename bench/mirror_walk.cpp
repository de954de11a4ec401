// How fast a mirror walks, in-process: the real master and mirror roles over
// the simulated transport (2-10 ms per exchange, virtual), each on its own
// in-memory disk. For each tree it walks twice: cold (empty mirror) and warm
// (nothing changed). Then, over slow links (round trips of 2, 150 and
// 600 ms), it compares walking directory by directory with asking for the
// tree (`?tree`): requests and virtual seconds of a warm walk and of a walk
// after one file deep in the tree changed. The first table prints
//   - virtual files/s and MB/s: what the walk's request pattern achieves over
//     a link with that latency (bounded by --mirror-parallel, 4);
//   - wall files/s, MB/s and microseconds per file: the CPU cost of both roles
//     together (the master's side included), which should stay flat as the
//     tree grows.
//   zddc-bench-mirror [FILES...]   default: 553 10000 100000 (tiny bodies),
//                                  after the 553-file fixture with realistic bodies
// The first table walks with `?tree` (the default); the second walks both ways.
#include <zddc/mirror/handler.hpp>

#include "fixtures/generator.hpp"
#include "fixtures/write.hpp"
#include "sim/master_node.hpp"
#include "sim/network.hpp"
#include "sim/scheduler.hpp"
#include "sim/node_env.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <vector>

namespace {

using namespace zddc;
using namespace std::chrono_literals;

/// A mirror's environment straight over the in-memory disk (no crashes).
struct mirror_env {
  using clock_type = sim::node_clock;
  using filesystem_type = sim::memory_filesystem;
  using transport_type = sim::network::endpoint;

  sim::node_clock clock_;
  sim::memory_filesystem fs_;
  sim::network::endpoint transport_;

  clock_type& clock() { return clock_; }
  filesystem_type& fs() { return fs_; }
  transport_type& transport() { return transport_; }
  struct no_guard {};
  no_guard commit_guard() { return {}; }
};

struct measured {
  mirror::walk_stats stats;
  double wall_s = 0;
  double virtual_s = 0;
};

class bench_world {
public:
  explicit bench_world(const fixtures::fixture_options& tree, mirror::config walking = {})
    : mirror_(env_, cache::config{.bearer = "t"}, walking, io_.get_executor())
  {
    if(auto ec = fixtures::write_fixture(master_.disk(), fixtures::plan(tree)))
      throw std::runtime_error("writing the tree: " + ec.message());
    // Documents are older than the racy-clean window (content_tags.hpp): a
    // tree written a second ago would be rehashed on every walk.
    clock_.advance_to(clock_.now() + 1h);
    net_.set_profile(sim::link_profile{.latency_min = 2ms, .latency_max = 10ms});
    if(auto ec = mirror_.open())
      throw std::runtime_error("opening the mirror: " + ec.message());
  }

  /// Every exchange takes `rtt` (half each way).
  void set_round_trip(env::duration rtt) { net_.set_profile(sim::link_profile{.latency_min = rtt / 2, .latency_max = rtt / 2}); }

  /// Edits, in place, the file that sorts last: deep in the tree.
  void
  change_one_file()
  {
    auto const files = master_.disk().snapshot().files;
    auto const& [last, bytes] = *files.rbegin();
    master_.disk().edit_in_place(*core::store_path::parse(last), bytes + " changed");
    clock_.advance_to(clock_.now() + 1h); // past the racy-clean window, as above
  }

  measured
  walk()
  {
    std::optional<std::optional<mirror::walk_stats>> out;
    auto const v0 = clock_.now();
    auto const w0 = std::chrono::steady_clock::now();
    boost::asio::co_spawn(io_, mirror_.walks().walk_now(core::repo_path()),
                          [&](std::exception_ptr e, std::optional<mirror::walk_stats> s) {
                            if(e)
                              std::rethrow_exception(e);
                            out = s;
                          });
    sim::run_while(io_, clock_, [&] { return ! out; }, clock_.now() + 24h);
    measured m;
    m.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    m.virtual_s = std::chrono::duration<double>(clock_.now() - v0).count();
    if(! out || ! *out || ! (*out)->complete)
      throw std::runtime_error("the walk did not complete");
    m.stats = **out;
    return m;
  }

private:
  boost::asio::io_context io_;
  sim::virtual_clock clock_{io_.get_executor()};
  sim::rng rng_{1};
  sim::trace trace_{clock_};
  sim::network net_{clock_, rng_, trace_};
  sim::master_node master_{"master", clock_, trace_, {.tokens = {{"t", core::principal::unrestricted("mirror")}}}};
  sim::node mirror_node_{"mirror"};
  mirror_env env_{sim::node_clock(clock_), sim::memory_filesystem([this] { return clock_.now(); }),
                  net_.connect(mirror_node_, master_)};
  mirror::handler<mirror_env> mirror_;
};

void
row(const char* tree, const char* kind, const measured& m)
{
  auto const files = static_cast<double>(m.stats.files);
  auto const mb = static_cast<double>(m.stats.bytes) / 1e6;
  if(m.stats.files == 0) { // a warm walk told by one 304 that nothing changed: no per-file figures
    std::printf("%-10s %-5s %8s %6s %8s %8llu %9s %10s %8s %10s %8s %9s  (%.0f us in all)\n", tree, kind, "-", "-", "-",
                static_cast<unsigned long long>(m.stats.requests), "-", "-", "-", "-", "-", "-", m.wall_s * 1e6);
    return;
  }
  std::printf("%-10s %-5s %8llu %6llu %8llu %8llu %9.1f %10.0f %8.2f %10.0f %8.1f %9.1f\n", tree, kind,
              static_cast<unsigned long long>(m.stats.files), static_cast<unsigned long long>(m.stats.dirs),
              static_cast<unsigned long long>(m.stats.fetched), static_cast<unsigned long long>(m.stats.requests), mb,
              files / m.virtual_s, mb / m.virtual_s, files / m.wall_s, mb / m.wall_s, m.wall_s * 1e6 / files);
}

void
bench(const char* name, const fixtures::fixture_options& tree)
{
  bench_world w(tree);
  row(name, "cold", w.walk());
  row(name, "warm", w.walk());
}

/// Warm and one-change walks over slow links, directory by directory and by tree.
void
slow_links(std::size_t files)
{
  for(bool tree : {false, true}) {
    bench_world w({.file_count = files, .scale = fixtures::body_scale::tiny}, mirror::config{.tree = tree});
    w.walk(); // cold, over the default link
    for(auto rtt : {2ms, 150ms, 600ms}) {
      w.set_round_trip(rtt);
      auto const warm = w.walk();
      w.change_one_file();
      auto const changed = w.walk();
      std::printf("%8zu %-9s %5lld %9llu %9.2f %9.0f %9llu %9.2f\n", files, tree ? "tree" : "directory",
                  static_cast<long long>(rtt.count()), static_cast<unsigned long long>(warm.stats.requests),
                  warm.virtual_s, warm.wall_s * 1e6, static_cast<unsigned long long>(changed.stats.requests),
                  changed.virtual_s);
    }
  }
}

} // namespace

int
main(int argc, char** argv)
{
  std::vector<std::size_t> sizes;
  for(int i = 1; i < argc; ++i)
    sizes.push_back(std::strtoull(argv[i], nullptr, 10));
  if(sizes.empty())
    sizes = {553, 10'000, 100'000};
  std::printf("%-10s %-5s %8s %6s %8s %8s %9s %10s %8s %10s %8s %9s\n", "tree", "walk", "files", "dirs", "fetched",
              "requests", "MB", "vfiles/s", "vMB/s", "files/s", "MB/s", "us/file");
  bench("fixture", {.file_count = 553, .scale = fixtures::body_scale::realistic});
  for(auto n : sizes) {
    auto const name = std::to_string(n);
    bench(name.c_str(), {.file_count = n, .scale = fixtures::body_scale::tiny});
  }
  std::printf("vfiles/s, vMB/s: per virtual second over a 2-10 ms link; files/s, MB/s, us/file: wall clock, "
              "both roles on one core\n\n");
  std::printf("%8s %-9s %5s %9s %9s %9s %9s %9s\n", "files", "walk", "rtt", "warm req", "warm s", "warm us",
              "1chg req", "1chg s");
  for(auto n : sizes)
    slow_links(n);
  std::printf("warm/1chg req, s: requests and virtual seconds of a walk with nothing changed / one file changed "
              "(parallel 4); warm us: wall microseconds of the warm walk, both roles\n");
  return 0;
}
