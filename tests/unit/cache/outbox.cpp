// The outbox on the in-memory filesystem: layout, order, conflicts, and a
// crash at every single write step leaving no entry or a whole one.
#include <zddc/cache/outbox.hpp>
#include "../../support/values.hpp"

#include "runtime/posix_filesystem.hpp"
#include "sim/memory_env.hpp"
#include "sim/memory_filesystem.hpp"
#include "sim/memory_request_body.hpp"
#include "sim/scheduler.hpp"
#include "sim/virtual_clock.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace zddc::cache {
namespace outbox_test {

namespace http = boost::beast::http;
using namespace std::chrono_literals;

using test_env = sim::memory_env;

using test_support::path;
using test_support::tag_of;

class cache_outbox : public ::testing::Test {
protected:
  cache_outbox() { EXPECT_FALSE(box_.open()); }

  result<outbox_entry>
  enqueue(std::string_view p, std::string body, write_base base = {}, std::uint64_t cap = 1 << 20,
          http::verb method = http::verb::put)
  {
    outbox_entry e;
    e.method = method;
    e.path = path(p);
    e.base = std::move(base);
    sim::memory_request_body b(std::move(body), true, 7);
    std::optional<result<outbox_entry>> out;
    boost::asio::co_spawn(
      env_.io_, [&]() -> boost::asio::awaitable<void> { out = co_await box_.enqueue(e, &b, cap); },
      [](std::exception_ptr ex) {
        if(ex)
          std::rethrow_exception(ex);
      });
    sim::run_until_quiet(env_.io_, env_.clock_);
    return std::move(*out);
  }

  std::string
  body_of(const outbox_entry& e)
  {
    auto r = box_.open_body(e);
    EXPECT_TRUE(r);
    std::string s(r->stat().size, '\0');
    (void)r->read_at(0, std::as_writable_bytes(std::span(s)));
    return s;
  }

  test_env env_;
  outbox<test_env> box_{env_};
};

TEST_F(cache_outbox, an_entry_is_a_directory_with_its_meta_and_body)
{
  write_base base{.if_match = "\"abc\"", .if_unmodified_since = "Thu, 01 Jan 2026 00:00:00 GMT"};
  auto const e = enqueue("Project/Spec (IFA) - Caf\xC3\xA9 #1.pdf", "the body", base);
  ASSERT_TRUE(e) << e.error().message();
  EXPECT_TRUE(is_outbox_id(e->id));
  EXPECT_EQ(e->body_bytes, 8u);
  EXPECT_EQ(e->body_etag, tag_of("the body"));

  auto const tree = env_.fs_.snapshot(sim::memory_filesystem::view::durable);
  EXPECT_EQ(tree.files.at(".zddc-outbox/" + e->id + "/body.bin"), "the body");
  EXPECT_TRUE(tree.files.contains(".zddc-outbox/" + e->id + "/meta.json"));

  auto const pending = box_.pending();
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->front().path, path("Project/Spec (IFA) - Caf\xC3\xA9 #1.pdf")); // decoded, byte for byte
  EXPECT_EQ(pending->front().base, base);
  EXPECT_EQ(body_of(pending->front()), "the body");
  EXPECT_EQ(box_.pending_count(), 1u);
}

TEST_F(cache_outbox, ids_sort_in_queue_order_even_within_one_instant)
{
  std::vector<std::string> ids;
  for(int i = 0; i < 5; ++i)
    ids.push_back(enqueue("a.txt", std::to_string(i))->id);
  EXPECT_TRUE(std::ranges::is_sorted(ids));
  EXPECT_EQ(std::ranges::adjacent_find(ids), ids.end());
  auto const pending = box_.pending();
  ASSERT_EQ(pending->size(), 5u);
  for(int i = 0; i < 5; ++i)
    EXPECT_EQ(body_of((*pending)[static_cast<std::size_t>(i)]), std::to_string(i));
}

TEST_F(cache_outbox, a_body_over_the_cap_leaves_nothing)
{
  auto const e = enqueue("a.txt", std::string(100, 'x'), {}, 99);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error(), errc::too_large);
  EXPECT_TRUE(box_.all()->empty());
  EXPECT_TRUE(env_.fs_.list(outbox<test_env>::root())->empty());
}

TEST_F(cache_outbox, a_delete_has_no_body)
{
  auto const e = enqueue("a.txt", "", {.if_match = "\"t\""}, 1 << 20, http::verb::delete_);
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->body_etag);
  EXPECT_EQ(box_.pending()->front().method, http::verb::delete_);
}

TEST_F(cache_outbox, complete_forgets_an_entry)
{
  auto const e = enqueue("a.txt", "x");
  ASSERT_FALSE(box_.complete(*e));
  EXPECT_TRUE(box_.all()->empty());
  EXPECT_EQ(box_.pending_count(), 0u);
  EXPECT_TRUE(env_.fs_.list(outbox<test_env>::root())->empty());
}

TEST_F(cache_outbox, a_conflict_keeps_everything_and_can_be_retried_against_what_the_master_had)
{
  auto const e = enqueue("a.txt", "mine", {.if_match = "\"old\""});
  auto const c = box_.mark_refused(*e, refusal_kind::conflict, master_view{200, "\"theirs\"", "Thu, 01 Jan 2026 00:00:05 GMT"});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->directory_name(), e->id + ".conflict-2026-01-01T00:00:00Z");
  EXPECT_TRUE(box_.pending()->empty());
  auto const all = box_.all();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->front().master->etag, "\"theirs\"");
  EXPECT_EQ(body_of(all->front()), "mine");

  auto const again = box_.retry(e->id);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->refused);
  EXPECT_EQ(again->base, write_base{.if_match = "\"theirs\""});
  EXPECT_EQ(box_.pending()->size(), 1u);

  ASSERT_FALSE(box_.discard(e->id));
  EXPECT_TRUE(box_.all()->empty());
  EXPECT_EQ(box_.discard(e->id), errc::not_found);
}

TEST_F(cache_outbox, a_rejection_keeps_everything_and_retries_on_its_own_base)
{
  write_base const base{.if_match = "\"seen\""};
  auto const e = enqueue("a.txt", "mine", base);
  auto const r = box_.mark_refused(*e, refusal_kind::rejected, master_view{403, {}, {}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->directory_name(), e->id + ".rejected-2026-01-01T00:00:00Z");
  EXPECT_TRUE(box_.pending()->empty());
  EXPECT_EQ(box_.pending_count(), 0u);
  auto const found = box_.find(e->id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->refused, (refusal{refusal_kind::rejected, "2026-01-01T00:00:00Z"}));
  EXPECT_EQ(found->master->status, 403u);
  EXPECT_EQ(body_of(*found), "mine");
  auto const split = split_refused_name(r->directory_name());
  ASSERT_TRUE(split);
  EXPECT_EQ(split->first, e->id);
  EXPECT_EQ(split->second.kind, refusal_kind::rejected);

  auto const again = box_.retry(e->id);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->pending());
  EXPECT_EQ(again->base, base); // the version was never in question
  EXPECT_EQ(box_.pending()->size(), 1u);
}

// The counts let a listing skip reading the outbox when nothing is in it.
TEST_F(cache_outbox, the_counts_follow_every_change_and_reopening)
{
  EXPECT_EQ(box_.pending_count() + box_.refused_count(), 0u);
  auto const a = enqueue("a.txt", "a", write_base{.if_none_match_any = true});
  auto const b = enqueue("b.txt", "b", write_base{.if_none_match_any = true});
  EXPECT_EQ(box_.pending_count(), 2u);
  ASSERT_TRUE(box_.mark_refused(*a, refusal_kind::conflict, master_view{404, {}, {}}));
  ASSERT_TRUE(box_.mark_refused(*b, refusal_kind::rejected, master_view{403, {}, {}}));
  EXPECT_EQ(box_.pending_count(), 0u);
  EXPECT_EQ(box_.refused_count(), 2u);
  outbox<test_env> reopened(env_);
  ASSERT_FALSE(reopened.open());
  EXPECT_EQ(reopened.refused_count(), 2u);
  ASSERT_TRUE(box_.retry(a->id));
  EXPECT_EQ(box_.pending_count(), 1u);
  EXPECT_EQ(box_.refused_count(), 1u);
  EXPECT_FALSE(box_.discard(b->id));
  EXPECT_EQ(box_.refused_count(), 0u);
  EXPECT_EQ(box_.pending_count(), 1u);
}

TEST_F(cache_outbox, the_meta_document_round_trips_and_refuses_what_is_not_an_entry)
{
  outbox_entry e;
  e.id = "0123456789abcdef";
  e.path = path("x/y z%.txt");
  e.base.if_none_match_any = true;
  e.body_bytes = 3;
  e.body_etag = "\"t\"";
  e.master = master_view{404, std::nullopt, std::nullopt};
  auto const back = outbox_entry_from_json(to_json(e));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->path, e.path);
  EXPECT_EQ(back->base, e.base);
  EXPECT_EQ(back->master->status, 404u);
  EXPECT_FALSE(outbox_entry_from_json(R"({"id":"0123456789abcdef","method":"PUT","path":"../x","queued_at_ns":1,"body_bytes":0})"));
  EXPECT_FALSE(outbox_entry_from_json(R"({"id":"0123456789abcdef","method":"PUT","path":".zddc-outbox/x","queued_at_ns":1,"body_bytes":0})"));
  EXPECT_FALSE(outbox_entry_from_json(R"({"id":"xyz","method":"PUT","path":"a","queued_at_ns":1,"body_bytes":0})"));
  EXPECT_FALSE(outbox_entry_from_json("not json"));
  // Issue 13: a negative body_bytes was cast to a huge unsigned.
  EXPECT_FALSE(outbox_entry_from_json(R"({"id":"0123456789abcdef","method":"PUT","path":"a","queued_at_ns":1,"body_bytes":-1})"));
  // A field of the wrong type is refused, not ignored.
  EXPECT_FALSE(outbox_entry_from_json(R"({"id":"0123456789abcdef","method":"PUT","path":"a","queued_at_ns":1,"body_bytes":0,"if_match":7})"));
  EXPECT_TRUE(outbox_entry_from_json(R"({"id":"0123456789abcdef","method":"PUT","path":"a","queued_at_ns":1,"body_bytes":0})"));
}

/// Crashes the disk at the n-th next write step of `step`, for every n
/// until the step completes without reaching it, and checks what a restart
/// finds each time.
template<class Setup, class Step, class Check>
void
crash_everywhere(Setup setup, Step step, Check check)
{
  for(std::uint64_t n = 1;; ++n) {
    test_env env;
    outbox<test_env> box(env);
    ASSERT_FALSE(box.open());
    setup(env, box);
    env.fs_.crash_after(n);
    step(env, box);
    bool const crashed = env.fs_.crashed();
    if(crashed) {
      env.fs_.crash();
      env.fs_.restart();
    }
    outbox<test_env> after(env);
    ASSERT_FALSE(after.open()) << "crash at step " << n;
    check(env, after, n);
    if(! crashed) {
      EXPECT_GT(n, 3u) << "the step reached too few write steps to be tested";
      return;
    }
    ASSERT_LT(n, 100u);
  }
}

boost::asio::awaitable<void>
spool(outbox<test_env>& box, std::string body)
{
  outbox_entry e;
  e.path = *core::repo_path::parse("dir/a.txt");
  sim::memory_request_body b(std::move(body), true, 3);
  (void)co_await box.enqueue(e, &b, 1 << 20);
}

void
run(test_env& env, boost::asio::awaitable<void> work)
{
  boost::asio::co_spawn(env.io_, std::move(work), [](std::exception_ptr ex) {
    if(ex)
      std::rethrow_exception(ex);
  });
  sim::run_until_quiet(env.io_, env.clock_);
}

TEST(cache_outbox_crash, a_crash_during_enqueue_leaves_no_entry_or_a_whole_one)
{
  crash_everywhere(
    [](test_env&, outbox<test_env>&) {},
    [](test_env& env, outbox<test_env>& box) { run(env, spool(box, "a body of some length")); },
    [](test_env& env, outbox<test_env>& box, std::uint64_t n) {
      auto const all = box.all();
      ASSERT_TRUE(all) << "step " << n;
      ASSERT_LE(all->size(), 1u);
      if(all->size() == 1) {
        auto r = box.open_body(all->front());
        ASSERT_TRUE(r) << "step " << n;
        EXPECT_EQ(r->stat().size, 21u) << "a torn body at step " << n;
      } else {
        EXPECT_TRUE(env.fs_.list(outbox<test_env>::root())->empty()) << "debris at step " << n;
      }
    });
}

TEST(cache_outbox_crash, a_crash_while_completing_or_conflicting_leaves_the_entry_whole_or_gone)
{
  for(bool conflicting : {false, true})
    crash_everywhere(
      [](test_env& env, outbox<test_env>& box) { run(env, spool(box, "body")); },
      [&](test_env&, outbox<test_env>& box) {
        auto const e = box.pending()->front();
        if(conflicting)
          (void)box.mark_refused(e, refusal_kind::conflict, master_view{404, {}, {}});
        else
          (void)box.complete(e);
      },
      [&](test_env&, outbox<test_env>& box, std::uint64_t n) {
        auto const all = box.all();
        ASSERT_TRUE(all) << "step " << n;
        if(conflicting) {
          ASSERT_EQ(all->size(), 1u) << "a conflict must never lose the entry (step " << n << ")";
        }
        ASSERT_LE(all->size(), 1u);
        if(all->size() == 1) {
          auto r = box.open_body(all->front());
          ASSERT_TRUE(r) << "step " << n;
          EXPECT_EQ(r->stat().size, 4u);
        }
      });
}

// Only what mark_refused writes is a refused entry: anything else in the
// outbox is not one, whatever it looks like, so its name is never taken
// for a path.
TEST(cache_outbox_names, a_refused_name_is_an_id_a_kind_and_a_time)
{
  EXPECT_EQ(split_refused_name("0123456789abcdef.conflict-2026-01-01T00:00:00Z"),
            std::pair(std::string("0123456789abcdef"), refusal{refusal_kind::conflict, "2026-01-01T00:00:00Z"}));
  EXPECT_EQ(split_refused_name("0123456789abcdef.rejected-2026-01-01T00:00:00Z-2"),
            std::pair(std::string("0123456789abcdef"), refusal{refusal_kind::rejected, "2026-01-01T00:00:00Z-2"}));
  for(std::string bad : std::initializer_list<std::string>{"0123456789abcdef.conflict-", "0123456789abcdef.conflict-x", "0123456789abcdef.conflict-1\x01",
                         "0123456789abcdef.conflict-1/2", "0123456789abcdef.conflict-" + std::string(64, '1'),
                         "0123456789ABCDEF.conflict-1", "0123456789abcdef.conflicts-1", "0123456789abcdef.rejected-x",
                         "0123456789abcdef.refused-1"})
    EXPECT_FALSE(split_refused_name(bad)) << bad;
}

/// The outbox on a real disk, where a person can leave anything.
struct disk_env {
  using clock_type = sim::virtual_clock;
  using filesystem_type = runtime::posix_filesystem;

  sim::virtual_clock& clock_;
  runtime::posix_filesystem fs_;

  clock_type& clock() { return clock_; }
  filesystem_type& fs() { return fs_; }
  struct no_guard {};
  no_guard commit_guard() { return {}; }
};

// A file no path can name, left in an entry's directory by hand: removing
// the entry reports it (the entry is gone as soon as its meta.json is)
// instead of taking the name for a path; directories in the outbox with
// such names are not entries at all.
TEST(cache_outbox_on_disk, names_left_by_hand_are_reported_not_taken_for_paths)
{
  namespace stdfs = std::filesystem;
  auto const root = stdfs::temp_directory_path() / ("zddc-outbox-" + std::to_string(::getpid()));
  stdfs::create_directories(root);
  boost::asio::io_context io;
  sim::virtual_clock clock(io.get_executor());
  auto fs = runtime::posix_filesystem::open(root.string());
  ASSERT_TRUE(fs);
  disk_env env{clock, std::move(*fs)};
  outbox<disk_env> box(env);
  ASSERT_FALSE(box.open());

  outbox_entry e;
  e.method = http::verb::delete_;
  e.path = path("a.txt");
  std::optional<result<outbox_entry>> queued;
  boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> { queued = co_await box.enqueue(e, nullptr, 0); },
                        [](std::exception_ptr x) {
                          if(x)
                            std::rethrow_exception(x);
                        });
  sim::run_until_quiet(io, clock);
  ASSERT_TRUE(queued && *queued);
  auto const dir = root / ".zddc-outbox";
  std::ofstream(dir / (*queued)->id / "stray\x01name") << "left by hand";
  stdfs::create_directories(dir / "0123456789abcdef.conflict-\x01");

  auto const all = box.all();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 1u); // the odd directory is not an entry
  EXPECT_TRUE(box.complete(**queued)); // reported, not a crash
  EXPECT_TRUE(box.pending()->empty()); // and the entry is gone all the same
  stdfs::remove_all(root);
}

} // namespace
} // namespace zddc::cache
