#include "sim/cache_node.hpp"

#include "sim/role_events.hpp"
#include "sim/node_env.hpp"

#include <zddc/cache/handler.hpp>

#include <boost/asio/co_spawn.hpp>

// Every cache in every world runs this one instantiation; mirror_node.cpp
// reuses it for the cache inside each mirror.
template class zddc::cache::handler<zddc::sim::node_env>;

namespace zddc::sim {

namespace {

class role_over final : public caching_role {
public:
  role_over(node_env env, cache::config config, cache::replay_listener listener)
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
  node_env env_;
  cache::handler<node_env> handler_;
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
  auto const sleeps =
    variant_ == cache_variant::wake_never_lands ? node_clock::sleeps::uncancellable : node_clock::sleeps::cancellable;
  auto misreading = node_transport::misreading::none;
  if(variant_ == cache_variant::replays_without_preconditions)
    misreading = node_transport::misreading::replay_preconditions_dropped;
  if(variant_ == cache_variant::forgets_own_writes)
    misreading = node_transport::misreading::own_write_in_412;
  if(variant_ == cache_variant::drops_refused_entries)
    misreading = node_transport::misreading::refusal_as_success;
  auto role = std::make_unique<role_over>(
    node_env{node_clock(clock_, sleeps), node_filesystem(disk_, *this, [this] { crash(); }, d),
             node_transport(net_.connect(*this, master_), misreading)},
    config_, listener);
  return launch(std::move(role));
}

} // namespace zddc::sim
