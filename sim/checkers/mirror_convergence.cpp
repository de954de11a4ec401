#include "sim/checkers/mirror_convergence.hpp"

#include "sim/role_events.hpp"

namespace zddc::sim {

namespace {

/// `all` under `subtree`, without reserved names, as `keep` allows.
template<class Keep>
memory_filesystem::tree
restricted(const memory_filesystem::tree& all, const core::repo_path& subtree, Keep keep)
{
  memory_filesystem::tree out;
  for(auto const& [path, bytes] : all.files)
    if(auto const p = core::repo_path::parse(path); p && p->is_within(subtree) && keep(*p, false))
      out.files.emplace(path, bytes);
  for(auto const& dir : all.dirs)
    if(auto const p = core::repo_path::parse(dir); p && p->is_within(subtree) && keep(*p, true))
      out.dirs.insert(dir);
  return out;
}

/// What differs between the mirror's tree and the master's: a count and
/// the first few differences.
std::string
differences(const memory_filesystem::tree& mine, const memory_filesystem::tree& theirs)
{
  std::size_t count = 0;
  std::string shown;
  auto const note = [&](std::string what) {
    if(++count <= 5)
      shown += "\n      " + what;
  };
  for(auto const& [path, bytes] : theirs.files) {
    auto const it = mine.files.find(path);
    if(it == mine.files.end())
      note("missing on the mirror: /" + path);
    else if(it->second != bytes)
      note("different bytes: /" + path + " (mirror " + std::to_string(it->second.size()) + " bytes, master " +
           std::to_string(bytes.size()) + ")");
  }
  for(auto const& [path, bytes] : mine.files)
    if(! theirs.files.contains(path))
      note("on the mirror only: /" + path);
  for(auto const& dir : theirs.dirs)
    if(! mine.dirs.contains(dir))
      note("directory missing on the mirror: /" + dir + "/");
  for(auto const& dir : mine.dirs)
    if(! theirs.dirs.contains(dir))
      note("directory on the mirror only: /" + dir + "/");
  return std::to_string(count) + " difference(s):" + shown;
}

} // namespace

mirror_convergence::mirror_convergence(master_node& master) : checker("convergence"), master_(master) {}

void
mirror_convergence::before_final_walks(const mirror_node& m)
{
  if(auto const n = m.pending())
    fail(m.name() + " still holds " + std::to_string(n) +
         " pending outbox entr(ies) after the heal and the settle hour");
}

memory_filesystem::tree
mirror_convergence::master_view(const core::principal& bearer, const core::repo_path& subtree)
{
  return restricted(master_.disk().snapshot(), subtree, [&](const core::repo_path& p, bool directory) {
    return directory ? core::is_visible(bearer, p) : core::may_read(bearer, p);
  });
}

void
mirror_convergence::judge(mirror_node& m, const core::principal& bearer, const core::repo_path& subtree,
                          const mirror::walk_stats& stats)
{
  ++judged_;
  auto const where = m.name() + "'s final walk of /" + std::string(subtree.str());
  if(! stats.complete) {
    fail(where + ", with the network calm and nothing else running, was incomplete (" + describe(stats) +
         "; its trouble is in the trace)");
    return;
  }
  auto const theirs = master_view(bearer, subtree);
  auto const mine = restricted(m.disk().snapshot(), subtree, [](const core::repo_path&, bool) { return true; });
  if(mine != theirs)
    fail(where + " completed (" + describe(stats) + ") but the mirror does not equal the master as its bearer " +
         bearer.name + " sees it: " + differences(mine, theirs));
}

} // namespace zddc::sim
