// The real cache and mirror daemons in front of a scripted fake master that
// lies: listings that do not parse or name what is not a name, bodies past
// the declared size or the cap, bodies that never end or stop half-way,
// redirects to elsewhere, a tree as deep as paths go. After each case the
// daemon still answers, nothing outside its root was written, and no file
// under a bad name exists on its disk.
#include "harness.hpp"

#include <zddc/core/path.hpp>
#include <zddc/core/sha256.hpp>
#include <zddc/core/listing.hpp>
#include <zddc/mirror/state.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

namespace zddc::integration {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;

/// What the fake master sends for one request, as raw bytes so it can lie.
struct scripted_reply {
  std::string head; // status line and fields, without the blank line
  std::string body;
  /// After `body`: this much filler (`UINT64_MAX`: until the peer leaves),
  /// as one chunk after another when `chunked`.
  std::uint64_t filler_bytes = 0;
  bool chunked = false;
  /// Close the connection after the reply (a cut body, an EOF-delimited one).
  bool close = false;
};

/// A master that answers each target from a script, on its own thread, on
/// 127.0.0.1 with a free port. Unscripted targets answer 404. A query is
/// ignored unless the script names the target with it, as a master from
/// before tree tags ignores `?tree`: a mirror's walk meets this one as such
/// a master and walks directory by directory.
class fake_master {
public:
  fake_master() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0))
  {
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }

  ~fake_master()
  {
    io_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }

  void
  set(std::string target, scripted_reply r)
  {
    std::lock_guard lock(mutex_);
    script_[std::move(target)] = std::move(r);
  }

  /// Every target asked for so far.
  std::vector<std::string>
  asked()
  {
    std::lock_guard lock(mutex_);
    return asked_;
  }

  /// Filler bytes the master managed to send (the peer stopped reading).
  std::uint64_t filler_sent() const { return filler_sent_; }

private:
  asio::awaitable<void>
  accept_loop()
  {
    for(;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
      if(ec)
        co_return;
      asio::co_spawn(io_, session(std::move(socket)), asio::detached);
    }
  }

  scripted_reply
  reply_to(const std::string& target)
  {
    std::lock_guard lock(mutex_);
    asked_.push_back(target);
    auto it = script_.find(target);
    if(it == script_.end())
      it = script_.find(target.substr(0, target.find('?')));
    if(it != script_.end())
      return it->second;
    return {"HTTP/1.1 404 Not Found\r\nContent-Length: 10", "not found\n"};
  }

  asio::awaitable<void>
  session(tcp::socket socket)
  {
    auto const nothing = asio::as_tuple(asio::use_awaitable);
    boost::beast::flat_buffer buffer;
    for(;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(64u << 20);
      auto [rec, rn] = co_await http::async_read(socket, buffer, parser, nothing);
      if(rec)
        co_return;
      auto const r = reply_to(std::string(parser.get().target()));
      auto const start = r.head + "\r\n\r\n" + r.body;
      if(auto [wec, wn] = co_await asio::async_write(socket, asio::buffer(start), nothing); wec)
        co_return;
      if(r.filler_bytes > 0) {
        std::string const filler(64 * 1024, 'x');
        std::string const chunk = [&] {
          std::ostringstream s;
          s << std::hex << filler.size() << "\r\n" << filler << "\r\n";
          return s.str();
        }();
        for(std::uint64_t sent = 0; sent < r.filler_bytes; sent += filler.size()) {
          auto [fec, fn] = co_await asio::async_write(socket, asio::buffer(r.chunked ? chunk : filler), nothing);
          if(fec)
            co_return; // the peer stopped reading: what a capped download does
          filler_sent_ += filler.size();
        }
      }
      if(r.close || r.filler_bytes > 0)
        co_return;
    }
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::mutex mutex_;
  std::map<std::string, scripted_reply> script_;
  std::vector<std::string> asked_;
  std::atomic<std::uint64_t> filler_sent_ = 0;
};

std::string
content_tag(std::string_view bytes)
{
  core::sha256 h;
  h.update(bytes);
  return core::content_etag(h.finish()).to_string();
}

scripted_reply
ok(std::string body, std::string_view content_type = "text/plain")
{
  return {"HTTP/1.1 200 OK\r\nContent-Type: " + std::string(content_type) + "\r\nETag: " + content_tag(body) +
            "\r\nContent-Length: " + std::to_string(body.size()),
          std::move(body)};
}

struct entry {
  std::string name;
  bool directory = false;
  std::string bytes;
};

/// A listing as the master sends it, naming whatever it is given.
scripted_reply
listing(const std::vector<entry>& entries)
{
  boost::json::array a;
  for(auto const& e : entries) {
    boost::json::object o{{"name", e.name},
                          {"type", e.directory ? "directory" : "file"},
                          {"size", e.directory ? 0u : e.bytes.size()},
                          {"mtime_ns", 1'767'225'600'000'000'000}};
    if(! e.directory)
      o["etag"] = content_tag(e.bytes);
    a.push_back(std::move(o));
  }
  return ok(boost::json::serialize(boost::json::object{{"path", "/"}, {"entries", std::move(a)}}),
            "application/json");
}

scripted_reply
redirect(std::string_view location)
{
  return {"HTTP/1.1 301 Moved Permanently\r\nLocation: " + std::string(location) + "\r\nContent-Length: 0", ""};
}

/// The names a listing must never get onto a disk.
std::vector<std::string>
bad_names()
{
  return {"..", "a/b", "exe.\xE2\x80\xAEgnp" /* U+202E: shows as "exe.png" */, "a\xE2\x81\xA6" "b" /* U+2066 */,
          ".zddc-x", std::string(core::segment_bytes_max + 1, 'n')};
}

/// `depth` segments `d/d/.../d`, as a URL directory target.
std::string
deep_target(std::size_t depth)
{
  std::string t = "/";
  for(std::size_t i = 0; i < depth; ++i)
    t += "d/";
  return t;
}

class hostile_upstream : public ::testing::Test {
protected:
  hostile_upstream()
  {
    fs::create_directories(outside());
    spit(outside() / "sentinel.txt", "untouched");
    fs::create_directories(dir_.path() / "state");
  }

  fs::path cache_root() const { return dir_.path() / "cache"; }
  fs::path mirror_root() const { return dir_.path() / "mirror"; }
  fs::path outside() const { return dir_.path() / "outside"; }

  void
  start_cache()
  {
    cache_.emplace(std::vector<std::string>{"--mode", "cache", "--root", cache_root().string(), "--upstream",
                                            master_.url(), "--max-download-bytes", "1MiB", "--state-dir",
                                            (dir_.path() / "state").string()});
  }

  void
  start_mirror()
  {
    mirror_.emplace(std::vector<std::string>{"--mode", "mirror", "--root", mirror_root().string(), "--upstream",
                                             master_.url(), "--mirror-min-interval", "0s", "--max-download-bytes",
                                             "1MiB", "--state-dir", (dir_.path() / "state").string()});
  }

  /// Asks the mirror for its root, which starts a walk, and returns that
  /// walk's record once the mirror has written it.
  mirror::subtree_record
  walk()
  {
    auto const asked = std::chrono::time_point_cast<env::duration>(std::chrono::system_clock::now());
    (void)client(mirror_->port()).get("/", {{http::field::accept, "application/json"}});
    std::optional<mirror::subtree_record> found;
    bool const recorded = eventually(
      [&] {
        auto const state = mirror::state_from_json(slurp(mirror_root() / mirror::state_file_name));
        if(! state)
          return false;
        auto const it = state->subtrees.find(core::repo_path());
        if(it == state->subtrees.end() || it->second.last_attempt < asked)
          return false;
        found = it->second;
        return true;
      },
      30s); // a bound, not a target
    if(! recorded) {
      ADD_FAILURE() << "no walk recorded\n" << mirror_->log();
      return {};
    }
    return *found;
  }

  /// What every case ends with: the daemon answers, nothing was written
  /// beside its root, and every name on its disk is one a client could use.
  void
  still_sound(daemon_process& d, const fs::path& root)
  {
    EXPECT_EQ(client(d.port()).get("/.zddc/health").status, http::status::ok) << d.log();
    std::set<std::string> beside;
    for(auto const& e : fs::directory_iterator(dir_.path()))
      beside.insert(e.path().filename().string());
    std::set<std::string> const expected{"cache", "mirror", "outside", "state"};
    EXPECT_TRUE(std::ranges::includes(expected, beside)) << ::testing::PrintToString(beside);
    EXPECT_EQ(slurp(outside() / "sentinel.txt"), "untouched");
    EXPECT_EQ(std::distance(fs::directory_iterator(outside()), fs::directory_iterator()), 1);
    if(! fs::exists(root))
      return;
    for(auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
      auto const name = it->path().filename().string();
      if(core::is_reserved_name(name)) {
        it.disable_recursion_pending();
        continue;
      }
      EXPECT_FALSE(core::validate_segment(name, false)) << "a bad name on disk: " << it->path();
    }
  }

  temp_dir dir_;
  fake_master master_;
  std::optional<daemon_process> cache_;
  std::optional<daemon_process> mirror_;
};

TEST_F(hostile_upstream, a_listing_that_does_not_parse_is_a_502_and_a_trouble)
{
  master_.set("/", {"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13", "{\"entries\": ["});
  start_cache();
  auto const a = client(cache_->port()).get("/", {{http::field::accept, "application/json"}});
  EXPECT_EQ(a.status, http::status::bad_gateway);
  EXPECT_FALSE(fs::exists(cache_root() / ".zddc-listing.json"));
  still_sound(*cache_, cache_root());

  start_mirror();
  auto const record = walk();
  EXPECT_FALSE(record.last.complete);
  EXPECT_EQ(record.last.dirs, 0u);
  EXPECT_NE(mirror_->wait_for_log("does not parse", 1s), "") << mirror_->log();
  still_sound(*mirror_, mirror_root());
}

TEST_F(hostile_upstream, names_that_are_not_names_never_reach_the_disk)
{
  start_cache();
  start_mirror();
  for(auto const& bad : bad_names()) {
    SCOPED_TRACE(::testing::PrintToString(bad));
    master_.set("/", listing({{"fine.txt", false, "fine"}, {bad, false, "evil"}, {bad + "-dir", true, ""}}));
    master_.set("/fine.txt", ok("fine"));
    auto const a = client(cache_->port()).get("/", {{http::field::accept, "application/json"}});
    EXPECT_EQ(a.status, http::status::bad_gateway);
    still_sound(*cache_, cache_root());

    auto const record = walk();
    EXPECT_FALSE(record.last.complete);
    EXPECT_EQ(record.last.fetched, 0u); // refused whole: not even the good name's file
    still_sound(*mirror_, mirror_root());
  }
  EXPECT_FALSE(fs::exists(cache_root() / "fine.txt"));
  EXPECT_FALSE(fs::exists(mirror_root() / "fine.txt"));
}

// A file listed at 5 bytes whose body does not stop: the mirror takes the
// 5 it was promised and no more; the cache stops at --max-download-bytes.
TEST_F(hostile_upstream, a_body_past_the_declared_size_or_the_cap_is_cut_off)
{
  master_.set("/", listing({{"a.txt", false, "fresh"}}));
  master_.set("/a.txt", {"HTTP/1.1 200 OK\r\nContent-Length: 419430400", "fresh", 419430400 - 5});
  start_mirror();
  auto const record = walk();
  EXPECT_FALSE(record.last.complete);
  EXPECT_EQ(record.last.fetched, 0u);
  EXPECT_FALSE(fs::exists(mirror_root() / "a.txt"));
  EXPECT_NE(mirror_->wait_for_log("more than the 5 bytes listed", 1s), "") << mirror_->log();
  still_sound(*mirror_, mirror_root());

  start_cache();
  auto const a = client(cache_->port()).get("/a.txt");
  EXPECT_EQ(a.status, http::status::bad_gateway);
  EXPECT_FALSE(fs::exists(cache_root() / "a.txt"));
  EXPECT_LT(master_.filler_sent(), 64u << 20); // both stopped reading long before the end
  still_sound(*cache_, cache_root());
}

TEST_F(hostile_upstream, a_body_that_never_ends_ends_with_an_error)
{
  master_.set("/endless.txt", {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked", "", UINT64_MAX, true});
  master_.set("/eof.txt", {"HTTP/1.1 200 OK\r\nConnection: close", "", UINT64_MAX});
  start_cache();
  for(auto const* target : {"/endless.txt", "/eof.txt"}) {
    SCOPED_TRACE(target);
    EXPECT_EQ(client(cache_->port()).get(target).status, http::status::bad_gateway);
  }
  EXPECT_FALSE(fs::exists(cache_root() / "endless.txt"));
  EXPECT_FALSE(fs::exists(cache_root() / "eof.txt"));
  EXPECT_TRUE(fs::is_empty(cache_root() / ".zddc-spool")); // the partial downloads went
  still_sound(*cache_, cache_root());
}

TEST_F(hostile_upstream, a_body_cut_mid_way_is_never_installed)
{
  master_.set("/", listing({{"a.txt", false, std::string(100, 'a')}}));
  master_.set("/a.txt", {"HTTP/1.1 200 OK\r\nContent-Length: 100", std::string(40, 'a'), 0, false, true});
  start_cache();
  EXPECT_EQ(client(cache_->port()).get("/a.txt").status, http::status::gateway_timeout); // nothing to serve stale
  EXPECT_FALSE(fs::exists(cache_root() / "a.txt"));
  still_sound(*cache_, cache_root());

  start_mirror();
  auto const record = walk();
  EXPECT_FALSE(record.last.complete);
  EXPECT_EQ(record.last.dirs, 1u); // the walk went on past the cut file
  EXPECT_FALSE(fs::exists(mirror_root() / "a.txt"));
  still_sound(*mirror_, mirror_root());
}

TEST_F(hostile_upstream, redirects_elsewhere_are_502_and_never_forwarded)
{
  master_.set("/protocol-relative.txt", redirect("//evil.example/x"));
  master_.set("/absolute.txt", redirect("http://evil.example/absolute.txt/"));
  master_.set("/Docs/", redirect("//evil.example/Docs/"));
  master_.set("/sub?sort=name", redirect("/sub/?sort=name"));
  start_cache();
  client c(cache_->port());
  for(auto const* target : {"/protocol-relative.txt", "/absolute.txt", "/Docs/"}) {
    SCOPED_TRACE(target);
    auto const a = c.get(target);
    EXPECT_EQ(a.status, http::status::bad_gateway);
    EXPECT_EQ(a.header(http::field::location), "");
    EXPECT_EQ(a.body.find("evil"), std::string::npos);
  }
  auto const slash = c.get("/sub?sort=name");
  EXPECT_EQ(slash.status, http::status::moved_permanently);
  EXPECT_EQ(slash.header(http::field::location), "/sub/?sort=name"); // built here, not copied
  still_sound(*cache_, cache_root());
  for(auto const& asked : master_.asked())
    EXPECT_EQ(asked.find("evil"), std::string::npos) << "followed a redirect: " << asked;
}

// 64 levels: the deepest directory a client can name (63) is listed and
// kept; what its listing names below it, no path here can name: skipped,
// and the walk says so.
TEST_F(hostile_upstream, a_tree_deeper_than_paths_go_is_walked_to_the_limit)
{
  ASSERT_EQ(core::repo_path_depth_max, 63u);
  for(std::size_t depth = 0; depth < core::repo_path_depth_max; ++depth)
    master_.set(deep_target(depth), listing({{"d", true, ""}}));
  master_.set(deep_target(core::repo_path_depth_max), listing({{"d", true, ""}, {"f.txt", false, "f"}}));
  master_.set(deep_target(core::repo_path_depth_max + 1), listing({}));
  start_cache();
  client c(cache_->port());
  EXPECT_EQ(c.get(deep_target(core::repo_path_depth_max), {{http::field::accept, "application/json"}}).status,
            http::status::ok);
  std::string deepest;
  for(std::size_t i = 0; i < core::repo_path_depth_max; ++i)
    deepest += "d/";
  EXPECT_TRUE(fs::exists(cache_root() / deepest / ".zddc-listing.json"));
  EXPECT_EQ(c.get(deep_target(core::repo_path_depth_max + 1)).status, http::status::bad_request);
  still_sound(*cache_, cache_root());

  start_mirror();
  auto const record = walk();
  EXPECT_FALSE(record.last.complete);
  EXPECT_EQ(record.last.dirs, core::repo_path_depth_max + 1); // the root and 63 below it
  EXPECT_TRUE(fs::exists(mirror_root() / deepest / ".zddc-listing.json"));
  EXPECT_FALSE(fs::exists(mirror_root() / deepest / "d"));
  EXPECT_FALSE(fs::exists(mirror_root() / deepest / "f.txt"));
  for(auto const& asked : master_.asked())
    EXPECT_NE(asked, deep_target(core::repo_path_depth_max + 1));
  still_sound(*mirror_, mirror_root());
}

} // namespace
} // namespace zddc::integration
