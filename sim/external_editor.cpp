#include "sim/external_editor.hpp"

namespace zddc::sim {

external_editor::external_editor(master_node& where, virtual_clock& clock, rng& random, trace& log,
                                 checker_set& checkers, env::duration mean_interval)
  : where_(where), clock_(clock), rng_(random), trace_(log), checkers_(checkers), mean_interval_(mean_interval)
{
}

boost::asio::awaitable<void>
external_editor::run(env::time_point until)
{
  for(;;) {
    co_await clock_.sleep_until(clock_.now() + rng_.around(mean_interval_));
    if(clock_.now() >= until)
      co_return;
    if(where_.up()) // a person cannot edit on a machine that is down
      act();
  }
}

void
external_editor::changed(const core::repo_path& p, std::optional<std::string> bytes, std::string_view what)
{
  ++edits_;
  std::string line(what);
  line += " /";
  line += p.str();
  trace_.record("editor", line);
  checkers_.on_external_change(external_change{&where_, p, std::move(bytes)});
}

void
external_editor::act()
{
  auto& disk = where_.disk();
  std::vector<std::pair<core::repo_path, std::string>> files;
  for(auto& [path, bytes] : disk.snapshot().files)
    if(auto p = core::repo_path::parse(path))
      files.emplace_back(std::move(*p), std::move(bytes));
  if(files.empty())
    return;
  auto const& [path, old] = files[rng_.index(files.size())];
  auto const roll = rng_.uniform(0, 99);
  if(roll < 50) {
    // Same size, same inode: only the bytes and the mtime move; sometimes
    // twice within one instant.
    std::string bytes = old.empty() ? std::string("x") : old;
    bytes[rng_.index(bytes.size())] ^= 0x01;
    disk.edit_in_place(path, bytes);
    changed(path, bytes, "edited in place");
    if(rng_.chance(0.3)) {
      bytes[rng_.index(bytes.size())] ^= 0x02;
      disk.edit_in_place(path, bytes);
      changed(path, bytes, "edited in place again");
    }
  } else if(roll < 70) {
    std::string bytes = "replaced on the server " + std::to_string(edits_) + ' ' + old.substr(0, 40);
    disk.write_file_direct(path, bytes);
    changed(path, bytes, "replaced");
  } else if(roll < 85) {
    auto const p = path.parent().child("Scan " + std::to_string(edits_) + " (from the server).pdf");
    if(! p)
      return;
    std::string bytes = "%PDF-1.4 scanned " + std::to_string(edits_);
    disk.write_file_direct(*p, bytes);
    changed(*p, bytes, "created");
  } else {
    disk.remove_direct(path);
    changed(path, std::nullopt, "removed");
  }
}

} // namespace zddc::sim
