#pragma once
/// @file
/// The simulated network: the Transport seam (env/transport.hpp) between
/// nodes of one world, in-process, under virtual time.
///
/// An exchange from node A to node B goes through these steps, each drawing
/// from the world's one generator:
/// 1. A partition between A and B, or B being down, refuses it after a
///    round-trip time: `errc::unreachable`.
/// 2. It may be dropped before delivery: A waits out its timeout and gets
///    `errc::timed_out`, and B never sees it.
/// 3. It may meet an injected 502 from "a proxy" in front of B.
/// 4. Otherwise B serves it (its body arriving slowly, in pieces, when the
///    profile says so). If B crashed meanwhile, or the reply is lost, or a
///    partition opened, A waits out its timeout: `errc::timed_out`, although
///    B may have applied it — the ambiguous outcome callers must tolerate.
/// 5. The reply reaches A after the latency, its body handed to A's sink in
///    pieces (slowly, sometimes). If A crashed meanwhile, `sim_errc::crashed`.
///
/// Observers see each exchange as B received it and as B answered it, at
/// the virtual instant it happened: that is where the checkers stand.

#include "sim/node.hpp"
#include "sim/random.hpp"
#include "sim/trace.hpp"
#include "sim/virtual_clock.hpp"

#include <zddc/env/transport.hpp>

#include <set>
#include <utility>

namespace zddc::sim {

using namespace std::chrono_literals;

/// How links behave. Probabilities are per exchange.
struct link_profile {
  env::duration latency_min = 1ms;
  env::duration latency_max = 40ms;
  env::duration timeout = 30s; // how long a caller waits for an exchange that was lost
  double drop_request = 0;
  double lose_reply = 0;
  double inject_5xx = 0;
  double slow_body = 0;           // a body moves in pieces with pauses
  env::duration slow_pause_max = 2s; // the longest pause between pieces
  static constexpr std::size_t slow_pieces_max = 64; // a longer body comes in bigger pieces
};

/// One request/response as it crossed the network.
struct exchange {
  std::uint64_t id = 0;
  const node* from = nullptr;
  const node* to = nullptr;
  boost::beast::http::verb method = boost::beast::http::verb::get;
  core::url_target target = core::encode(core::repo_path());
  boost::beast::http::fields request_headers;
  std::string request_body;
  served response; // set once the server answered
};

class network_observer {
public:
  virtual ~network_observer() = default;
  /// The client sent `x` (whether or not it will arrive).
  virtual void on_sent(const exchange&) {}
  /// The server is about to handle `x` (its body fully known).
  virtual void on_delivered(const exchange&) {}
  /// The server answered `x` (whether or not the reply will arrive).
  virtual void on_served(const exchange&) {}
};

class network {
public:
  network(virtual_clock& clock, rng& random, trace& log) : clock_(clock), rng_(random), trace_(log) {}

  void set_profile(const link_profile& p) { profile_ = p; }
  const link_profile& profile() const noexcept { return profile_; }
  void set_observer(network_observer* o) { observer_ = o; }

  void partition(const node& a, const node& b);
  void heal(const node& a, const node& b);
  void heal_all();
  bool partitioned(const node& a, const node& b) const;

  /// A Transport from `from` to `to`, valid for `from`'s current incarnation.
  class endpoint {
  public:
    boost::asio::awaitable<result<env::upstream_response>> round_trip(env::upstream_request request,
                                                                     env::body_sink& sink);

  private:
    friend class network;
    endpoint(network& net, node& from, node& to) : net_(&net), from_(&from), to_(&to), incarnation_(from.incarnation())
    {
    }
    network* net_;
    node* from_;
    node* to_;
    std::uint64_t incarnation_;
  };

  endpoint connect(node& from, node& to) { return endpoint(*this, from, to); }

  std::uint64_t exchanges() const noexcept { return next_id_ - 1; }

private:
  // One exchange, in its steps: sent (recorded, traced, observed), carried
  // to the server or not, answered or not, and the reply carried back.
  boost::asio::awaitable<result<env::upstream_response>> carry(endpoint& e, env::upstream_request request,
                                                               env::body_sink& sink);
  result<exchange> open_exchange(node& from, node& to, env::upstream_request& request);
  boost::asio::awaitable<error_code> reach(exchange& x, node& from, node& to);
  boost::asio::awaitable<error_code> answer(exchange& x, node& from, node& to, bool has_body);
  boost::asio::awaitable<error_code> reply(endpoint& e, exchange& x, env::body_sink& sink);
  boost::asio::awaitable<void> pause(env::duration d);
  env::duration latency() { return rng_.between(profile_.latency_min, profile_.latency_max); }
  void note(const exchange& x, std::string_view what);
  static std::pair<std::string, std::string> link_key(const node& a, const node& b);

  virtual_clock& clock_;
  rng& rng_;
  trace& trace_;
  link_profile profile_;
  network_observer* observer_ = nullptr;
  std::set<std::pair<std::string, std::string>> partitions_;
  std::uint64_t next_id_ = 1;
};

static_assert(env::Transport<network::endpoint>);

} // namespace zddc::sim
