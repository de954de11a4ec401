// Rendered answers kept by key, bounded by bytes.
#include <zddc/master/rendered_cache.hpp>

#include <gtest/gtest.h>

namespace zddc::master {
namespace rendered_cache_test {

rendered
page(std::string body)
{
  return {*core::entity_tag::strong("t-" + std::to_string(body.size())), std::move(body)};
}

TEST(rendered_cache, makes_an_answer_once_and_serves_it_after)
{
  rendered_cache cache(1 << 20);
  int made = 0;
  auto make = [&] {
    ++made;
    return page("body");
  };
  auto const first = cache.get("a", make);
  auto const second = cache.get("a", make);
  EXPECT_EQ(made, 1);
  EXPECT_EQ(first, second);
  EXPECT_EQ(second->body, "body");
  EXPECT_EQ(cache.hits(), 1u);
  cache.get("b", make);
  EXPECT_EQ(made, 2);
}

TEST(rendered_cache, keeps_no_answer_larger_than_a_quarter_of_its_bound)
{
  rendered_cache cache(1000);
  int made = 0;
  auto big = [&] {
    ++made;
    return page(std::string(300, 'x'));
  };
  EXPECT_EQ(cache.get("big", big)->body.size(), 300u);
  EXPECT_EQ(cache.get("big", big)->body.size(), 300u);
  EXPECT_EQ(made, 2);
  EXPECT_EQ(cache.hits(), 0u);
}

TEST(rendered_cache, starts_afresh_when_full)
{
  rendered_cache cache(1000);
  int made = 0;
  auto make = [&] {
    ++made;
    return page(std::string(200, 'x'));
  };
  for(auto const* key : {"1", "2", "3", "4"}) // 4 x 201 bytes: all kept
    cache.get(key, make);
  cache.get("1", make);
  EXPECT_EQ(made, 4);
  cache.get("5", make); // over the bound: everything else goes
  cache.get("5", make);
  cache.get("1", make);
  EXPECT_EQ(made, 6);
}

} // namespace rendered_cache_test
} // namespace zddc::master
