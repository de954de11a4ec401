// The replayer against a scripted master: what one attempt sends, how each
// answer settles the entry, the order of a pass, and the loop's timing
// under virtual time (backoff while the master is away, at once on a wake).
#include <zddc/cache/replayer.hpp>
#include "../../support/cache_harness.hpp"
#include "../../support/values.hpp"
#include "scripted_upstream.hpp"

#include "sim/scheduler.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace zddc::cache {
namespace replayer_test {

namespace http = boost::beast::http;
using namespace std::chrono_literals;
using test_support::path;
using testing::scripted_answer;

using scripted_env = test_support::basic_cache_env<testing::scripted_upstream>;

scripted_answer
answer(http::status s, std::string body = {}, std::string etag = {})
{
  scripted_answer a;
  a.status = s;
  a.body = std::move(body);
  if(! etag.empty())
    a.headers.set(http::field::etag, etag);
  return a;
}

scripted_answer
unreachable()
{
  scripted_answer a;
  a.cut = make_error_code(errc::unreachable);
  return a;
}

class cache_replayer : public ::testing::Test {
protected:
  cache_replayer()
  {
    EXPECT_FALSE(box_.open());
    EXPECT_FALSE(local_.open());
  }

  outbox_entry
  enqueue(http::verb method, std::string_view p, std::string body = {}, write_base base = {})
  {
    outbox_entry e;
    e.method = method;
    e.path = path(p);
    e.content_type = method == http::verb::put ? "text/plain" : "";
    e.base = std::move(base);
    sim::memory_request_body b(std::move(body));
    auto out = test_support::run_for(io_, clock_, [&]() -> boost::asio::awaitable<result<outbox_entry>> {
      co_return co_await box_.enqueue(e, method == http::verb::put ? &b : nullptr, 1 << 20);
    }());
    EXPECT_TRUE(out && *out);
    return out && *out ? **out : outbox_entry{};
  }

  forward_result
  forward(const outbox_entry& e)
  {
    auto out = test_support::run_for(io_, clock_, replayer_.forward(e));
    EXPECT_TRUE(out);
    return out ? std::move(*out) : forward_result{};
  }

  /// One pass; true when it stopped at a deferral.
  bool
  pass()
  {
    auto out = test_support::run_for(io_, clock_, replayer_.replay_pending());
    EXPECT_TRUE(out);
    return out && *out;
  }

  std::vector<outbox_entry>
  all()
  {
    auto a = box_.all();
    EXPECT_TRUE(a);
    return a ? *a : std::vector<outbox_entry>{};
  }

  std::string
  read(result<sim::memory_filesystem::reader_type> r)
  {
    EXPECT_TRUE(r);
    if(! r)
      return {};
    std::string s(r->stat().size, '\0');
    (void)r->read_at(0, std::as_writable_bytes(std::span(s)));
    return s;
  }

  /// The local copy of `p`, or "(none)".
  std::string
  local_copy(std::string_view p)
  {
    auto r = env_.fs_.open_read(path(p));
    return r ? read(std::move(r)) : "(none)";
  }

  testing::scripted_upstream& master() { return env_.to_master_; }

  boost::asio::io_context io_;
  sim::virtual_clock clock_{io_.get_executor()};
  scripted_env env_{clock_, sim::memory_filesystem([this] { return clock_.now(); }), {}};
  config config_{.bearer = "cache-token"};
  upstream_monitor monitor_;
  outbox<scripted_env> box_{env_};
  store<scripted_env> local_{env_};
  std::vector<std::pair<replay_step, std::string>> told_;
  replayer<scripted_env> replayer_{env_, box_, local_, config_, monitor_,
                                   [this](const replay_event& ev) { told_.emplace_back(ev.step, ev.entry.id); }};
};

TEST_F(cache_replayer, an_attempt_sends_the_write_with_its_base_its_id_and_the_caches_token)
{
  auto const e = enqueue(http::verb::put, "Docs/a.txt", "new bytes", write_base{.if_match = "\"v1\""});
  master().answers["/Docs/a.txt"] = answer(http::status::no_content, {}, *e.body_etag);
  auto const f = forward(e);
  EXPECT_EQ(f.what, replay_verdict::applied);
  ASSERT_EQ(master().received.size(), 1u);
  auto const& sent = master().received[0];
  EXPECT_EQ(sent.method, http::verb::put);
  EXPECT_EQ(sent.target, "/Docs/a.txt");
  EXPECT_EQ(sent.headers[http::field::if_match], "\"v1\"");
  EXPECT_EQ(sent.headers[outbox_entry_header], e.id);
  EXPECT_EQ(sent.headers[http::field::authorization], "Bearer cache-token");
  EXPECT_EQ(sent.headers[http::field::content_type], "text/plain");
  EXPECT_EQ(sent.body, "new bytes");
  EXPECT_EQ(all().size(), 1u) << "forward changes nothing locally";
}

TEST_F(cache_replayer, a_create_only_write_and_a_delete_carry_their_own_preconditions)
{
  auto const create = enqueue(http::verb::put, "new.txt", "x", write_base{.if_none_match_any = true});
  auto const remove = enqueue(http::verb::delete_, "old.txt", {},
                              write_base{.if_unmodified_since = "Thu, 01 Jan 2026 00:00:00 GMT"});
  (void)forward(create);
  (void)forward(remove);
  ASSERT_EQ(master().received.size(), 2u);
  EXPECT_EQ(master().received[0].headers[http::field::if_none_match], "*");
  EXPECT_EQ(master().received[1].method, http::verb::delete_);
  EXPECT_EQ(master().received[1].headers[http::field::if_unmodified_since], "Thu, 01 Jan 2026 00:00:00 GMT");
  EXPECT_TRUE(master().received[1].body.empty());
}

// How each answer reads, through forward(): the verdict comes from
// classify_replay (its own table test in decide.cpp); these rows check the
// wiring: which ETag is ours, and what a person is told.
struct answer_row {
  const char* name;
  http::verb method;
  scripted_answer given;
  bool our_etag; // the answer carries the ETag of the entry's own bytes
  replay_verdict expected;
  const char* detail_contains;
};

class forward_reads_the_answer : public cache_replayer, public ::testing::WithParamInterface<answer_row> {};

TEST_P(forward_reads_the_answer, as_the_table_says)
{
  auto const& row = GetParam();
  auto const e = enqueue(row.method, "a.txt", row.method == http::verb::put ? "mine" : "");
  auto given = row.given;
  if(row.our_etag)
    given.headers.set(http::field::etag, testing::content_tag("mine"));
  master().answers["/a.txt"] = given;
  auto const f = forward(e);
  EXPECT_EQ(f.what, row.expected);
  EXPECT_NE(f.detail.find(row.detail_contains), std::string::npos) << f.detail;
  EXPECT_EQ(f.response.has_value(), ! given.cut);
}

INSTANTIATE_TEST_SUITE_P(
  replay, forward_reads_the_answer,
  ::testing::Values(
    answer_row{"created", http::verb::put, answer(http::status::created), true, replay_verdict::applied, ""},
    answer_row{"lost_acknowledgement", http::verb::put, answer(http::status::precondition_failed), true,
               replay_verdict::applied, "already holds"},
    answer_row{"someone_else_wrote", http::verb::put,
               answer(http::status::precondition_failed, {}, "\"theirs\""), false, replay_verdict::conflict,
               "not the one this write was based on"},
    answer_row{"delete_of_what_is_gone", http::verb::delete_, answer(http::status::not_found), false,
               replay_verdict::applied, "already gone"},
    answer_row{"forbidden_says_why", http::verb::put, answer(http::status::forbidden, "no write grant on /a.txt"),
               false, replay_verdict::rejected, "no write grant"},
    answer_row{"our_token_refused", http::verb::put, answer(http::status::unauthorized), false,
               replay_verdict::unauthorized, "credentials"},
    answer_row{"master_busy", http::verb::put, answer(http::status::service_unavailable), false,
               replay_verdict::deferred, ""},
    answer_row{"a_redirect_is_not_followed", http::verb::put, answer(http::status::found), false,
               replay_verdict::deferred, "follows no redirect"},
    answer_row{"no_answer", http::verb::put, unreachable(), false, replay_verdict::deferred, "unreachable"}),
  [](const ::testing::TestParamInfo<answer_row>& row) { return std::string(row.param.name); });

TEST_F(cache_replayer, a_pass_goes_in_queue_order_and_stops_at_the_first_deferral)
{
  auto const first = enqueue(http::verb::put, "a.txt", "one");
  auto const second = enqueue(http::verb::put, "b.txt", "two");
  auto const third = enqueue(http::verb::put, "a.txt", "three");
  master().answers["/a.txt"] = answer(http::status::created);
  master().answers["/b.txt"] = answer(http::status::service_unavailable);
  EXPECT_TRUE(pass());
  EXPECT_EQ(master().asked, (std::vector<std::string>{"/a.txt", "/b.txt"})) << "the third waits behind the second";
  auto const left = all();
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].id, second.id);
  EXPECT_EQ(left[1].id, third.id);
  EXPECT_EQ(local_copy("a.txt"), "one") << "the applied write is the local copy now";

  master().answers["/b.txt"] = answer(http::status::created);
  EXPECT_FALSE(pass());
  EXPECT_TRUE(all().empty());
  EXPECT_EQ(local_copy("a.txt"), "three");
  EXPECT_EQ(told_.back(), std::make_pair(replay_step::replayed, third.id));
  (void)first;
}

TEST_F(cache_replayer, a_conflict_is_kept_with_the_masters_version_beside_the_write)
{
  auto const e = enqueue(http::verb::put, "a.txt", "mine", write_base{.if_match = "\"v1\""});
  master().first["/a.txt"].push_back(answer(http::status::precondition_failed, {}, "\"v2\""));
  master().answers["/a.txt"] = testing::file_answer("theirs");
  master().answers["/a.txt"].headers.set(http::field::last_modified, "Fri, 02 Jan 2026 00:00:00 GMT");
  EXPECT_FALSE(pass()) << "a refusal is settled, not deferred";
  auto const kept = all();
  ASSERT_EQ(kept.size(), 1u);
  ASSERT_TRUE(kept[0].refused);
  EXPECT_EQ(kept[0].refused->kind, refusal_kind::conflict);
  ASSERT_TRUE(kept[0].master);
  EXPECT_EQ(kept[0].master->status, 200u);
  EXPECT_EQ(kept[0].master->etag, testing::content_tag("theirs"));
  EXPECT_EQ(kept[0].master->last_modified, "Fri, 02 Jan 2026 00:00:00 GMT");
  EXPECT_EQ(read(box_.open_master_body(kept[0])), "theirs");
  EXPECT_EQ(read(box_.open_body(kept[0])), "mine") << "the person's bytes are kept too";
  EXPECT_EQ(master().received[1].method, http::verb::get);
  EXPECT_EQ(master().received[1].headers[http::field::authorization], "Bearer cache-token");
  EXPECT_EQ(told_.back(), std::make_pair(replay_step::conflict, e.id));
  EXPECT_FALSE(local_.stat(path("a.txt"))) << "nothing was installed locally";
}

TEST_F(cache_replayer, a_rejection_is_kept_with_the_masters_reason)
{
  auto const e = enqueue(http::verb::put, "a.txt", "mine");
  master().answers["/a.txt"] = answer(http::status::forbidden, "no write grant on /a.txt\n");
  EXPECT_FALSE(pass());
  auto const kept = all();
  ASSERT_EQ(kept.size(), 1u);
  ASSERT_TRUE(kept[0].refused && kept[0].master);
  EXPECT_EQ(kept[0].refused->kind, refusal_kind::rejected);
  EXPECT_EQ(kept[0].master->status, 403u);
  EXPECT_EQ(read(box_.open_master_body(kept[0])), "no write grant on /a.txt\n");
  EXPECT_EQ(told_.back(), std::make_pair(replay_step::rejected, e.id));
}

TEST_F(cache_replayer, a_refused_token_keeps_the_write_pending_and_stops_the_pass)
{
  auto const e = enqueue(http::verb::put, "a.txt", "mine");
  (void)enqueue(http::verb::put, "b.txt", "more");
  master().answers["/a.txt"] = answer(http::status::unauthorized);
  EXPECT_TRUE(pass());
  EXPECT_EQ(master().asked.size(), 1u);
  auto const left = all();
  ASSERT_EQ(left.size(), 2u);
  EXPECT_TRUE(left[0].pending());
  EXPECT_EQ(told_.back(), std::make_pair(replay_step::unauthorized, e.id));
  EXPECT_TRUE(monitor_.state().credentials_refused);
}

TEST_F(cache_replayer, a_deleted_file_leaves_the_local_copy_when_the_master_confirms)
{
  ASSERT_TRUE(env::atomic_replace(env_.fs_, path("gone.txt").store(), std::string("old")));
  (void)enqueue(http::verb::delete_, "gone.txt");
  master().answers["/gone.txt"] = answer(http::status::no_content);
  EXPECT_FALSE(pass());
  EXPECT_FALSE(local_.stat(path("gone.txt")));
  EXPECT_TRUE(all().empty());
}

// The loop, under virtual time: the attempts' times are the schedule.
TEST_F(cache_replayer, the_loop_backs_off_while_the_master_is_away_and_goes_at_once_when_woken)
{
  config_.retry_min = 1s;
  config_.retry_max = 4s;
  config_.idle_interval = 5min;
  (void)enqueue(http::verb::put, "a.txt", "mine");
  master().answers["/a.txt"] = unreachable();
  std::vector<env::duration> attempts;
  auto const t0 = clock_.now();
  told_.clear();
  replayer<scripted_env> loop{env_, box_, local_, config_, monitor_, [&](const replay_event& ev) {
                                if(ev.step == replay_step::attempt)
                                  attempts.push_back(clock_.now() - t0);
                              }};
  bool finished = false;
  boost::asio::co_spawn(io_, loop.run(), [&](std::exception_ptr ex) {
    finished = true;
    if(ex)
      std::rethrow_exception(ex);
  });
  sim::run_until(io_, clock_, t0 + 20s);
  // 0, then 1, 2, 4 s apart, then the ceiling: 4 s apart.
  std::vector<env::duration> const expected{0s, 1s, 3s, 7s, 11s, 15s, 19s};
  EXPECT_EQ(attempts, expected);

  master().answers["/a.txt"] = answer(http::status::created);
  loop.wake();
  sim::run_until(io_, clock_, t0 + 20s + 1ms);
  EXPECT_EQ(attempts.back(), 20s) << "a wake replays at once, not at the next backoff step";
  EXPECT_TRUE(all().empty());

  loop.stop();
  sim::run_until(io_, clock_, t0 + 21s);
  EXPECT_TRUE(finished);
}

TEST_F(cache_replayer, the_loop_looks_again_at_the_idle_interval_when_nothing_waits)
{
  config_.idle_interval = 5min;
  auto const t0 = clock_.now();
  bool finished = false;
  // An entry that appears without a wake (written by `zddc outbox retry`
  // from another process) is found by the idle pass.
  boost::asio::co_spawn(io_, replayer_.run(), [&](std::exception_ptr) { finished = true; });
  sim::run_until(io_, clock_, t0 + 1min);
  EXPECT_TRUE(master().asked.empty());
  (void)enqueue(http::verb::put, "late.txt", "x");
  master().answers["/late.txt"] = answer(http::status::created);
  sim::run_until(io_, clock_, t0 + 5min - 1s);
  EXPECT_TRUE(master().asked.empty());
  sim::run_until(io_, clock_, t0 + 5min + 1s);
  EXPECT_EQ(master().asked, std::vector<std::string>{"/late.txt"});
  replayer_.stop();
  sim::run_until(io_, clock_, t0 + 6min);
  EXPECT_TRUE(finished);
}

} // namespace
} // namespace zddc::cache
