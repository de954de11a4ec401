// Subtrees: how they are written and which one covers a path.
#include <zddc/mirror/config.hpp>

#include <gtest/gtest.h>

namespace zddc::mirror {
namespace config_test {

core::repo_path
p(std::string_view s)
{
  return *core::repo_path::parse(s);
}

TEST(mirror_subtree, is_a_decoded_path_with_optional_slashes)
{
  EXPECT_EQ(parse_subtree("/"), core::repo_path());
  EXPECT_EQ(parse_subtree(""), core::repo_path());
  EXPECT_EQ(parse_subtree("/Projects/X"), p("Projects/X"));
  EXPECT_EQ(parse_subtree("Projects/X/"), p("Projects/X"));
  EXPECT_EQ(parse_subtree("/Spec Docs (IFA)/Caf\xC3\xA9"), p("Spec Docs (IFA)/Caf\xC3\xA9"));
  // Percent signs are name bytes, never decoded a second time.
  EXPECT_EQ(parse_subtree("/100%25")->name(), "100%25");
}

TEST(mirror_subtree, refuses_what_is_not_a_path)
{
  EXPECT_FALSE(parse_subtree("/a//b"));
  EXPECT_FALSE(parse_subtree("/a/../b"));
  EXPECT_FALSE(parse_subtree("/.zddc-outbox"));
}

TEST(mirror_subtree, longest_covering_prefix_wins)
{
  std::vector<core::repo_path> const subtrees{core::repo_path(), p("Projects"), p("Projects/X")};
  EXPECT_EQ(covering_subtree(subtrees, p("Projects/X/spec.pdf")), p("Projects/X"));
  EXPECT_EQ(covering_subtree(subtrees, p("Projects/X")), p("Projects/X"));
  EXPECT_EQ(covering_subtree(subtrees, p("Projects/Y/spec.pdf")), p("Projects"));
  EXPECT_EQ(covering_subtree(subtrees, p("Other")), core::repo_path());
  EXPECT_EQ(covering_subtree(subtrees, core::repo_path()), core::repo_path());
}

TEST(mirror_subtree, matches_whole_segments_only)
{
  std::vector<core::repo_path> const subtrees{p("vendorA")};
  EXPECT_EQ(covering_subtree(subtrees, p("vendorA/x")), p("vendorA"));
  EXPECT_EQ(covering_subtree(subtrees, p("vendorAB/x")), std::nullopt);
  EXPECT_EQ(covering_subtree(subtrees, core::repo_path()), std::nullopt);
}

TEST(mirror_config, defaults_follow_the_design)
{
  config const c;
  EXPECT_EQ(c.subtrees, std::vector<core::repo_path>{core::repo_path()});
  EXPECT_EQ(c.min_interval, std::chrono::hours(1));
  EXPECT_EQ(c.parallel, 4u);
}

} // namespace
} // namespace zddc::mirror
