// Browser sessions: what a session remembers, when it ends, the bound on
// how many there are, and the cookie that carries one.
#include "runtime/sessions.hpp"

#include <gtest/gtest.h>

#include <set>

namespace zddc::runtime {
namespace sessions_test {

using namespace std::chrono_literals;
using clock_type = session_store::clock;

TEST(sessions, a_session_remembers_the_token_digest_and_its_csrf_token)
{
  session_store s(12h);
  auto const t0 = clock_type::time_point(1h);
  auto const opened = s.open("digest-of-the-token", t0);
  EXPECT_EQ(opened.id.size(), 43u) << "256 bits, base64url";
  EXPECT_EQ(opened.csrf.size(), 43u);
  EXPECT_NE(opened.id, opened.csrf);
  auto const found = s.find(opened.id, t0 + 1min);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->token_digest, "digest-of-the-token");
  EXPECT_EQ(found->csrf, opened.csrf);
  EXPECT_FALSE(s.find(opened.csrf, t0)) << "the CSRF token is no session id";
  EXPECT_FALSE(s.find("", t0));
}

TEST(sessions, ids_and_csrf_tokens_are_never_the_same_twice)
{
  session_store s(1h);
  std::set<std::string> seen;
  for(int i = 0; i < 200; ++i) {
    auto const o = s.open("d", clock_type::time_point(1h));
    EXPECT_TRUE(seen.insert(o.id).second);
    EXPECT_TRUE(seen.insert(o.csrf).second);
  }
}

TEST(sessions, a_session_ends_at_its_expiry_and_on_sign_out)
{
  session_store s(2h);
  auto const t0 = clock_type::time_point(1h);
  auto const a = s.open("a", t0);
  auto const b = s.open("b", t0);
  EXPECT_TRUE(s.find(a.id, t0 + 2h - 1s));
  EXPECT_FALSE(s.find(a.id, t0 + 2h)) << "expired";
  EXPECT_FALSE(s.find(a.id, t0)) << "and forgotten, not revived";
  s.close(b.id);
  EXPECT_FALSE(s.find(b.id, t0));
  EXPECT_EQ(s.size(), 0u);
}

TEST(sessions, beyond_the_bound_the_session_nearest_its_expiry_goes)
{
  session_store s(1h, 3);
  auto const t0 = clock_type::time_point(1h);
  auto const oldest = s.open("1", t0);
  auto const second = s.open("2", t0 + 1min);
  auto const third = s.open("3", t0 + 2min);
  auto const fourth = s.open("4", t0 + 3min);
  EXPECT_EQ(s.size(), 3u);
  EXPECT_FALSE(s.find(oldest.id, t0 + 4min));
  EXPECT_TRUE(s.find(second.id, t0 + 4min));
  EXPECT_TRUE(s.find(third.id, t0 + 4min));
  EXPECT_TRUE(s.find(fourth.id, t0 + 4min));
}

TEST(session_cookie, is_http_only_same_site_strict_for_the_whole_site)
{
  EXPECT_EQ(session_cookie("ID", 12h, false), "zddc_session=ID; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict");
  EXPECT_EQ(session_cookie("ID", 1h, true),
            "zddc_session=ID; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict; Secure");
  EXPECT_EQ(expired_session_cookie(false), "zddc_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
  EXPECT_TRUE(expired_session_cookie(true).ends_with("; Secure"));
}

} // namespace
} // namespace zddc::runtime
