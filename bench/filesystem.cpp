// The daemon's filesystem calls behind a small GET and a 304, with Google
// Benchmark: what `open_read` (openat2 beneath the root, fstat, and close
// when the reader goes), `stat` (the same with O_PATH) and `glance` (one
// fstatat: env/filesystem.hpp, Glancing) cost here, on a 4 KiB file two
// directories deep in a fresh temporary root. They print figures; nothing
// passes or fails.
//
//     cmake --preset bench && cmake --build --preset bench --target zddc-bench-filesystem
//     taskset -c 0 build/bench/bench/zddc-bench-filesystem
#include "runtime/posix_filesystem.hpp"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

namespace {

using namespace zddc;
namespace stdfs = std::filesystem;

/// A root holding `Project/Docs/4KiB.pdf`, removed at exit.
class tree {
public:
  tree()
  {
    std::string pattern = (stdfs::temp_directory_path() / "zddc-bench-fs-XXXXXX").string();
    dir_ = ::mkdtemp(pattern.data());
    stdfs::create_directories(dir_ / "Project" / "Docs");
    std::ofstream(dir_ / "Project" / "Docs" / "4KiB.pdf") << std::string(4096, 'x');
    fs_.emplace(*runtime::posix_filesystem::open(dir_.string()));
  }
  tree(const tree&) = delete;
  tree& operator=(const tree&) = delete;
  ~tree()
  {
    fs_.reset();
    stdfs::remove_all(dir_);
  }

  runtime::posix_filesystem& fs() { return *fs_; }
  core::store_path file() const { return *core::store_path::parse("Project/Docs/4KiB.pdf"); }

private:
  stdfs::path dir_;
  std::optional<runtime::posix_filesystem> fs_;
};

/// One call on the tree's file, `call(fs, path)`, per iteration.
template<class Call>
void
on_a_file(benchmark::State& state, Call call)
{
  tree t;
  auto const p = t.file();
  for(auto _ : state) {
    auto r = call(t.fs(), p); // a reader is closed at the end of each iteration
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK_CAPTURE(on_a_file, open_read, [](auto& fs, auto const& p) { return fs.open_read(p); });
BENCHMARK_CAPTURE(on_a_file, stat, [](auto& fs, auto const& p) { return fs.stat(p); });
BENCHMARK_CAPTURE(on_a_file, glance, [](auto& fs, auto const& p) { return fs.glance(p); });

} // namespace

BENCHMARK_MAIN();
