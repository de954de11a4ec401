// `zddc outbox`: an outbox written by cache::outbox over the daemon's own
// Environment in a temp directory, read and settled by the command.
#include "runtime/outbox_cli.hpp"

#include "runtime/daemon_env.hpp"
#include "runtime/posix_filesystem.hpp"
#include "sim/memory_request_body.hpp"

#include <zddc/cache/outbox.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "../../support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace zddc::runtime {
namespace outbox_cli_test {

namespace http = boost::beast::http;
namespace stdfs = std::filesystem;
using namespace std::chrono_literals;
using cache::outbox_entry;

std::string
tag_of(std::string_view bytes)
{
  core::sha256 h;
  h.update(bytes);
  return core::content_etag(h.finish()).to_string();
}

std::size_t
lines_in(const std::string& s)
{
  return static_cast<std::size_t>(std::ranges::count(s, '\n'));
}

/// Sets an environment variable for one scope.
class scoped_env {
public:
  scoped_env(const char* name, const char* value) : name_(name)
  {
    if(auto const* v = std::getenv(name))
      old_ = v;
    if(value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~scoped_env()
  {
    if(old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }
  scoped_env(const scoped_env&) = delete;
  scoped_env& operator=(const scoped_env&) = delete;

private:
  const char* name_;
  std::optional<std::string> old_;
};

class outbox_cli : public ::testing::Test {
protected:
  void
  SetUp() override
  {
    dir_ = test_support::make_temp_dir("zddc-outbox-cli");
    auto fs = posix_filesystem::open(dir_.string());
    ASSERT_TRUE(fs) << fs.error().message();
    fs_.emplace(std::move(*fs));
    env_.emplace(io_, *fs_, commits_);
    box_.emplace(*env_);
    ASSERT_FALSE(box_->open()); // as the daemon does at start
  }
  void TearDown() override { stdfs::remove_all(dir_); }

  /// Queues a write as the cache daemon does.
  outbox_entry
  enqueue(std::string_view p, std::string body, cache::write_base base = {}, http::verb method = http::verb::put)
  {
    outbox_entry e;
    e.method = method;
    e.path = *core::repo_path::parse(p);
    e.base = std::move(base);
    e.content_type = method == http::verb::put ? "application/pdf" : "";
    sim::memory_request_body b(std::move(body), true, 7);
    auto* const bp = method == http::verb::put ? &b : nullptr;
    std::optional<result<outbox_entry>> out;
    boost::asio::co_spawn(
      io_,
      [&]() -> boost::asio::awaitable<void> {
        auto r = co_await box_->enqueue(e, bp, 1 << 20);
        out.emplace(std::move(r));
      },
      [](std::exception_ptr ex) {
        if(ex)
          std::rethrow_exception(ex);
      });
    io_.run();
    io_.restart();
    EXPECT_TRUE(out && *out) << (out ? out->error().message() : "never finished");
    return **out;
  }

  /// The master refused `e`: keep its copy (or answer) as master.bin and
  /// mark the refusal.
  outbox_entry
  refuse(const outbox_entry& e, cache::refusal_kind kind, cache::master_view seen,
         std::optional<std::string> master_body = {})
  {
    if(master_body) {
      std::ofstream f(dir_ / ".zddc-outbox" / e.id / "master.bin", std::ios::binary);
      f << *master_body;
    }
    auto c = box_->mark_refused(e, kind, std::move(seen));
    EXPECT_TRUE(c) << c.error().message();
    return *c;
  }

  outbox_entry
  conflict(const outbox_entry& e, cache::master_view seen, std::optional<std::string> master_body = {})
  {
    return refuse(e, cache::refusal_kind::conflict, std::move(seen), std::move(master_body));
  }

  struct outcome {
    int code;
    std::string out;
    std::string err;
  };

  outcome
  run(std::vector<std::string> args, std::optional<env::time_point> now = {}, bool with_root = true)
  {
    if(with_root) {
      args.push_back("--root");
      args.push_back(dir_.string());
    }
    std::ostringstream out, err;
    int const code = now ? run_outbox_command(args, out, err, *now) : run_outbox_command(args, out, err);
    return {code, out.str(), err.str()};
  }

  std::string
  entry_path(const outbox_entry& e) const
  {
    return (dir_ / ".zddc-outbox" / e.directory_name()).string() + "/";
  }

  stdfs::path dir_;
  boost::asio::io_context io_;
  std::mutex commits_;
  std::optional<posix_filesystem> fs_;
  std::optional<daemon_env> env_;
  std::optional<cache::outbox<daemon_env>> box_;
};

TEST(outbox_cli_format, ages_and_sizes)
{
  EXPECT_EQ(format_age(-5s), "0s");
  EXPECT_EQ(format_age(0s), "0s");
  EXPECT_EQ(format_age(59s + 999ms), "59s");
  EXPECT_EQ(format_age(3min + 59s), "3m");
  EXPECT_EQ(format_age(2h + 59min), "2h");
  EXPECT_EQ(format_age(24h), "1d");
  EXPECT_EQ(format_age(4 * 24h + 23h), "4d");
  EXPECT_EQ(format_size(0), "0 B");
  EXPECT_EQ(format_size(1023), "1023 B");
  EXPECT_EQ(format_size(1536), "1.5 KiB");
  EXPECT_EQ(format_size(256ull << 20), "256.0 MiB");
  EXPECT_EQ(format_size(3ull << 30), "3.0 GiB");
}

TEST_F(outbox_cli, an_empty_outbox_says_so)
{
  auto const r = run({"list"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "the outbox is empty\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(outbox_cli, list_shows_pending_entries_first_then_conflicts)
{
  auto const a = enqueue("Project/Spec A - Caf\xC3\xA9.pdf", std::string(2048, 'x'), {.if_match = "\"abc\""});
  auto const b = enqueue("old.txt", "", {.if_match = "\"t\""}, http::verb::delete_);
  auto const c = enqueue("c.txt", "hello", {.if_none_match_any = true});
  auto const ac = conflict(a, {200, "\"theirs\"", "Thu, 01 Jan 2026 00:00:05 GMT"}, "theirs");
  auto const since = ac.refused->at.substr(0, 20);

  auto const r = run({"list"}, c.queued_at + 3min + 10s);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  // Columns: 16 | 35 ("conflict since " + 20) | 6 | 26 code points | 3 | 7, the last two right-aligned.
  std::string const expected =
    "ID                STATE                                METHOD  PATH                        AGE     BODY\n"
    + b.id + "  pending                              DELETE  /old.txt                     3m        -\n"
    + c.id + "  pending                              PUT     /c.txt                       3m      5 B\n"
    + a.id + "  conflict since " + since + "  PUT     /Project/Spec A - Caf\xC3\xA9.pdf   3m  2.0 KiB\n"
    "3 entries: 2 pending, 1 conflict\n";
  EXPECT_EQ(r.out, expected);

  EXPECT_NE(run({"list"}, c.queued_at + 2h).out.find("  2h  "), std::string::npos);
  EXPECT_NE(run({"list"}, c.queued_at + 4 * 24h).out.find("  4d  "), std::string::npos);
}

TEST_F(outbox_cli, show_prints_a_conflict_whole_with_its_directory)
{
  auto const a = enqueue("Project/Spec A.pdf", "mine!!",
                         {.if_match = "\"abc\"", .if_unmodified_since = "Thu, 01 Jan 2026 00:00:00 GMT"});
  auto const ac = conflict(a, {200, "\"theirs\"", "Thu, 01 Jan 2026 00:00:05 GMT"}, "theirs, longer");

  auto const r = run({"show", a.id}, a.queued_at + 90s);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::string const expected =
    "entry       " + a.id + "\n"
    "state       conflict since " + ac.refused->at.substr(0, 20) + " (the master answered 412 Precondition Failed)\n"
    "method      PUT\n"
    "path        /Project/Spec A.pdf\n"
    "queued at   " + cache::detail::rfc3339(a.queued_at) + " (1m ago)\n"
    "type        application/pdf\n"
    "based on    If-Match: \"abc\", If-Unmodified-Since: Thu, 01 Jan 2026 00:00:00 GMT\n"
    "body        6 B, ETag " + tag_of("mine!!") + "\n"
    "master had  200 (a file), ETag \"theirs\", Last-Modified Thu, 01 Jan 2026 00:00:05 GMT\n"
    "master.bin  kept (14 B): the master's copy at the conflict\n"
    "directory   " + entry_path(ac) + "\n"
    "\n"
    "Settle it with `zddc outbox retry " + a.id + "` (this write replaces the master's version above)\n"
    "or `zddc outbox discard " + a.id + "` (the master's version stays).\n";
  EXPECT_EQ(r.out, expected);
  EXPECT_TRUE(stdfs::exists(entry_path(ac) + "body.bin"));
  EXPECT_TRUE(stdfs::exists(entry_path(ac) + "master.bin"));
}

TEST_F(outbox_cli, show_a_pending_entry_and_a_conflict_the_master_could_not_explain)
{
  auto const p = enqueue("dir/gone.pdf", "", {.if_none_match_any = true}, http::verb::delete_);
  auto const r = run({"show", p.id}, p.queued_at);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("state       pending (the cache sends it when the master answers)\n"), std::string::npos);
  EXPECT_NE(r.out.find("method      DELETE\n"), std::string::npos);
  EXPECT_NE(r.out.find("based on    If-None-Match: *\n"), std::string::npos);
  EXPECT_NE(r.out.find("body        none (DELETE)\n"), std::string::npos);
  EXPECT_NE(r.out.find("directory   " + entry_path(p) + "\n"), std::string::npos);
  EXPECT_EQ(r.out.find("master had"), std::string::npos);
  EXPECT_EQ(r.out.find("master.bin"), std::string::npos);
  EXPECT_EQ(r.out.find("Settle"), std::string::npos);

  auto const q = enqueue("x.bin", std::string(4096, 'q'));
  conflict(q, {});
  auto const s = run({"show", q.id});
  EXPECT_NE(s.out.find("based on    no preconditions\n"), std::string::npos);
  EXPECT_NE(s.out.find("body        4.0 KiB (4096 bytes), ETag "), std::string::npos);
  EXPECT_NE(s.out.find("master had  unknown: the master could not be asked after its 412\n"), std::string::npos);
  EXPECT_NE(s.out.find("master.bin  not kept\n"), std::string::npos);
  EXPECT_NE(s.out.find("(this write goes in if the master still has no such file)"), std::string::npos);
}

TEST_F(outbox_cli, a_rejection_is_listed_shown_and_retried_as_it_was)
{
  auto const a = enqueue("Other/x.pdf", "mine", {.if_none_match_any = true});
  auto const b = enqueue("b.txt", "b");
  auto const ar = refuse(a, cache::refusal_kind::rejected, {403, std::nullopt, std::nullopt}, "no write access here\n");
  auto const since = ar.refused->at.substr(0, 20);

  auto const listed = run({"list"}, b.queued_at);
  EXPECT_EQ(listed.code, 0) << listed.err;
  EXPECT_NE(listed.out.find(a.id + "  rejected since " + since), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("2 entries: 1 pending, 0 conflicts, 1 rejected\n"), std::string::npos) << listed.out;

  auto const shown = run({"show", ar.directory_name() + "/"}, b.queued_at);
  EXPECT_EQ(shown.code, 0) << shown.err;
  EXPECT_NE(shown.out.find("state       rejected since " + since + " (the master answered 403 Forbidden)\n"),
            std::string::npos)
    << shown.out;
  EXPECT_NE(shown.out.find("master.bin  kept (21 B): the master's answer\n"), std::string::npos) << shown.out;
  EXPECT_EQ(shown.out.find("master had"), std::string::npos);
  EXPECT_NE(shown.out.find("Settle it with `zddc outbox retry " + a.id + "` once the master allows it"),
            std::string::npos);

  auto const retried = run({"retry", a.id});
  EXPECT_EQ(retried.code, 0) << retried.err;
  EXPECT_NE(retried.out.find("replays with If-None-Match: * (as it was when the master rejected it)"), std::string::npos)
    << retried.out;
  EXPECT_EQ(box_->pending()->size(), 2u);
}

TEST_F(outbox_cli, retry_requeues_a_conflict_on_the_masters_version)
{
  auto const a = enqueue("a.txt", "mine", {.if_match = "\"old\""});
  auto const ac = conflict(a, {200, "\"theirs\"", "Thu, 01 Jan 2026 00:00:05 GMT"}, "theirs");

  auto const r = run({"retry", a.id});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "re-queued " + a.id +
                     ": PUT /a.txt replays with If-Match: \"theirs\" (the master's version at the conflict); "
                     "the running cache sends it at its next pass\n");
  auto const pending = box_->pending();
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->front().id, a.id);
  EXPECT_EQ(pending->front().base, cache::write_base{.if_match = "\"theirs\""});
  EXPECT_EQ(pending->front().body_etag, tag_of("mine"));
  EXPECT_FALSE(stdfs::exists(entry_path(ac)));
  // Rewritten by the CLI, the entry is as private as the cache made it.
  auto const meta = stdfs::status(dir_ / ".zddc-outbox" / a.id / "meta.json").permissions();
  EXPECT_EQ(meta & (stdfs::perms::group_all | stdfs::perms::others_all), stdfs::perms::none);

  auto const again = run({"retry", a.id});
  EXPECT_EQ(again.code, 0);
  EXPECT_EQ(again.out, a.id + " is already pending (PUT /a.txt): the running cache sends it at its next pass\n");
  EXPECT_EQ(box_->pending()->front().base, cache::write_base{.if_match = "\"theirs\""});
}

TEST_F(outbox_cli, retry_after_the_master_had_no_file_creates_only)
{
  auto const a = enqueue("new.txt", "mine", {.if_match = "\"old\""});
  conflict(a, {404, std::nullopt, std::nullopt});
  auto const r = run({"retry", a.id});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("replays with If-None-Match: * (applies only while the master has no such file"),
            std::string::npos)
    << r.out;
  EXPECT_EQ(lines_in(r.out), 1u);
  EXPECT_EQ(box_->pending()->front().base, cache::write_base{.if_none_match_any = true});
}

TEST_F(outbox_cli, discard_deletes_a_conflict)
{
  auto const a = enqueue("a.txt", "mine");
  auto const ac = conflict(a, {200, "\"theirs\"", std::nullopt}, "theirs");
  auto const r = run({"discard", a.id});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "discarding " + a.id + ": PUT /a.txt, 4 B, conflict since " + ac.refused->at.substr(0, 20) +
                     "\ndiscarded " + a.id + "\n");
  EXPECT_TRUE(box_->all()->empty());
  EXPECT_FALSE(stdfs::exists(entry_path(ac)));
}

TEST_F(outbox_cli, discarding_a_pending_entry_needs_yes)
{
  auto const a = enqueue("a.txt", "unsent");
  auto const refused = run({"discard", a.id});
  EXPECT_EQ(refused.code, 1);
  EXPECT_EQ(refused.out, "");
  EXPECT_EQ(refused.err, "zddc outbox: not discarding " + a.id +
                           " (PUT /a.txt, 6 B, pending): it has not reached the master, so this write would be "
                           "lost; add --yes to discard it anyway\n");
  EXPECT_EQ(box_->pending()->size(), 1u);

  auto const r = run({"discard", "--yes", a.id});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "discarding " + a.id + ": PUT /a.txt, 6 B, pending (never reached the master)\ndiscarded " +
                     a.id + "\n");
  EXPECT_TRUE(box_->all()->empty());
}

TEST_F(outbox_cli, an_entry_can_be_named_by_its_directory)
{
  auto const a = enqueue("a.txt", "mine");
  auto const ac = conflict(a, {404, std::nullopt, std::nullopt});
  auto const r = run({"show", ac.directory_name() + "/"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("entry       " + a.id + "\n"), std::string::npos);
}

TEST_F(outbox_cli, an_unknown_id_is_one_line_and_status_1)
{
  enqueue("a.txt", "x");
  for(auto verb : {"show", "retry", "discard"}) {
    auto const r = run({verb, "00000000000000ff"});
    EXPECT_EQ(r.code, 1) << verb;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "zddc outbox: no entry '00000000000000ff' in " + (dir_ / ".zddc-outbox").string() +
                       " (see zddc outbox list)\n");
    auto const junk = run({verb, "not-an-id"});
    EXPECT_EQ(junk.code, 1);
    EXPECT_EQ(lines_in(junk.err), 1u);
  }
  EXPECT_EQ(box_->pending()->size(), 1u);
}

TEST_F(outbox_cli, bad_usage_prints_the_usage_and_status_2)
{
  for(auto const& args : std::vector<std::vector<std::string>>{
        {"frobnicate"}, {"list", "extra"}, {"show"}, {"retry"}, {"discard"}, {"retry", "--yes", "0000000000000001"},
        {"show", "0000000000000001", "0000000000000002"}, {"list", "--bogus"}}) {
    auto const r = run(args);
    EXPECT_EQ(r.code, 2) << args[0];
    EXPECT_EQ(r.out, "");
    EXPECT_FALSE(r.err.empty());
  }
  auto const none = run({}, {}, false);
  EXPECT_EQ(none.code, 2);
  EXPECT_NE(none.err.find("Usage: zddc outbox list"), std::string::npos);
  auto const help = run({"--help"}, {}, false);
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("zddc outbox discard ID [--yes]"), std::string::npos);
  auto const no_value = run({"list", "--root"}, {}, false);
  EXPECT_EQ(no_value.code, 2);
  EXPECT_EQ(no_value.err, "zddc outbox: --root needs a value\n");
}

TEST_F(outbox_cli, the_root_comes_from_the_flag_or_zddc_root)
{
  enqueue("a.txt", "x");
  {
    scoped_env root("ZDDC_ROOT", dir_.c_str());
    auto const r = run({"list"}, {}, false);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("1 entry: 1 pending, 0 conflicts\n"), std::string::npos);
    auto const flag = run({"list", "--root=" + (dir_ / "elsewhere").string()}, {}, false); // the flag wins
    EXPECT_EQ(flag.code, 1);
  }
  scoped_env unset("ZDDC_ROOT", nullptr);
  auto const r = run({"list"}, {}, false);
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "zddc outbox: --root is required (the cache's root; or set ZDDC_ROOT)\n");
}

TEST_F(outbox_cli, a_root_without_an_outbox_is_a_clear_error)
{
  auto const missing = (dir_ / "nowhere").string();
  auto const r = run({"list", "--root", missing}, {}, false);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "zddc outbox: --root " + missing + " does not exist\n");

  stdfs::create_directory(dir_ / "plain");
  auto const plain = (dir_ / "plain").string();
  auto const p = run({"show", "0000000000000001", "--root", plain}, {}, false);
  EXPECT_EQ(p.code, 1);
  EXPECT_EQ(p.err, "zddc outbox: " + plain + " has no outbox (.zddc-outbox): not the root of a cache that has run\n");
  EXPECT_FALSE(stdfs::exists(dir_ / "plain" / ".zddc-outbox")); // nothing created

  std::ofstream(dir_ / "file") << "x";
  auto const f = run({"list", "--root", (dir_ / "file").string()}, {}, false);
  EXPECT_EQ(f.code, 1);
  EXPECT_EQ(lines_in(f.err), 1u);
}

TEST_F(outbox_cli, an_entry_being_enqueued_is_neither_listed_nor_swept)
{
  // What a daemon's enqueue leaves before its meta.json is committed.
  stdfs::create_directory(dir_ / ".zddc-outbox" / "00000000000000aa");
  std::ofstream(dir_ / ".zddc-outbox" / "00000000000000aa" / "body.bin") << "half";
  auto const r = run({"list"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "the outbox is empty\n");
  EXPECT_TRUE(stdfs::exists(dir_ / ".zddc-outbox" / "00000000000000aa" / "body.bin"));
}

} // namespace
} // namespace zddc::runtime
