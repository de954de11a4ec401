#include "sim/checkers/master_model.hpp"

#include <zddc/core/etag.hpp>
#include <zddc/core/http_date.hpp>
#include <zddc/core/listing.hpp>
#include <zddc/core/sha256.hpp>
#include <zddc/env/durable.hpp>

#include <algorithm>

namespace zddc::sim {

namespace http = boost::beast::http;

namespace {

core::sha256::digest
digest_of(std::string_view bytes)
{
  core::sha256 h;
  h.update(bytes);
  return h.finish();
}

core::entity_tag
tag_of(std::string_view bytes)
{
  return core::content_etag(digest_of(bytes));
}

std::string
describe(const std::optional<std::string>& s)
{
  if(! s)
    return "absent";
  std::string excerpt = s->substr(0, 40);
  for(char& c : excerpt)
    if(static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      c = '.';
  return std::to_string(s->size()) + " bytes " + tag_of(*s).to_string() + " \"" + excerpt + "\"";
}

std::optional<std::string_view>
header(const http::fields& h, http::field f)
{
  auto it = h.find(f);
  if(it == h.end())
    return std::nullopt;
  return std::string_view(it->value().data(), it->value().size());
}

enum class outcome { apply, precondition_failed, not_found, unjudged };

/// RFC 9110 §13.2.2 for a write, written out plainly: If-Match, else
/// If-Unmodified-Since; then If-None-Match. A DELETE of nothing is 404
/// before any precondition.
outcome
expected_write(http::verb method, const http::fields& h, const std::optional<core::entity_tag>& current,
               std::optional<env::time_point> mtime)
{
  if(method == http::verb::delete_ && ! current)
    return outcome::not_found;
  if(auto im = header(h, http::field::if_match)) {
    auto const cond = core::parse_etag_condition(*im);
    if(! cond)
      return outcome::unjudged;
    bool const pass = current && (cond->any || std::ranges::any_of(cond->tags, [&](auto const& t) {
                                    return strong_match(t, *current);
                                  }));
    if(! pass)
      return outcome::precondition_failed;
  } else if(auto ius = header(h, http::field::if_unmodified_since)) {
    auto const date = core::parse_http_date(*ius);
    if(date && current && core::truncate_to_seconds(*mtime) > *date)
      return outcome::precondition_failed;
  }
  if(auto inm = header(h, http::field::if_none_match)) {
    auto const cond = core::parse_etag_condition(*inm);
    if(! cond)
      return outcome::unjudged;
    bool const fail = current && (cond->any || std::ranges::any_of(cond->tags, [&](auto const& t) {
                                    return weak_match(t, *current);
                                  }));
    if(fail)
      return outcome::precondition_failed;
  }
  return outcome::apply;
}

std::string
request_line(const exchange& x)
{
  std::string s = "#" + std::to_string(x.id) + " ";
  s += http::to_string(x.method);
  s += ' ';
  s += x.target.str();
  for(auto f : {http::field::if_match, http::field::if_unmodified_since, http::field::if_none_match})
    if(auto v = header(x.request_headers, f)) {
      s += ' ';
      s += http::to_string(f);
      s += '=';
      s += *v;
    }
  s += " -> " + std::to_string(static_cast<unsigned>(x.response.status));
  return s;
}

} // namespace

master_model::master_model(master_node& master, replay_base_fn replay_base)
  : checker("master-model"), master_(master), replay_base_(std::move(replay_base))
{
  load_from_disk();
}

void
master_model::load_from_disk()
{
  files_.clear();
  for(auto& [path, bytes] : master_.disk().snapshot().files) {
    auto const p = core::repo_path::parse(path);
    if(! p)
      continue; // the server's own files (temp files, state)
    auto const st = master_.disk().stat(*p);
    files_[path] = version{std::move(bytes), st ? st->mtime : env::time_point{}};
  }
}

master_model::state
master_model::on_disk(const core::repo_path& path) const
{
  auto bytes = env::read_all(master_.disk(), path, std::uint64_t(1) << 30);
  if(! bytes)
    return std::nullopt;
  return std::move(*bytes);
}

void
master_model::remember(const core::repo_path& path)
{
  auto bytes = on_disk(path);
  auto const st = master_.disk().stat(path);
  if(! bytes || ! st) {
    files_.erase(std::string(path.str()));
    return;
  }
  files_[std::string(path.str())] = version{std::move(*bytes), st->mtime};
}

void
master_model::on_delivered(const exchange& x)
{
  if(x.to != &master_)
    return;
  // Judged by the grants in force when the master took the request: an
  // operator may change them while it runs.
  auto const* who = master_.principal_of(x.request_headers);
  callers_[x.id] = who ? std::optional<core::principal>(*who) : std::nullopt;
  if(x.method != http::verb::put && x.method != http::verb::delete_)
    return;
  auto const target = core::decode(x.target);
  if(! target)
    return;
  in_flight_[x.id] = pending_write{std::string(target->path.str()),
                                   x.method == http::verb::put ? state(x.request_body) : state(),
                                   replay_base_ ? replay_base_(x) : std::nullopt};
}

void
master_model::on_served(const exchange& x)
{
  if(x.to != &master_)
    return;
  std::optional<cache::write_base> base;
  if(auto it = in_flight_.find(x.id); it != in_flight_.end()) {
    base = std::move(it->second.base);
    in_flight_.erase(it);
  }
  std::optional<core::principal> caller;
  if(auto it = callers_.find(x.id); it != callers_.end()) {
    caller = std::move(it->second);
    callers_.erase(it);
  } else if(auto const* p = master_.principal_of(x.request_headers)) {
    caller = *p;
  }
  auto const target = core::decode(x.target);
  if(! target)
    return;
  auto const* who = caller ? &*caller : nullptr;
  if(! who) {
    if(x.response.status != http::status::unauthorized)
      fail(request_line(x) + ": answered " + std::to_string(static_cast<unsigned>(x.response.status)) +
           " to a request without a valid token");
    return;
  }
  switch(x.method) {
  case http::verb::put:
  case http::verb::delete_:
    judge_write(x, target->path, base, *who);
    break;
  case http::verb::get:
    if(target->form == core::target_form::directory)
      judge_listing(x, target->path, *who);
    else
      judge_read(x, target->path, *who);
    break;
  default:
    break;
  }
}

void
master_model::judge_write(const exchange& x, const core::repo_path& path, const std::optional<cache::write_base>& base,
                          const core::principal& who)
{
  auto const key = std::string(path.str());
  auto const it = files_.find(key);
  std::optional<core::entity_tag> current;
  std::optional<env::time_point> mtime;
  if(it != files_.end()) {
    current = tag_of(it->second.bytes);
    mtime = it->second.mtime;
  }
  auto const expected = expected_write(x.method, x.request_headers, current, mtime);
  auto const status = static_cast<unsigned>(x.response.status);
  auto const was = it == files_.end() ? state() : state(it->second.bytes);
  ++judged_;

  if(status == 412) {
    if(expected != outcome::precondition_failed && expected != outcome::unjudged)
      fail(request_line(x) + ": refused although its precondition held; the file was " + describe(was));
    return;
  }
  if(status >= 200 && status < 300) {
    if(! core::may_write(who, path)) {
      fail(request_line(x) + ": applied for " + who.name + ", whose grants do not let it write there");
      return;
    }
    if(expected == outcome::precondition_failed) {
      fail(request_line(x) + ": applied although its precondition failed; it replaced " + describe(was) +
           (mtime ? " last modified " + core::format_http_date(*mtime) : std::string()));
      return;
    }
    if(base) {
      http::fields as_based;
      base->apply(as_based);
      if(expected_write(x.method, as_based, current, mtime) == outcome::precondition_failed) {
        fail(request_line(x) + ": a replay overwrote a version its outbox entry was not based on; it replaced " +
             describe(was));
        return;
      }
    }
    if(expected == outcome::not_found) {
      fail(request_line(x) + ": deleted a file that did not exist");
      return;
    }
    if(x.method == http::verb::put) {
      bool const created = it == files_.end();
      if(created != (status == 201))
        fail(request_line(x) + ": status says " + (status == 201 ? "created" : "replaced") + " but the file was " +
             describe(was));
      if(auto tag = header(x.response.headers, http::field::etag); ! tag || *tag != tag_of(x.request_body).to_string())
        fail(request_line(x) + ": the answer's ETag is not the tag of the bytes written");
    }
    remember(path);
    auto const now = on_disk(path);
    auto const want = x.method == http::verb::put ? state(x.request_body) : state();
    if(now != want)
      fail(request_line(x) + ": acknowledged, but the disk holds " + describe(now));
    return;
  }
  if(status == 404 && it != files_.end()) {
    fail(request_line(x) + ": 404 for a file that exists: " + describe(was));
    return;
  }
  if(auto const now = on_disk(path); now != was)
    fail(request_line(x) + ": refused, yet the file changed from " + describe(was) + " to " + describe(now));
}

void
master_model::judge_read(const exchange& x, const core::repo_path& path, const core::principal& who)
{
  auto const it = files_.find(std::string(path.str()));
  auto const status = x.response.status;
  if(! core::may_read(who, path)) {
    if(status != http::status::not_found && status != http::status::moved_permanently)
      fail(request_line(x) + ": answered " + std::to_string(static_cast<unsigned>(status)) + " to " + who.name +
           ", whose grants do not cover it: outside a grant must look absent");
    return;
  }
  if(status == http::status::ok) {
    if(it == files_.end()) {
      fail(request_line(x) + ": served a file the model does not have");
      return;
    }
    if(x.response.body != it->second.bytes)
      fail(request_line(x) + ": served " + describe(x.response.body) + " instead of " + describe(it->second.bytes));
    else if(header(x.response.headers, http::field::etag) != tag_of(x.response.body).to_string())
      fail(request_line(x) + ": the ETag served is not the tag of the bytes served");
  } else if(status == http::status::not_modified) {
    auto const inm = header(x.request_headers, http::field::if_none_match);
    if(it == files_.end() || ! inm || ! core::parse_etag_condition(*inm) ||
       std::ranges::none_of(core::parse_etag_condition(*inm)->tags,
                            [&](auto const& t) { return weak_match(t, tag_of(it->second.bytes)); }))
      fail(request_line(x) + ": 304 although the client's tag is not current; the file is " +
           describe(it == files_.end() ? state() : state(it->second.bytes)));
  } else if(status == http::status::not_found && it != files_.end()) {
    fail(request_line(x) + ": 404 for a file that exists");
  }
}

void
master_model::judge_listing(const exchange& x, const core::repo_path& dir, const core::principal& who)
{
  if(x.response.status != http::status::ok)
    return;
  if(! core::is_visible(who, dir)) {
    fail(request_line(x) + ": listed a directory " + who.name + " may not see");
    return;
  }
  auto const content_type = header(x.response.headers, http::field::content_type);
  if(! content_type || ! content_type->starts_with("application/json"))
    return;
  auto const served = core::listing_from_json(x.response.body, dir);
  if(! served) {
    fail(request_line(x) + ": the listing does not parse: " + served.error().message());
    return;
  }
  auto const entries = master_.disk().list(dir);
  if(! entries) {
    fail(request_line(x) + ": listed a directory the disk cannot list");
    return;
  }
  std::vector<core::listing_entry> expected;
  for(auto const& e : *entries) {
    auto const child = dir.child(e.name);
    if(! child)
      continue; // reserved names are never listed
    if(! core::is_visible(who, *child) || (e.stat.kind == env::file_kind::regular && ! core::may_read(who, *child)))
      continue; // outside the caller's grants: as if absent
    core::listing_entry le{e.name, e.stat.kind, e.stat.size, e.stat.mtime, std::nullopt};
    if(e.stat.kind == env::file_kind::regular) {
      le.sha256 = digest_of(on_disk(*child).value_or(""));
      le.etag = core::content_etag(*le.sha256);
    }
    expected.push_back(std::move(le));
  }
  std::ranges::sort(expected, {}, &core::listing_entry::name);
  if(served->entries == expected)
    return;
  auto const n = std::min(expected.size(), served->entries.size());
  std::size_t i = 0;
  while(i < n && expected[i] == served->entries[i])
    ++i;
  fail(request_line(x) + ": the listing disagrees with the disk at entry " + std::to_string(i) + " (" +
       (i < served->entries.size() ? served->entries[i].name : "<none>") + " listed, " +
       (i < expected.size() ? expected[i].name : "<none>") + " on disk)");
}

void
master_model::on_external_change(const external_change& c)
{
  if(c.where == &master_)
    remember(c.path);
}

void
master_model::on_crash(const node& n)
{
  if(&n != &master_)
    return;
  for(auto& [id, w] : in_flight_)
    uncertain_[w.path].push_back(std::move(w.outcome));
  in_flight_.clear();
  callers_.clear();
}

void
master_model::on_restart(const node& n)
{
  if(&n != &master_)
    return;
  compare_disk("after a restart", &uncertain_);
  uncertain_.clear();
  load_from_disk();
}

void
master_model::at_end()
{
  compare_disk("at the end", nullptr);
}

void
master_model::compare_disk(std::string_view when, const std::map<std::string, std::vector<state>>* also_allowed)
{
  std::map<std::string, std::string> disk;
  for(auto& [path, bytes] : master_.disk().snapshot().files)
    if(core::repo_path::parse(path))
      disk.emplace(path, std::move(bytes));

  auto check = [&](const std::string& path, const state& model, const state& actual) {
    if(model == actual)
      return true;
    if(also_allowed)
      if(auto it = also_allowed->find(path); it != also_allowed->end() && std::ranges::count(it->second, actual) > 0)
        return true;
    fail(std::string(when) + ": /" + path + " should be " + describe(model) + " but the disk holds " +
         describe(actual));
    return false;
  };
  for(auto const& [path, v] : files_) {
    auto const d = disk.find(path);
    if(! check(path, v.bytes, d == disk.end() ? state() : state(d->second)))
      return;
  }
  for(auto const& [path, bytes] : disk)
    if(! files_.contains(path) && ! check(path, state(), bytes))
      return;
}

} // namespace zddc::sim
