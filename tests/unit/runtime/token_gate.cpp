// A master's access with tokens: Bearer, Basic and browser sessions, and
// a session ending with its token.
#include "runtime/token_gate.hpp"

#include "../../support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <filesystem>

namespace zddc::runtime {
namespace token_gate_test {

namespace http = boost::beast::http;
namespace stdfs = std::filesystem;
using namespace std::chrono_literals;

class token_gate_test : public ::testing::Test {
protected:
  void
  SetUp() override
  {
    dir_ = test_support::make_temp_dir("zddc-gate");
    auto store = token_store::open(path());
    ASSERT_TRUE(store);
    auto issued = store->issue("vendorA", {*parse_grant("/vendorA:rw")});
    ASSERT_TRUE(issued);
    token_ = issued->token;
    id_ = issued->id;
    gate_.emplace(std::move(*store), 12h, 0ms); // looks at the file on every request
  }
  void TearDown() override { stdfs::remove_all(dir_); }

  std::string path() const { return (dir_ / "tokens.json").string(); }

  std::optional<authentication>
  with(http::field f, std::string value)
  {
    http::fields h;
    h.set(f, value);
    return gate_->authenticate(h, now_);
  }

  std::optional<authentication>
  cookie(std::string_view id)
  {
    return with(http::field::cookie, "zddc_session=" + std::string(id));
  }

  stdfs::path dir_;
  std::string token_, id_;
  std::optional<token_gate> gate_;
  token_gate::clock::time_point now_ = token_gate::clock::now();
};

TEST_F(token_gate_test, bearer_and_basic_carry_the_token)
{
  auto const bearer = with(http::field::authorization, "Bearer " + token_);
  ASSERT_TRUE(bearer);
  EXPECT_EQ(bearer->who->name, "vendorA");
  EXPECT_EQ(bearer->via, credential_kind::bearer);
  EXPECT_TRUE(bearer->csrf.empty());

  // curl -u anyone:TOKEN
  std::string const user_pass = "anyone:" + token_;
  std::string b64(4 * ((user_pass.size() + 2) / 3), '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), reinterpret_cast<const unsigned char*>(user_pass.data()),
                  static_cast<int>(user_pass.size()));
  auto const basic = with(http::field::authorization, "Basic " + b64);
  ASSERT_TRUE(basic);
  EXPECT_EQ(basic->who->name, "vendorA");
  EXPECT_EQ(basic->via, credential_kind::basic);

  EXPECT_FALSE(with(http::field::authorization, "Bearer zddc_not-a-token"));
  EXPECT_FALSE(gate_->authenticate({}, now_));
}

TEST_F(token_gate_test, signing_in_opens_a_session_the_cookie_carries)
{
  EXPECT_FALSE(gate_->sign_in("zddc_wrong", now_));
  EXPECT_FALSE(gate_->sign_in("", now_));
  auto const opened = gate_->sign_in(token_, now_);
  ASSERT_TRUE(opened);
  auto const by_cookie = cookie(opened->id);
  ASSERT_TRUE(by_cookie);
  EXPECT_EQ(by_cookie->who->name, "vendorA");
  EXPECT_EQ(by_cookie->via, credential_kind::session);
  EXPECT_EQ(by_cookie->session_id, opened->id);
  EXPECT_EQ(by_cookie->csrf, opened->csrf);
  EXPECT_FALSE(cookie("made-up")) << "an unknown session id is nobody";
  EXPECT_FALSE(cookie(token_)) << "the token itself is no session id";
}

TEST_F(token_gate_test, a_failing_authorization_is_not_rescued_by_the_cookie)
{
  auto const opened = gate_->sign_in(token_, now_);
  ASSERT_TRUE(opened);
  http::fields h;
  h.set(http::field::authorization, "Bearer zddc_wrong");
  h.set(http::field::cookie, "zddc_session=" + opened->id);
  EXPECT_FALSE(gate_->authenticate(h, now_));
}

TEST_F(token_gate_test, sign_out_and_expiry_end_a_session)
{
  auto const a = gate_->sign_in(token_, now_);
  auto const b = gate_->sign_in(token_, now_);
  ASSERT_TRUE(a && b);
  gate_->sign_out(a->id);
  EXPECT_FALSE(cookie(a->id));
  EXPECT_TRUE(cookie(b->id)) << "one sign-out ends one session";
  now_ += 12h;
  EXPECT_FALSE(cookie(b->id));
}

TEST_F(token_gate_test, revoking_the_token_ends_its_sessions)
{
  auto const opened = gate_->sign_in(token_, now_);
  ASSERT_TRUE(opened);
  ASSERT_TRUE(cookie(opened->id));
  auto other = token_store::open(path()); // `zddc token revoke`, as another process
  ASSERT_TRUE(other);
  ASSERT_FALSE(other->revoke(id_));
  now_ += 1s;
  EXPECT_FALSE(cookie(opened->id));
  EXPECT_FALSE(with(http::field::authorization, "Bearer " + token_));
}

TEST_F(token_gate_test, a_vanished_store_fails_closed_for_sessions_too)
{
  auto const opened = gate_->sign_in(token_, now_);
  ASSERT_TRUE(opened);
  stdfs::remove(path());
  now_ += 1s;
  EXPECT_FALSE(cookie(opened->id));
  EXPECT_FALSE(gate_->sign_in(token_, now_));
}

} // namespace
} // namespace zddc::runtime
