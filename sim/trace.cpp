#include "sim/trace.hpp"

#include <cstdio>
#include <ostream>

namespace zddc::sim {

trace::trace(const virtual_clock& clock, std::ostream* echo) : clock_(clock), start_(clock.now()), echo_(echo) {}

void
trace::fold(std::string_view bytes) noexcept
{
  for(unsigned char c : bytes) {
    hash_ ^= c;
    hash_ *= 1099511628211ull;
  }
}

void
trace::record(std::string_view who, std::string_view what)
{
  auto const now = clock_.now();
  auto const ns = static_cast<std::uint64_t>((now - start_).count());
  char stamp[24];
  std::snprintf(stamp, sizeof stamp, "%016llx", static_cast<unsigned long long>(ns));
  fold(stamp);
  fold(who);
  fold("\x1f");
  fold(what);
  fold("\n");
  ++events_;

  std::string line = elapsed(now);
  line += ' ';
  line += who;
  line += ' ';
  line += what;
  if(echo_)
    *echo_ << line << '\n';
  tail_.push_back(std::move(line));
  if(tail_.size() > tail_events)
    tail_.pop_front();
}

std::string
trace::elapsed(env::time_point t) const
{
  auto const ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - start_).count();
  auto const days = ms / 86'400'000;
  auto const rest = ms % 86'400'000;
  char out[40];
  std::snprintf(out, sizeof out, "d%lld %02lld:%02lld:%02lld.%03lld", static_cast<long long>(days),
                static_cast<long long>(rest / 3'600'000), static_cast<long long>(rest / 60'000 % 60),
                static_cast<long long>(rest / 1000 % 60), static_cast<long long>(rest % 1000));
  return out;
}

std::string
to_hex(std::uint64_t hash)
{
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(hash));
  return out;
}

} // namespace zddc::sim
