#include "sim/checkers/mirror_liveness.hpp"

#include <zddc/mirror/config.hpp>

namespace zddc::sim {

mirror_liveness::mirror_liveness(const virtual_clock& clock, const node& master,
                                 std::vector<const mirror_node*> mirrors, env::duration window)
  : checker("mirror-liveness"), clock_(clock), master_(master), window_(window)
{
  for(auto const* m : mirrors) {
    auto& w = mirrors_[m];
    w.mirror = m;
    update_reachability(w);
  }
}

void
mirror_liveness::update_reachability(watched& w)
{
  bool const reachable = w.mirror->up() && master_.up() && ! w.partitioned;
  if(reachable && ! w.reachable_since)
    w.reachable_since = clock_.now();
  if(! reachable) {
    w.reachable_since.reset();
    w.due.clear(); // an outage cuts every window still open
  }
}

void
mirror_liveness::on_served(const exchange& x)
{
  judge(clock_.now());
  auto const it = mirrors_.find(x.to);
  if(it == mirrors_.end())
    return;
  auto& w = it->second;
  auto const target = core::decode(x.target);
  if(! target || ! w.reachable_since)
    return;
  auto const subtree = mirror::covering_subtree(w.mirror->settings().subtrees, target->path);
  if(! subtree)
    return;
  for(auto const& o : w.due)
    if(o.subtree == *subtree)
      return; // one open obligation per subtree: the first access's window is the tightest
  w.due.push_back({*subtree, clock_.now()});
}

void
mirror_liveness::on_crash(const node& n)
{
  for(auto& [m, w] : mirrors_)
    if(&n == &master_ || &n == m)
      update_reachability(w);
}

void
mirror_liveness::on_restart(const node& n)
{
  on_crash(n); // the same question: who is up now
}

void
mirror_liveness::on_link(const node& a, const node& b, bool up)
{
  for(auto& [m, w] : mirrors_)
    if((&a == m && &b == &master_) || (&b == m && &a == &master_)) {
      w.partitioned = ! up;
      update_reachability(w);
    }
}

void
mirror_liveness::on_walk(const mirror_node& m, const core::repo_path& subtree, const mirror::walk_stats& stats)
{
  auto const it = mirrors_.find(&m);
  if(it == mirrors_.end() || ! stats.complete)
    return;
  auto const now = clock_.now();
  it->second.complete[subtree].push_back({now - stats.duration, now});
}

void
mirror_liveness::judge(env::time_point now)
{
  for(auto& [m, w] : mirrors_) {
    while(! w.due.empty() && w.due.front().at + window_ <= now) {
      auto const o = w.due.front();
      w.due.pop_front();
      ++judged_;
      auto const min_interval = w.mirror->settings().min_interval;
      bool kept = false;
      if(auto const walks = w.complete.find(o.subtree); walks != w.complete.end())
        for(auto const& done : walks->second)
          if(done.ended <= o.at + window_ && (done.ended >= o.at || done.began >= o.at - min_interval))
            kept = true;
      if(! kept) {
        auto const minutes = [](env::duration d) {
          return std::to_string(std::chrono::duration_cast<std::chrono::minutes>(d).count()) + " min";
        };
        fail(w.mirror->name() + "'s subtree /" + std::string(o.subtree.str()) + " was used " + minutes(now - o.at) +
             " ago with the master reachable ever since, but no walk of it completed within " + minutes(window_) +
             " of that, and none had begun within the " + minutes(min_interval) +
             " before (the walks are in the trace)");
        return;
      }
    }
  }
}

void
mirror_liveness::at_end()
{
  judge(clock_.now());
  for(auto& [m, w] : mirrors_)
    w.due.clear();
}

} // namespace zddc::sim
