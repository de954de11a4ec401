// Read your own writes, against a model (issue 14).
//
// A master holds a few files in a small tree. While it is reachable the
// cache reads a random selection of files and directories: that is its last
// view of the master. Then the link goes down, and a random sequence of
// PUTs, DELETEs, GETs and JSON listings runs through the cache. Every answer
// must be what the model says: the cache's own accepted writes laid over
// its last view. A write is accepted (202) unless it is a DELETE of a file
// the cache never saw (428); a read of a written path gives the newest
// write (marked with its outbox entry), else the stale copy, else 504; a
// listing the cache holds shows the written files and hides the deleted.
//
// Then the link comes back and the outbox replays. Nobody else changed the
// master, so each path ends as its last write left it, unless the master
// refused a write to it (a create-only PUT over a file the cache never saw
// there): then the refusal is kept for a person. No write is lost.
#include <zddc/cache/handler.hpp>

#include "../../support/cache_harness.hpp"
#include "../../support/values.hpp"

#include "sim/master_node.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace zddc::cache {
namespace read_your_writes_test {

namespace http = boost::beast::http;
using namespace std::chrono_literals;
using test_support::accept_json;
using test_support::path;
using test_support::tag_of;

// Two directories and a subdirectory; one name needs percent-encoding.
constexpr std::array<std::string_view, 5> files = {"d/a.txt", "d/b 1%.txt", "e/c.txt", "e/f/g.txt", "e/h.txt"};
constexpr std::array<std::string_view, 3> dirs = {"d", "e", "e/f"};
// Few bodies, so equal bytes recur (a write of the bytes the master has).
constexpr std::array<std::string_view, 4> bodies = {"", "one", "two", "three!"};

enum class verb { put, remove, get, list };

struct op {
  verb what = verb::get;
  std::size_t file = 0, dir = 0, body = 0;
};

std::ostream&
operator<<(std::ostream& os, const op& o)
{
  switch(o.what) {
  case verb::put:
    return os << "PUT " << files[o.file] << " \"" << bodies[o.body] << '"';
  case verb::remove:
    return os << "DELETE " << files[o.file];
  case verb::get:
    return os << "GET " << files[o.file];
  case verb::list:
    return os << "LIST " << dirs[o.dir] << '/';
  }
  return os;
}

std::string
file_target(std::string_view p)
{
  return std::string(core::encode(path(p)).str());
}

std::string
dir_target(std::string_view d)
{
  return std::string(core::encode(path(d), core::target_form::directory).str());
}

/// The parent directory of `file`, joined.
std::string_view
parent_of(std::string_view file)
{
  return file.substr(0, file.rfind('/'));
}

/// What the cache was shown while it could reach the master.
struct last_view {
  std::map<std::string_view, std::string> copies;                // files read: their bytes
  std::map<std::string_view, std::map<std::string, std::string>> listings; // dirs listed: name → "dir" or bytes
};

struct world {
  boost::asio::io_context io;
  sim::virtual_clock clock{io.get_executor()};
  sim::rng rng{1};
  sim::trace trace{clock};
  sim::network net{clock, rng, trace};
  sim::master_node master{"master", clock, trace, {.tokens = {{"cache-token", core::principal::unrestricted("cache")}}}};
  sim::node node{"cache"};
  test_support::cache_env env{clock, sim::memory_filesystem([this] { return clock.now(); }),
                              net.connect(node, master)};
  handler<test_support::cache_env> cache{env, config{.bearer = "cache-token"}};

  test_support::answer
  call(http::verb method, const std::string& target, http::fields headers = {},
       std::optional<std::string_view> body = std::nullopt)
  {
    return test_support::run_request(io, clock, cache, method, target, std::move(headers), body);
  }

  std::optional<std::string>
  on_master(std::string_view p)
  {
    auto const snap = master.disk().snapshot();
    auto it = snap.files.find(std::string(p));
    return it == snap.files.end() ? std::nullopt : std::optional(it->second);
  }
};

RC_GTEST_PROP(cache_read_your_writes, every_offline_answer_is_the_writes_over_the_last_view, ())
{
  // Per file: 0, absent on the master; else the index of its body.
  auto const initial =
    *rc::gen::container<std::vector<std::size_t>>(files.size(), rc::gen::inRange<std::size_t>(0, bodies.size()));
  auto const read_files = *rc::gen::container<std::vector<bool>>(files.size(), rc::gen::arbitrary<bool>());
  auto const read_dirs = *rc::gen::container<std::vector<bool>>(dirs.size(), rc::gen::arbitrary<bool>());
  auto const ops = *rc::gen::container<std::vector<op>>(rc::gen::build<op>(
    rc::gen::set(&op::what, rc::gen::element(verb::put, verb::put, verb::remove, verb::get, verb::get, verb::list)),
    rc::gen::set(&op::file, rc::gen::inRange<std::size_t>(0, files.size())),
    rc::gen::set(&op::dir, rc::gen::inRange<std::size_t>(0, dirs.size())),
    rc::gen::set(&op::body, rc::gen::inRange<std::size_t>(0, bodies.size()))));

  world w;
  RC_ASSERT(! w.cache.open());
  for(std::size_t i = 0; i < files.size(); ++i)
    if(initial[i] != 0)
      w.master.disk().write_file_direct(path(files[i]), std::string(bodies[initial[i]]));

  // Online: the cache's last view of the master.
  last_view view;
  for(std::size_t i = 0; i < files.size(); ++i)
    if(read_files[i]) {
      auto const a = w.call(http::verb::get, file_target(files[i]));
      RC_ASSERT(a.status == (initial[i] != 0 ? http::status::ok : http::status::not_found));
      if(initial[i] != 0)
        view.copies[files[i]] = a.body;
    }
  for(std::size_t i = 0; i < dirs.size(); ++i)
    if(read_dirs[i]) {
      auto const a = w.call(http::verb::get, dir_target(dirs[i]), accept_json());
      if(a.status == http::status::not_found)
        continue; // nothing was ever written below it
      RC_ASSERT(a.status == http::status::ok);
      auto const l = core::listing_from_json(a.body, path(dirs[i]));
      RC_ASSERT(l.has_value());
      auto& seen = view.listings[dirs[i]];
      for(auto const& e : l->entries) {
        std::string const child = std::string(dirs[i]) + "/" + e.name;
        seen[e.name] = e.kind == core::file_kind::directory ? std::string("dir") : *w.on_master(child);
      }
    }

  w.net.partition(w.node, w.master);
  std::map<std::string_view, std::optional<std::string>> writes; // newest accepted write: bytes, or deleted
  auto const listed_file = [&](std::string_view f) {
    auto const l = view.listings.find(parent_of(f));
    if(l == view.listings.end())
      return false;
    auto const it = l->second.find(std::string(f.substr(f.rfind('/') + 1)));
    return it != l->second.end() && it->second != "dir";
  };

  for(auto const& o : ops) {
    RC_LOG() << o << '\n';
    auto const f = files[o.file];
    switch(o.what) {
    case verb::put: {
      auto const a = w.call(http::verb::put, file_target(f), {}, bodies[o.body]);
      RC_ASSERT(a.status == http::status::accepted);
      writes[f] = std::string(bodies[o.body]);
      break;
    }
    case verb::remove: {
      bool const has_base = writes.contains(f) || view.copies.contains(f) || listed_file(f);
      auto const a = w.call(http::verb::delete_, file_target(f));
      RC_ASSERT(a.status == (has_base ? http::status::accepted : http::status::precondition_required));
      if(has_base)
        writes[f] = std::nullopt;
      break;
    }
    case verb::get: {
      auto const a = w.call(http::verb::get, file_target(f));
      if(auto const it = writes.find(f); it != writes.end()) {
        RC_ASSERT(a.headers.count(pending_header) == 1u);
        if(it->second) {
          RC_ASSERT(a.status == http::status::ok);
          RC_ASSERT(a.body == *it->second);
          RC_ASSERT(a.headers[http::field::etag] == tag_of(*it->second));
        } else {
          RC_ASSERT(a.status == http::status::not_found);
        }
      } else if(auto const copy = view.copies.find(f); copy != view.copies.end()) {
        RC_ASSERT(a.status == http::status::ok);
        RC_ASSERT(a.body == copy->second);
        RC_ASSERT(a.headers[cache_status_header] == "stale");
      } else {
        RC_ASSERT(a.status == http::status::gateway_timeout);
      }
      break;
    }
    case verb::list: {
      auto const d = dirs[o.dir];
      auto const a = w.call(http::verb::get, dir_target(d), accept_json());
      auto const seen = view.listings.find(d);
      if(seen == view.listings.end()) {
        RC_ASSERT(a.status == http::status::gateway_timeout);
        break;
      }
      RC_ASSERT(a.status == http::status::ok);
      auto expected = seen->second; // name → "dir" or bytes
      std::set<std::string> pending_names;
      for(auto const& [file, bytes] : writes) {
        if(parent_of(file) != d)
          continue;
        std::string const name(file.substr(file.rfind('/') + 1));
        if(bytes) {
          expected[name] = *bytes;
          pending_names.insert(name);
        } else {
          expected.erase(name);
        }
      }
      auto const l = core::listing_from_json(a.body, path(d));
      RC_ASSERT(l.has_value());
      std::map<std::string, std::string> got;
      for(auto const& e : l->entries) {
        if(e.kind == core::file_kind::directory) {
          got[e.name] = "dir";
          continue;
        }
        RC_ASSERT(e.etag.has_value());
        RC_ASSERT(e.pending.has_value() == pending_names.contains(e.name));
        auto const want = expected.find(e.name);
        RC_ASSERT(want != expected.end());
        RC_ASSERT(e.size == want->second.size());
        RC_ASSERT(e.etag->to_string() == tag_of(want->second));
        got[e.name] = want->second;
      }
      RC_ASSERT(got == expected);
      break;
    }
    }
  }

  // The link comes back: every accepted write reaches the master or is kept
  // as a refusal; nothing waits, nothing is lost.
  w.net.heal(w.node, w.master);
  for(int pass = 0; pass < 20 && test_support::run_for(w.io, w.clock, w.cache.replay().replay_pending()).value_or(true);
      ++pass)
    sim::run_until(w.io, w.clock, w.clock.now() + 1min);
  auto const left = w.cache.box().all();
  RC_ASSERT(left.has_value());
  std::set<std::string> refused;
  for(auto const& e : *left) {
    RC_ASSERT(! e.pending());
    refused.insert(std::string(e.path.str()));
  }
  for(auto const& [file, bytes] : writes)
    if(! refused.contains(std::string(file)))
      RC_ASSERT(w.on_master(file) == bytes);
}

} // namespace
} // namespace zddc::cache
