// The cache's pure decisions, one row per case.
#include <zddc/cache/decide.hpp>
#include <zddc/core/listing_html.hpp>

#include <gtest/gtest.h>

#include <string>

namespace zddc::cache {
namespace decide_test {

namespace http = boost::beast::http;

TEST(classify_read, an_answer_to_a_read_means_exactly_one_thing)
{
  using r = read_verdict;
  struct row {
    std::optional<unsigned> status;
    bool oversized;
    read_verdict expected;
  };
  for(auto const& x : {row{200, false, r::fresh}, row{304, false, r::current}, row{404, false, r::gone},
                       row{403, false, r::gone}, row{410, false, r::gone}, row{500, false, r::unavailable},
                       row{502, false, r::unavailable}, row{503, false, r::unavailable},
                       row{std::nullopt, false, r::unavailable}, row{std::nullopt, true, r::oversized},
                       row{301, false, r::redirect}, row{302, false, r::redirect}, row{308, false, r::redirect},
                       row{400, false, r::other}, row{401, false, r::other}, row{416, false, r::other},
                       row{429, false, r::other}})
    EXPECT_EQ(classify_read(x.status, x.oversized), x.expected) << (x.status ? *x.status : 0) << x.oversized;
}

struct replay_row {
  std::string name;
  replay_evidence evidence;
  replay_verdict expected;
};

std::ostream&
operator<<(std::ostream& os, const replay_row& r)
{
  return os << r.name;
}

constexpr std::string_view ours = "\"sha256-ours\"";
constexpr std::string_view theirs = "\"sha256-theirs\"";

class classify_replay_table : public ::testing::TestWithParam<replay_row> {};

TEST_P(classify_replay_table, gives_the_verdict_of_its_row)
{
  EXPECT_EQ(classify_replay(GetParam().evidence), GetParam().expected);
}

using v = replay_verdict;
auto const put = http::verb::put;
auto const del = http::verb::delete_;

INSTANTIATE_TEST_SUITE_P(
  rows, classify_replay_table,
  ::testing::Values(
    replay_row{"no_answer_waits", {put, std::nullopt, {}, ours}, v::deferred},
    replay_row{"created_is_applied", {put, 201, theirs, ours}, v::applied},
    replay_row{"replaced_is_applied", {put, 204, {}, ours}, v::applied},
    replay_row{"delete_done_is_applied", {del, 204, {}, {}}, v::applied},
    replay_row{"delete_of_nothing_is_applied", {del, 404, {}, {}}, v::applied},
    replay_row{"put_404_is_rejected", {put, 404, {}, ours}, v::rejected},
    replay_row{"412_with_our_own_tag_is_a_lost_acknowledgement", {put, 412, ours, ours}, v::applied},
    replay_row{"412_with_another_tag_is_a_conflict", {put, 412, theirs, ours}, v::conflict},
    replay_row{"412_without_a_tag_is_a_conflict", {put, 412, {}, ours}, v::conflict},
    replay_row{"delete_412_is_a_conflict_even_with_a_matching_tag", {del, 412, ours, ours}, v::conflict},
    replay_row{"401_is_the_caches_credentials_not_the_write", {put, 401, {}, ours}, v::unauthorized},
    replay_row{"403_outside_the_grant_is_rejected", {put, 403, {}, ours}, v::rejected},
    replay_row{"409_a_directory_in_the_way_is_rejected", {put, 409, {}, ours}, v::rejected},
    replay_row{"413_too_large_is_rejected", {put, 413, {}, ours}, v::rejected},
    replay_row{"400_is_rejected", {del, 400, {}, {}}, v::rejected},
    replay_row{"408_waits", {put, 408, {}, ours}, v::deferred},
    replay_row{"429_waits", {put, 429, {}, ours}, v::deferred},
    replay_row{"500_waits", {put, 500, {}, ours}, v::deferred},
    replay_row{"502_waits", {del, 502, {}, {}}, v::deferred},
    replay_row{"507_waits", {put, 507, {}, ours}, v::deferred},
    replay_row{"a_redirect_waits", {put, 301, {}, ours}, v::deferred}),
  [](const ::testing::TestParamInfo<replay_row>& row) { return row.param.name; });

struct base_row {
  std::string name;
  base_evidence evidence;
  std::optional<write_base> expected;
};

std::ostream&
operator<<(std::ostream& os, const base_row& r)
{
  return os << r.name;
}

class choose_base_table : public ::testing::TestWithParam<base_row> {};

TEST_P(choose_base_table, bases_the_write_on_the_version_of_its_row)
{
  EXPECT_EQ(choose_base(GetParam().evidence), GetParam().expected);
}

core::entity_tag const copy = *core::entity_tag::strong("copy");
core::entity_tag const listed = *core::entity_tag::strong("listed");
core::time_point const t0 = core::time_point(std::chrono::seconds(1767225600)); // Thu, 01 Jan 2026 00:00:00 GMT
std::string const t0_text = "Thu, 01 Jan 2026 00:00:00 GMT";

base_evidence
evidence(http::verb method)
{
  base_evidence x;
  x.method = method;
  return x;
}

base_evidence
with(base_evidence x, auto&& change)
{
  change(x);
  return x;
}

INSTANTIATE_TEST_SUITE_P(
  rows, choose_base_table,
  ::testing::Values(
    base_row{"the_clients_if_match_wins",
             with(evidence(put), [](auto& x) { x.if_match = "\"seen\""; x.copy_tag = copy; }),
             write_base{.if_match = "\"seen\""}},
    base_row{"the_clients_create_only_is_kept", with(evidence(put), [](auto& x) { x.if_none_match = "*"; }),
             write_base{.if_none_match_any = true}},
    base_row{"a_tag_list_in_if_none_match_cannot_be_queued",
             with(evidence(put), [](auto& x) { x.if_none_match = "\"a\", \"b\""; }), std::nullopt},
    base_row{"a_chained_offline_edit_builds_on_the_pending_body",
             with(evidence(put), [](auto& x) { x.pending_method = put; x.pending_body_etag = ours; x.copy_tag = copy; }),
             write_base{.if_match = std::string(ours)}},
    base_row{"after_a_pending_delete_only_a_create",
             with(evidence(put), [](auto& x) { x.pending_method = del; x.copy_tag = copy; }),
             write_base{.if_none_match_any = true}},
    base_row{"the_local_copy_with_its_date",
             with(evidence(del), [](auto& x) { x.copy_tag = copy; x.copy_mtime = t0; x.listed_tag = listed; }),
             write_base{.if_match = "\"copy\"", .if_unmodified_since = t0_text}},
    base_row{"the_stored_listing_when_no_copy",
             with(evidence(put), [](auto& x) { x.listed_tag = listed; x.listed_mtime = t0; }),
             write_base{.if_match = "\"listed\"", .if_unmodified_since = t0_text}},
    base_row{"a_new_file_is_created_only_if_still_absent", evidence(put), write_base{.if_none_match_any = true}},
    base_row{"a_delete_of_something_never_seen_has_no_base", evidence(del), std::nullopt}),
  [](const ::testing::TestParamInfo<base_row>& row) { return row.param.name; });

outbox_entry
queued(std::string id, http::verb method, std::string_view path, std::string body_tag = "\"b\"")
{
  outbox_entry e;
  e.id = std::move(id);
  e.method = method;
  e.path = *core::repo_path::parse(path);
  e.queued_at = t0;
  if(method == http::verb::put) {
    e.body_bytes = 4;
    e.body_etag = std::move(body_tag);
  }
  return e;
}

TEST(overlay_pending, a_person_sees_their_own_writes_over_the_masters_listing)
{
  auto const dir = *core::repo_path::parse("Docs");
  core::listing master{dir, {{"a.pdf", core::file_kind::regular, 10, t0, copy},
                             {"b.pdf", core::file_kind::regular, 20, t0, listed},
                             {"sub", core::file_kind::directory, 0, t0, std::nullopt}}};
  std::vector<outbox_entry> const pending{
    queued("0000000000000001", put, "Docs/new.pdf", "\"n1\""),  // a new file
    queued("0000000000000002", put, "Docs/a.pdf", "\"a2\""),    // an edit
    queued("0000000000000003", del, "Docs/b.pdf"),              // a deletion
    queued("0000000000000004", put, "Docs/new.pdf", "\"n2\""),  // edited again: the later one wins
    queued("0000000000000005", put, "Other/x.pdf"),             // elsewhere
    queued("0000000000000006", del, "Docs/never.pdf"),          // nothing to hide
  };
  auto const seen = overlay_pending(master, pending);
  ASSERT_EQ(seen.entries.size(), 4u);
  EXPECT_EQ(seen.entries[0].name, "a.pdf");
  EXPECT_EQ(seen.entries[0].etag->to_string(), "\"a2\"");
  EXPECT_EQ(seen.entries[0].size, 4u);
  EXPECT_EQ(seen.entries[0].pending, (core::pending_write{"0000000000000002", false}));
  EXPECT_EQ(seen.entries[1].name, "b.pdf");
  EXPECT_EQ(seen.entries[1].pending, (core::pending_write{"0000000000000003", true}));
  EXPECT_EQ(seen.entries[2].name, "new.pdf");
  EXPECT_EQ(seen.entries[2].etag->to_string(), "\"n2\"");
  EXPECT_EQ(seen.entries[2].pending->entry, "0000000000000004");
  EXPECT_EQ(seen.entries[3].name, "sub");
  EXPECT_FALSE(seen.entries[3].pending);

  // JSON hides the deletion and names the entries; HTML's tag moves with it.
  auto const json = core::to_json(seen);
  EXPECT_EQ(json.find("\"b.pdf\""), std::string::npos);
  EXPECT_NE(json.find("\"pending\":\"0000000000000004\""), std::string::npos);
  auto without_deletion = seen;
  without_deletion.entries.erase(without_deletion.entries.begin() + 1);
  EXPECT_EQ(core::listing_tag(seen, core::listing_format::json),
            core::listing_tag(without_deletion, core::listing_format::json));
  EXPECT_NE(core::listing_tag(seen, core::listing_format::html),
            core::listing_tag(without_deletion, core::listing_format::html));
  auto const html = core::render_listing_html(seen, {true});
  EXPECT_NE(html.find("class=\"deleted\""), std::string::npos);
  EXPECT_NE(html.find("deletion waiting for the master"), std::string::npos);
  EXPECT_NE(html.find("class=\"pending\""), std::string::npos);
}

TEST(newest_pending_for, a_read_shows_the_last_write_to_its_path_that_still_waits)
{
  std::vector<outbox_entry> pending{
    queued("0000000000000001", put, "Docs/a.pdf", "\"a1\""),
    queued("0000000000000002", put, "Docs/b.pdf"),
    queued("0000000000000003", del, "Docs/a.pdf"),
    queued("0000000000000004", put, "Docs/a.pdf", "\"a4\""),
  };
  auto const a = *core::repo_path::parse("Docs/a.pdf");
  EXPECT_EQ(newest_pending_for(pending, a)->id, "0000000000000004");
  pending.pop_back();
  EXPECT_EQ(newest_pending_for(pending, a)->method, del);
  EXPECT_EQ(newest_pending_for(pending, *core::repo_path::parse("Docs/c.pdf")), nullptr);
  EXPECT_EQ(newest_pending_for(pending, *core::repo_path::parse("Docs")), nullptr);
  pending[2].refused = refusal{refusal_kind::conflict, "2026-01-01T00:00:00Z"}; // refused: not what a read shows
  EXPECT_EQ(newest_pending_for(pending, a)->id, "0000000000000001");
}

TEST(refused_in, a_directory_page_lists_the_refused_writes_to_its_own_files_only)
{
  std::vector<outbox_entry> all{
    queued("0000000000000001", put, "Docs/a.pdf"),
    queued("0000000000000002", put, "Docs/b.pdf"),
    queued("0000000000000003", del, "Docs/c.pdf"),
    queued("0000000000000004", put, "Docs/Sub/d.pdf"),
    queued("0000000000000005", put, "top.pdf"),
  };
  all[1].refused = refusal{refusal_kind::conflict, "2026-01-01T00:00:00Z"};
  all[1].master = master_view{200, "\"m\"", std::nullopt};
  all[2].refused = refusal{refusal_kind::rejected, "2026-01-01T00:00:01Z"};
  all[2].master = master_view{403, std::nullopt, std::nullopt};
  all[3].refused = refusal{refusal_kind::rejected, "2026-01-01T00:00:02Z"};
  all[4].refused = refusal{refusal_kind::conflict, "2026-01-01T00:00:03Z"};

  auto const docs = refused_in(all, *core::repo_path::parse("Docs"));
  ASSERT_EQ(docs.size(), 2u); // the pending one and the one a level down are not listed here
  EXPECT_EQ(docs[0].entry, "0000000000000002");
  EXPECT_EQ(docs[0].name, "b.pdf");
  EXPECT_TRUE(docs[0].conflict);
  EXPECT_EQ(docs[0].master_status, 200u);
  EXPECT_FALSE(docs[0].deletion);
  EXPECT_EQ(docs[1].name, "c.pdf");
  EXPECT_FALSE(docs[1].conflict);
  EXPECT_EQ(docs[1].master_status, 403u);
  EXPECT_TRUE(docs[1].deletion);
  EXPECT_EQ(refused_in(all, core::repo_path())[0].name, "top.pdf");
  EXPECT_EQ(refused_in(all, *core::repo_path::parse("Docs/Sub")).size(), 1u);
}

TEST(offline_since, the_banner_dates_from_when_the_master_stopped_answering)
{
  auto const later = t0 + std::chrono::hours(2);
  EXPECT_EQ(offline_since(false, t0, later), std::nullopt);         // fresh: no banner
  EXPECT_EQ(offline_since(true, t0, later), t0);                    // unreachable since t0
  EXPECT_EQ(offline_since(true, std::nullopt, later), later);      // it answered, with a 5xx
}

} // namespace
} // namespace zddc::cache
