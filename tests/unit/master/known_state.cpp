// A conditional GET answered from a glance at the file (handler::known_state):
// only for the file whose tag the master already trusts, and only when the
// glance shows that very file; anything else is answered by opening it.
#include <zddc/master/handler.hpp>

#include "sim/memory_env.hpp"
#include "sim/memory_filesystem.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <gtest/gtest.h>

namespace zddc::master {
namespace known_state_test {

using namespace std::chrono_literals;
namespace http = boost::beast::http;

/// The in-memory filesystem, counting how the handler looks at files.
class counting_filesystem : public sim::memory_filesystem {
public:
  using memory_filesystem::memory_filesystem;

  result<reader_type>
  open_read(const core::store_path& p) const
  {
    ++opens;
    return memory_filesystem::open_read(p);
  }
  result<env::file_stat>
  glance(const core::store_path& p) const
  {
    ++glances;
    return memory_filesystem::glance(p);
  }

  mutable int opens = 0;
  mutable int glances = 0;
};
static_assert(env::GlancingFilesystem<counting_filesystem>);

using counting_env = sim::basic_memory_env<counting_filesystem>;

using response = handler<counting_env>::response_type;

class known_state : public ::testing::Test {
protected:
  void
  write(std::string_view bytes)
  {
    env_.fs_.write_file_direct(*core::store_path::parse("docs/a.pdf"), bytes);
  }

  response
  get(std::vector<std::pair<http::field, std::string>> headers = {})
  {
    core::request req;
    req.method = http::verb::get;
    req.target = *core::url_target::parse("/docs/a.pdf");
    for(auto const& [f, v] : headers)
      req.headers.set(f, v);
    auto fut = boost::asio::co_spawn(env_.io_, master_.handle(req, &who_), boost::asio::use_future);
    env_.io_.restart();
    env_.io_.run();
    return fut.get();
  }

  static std::string
  etag(const response& r)
  {
    auto it = r.headers.find(http::field::etag);
    return it == r.headers.end() ? std::string() : std::string(it->value());
  }

  /// Lets the file settle, then learns its tag (a tag hashed sooner after a
  /// change is not trusted: env/content_tags.hpp).
  std::string
  settled_tag()
  {
    env_.clock_.advance_to(env_.clock_.now() + 3s);
    auto const r = get();
    EXPECT_EQ(r.status, http::status::ok);
    return etag(r);
  }

  counting_env env_;
  handler<counting_env> master_{env_, config{}};
  core::principal who_ = core::principal::unrestricted("admin");
};

TEST_F(known_state, an_unchanged_file_is_answered_304_without_being_opened)
{
  write("version 1");
  auto const tag = settled_tag();
  auto const opens = env_.fs_.opens;
  auto const r = get({{http::field::if_none_match, tag}});
  EXPECT_EQ(r.status, http::status::not_modified);
  EXPECT_EQ(etag(r), tag);
  EXPECT_EQ(r.headers.find(http::field::cache_control)->value(), "no-cache"); // as the 200's
  EXPECT_EQ(env_.fs_.opens, opens);
  EXPECT_EQ(env_.fs_.glances, 1);

  // A failed If-Match needs no bytes either.
  auto const failed = get({{http::field::if_match, "\"other\""}});
  EXPECT_EQ(failed.status, http::status::precondition_failed);
  EXPECT_EQ(etag(failed), tag);
  EXPECT_EQ(env_.fs_.opens, opens);
}

TEST_F(known_state, a_changed_file_is_opened_and_sent)
{
  write("version 1");
  auto const tag = settled_tag();
  write("version 22"); // in place, another size, a later mtime
  auto r = get({{http::field::if_none_match, tag}});
  EXPECT_EQ(r.status, http::status::ok);
  EXPECT_NE(etag(r), tag);
  auto const body = core::read_whole_body(r);
  ASSERT_TRUE(body);
  EXPECT_EQ(*body, "version 22");
}

TEST_F(known_state, a_tag_hashed_before_the_file_settled_is_checked_by_opening)
{
  write("version 1");
  auto const first = get(); // hashed at once: racy, not trusted
  auto const opens = env_.fs_.opens;
  auto const r = get({{http::field::if_none_match, etag(first)}});
  EXPECT_EQ(r.status, http::status::not_modified);
  EXPECT_EQ(env_.fs_.opens, opens + 1);
}

TEST_F(known_state, a_request_without_preconditions_does_not_glance)
{
  write("version 1");
  settled_tag();
  auto const r = get();
  EXPECT_EQ(r.status, http::status::ok);
  EXPECT_EQ(env_.fs_.glances, 0);
}

TEST_F(known_state, a_held_tag_that_matches_is_sent_the_file_when_the_request_needs_its_bytes)
{
  write("version 1");
  auto const tag = settled_tag();
  auto const opens = env_.fs_.opens;
  // If-Match that holds: the preconditions say proceed, so the file is opened.
  auto const r = get({{http::field::if_match, tag}});
  EXPECT_EQ(r.status, http::status::ok);
  EXPECT_EQ(env_.fs_.opens, opens + 1);
}

} // namespace known_state_test
} // namespace zddc::master
