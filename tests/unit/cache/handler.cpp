// The cache role against a real master role, over the simulated network:
// read-through, stale serving, purge, writes online and offline, replay
// outcomes (applied, conflict, lost acknowledgement) and the wake signal.
#include <zddc/cache/handler.hpp>

#include "sim/master_node.hpp"
#include "sim/memory_filesystem.hpp"
#include "sim/memory_request_body.hpp"
#include "sim/network.hpp"
#include "sim/scheduler.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

namespace zddc::cache {
namespace {

namespace http = boost::beast::http;
using namespace std::chrono_literals;

struct cache_env {
  using clock_type = sim::virtual_clock;
  using filesystem_type = sim::memory_filesystem;
  using transport_type = sim::network::endpoint;

  sim::virtual_clock& clock_;
  sim::memory_filesystem fs_;
  sim::network::endpoint upstream_;

  clock_type& clock() { return clock_; }
  filesystem_type& fs() { return fs_; }
  transport_type& transport() { return upstream_; }
  struct no_guard {};
  no_guard commit_guard() { return {}; }
};

core::repo_path
path(std::string_view s)
{
  return *core::repo_path::parse(s);
}

std::string
tag_of(std::string_view bytes)
{
  core::sha256 h;
  h.update(bytes);
  return core::content_etag(h.finish()).to_string();
}

struct answer {
  http::status status{};
  http::fields headers;
  std::string body;
};

class cache_handler : public ::testing::Test {
protected:
  cache_handler()
  {
    master_.disk().write_file_direct(path("Docs/Spec (IFA) - Caf\xC3\xA9 #1.txt"), "version one");
    EXPECT_FALSE(cache_.open());
  }

  answer
  call(http::verb method, std::string_view target, http::fields headers = {}, std::optional<std::string> body = {})
  {
    std::optional<answer> out;
    boost::asio::co_spawn(
      io_,
      [&]() -> boost::asio::awaitable<void> {
        std::optional<sim::memory_request_body> b;
        if(body)
          b.emplace(*body);
        core::request req{method, *core::url_target::parse(target), std::move(headers), b ? &*b : nullptr};
        auto r = co_await cache_.handle(req);
        answer a{r.status, r.headers, {}};
        if(auto* s = std::get_if<std::string>(&r.body))
          a.body = *s;
        else {
          auto& slice = std::get<core::file_slice<sim::memory_filesystem::reader_type>>(r.body);
          a.body.resize(slice.length);
          (void)slice.reader.read_at(slice.offset, std::as_writable_bytes(std::span(a.body)));
        }
        out = std::move(a);
      },
      [](std::exception_ptr e) {
        if(e)
          std::rethrow_exception(e);
      });
    sim::run_while(io_, clock_, [&] { return ! out; }, clock_.now() + 10min);
    EXPECT_TRUE(out) << "no answer within 10 virtual minutes";
    return out ? std::move(*out) : answer{};
  }

  answer get(std::string_view target) { return call(http::verb::get, target); }

  /// One replay pass, run to completion.
  bool
  replay_pass()
  {
    std::optional<bool> deferred;
    boost::asio::co_spawn(
      io_, [&]() -> boost::asio::awaitable<void> { deferred = co_await cache_.replay().replay_pending(); },
      [](std::exception_ptr e) {
        if(e)
          std::rethrow_exception(e);
      });
    sim::run_while(io_, clock_, [&] { return ! deferred; }, clock_.now() + 10min);
    return deferred.value_or(true);
  }

  std::optional<std::string>
  on_master(std::string_view p)
  {
    return master_.disk().snapshot().files.contains(std::string(p))
             ? std::optional(master_.disk().snapshot().files.at(std::string(p)))
             : std::nullopt;
  }

  std::optional<std::string>
  on_cache(std::string_view p)
  {
    auto const files = env_.fs_.snapshot().files;
    auto it = files.find(std::string(p));
    return it == files.end() ? std::nullopt : std::optional(it->second);
  }

  void offline() { net_.partition(cache_node_, master_); }
  void online() { net_.heal(cache_node_, master_); }

  static constexpr std::string_view spec = "/Docs/Spec%20(IFA)%20-%20Caf%C3%A9%20%231.txt";
  static constexpr std::string_view spec_path = "Docs/Spec (IFA) - Caf\xC3\xA9 #1.txt";

  boost::asio::io_context io_;
  sim::virtual_clock clock_{io_.get_executor()};
  sim::rng rng_{1};
  sim::trace trace_{clock_};
  sim::network net_{clock_, rng_, trace_};
  sim::master_node master_{"master", clock_, trace_, {.tokens = {{"cache-token", core::principal::unrestricted("cache")}}}};
  sim::node cache_node_{"cache"};
  cache_env env_{clock_, sim::memory_filesystem([this] { return clock_.now(); }), net_.connect(cache_node_, master_)};
  std::vector<replay_step> steps_;
  handler<cache_env> cache_{env_, config{.bearer = "cache-token"},
                            [this](const replay_event& e) { steps_.push_back(e.step); }};
};

TEST_F(cache_handler, a_read_is_fetched_once_and_kept_under_its_decoded_name)
{
  auto const a = get(spec);
  EXPECT_EQ(a.status, http::status::ok);
  EXPECT_EQ(a.body, "version one");
  EXPECT_EQ(a.headers[http::field::etag], tag_of("version one"));
  EXPECT_EQ(on_cache(spec_path), "version one"); // never a percent-encoded name on disk
  auto const again = call(http::verb::get, spec, [] {
    http::fields h;
    h.set(http::field::if_none_match, tag_of("version one"));
    return h;
  }());
  EXPECT_EQ(again.status, http::status::not_modified);
}

TEST_F(cache_handler, the_master_unreachable_means_stale_copies_or_504)
{
  ASSERT_EQ(get(spec).status, http::status::ok);
  offline();
  auto const stale = get(spec);
  EXPECT_EQ(stale.status, http::status::ok);
  EXPECT_EQ(stale.body, "version one");
  EXPECT_EQ(stale.headers[cache_status_header], "stale");
  EXPECT_EQ(get("/Docs/never-read.txt").status, http::status::gateway_timeout);
}

TEST_F(cache_handler, a_file_gone_from_the_master_is_purged_here)
{
  ASSERT_EQ(get(spec).status, http::status::ok);
  master_.disk().remove_direct(path(spec_path));
  EXPECT_EQ(get(spec).status, http::status::not_found);
  EXPECT_FALSE(on_cache(spec_path));
  offline();
  EXPECT_EQ(get(spec).status, http::status::gateway_timeout); // not served stale after a purge
}

TEST_F(cache_handler, listings_are_kept_and_served_offline_in_both_forms)
{
  http::fields json;
  json.set(http::field::accept, "application/json");
  auto const online_listing = call(http::verb::get, "/Docs/", json);
  ASSERT_EQ(online_listing.status, http::status::ok);
  EXPECT_NE(online_listing.body.find("Caf\xC3\xA9"), std::string::npos);
  offline();
  auto const offline_listing = call(http::verb::get, "/Docs/", json);
  EXPECT_EQ(offline_listing.status, http::status::ok);
  EXPECT_EQ(offline_listing.body, online_listing.body);
  EXPECT_EQ(offline_listing.headers[cache_status_header], "stale");
  auto const html = get("/Docs/");
  EXPECT_EQ(html.status, http::status::ok);
  EXPECT_NE(html.headers[http::field::content_type].find("text/html"), std::string::npos);
}

TEST_F(cache_handler, an_online_write_is_relayed_and_lands_on_both_sides)
{
  ASSERT_EQ(get(spec).status, http::status::ok);
  auto const a = call(http::verb::put, spec, {}, "version two");
  EXPECT_EQ(a.status, http::status::no_content);
  EXPECT_EQ(a.headers[http::field::etag], tag_of("version two"));
  EXPECT_EQ(on_master(spec_path), "version two");
  EXPECT_EQ(on_cache(spec_path), "version two");
  EXPECT_TRUE(cache_.box().all()->empty());
}

TEST_F(cache_handler, an_offline_write_is_queued_with_its_base_and_replayed)
{
  ASSERT_EQ(get(spec).status, http::status::ok);
  offline();
  auto const a = call(http::verb::put, spec, {}, "written offline");
  ASSERT_EQ(a.status, http::status::accepted);
  auto const pending = cache_.box().pending();
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->front().id, a.headers[outbox_entry_header]);
  EXPECT_EQ(pending->front().base.if_match, tag_of("version one"));
  EXPECT_TRUE(pending->front().base.if_unmodified_since);
  EXPECT_TRUE(replay_pass()); // still offline: deferred
  online();
  EXPECT_FALSE(replay_pass());
  EXPECT_EQ(on_master(spec_path), "written offline");
  EXPECT_EQ(on_cache(spec_path), "written offline");
  EXPECT_TRUE(cache_.box().all()->empty());
}

TEST_F(cache_handler, an_offline_write_over_a_changed_master_becomes_a_conflict_and_clobbers_nothing)
{
  ASSERT_EQ(get(spec).status, http::status::ok);
  offline();
  master_.disk().edit_in_place(path(spec_path), "version ONE"); // same size, same second, on the server
  ASSERT_EQ(call(http::verb::put, spec, {}, "stale offline edit").status, http::status::accepted);
  online();
  EXPECT_FALSE(replay_pass());
  EXPECT_EQ(on_master(spec_path), "version ONE"); // the master's content preserved
  auto const all = cache_.box().all();
  ASSERT_EQ(all->size(), 1u);
  ASSERT_TRUE(all->front().refused);
  EXPECT_EQ(all->front().master->etag, tag_of("version ONE"));
  auto theirs = cache_.box().open_master_body(all->front());
  ASSERT_TRUE(theirs);
  EXPECT_EQ(theirs->stat().size, 11u);
  EXPECT_EQ(steps_.back(), replay_step::conflict);
}

// Issue 14: a person at the cache sees both versions of a conflict and
// settles it over HTTP.
TEST_F(cache_handler, a_conflict_is_seen_and_settled_over_http)
{
  ASSERT_EQ(get(spec).status, http::status::ok);
  offline();
  master_.disk().edit_in_place(path(spec_path), "version ONE");
  auto const queued = call(http::verb::put, spec, {}, "stale offline edit");
  ASSERT_EQ(queued.status, http::status::accepted);
  std::string const id(queued.headers[outbox_entry_header]);
  // Still pending: it can be read back, and not discarded from here.
  EXPECT_EQ(get("/.zddc/outbox/" + id + "/mine").body, "stale offline edit");
  EXPECT_EQ(call(http::verb::post, "/.zddc/outbox/" + id + "/discard").status, http::status::conflict);
  online();
  EXPECT_FALSE(replay_pass());
  ASSERT_TRUE(cache_.box().find(id)->refused);

  auto const mine = get("/.zddc/outbox/" + id + "/mine");
  EXPECT_EQ(mine.status, http::status::ok);
  EXPECT_EQ(mine.body, "stale offline edit");
  EXPECT_EQ(mine.headers["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(get("/.zddc/outbox/" + id + "/theirs").body, "version ONE");
  EXPECT_EQ(call(http::verb::put, "/.zddc/outbox/" + id + "/mine", {}, "x").status, http::status::method_not_allowed);
  EXPECT_EQ(call(http::verb::get, "/.zddc/outbox/" + id + "/retry").status, http::status::method_not_allowed);
  EXPECT_EQ(get("/.zddc/outbox/0000000000000000/mine").status, http::status::not_found);
  EXPECT_EQ(get("/.zddc/outbox/not-an-id/mine").status, http::status::not_found);

  // Keep the master's.
  EXPECT_EQ(call(http::verb::post, "/.zddc/outbox/" + id + "/discard").status, http::status::ok);
  EXPECT_TRUE(cache_.box().all()->empty());
  EXPECT_EQ(on_master(spec_path), "version ONE");
}

TEST_F(cache_handler, keep_mine_requeues_a_conflict_over_the_masters_version)
{
  ASSERT_EQ(get(spec).status, http::status::ok);
  offline();
  master_.disk().edit_in_place(path(spec_path), "version ONE");
  auto const queued = call(http::verb::put, spec, {}, "mine wins");
  std::string const id(queued.headers[outbox_entry_header]);
  online();
  EXPECT_FALSE(replay_pass());
  EXPECT_EQ(call(http::verb::post, "/.zddc/outbox/" + id + "/retry").status, http::status::ok);
  EXPECT_FALSE(replay_pass());
  EXPECT_EQ(on_master(spec_path), "mine wins");
  EXPECT_TRUE(cache_.box().all()->empty());
}

TEST_F(cache_handler, a_lost_acknowledgement_is_recognised_not_turned_into_a_conflict)
{
  ASSERT_EQ(get(spec).status, http::status::ok);
  offline();
  ASSERT_EQ(call(http::verb::put, spec, {}, "mine").status, http::status::accepted);
  online();
  net_.set_profile({.lose_reply = 1.0});
  EXPECT_TRUE(replay_pass()); // applied upstream, but we never heard
  EXPECT_EQ(on_master(spec_path), "mine");
  ASSERT_EQ(cache_.box().pending()->size(), 1u);
  net_.set_profile({});
  EXPECT_FALSE(replay_pass()); // 412, but the master's tag is our body's
  EXPECT_TRUE(cache_.box().all()->empty());
  EXPECT_EQ(steps_.back(), replay_step::replayed);
}

// Issue 14: a write the master refused on replay (403 outside the cache's
// grant) was dropped and its body deleted, although it had been answered
// 202. It is kept, with the master's answer, until a person decides.
TEST_F(cache_handler, an_offline_write_the_master_refuses_is_kept_as_a_rejection)
{
  ASSERT_EQ(get(spec).status, http::status::ok);
  offline();
  ASSERT_EQ(call(http::verb::put, spec, {}, "written offline").status, http::status::accepted);
  master_.set_token("cache-token", core::principal{"cache", {{path("Elsewhere"), core::access::write}}});
  online();
  EXPECT_FALSE(replay_pass());
  EXPECT_EQ(steps_.back(), replay_step::rejected);
  EXPECT_EQ(on_master(spec_path), "version one");
  auto const all = cache_.box().all();
  ASSERT_EQ(all->size(), 1u);
  auto const& kept = all->front();
  ASSERT_TRUE(kept.refused);
  EXPECT_EQ(kept.refused->kind, refusal_kind::rejected);
  EXPECT_EQ(kept.directory_name(), kept.id + ".rejected-" + kept.refused->at);
  EXPECT_EQ(kept.master->status, 403u);
  auto const body = env::read_all(env_.fs_, cache_.box().directory(kept).child("body.bin").value(), 1 << 10);
  EXPECT_EQ(body.value(), "written offline");
  auto const answer = env::read_all(env_.fs_, cache_.box().master_body_path(kept), 1 << 10);
  EXPECT_NE(answer.value().find("no write access"), std::string::npos);

  // The grant is given back; an operator retries; it lands, on its old base.
  master_.set_token("cache-token", core::principal::unrestricted("cache"));
  auto const again = cache_.box().retry(kept.id);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->base, kept.base);
  EXPECT_FALSE(replay_pass());
  EXPECT_EQ(on_master(spec_path), "written offline");
  EXPECT_TRUE(cache_.box().all()->empty());
}

// A 401 is about the cache's own token, not the write: nothing is settled.
TEST_F(cache_handler, a_revoked_cache_token_keeps_every_write_pending)
{
  ASSERT_EQ(get(spec).status, http::status::ok);
  offline();
  ASSERT_EQ(call(http::verb::put, spec, {}, "written offline").status, http::status::accepted);
  ASSERT_EQ(call(http::verb::put, "/Docs/second.txt", {}, "second").status, http::status::accepted);
  master_.set_token("cache-token", std::nullopt);
  online();
  EXPECT_TRUE(replay_pass()); // deferred: the pass stops
  EXPECT_EQ(steps_.back(), replay_step::unauthorized);
  EXPECT_EQ(cache_.box().pending()->size(), 2u);
  EXPECT_EQ(on_master(spec_path), "version one");

  master_.set_token("cache-token", core::principal::unrestricted("cache"));
  EXPECT_FALSE(replay_pass());
  EXPECT_EQ(on_master(spec_path), "written offline");
  EXPECT_EQ(on_master("Docs/second.txt"), "second");
  EXPECT_TRUE(cache_.box().all()->empty());
}

TEST_F(cache_handler, a_new_file_written_offline_is_created_only_if_still_absent)
{
  offline();
  ASSERT_EQ(call(http::verb::put, "/Docs/new.txt", {}, "mine").status, http::status::accepted);
  EXPECT_TRUE(cache_.box().pending()->front().base.if_none_match_any);
  master_.disk().write_file_direct(path("Docs/new.txt"), "someone else's");
  online();
  EXPECT_FALSE(replay_pass());
  EXPECT_EQ(on_master("Docs/new.txt"), "someone else's");
  EXPECT_TRUE(cache_.box().all()->front().refused);
}

TEST_F(cache_handler, a_delete_of_something_never_seen_has_nothing_to_base_on)
{
  offline();
  EXPECT_EQ(call(http::verb::delete_, "/Docs/unknown.txt").status, http::status::precondition_required);
  EXPECT_TRUE(cache_.box().all()->empty());
}

TEST_F(cache_handler, the_replay_loop_wakes_as_soon_as_the_master_answers_anything)
{
  ASSERT_EQ(get(spec).status, http::status::ok);
  boost::asio::co_spawn(io_, cache_.replay().run(), [](std::exception_ptr e) {
    if(e)
      std::rethrow_exception(e);
  });
  offline();
  ASSERT_EQ(call(http::verb::put, spec, {}, "queued").status, http::status::accepted);
  sim::run_until(io_, clock_, clock_.now() + 10min); // the loop backs off to its ceiling
  ASSERT_EQ(cache_.box().pending_count(), 1u);
  online();
  ASSERT_EQ(get("/Docs/").status, http::status::ok); // any success upstream
  auto const woke = clock_.now();
  sim::run_while(io_, clock_, [&] { return cache_.box().pending_count() > 0; }, woke + 30s);
  EXPECT_EQ(cache_.box().pending_count(), 0u);
  EXPECT_LT(clock_.now() - woke, 1s);
  EXPECT_EQ(on_master(spec_path), "queued");
  cache_.replay().stop();
  sim::run_until_quiet(io_, clock_);
}

} // namespace
} // namespace zddc::cache
