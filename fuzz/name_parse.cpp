// Fuzzes ZDDC name parsing: whatever parses must format back to the input.
#include <zddc/core/naming.hpp>

#include <zddc/core/assert.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace zddc::core;
  std::string_view const input(reinterpret_cast<const char*>(data), size);
  if(auto d = parse_document_name(input))
    ZDDC_ASSERT(format(*d) == input);
  if(auto t = parse_transmittal_name(input))
    ZDDC_ASSERT(format(*t) == input);
  if(auto r = revision::parse(input))
    ZDDC_ASSERT(format(*r) == input);
  return 0;
}
