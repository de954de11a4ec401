#pragma once
// Paths at the limits, for the tests that probe them (tests/support: what
// several test executables share).

#include <zddc/core/path.hpp>

#include <algorithm>
#include <string>

namespace zddc::test_support {

/// `depth` segments `d/d/.../d`.
inline std::string
deep_path(std::size_t depth)
{
  std::string p;
  for(std::size_t i = 0; i < depth; ++i)
    p += i == 0 ? "d" : "/d";
  return p;
}

/// A path of exactly `bytes` bytes made of the longest segments there are.
inline std::string
long_path(std::size_t bytes)
{
  std::string p;
  for(char c = 'a'; p.size() < bytes; ++c) {
    if(! p.empty())
      p += '/';
    p += std::string(std::min(core::segment_bytes_max, bytes - p.size()), c);
  }
  return p;
}

} // namespace zddc::test_support
