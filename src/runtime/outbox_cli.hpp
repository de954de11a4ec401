#pragma once
/// @file
/// `zddc outbox list | show ID | retry ID | discard ID`: an operator looks
/// at the cache's outbox (DESIGN.md §2) and settles it.
///
/// Reads and changes `<root>/.zddc-outbox` through cache::outbox over the
/// daemon's own Environment, so it sees exactly what the daemon wrote. It
/// never calls `outbox::open` (which creates the directory and sweeps
/// incomplete entries): a running daemon may be in the middle of an enqueue,
/// and an entry without its meta.json yet is simply not listed.

#include <zddc/env/clock.hpp>

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace zddc::runtime {

/// Runs `zddc outbox <args...>`; returns the exit code: 0 done, 1 failed
/// (unknown id, no outbox, refused), 2 usage errors.
int run_outbox_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// The same, reading the time as `now` (ages in `list` and `show`).
int run_outbox_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                       env::time_point now);

/// `42s`, `3m`, `2h`, `4d`: the largest whole unit; negative ages are `0s`.
std::string format_age(env::duration age);

/// `0 B`, `812 B`, `1.5 KiB`, `256.0 MiB`.
std::string format_size(std::uint64_t bytes);

} // namespace zddc::runtime
