#include "sim/cache_node.hpp"

#include "sim/role_events.hpp"
#include "sim/upstream_env.hpp"

#include <zddc/cache/handler.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>

namespace zddc::sim {

namespace http = boost::beast::http;

namespace {

/// The clock of `wake_never_lands`: its sleeps cannot be cancelled, so a
/// race against a wake signal always waits the sleep out (DESIGN.md §3,
/// "the trap").
class uncancellable_clock {
public:
  explicit uncancellable_clock(virtual_clock& inner) : inner_(inner) {}
  env::time_point now() const { return inner_.now(); }
  boost::asio::awaitable<void>
  sleep_until(env::time_point t)
  {
    co_await inner_.async_sleep_until(
      t, boost::asio::bind_cancellation_slot(boost::asio::cancellation_slot(), boost::asio::use_awaitable));
  }

private:
  virtual_clock& inner_;
};

/// The transport of `replays_without_preconditions`.
class unguarded_transport {
public:
  explicit unguarded_transport(network::endpoint inner) : inner_(std::move(inner)) {}
  boost::asio::awaitable<result<env::upstream_response>>
  round_trip(env::upstream_request req, env::body_sink& sink)
  {
    if(req.headers.count(cache::outbox_entry_header)) {
      req.headers.erase(http::field::if_match);
      req.headers.erase(http::field::if_unmodified_since);
      req.headers.erase(http::field::if_none_match);
    }
    co_return co_await inner_.round_trip(std::move(req), sink);
  }

private:
  network::endpoint inner_;
};

/// The transports of `forgets_own_writes` and `drops_refused_entries`: each
/// rewrites the master's answer to a replayed entry the way a cache with
/// that bug would misread it.
class misreading_transport {
public:
  enum class misreading { own_write_in_412, refusal_as_success };

  misreading_transport(network::endpoint inner, misreading how) : inner_(std::move(inner)), how_(how) {}

  boost::asio::awaitable<result<env::upstream_response>>
  round_trip(env::upstream_request req, env::body_sink& sink)
  {
    bool const replay = req.headers.count(cache::outbox_entry_header) > 0;
    auto r = co_await inner_.round_trip(std::move(req), sink);
    if(! r || ! replay)
      co_return r;
    auto const status = static_cast<unsigned>(r->status);
    if(how_ == misreading::own_write_in_412 && status == 412)
      r->headers.erase(http::field::etag);
    if(how_ == misreading::refusal_as_success && status >= 400 && status < 500 && status != 401 && status != 408 &&
       status != 412 && status != 429 && status != 404)
      r->status = http::status::no_content;
    co_return r;
  }

private:
  network::endpoint inner_;
  misreading how_;
};

template<class Clock, class Transport>
using cache_env = upstream_env<Clock, node_filesystem, Transport>;

template<class Env>
class role_over final : public caching_role {
public:
  role_over(Env env, cache::config config, cache::replay_listener listener)
    : env_(std::move(env)), handler_(env_, std::move(config), std::move(listener))
  {
  }
  boost::asio::awaitable<served>
  serve(core::request& req) override
  {
    auto r = co_await handler_.handle(req);
    co_return materialize(std::move(r));
  }
  error_code
  open() override
  {
    if(auto ec = handler_.open())
      return ec;
    auto all = handler_.box().all(); // every entry must parse
    return all ? error_code() : all.error();
  }
  boost::asio::awaitable<void> replay_loop() override { return handler_.replay().run(); }
  void stop() override { handler_.replay().stop(); }
  std::size_t pending() override { return handler_.box().pending_count(); }

private:
  Env env_;
  cache::handler<Env> handler_;
};

} // namespace

cache_node::cache_node(std::string name, boost::asio::any_io_executor executor, virtual_clock& clock, trace& log,
                       network& net, node& master, cache::config config, cache_variant variant)
  : caching_node(std::move(name), std::move(executor), clock, log, net, master), config_(std::move(config)),
    variant_(variant)
{
  mark_down(); // restart() brings up the first incarnation
  (void)restart();
}

cache_node::~cache_node() = default;

error_code
cache_node::restart()
{
  revive();
  auto const d = variant_ == cache_variant::outbox_lies_about_fsync ? durability::lies : durability::honest;
  auto listener = [this](const cache::replay_event& e) { trace_.record(name(), describe(e)); };
  auto fs = [&] { return node_filesystem(disk_, *this, [this] { crash(); }, d); };
  std::unique_ptr<caching_role> role;
  auto const endpoint = net_.connect(*this, master_);
  switch(variant_) {
  case cache_variant::wake_never_lands:
    role = std::make_unique<role_over<cache_env<uncancellable_clock, network::endpoint>>>(
      cache_env<uncancellable_clock, network::endpoint>{uncancellable_clock(clock_), fs(), endpoint}, config_,
      listener);
    break;
  case cache_variant::replays_without_preconditions:
    role = std::make_unique<role_over<cache_env<clock_ref, unguarded_transport>>>(
      cache_env<clock_ref, unguarded_transport>{clock_ref(clock_), fs(),
                                                                             unguarded_transport(endpoint)},
      config_, listener);
    break;
  case cache_variant::drops_refused_entries:
  case cache_variant::forgets_own_writes: {
    auto const how = variant_ == cache_variant::forgets_own_writes ? misreading_transport::misreading::own_write_in_412
                                                                   : misreading_transport::misreading::refusal_as_success;
    role = std::make_unique<role_over<cache_env<clock_ref, misreading_transport>>>(
      cache_env<clock_ref, misreading_transport>{clock_ref(clock_), fs(), misreading_transport(endpoint, how)},
      config_, listener);
    break;
  }
  default:
    role = std::make_unique<role_over<cache_env<clock_ref, network::endpoint>>>(
      cache_env<clock_ref, network::endpoint>{clock_ref(clock_), fs(), endpoint}, config_,
      listener);
    break;
  }
  return launch(std::move(role));
}

} // namespace zddc::sim
