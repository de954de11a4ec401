#include "sim/client_actor.hpp"

#include <zddc/core/http_date.hpp>
#include <zddc/core/listing.hpp>
#include <zddc/env/memory_bodies.hpp>

#include <algorithm>
#include <array>
#include <iterator>

namespace zddc::sim {

namespace http = boost::beast::http;

client_actor::client_actor(std::string name, network& net, virtual_clock& clock, rng& random, trace& log,
                           options opts)
  : node(std::move(name)), net_(net), clock_(clock), rng_(random), trace_(log), options_(std::move(opts))
{
}

boost::asio::awaitable<void>
client_actor::run(node& server, std::vector<core::repo_path> files, std::vector<core::repo_path> dirs,
                  env::time_point until)
{
  auto const in_scope = [this](const core::repo_path& p) { return p.is_within(options_.scope); };
  std::ranges::copy_if(files, std::inserter(files_, files_.end()), in_scope);
  std::ranges::copy_if(dirs, std::inserter(dirs_, dirs_.end()), in_scope);
  dirs_.insert(options_.scope);
  auto link = net_.connect(*this, server);
  for(;;) {
    co_await clock_.sleep_until(clock_.now() + rng_.around(options_.think_mean));
    if(clock_.now() >= until)
      co_return;
    co_await step(link);
  }
}

const core::repo_path&
client_actor::any_of(const std::set<core::repo_path>& from)
{
  return *std::next(from.begin(), static_cast<std::ptrdiff_t>(rng_.index(from.size())));
}

boost::asio::awaitable<void>
client_actor::step(network::endpoint& server)
{
  auto const roll = rng_.uniform(0, 99);
  if(roll < 10 || files_.empty()) {
    co_await list(server, any_of(dirs_));
    co_return;
  }
  if(roll < 82 && roll >= 70) {
    co_await write(server, new_path(), 3);
    co_return;
  }
  auto const path = any_of(files_);
  bool const known = seen_.contains(path);
  if(roll < 40 || ! known)
    co_await read(server, path, known && roll >= 34);
  else if(roll < 60 || (roll >= 82 && roll < 92))
    co_await write(server, path, 0); // If-Match
  else if(roll < 67)
    co_await write(server, path, 1); // If-Unmodified-Since
  else if(roll < 70)
    co_await write(server, path, 2); // unconditional
  else
    co_await remove(server, path);
}

boost::asio::awaitable<client_actor::answer>
client_actor::send(network::endpoint& server, http::verb method, core::url_target target, http::fields headers,
                   std::optional<std::string> body)
{
  headers.set(http::field::authorization, "Bearer " + options_.token);
  std::optional<env::string_source> source;
  if(body)
    source.emplace(std::move(*body));
  env::upstream_request req{method, target, std::move(headers), source ? &*source : nullptr};
  env::string_sink sink;
  // Not `answer a{co_await ...}`: GCC 12 miscompiles a co_await inside a
  // braced initializer with non-trivial members (a double free).
  auto head = co_await server.round_trip(std::move(req), sink);
  answer a{std::move(head), sink.take()};
  std::string line(http::to_string(method));
  line += ' ';
  line += target.str();
  line += " -> ";
  if(a.head)
    line += std::to_string(static_cast<unsigned>(a.head->status));
  else {
    line += a.head.error().message();
    ++stats_.transport_errors;
  }
  trace_.record(name(), line);
  co_return a;
}

void
client_actor::learn(const core::repo_path& p, const http::fields& h)
{
  auto const etag = h.find(http::field::etag);
  auto const date = h.find(http::field::last_modified);
  if(etag == h.end() || date == h.end()) {
    seen_.erase(p);
    return;
  }
  seen_[p] = seen{std::string(etag->value()), std::string(date->value())};
}

boost::asio::awaitable<void>
client_actor::read(network::endpoint& server, const core::repo_path& p, bool conditional)
{
  ++stats_.reads;
  http::fields h;
  if(conditional)
    h.set(http::field::if_none_match, seen_[p].etag);
  auto const a = co_await send(server, http::verb::get, core::encode(p), std::move(h));
  if(! a.head)
    co_return;
  if(a.head->status == http::status::ok)
    learn(p, a.head->headers);
  else if(a.head->status == http::status::not_found)
    seen_.erase(p);
}

boost::asio::awaitable<void>
client_actor::list(network::endpoint& server, const core::repo_path& dir)
{
  ++stats_.reads;
  http::fields h;
  h.set(http::field::accept, "application/json");
  if(auto it = listing_tags_.find(dir); it != listing_tags_.end() && rng_.chance(0.5))
    h.set(http::field::if_none_match, it->second);
  auto const a = co_await send(server, http::verb::get, core::encode(dir, core::target_form::directory), std::move(h));
  if(! a.head || a.head->status != http::status::ok)
    co_return;
  auto const l = core::listing_from_json(a.body, dir);
  if(! l)
    co_return;
  if(auto tag = a.head->headers.find(http::field::etag); tag != a.head->headers.end())
    listing_tags_[dir] = std::string(tag->value());
  for(auto const& e : l->entries) {
    auto const child = dir.child(e.name);
    if(! child)
      continue;
    if(e.kind == core::file_kind::directory) {
      dirs_.insert(*child);
    } else {
      files_.insert(*child);
      if(e.etag)
        seen_[*child] = seen{e.etag->to_string(), core::format_http_date(e.mtime)};
    }
  }
}

boost::asio::awaitable<void>
client_actor::write(network::endpoint& server, const core::repo_path& p, int how)
{
  ++stats_.writes;
  http::fields h;
  switch(how) {
  case 0: h.set(http::field::if_match, seen_[p].etag); break;
  case 1: h.set(http::field::if_unmodified_since, seen_[p].last_modified); break;
  case 3: h.set(http::field::if_none_match, "*"); break;
  default: break;
  }
  auto const a = co_await send(server, http::verb::put, core::encode(p), std::move(h), new_body());
  if(! a.head) {
    seen_.erase(p); // it may or may not have happened
    co_return;
  }
  auto const status = a.head->status;
  if(status == http::status::accepted) { // queued by a cache: acknowledged, version unknown yet
    ++stats_.acknowledged;
    files_.insert(p);
    seen_.erase(p);
  } else if(status == http::status::created || status == http::status::no_content) {
    ++stats_.acknowledged;
    files_.insert(p);
    for(auto d = p.parent(); d != options_.scope && d.is_within(options_.scope); d = d.parent())
      dirs_.insert(d);
    learn(p, a.head->headers);
  } else {
    if(status == http::status::precondition_failed)
      ++stats_.conflicts;
    seen_.erase(p);
  }
}

boost::asio::awaitable<void>
client_actor::remove(network::endpoint& server, const core::repo_path& p)
{
  ++stats_.writes;
  http::fields h;
  h.set(http::field::if_match, seen_[p].etag);
  auto const a = co_await send(server, http::verb::delete_, core::encode(p), std::move(h));
  seen_.erase(p);
  if(! a.head)
    co_return;
  if(a.head->status == http::status::no_content || a.head->status == http::status::accepted)
    ++stats_.acknowledged;
  else if(a.head->status == http::status::precondition_failed)
    ++stats_.conflicts;
}

std::string
client_actor::new_body()
{
  if(! bodies_.empty() && rng_.chance(0.15))
    return rng_.pick(bodies_); // the same bytes again: equal ETags must be harmless
  static constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 \n%PDF-";
  std::string body = name() + " #" + std::to_string(++counter_) + ' ';
  auto const n = rng_.uniform(0, 300);
  for(std::uint64_t i = 0; i < n; ++i)
    body += alphabet[rng_.index(alphabet.size())];
  bodies_.push_back(body);
  return body;
}

core::repo_path
client_actor::new_path()
{
  // Names a person types: spaces, parentheses, '#', '%', '+', '&', quotes,
  // '?', accents composed and decomposed.
  static constexpr std::array<std::string_view, 8> stems = {
    "Note",          "Markup (rev B) #",         "50% + 25% & more", "Caf\xC3\xA9 plan",
    "Cafe\xCC\x81 plan", "O'Brien's list", "Q? and A", "ABC-XYZ-0001_B (IFA) - Title"};
  auto const n = ++counter_;
  std::string name(stems[rng_.index(stems.size())]);
  name += ' ' + this->name() + '-' + std::to_string(n) + (rng_.chance(0.5) ? ".pdf" : ".txt");
  auto dir = any_of(dirs_);
  if(rng_.chance(0.2))
    dir = *dir.child("Folder " + this->name() + '-' + std::to_string(n));
  return *dir.child(name);
}

} // namespace zddc::sim
