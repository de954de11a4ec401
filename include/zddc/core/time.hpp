#pragma once
/// @file
/// Time as core code counts it: integer nanoseconds, and wall-clock instants
/// as nanoseconds since the Unix epoch. Only the vocabulary lives here; the
/// Clock that tells the time is a seam (env/clock.hpp).

#include <chrono>

namespace zddc::core {

/// Durations everywhere are integer nanoseconds.
using duration = std::chrono::nanoseconds;

/// A wall-clock instant, in nanoseconds since the Unix epoch.
using time_point = std::chrono::sys_time<duration>;

} // namespace zddc::core
