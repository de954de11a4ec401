#pragma once
// A deliberate seam violation: check-seams.sh must reject this tree.
#include <chrono>
inline auto canary_now() { return std::chrono::steady_clock::now(); }
