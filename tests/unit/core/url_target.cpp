#include <zddc/core/url_target.hpp>

#include <gtest/gtest.h>

namespace zddc::core {
namespace url_target_test {

result<decoded_target>
decode_str(std::string_view s)
{
  auto t = url_target::parse(s);
  if(! t)
    return t.error();
  return decode(*t);
}

TEST(url_target, parses_origin_form_only)
{
  EXPECT_TRUE(url_target::parse("/"));
  EXPECT_TRUE(url_target::parse("/a/b?x=1"));
  EXPECT_EQ(url_target::parse("").error(), path_errc::malformed_target);
  EXPECT_EQ(url_target::parse("a/b").error(), path_errc::malformed_target);
  EXPECT_EQ(url_target::parse("http://host/a").error(), path_errc::malformed_target);
  EXPECT_EQ(url_target::parse("/a b").error(), path_errc::malformed_target);   // raw space
  EXPECT_EQ(url_target::parse("/a%zz").error(), path_errc::malformed_target);  // bad escape
  EXPECT_EQ(url_target::parse("/a%2").error(), path_errc::malformed_target);
}

TEST(url_target, a_target_made_without_text_is_the_root)
{
  url_target const root;
  EXPECT_EQ(root, encode(repo_path()));
  EXPECT_EQ(root, *url_target::parse("/"));
  EXPECT_EQ(root.encoded_path(), "/");
  EXPECT_FALSE(root.encoded_query());
}

TEST(url_target, splits_path_and_query)
{
  auto t = url_target::parse("/a/b%20c?x=1&y");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->encoded_path(), "/a/b%20c");
  ASSERT_TRUE(t->encoded_query());
  EXPECT_EQ(*t->encoded_query(), "x=1&y");
  EXPECT_FALSE(url_target::parse("/a")->encoded_query());
  EXPECT_EQ(t->with_query("z=2").str(), "/a/b%20c?z=2");
}

TEST(url_target, decodes_root_files_and_directories)
{
  auto root = decode_str("/");
  ASSERT_TRUE(root);
  EXPECT_TRUE(root->path.is_root());
  EXPECT_EQ(root->form, target_form::directory);

  auto file = decode_str("/Project/Spec%20(IFA)%20-%20Caf%C3%A9.pdf");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->path.str(), "Project/Spec (IFA) - Caf\xC3\xA9.pdf");
  EXPECT_EQ(file->form, target_form::file);

  auto dir = decode_str("/Project/");
  ASSERT_TRUE(dir);
  EXPECT_EQ(dir->path.str(), "Project");
  EXPECT_EQ(dir->form, target_form::directory);
}

TEST(url_target, decodes_each_segment_exactly_once)
{
  auto p = decode_str("/100%25%20done/%252F");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->path.str(), "100% done/%2F");
  EXPECT_EQ(decode_str("/a+b")->path.str(), "a+b"); // '+' is not a space in a path
}

TEST(url_target, refuses_traversal_in_every_spelling)
{
  for(auto s : {"/..", "/a/../b", "/%2e%2e/x", "/%2E%2E/x", "/.%2e/x", "/./x", "/%2e/x",
                "/a/%2e%2e"}) {
    SCOPED_TRACE(s);
    EXPECT_EQ(decode_str(s).error(), path_errc::dot_segment);
  }
  EXPECT_EQ(decode_str("/a%2f..%2fb").error(), path_errc::slash_in_segment);
  EXPECT_EQ(decode_str("/a%2F..%2F..%2Fetc").error(), path_errc::slash_in_segment);
  EXPECT_EQ(decode_str("/..%5c..%5cx").error(), path_errc::backslash_in_segment);
  EXPECT_EQ(decode_str("/%c0%ae%c0%ae/x").error(), path_errc::invalid_utf8);
  EXPECT_EQ(decode_str("/a%00b").error(), path_errc::control_character);
  EXPECT_EQ(decode_str("/a//b").error(), path_errc::empty_segment);
  EXPECT_EQ(decode_str("/.zddc-outbox/x").error(), path_errc::reserved_name);
  EXPECT_EQ(decode_str("/%2Ezddc-outbox").error(), path_errc::reserved_name);
  EXPECT_EQ(decode_str("/a/.ZDDC-state").error(), path_errc::reserved_name);
}

TEST(url_target, encodes_so_that_decoding_gives_back_the_path)
{
  auto p = *repo_path::parse("Dir #1/Spec (IFA) - 100% & Co's + Caf\xC3\xA9?.pdf");
  auto t = encode(p);
  EXPECT_EQ(t.str(), "/Dir%20%231/Spec%20(IFA)%20-%20100%25%20&%20Co's%20+%20Caf%C3%A9%3F.pdf");
  auto back = decode(t);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->path, p);
  EXPECT_EQ(back->form, target_form::file);
}

TEST(url_target, directory_form_never_starts_with_two_slashes)
{
  EXPECT_EQ(encode(repo_path(), target_form::directory).str(), "/");
  EXPECT_EQ(encode(repo_path(), target_form::file).str(), "/");
  EXPECT_EQ(encode(*repo_path::parse("a"), target_form::directory).str(), "/a/");
  // A segment that looks like a host stays a path segment.
  auto host_like = *repo_path::parse("evil.example");
  EXPECT_EQ(encode(host_like, target_form::directory).str(), "/evil.example/");
}

} // namespace
} // namespace zddc::core
