// Runs a libFuzzer target over files (or directories of files) without
// libFuzzer, so corpora replay under any compiler as ordinary tests.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void
replay(const std::filesystem::path& file)
{
  std::ifstream in(file, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

} // namespace

int
main(int argc, char** argv)
{
  std::size_t count = 0;
  for(int i = 1; i < argc; ++i) {
    std::filesystem::path const arg(argv[i]);
    if(std::filesystem::is_directory(arg)) {
      for(auto const& entry : std::filesystem::recursive_directory_iterator(arg))
        if(entry.is_regular_file()) {
          replay(entry.path());
          ++count;
        }
    } else {
      replay(arg);
      ++count;
    }
  }
  std::printf("replayed %zu inputs\n", count);
  return count > 0 ? 0 : 1;
}
