#pragma once
/// @file
/// How the roles' own events (a cache's replay steps, a mirror's walks)
/// read in the world's trace.

#include <zddc/cache/replayer.hpp>
#include <zddc/mirror/walker.hpp>

#include <chrono>
#include <cstdio>
#include <string>

namespace zddc::sim {

/// `replayed 0000000000000012 PUT /a/b.pdf -> 204`
inline std::string
describe(const cache::replay_event& e)
{
  static constexpr const char* names[] = {"replay attempt", "replayed", "conflict", "rejected", "unauthorized",
                                          "deferred"};
  std::string line = names[static_cast<int>(e.step)];
  line += ' ' + e.entry.id + ' ';
  line += boost::beast::http::to_string(e.entry.method);
  line += " /";
  line += e.entry.path.str();
  if(e.status)
    line += " -> " + std::to_string(e.status);
  if(! e.detail.empty() && e.step != cache::replay_step::attempt)
    line += " (" + e.detail + ")";
  return line;
}

/// `dirs=29 files=553 fetched=3 unchanged=550 purged=1 requests=33 bytes=812`
inline std::string
describe(const mirror::walk_stats& s)
{
  return "dirs=" + std::to_string(s.dirs) + " files=" + std::to_string(s.files) +
         " fetched=" + std::to_string(s.fetched) + " unchanged=" + std::to_string(s.unchanged) +
         " purged=" + std::to_string(s.purged) + " requests=" + std::to_string(s.requests) +
         " bytes=" + std::to_string(s.bytes);
}

/// `walk finished /Vendors: complete dirs=... in 12.250 s`
inline std::string
describe(const mirror::walk_event& e)
{
  static constexpr const char* names[] = {"walk started", "walk progress", "walk trouble", "walk finished"};
  std::string line = names[static_cast<int>(e.step)];
  line += " /";
  line += e.subtree.str();
  switch(e.step) {
  case mirror::walk_step::started: break;
  case mirror::walk_step::progress: line += ": " + describe(e.stats); break;
  case mirror::walk_step::trouble: line += ": " + e.detail; break;
  case mirror::walk_step::finished: {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.3f", std::chrono::duration<double>(e.stats.duration).count());
    line += e.stats.complete ? ": complete " : ": incomplete ";
    line += describe(e.stats) + " in " + seconds + " s";
    break;
  }
  }
  return line;
}

} // namespace zddc::sim
