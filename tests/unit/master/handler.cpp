// The master role through the in-memory filesystem and the virtual clock.
#include "master_fixture.hpp"

#include "sim/virtual_clock.hpp"

namespace zddc::master {
namespace handler_test {

using namespace std::chrono_literals;
using testing::path;
using testing::response;
namespace http = boost::beast::http;

class master_handler : public testing::master_fixture {
protected:
  master_handler() : master_fixture(config{1024}) {}

  void
  SetUp() override
  {
    write("Project/Spec (IFA) - Caf\xC3\xA9.pdf", "%PDF-1.4 spec body");
    write("Project/notes.txt", "0123456789");
    write("vendorA/a.pdf", "vendor A document");
    write("vendorAB/b.pdf", "vendor AB document");
  }
};

const std::string spec = "/Project/Spec%20(IFA)%20-%20Caf%C3%A9.pdf";

TEST_F(master_handler, get_serves_a_file_with_validators)
{
  auto r = send(http::verb::get, spec);
  EXPECT_EQ(r.status, http::status::ok);
  EXPECT_EQ(body_of(r), "%PDF-1.4 spec body");
  EXPECT_EQ(header(r, http::field::content_type), "application/pdf");
  EXPECT_EQ(header(r, http::field::accept_ranges), "bytes");
  EXPECT_EQ(header(r, http::field::content_length), "18");
  core::sha256 h;
  h.update(std::string_view("%PDF-1.4 spec body"));
  EXPECT_EQ(header(r, http::field::etag), core::content_etag(h.finish()).to_string());
  EXPECT_FALSE(header(r, http::field::last_modified).empty());
}

TEST_F(master_handler, head_has_headers_and_no_body)
{
  auto r = send(http::verb::head, spec);
  EXPECT_EQ(r.status, http::status::ok);
  EXPECT_EQ(header(r, http::field::content_length), "18");
  EXPECT_EQ(std::get<std::string>(r.body), "");
}

TEST_F(master_handler, conditional_get_answers_304)
{
  auto const first = send(http::verb::get, spec);
  auto const tag = header(first, http::field::etag);
  auto r = send(http::verb::get, spec, {{http::field::if_none_match, tag}});
  EXPECT_EQ(r.status, http::status::not_modified);
  EXPECT_EQ(header(r, http::field::etag), tag);
  auto ims = send(http::verb::get, spec, {{http::field::if_modified_since, header(first, http::field::last_modified)}});
  EXPECT_EQ(ims.status, http::status::not_modified);
  // Beside the tag, the date is metadata a 304 leaves out (RFC 9110 §15.4.5).
  EXPECT_EQ(header(r, http::field::last_modified), "");
  EXPECT_EQ(header(ims, http::field::last_modified), "");
  // A 304 repeats what its 200 told caches (RFC 9110 §15.4.5), for a file
  // and for a listing, which also varies.
  auto const listing = send(http::verb::get, "/Project/", {{http::field::accept, "application/json"}});
  auto const listing_again = send(http::verb::get, "/Project/", {{http::field::accept, "application/json"},
                                                                  {http::field::if_none_match, header(listing, http::field::etag)}});
  EXPECT_EQ(listing_again.status, http::status::not_modified);
  auto const repeats = [&](const auto& full, const auto& unchanged) {
    for(auto const f : {http::field::cache_control, http::field::vary})
      EXPECT_EQ(header(unchanged, f), header(full, f)) << f;
  };
  repeats(first, r);
  repeats(first, ims);
  repeats(listing, listing_again);
  EXPECT_EQ(header(listing_again, http::field::vary), "Accept, Authorization");
}

TEST_F(master_handler, ranges_answer_206_and_416)
{
  auto r = send(http::verb::get, "/Project/notes.txt", {{http::field::range, "bytes=2-5"}});
  EXPECT_EQ(r.status, http::status::partial_content);
  EXPECT_EQ(body_of(r), "2345");
  EXPECT_EQ(header(r, http::field::content_range), "bytes 2-5/10");
  auto u = send(http::verb::get, "/Project/notes.txt", {{http::field::range, "bytes=10-"}});
  EXPECT_EQ(u.status, http::status::range_not_satisfiable);
  EXPECT_EQ(header(u, http::field::content_range), "bytes */10");
  auto stale = send(http::verb::get, "/Project/notes.txt",
                    {{http::field::range, "bytes=2-5"}, {http::field::if_range, "\"stale\""}});
  EXPECT_EQ(stale.status, http::status::ok);
  EXPECT_EQ(body_of(stale), "0123456789");
}

TEST_F(master_handler, directory_without_slash_redirects_locally)
{
  auto r = send(http::verb::get, "/Project?sort=name");
  EXPECT_EQ(r.status, http::status::moved_permanently);
  EXPECT_EQ(header(r, http::field::location), "/Project/?sort=name");
  // What would be an open redirect elsewhere is not even a valid path here.
  EXPECT_EQ(send(http::verb::get, "//evil.example").status, http::status::bad_request);
}

TEST_F(master_handler, json_listing_has_entries_and_its_own_etag)
{
  env_.fs_.write_file_direct(*core::store_path::parse("Project/.zddc-listing.json"), "server-owned");
  auto r = send(http::verb::get, "/Project/", {{http::field::accept, "application/json"}});
  ASSERT_EQ(r.status, http::status::ok);
  EXPECT_EQ(header(r, http::field::content_type), "application/json");
  auto l = core::listing_from_json(body_of(r), path("Project"));
  ASSERT_TRUE(l);
  ASSERT_EQ(l->entries.size(), 2u); // the reserved sidecar is never listed
  EXPECT_EQ(l->entries[0].name, "Spec (IFA) - Caf\xC3\xA9.pdf");
  EXPECT_EQ(l->entries[1].name, "notes.txt");
  EXPECT_EQ(l->entries[1].size, 10u);
  auto const tag = header(r, http::field::etag);
  auto again = send(http::verb::get, "/Project/",
                    {{http::field::accept, "application/json"}, {http::field::if_none_match, tag}});
  EXPECT_EQ(again.status, http::status::not_modified);
  auto html = send(http::verb::get, "/Project/");
  EXPECT_EQ(html.status, http::status::ok);
  EXPECT_EQ(header(html, http::field::content_type), "text/html; charset=utf-8");
  EXPECT_NE(header(html, http::field::etag), tag);
}

TEST_F(master_handler, put_creates_then_replaces_atomically)
{
  auto created = send(http::verb::put, "/New%20Dir/sub/x%23y.txt", {}, "hello");
  EXPECT_EQ(created.status, http::status::created);
  EXPECT_EQ(contents("New Dir/sub/x#y.txt"), "hello");
  auto const tag = header(created, http::field::etag);
  auto got = send(http::verb::get, "/New%20Dir/sub/x%23y.txt");
  EXPECT_EQ(header(got, http::field::etag), tag);
  auto replaced = send(http::verb::put, "/New%20Dir/sub/x%23y.txt", {{http::field::if_match, tag}}, "world",
                       /*declare_length=*/false);
  EXPECT_EQ(replaced.status, http::status::no_content);
  EXPECT_EQ(contents("New Dir/sub/x#y.txt"), "world");
  EXPECT_NE(header(replaced, http::field::etag), tag);
}

TEST_F(master_handler, put_preconditions_refuse_stale_writes)
{
  auto const before = contents("Project/notes.txt");
  auto r1 = send(http::verb::put, "/Project/notes.txt", {{http::field::if_match, "\"stale\""}}, "x");
  EXPECT_EQ(r1.status, http::status::precondition_failed);
  auto r2 = send(http::verb::put, "/Project/notes.txt", {{http::field::if_none_match, "*"}}, "x");
  EXPECT_EQ(r2.status, http::status::precondition_failed);
  // The seed's bug 3: If-Unmodified-Since older than the file must refuse.
  auto r3 = send(http::verb::put, "/Project/notes.txt",
                 {{http::field::if_unmodified_since, "Sat, 01 Jan 2000 00:00:00 GMT"}}, "x");
  EXPECT_EQ(r3.status, http::status::precondition_failed);
  EXPECT_EQ(contents("Project/notes.txt"), before);
}

TEST_F(master_handler, oversized_bodies_answer_413_and_write_nothing)
{
  std::string const big(1025, 'b');
  auto declared = send(http::verb::put, "/Project/big.bin", {}, big, true);
  EXPECT_EQ(declared.status, http::status::payload_too_large);
  auto chunked = send(http::verb::put, "/Project/big.bin", {}, big, false);
  EXPECT_EQ(chunked.status, http::status::payload_too_large);
  EXPECT_EQ(env_.fs_.stat(path("Project/big.bin")).error(), errc::not_found);
  for(auto const& e : *env_.fs_.list(path("Project")))
    EXPECT_FALSE(core::is_reserved_name(e.name)) << "left behind: " << e.name;
  EXPECT_EQ(send(http::verb::put, "/Project/ok.bin", {}, std::string(1024, 'o')).status, http::status::created);
}

TEST_F(master_handler, put_conflicts_with_directories)
{
  EXPECT_EQ(send(http::verb::put, "/Project", {}, "x").status, http::status::conflict);
  EXPECT_EQ(send(http::verb::put, "/Project/notes.txt/inner", {}, "x").status, http::status::conflict);
  EXPECT_EQ(send(http::verb::put, "/Project/", {}, "x").status, http::status::method_not_allowed);
  EXPECT_EQ(send(http::verb::put, "/", {}, "x").status, http::status::method_not_allowed);
}

TEST_F(master_handler, delete_removes_files_and_empty_directories)
{
  EXPECT_EQ(send(http::verb::delete_, "/Project/notes.txt", {{http::field::if_match, "\"stale\""}}).status,
            http::status::precondition_failed);
  EXPECT_EQ(send(http::verb::delete_, "/Project/notes.txt").status, http::status::no_content);
  EXPECT_EQ(send(http::verb::get, "/Project/notes.txt").status, http::status::not_found);
  EXPECT_EQ(send(http::verb::delete_, "/Project/notes.txt").status, http::status::not_found);
  EXPECT_EQ(send(http::verb::delete_, "/Project").status, http::status::conflict);
  EXPECT_EQ(send(http::verb::delete_, spec).status, http::status::no_content);
  EXPECT_EQ(send(http::verb::delete_, "/Project").status, http::status::no_content);
  EXPECT_EQ(send(http::verb::delete_, "/").status, http::status::method_not_allowed);
}

TEST_F(master_handler, mkcol_makes_one_empty_folder_in_an_existing_one)
{
  auto const made = send(http::verb::mkcol, "/Project/New%20Folder/");
  EXPECT_EQ(made.status, http::status::created);
  EXPECT_EQ(header(made, http::field::location), "/Project/New%20Folder/");
  EXPECT_EQ(env_.fs_.stat(path("Project/New Folder"))->kind, env::file_kind::directory);
  EXPECT_TRUE(env_.fs_.snapshot(sim::memory_filesystem::view::durable).dirs.contains("Project/New Folder"))
    << "made durably";
  EXPECT_EQ(send(http::verb::mkcol, "/Project/New%20Folder/").status, http::status::method_not_allowed)
    << "it exists";
  EXPECT_EQ(send(http::verb::mkcol, "/Project/notes.txt").status, http::status::method_not_allowed) << "a file";
  EXPECT_EQ(send(http::verb::mkcol, "/Nowhere/deeper/").status, http::status::conflict) << "one level at a time";
  EXPECT_EQ(send(http::verb::mkcol, "/").status, http::status::method_not_allowed);
  EXPECT_EQ(send(http::verb::mkcol, "/Project/with-body/", {}, "x").status, http::status::unsupported_media_type);
  EXPECT_EQ(send(http::verb::delete_, "/Project/New%20Folder/").status, http::status::no_content)
    << "and an empty folder can go again";
  auto const options = send(http::verb::options, "/");
  EXPECT_NE(header(options, http::field::allow).find("MKCOL"), std::string::npos);
}

TEST_F(master_handler, mkcol_needs_write_access)
{
  core::principal const reader{"reader", {{core::repo_path(), core::access::read}}};
  EXPECT_EQ(send(http::verb::mkcol, "/Project/x/", {}, std::nullopt, true, &reader).status, http::status::forbidden);
  EXPECT_EQ(env_.fs_.stat(path("Project/x")).error(), errc::not_found);
}

TEST_F(master_handler, a_document_name_off_the_convention_is_kept_with_a_warning)
{
  auto const off = send(http::verb::put, "/Project/scan%20001.pdf", {}, "x");
  EXPECT_EQ(off.status, http::status::created);
  auto const it = off.headers.find(core::name_warning_header);
  ASSERT_NE(it, off.headers.end());
  EXPECT_NE(std::string(it->value()).find("not a ZDDC document name"), std::string::npos);
  auto const on = send(http::verb::put, "/Project/123456-EL-SPC-2623_A%20(IFA)%20-%20Switchgear.pdf", {}, "x");
  EXPECT_EQ(on.status, http::status::created);
  EXPECT_EQ(on.headers.count(core::name_warning_header), 0u);
}

TEST_F(master_handler, refuses_every_bad_path_with_400)
{
  for(auto t : {"/../etc/passwd", "/%2e%2e/x", "/a%2Fb", "/a%00b", "/%c0%ae%c0%ae/x", "/a//b",
                "/.zddc-outbox/x", "/a%5cb", "/%FF"}) {
    SCOPED_TRACE(t);
    EXPECT_EQ(send(http::verb::get, t).status, http::status::bad_request);
    EXPECT_EQ(send(http::verb::put, t, {}, "x").status, http::status::bad_request);
  }
}

TEST_F(master_handler, authentication_comes_first)
{
  auto r = send(http::verb::put, "/Project/notes.txt", {{http::field::if_match, "\"stale\""}}, "x", true, nullptr);
  EXPECT_EQ(r.status, http::status::unauthorized);
  EXPECT_EQ(header(r, http::field::www_authenticate), "Bearer realm=\"zddc\"");
  auto bad = send(http::verb::get, "/missing", {{http::field::authorization, "Bearer nope"}}, std::nullopt, true, nullptr);
  EXPECT_EQ(bad.status, http::status::unauthorized);
  EXPECT_NE(header(bad, http::field::www_authenticate).find("invalid_token"), std::string::npos);
}

TEST_F(master_handler, a_repeat_listing_is_served_as_rendered_and_never_stale)
{
  testing::header_list const json{{http::field::accept, "application/json"}};
  auto first = send(http::verb::get, "/Project/", json);
  ASSERT_EQ(first.status, http::status::ok);
  auto const hits = tree_->rendered().hits();
  auto again = send(http::verb::get, "/Project/", json);
  EXPECT_EQ(tree_->rendered().hits(), hits + 1);
  EXPECT_EQ(header(again, http::field::etag), header(first, http::field::etag));
  EXPECT_EQ(body_of(again), body_of(first));

  // The HTML page is kept apart from the JSON.
  auto html = send(http::verb::get, "/Project/");
  EXPECT_EQ(header(html, http::field::content_type), "text/html; charset=utf-8");
  EXPECT_NE(body_of(html).find("<html"), std::string::npos);

  // A write through the server, then a same-size edit on the disk itself:
  // each is in the next listing.
  ASSERT_EQ(send(http::verb::put, "/Project/new.txt", {}, "n").status, http::status::created);
  auto after_put = send(http::verb::get, "/Project/", json);
  EXPECT_NE(header(after_put, http::field::etag), header(first, http::field::etag));
  auto const listed = core::listing_from_json(body_of(after_put), path("Project"));
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->entries.size(), 3u);
  write("Project/notes.txt", "9876543210");
  auto after_edit = send(http::verb::get, "/Project/", json);
  EXPECT_NE(header(after_edit, http::field::etag), header(after_put, http::field::etag));
  auto const edited = core::listing_from_json(body_of(after_edit), path("Project"));
  ASSERT_TRUE(edited);
  ASSERT_EQ(edited->entries.size(), 3u);
  EXPECT_EQ(edited->entries[2].name, "notes.txt");
  core::sha256 h;
  h.update(std::string_view("9876543210"));
  EXPECT_EQ(edited->entries[2].etag, core::content_etag(h.finish()));
}

TEST_F(master_handler, a_kept_listing_is_shown_only_to_callers_with_the_same_view)
{
  core::principal const vendor_a{"vendorA", {{path("vendorA"), core::access::write}}};
  core::principal const vendor_ab{"vendorAB", {{path("vendorAB"), core::access::read}}};
  auto names = [&](const core::principal& who) {
    auto r = send(http::verb::get, "/", {{http::field::accept, "application/json"}}, std::nullopt, true, &who);
    EXPECT_EQ(r.status, http::status::ok);
    auto l = core::listing_from_json(body_of(r), core::repo_path());
    std::vector<std::string> out;
    for(auto const& e : l ? l->entries : std::vector<core::listing_entry>())
      out.push_back(e.name);
    return out;
  };
  for(int round = 0; round < 2; ++round) { // the second round is served from what was kept
    EXPECT_EQ(names(admin_), (std::vector<std::string>{"Project", "vendorA", "vendorAB"}));
    EXPECT_EQ(names(vendor_a), (std::vector<std::string>{"vendorA"}));
    EXPECT_EQ(names(vendor_ab), (std::vector<std::string>{"vendorAB"}));
  }

  // A reader's page has no upload form; a writer's has.
  core::principal const reader{"reader", {{core::repo_path(), core::access::read}}};
  for(int round = 0; round < 2; ++round) {
    auto as_writer = send(http::verb::get, "/Project/");
    auto as_reader = send(http::verb::get, "/Project/", {}, std::nullopt, true, &reader);
    auto const writer_page = body_of(as_writer);
    auto const reader_page = body_of(as_reader);
    EXPECT_NE(writer_page, reader_page);
    EXPECT_EQ(reader_page.find("type=\"file\""), std::string::npos);
    EXPECT_NE(writer_page.find("type=\"file\""), std::string::npos);
  }
}

TEST_F(master_handler, reads_outside_grants_look_exactly_like_missing_paths)
{
  core::principal const vendor{"vendorA", {{path("vendorA"), core::access::write}}};
  auto hidden = send(http::verb::get, "/vendorAB/b.pdf", {}, std::nullopt, true, &vendor);
  auto missing = send(http::verb::get, "/vendorA/nothing.pdf", {}, std::nullopt, true, &vendor);
  EXPECT_EQ(hidden.status, http::status::not_found);
  EXPECT_EQ(hidden.status, missing.status);
  EXPECT_EQ(body_of(hidden), body_of(missing));
  EXPECT_EQ(hidden.headers.begin() == hidden.headers.end(), missing.headers.begin() == missing.headers.end());
  EXPECT_EQ(send(http::verb::get, "/vendorA/a.pdf", {}, std::nullopt, true, &vendor).status, http::status::ok);

  auto root = send(http::verb::get, "/", {{http::field::accept, "application/json"}}, std::nullopt, true, &vendor);
  ASSERT_EQ(root.status, http::status::ok);
  auto l = core::listing_from_json(body_of(root), core::repo_path());
  ASSERT_TRUE(l);
  ASSERT_EQ(l->entries.size(), 1u);
  EXPECT_EQ(l->entries[0].name, "vendorA");

  EXPECT_EQ(send(http::verb::put, "/vendorAB/b.pdf", {}, "x", true, &vendor).status, http::status::forbidden);
  EXPECT_EQ(send(http::verb::delete_, "/Project/notes.txt", {}, std::nullopt, true, &vendor).status,
            http::status::forbidden);
  EXPECT_EQ(send(http::verb::put, "/vendorA/new.pdf", {}, "x", true, &vendor).status, http::status::created);
}

TEST_F(master_handler, etag_changes_for_a_same_size_in_place_edit_within_the_same_tick)
{
  auto const first = header(send(http::verb::get, "/Project/notes.txt"), http::field::etag);
  // An editor on the server rewrites the file in place: same inode, same
  // size, and (on this coarse clock) possibly the same mtime.
  env_.fs_.edit_in_place(path("Project/notes.txt"), "9876543210");
  auto const second = header(send(http::verb::get, "/Project/notes.txt"), http::field::etag);
  EXPECT_NE(first, second);
  EXPECT_EQ(contents("Project/notes.txt"), "9876543210");
}

// Issue 12, finding 13: PUT made the missing ancestors of a grant's root,
// directories its owner has no right to create.
TEST_F(master_handler, put_creates_directories_only_within_the_writers_grant)
{
  core::principal const vendor{"vendorX", {{path("NewTop/vendorX"), core::access::write}}};
  auto r = send(http::verb::put, "/NewTop/vendorX/a.pdf", {}, "x", true, &vendor);
  EXPECT_EQ(r.status, http::status::forbidden);
  EXPECT_NE(body_of(r).find("/NewTop/"), std::string::npos) << body_of(r);
  EXPECT_EQ(env_.fs_.stat(path("NewTop")).error(), errc::not_found);

  // Once the top exists, the grant may create its own root and below.
  write("NewTop/readme.txt", "made by an administrator");
  EXPECT_EQ(send(http::verb::put, "/NewTop/vendorX/sub/a.pdf", {}, "x", true, &vendor).status,
            http::status::created);
  EXPECT_EQ(contents("NewTop/vendorX/sub/a.pdf"), "x");
  EXPECT_EQ(send(http::verb::put, "/Elsewhere/b.pdf", {}, "x", true, &admin_).status, http::status::created);
}

// Issue 12, finding 8: a temp file left by a crash mid-write made DELETE of
// its (to a client, empty) directory answer 409 for ever.
TEST_F(master_handler, delete_clears_a_directory_holding_only_stale_temp_files)
{
  env_.fs_.make_dir(path("Empty"));
  env_.fs_.write_file_direct(*core::store_path::parse("Empty/.zddc-tmp-4242-1-7"), "half a body");
  auto listed = send(http::verb::get, "/Empty/", {{http::field::accept, "application/json"}});
  EXPECT_EQ(core::listing_from_json(body_of(listed), path("Empty"))->entries.size(), 0u);

  // Young: it may belong to a write still under way.
  EXPECT_EQ(send(http::verb::delete_, "/Empty/").status, http::status::conflict);
  env_.clock_.advance_to(env_.clock_.now() + env::temp_stale_after + 1s);
  EXPECT_EQ(send(http::verb::delete_, "/Empty/").status, http::status::no_content);
  EXPECT_EQ(env_.fs_.stat(path("Empty")).error(), errc::not_found);

  // A real entry still keeps a directory.
  write("Kept/doc.pdf", "x");
  env_.fs_.write_file_direct(*core::store_path::parse("Kept/.zddc-tmp-1-1-1"), "old");
  env_.clock_.advance_to(env_.clock_.now() + env::temp_stale_after + 1s);
  EXPECT_EQ(send(http::verb::delete_, "/Kept/").status, http::status::conflict);
  EXPECT_EQ(contents("Kept/doc.pdf"), "x");
}

// Issue 12, finding 5: a served document must not be able to script the
// page that uploads and deletes.
TEST_F(master_handler, served_documents_cannot_script_the_ui)
{
  write("x/evil.html", "<script>fetch('/x/', {method: 'DELETE'})</script>");
  write("x/evil.svg", "<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>");
  write("x/drawing.png", "png");
  auto html = send(http::verb::get, "/x/evil.html");
  EXPECT_EQ(header(html, http::field::content_disposition), "attachment");
  EXPECT_NE(std::string(html.headers["Content-Security-Policy"]).find("sandbox"), std::string::npos);
  EXPECT_EQ(html.headers["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(header(send(http::verb::get, "/x/evil.svg"), http::field::content_disposition), "attachment");
  auto png = send(http::verb::get, "/x/drawing.png");
  EXPECT_EQ(header(png, http::field::content_disposition), "");
  EXPECT_NE(std::string(png.headers["Content-Security-Policy"]).find("sandbox"), std::string::npos);
  auto pdf = send(http::verb::get, "/Project/Spec%20(IFA)%20-%20Caf%C3%A9.pdf");
  EXPECT_EQ(pdf.status, http::status::ok);
  EXPECT_EQ(header(pdf, http::field::content_disposition), ""); // opens inline
  EXPECT_EQ(pdf.headers["X-Content-Type-Options"], "nosniff");
}

} // namespace
} // namespace zddc::master
