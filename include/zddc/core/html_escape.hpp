#pragma once
/// @file
/// Escaping text for HTML content and attribute values.

#include <string>
#include <string_view>

namespace zddc::core {

/// Escapes `& < > " '`, so the result is safe in text and in quoted
/// attribute values.
inline std::string
html_escape(std::string_view text)
{
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for(char c : text) {
    switch(c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&#39;"; break;
    default: out += c;
    }
  }
  return out;
}

} // namespace zddc::core
