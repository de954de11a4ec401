// Credentials as a request carries them: Bearer, Basic (the token as the
// password), and a cookie's value.
#include <zddc/core/credentials.hpp>

#include <gtest/gtest.h>

namespace zddc::core {
namespace credentials_test {

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

TEST(basic, the_password_is_the_token_whatever_the_user_name)
{
  // base64("anyone:zddc_tok-EN_1")
  EXPECT_EQ(basic_password_from_authorization("Basic YW55b25lOnpkZGNfdG9rLUVOXzE="), "zddc_tok-EN_1");
  EXPECT_EQ(basic_password_from_authorization("basic OnNlY3JldA=="), "secret"); // ":secret", no user name
  EXPECT_EQ(basic_password_from_authorization("BASIC dTphOmI="), "a:b");        // "u:a:b": split at the first ':'
  EXPECT_EQ(basic_password_from_authorization("Basic dTo="), "");               // "u:", an empty password
}

TEST(basic, refuses_other_schemes_and_what_is_not_base64_of_user_colon_password)
{
  for(auto v : {"", "Basic", "Basic ", "Bearer YW55b25lOnRvaw==", "Basic dXNlcg==", /* "user": no colon */
                "Basic YW55b25lOnRvaw", /* not a multiple of 4 */ "Basic YW55b25l*nRvaw==", "Basic ====",
                "Basic YW55=25lOnRvaw=="})
    EXPECT_FALSE(basic_password_from_authorization(v)) << v;
}

TEST(cookie, finds_a_value_among_others)
{
  EXPECT_EQ(cookie_value("zddc_session=abc", "zddc_session"), "abc");
  EXPECT_EQ(cookie_value("theme=dark; zddc_session=abc-_1; lang=en", "zddc_session"), "abc-_1");
  EXPECT_EQ(cookie_value("zddc_session=\"quoted\"", "zddc_session"), "quoted");
  EXPECT_EQ(cookie_value("zddc_session=first; zddc_session=second", "zddc_session"), "first");
  EXPECT_EQ(cookie_value("zddc_session=", "zddc_session"), "");
}

TEST(cookie, a_name_must_match_whole)
{
  EXPECT_FALSE(cookie_value("", "zddc_session"));
  EXPECT_FALSE(cookie_value("xzddc_session=abc", "zddc_session"));
  EXPECT_FALSE(cookie_value("zddc_session_old=abc", "zddc_session"));
  EXPECT_FALSE(cookie_value("zddc_session", "zddc_session"));
}

} // namespace
} // namespace zddc::core
