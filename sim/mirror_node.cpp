#include "sim/mirror_node.hpp"

#include "sim/node_env.hpp"
#include "sim/role_events.hpp"

#include <zddc/mirror/handler.hpp>

#include <boost/asio/co_spawn.hpp>

// Compiled once, in cache_node.cpp.
extern template class zddc::cache::handler<zddc::sim::node_env>;

namespace zddc::sim {

namespace {

class mirror_role : public caching_role {
public:
  virtual boost::asio::awaitable<std::optional<mirror::walk_stats>> walk_now(core::repo_path subtree) = 0;
  virtual bool walking(const core::repo_path& subtree) = 0;
};

class role_over final : public mirror_role {
public:
  role_over(node_env env, cache::config cache_settings, mirror::config config, boost::asio::any_io_executor executor,
            cache::replay_listener replays, mirror::walk_listener walks)
    : env_(std::move(env)),
      handler_(env_, std::move(cache_settings), std::move(config), std::move(executor), std::move(replays), std::move(walks))
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
    // A state file that does not parse is replaced, not fatal, for the
    // role; but a crash must never leave one (DESIGN.md §4, invariant 6).
    if(auto ec = handler_.walks().state_problem())
      return ec;
    auto all = handler_.cache().box().all(); // every outbox entry must parse
    return all ? error_code() : all.error();
  }
  boost::asio::awaitable<void> replay_loop() override { return handler_.cache().replay().run(); }
  void
  stop() override
  {
    handler_.cache().replay().stop();
    handler_.walks().stop();
  }
  std::size_t pending() override { return handler_.cache().box().pending_count(); }
  boost::asio::awaitable<std::optional<mirror::walk_stats>>
  walk_now(core::repo_path subtree) override
  {
    return handler_.walks().walk_now(std::move(subtree));
  }
  bool walking(const core::repo_path& subtree) override { return handler_.walks().in_flight(subtree); }

private:
  node_env env_;
  mirror::handler<node_env> handler_;
};

} // namespace

mirror_node::mirror_node(std::string name, boost::asio::any_io_executor executor, virtual_clock& clock, trace& log,
                         network& net, node& master, cache::config cache_settings, mirror::config config,
                         mirror_variant variant)
  : caching_node(std::move(name), std::move(executor), clock, log, net, master), cache_settings_(std::move(cache_settings)),
    config_(std::move(config)), variant_(variant)
{
  if(variant_ == mirror_variant::no_retries)
    config_.retries = 0;
  if(variant_ == mirror_variant::incomplete_walk_holds_the_interval)
    config_.retry_interval = config_.min_interval;
  if(variant_ == mirror_variant::vouches_early)
    config_.tree = config_.vouch_early = true;
  mark_down(); // restart() brings up the first incarnation
  (void)restart();
}

mirror_node::~mirror_node() = default;

error_code
mirror_node::restart()
{
  revive();
  auto replays = [this](const cache::replay_event& e) { trace_.record(name(), describe(e)); };
  auto walks = [this, current = node::incarnation()](const mirror::walk_event& e) {
    trace_.record(name(), describe(e));
    if(walk_listener_ && node::incarnation() == current)
      walk_listener_(e);
  };
  auto const names =
    variant_ == mirror_variant::keys_disk_by_encoded_name ? disk_names::url_encoded : disk_names::as_given;
  node_filesystem fs(disk_, *this, [this] { crash(); }, durability::honest, names);
  fs.on_remove([this](const core::store_path& p, env::file_kind k) {
    if(removal_listener_)
      removal_listener_(p, k);
  });
  auto const misreading = variant_ == mirror_variant::purges_when_a_listing_fails
                            ? node_transport::misreading::failure_as_empty_listing
                            : node_transport::misreading::none;
  auto role = std::make_unique<role_over>(
    node_env{node_clock(clock_), std::move(fs), node_transport(net_.connect(*this, master_), misreading)},
    cache_settings_, config_, executor_, replays, walks);
  return launch(std::move(role));
}

boost::asio::awaitable<std::optional<mirror::walk_stats>>
mirror_node::walk_now(core::repo_path subtree)
{
  return static_cast<mirror_role&>(current()).walk_now(std::move(subtree)); // a mirror launches only mirror roles
}

bool
mirror_node::walking(const core::repo_path& subtree) const
{
  return has_incarnation() && static_cast<mirror_role&>(current()).walking(subtree);
}

} // namespace zddc::sim
