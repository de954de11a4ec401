#pragma once
/// @file
/// `sim_errc::crashed`: what everything a crashed incarnation of a simulated
/// node still does meets (its disk and its transport check the
/// incarnation). Only the simulator crashes nodes, so the code is its own.

#include <boost/system/error_code.hpp>

#include <string>
#include <type_traits>

namespace zddc::sim {

enum class sim_errc {
  /// The simulated node crashed during the operation.
  crashed = 1,
};

inline const boost::system::error_category&
sim_category() noexcept
{
  class category final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "zddc.sim"; }
    std::string message(int) const override { return "node crashed"; }
  };
  static const category instance;
  return instance;
}

inline boost::system::error_code
make_error_code(sim_errc e) noexcept
{
  return {static_cast<int>(e), sim_category()};
}

} // namespace zddc::sim

template<>
struct boost::system::is_error_code_enum<zddc::sim::sim_errc> : std::true_type {};
