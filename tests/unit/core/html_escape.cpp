// Text placed in HTML, in element content or a quoted attribute, never
// becomes markup.
#include <zddc/core/html_escape.hpp>

#include <gtest/gtest.h>

namespace zddc::core {
namespace html_escape_test {

TEST(html_escape, the_five_markup_characters_become_references)
{
  EXPECT_EQ(html_escape(R"(<a href="x" onclick='y'>&</a>)"),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
}

TEST(html_escape, everything_else_passes_byte_for_byte)
{
  std::string const text = "Spec (IFA) - Caf\xC3\xA9 #1 100% \xE2\x80\xAE;=,+";
  EXPECT_EQ(html_escape(text), text);
  EXPECT_EQ(html_escape(""), "");
  EXPECT_EQ(html_escape(std::string("nul\0x", 5)), std::string("nul\0x", 5));
}

TEST(html_escape, an_escaped_ampersand_is_escaped_again)
{
  EXPECT_EQ(html_escape("&amp;"), "&amp;amp;"); // escaping is not idempotent: escape once, at output
}

} // namespace
} // namespace zddc::core
