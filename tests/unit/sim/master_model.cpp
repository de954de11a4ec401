// The master-model checker itself: it must object to what a broken master
// would do, at the lowest level, without a whole world around it.
#include "sim/checkers/master_model.hpp"

#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

namespace zddc::sim {
namespace master_model_test {

namespace http = boost::beast::http;

class master_model_checker : public ::testing::Test {
protected:
  master_model_checker()
  {
    master_.disk().write_file_direct(*core::repo_path::parse("a.txt"), "version one");
    model_ = static_cast<master_model*>(&checkers_.add(std::make_unique<master_model>(master_)));
  }

  exchange
  put(std::string_view path, std::string body, http::field precondition, std::string value)
  {
    exchange x;
    x.id = ++id_;
    x.to = &master_;
    x.method = http::verb::put;
    x.target = core::encode(*core::repo_path::parse(path));
    x.request_headers.set(http::field::authorization, "Bearer token-c1");
    if(precondition != http::field::unknown)
      x.request_headers.set(precondition, value);
    x.request_body = std::move(body);
    return x;
  }

  /// What a master that answered `status` without doing anything looks like.
  void
  answer(exchange& x, http::status status)
  {
    checkers_.on_delivered(x);
    x.response.status = status;
    core::sha256 h;
    h.update(x.request_body);
    x.response.headers.set(http::field::etag, core::content_etag(h.finish()).to_string());
    checkers_.on_served(x);
  }

  boost::asio::io_context io_;
  virtual_clock clock_{io_.get_executor()};
  trace trace_{clock_};
  core::principal vendor_{"vendor", {{*core::repo_path::parse("Vendor"), core::access::write}}};
  master_node master_{"master", clock_, trace_,
                      {.tokens = {{"token-c1", core::principal::unrestricted("c1")}, {"token-vendor", vendor_}}}};
  checker_set checkers_{clock_};
  master_model* model_ = nullptr;
  std::uint64_t id_ = 0;
};

TEST_F(master_model_checker, a_write_applied_against_a_stale_if_match_is_a_violation)
{
  master_.disk().write_file_direct(*core::repo_path::parse("a.txt"), "clobbered");
  auto x = put("a.txt", "clobbered", http::field::if_match, "\"not-the-current-tag\"");
  answer(x, http::status::no_content);
  ASSERT_TRUE(checkers_.first_violation());
  EXPECT_NE(checkers_.first_violation()->detail.find("applied although its precondition failed"), std::string::npos);
}

TEST_F(master_model_checker, a_412_when_the_precondition_held_is_a_violation)
{
  auto x = put("b.txt", "new", http::field::if_none_match, "*");
  answer(x, http::status::precondition_failed);
  ASSERT_TRUE(checkers_.first_violation());
  EXPECT_NE(checkers_.first_violation()->detail.find("refused although its precondition held"), std::string::npos);
}

TEST_F(master_model_checker, an_acknowledged_write_missing_from_the_disk_is_a_violation)
{
  auto x = put("b.txt", "new", http::field::if_none_match, "*");
  answer(x, http::status::created); // but nothing was written
  ASSERT_TRUE(checkers_.first_violation());
  EXPECT_NE(checkers_.first_violation()->detail.find("acknowledged, but the disk holds absent"), std::string::npos);
}

TEST_F(master_model_checker, a_change_nobody_made_is_found_at_the_end)
{
  master_.disk().edit_in_place(*core::repo_path::parse("a.txt"), "silently changed");
  checkers_.at_end();
  ASSERT_TRUE(checkers_.first_violation());
  EXPECT_NE(checkers_.first_violation()->detail.find("at the end: /a.txt"), std::string::npos);
}

TEST_F(master_model_checker, a_write_in_flight_at_a_crash_may_have_happened_or_not_but_whole)
{
  auto x = put("a.txt", "version two", http::field::unknown, "");
  checkers_.on_delivered(x);
  master_.crash();
  checkers_.on_crash(master_);
  master_.restart();
  master_.disk().write_file_direct(*core::repo_path::parse("a.txt"), "version two"); // it did happen
  checkers_.on_restart(master_);
  EXPECT_FALSE(checkers_.first_violation());

  auto y = put("a.txt", "version three", http::field::unknown, "");
  checkers_.on_delivered(y);
  master_.crash();
  checkers_.on_crash(master_);
  master_.restart();
  master_.disk().write_file_direct(*core::repo_path::parse("a.txt"), "version th"); // torn
  checkers_.on_restart(master_);
  ASSERT_TRUE(checkers_.first_violation());
  EXPECT_NE(checkers_.first_violation()->detail.find("after a restart"), std::string::npos);
}

TEST_F(master_model_checker, a_file_served_outside_the_callers_grant_is_a_violation)
{
  auto x = put("a.txt", "", http::field::unknown, "");
  x.method = http::verb::get;
  x.request_headers.set(http::field::authorization, "Bearer token-vendor");
  checkers_.on_delivered(x);
  x.response.body = "version one";
  checkers_.on_served(x); // 200, the file's bytes: to someone who may only see /Vendor
  ASSERT_TRUE(checkers_.first_violation());
  EXPECT_NE(checkers_.first_violation()->detail.find("answered 200 to vendor, whose grants do not cover it"),
            std::string::npos)
    << checkers_.first_violation()->detail;
}

TEST_F(master_model_checker, a_write_applied_outside_the_callers_grant_is_a_violation)
{
  auto x = put("a.txt", "vendor's", http::field::unknown, "");
  x.request_headers.set(http::field::authorization, "Bearer token-vendor");
  master_.disk().write_file_direct(*core::repo_path::parse("a.txt"), "vendor's");
  answer(x, http::status::no_content);
  ASSERT_TRUE(checkers_.first_violation());
  EXPECT_NE(checkers_.first_violation()->detail.find("whose grants do not let it write there"), std::string::npos);
}

TEST_F(master_model_checker, anything_but_401_without_a_valid_token_is_a_violation)
{
  auto x = put("a.txt", "", http::field::unknown, "");
  x.method = http::verb::get;
  x.request_headers.set(http::field::authorization, "Bearer forged");
  checkers_.on_delivered(x);
  x.response.body = "version one";
  checkers_.on_served(x);
  ASSERT_TRUE(checkers_.first_violation());
  EXPECT_NE(checkers_.first_violation()->detail.find("without a valid token"), std::string::npos);
}

} // namespace
} // namespace zddc::sim
