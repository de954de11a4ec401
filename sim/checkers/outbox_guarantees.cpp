#include "sim/checkers/outbox_guarantees.hpp"

#include <zddc/cache/config.hpp>
#include <zddc/cache/outbox.hpp>
#include <zddc/core/listing.hpp>
#include <zddc/core/sha256.hpp>

namespace zddc::sim {

namespace http = boost::beast::http;

namespace {

std::optional<std::string>
entry_named(const http::fields& h)
{
  auto it = h.find(cache::outbox_entry_header);
  return it == h.end() ? std::nullopt : std::optional<std::string>(std::string(it->value()));
}

std::string
tag_of(std::string_view bytes)
{
  core::sha256 h;
  h.update(bytes);
  return core::content_etag(h.finish()).to_string();
}

} // namespace

outbox_guarantees::outbox_guarantees(const virtual_clock& clock, const master_node& master,
                                     std::vector<caching_node*> caches, env::duration bound)
  : checker("outbox"), clock_(clock), master_(master), caches_(std::move(caches)), bound_(bound)
{
  for(auto* c : caches_)
    update_reachability(*c);
}

caching_node*
outbox_guarantees::cache_of(const node* n) const
{
  for(auto* c : caches_)
    if(c == n)
      return c;
  return nullptr;
}

void
outbox_guarantees::update_reachability(caching_node& c)
{
  auto& s = state_[&c];
  bool const reachable = c.up() && master_.up() && ! s.partitioned;
  if(! reachable)
    s.reachable_since.reset();
  else if(! s.reachable_since)
    s.reachable_since = clock_.now();
}

void
outbox_guarantees::on_sent(const exchange& x)
{
  if(auto* c = cache_of(x.from); c && x.to == &master_ && entry_named(x.request_headers))
    state_[c].last_attempt = clock_.now();
}

void
outbox_guarantees::on_served(const exchange& x)
{
  if(auto* c = cache_of(x.to); c && (x.method == http::verb::put || x.method == http::verb::delete_) &&
                                  x.response.status == http::status::accepted) {
    if(auto id = entry_named(x.response.headers)) {
      std::string what(http::to_string(x.method));
      what += ' ';
      what += x.target.str();
      acked_[*id] = acked_write{c, std::move(what), clock_.now(), false, false};
    }
  }
  if(auto* c = cache_of(x.from); c && x.to == &master_) {
    if(auto id = entry_named(x.request_headers); id && acked_.contains(*id)) {
      auto& a = acked_[*id];
      auto const status = static_cast<unsigned>(x.response.status);
      auto const etag = x.response.headers.find(http::field::etag);
      bool const own = x.method == http::verb::put && etag != x.response.headers.end() &&
                       etag->value() == tag_of(x.request_body);
      state_[c].credentials_refused = status == 401;
      if(status == 412)
        a.last_412_own = own;
      if((status >= 200 && status < 300) || (status == 412 && own) ||
         (status == 404 && x.method == http::verb::delete_)) {
        a.settled = a.landed = true;
      } else if(status >= 400 && status < 500 && status != 401 && status != 408 && status != 429) {
        a.settled = true; // a conflict (412) or a rejection: the cache must keep it
      }
    }
  }
  check_liveness();
}

void
outbox_guarantees::on_crash(const node& n)
{
  if(auto* crashed = cache_of(&n))
    update_reachability(*crashed);
  else if(&n == &master_)
    for(auto* c : caches_)
      update_reachability(*c);
}

void
outbox_guarantees::on_restart(const node& n)
{
  if(&n == &master_) {
    for(auto* c : caches_)
      update_reachability(*c);
    return;
  }
  auto* c = cache_of(&n);
  if(! c)
    return;
  update_reachability(*c);
  for(auto const& [id, a] : acked_)
    if(a.cache == c && ! a.settled && ! on_disk(*c, id, kept_as::pending)) {
      fail("acknowledged write lost: " + a.what + " (entry " + id + ", answered 202) is gone from " + c->name() +
           "'s outbox after a restart");
      return;
    }
}

void
outbox_guarantees::on_link(const node& a, const node& b, bool up)
{
  for(auto* c : caches_)
    if((&a == c && &b == &master_) || (&b == c && &a == &master_)) {
      state_[c].partitioned = ! up;
      update_reachability(*c);
    }
}

void
outbox_guarantees::check_liveness()
{
  for(auto const& [id, a] : acked_) {
    if(a.settled)
      continue;
    auto const& s = state_[a.cache];
    if(! s.reachable_since)
      continue;
    auto const since = std::max({*s.reachable_since, s.last_attempt, a.at});
    if(clock_.now() - since > bound_) {
      fail(a.cache->name() + " sat on " + a.what + " (entry " + id + ") for " +
           std::to_string(std::chrono::duration_cast<std::chrono::seconds>(clock_.now() - since).count()) +
           " s with the master reachable, sending nothing");
      return;
    }
  }
}

bool
outbox_guarantees::on_disk(caching_node& c, const std::string& id, kept_as how)
{
  auto const entries = c.disk().list(cache::outbox_root());
  if(! entries)
    return false;
  for(auto const& e : *entries) {
    if(how == kept_as::pending && e.name == id)
      return cache::is_outbox_id(id) && c.disk().stat(cache::outbox_meta_path(id)).has_value();
    auto const parts = cache::split_refused_name(e.name);
    if(parts && parts->first == id &&
       (how == kept_as::refused || (how == kept_as::conflict && parts->second.kind == cache::refusal_kind::conflict)))
      return true;
  }
  return false;
}

void
outbox_guarantees::at_end()
{
  for(auto const& [id, a] : acked_) {
    if(a.last_412_own && on_disk(*a.cache, id, kept_as::conflict)) {
      fail("false conflict: " + a.what + " (entry " + id +
           ") is kept as a conflict, but the master's 412 carried the tag of its own bytes (a lost acknowledgement)");
      return;
    }
    if(a.landed)
      continue;
    if(a.settled && on_disk(*a.cache, id, kept_as::refused))
      continue; // kept as a conflict or a rejection, for a person to settle
    if(! a.settled && state_[a.cache].credentials_refused && on_disk(*a.cache, id, kept_as::pending))
      continue; // waiting for the cache's credentials to be put right
    fail(a.settled ? "acknowledged write lost: " + a.what + " (entry " + id +
                       ") was refused by the master but is not kept as a conflict or a rejection"
                   : "acknowledged write never reached the master: " + a.what + " (entry " + id +
                       ") after the world healed" +
                       (on_disk(*a.cache, id, kept_as::pending) ? " (still in the outbox)" : " (gone from the outbox)"));
    return;
  }
}

} // namespace zddc::sim
