#pragma once
// A deliberate layering violation: core/ including a seam above it.
// check-seams.sh must reject this tree (and finds no other fault in it).
#include <zddc/env/clock.hpp>
