#pragma once
/// @file
/// `ZDDC_ASSERT(cond)`: a programmer error. It aborts in every build type,
/// because a broken invariant in a document store must never limp on and
/// write. Operating errors (a missing file, a dead link) are values instead:
/// see core/error.hpp.

#include <cstdio>
#include <cstdlib>

namespace zddc::detail {

[[noreturn]] inline void
assertion_failed(const char* expr, const char* file, int line) noexcept
{
  std::fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, expr);
  std::fflush(stderr);
  std::abort();
}

} // namespace zddc::detail

#define ZDDC_ASSERT(cond) \
  ((cond) ? static_cast<void>(0) : ::zddc::detail::assertion_failed(#cond, __FILE__, __LINE__))
