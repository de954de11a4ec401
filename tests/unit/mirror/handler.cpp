// The mirror role as a whole: it answers exactly as its cache does, starts
// a walk only after the answer, and its directory pages say whether and
// when their subtree was last brought fully up to date.
#include "mirror_fixture.hpp"

namespace zddc::mirror::testing {
namespace handler_test {

namespace http = boost::beast::http;

class mirror_handler : public mirror_fixture {
protected:
  mirror_handler() : mirror_fixture(config{.subtrees = {path("/Docs")}}) {}

  /// The status and body of a GET through the mirror (walks on) or its
  /// cache alone, with `accept`.
  std::pair<http::status, std::string>
  get(std::string_view target, std::string_view accept, bool through_mirror = true)
  {
    return run([&]() -> boost::asio::awaitable<std::pair<http::status, std::string>> {
      http::fields h;
      h.set(http::field::accept, accept);
      core::request req{http::verb::get, *core::url_target::parse(target), std::move(h), nullptr};
      std::optional<typename handler<mirror_env>::response_type> a;
      if(through_mirror) // not a conditional expression: GCC 12 mishandles co_await in both arms
        a.emplace(co_await mirror_->handle(req));
      else
        a.emplace(co_await mirror_->cache().handle(req));
      auto const* text = std::get_if<std::string>(&a->body);
      co_return std::pair(a->status, text ? *text : std::string("<file>"));
    }());
  }

  static constexpr std::string_view html = "text/html";
  static constexpr std::string_view json = "application/json";
};

TEST_F(mirror_handler, answers_exactly_as_its_cache_does)
{
  for(auto target : {"/Docs/plan%20100%25.txt", "/Docs/", "/Other/readme.txt", "/Docs/missing.txt", "/"}) {
    SCOPED_TRACE(target);
    for(auto accept : {json, std::string_view("*/*")}) {
      auto const by_cache = get(target, accept, false);
      auto const by_mirror = get(target, accept);
      EXPECT_EQ(by_mirror, by_cache);
    }
  }
}

TEST_F(mirror_handler, a_walk_starts_after_the_answer_and_only_under_a_subtree)
{
  EXPECT_EQ(get("/Other/readme.txt", json).first, http::status::ok);
  EXPECT_FALSE(mirror_->walks().in_flight(path("/Docs")));
  EXPECT_FALSE(mirror_->walks().in_flight(core::repo_path()));

  EXPECT_EQ(get("/Docs/plan%20100%25.txt", json).first, http::status::ok);
  EXPECT_TRUE(mirror_->walks().in_flight(path("/Docs"))) << "the request started a walk and did not wait for it";
  settle();
  EXPECT_FALSE(mirror_->walks().in_flight(path("/Docs")));
  EXPECT_EQ(disk_.snapshot().files.count("Docs/Deep/a,b;c=d.txt"), 1u);
}

TEST_F(mirror_handler, a_page_under_a_subtree_says_when_it_was_last_fully_up_to_date)
{
  auto const before = get("/Docs/", html, false).second;
  EXPECT_NE(before.find("Mirror of the master: not yet fully up to date"), std::string::npos) << before;

  auto const stats = walk("/Docs");
  EXPECT_TRUE(stats.complete);
  auto const& walked = mirror_->walks().state().subtrees.at(path("/Docs"));
  ASSERT_TRUE(walked.last_complete);
  auto const when = cache::detail::rfc3339(*walked.last_complete);
  auto const after = get("/Docs/Deep/", html, false).second;
  EXPECT_NE(after.find("last fully up to date at " + when), std::string::npos) << after;

  auto const outside = get("/Other/", html, false).second;
  EXPECT_EQ(outside.find("Mirror of the master"), std::string::npos) << "/Other is no subtree of this mirror";
}

TEST_F(mirror_handler, a_walk_cut_short_does_not_claim_the_subtree_is_up_to_date)
{
  offline();
  auto const stats = walk("/Docs");
  EXPECT_FALSE(stats.complete);
  online();
  auto const page = get("/Docs/", html, false).second;
  EXPECT_NE(page.find("not yet fully up to date"), std::string::npos) << page;
}

} // namespace
} // namespace zddc::mirror::testing
