// The master's writes and reads against a plain model.
//
// Random sequences of PUT / DELETE / GET on a few paths (nested ones, so
// parent directories get created), each with random RFC 9110 preconditions,
// run through master::handler over the in-memory filesystem and the virtual
// clock. Between operations the clock moves by a random amount, often by
// nothing at all, so several writes land in one second and in one
// filesystem tick. Every status, ETag and Last-Modified, and the final tree
// (visible and durable), must match the model below.
//
// The model is written independently of the implementation: a map of path →
// bytes, the §13.2.2 evaluation order spelled out plainly, and ETags learned
// from the master's own answers. The master's ETag is a content hash, so
// the model only checks that equal bytes always get the same tag and
// different bytes never share one.
#include <zddc/master/handler.hpp>

#include "sim/memory_env.hpp"
#include "sim/memory_filesystem.hpp"
#include "sim/memory_request_body.hpp"
#include "sim/virtual_clock.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace zddc::master {
namespace handler_model_test {

namespace http = boost::beast::http;
using namespace std::chrono_literals;

using test_env = sim::memory_env;

using response = handler<test_env>::response_type;

// Nested on purpose; no path is a directory of another. One name needs
// percent-encoding on the wire.
constexpr std::array<std::string_view, 4> paths = {
  "a.txt", "d/b.txt", "d/e/c 50%.txt", "d/e/f/g.pdf"};

// Few distinct small bodies, so equal bytes recur under different paths and
// at different times (equal bytes ⇒ equal tag).
constexpr std::array<std::string_view, 5> bodies = {"", "x", "xy", "hello", "hello world"};

// Clock steps: often zero (same-second writes), sometimes across a second
// boundary or past the tag cache's settle time.
constexpr std::array<env::duration, 8> steps = {0ns, 0ns, 1ms, 400ms, 999ms, 1s, 2500ms, 1h};

enum class operation { put, remove, get };
enum class tag_choice { absent, current, stale, any };
enum class date_choice { absent, before, at, after };

// How rapidcheck shows a counterexample's draws.
std::ostream&
operator<<(std::ostream& os, operation op)
{
  return os << (op == operation::put ? "PUT" : op == operation::remove ? "DELETE" : "GET");
}

std::ostream&
operator<<(std::ostream& os, tag_choice c)
{
  constexpr std::array<std::string_view, 4> names = {"absent", "current", "stale", "*"};
  return os << names[static_cast<std::size_t>(c)];
}

std::ostream&
operator<<(std::ostream& os, date_choice c)
{
  constexpr std::array<std::string_view, 4> names = {"absent", "before", "at", "after"};
  return os << names[static_cast<std::size_t>(c)];
}

constexpr std::string_view never_issued = "\"never-issued\"";

struct model_file {
  std::string bytes;
  env::time_point last_modified; // as the master reports it: whole seconds
};

// What the server should hold and answer, by RFC 9110 alone.
struct model {
  std::map<std::string, model_file> files;
  std::set<std::string> dirs;                 // every directory but the root
  std::map<std::string, std::string> tag_of;  // bytes → the tag the master gave them
  std::map<std::string, std::string> body_of; // and back: tags never collide

  const model_file*
  find(const std::string& path) const
  {
    auto const it = files.find(path);
    return it == files.end() ? nullptr : &it->second;
  }

  std::optional<std::string>
  current_tag(const std::string& path) const
  {
    auto const* f = find(path);
    if(! f)
      return std::nullopt;
    return tag_of.at(f->bytes); // every body on disk came from a PUT that reported its tag
  }

  // Learns (or checks) the tag for `bytes`.
  void
  learn_tag(const std::string& bytes, const std::string& tag)
  {
    RC_ASSERT(! tag.empty());
    auto const [it, inserted] = tag_of.emplace(bytes, tag);
    RC_ASSERT(it->second == tag); // equal bytes, equal tag
    auto const [back, fresh] = body_of.emplace(tag, bytes);
    RC_ASSERT(back->second == bytes); // different bytes, different tags
    RC_ASSERT(inserted == fresh);
  }
};

// The request-side conditions, resolved to header values.
struct conditions {
  std::optional<std::string> if_match, if_none_match;
  std::optional<env::time_point> if_unmodified_since; // whole seconds
};

// RFC 9110 §13.2.2, steps 1-3, written out plainly. Returns the status the
// preconditions force, or nullopt when the method proceeds.
std::optional<http::status>
model_preconditions(operation op, const conditions& c, const model_file* current,
                    const std::optional<std::string>& current_tag)
{
  // Step 1: If-Match. `*` needs the target to exist; a tag must match strongly.
  if(c.if_match) {
    bool const holds = *c.if_match == "*" ? current != nullptr : current && *c.if_match == *current_tag;
    if(! holds)
      return http::status::precondition_failed;
  }
  // Step 2: If-Unmodified-Since, only without If-Match, only for an
  // existing target; a file modified after the date fails.
  else if(c.if_unmodified_since && current) {
    if(current->last_modified > *c.if_unmodified_since)
      return http::status::precondition_failed;
  }
  // Step 3: If-None-Match. `*` matches any existing target; a tag matches
  // weakly (the master's tags are all strong, so: equal text).
  if(c.if_none_match) {
    bool const matches = *c.if_none_match == "*" ? current != nullptr : current && *c.if_none_match == *current_tag;
    if(matches)
      return op == operation::get ? http::status::not_modified : http::status::precondition_failed;
  }
  return std::nullopt;
}

std::string
header(const response& r, http::field f)
{
  auto const it = r.headers.find(f);
  return it == r.headers.end() ? std::string() : std::string(it->value());
}

std::string
body_of(response& r)
{
  auto body = core::read_whole_body(r);
  RC_ASSERT(body.has_value());
  return std::move(*body);
}

// A tag that is not the current one: one the master issued for other bytes
// when there is one, else one it never issued.
std::string
stale_tag(const model& m, const std::optional<std::string>& current)
{
  std::vector<std::string> others;
  for(auto const& [tag, bytes] : m.body_of)
    if(tag != current)
      others.push_back(tag);
  if(others.empty())
    return std::string(never_issued);
  return others[*rc::gen::inRange<std::size_t>(0, others.size())];
}

std::optional<std::string>
resolve(tag_choice choice, const model& m, const std::optional<std::string>& current)
{
  switch(choice) {
  case tag_choice::absent: return std::nullopt;
  case tag_choice::any: return "*";
  case tag_choice::current: return current ? *current : stale_tag(m, current); // no file: any tag misses
  case tag_choice::stale: return stale_tag(m, current);
  }
  return std::nullopt;
}

RC_GTEST_PROP(master_handler_model, writes_and_reads_follow_rfc_9110_preconditions, ())
{
  test_env env;
  handler<test_env> master{env, config{}};
  auto const who = core::principal::unrestricted("admin");
  model m;

  auto const count = *rc::gen::inRange(1, 80); // scales with rapidcheck's size: 1-80 operations
  for(int i = 0; i < count; ++i) {
    env.clock_.advance_to(env.clock_.now() + *rc::gen::elementOf(steps));
    auto const now = core::truncate_to_seconds(env.clock_.now());

    auto const op = *rc::gen::weightedElement<operation>(
      {{4, operation::put}, {3, operation::get}, {2, operation::remove}});
    auto const path = std::string(*rc::gen::elementOf(paths));
    auto const bytes = std::string(*rc::gen::elementOf(bodies));
    auto const* current = m.find(path);
    auto const current_tag = m.current_tag(path);

    conditions c;
    auto const tag_condition = rc::gen::weightedElement<tag_choice>(
      {{4, tag_choice::absent}, {2, tag_choice::current}, {1, tag_choice::stale}, {1, tag_choice::any}});
    c.if_match = resolve(*tag_condition, m, current_tag);
    c.if_none_match = resolve(*tag_condition, m, current_tag);
    // Relative to the file's Last-Modified, or to now for a missing file.
    auto const reference = current ? current->last_modified : now;
    auto const offset = std::chrono::seconds(*rc::gen::inRange(1, 7200));
    switch(*rc::gen::weightedElement<date_choice>(
      {{3, date_choice::absent}, {1, date_choice::before}, {1, date_choice::at}, {1, date_choice::after}})) {
    case date_choice::absent: break;
    case date_choice::before: c.if_unmodified_since = reference - offset; break;
    case date_choice::at: c.if_unmodified_since = reference; break;
    case date_choice::after: c.if_unmodified_since = reference + offset; break;
    }

    core::request req;
    req.method = op == operation::put ? http::verb::put : op == operation::remove ? http::verb::delete_ : http::verb::get;
    req.target = core::encode(*core::repo_path::parse(path));
    if(c.if_match)
      req.headers.set(http::field::if_match, *c.if_match);
    if(c.if_none_match)
      req.headers.set(http::field::if_none_match, *c.if_none_match);
    if(c.if_unmodified_since)
      req.headers.set(http::field::if_unmodified_since, core::format_http_date(*c.if_unmodified_since));
    std::optional<sim::memory_request_body> body;
    if(op == operation::put) {
      body.emplace(bytes, *rc::gen::arbitrary<bool>(), *rc::gen::inRange<std::size_t>(1, 8));
      req.body = &*body;
    }
    RC_LOG() << i << ": t+" << (env.clock_.now() - sim::default_epoch).count() << "ns " << op << " /"
             << path << (op == operation::put ? " body=\"" + bytes + "\"" : std::string())
             << " If-Match=" << c.if_match.value_or("-") << " If-None-Match=" << c.if_none_match.value_or("-")
             << " If-Unmodified-Since="
             << (c.if_unmodified_since ? core::format_http_date(*c.if_unmodified_since) : "-") << "\n";

    boost::asio::io_context io;
    auto future = boost::asio::co_spawn(io, master.handle(req, &who), boost::asio::use_future);
    io.run();
    auto r = future.get();
    RC_LOG() << "   -> " << static_cast<unsigned>(r.status) << " ETag=" << header(r, http::field::etag) << "\n";

    // What the model expects, and what it becomes.
    std::optional<http::status> expected;
    if(! current && op != operation::put)
      expected = http::status::not_found; // nothing to read or delete: conditions are moot
    else
      expected = model_preconditions(op, c, current, current_tag);

    if(expected) {
      RC_ASSERT(r.status == *expected);
      if(*expected == http::status::not_found) {
        RC_ASSERT(header(r, http::field::etag).empty());
      } else if(*expected == http::status::not_modified) {
        RC_ASSERT(header(r, http::field::etag) == *current_tag);
        // The tag, and what the 200 told caches; not the date, which a 304
        // with a tag leaves out (RFC 9110 §15.4.5).
        RC_ASSERT(header(r, http::field::last_modified).empty());
        RC_ASSERT(header(r, http::field::cache_control) == "no-cache");
      } else if(auto const tag = header(r, http::field::etag); ! tag.empty()) {
        RC_ASSERT(tag == current_tag); // a 412 may tell the current tag, never another
      }
      continue;
    }

    switch(op) {
    case operation::put: {
      RC_ASSERT(r.status == (current ? http::status::no_content : http::status::created));
      m.learn_tag(bytes, header(r, http::field::etag));
      RC_ASSERT(header(r, http::field::last_modified) == core::format_http_date(now));
      if(! current)
        RC_ASSERT(header(r, http::field::location) == core::encode(*core::repo_path::parse(path)).str());
      m.files.insert_or_assign(path, model_file{bytes, now});
      for(auto slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1))
        m.dirs.insert(path.substr(0, slash));
      break;
    }
    case operation::remove:
      RC_ASSERT(r.status == http::status::no_content);
      m.files.erase(path);
      break;
    case operation::get:
      RC_ASSERT(r.status == http::status::ok);
      RC_ASSERT(body_of(r) == current->bytes);
      RC_ASSERT(header(r, http::field::etag) == *current_tag);
      RC_ASSERT(header(r, http::field::last_modified) == core::format_http_date(current->last_modified));
      RC_ASSERT(header(r, http::field::content_length) == std::to_string(current->bytes.size()));
      break;
    }
  }

  // The tree holds exactly the model's files, no temp files left behind,
  // the directories PUTs created (and none for refused PUTs), and all of it
  // durably: a crash now would lose nothing that was acknowledged.
  auto const visible = env.fs_.snapshot(sim::memory_filesystem::view::visible);
  std::map<std::string, std::string> expected_files;
  for(auto const& [p, f] : m.files)
    expected_files.emplace(p, f.bytes);
  RC_ASSERT(visible.files == expected_files);
  RC_ASSERT(visible.dirs == m.dirs);
  RC_ASSERT(env.fs_.snapshot(sim::memory_filesystem::view::durable) == visible);
}

} // namespace
} // namespace zddc::master
