#pragma once
// The bundled fixture written once per test suite, tiny bodies and no fsync
// (a burst of syncs here would slow the daemons' own), for each test to
// copy and change: what the mirror and documents suites stand on.
#include "harness.hpp"

#include "fixtures/generator.hpp"

#include <filesystem>
#include <memory>

namespace zddc::integration {

/// The fixture's tree under a temporary directory, made on first use and
/// kept until the suite ends (`release`).
class fixture_tree {
public:
  static const std::filesystem::path&
  path()
  {
    if(! dir_) {
      dir_ = std::make_unique<temp_dir>();
      auto const plan = fixtures::plan({});
      for(auto const& d : plan.directories)
        std::filesystem::create_directories(dir_->path() / std::string(d.str()));
      for(auto const& f : plan.files)
        spit(dir_->path() / std::string(f.path.str()), fixtures::body_of(f));
    }
    return dir_->path();
  }

  /// A copy of it at `to`, for one test to serve and change.
  static void copy_to(const std::filesystem::path& to)
  {
    std::filesystem::copy(path(), to, std::filesystem::copy_options::recursive);
  }

  static void release() { dir_.reset(); }

private:
  static inline std::unique_ptr<temp_dir> dir_;
};

} // namespace zddc::integration
