// The cache role against a real master role, over the simulated network:
// read-through, stale serving, purge, writes online and offline, replay
// outcomes (applied, conflict, lost acknowledgement) and the wake signal;
// paths at the length and depth limits; and against a scripted, hostile
// upstream: bad listings, bodies past the cap, redirects, cut bodies.
#include <zddc/cache/handler.hpp>

#include "../../support/cache_harness.hpp"
#include "../../support/paths.hpp"
#include "../../support/values.hpp"

#include "scripted_upstream.hpp"

#include "sim/master_node.hpp"
#include "sim/memory_filesystem.hpp"
#include "sim/network.hpp"
#include "sim/scheduler.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

namespace zddc::cache {
namespace handler_test {

namespace http = boost::beast::http;
using namespace std::chrono_literals;

using test_support::accept_json;
using test_support::answer;
using test_support::cache_env;
using test_support::path;
using test_support::run_request;
using test_support::tag_of;
using test_support::deep_path;
using test_support::long_path;

class cache_handler : public ::testing::Test {
protected:
  cache_handler()
  {
    master_.disk().write_file_direct(path("Docs/Spec (IFA) - Caf\xC3\xA9 #1.txt"), "version one");
    EXPECT_FALSE(cache_.open());
  }

  answer
  call(http::verb method, std::string_view target, http::fields headers = {}, std::optional<std::string_view> body = std::nullopt)
  {
    return run_request(io_, clock_, cache_, method, target, std::move(headers), body);
  }

  answer get(std::string_view target) { return call(http::verb::get, target); }

  /// One replay pass, run to completion: true when entries still wait.
  bool
  replay_pass()
  {
    return test_support::run_for(io_, clock_, cache_.replay().replay_pending()).value_or(true);
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

// Issue 14, read your own writes: after an offline upload the page
// reloaded without the file, and opening it answered 504.
TEST_F(cache_handler, an_offline_write_is_read_back_as_written_until_the_master_holds_it)
{
  ASSERT_EQ(get(spec).status, http::status::ok);
  offline();
  auto const queued = call(http::verb::put, spec, {}, "written offline");
  ASSERT_EQ(queued.status, http::status::accepted);
  std::string const id(queued.headers[outbox_entry_header]);

  auto const a = get(spec);
  EXPECT_EQ(a.status, http::status::ok);
  EXPECT_EQ(a.body, "written offline");
  EXPECT_EQ(a.headers[http::field::etag], tag_of("written offline"));
  EXPECT_EQ(a.headers[pending_header], id);
  EXPECT_EQ(a.headers.count(cache_status_header), 0u); // not stale: newer than the master's
  http::fields conditional;
  conditional.set(http::field::if_none_match, tag_of("written offline"));
  EXPECT_EQ(call(http::verb::get, spec, conditional).status, http::status::not_modified);
  http::fields range;
  range.set(http::field::range, "bytes=0-6");
  auto const part = call(http::verb::get, spec, range);
  EXPECT_EQ(part.status, http::status::partial_content);
  EXPECT_EQ(part.body, "written");
  auto const head = call(http::verb::head, spec);
  EXPECT_EQ(head.headers[http::field::content_length], "15");
  EXPECT_EQ(head.body, "");

  // A new file too, which the master never had.
  ASSERT_EQ(call(http::verb::put, "/Docs/new.txt", {}, "brand new").status, http::status::accepted);
  EXPECT_EQ(get("/Docs/new.txt").body, "brand new");

  online();
  EXPECT_FALSE(replay_pass());
  auto const landed = get(spec);
  EXPECT_EQ(landed.body, "written offline");
  EXPECT_EQ(landed.headers.count(pending_header), 0u);
}

TEST_F(cache_handler, chained_offline_edits_read_back_the_newest_and_land_in_order)
{
  ASSERT_EQ(get(spec).status, http::status::ok);
  offline();
  ASSERT_EQ(call(http::verb::put, spec, {}, "edit one").status, http::status::accepted);
  EXPECT_EQ(get(spec).body, "edit one");
  ASSERT_EQ(call(http::verb::put, spec, {}, "edit two").status, http::status::accepted);
  EXPECT_EQ(get(spec).body, "edit two");
  auto const pending = cache_.box().pending();
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ(pending->back().base.if_match, tag_of("edit one")); // built on the first, not on the master's
  online();
  EXPECT_FALSE(replay_pass());
  EXPECT_EQ(on_master(spec_path), "edit two");
  EXPECT_TRUE(cache_.box().all()->empty());
}

TEST_F(cache_handler, an_offline_delete_hides_the_file_and_is_marked_on_the_page)
{
  ASSERT_EQ(get("/Docs/").status, http::status::ok);
  ASSERT_EQ(get(spec).status, http::status::ok);
  offline();
  auto const queued = call(http::verb::delete_, spec);
  ASSERT_EQ(queued.status, http::status::accepted);
  std::string const id(queued.headers[outbox_entry_header]);

  auto const gone = get(spec);
  EXPECT_EQ(gone.status, http::status::not_found);
  EXPECT_EQ(gone.headers[pending_header], id);
  auto const json = call(http::verb::get, "/Docs/", accept_json());
  EXPECT_EQ(json.status, http::status::ok);
  EXPECT_EQ(json.body.find("Spec (IFA)"), std::string::npos) << json.body;
  auto const html = get("/Docs/");
  EXPECT_NE(html.body.find("class=\"deleted\""), std::string::npos);
  EXPECT_NE(html.body.find("deletion waiting for the master"), std::string::npos);

  online();
  EXPECT_FALSE(replay_pass());
  EXPECT_FALSE(on_master(spec_path));
  EXPECT_EQ(get(spec).status, http::status::not_found);
  EXPECT_EQ(get("/Docs/").body.find("Spec (IFA)"), std::string::npos);
}

TEST_F(cache_handler, an_offline_listing_shows_pending_writes_and_says_since_when)
{
  ASSERT_EQ(get("/Docs/").status, http::status::ok);
  auto const went_offline = clock_.now();
  offline();
  auto const queued = call(http::verb::put, "/Docs/new.txt", {}, "brand new");
  ASSERT_EQ(queued.status, http::status::accepted);
  std::string const id(queued.headers[outbox_entry_header]);

  auto const json = call(http::verb::get, "/Docs/", accept_json());
  EXPECT_EQ(json.headers[cache_status_header], "stale");
  auto const l = core::listing_from_json(json.body, path("Docs"));
  ASSERT_TRUE(l) << json.body;
  ASSERT_EQ(l->entries.size(), 2u);
  EXPECT_EQ(l->entries[0].name, "Spec (IFA) - Caf\xC3\xA9 #1.txt");
  EXPECT_FALSE(l->entries[0].pending);
  EXPECT_EQ(l->entries[1].name, "new.txt");
  EXPECT_EQ(l->entries[1].size, 9u);
  EXPECT_EQ(l->entries[1].etag->to_string(), tag_of("brand new"));
  ASSERT_TRUE(l->entries[1].pending);
  EXPECT_EQ(l->entries[1].pending->entry, id);

  auto const html = get("/Docs/");
  EXPECT_NE(html.body.find("The master cannot be reached"), std::string::npos);
  EXPECT_NE(html.body.find(detail::rfc3339(went_offline)), std::string::npos) << html.body;
  EXPECT_NE(html.body.find("class=\"pending\""), std::string::npos);
  // The page changes with what waits: a browser's cached copy is not reused.
  ASSERT_EQ(call(http::verb::put, "/Docs/other.txt", {}, "other").status, http::status::accepted);
  EXPECT_NE(get("/Docs/").headers[http::field::etag], html.headers[http::field::etag]);

  online();
  auto const back = get("/Docs/");
  EXPECT_EQ(back.body.find("The master cannot be reached"), std::string::npos);
}

TEST_F(cache_handler, a_refused_write_is_listed_on_its_directorys_page_with_both_ways_to_settle_it)
{
  ASSERT_EQ(get(spec).status, http::status::ok);
  offline();
  master_.disk().edit_in_place(path(spec_path), "version ONE");
  auto const queued = call(http::verb::put, spec, {}, "stale offline edit");
  std::string const id(queued.headers[outbox_entry_header]);
  online();
  EXPECT_FALSE(replay_pass());

  auto const page = get("/Docs/").body;
  EXPECT_NE(page.find("Changes the master did not accept"), std::string::npos);
  for(auto const* what : {"/mine", "/theirs", "/retry", "/discard"})
    EXPECT_NE(page.find("/.zddc/outbox/" + id + what), std::string::npos) << what;
  EXPECT_EQ(get("/").body.find("/.zddc/outbox/"), std::string::npos); // only in its own directory
  // The row shows the master's version: the conflict is not pending.
  EXPECT_EQ(get(spec).body, "version ONE");

  ASSERT_EQ(call(http::verb::post, "/.zddc/outbox/" + id + "/discard").status, http::status::ok);
  EXPECT_EQ(get("/Docs/").body.find("Changes the master did not accept"), std::string::npos);
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

// A directory exactly as deep as a client may name, and one exactly as
// long: listed, the listing kept beside it, and served from there offline.
// (Deeper or longer ones are refused as targets; before a repo_path left
// room for the sidecar, forming its name crashed the cache.)
TEST_F(cache_handler, folders_are_made_and_removed_on_the_master_while_it_answers)
{
  auto const made = call(http::verb::mkcol, "/Docs/New%20Folder/");
  EXPECT_EQ(made.status, http::status::created);
  EXPECT_TRUE(master_.disk().snapshot().dirs.contains("Docs/New Folder"));
  EXPECT_EQ(call(http::verb::mkcol, "/Docs/New%20Folder/").status, http::status::method_not_allowed)
    << "the master's answer, relayed";
  EXPECT_EQ(call(http::verb::delete_, "/Docs/New%20Folder/").status, http::status::no_content);
  EXPECT_FALSE(master_.disk().snapshot().dirs.contains("Docs/New Folder"));

  offline();
  auto const away = call(http::verb::mkcol, "/Docs/Later/");
  EXPECT_EQ(away.status, http::status::service_unavailable) << "nothing about a folder is queued";
  EXPECT_NE(away.body.find("master cannot be reached"), std::string::npos);
  EXPECT_EQ(call(http::verb::delete_, "/Docs/").status, http::status::service_unavailable);
  online();
  EXPECT_FALSE(master_.disk().snapshot().dirs.contains("Docs/Later"));
}

TEST_F(cache_handler, a_document_name_off_the_convention_is_kept_with_a_warning_online_and_offline)
{
  auto const online_put = call(http::verb::put, "/Docs/scan%20001.pdf", {}, "x");
  EXPECT_EQ(online_put.status, http::status::created);
  EXPECT_EQ(online_put.headers.count(core::name_warning_header), 1u);
  offline();
  http::fields create_only;
  create_only.set(http::field::if_none_match, "*");
  auto const queued = call(http::verb::put, "/Docs/scan%20002.pdf", create_only, "y");
  EXPECT_EQ(queued.status, http::status::accepted);
  EXPECT_EQ(queued.headers.count(core::name_warning_header), 1u);
  auto const fine = call(http::verb::put, "/Docs/123456-EL-SPC-2623_A%20(IFA)%20-%20Switchgear.pdf", create_only, "z");
  EXPECT_EQ(fine.status, http::status::accepted);
  EXPECT_EQ(fine.headers.count(core::name_warning_header), 0u);
}

TEST_F(cache_handler, the_deepest_and_longest_directories_a_client_can_name_are_kept_and_served_offline)
{
  for(auto const& dir : {deep_path(core::repo_path_depth_max), long_path(core::repo_path_bytes_max)}) {
    SCOPED_TRACE(dir.size());
    ASSERT_TRUE(core::repo_path::parse(dir));
    // The directory holds one file no client can name: the master lists it empty.
    master_.disk().write_file_direct(*core::store_path::parse(dir + "/x"), "below the deepest");
    auto const target = std::string(core::encode(path(dir), core::target_form::directory).str());
    auto const online_listing = call(http::verb::get, target, accept_json());
    ASSERT_EQ(online_listing.status, http::status::ok);
    EXPECT_TRUE(on_cache(dir + "/.zddc-listing.json"));
    offline();
    auto const offline_listing = call(http::verb::get, target, accept_json());
    EXPECT_EQ(offline_listing.status, http::status::ok);
    EXPECT_EQ(offline_listing.body, online_listing.body);
    EXPECT_EQ(offline_listing.headers[cache_status_header], "stale");
    EXPECT_EQ(get(target).status, http::status::ok); // the HTML form, from the same sidecar
    online();
  }
}

TEST_F(cache_handler, a_target_deeper_or_longer_than_a_client_may_name_is_refused)
{
  for(auto const& dir : {deep_path(core::repo_path_depth_max + 1), long_path(core::repo_path_bytes_max + 1)}) {
    std::string target = "/";
    for(char c : dir)
      target += c;
    target += '/';
    EXPECT_EQ(call(http::verb::get, target, accept_json()).status, http::status::bad_request) << dir.size();
    EXPECT_EQ(get(target.substr(0, target.size() - 1)).status, http::status::bad_request) << dir.size();
  }
}

// --- Against a hostile or broken upstream -------------------------------

using scripted_env = test_support::basic_cache_env<testing::scripted_upstream>;

class cache_against_a_hostile_upstream : public ::testing::Test {
protected:
  cache_against_a_hostile_upstream() { EXPECT_FALSE(cache_.open()); }

  answer
  call(http::verb method, std::string_view target, http::fields headers = {}, std::optional<std::string_view> body = std::nullopt)
  {
    return run_request(io_, clock_, cache_, method, target, std::move(headers), body);
  }

  testing::scripted_upstream& upstream() { return env_.to_master_; }
  std::map<std::string, testing::scripted_answer>& script() { return env_.to_master_.answers; }

  /// The cache's files, without the outbox's and spool's bookkeeping.
  std::map<std::string, std::string>
  files()
  {
    auto all = env_.fs_.snapshot().files;
    std::erase_if(all, [](auto const& f) { return f.first.starts_with(".zddc-"); });
    return all;
  }

  /// Nothing half-downloaded left behind.
  bool
  spool_empty()
  {
    for(auto const& [p, bytes] : env_.fs_.snapshot().files)
      if(p.starts_with(spool_directory))
        return false;
    return true;
  }

  static constexpr std::uint64_t cap = 1 << 20;

  boost::asio::io_context io_;
  sim::virtual_clock clock_{io_.get_executor()};
  scripted_env env_{clock_, sim::memory_filesystem([this] { return clock_.now(); }), {}};
  handler<scripted_env> cache_{env_, config{.bearer = {}, .download_bytes_max = cap}};
};

std::vector<std::string>
bad_names()
{
  return {"..", ".", "a/b", "a\\b", "", std::string("nul\0x", 5), "tab\there", ".zddc-listing.json", ".ZDDC-x",
          "exe.\xE2\x80\xAEgnp",  // U+202E RIGHT-TO-LEFT OVERRIDE: shows as "exe.png"
          "a\xE2\x81\xA6" "b",    // U+2066 LEFT-TO-RIGHT ISOLATE
          "caf\xC3", std::string(core::segment_bytes_max + 1, 'n')};
}

TEST_F(cache_against_a_hostile_upstream, a_listing_naming_what_is_not_a_name_is_refused_and_nothing_of_it_kept)
{
  for(auto const& bad : bad_names()) {
    SCOPED_TRACE(::testing::PrintToString(bad));
    script()["/Docs/"] = testing::listing_answer({{"fine.txt", false, "ok"}, {bad, false, "evil"}});
    auto const a = call(http::verb::get, "/Docs/", accept_json());
    EXPECT_EQ(a.status, http::status::bad_gateway);
    EXPECT_EQ(a.body.find("evil"), std::string::npos);
    EXPECT_TRUE(files().empty()); // no sidecar, and nothing named after an entry
    EXPECT_TRUE(env_.fs_.snapshot().dirs.size() <= 2u); // the outbox and the spool only
  }
}

TEST_F(cache_against_a_hostile_upstream, a_listing_that_does_not_parse_is_a_502_and_the_kept_one_stays)
{
  script()["/Docs/"] = testing::listing_answer({{"fine.txt", false, "ok"}});
  auto const good = call(http::verb::get, "/Docs/", accept_json());
  ASSERT_EQ(good.status, http::status::ok);
  auto const kept = files();
  for(std::string bad : {"", "not json", "[]", R"({"entries": 5})", R"({"entries": [5]})",
                         R"({"entries": [{"name": "a", "type": "file"}]})",
                         R"({"entries": [{"name": "a", "type": "link", "size": 0, "mtime_ns": 0}]})",
                         R"({"entries": [{"name": "a", "type": "file", "size": -1, "mtime_ns": 0}]})",
                         R"({"entries": [{"name": "a", "type": "file", "size": 0, "mtime_ns": 0, "etag": "bare"}]})",
                         R"({"entries": [{"name": "a", "type": "file", "size": 0, "mtime_ns": 0},
                                         {"name": "a", "type": "directory", "size": 0, "mtime_ns": 0}]})"}) {
    SCOPED_TRACE(bad);
    script()["/Docs/"].body = bad;
    EXPECT_EQ(call(http::verb::get, "/Docs/", accept_json()).status, http::status::bad_gateway);
    EXPECT_EQ(files(), kept);
  }
}

TEST_F(cache_against_a_hostile_upstream, a_body_past_the_cap_is_abandoned_and_the_copy_kept)
{
  script()["/a.txt"] = testing::file_answer("old");
  ASSERT_EQ(call(http::verb::get, "/a.txt").body, "old");
  auto huge = testing::file_answer("new");
  huge.endless_bytes_max = 64 * cap; // stands for "never ends": only the cap stops it
  script()["/a.txt"] = huge;
  upstream().bytes_sent = 0;
  auto const a = call(http::verb::get, "/a.txt");
  EXPECT_EQ(a.status, http::status::bad_gateway);
  EXPECT_LE(upstream().bytes_sent, cap + 2 * 64 * 1024); // cut off at the cap, give or take a chunk
  EXPECT_EQ(files(), (std::map<std::string, std::string>{{"a.txt", "old"}}));
  EXPECT_TRUE(spool_empty());
}

TEST_F(cache_against_a_hostile_upstream, an_endless_listing_ends_at_the_listing_cap)
{
  auto endless = testing::listing_answer({});
  endless.body = R"({"entries": [)";
  endless.endless_bytes_max = listing_bytes_max + cap;
  script()["/Docs/"] = endless;
  EXPECT_EQ(call(http::verb::get, "/Docs/", accept_json()).status, http::status::bad_gateway);
  EXPECT_LE(upstream().bytes_sent, listing_bytes_max + 2 * 64 * 1024);
  EXPECT_TRUE(files().empty());
}

TEST_F(cache_against_a_hostile_upstream, a_body_cut_mid_way_never_replaces_the_copy)
{
  script()["/a.txt"] = testing::file_answer("old");
  ASSERT_EQ(call(http::verb::get, "/a.txt").body, "old");
  auto cut = testing::file_answer("the first half of the new");
  cut.cut = errc::protocol_error;
  script()["/a.txt"] = cut;
  script()["/b.txt"] = cut;
  auto const a = call(http::verb::get, "/a.txt");
  EXPECT_EQ(a.status, http::status::ok);
  EXPECT_EQ(a.body, "old");
  EXPECT_EQ(a.headers[cache_status_header], "stale");
  EXPECT_EQ(call(http::verb::get, "/b.txt").status, http::status::gateway_timeout);
  EXPECT_EQ(files(), (std::map<std::string, std::string>{{"a.txt", "old"}}));
  EXPECT_TRUE(spool_empty());
}

TEST_F(cache_against_a_hostile_upstream, a_redirect_is_never_passed_on)
{
  for(std::string location : {"//evil.example/x", "http://evil.example/a.txt/", "https://evil.example/", "/elsewhere/",
                              "/a.txt", "a.txt/", "/a.txt/../b/", ""}) {
    for(auto status : {http::status::moved_permanently, http::status::found, http::status::see_other,
                       http::status::temporary_redirect, http::status::permanent_redirect}) {
      SCOPED_TRACE(location + " " + std::to_string(static_cast<unsigned>(status)));
      testing::scripted_answer r;
      r.status = status;
      if(! location.empty())
        r.headers.set(http::field::location, location);
      r.body = "go to " + location;
      script()["/a.txt"] = r;
      script()["/Docs/"] = r;
      auto const file = call(http::verb::get, "/a.txt");
      EXPECT_EQ(file.status, http::status::bad_gateway);
      EXPECT_EQ(file.headers.count(http::field::location), 0u);
      auto const dir = call(http::verb::get, "/Docs/", accept_json());
      EXPECT_EQ(dir.status, http::status::bad_gateway);
      EXPECT_EQ(dir.headers.count(http::field::location), 0u);
    }
  }
  EXPECT_TRUE(files().empty());
}

TEST_F(cache_against_a_hostile_upstream, the_masters_add_a_slash_redirect_becomes_this_caches_own)
{
  struct example {
    std::string asked, theirs, ours;
  };
  for(auto const& [asked, theirs, ours] :
      {example{"/Docs/sub", "/Docs/sub/", "/Docs/sub/"},
       example{"/Docs/a%20b?sort=name", "/Docs/a%20b/?sort=name", "/Docs/a%20b/?sort=name"},
       example{"/Docs/sub?x=1", "/mount/Docs/sub/?y=2", "/Docs/sub/?x=1"}, // behind a proxy's prefix; the query is ours
       example{"/Docs/sub", "/Docs/sub/#frag", "/Docs/sub/"}}) {
    SCOPED_TRACE(asked);
    testing::scripted_answer r;
    r.status = http::status::moved_permanently;
    r.headers.set(http::field::location, theirs);
    script()[asked] = r;
    auto const a = call(http::verb::get, asked);
    EXPECT_EQ(a.status, http::status::moved_permanently);
    EXPECT_EQ(a.headers[http::field::location], ours);
  }
}

TEST_F(cache_against_a_hostile_upstream, a_write_answered_with_a_redirect_is_kept_for_later_not_dropped)
{
  script()["/a.txt"] = testing::file_answer("old");
  ASSERT_EQ(call(http::verb::get, "/a.txt").status, http::status::ok);
  testing::scripted_answer r;
  r.status = http::status::temporary_redirect;
  r.headers.set(http::field::location, "//evil.example/a.txt");
  script()["/a.txt"] = r;
  auto const a = call(http::verb::put, "/a.txt", {}, "mine");
  EXPECT_EQ(a.status, http::status::accepted);
  EXPECT_EQ(a.headers.count(http::field::location), 0u);
  auto const pending = cache_.box().pending();
  ASSERT_TRUE(pending);
  EXPECT_EQ(pending->size(), 1u); // a 202 is a promise: still queued
}

TEST_F(cache_against_a_hostile_upstream, a_created_answer_carries_this_caches_location)
{
  testing::scripted_answer created;
  created.status = http::status::created;
  created.headers.set(http::field::location, "//evil.example/x");
  created.headers.set(http::field::etag, testing::content_tag("mine"));
  script()["/new%20file.txt"] = created;
  auto const a = call(http::verb::put, "/new%20file.txt", {}, "mine");
  EXPECT_EQ(a.status, http::status::created);
  EXPECT_EQ(a.headers[http::field::location], "/new%20file.txt");
  EXPECT_EQ(files(), (std::map<std::string, std::string>{{"new file.txt", "mine"}}));
}

TEST_F(cache_against_a_hostile_upstream, a_relayed_error_is_plain_text)
{
  testing::scripted_answer r;
  r.status = http::status::bad_request;
  r.headers.set(http::field::content_type, "text/html");
  r.body = "<script>alert(1)</script>";
  script()["/Docs/"] = r;
  auto const a = call(http::verb::get, "/Docs/", accept_json());
  EXPECT_EQ(a.status, http::status::bad_request);
  EXPECT_EQ(a.headers[http::field::content_type], "text/plain; charset=utf-8");
}

// --- The register, the transmittals and ZIPs (master/documents.hpp) -----------

TEST_F(cache_handler, the_register_brings_the_subtree_in_with_one_tree_request_and_shows_waiting_writes)
{
  master_.disk().write_file_direct(path("Docs/Sub/100-EL-SPC-1_A (IFA) - Spec.pdf"), "spec A");
  master_.disk().write_file_direct(path("Docs/Sub/100-EL-SPC-1_B (IFC) - Spec.pdf"), "spec B");
  auto const online = call(http::verb::get, "/Docs/?register", accept_json());
  ASSERT_EQ(online.status, http::status::ok) << online.body;
  EXPECT_TRUE(online.headers.find(cache_status_header) == online.headers.end());
  EXPECT_NE(online.body.find("\"current\":{\"rev\":\"B\",\"status\":\"IFC\""), std::string::npos) << online.body;
  EXPECT_NE(online.body.find("\"reason\""), std::string::npos); // the Spec (IFA) - Café #1.txt name is off
  EXPECT_NE(online.body.find("\"missing\":[]"), std::string::npos);
  // Both listings came in the one `?tree` answer, and are kept.
  EXPECT_TRUE(env_.fs_.snapshot().files.contains("Docs/Sub/.zddc-listing.json"));

  offline();
  auto const put = call(http::verb::put, "/Docs/Sub/100-EL-SPC-1_C%20(IFC)%20-%20Spec.pdf", {}, "spec C");
  ASSERT_EQ(put.status, http::status::accepted);
  auto const stale = call(http::verb::get, "/Docs/?register", accept_json());
  ASSERT_EQ(stale.status, http::status::ok) << stale.body;
  EXPECT_EQ(stale.headers[cache_status_header], "stale");
  // The person who wrote it sees it, marked as waiting, and current.
  EXPECT_NE(stale.body.find("\"current\":{\"rev\":\"C\""), std::string::npos) << stale.body;
  EXPECT_NE(stale.body.find("\"pending\":\"" + std::string(put.headers[outbox_entry_header]) + "\""),
            std::string::npos);
  EXPECT_NE(stale.headers[http::field::etag], online.headers[http::field::etag]);

  auto const page = call(http::verb::get, "/Docs/?register");
  EXPECT_NE(page.body.find("The master cannot be reached"), std::string::npos);
  auto const csv = call(http::verb::get, "/Docs/?register&format=csv");
  EXPECT_NE(csv.body.find("100-EL-SPC-1,C,IFC,Spec,pdf,/Docs/Sub/100-EL-SPC-1_C (IFC) - Spec.pdf,6,"),
            std::string::npos) << csv.body;
}

TEST_F(cache_handler, offline_the_register_names_the_folders_it_does_not_hold_and_a_folder_never_seen_is_504)
{
  master_.disk().write_file_direct(path("Docs/Sub/100-EL-SPC-1_A (IFA) - Spec.pdf"), "spec A");
  ASSERT_EQ(call(http::verb::get, "/Docs/", accept_json()).status, http::status::ok); // Docs alone, not Sub
  offline();
  auto const r = call(http::verb::get, "/Docs/?register", accept_json());
  ASSERT_EQ(r.status, http::status::ok);
  EXPECT_EQ(r.headers[cache_status_header], "stale");
  EXPECT_NE(r.body.find("\"missing\":[\"/Docs/Sub/\"]"), std::string::npos) << r.body;
  auto const never = call(http::verb::get, "/Other/?transmittals", accept_json());
  EXPECT_EQ(never.status, http::status::gateway_timeout);
}

TEST_F(cache_handler, a_zip_fetches_the_copies_it_lacks_and_offline_archives_what_it_holds)
{
  master_.disk().write_file_direct(path("Docs/Sub/a.pdf"), "bytes of a");
  master_.disk().write_file_direct(path("Docs/Sub/b.pdf"), "bytes of b");
  auto const z = get("/Docs/Sub/?zip");
  ASSERT_EQ(z.status, http::status::ok) << z.body;
  EXPECT_EQ(z.headers[http::field::content_type], "application/zip");
  // Stored, not deflated: each member's bytes appear as they are.
  EXPECT_NE(z.body.find("bytes of a"), std::string::npos);
  EXPECT_NE(z.body.find("Sub/b.pdf"), std::string::npos);
  EXPECT_EQ(on_cache("Docs/Sub/a.pdf"), "bytes of a"); // fetched for the archive, and kept

  master_.disk().write_file_direct(path("Docs/Sub/c.pdf"), "bytes of c");
  ASSERT_EQ(call(http::verb::get, "/Docs/Sub/", accept_json()).status, http::status::ok); // listed, never fetched
  offline();
  auto const away = get("/Docs/Sub/?zip");
  ASSERT_EQ(away.status, http::status::ok);
  EXPECT_EQ(away.headers[cache_status_header], "stale");
  EXPECT_NE(away.body.find("bytes of b"), std::string::npos);
  EXPECT_EQ(away.body.find("bytes of c"), std::string::npos);
  EXPECT_NE(away.body.find("MISSING.txt"), std::string::npos); // c.pdf is named there
}

TEST_F(cache_handler, a_selection_zip_holds_a_waiting_write_and_refuses_what_is_not_listed)
{
  ASSERT_EQ(call(http::verb::get, "/Docs/", accept_json()).status, http::status::ok);
  offline();
  ASSERT_EQ(call(http::verb::put, "/Docs/mine.pdf", {}, "my own bytes").status, http::status::accepted);
  auto const z = call(http::verb::post, "/.zddc/zip", {}, R"(["/Docs/mine.pdf"])");
  ASSERT_EQ(z.status, http::status::ok) << z.body;
  EXPECT_NE(z.body.find("my own bytes"), std::string::npos);
  EXPECT_NE(z.body.find("Docs/mine.pdf"), std::string::npos);
  EXPECT_EQ(call(http::verb::post, "/.zddc/zip", {}, R"(["/Docs/not-there.pdf"])").status, http::status::not_found);
  EXPECT_EQ(call(http::verb::post, "/.zddc/zip", {}, "not json").status, http::status::bad_request);
}

} // namespace
} // namespace zddc::cache
