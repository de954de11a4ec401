#include "sim/network.hpp"

#include <zddc/env/memory_bodies.hpp>

#include "sim/crash_error.hpp"

#include <array>
#include <cstring>

namespace zddc::sim {

namespace http = boost::beast::http;

boost::asio::awaitable<served>
node::serve(core::request&)
{
  served r;
  r.status = http::status::not_implemented;
  r.body = name_ + " serves nothing";
  co_return r;
}

namespace {

/// A request body as the server reads it: whole at once, or — on a slow
/// link — in small pieces with pauses, so the server stays suspended in the
/// middle of an upload while other things happen.
class arriving_body final : public core::request_body {
public:
  arriving_body(const std::string& bytes, virtual_clock& clock, rng& random, env::duration pause_max)
    : bytes_(bytes), clock_(clock), rng_(random), pause_max_(pause_max)
  {
  }

  std::optional<std::uint64_t> content_length() const override { return bytes_.size(); }

  boost::asio::awaitable<result<std::size_t>>
  read_some(std::span<std::byte> out) override
  {
    std::size_t limit = out.size();
    if(pause_max_ > env::duration::zero() && offset_ < bytes_.size()) {
      co_await clock_.sleep_until(clock_.now() + rng_.between(env::duration::zero(), pause_max_));
      limit = std::min<std::size_t>(limit, rng_.uniform(1, 64));
    }
    auto const n = std::min(limit, bytes_.size() - offset_);
    std::memcpy(out.data(), bytes_.data() + offset_, n);
    offset_ += n;
    co_return n;
  }

private:
  const std::string& bytes_;
  std::size_t offset_ = 0;
  virtual_clock& clock_;
  rng& rng_;
  env::duration pause_max_; // zero: no pauses
};

} // namespace

std::pair<std::string, std::string>
network::link_key(const node& a, const node& b)
{
  return a.name() < b.name() ? std::pair(a.name(), b.name()) : std::pair(b.name(), a.name());
}

void
network::partition(const node& a, const node& b)
{
  if(partitions_.insert(link_key(a, b)).second)
    trace_.record("net", "partition " + a.name() + " | " + b.name());
}

void
network::heal(const node& a, const node& b)
{
  if(partitions_.erase(link_key(a, b)))
    trace_.record("net", "heal " + a.name() + " | " + b.name());
}

void
network::heal_all()
{
  if(! partitions_.empty())
    trace_.record("net", "heal all");
  partitions_.clear();
}

bool
network::partitioned(const node& a, const node& b) const
{
  return partitions_.contains(link_key(a, b));
}

void
network::note(const exchange& x, std::string_view what)
{
  std::string line = "#" + std::to_string(x.id) + ' ';
  line += what;
  trace_.record("net", line);
}

boost::asio::awaitable<void>
network::pause(env::duration d)
{
  co_await clock_.sleep_until(clock_.now() + d);
}

boost::asio::awaitable<result<env::upstream_response>>
network::endpoint::round_trip(env::upstream_request request, env::body_sink& sink)
{
  co_return co_await net_->carry(*this, std::move(request), sink);
}

boost::asio::awaitable<result<env::upstream_response>>
network::carry(endpoint& e, env::upstream_request request, env::body_sink& sink)
{
  node& from = *e.from_;
  node& to = *e.to_;
  if(e.incarnation_ != from.incarnation())
    co_return sim_errc::crashed;
  auto x = open_exchange(from, to, request);
  if(! x)
    co_return x.error();
  if(auto ec = co_await reach(*x, from, to))
    co_return ec;
  if(auto ec = co_await answer(*x, from, to, request.body != nullptr))
    co_return ec;
  if(auto ec = co_await reply(e, *x, sink))
    co_return ec;
  co_return env::upstream_response{x->response.status, std::move(x->response.headers)};
}

result<exchange>
network::open_exchange(node& from, node& to, env::upstream_request& request)
{
  exchange x;
  x.id = next_id_++;
  x.from = &from;
  x.to = &to;
  x.method = request.method;
  x.target = request.target;
  x.request_headers = request.headers;
  if(request.body) {
    auto body = env::read_whole(*request.body);
    if(! body)
      return body.error();
    x.request_body = std::move(*body);
  }
  std::string line = from.name() + " -> " + to.name() + ' ';
  line += http::to_string(x.method);
  line += ' ';
  line += x.target.str();
  for(auto field : {http::field::if_match, http::field::if_none_match, http::field::if_unmodified_since})
    if(auto it = x.request_headers.find(field); it != x.request_headers.end()) {
      line += ' ';
      line += http::to_string(field);
      line += '=';
      line += it->value();
    }
  note(x, line);
  if(observer_)
    observer_->on_sent(x);
  return x;
}

boost::asio::awaitable<error_code>
network::reach(exchange& x, node& from, node& to)
{
  auto const half_rtt = latency();
  if(! to.up() || partitioned(from, to)) {
    co_await pause(2 * half_rtt);
    note(x, "refused");
    co_return errc::unreachable;
  }
  if(rng_.chance(profile_.drop_request)) {
    note(x, "dropped before delivery");
    co_await pause(profile_.timeout);
    co_return errc::timed_out;
  }
  co_await pause(half_rtt);
  if(! to.up() || partitioned(from, to)) {
    note(x, "refused on arrival");
    co_await pause(half_rtt);
    co_return errc::unreachable;
  }
  co_return error_code();
}

boost::asio::awaitable<error_code>
network::answer(exchange& x, node& from, node& to, bool has_body)
{
  if(rng_.chance(profile_.inject_5xx)) {
    x.response.status = http::status::bad_gateway;
    x.response.body = "injected by the simulated network";
    note(x, "502 injected");
    co_return error_code();
  }
  auto const server_incarnation = to.incarnation();
  arriving_body body(x.request_body, clock_, rng_,
                     rng_.chance(profile_.slow_body) ? profile_.slow_pause_max : env::duration::zero());
  core::request req{x.method, x.target, x.request_headers, has_body ? &body : nullptr};
  if(observer_)
    observer_->on_delivered(x);
  x.response = co_await to.serve(req);
  if(to.incarnation() != server_incarnation) {
    note(x, "reply lost: " + to.name() + " crashed while serving");
    co_await pause(profile_.timeout);
    co_return errc::timed_out;
  }
  if(observer_)
    observer_->on_served(x);
  note(x, "served " + std::to_string(static_cast<unsigned>(x.response.status)));
  if(rng_.chance(profile_.lose_reply) || partitioned(from, to)) {
    note(x, "reply lost");
    co_await pause(profile_.timeout);
    co_return errc::timed_out;
  }
  co_return error_code();
}

boost::asio::awaitable<error_code>
network::reply(endpoint& e, exchange& x, env::body_sink& sink)
{
  node const& from = *x.from;
  co_await pause(latency());
  if(e.incarnation_ != from.incarnation())
    co_return sim_errc::crashed;
  bool const slow = rng_.chance(profile_.slow_body);
  std::string_view rest = x.response.body;
  // A slow body comes in small pieces, but in no more than `slow_pieces_max`
  // (a whole tree of listings trickles in for a minute, not for hours).
  std::size_t const piece_min = (rest.size() + link_profile::slow_pieces_max - 1) / link_profile::slow_pieces_max;
  while(! rest.empty()) {
    auto const n =
      slow ? std::min<std::size_t>(rest.size(), std::max<std::size_t>(piece_min, rng_.uniform(1, 64))) : rest.size();
    if(slow)
      co_await pause(rng_.between(env::duration::zero(), profile_.slow_pause_max));
    if(e.incarnation_ != from.incarnation())
      co_return sim_errc::crashed;
    if(auto ec = sink.write(std::as_bytes(std::span(rest.data(), n))))
      co_return ec;
    rest.remove_prefix(n);
  }
  co_return error_code();
}

} // namespace zddc::sim
