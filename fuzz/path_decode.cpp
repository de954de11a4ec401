// Fuzzes request target -> repo_path decoding. Whatever decodes must be a
// path of valid segments that re-encodes and decodes to itself.
#include <zddc/core/url_target.hpp>

#include <zddc/core/assert.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace zddc::core;
  std::string_view const input(reinterpret_cast<const char*>(data), size);
  auto const target = url_target::parse(input);
  if(! target)
    return 0;
  auto const decoded = decode(*target);
  if(! decoded)
    return 0;
  auto const& path = decoded->path;
  ZDDC_ASSERT(! path.store().has_reserved_segment());
  auto const reparsed = repo_path::parse(path.str());
  ZDDC_ASSERT(reparsed && *reparsed == path);
  auto const again = decode(encode(path, decoded->form));
  ZDDC_ASSERT(again && again->path == path && again->form == decoded->form);
  return 0;
}
