// Tree tags and `?tree` answers (master/tree.hpp), through the master role
// over the in-memory filesystem.
#include "master_fixture.hpp"

#include <zddc/master/tree.hpp>

#include <string>
#include <vector>

namespace zddc::master {
namespace tree_test {

using testing::header_list;
using testing::path;
using testing::response;
using testing::test_env;
namespace http = boost::beast::http;

/// A `?tree` answer, read line by line.
struct tree_answer {
  http::status status{};
  std::string etag;
  std::string content_type;
  std::vector<core::tree_line> lines;

  const core::tree_head& head() const { return std::get<core::tree_head>(lines.front()); }
  std::vector<std::string> listed() const
  {
    std::vector<std::string> out;
    for(auto const& l : lines)
      if(auto const* listing = std::get_if<core::listing>(&l))
        out.push_back("/" + std::string(listing->dir.str()));
    return out;
  }
};

class master_tree : public testing::master_fixture {
protected:
  void
  SetUp() override
  {
    write("Project/Spec (IFA).pdf", "%PDF-1.4 spec body");
    write("Project/Sub/notes.txt", "0123456789");
    write("vendorA/a.pdf", "vendor A document");
    write("vendorAB/b.pdf", "vendor AB document");
  }

  tree_answer
  tree(std::string_view target, header_list headers = {}, const core::principal& who = admin_)
  {
    auto r = send_as(who, http::verb::get, target, std::move(headers));
    tree_answer a{r.status, header(r, http::field::etag), header(r, http::field::content_type), {}};
    auto body = core::read_whole_body(r);
    EXPECT_TRUE(body);
    if(r.status != http::status::ok || ! body)
      return a;
    std::string_view rest = *body;
    EXPECT_TRUE(rest.ends_with('\n'));
    while(! rest.empty()) {
      auto const nl = rest.find('\n');
      auto line = core::parse_tree_line(rest.substr(0, nl));
      EXPECT_TRUE(line) << rest.substr(0, nl);
      if(line)
        a.lines.push_back(std::move(*line));
      rest.remove_prefix(nl + 1);
    }
    EXPECT_GE(a.lines.size(), 2u);
    EXPECT_TRUE(std::holds_alternative<core::tree_head>(a.lines.front()));
    EXPECT_TRUE(std::holds_alternative<core::tree_end>(a.lines.back()));
    EXPECT_EQ(std::get<core::tree_end>(a.lines.back()).directories, a.listed().size());
    return a;
  }

  static std::string
  since(const std::string& tag)
  {
    std::string out = "since=";
    for(char c : tag)
      out += c == '"' ? std::string("%22") : std::string(1, c);
    return out;
  }

  static inline core::principal vendor_{"vendor", {core::grant{path("vendorA"), core::access::write}}};
};

TEST_F(master_tree, a_whole_tree_lists_every_directory_parents_first)
{
  auto const a = tree("/?tree");
  ASSERT_EQ(a.status, http::status::ok);
  EXPECT_EQ(a.content_type, core::tree_media_type);
  EXPECT_EQ(a.head().tree.to_string(), a.etag);
  EXPECT_FALSE(a.head().base);
  EXPECT_EQ(a.listed(), (std::vector<std::string>{"/", "/Project", "/Project/Sub", "/vendorA", "/vendorAB"}));
  // Each listing is the one GET of that directory answers.
  auto plain = send(http::verb::get, "/Project/", {{http::field::accept, "application/json"}});
  EXPECT_EQ(std::get<core::listing>(a.lines[2]), *core::listing_from_json(*core::read_whole_body(plain), path("Project")));
}

TEST_F(master_tree, an_unchanged_tree_answers_304_to_its_tag)
{
  auto const a = tree("/?tree");
  auto const again = send(http::verb::get, "/?tree", {{http::field::if_none_match, a.etag}});
  EXPECT_EQ(again.status, http::status::not_modified);
  EXPECT_EQ(header(again, http::field::etag), a.etag);
  EXPECT_EQ(header(again, http::field::cache_control), "private, no-cache"); // as the 200's (RFC 9110 §15.4.5)
  EXPECT_EQ(header(again, http::field::vary), "Authorization");
}

TEST_F(master_tree, a_change_anywhere_below_moves_every_tag_above_it_and_no_other)
{
  auto const root = tree("/?tree").etag;
  auto const project = tree("/Project/?tree").etag;
  auto const vendor = tree("/vendorA/?tree").etag;
  write("Project/Sub/more.txt", "more");
  EXPECT_NE(tree("/?tree").etag, root);
  EXPECT_NE(tree("/Project/?tree").etag, project);
  EXPECT_EQ(send(http::verb::get, "/vendorA/?tree", {{http::field::if_none_match, vendor}}).status,
            http::status::not_modified);
}

TEST_F(master_tree, since_a_served_tag_only_the_changed_listings_come)
{
  auto const before = tree("/?tree").etag;
  write("Project/Sub/notes.txt", "edited on the server"); // in place: only Sub's listing changes
  auto const a = tree("/?tree&" + since(before), {{http::field::if_none_match, before}});
  ASSERT_EQ(a.status, http::status::ok);
  ASSERT_TRUE(a.head().base);
  EXPECT_EQ(a.head().base->to_string(), before);
  EXPECT_EQ(a.listed(), (std::vector<std::string>{"/Project/Sub"}));
}

TEST_F(master_tree, a_new_directory_comes_whole_and_a_removed_one_as_its_parents_listing)
{
  auto const before = tree("/?tree").etag;
  write("vendorA/New/Deeper/x.pdf", "x");
  auto const added = tree("/?tree&" + since(before));
  EXPECT_EQ(added.listed(), (std::vector<std::string>{"/vendorA", "/vendorA/New", "/vendorA/New/Deeper"}));
  env_.fs_.remove_direct(path("vendorA/New/Deeper/x.pdf"));
  env_.fs_.remove_direct(path("vendorA/New/Deeper"));
  env_.fs_.remove_direct(path("vendorA/New"));
  auto const removed = tree("/?tree&" + since(added.etag));
  EXPECT_EQ(removed.listed(), (std::vector<std::string>{"/vendorA"}));
}

TEST_F(master_tree, a_tag_the_journal_does_not_hold_answers_the_whole_subtree)
{
  auto const a = tree("/Project/?tree&since=%22not-a-tag-it-served%22");
  EXPECT_FALSE(a.head().base);
  EXPECT_EQ(a.listed(), (std::vector<std::string>{"/Project", "/Project/Sub"}));
  // A tag served for another directory is not a base for this one.
  auto const other = tree("/vendorA/?tree").etag;
  EXPECT_FALSE(tree("/Project/?tree&" + since(other)).head().base);
}

TEST_F(master_tree, a_since_that_is_no_tag_is_refused)
{
  EXPECT_EQ(send(http::verb::get, "/?tree&since=nonsense").status, http::status::bad_request);
  EXPECT_EQ(send(http::verb::get, "/?tree&since=W/%22weak%22").status, http::status::bad_request);
}

TEST_F(master_tree, a_vendor_sees_only_its_grant_and_its_tag_ignores_the_rest)
{
  auto const a = tree("/?tree", {}, vendor_);
  EXPECT_EQ(a.listed(), (std::vector<std::string>{"/", "/vendorA"}));
  EXPECT_EQ(std::get<core::listing>(a.lines[1]).entries.size(), 1u); // only vendorA at the root
  EXPECT_NE(a.etag, tree("/?tree").etag);
  write("Project/hidden.pdf", "not for vendors");
  write("vendorAB/also-hidden.pdf", "nor this");
  EXPECT_EQ(send_as(vendor_, http::verb::get, "/?tree", {{http::field::if_none_match, a.etag}}).status,
            http::status::not_modified);
  write("vendorA/new.pdf", "for the vendor");
  EXPECT_EQ(send_as(vendor_, http::verb::get, "/?tree", {{http::field::if_none_match, a.etag}}).status,
            http::status::ok);
  // Within its grant it sees what everyone sees: the same tag.
  EXPECT_EQ(tree("/vendorA/?tree", {}, vendor_).etag, tree("/vendorA/?tree").etag);
  EXPECT_EQ(send_as(vendor_, http::verb::get, "/Project/?tree").status, http::status::not_found);
}

TEST_F(master_tree, a_since_served_to_other_grants_answers_the_whole_subtree)
{
  auto const admin_tag = tree("/vendorA/?tree").etag;
  EXPECT_FALSE(tree("/vendorA/?tree&" + since(admin_tag), {}, vendor_).head().base);
}

TEST_F(master_tree, writes_through_the_server_move_the_tag)
{
  auto const before = tree("/?tree").etag;
  EXPECT_EQ(send(http::verb::mkcol, "/Project/Folder/").status, http::status::created);
  auto const a = tree("/?tree&" + since(before));
  EXPECT_EQ(a.listed(), (std::vector<std::string>{"/Project", "/Project/Folder"}));
}

TEST_F(master_tree, a_master_that_does_not_offer_it_lists_the_directory)
{
  handler<test_env> old{env_, config{.offer_tree = false}};
  core::request req;
  req.target = *core::url_target::parse("/?tree");
  req.headers.set(http::field::accept, "application/json");
  boost::asio::io_context io;
  auto fut = boost::asio::co_spawn(io, old.handle(req, &admin_), boost::asio::use_future);
  io.run();
  auto r = fut.get();
  EXPECT_EQ(header(r, http::field::content_type), "application/json");
  EXPECT_TRUE(core::listing_from_json(*core::read_whole_body(r), core::repo_path()));
}

// --- the index on its own ------------------------------------------------------

TEST(tree_index, a_tag_is_the_merkle_hash_and_equals_a_fresh_build)
{
  sim::memory_filesystem fs;
  fs.write_file_direct(path("a/b/c.txt"), "c");
  fs.write_file_direct(path("a/d.txt"), "d");
  fs.write_file_direct(path("e/f.txt"), "f");
  tree_index<sim::memory_filesystem> kept(fs);
  auto const first = kept.current({});
  ASSERT_TRUE(first);
  fs.edit_in_place(path("a/b/c.txt"), "C");
  kept.touched(path("a/b")); // the disk here reports nothing: say what changed
  auto const second = kept.current({});
  tree_index<sim::memory_filesystem> fresh(fs);
  EXPECT_EQ((*second)->tag, (*fresh.current({}))->tag);
  EXPECT_NE((*first)->tag, (*second)->tag);
  // An unchanged subtree is the same node in both trees.
  EXPECT_EQ((*first)->subdir("e"), (*second)->subdir("e"));
  EXPECT_NE((*first)->subdir("a"), (*second)->subdir("a"));
}

TEST(tree_index, a_view_tag_is_remembered_per_grant_set_and_is_the_one_computed_afresh)
{
  sim::memory_filesystem fs;
  fs.write_file_direct(path("Projects/X/vendorA/a.pdf"), "a");
  fs.write_file_direct(path("Projects/X/vendorB/b.pdf"), "b");
  tree_index<sim::memory_filesystem> index(fs);
  auto const root = *index.current({});
  core::principal const a{"a", {core::grant{path("Projects/X/vendorA"), core::access::read}}};
  core::principal const b{"b", {core::grant{path("Projects/X/vendorB"), core::access::write}}};
  auto const everyone = core::principal::unrestricted("admin");
  EXPECT_EQ(index.view_tag_of(*root, a), view_tag(*root, a));
  EXPECT_EQ(index.view_tag_of(*root, a), view_tag(*root, a)); // remembered: the same answer
  EXPECT_EQ(index.view_tag_of(*root, b), view_tag(*root, b));
  EXPECT_NE(index.view_tag_of(*root, a), index.view_tag_of(*root, b));
  EXPECT_EQ(index.view_tag_of(*root, everyone), root->tag);
}

} // namespace
} // namespace zddc::master
