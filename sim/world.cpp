#include "sim/world.hpp"

#include "fixtures/generator.hpp"
#include "fixtures/write.hpp"
#include "sim/checkers/master_model.hpp"
#include "sim/checkers/mirror_convergence.hpp"
#include "sim/checkers/mirror_liveness.hpp"
#include "sim/checkers/mirror_safety.hpp"
#include "sim/checkers/name_encoding.hpp"
#include "sim/checkers/outbox_guarantees.hpp"
#include "sim/checkers/tree_tags.hpp"
#include "sim/external_editor.hpp"
#include "sim/scheduler.hpp"

#include <zddc/cache/outbox.hpp>
#include <zddc/env/durable.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <array>
#include <map>
#include <exception>
#include <memory>
#include <stdexcept>

namespace zddc::sim {

using namespace std::chrono_literals;

namespace {

constexpr link_profile calm_links{};
constexpr link_profile lossy_links{
  .latency_min = 1ms,
  .latency_max = 250ms,
  .timeout = 30s,
  .drop_request = 0.02,
  .lose_reply = 0.03,
  .inject_5xx = 0.02,
  .slow_body = 0.05,
  .slow_pause_max = 2s,
};

/// A bad link and nothing else: what a site office's VPN is like.
constexpr link_profile bad_links{
  .latency_min = 1ms,
  .latency_max = 250ms,
  .timeout = 30s,
  .drop_request = 0.05,
  .inject_5xx = 0.05,
};

constexpr std::array profiles{
  fault_profile{.name = "none",
                .about = "no faults: latency only, and a person editing on the master",
                .link = calm_links,
                .edit_every = 20min},
  fault_profile{.name = "network",
                .about = "lossy links (drops, lost replies, 502s, slow bodies) and partitions",
                .link = lossy_links,
                .partition_every = 2h,
                .partition_min = 10s,
                .partition_max = 30min,
                .edit_every = 20min,
                .walk_window = 15min},
  fault_profile{.name = "crash",
                .about = "crashes of the master, the caches and the mirrors, at an instant or inside a filesystem step",
                .link = calm_links,
                .crash_every = 3h,
                .crash_mid_step = 0.5,
                .downtime_min = 1s,
                .downtime_max = 5min,
                .edit_every = 20min},
  fault_profile{.name = "default",
                .about = "everything: lossy links, partitions and crashes",
                .link = lossy_links,
                .partition_every = 2h,
                .partition_min = 10s,
                .partition_max = 30min,
                .crash_every = 3h,
                .crash_mid_step = 0.5,
                .downtime_min = 1s,
                .downtime_max = 5min,
                .edit_every = 20min,
                .walk_window = 15min},
  fault_profile{.name = "credentials",
                .about = "everything, and operators changing what caches may do: grants narrowed and tokens "
                         "revoked and rotated while writes wait in their outboxes",
                .link = lossy_links,
                .partition_every = 1h,
                .partition_min = 10s,
                .partition_max = 30min,
                .crash_every = 3h,
                .crash_mid_step = 0.5,
                .downtime_min = 1s,
                .downtime_max = 5min,
                .edit_every = 20min,
                .regrant_every = 1h,
                .walk_window = 15min},
  fault_profile{.name = "lossy",
                .about = "a bad link and nothing else: 5 % of requests dropped and 5 % answered 502; the "
                         "mirrors' walks must still complete",
                .link = bad_links,
                .edit_every = 20min,
                .walk_window = 15min},
};

/// What an even mirror's token may read and write: one vendor's folder of
/// the fixture (beside `vendorAB`, which it must not see).
core::repo_path
vendor_grant()
{
  return *core::repo_path::parse("Vendors/vendorA");
}

/// Rethrows what a spawned coroutine threw, out of the run loop: a bug in
/// the world must stop the run, not vanish (asio::detached would drop it).
void
rethrow(std::exception_ptr e)
{
  if(e)
    std::rethrow_exception(e);
}

/// Not an invariant: counts the requests each mirror sends the master, to
/// show what walks cost it.
class load_meter final : public checker {
public:
  load_meter(const node& master, std::vector<const mirror_node*> mirrors) : checker("load"), master_(master)
  {
    for(auto const* m : mirrors)
      sent_[m] = 0;
  }
  void
  on_sent(const exchange& x) override
  {
    if(x.to != &master_ || frozen_)
      return;
    if(auto it = sent_.find(x.from); it != sent_.end())
      ++it->second;
  }
  std::uint64_t sent_by(const node& m) const { return sent_.at(&m); }
  /// The day is over: what follows (the heal, the final walks) is not counted.
  void freeze() noexcept { frozen_ = true; }

private:
  const node& master_;
  bool frozen_ = false;
  std::map<const node*, std::uint64_t> sent_;
};

class world {
public:
  explicit world(const world_options& options);
  world(const world&) = delete;
  world& operator=(const world&) = delete;
  /// Ends every coroutine while the nodes they refer to still live: drops
  /// what waits on the clock, runs what was already posted, until nothing
  /// is left (what it runs can only wait again, and be dropped again).
  ~world()
  {
    do
      clock_.abandon();
    while(io_.restart(), io_.poll() > 0);
  }
  run_summary run();

private:
  void add_master();
  void add_caches_and_mirrors();
  void add_checkers();
  void wire_faults();
  void add_people();
  boost::asio::awaitable<void> restart_master_later();
  boost::asio::awaitable<void> restart_later(caching_node& c);
  boost::asio::awaitable<void> partitions(env::time_point until);
  void set_link(node& a, node& b, bool up);
  std::optional<cache::write_base> replay_base(const exchange& x);
  boost::asio::awaitable<void> crashes(env::time_point until);
  boost::asio::awaitable<void> credential_changes(env::time_point until);
  void final_walks();
  void start_actors(env::time_point until);
  void heal_and_settle(env::time_point until);
  run_summary summary(env::time_point start);
  std::optional<mirror::walk_stats> walk_to_completion(mirror_node& m, const core::repo_path& subtree);
  boost::asio::awaitable<void> walk_on_timer(mirror_node& m, env::time_point until);
  void spawn(boost::asio::awaitable<void> work) { boost::asio::co_spawn(io_, std::move(work), rethrow); }

  world_options options_;
  const fault_profile& profile_;
  boost::asio::io_context io_;
  virtual_clock clock_{io_.get_executor()};
  rng rng_;
  trace trace_;
  network net_;
  checker_set checkers_;
  std::unique_ptr<master_node> master_;
  master_model* model_ = nullptr;
  outbox_guarantees* outbox_checker_ = nullptr;
  name_encoding* encoding_ = nullptr;
  mirror_convergence* convergence_ = nullptr;
  mirror_liveness* liveness_ = nullptr;
  mirror_safety* safety_ = nullptr;
  load_meter* load_ = nullptr;
  std::vector<std::unique_ptr<cache_node>> caches_;
  std::vector<std::unique_ptr<mirror_node>> mirrors_;
  std::vector<core::principal> mirror_bearers_; // what each mirror's token may do
  std::vector<caching_node*> caching_;          // the caches, then the mirrors
  std::vector<std::unique_ptr<client_actor>> clients_;
  std::vector<node*> servers_; // what each client works against
  std::unique_ptr<external_editor> editor_;
  fixtures::fixture_plan fixture_;
  std::uint64_t crashes_ = 0;
  std::uint64_t cache_crashes_ = 0;
  std::uint64_t mirror_crashes_ = 0;
  std::uint64_t partitions_ = 0;
  std::uint64_t credential_changes_ = 0;
  std::vector<walk_record> walks_;
  bool final_phase_ = false; // the world's last walks are running
};

const fault_profile&
profile_named(std::string_view name)
{
  auto const* p = find_fault_profile(name);
  if(! p)
    throw std::invalid_argument("unknown fault profile: " + std::string(name));
  return *p;
}

world::world(const world_options& options)
  : options_(options), profile_(profile_named(options.faults)), rng_(options.seed),
    trace_(clock_, options.echo), net_(clock_, rng_, trace_), checkers_(clock_),
    fixture_(fixtures::plan({}))
{
  add_master();
  add_caches_and_mirrors();
  add_checkers();
  wire_faults();
  add_people();
}

// The master over the fixture, with a token for everyone in the world.
void
world::add_master()
{
  master_node_options m;
  m.variant = options_.master;
  m.config.offer_tree = options_.trees == tree_use::everywhere ||
                        (options_.trees == tree_use::mixed && options_.seed % 5 != 0); // one world in five: an old master
  for(std::size_t i = 1; i <= options_.clients; ++i) {
    auto const name = "c" + std::to_string(i);
    m.tokens.emplace("token-" + name, core::principal::unrestricted(name));
  }
  for(std::size_t i = 1; i <= options_.caches; ++i) {
    auto const name = "cache" + std::to_string(i);
    m.tokens.emplace("token-" + name, core::principal::unrestricted(name));
  }
  for(std::size_t i = 1; i <= options_.mirrors; ++i) {
    auto const name = "mirror" + std::to_string(i);
    mirror_bearers_.push_back(i % 2 == 1 ? core::principal::unrestricted(name)
                                         : core::principal{name, {core::grant{vendor_grant(), core::access::write}}});
    m.tokens.emplace("token-" + name, mirror_bearers_.back());
  }
  master_ = std::make_unique<master_node>("master", clock_, trace_, std::move(m));
  if(auto ec = fixtures::write_fixture(master_->disk(), fixture_))
    throw std::runtime_error("writing the fixture: " + ec.message());
}

// Caches and mirrors in front of it, each with its own token.
void
world::add_caches_and_mirrors()
{
  for(std::size_t i = 1; i <= options_.caches; ++i) {
    auto const name = "cache" + std::to_string(i);
    cache::config c;
    c.bearer = "token-" + name;
    caches_.push_back(std::make_unique<cache_node>(name, io_.get_executor(), clock_, trace_, net_, *master_,
                                                   std::move(c), options_.cache));
    caching_.push_back(caches_.back().get());
  }
  for(std::size_t i = 1; i <= options_.mirrors; ++i) {
    auto const name = "mirror" + std::to_string(i);
    mirror::config c;
    c.subtrees = {i % 2 == 1 ? core::repo_path() : vendor_grant().parent()};
    c.min_interval = options_.mirror_min_interval;
    c.tree = options_.trees == tree_use::everywhere ||
             (options_.trees == tree_use::mixed && (options_.seed + i) % 3 != 0); // some walk directory by directory
    mirrors_.push_back(std::make_unique<mirror_node>(name, io_.get_executor(), clock_, trace_, net_, *master_,
                                                     cache::config{.bearer = "token-" + name}, std::move(c),
                                                     options_.mirror));
    caching_.push_back(mirrors_.back().get());
  }
}

// The checkers watch every exchange.
void
world::add_checkers()
{
  model_ = &static_cast<master_model&>(checkers_.add(
    std::make_unique<master_model>(*master_, [this](const exchange& x) { return replay_base(x); })));
  auto const liveness_bound = cache::config{}.retry_max + profile_.link.timeout + 30s;
  outbox_checker_ = &static_cast<outbox_guarantees&>(
    checkers_.add(std::make_unique<outbox_guarantees>(clock_, *master_, caching_, liveness_bound)));
  encoding_ = &static_cast<name_encoding&>(checkers_.add(std::make_unique<name_encoding>(*master_, caching_)));
  convergence_ = &static_cast<mirror_convergence&>(checkers_.add(std::make_unique<mirror_convergence>(*master_)));
  std::vector<const mirror_node*> mirrors;
  for(auto const& m : mirrors_)
    mirrors.push_back(m.get());
  liveness_ = &static_cast<mirror_liveness&>(
    checkers_.add(std::make_unique<mirror_liveness>(clock_, *master_, mirrors, profile_.walk_window)));
  safety_ = &static_cast<mirror_safety&>(checkers_.add(std::make_unique<mirror_safety>(*master_, mirrors)));
  checkers_.add(std::make_unique<tree_tags>(*master_, clock_));
  load_ = &static_cast<load_meter&>(checkers_.add(std::make_unique<load_meter>(*master_, mirrors)));

  net_.set_profile(profile_.link);
  net_.set_observer(&checkers_);
}

// Crashes restart later; a mirror's finished walks are recorded and scanned.
void
world::wire_faults()
{
  master_->on_crash([this] {
    ++crashes_;
    checkers_.on_crash(*master_);
    spawn(restart_master_later());
  });
  for(auto& c : caches_)
    c->on_crash([this, node = c.get()] {
      ++cache_crashes_;
      checkers_.on_crash(*node);
      spawn(restart_later(*node));
    });
  for(auto& mirror : mirrors_) {
    mirror->on_crash([this, node = mirror.get()] {
      ++mirror_crashes_;
      checkers_.on_crash(*node);
      spawn(restart_later(*node));
    });
    mirror->on_walk([this, node = mirror.get()](const mirror::walk_event& e) {
      if(e.step != mirror::walk_step::finished)
        return;
      walks_.push_back(walk_record{node->name(), e.subtree, e.stats, final_phase_});
      liveness_->on_walk(*node, e.subtree, e.stats);
      encoding_->scan(*node);
    });
    mirror->on_removal([this, node = mirror.get()](const core::store_path& p, env::file_kind k) {
      safety_->on_removed(*node, p, k);
    });
  }
}

// The people: at the master, at the caches, one at each mirror; and a
// person editing files on the master's disk.
void
world::add_people()
{
  for(std::size_t i = 1; i <= options_.clients; ++i) {
    auto const name = "c" + std::to_string(i);
    clients_.push_back(std::make_unique<client_actor>(name, net_, clock_, rng_, trace_,
                                                      client_actor::options{.token = "token-" + name}));
    bool const direct = caches_.empty() || i <= (options_.clients + 1) / 2;
    servers_.push_back(direct ? static_cast<node*>(master_.get())
                              : static_cast<node*>(caches_[(i - 1) % caches_.size()].get()));
  }
  for(std::size_t i = 1; i <= std::min(options_.mirrors, options_.mirror_people); ++i) {
    auto const name = "mc" + std::to_string(i); // a person at mirror i
    auto const scope = i % 2 == 1 ? core::repo_path() : vendor_grant(); // what the mirror's token may write
    clients_.push_back(std::make_unique<client_actor>(
      name, net_, clock_, rng_, trace_, client_actor::options{.token = "token-" + name, .scope = scope}));
    servers_.push_back(mirrors_[i - 1].get());
  }
  if(profile_.edit_every > env::duration::zero())
    editor_ = std::make_unique<external_editor>(*master_, clock_, rng_, trace_, checkers_, profile_.edit_every);
}

std::optional<cache::write_base>
world::replay_base(const exchange& x)
{
  auto const id = x.request_headers.find(cache::outbox_entry_header);
  if(id == x.request_headers.end())
    return std::nullopt;
  for(auto* c : caching_) {
    if(c != x.from)
      continue;
    if(! cache::is_outbox_id(id->value()))
      return std::nullopt;
    auto const text = env::read_all(c->disk(), cache::outbox_meta_path(id->value()), 1 << 16);
    if(! text)
      return std::nullopt;
    auto const e = cache::outbox_entry_from_json(*text);
    return e ? std::optional<cache::write_base>(e->base) : std::nullopt;
  }
  return std::nullopt;
}

void
world::set_link(node& a, node& b, bool up)
{
  if(up)
    net_.heal(a, b);
  else
    net_.partition(a, b);
  checkers_.on_link(a, b, up);
}

boost::asio::awaitable<void>
world::restart_later(caching_node& c)
{
  co_await clock_.sleep_until(clock_.now() + rng_.between(profile_.downtime_min, profile_.downtime_max));
  if(auto ec = c.restart())
    checkers_.violated("crash-safety", c.name() + "'s outbox" +
                                         (dynamic_cast<mirror_node*>(&c) ? " or walk state" : "") +
                                         " does not open after a crash: " + ec.message());
  checkers_.on_restart(c);
}

boost::asio::awaitable<void>
world::restart_master_later()
{
  co_await clock_.sleep_until(clock_.now() + rng_.between(profile_.downtime_min, profile_.downtime_max));
  master_->restart();
  checkers_.on_restart(*master_);
}

boost::asio::awaitable<void>
world::partitions(env::time_point until)
{
  std::vector<node*> edge; // everything that talks to the master
  for(std::size_t i = 0; i < clients_.size(); ++i)
    if(servers_[i] == master_.get())
      edge.push_back(clients_[i].get());
  for(auto* c : caching_)
    edge.push_back(c);
  if(edge.empty())
    co_return;
  for(;;) {
    co_await clock_.sleep_until(clock_.now() + rng_.around(profile_.partition_every));
    if(clock_.now() >= until)
      co_return;
    auto& cut = *edge[rng_.index(edge.size())];
    set_link(cut, *master_, false);
    ++partitions_;
    co_await clock_.sleep_until(clock_.now() + rng_.between(profile_.partition_min, profile_.partition_max));
    set_link(cut, *master_, true);
  }
}

boost::asio::awaitable<void>
world::crashes(env::time_point until)
{
  for(;;) {
    co_await clock_.sleep_until(clock_.now() + rng_.around(profile_.crash_every));
    if(clock_.now() >= until)
      co_return;
    auto const victim = rng_.index(caching_.size() + 1); // 0: the master
    node& n = victim == 0 ? static_cast<node&>(*master_) : *caching_[victim - 1];
    if(! n.up())
      continue;
    auto& disk = victim == 0 ? master_->disk() : caching_[victim - 1]->disk();
    if(rng_.chance(profile_.crash_mid_step)) {
      auto const steps = rng_.uniform(1, 40);
      disk.crash_after(steps);
      trace_.record("faults", n.name() + "'s disk will fail at its " + std::to_string(steps) + "th next write step");
    } else if(victim == 0) {
      master_->crash();
    } else {
      caching_[victim - 1]->crash();
    }
  }
}

// An operator at the master changes what a cache may do while its writes
// wait: either narrows its grant to one vendor's folder for a while (its
// replays elsewhere are refused, 403, and must be kept as rejections), or
// revokes its token (401: nothing is known about the writes, they must
// stay pending) and later issues a new one, which the cache gets at a
// restart. Every change is undone by the end of the day.
boost::asio::awaitable<void>
world::credential_changes(env::time_point until)
{
  for(std::uint64_t rotation = 1;; ++rotation) {
    co_await clock_.sleep_until(clock_.now() + rng_.around(profile_.regrant_every));
    if(clock_.now() >= until)
      co_return;
    auto& c = *caches_[rng_.index(caches_.size())];
    auto const full = core::principal::unrestricted(c.name());
    auto const back = std::min(until, clock_.now() + rng_.between(10min, 2h));
    ++credential_changes_;
    if(rng_.chance(0.5)) {
      master_->set_token(c.bearer(), core::principal{c.name(), {core::grant{vendor_grant(), core::access::write}}});
      trace_.record("operator", c.name() + "'s grant narrowed to /Vendors/vendorA");
      co_await clock_.sleep_until(back);
      master_->set_token(c.bearer(), full);
      trace_.record("operator", c.name() + "'s grant restored");
    } else {
      master_->set_token(c.bearer(), std::nullopt);
      trace_.record("operator", c.name() + "'s token revoked");
      co_await clock_.sleep_until(back);
      auto const fresh = "token-" + c.name() + "-r" + std::to_string(rotation);
      master_->set_token(fresh, full);
      c.set_bearer(fresh);
      trace_.record("operator", c.name() + " given a new token; restarting it");
      c.crash(); // an operator's restart: it comes back through restart_later, with the new token
    }
  }
}

// The alternative the design turned down, for comparison: every mirror
// walks each subtree every interval, whether anyone uses it or not.
boost::asio::awaitable<void>
world::walk_on_timer(mirror_node& m, env::time_point until)
{
  for(;;) {
    co_await clock_.sleep_until(clock_.now() + options_.mirror_min_interval);
    if(clock_.now() >= until)
      co_return;
    if(! m.up())
      continue;
    for(auto const& subtree : m.settings().subtrees)
      if(m.up())
        (void)co_await m.walk_now(subtree);
  }
}

std::optional<mirror::walk_stats>
world::walk_to_completion(mirror_node& m, const core::repo_path& subtree)
{
  auto const limit = clock_.now() + 1h;
  auto const healthy = [this] { return ! checkers_.first_violation(); };
  // A walk a person's request started may still be running: it ends first.
  run_while(io_, clock_, [&] { return healthy() && m.walking(subtree); }, limit);
  std::optional<std::optional<mirror::walk_stats>> out;
  boost::asio::co_spawn(io_, m.walk_now(subtree), [&out](std::exception_ptr e, std::optional<mirror::walk_stats> s) {
    rethrow(e);
    out = std::move(s);
  });
  run_while(io_, clock_, [&] { return healthy() && ! out; }, limit);
  if(! healthy())
    return std::nullopt;
  if(! out || ! *out) {
    checkers_.violated("convergence", m.name() + "'s final walk of /" + std::string(subtree.str()) +
                                        (out ? " could not start: another was still in flight an hour later"
                                             : " did not end within an hour of calm"));
    return std::nullopt;
  }
  return **out;
}

void
world::final_walks()
{
  final_phase_ = true;
  master_->disk().disarm(); // a fault armed during the day and never struck does not happen
  for(auto* c : caching_)
    c->disk().disarm();
  for(std::size_t i = 0; i < mirrors_.size() && ! checkers_.first_violation(); ++i) {
    auto& m = *mirrors_[i];
    convergence_->before_final_walks(m);
    for(auto const& subtree : m.settings().subtrees)
      if(auto const stats = walk_to_completion(m, subtree))
        convergence_->judge(m, mirror_bearers_[i], subtree, *stats);
  }
}

// The people, the editor and the faults, each a coroutine until `until`.
void
world::start_actors(env::time_point until)
{
  std::vector<core::repo_path> files;
  for(auto const& f : fixture_.files)
    files.push_back(f.path);
  for(std::size_t i = 0; i < clients_.size(); ++i)
    spawn(clients_[i]->run(*servers_[i], files, fixture_.directories, until));
  if(editor_)
    spawn(editor_->run(until));
  if(profile_.partition_every > env::duration::zero() && ! clients_.empty())
    spawn(partitions(until));
  if(profile_.crash_every > env::duration::zero())
    spawn(crashes(until));
  if(profile_.regrant_every > env::duration::zero() && ! caches_.empty())
    spawn(credential_changes(until));
  if(options_.mirror_timer)
    for(auto& m : mirrors_)
      spawn(walk_on_timer(*m, until));
}

// After the day: calm links, no partitions (crashed nodes come back on
// their own), and an hour to settle, in which what was promised must happen.
void
world::heal_and_settle(env::time_point until)
{
  net_.set_profile(link_profile{});
  std::vector<node*> edges;
  for(auto& c : clients_)
    edges.push_back(c.get());
  for(auto* c : caching_)
    edges.push_back(c);
  for(auto* edge : edges)
    if(net_.partitioned(*edge, *master_))
      set_link(*edge, *master_, true);
  run_while(io_, clock_, [this] { return ! checkers_.first_violation(); }, until + 1h);
}

run_summary
world::run()
{
  auto const start = clock_.now();
  auto const until = start + options_.length;
  start_actors(until);
  auto const healthy = [this] { return ! checkers_.first_violation(); };
  bool const day_done = run_while(io_, clock_, healthy, until);
  load_->freeze();
  if(day_done)
    heal_and_settle(until);
  if(healthy()) {
    ZDDC_ASSERT(master_->up());
    for(auto* c : caching_)
      ZDDC_ASSERT(c->up());
    checkers_.at_end();
  }
  if(healthy())
    final_walks();
  return summary(start);
}

run_summary
world::summary(env::time_point start)
{
  run_summary s;
  s.seed = options_.seed;
  s.trace_hash = trace_.hash();
  s.events = trace_.events();
  s.exchanges = net_.exchanges();
  s.master_crashes = crashes_;
  s.cache_crashes = cache_crashes_;
  s.mirror_crashes = mirror_crashes_;
  s.walks = walks_;
  s.queued = outbox_checker_->acknowledged();
  s.refused_kept = outbox_checker_->refused();
  s.credential_changes = credential_changes_;
  s.partitions = partitions_;
  s.external_edits = editor_ ? editor_->edits() : 0;
  s.writes_judged = model_->judged();
  for(std::size_t i = 0; i < mirrors_.size(); ++i)
    (i < options_.mirror_people ? s.mirror_requests_used : s.mirror_requests_idle) += load_->sent_by(*mirrors_[i]);
  for(auto const& c : clients_) {
    auto const& st = c->stats();
    s.clients.reads += st.reads;
    s.clients.writes += st.writes;
    s.clients.acknowledged += st.acknowledged;
    s.clients.conflicts += st.conflicts;
    s.clients.transport_errors += st.transport_errors;
  }
  s.simulated = clock_.now() - start;
  s.failure = checkers_.first_violation();
  if(s.failure) {
    s.trace_tail = trace_.tail();
    s.failure_time = trace_.elapsed(s.failure->at);
  }
  return s;
}

} // namespace

std::span<const fault_profile>
fault_profiles()
{
  return profiles;
}

const fault_profile*
find_fault_profile(std::string_view name)
{
  for(auto const& p : profiles)
    if(p.name == name)
      return &p;
  return nullptr;
}

run_summary
run_world(const world_options& options)
{
  world w(options);
  return w.run();
}

} // namespace zddc::sim
