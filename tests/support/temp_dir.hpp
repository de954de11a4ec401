#pragma once
// A fresh directory of the test's own under the system's temp directory
// (tests/support: what several test executables share).

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace zddc::test_support {

/// Creates `<tmp>/<prefix>-XXXXXX` (mkdtemp: private, unique).
inline std::filesystem::path
make_temp_dir(std::string_view prefix)
{
  std::string tmpl = (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
  if(! ::mkdtemp(tmpl.data()))
    throw std::runtime_error("mkdtemp failed for " + tmpl);
  return tmpl;
}

} // namespace zddc::test_support
