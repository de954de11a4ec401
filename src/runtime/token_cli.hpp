#pragma once
/// @file
/// `zddc token issue | list | revoke`: managing the master's bearer tokens.

#include <iosfwd>
#include <string>
#include <vector>

namespace zddc::runtime {

/// Runs `zddc token <args...>`; returns the exit code (2 for usage errors).
int run_token_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

} // namespace zddc::runtime
