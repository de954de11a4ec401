#pragma once
/// @file
/// What a name in the tree is. Only regular files and directories exist for
/// ZDDC: the Filesystem seam (env/filesystem.hpp) reports nothing else.

#include <cstdint>

namespace zddc::core {

enum class file_kind : std::uint8_t { regular, directory };

} // namespace zddc::core
