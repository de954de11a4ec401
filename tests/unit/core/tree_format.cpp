// The `?tree` answer's lines (core/tree_format.hpp): what the master writes
// a mirror reads back, and nothing else gets through.
#include <zddc/core/tree_format.hpp>

#include <gtest/gtest.h>

namespace zddc::core {
namespace tree_format_test {

repo_path
path(std::string_view s)
{
  return *repo_path::parse(s);
}

entity_tag
tag(std::string_view opaque)
{
  return *entity_tag::strong(opaque);
}

std::string
without_newline(std::string line)
{
  EXPECT_TRUE(line.ends_with('\n'));
  line.pop_back();
  EXPECT_EQ(line.find('\n'), std::string::npos) << "one line, one JSON text";
  return line;
}

TEST(tree_format, a_head_goes_and_comes_back)
{
  for(auto const& h : {tree_head{path("Docs/Café #1"), tag("abc"), std::nullopt},
                       tree_head{repo_path(), tag("abc"), tag("def")}}) {
    auto const line = without_newline(tree_head_line(h));
    auto const back = parse_tree_line(line);
    ASSERT_TRUE(back) << line;
    EXPECT_EQ(std::get<tree_head>(*back), h) << line;
  }
}

TEST(tree_format, a_listing_line_is_the_listing_as_get_answers_it)
{
  listing l{path("Docs"), {{"Sub", file_kind::directory, 0, time_point(duration(9)), std::nullopt},
                           {"a.pdf", file_kind::regular, 3, time_point(duration(7)), tag("t")}}}; // name-byte order
  auto const line = without_newline(tree_listing_line(l));
  EXPECT_EQ(line, to_json(l));
  auto const back = parse_tree_line(line);
  ASSERT_TRUE(back);
  EXPECT_EQ(std::get<listing>(*back), l);
}

TEST(tree_format, an_end_goes_and_comes_back)
{
  auto const back = parse_tree_line(without_newline(tree_end_line(42)));
  ASSERT_TRUE(back);
  EXPECT_EQ(std::get<tree_end>(*back).directories, 42u);
}

TEST(tree_format, anything_else_is_refused)
{
  for(std::string_view bad : {
        "",
        "not json",
        "[]",
        "{}",
        R"({"end":false,"directories":1})",
        R"({"end":true,"directories":-1})",
        R"({"end":true})",
        R"({"path":"/a/","tree":"\"t\""})",                // no base
        R"({"path":"/a/","tree":"W/\"t\"","base":null})",  // a weak tag
        R"({"path":"/a/","tree":"t","base":null})",        // not a tag at all
        R"({"path":"/a","tree":"\"t\"","base":null})",     // a file's target
        R"({"path":"/a/?x","entries":[]})",                // a query
        R"({"path":"a/","entries":[]})",                   // not a target
        R"({"path":"/a/","entries":[{"name":"..","type":"file","size":1,"mtime_ns":1}]})",
        R"({"path":"/a/","entries":[{"name":"x/y","type":"file","size":1,"mtime_ns":1}]})",
        R"({"path":"/%2e%2e/","entries":[]})",
        R"({"path":"/.zddc-tree-tag/","entries":[]})",
      })
    EXPECT_FALSE(parse_tree_line(bad)) << bad;
}

} // namespace
} // namespace zddc::core
