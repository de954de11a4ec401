// Content types by extension, and the safety headers every served
// document carries (no document may script the page another person uses).
#include <zddc/core/media_type.hpp>

#include <gtest/gtest.h>

namespace zddc::core {
namespace media_type_test {

namespace http = boost::beast::http;

TEST(media_type, by_extension_ignoring_ascii_case)
{
  EXPECT_EQ(media_type_for("Spec (IFA).pdf"), "application/pdf");
  EXPECT_EQ(media_type_for("PLAN.PDF"), "application/pdf");
  EXPECT_EQ(media_type_for("notes.Txt"), "text/plain; charset=utf-8");
  EXPECT_EQ(media_type_for("site.dwg"), "image/vnd.dwg");
  EXPECT_EQ(media_type_for("a.tar.zip"), "application/zip"); // the last extension counts
}

TEST(media_type, unknown_or_missing_extensions_are_octet_streams)
{
  for(auto name : {"README", "trailing.", "archive.7z", "x.pdfx", ".pdf.bak", "caf\xC3\xA9.P\xC3\x84"})
    EXPECT_EQ(media_type_for(name), "application/octet-stream") << name;
}

TEST(media_type, html_svg_and_xml_are_active)
{
  for(auto name : {"page.html", "page.HTM", "logo.svg", "data.xml"})
    EXPECT_TRUE(is_active_media_type(media_type_for(name))) << name;
  for(auto name : {"a.pdf", "a.txt", "a.png", "a.json", "a.docx"})
    EXPECT_FALSE(is_active_media_type(media_type_for(name))) << name;
}

TEST(document_headers, every_document_is_sandboxed_and_never_sniffed)
{
  http::fields h;
  set_document_headers(h, "photo.png");
  EXPECT_EQ(h["X-Content-Type-Options"], "nosniff");
  EXPECT_TRUE(h["Content-Security-Policy"].starts_with("sandbox"));
  EXPECT_EQ(h.count(http::field::content_disposition), 0u) << "a picture may be shown inline";
}

TEST(document_headers, an_active_document_is_downloaded_not_opened)
{
  for(auto name : {"evil.html", "evil.svg", "evil.xml"}) {
    http::fields h;
    set_document_headers(h, name);
    EXPECT_EQ(h[http::field::content_disposition], "attachment") << name;
    EXPECT_TRUE(h["Content-Security-Policy"].starts_with("sandbox")) << name;
  }
}

TEST(document_headers, a_pdf_is_not_sandboxed_so_the_browser_can_show_it)
{
  http::fields h;
  set_document_headers(h, "drawing.pdf");
  EXPECT_EQ(h.count("Content-Security-Policy"), 0u);
  EXPECT_EQ(h["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(h.count(http::field::content_disposition), 0u);
}

} // namespace
} // namespace zddc::core
