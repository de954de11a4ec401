#include "sim/master_node.hpp"

#include <zddc/core/credentials.hpp>

namespace zddc::sim {

namespace http = boost::beast::http;

namespace {

struct node_env {
  using clock_type = virtual_clock;
  using filesystem_type = node_filesystem;

  virtual_clock& clock_;
  node_filesystem fs_;

  clock_type& clock() { return clock_; }
  filesystem_type& fs() { return fs_; }
  struct no_guard {}; // one thread: a commit step never interleaves
  no_guard commit_guard() { return {}; }
};
static_assert(env::Environment<node_env>);

} // namespace

struct master_node::incarnation {
  incarnation(master_node& owner, durability d)
    : env{owner.clock_, node_filesystem(owner.disk_, owner, [&owner] { owner.crash(); }, d)},
      tree(std::make_shared<master::tree_index<node_filesystem>>(env.fs_)),
      handler(env, owner.options_.config, tree)
  {
    if(owner.options_.variant == master_variant::tree_misses_direct_edits)
      env.fs_.deafen();
  }
  node_env env;
  std::shared_ptr<master::tree_index<node_filesystem>> tree;
  master::handler<node_env> handler;
};

master_node::master_node(std::string name, virtual_clock& clock, trace& log, master_node_options options)
  : node(std::move(name)), clock_(clock), trace_(log), options_(std::move(options)),
    disk_([&clock] { return clock.now(); })
{
  restart();
}

master_node::~master_node() = default;

void
master_node::crash()
{
  if(! up())
    return;
  mark_down();
  if(! disk_.crashed())
    disk_.crash();
  trace_.record(name(), "crashed");
  if(crash_listener_)
    crash_listener_();
}

void
master_node::restart()
{
  if(disk_.crashed())
    disk_.restart();
  auto const d = options_.variant == master_variant::lies_about_fsync ? durability::lies : durability::honest;
  incarnations_.push_back(std::make_unique<incarnation>(*this, d));
  mark_up();
  if(incarnations_.size() > 1)
    trace_.record(name(), "restarted");
}

result<master::tree_ptr>
master_node::tree()
{
  ZDDC_ASSERT(up());
  return incarnations_.back()->tree->current(clock_.now());
}

const core::principal*
master_node::principal_of(const http::fields& headers) const
{
  if(auto it = headers.find(http::field::authorization); it != headers.end())
    if(auto token = core::bearer_from_authorization(it->value()))
      if(auto p = options_.tokens.find(*token); p != options_.tokens.end())
        return &p->second;
  return nullptr;
}

void
master_node::set_token(const std::string& token, std::optional<core::principal> who)
{
  if(who)
    options_.tokens.insert_or_assign(token, std::move(*who));
  else
    options_.tokens.erase(token);
}

boost::asio::awaitable<served>
master_node::serve(core::request& req)
{
  auto& current = *incarnations_.back();
  std::optional<core::principal> who; // a copy: the token table may change while this request runs
  if(auto const* p = principal_of(req.headers))
    who = *p;
  if(options_.variant == master_variant::ignores_if_unmodified_since)
    req.headers.erase(http::field::if_unmodified_since);
  auto r = co_await current.handler.handle(req, who ? &*who : nullptr);
  co_return materialize(std::move(r));
}

} // namespace zddc::sim
