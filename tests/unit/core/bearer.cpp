#include <zddc/core/bearer.hpp>

#include <gtest/gtest.h>

namespace zddc::core {
namespace {

TEST(bearer, extracts_token68_credentials)
{
  EXPECT_EQ(bearer_from_authorization("Bearer zddc_abc-DEF_123"), "zddc_abc-DEF_123");
  EXPECT_EQ(bearer_from_authorization("bearer   abc=="), "abc==");
  EXPECT_EQ(bearer_from_authorization("BEARER a.b~c+d/e"), "a.b~c+d/e");
}

TEST(bearer, refuses_other_schemes_and_malformed_tokens)
{
  for(auto v : {"", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearerabc", "Bearer a b", "Bearer a=b",
                "Bearer \"quoted\"", "Bearer a,b"})
    EXPECT_FALSE(bearer_from_authorization(v)) << v;
}

} // namespace
} // namespace zddc::core
