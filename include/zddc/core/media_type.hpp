#pragma once
/// @file
/// Content-Type for a file name, by extension (ASCII case-insensitive).
/// Documents in a controlled tree are mostly PDFs, office files, drawings
/// and images; anything unknown is `application/octet-stream`.

#include <array>
#include <string_view>
#include <utility>

namespace zddc::core {

inline std::string_view
media_type_for(std::string_view name) noexcept
{
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 24> table{{
    {"pdf", "application/pdf"},
    {"txt", "text/plain; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"json", "application/json"},
    {"xml", "application/xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"svg", "image/svg+xml"},
    {"tif", "image/tiff"},
    {"tiff", "image/tiff"},
    {"zip", "application/zip"},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    {"doc", "application/msword"},
    {"xls", "application/vnd.ms-excel"},
    {"dwg", "image/vnd.dwg"},
    {"dxf", "image/vnd.dxf"},
    {"step", "model/step"},
  }};
  auto const dot = name.rfind('.');
  if(dot == std::string_view::npos || dot + 1 == name.size())
    return "application/octet-stream";
  auto const ext = name.substr(dot + 1);
  for(auto const& [suffix, type] : table) {
    if(suffix.size() != ext.size())
      continue;
    bool same = true;
    for(std::size_t i = 0; i < ext.size() && same; ++i) {
      char c = ext[i];
      if(c >= 'A' && c <= 'Z')
        c = static_cast<char>(c - 'A' + 'a');
      same = c == suffix[i];
    }
    if(same)
      return type;
  }
  return "application/octet-stream";
}

} // namespace zddc::core
