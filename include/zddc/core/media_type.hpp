#pragma once
/// @file
/// Content-Type for a file name, by extension (ASCII case-insensitive).
/// Documents in a controlled tree are mostly PDFs, office files, drawings
/// and images; anything unknown is `application/octet-stream`.
///
/// `set_document_headers`: what every served document carries, so that a
/// document uploaded by one person can never script the page another uses
/// to upload and delete (stored XSS from the server's own origin).

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/fields.hpp>

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

/// True for types a browser would run as a page with scripts (HTML, SVG,
/// XML that may pull in XSLT): these are downloaded, never shown inline.
inline bool
is_active_media_type(std::string_view type) noexcept
{
  for(std::string_view active : {"text/html", "image/svg+xml", "application/xml", "application/xhtml+xml"})
    if(type.starts_with(active))
      return true;
  return false;
}

/// Sets the safety headers of a served document named `name` (its last
/// path segment):
/// - `X-Content-Type-Options: nosniff`: the browser keeps the declared type;
/// - `Content-Security-Policy: sandbox`: shown inline, the document runs in
///   an opaque origin with scripts, forms and plugins off; PDFs are left
///   out, because Chromium refuses to show a PDF in a sandboxed document,
///   and its viewer runs none of the PDF's scripts against our origin;
/// - `Content-Disposition: attachment` for active types, which are saved
///   rather than opened.
inline void
set_document_headers(boost::beast::http::fields& h, std::string_view name)
{
  namespace http = boost::beast::http;
  auto const type = media_type_for(name);
  h.set("X-Content-Type-Options", "nosniff"); // Beast 1.81 has no field enum for it
  if(type != "application/pdf")
    h.set("Content-Security-Policy", "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'");
  if(is_active_media_type(type))
    h.set(http::field::content_disposition, "attachment");
}

} // namespace zddc::core
