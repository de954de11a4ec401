#include <zddc/core/policy.hpp>

#include <gtest/gtest.h>

namespace zddc::core {
namespace policy_test {

repo_path
p(std::string_view s)
{
  return *repo_path::parse(s);
}

principal
vendor()
{
  return {"vendorA", {{p("Projects/X/vendorA"), access::write}, {p("Public"), access::read}}};
}

TEST(policy, grants_inherit_downwards)
{
  auto const v = vendor();
  EXPECT_EQ(access_to(v, p("Projects/X/vendorA")), access::write);
  EXPECT_EQ(access_to(v, p("Projects/X/vendorA/deep/file.pdf")), access::write);
  EXPECT_EQ(access_to(v, p("Public/a.pdf")), access::read);
  EXPECT_TRUE(may_read(v, p("Projects/X/vendorA/x")));
  EXPECT_FALSE(may_write(v, p("Public/a.pdf")));
}

TEST(policy, grants_match_whole_segments)
{
  auto const v = vendor();
  EXPECT_EQ(access_to(v, p("Projects/X/vendorAB")), access::none);
  EXPECT_EQ(access_to(v, p("Projects/X/vendorAB/x.pdf")), access::none);
  EXPECT_EQ(access_to(v, p("PublicX")), access::none);
}

TEST(policy, ancestors_of_grants_are_visible_but_not_readable)
{
  auto const v = vendor();
  EXPECT_TRUE(is_visible(v, repo_path()));
  EXPECT_TRUE(is_visible(v, p("Projects")));
  EXPECT_TRUE(is_visible(v, p("Projects/X")));
  EXPECT_FALSE(may_read(v, p("Projects/X")));
  EXPECT_FALSE(is_visible(v, p("Projects/Y")));
  EXPECT_FALSE(is_visible(v, p("Projects/X/vendorB")));
  EXPECT_FALSE(is_visible(v, p("Other")));
}

TEST(policy, strongest_grant_wins_and_unrestricted_covers_everything)
{
  principal both{"x", {{p("a"), access::read}, {p("a/b"), access::write}}};
  EXPECT_EQ(access_to(both, p("a/b/c")), access::write);
  EXPECT_EQ(access_to(both, p("a/c")), access::read);
  auto const all = principal::unrestricted("local");
  EXPECT_EQ(access_to(all, repo_path()), access::write);
  EXPECT_EQ(access_to(all, p("any/where")), access::write);
  principal none{"nobody", {}};
  EXPECT_FALSE(is_visible(none, repo_path()));
}

} // namespace
} // namespace zddc::core
