#pragma once

namespace zddc {
namespace detail {

class zddc_category_impl final : public boost::system::error_category {
public:
  // A fixed id lets categories from different shared objects compare equal.
  constexpr zddc_category_impl() noexcept : error_category(0x7a6464635f657272ULL) {}

  const char*
  name() const noexcept override
  {
    return "zddc";
  }

  std::string
  message(int ev) const override
  {
    switch(static_cast<errc>(ev)) {
    case errc::not_found: return "no such file or directory";
    case errc::already_exists: return "already exists";
    case errc::not_a_directory: return "not a directory";
    case errc::is_a_directory: return "is a directory";
    case errc::not_empty: return "directory not empty";
    case errc::escapes_root: return "path resolves outside the root";
    case errc::too_large: return "body exceeds the configured limit";
    case errc::no_space: return "no space left on the storage";
    case errc::unreachable: return "upstream unreachable";
    case errc::timed_out: return "timed out";
    case errc::protocol_error: return "HTTP protocol error";
    }
    return "unknown zddc error";
  }
};

} // namespace detail

inline const boost::system::error_category&
zddc_category() noexcept
{
  static constexpr detail::zddc_category_impl instance;
  return instance;
}

} // namespace zddc
