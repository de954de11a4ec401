#pragma once
/// @file
/// Operating errors: what can go wrong on an I/O path even when every line of
/// ZDDC is correct. They travel as `boost::system::error_code` or
/// `zddc::result<T>`; nothing throws across a seam. Programmer errors are
/// `ZDDC_ASSERT`s (core/assert.hpp), never values.

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <type_traits>

namespace zddc {

using boost::system::error_code;

/// A value or the operating error that prevented it.
template<class T>
using result = boost::system::result<T, error_code>;

/// ZDDC's own operating errors. The filesystem seam reports the conditions
/// listed here with these values on every implementation, so core code can
/// compare against them; an error without an entry here (EIO, EROFS, ...) is
/// passed through in the system category and means "the storage failed".
enum class errc {
  /// The path names nothing.
  not_found = 1,
  /// An exclusive create found something already there.
  already_exists,
  /// A path segment that had to be a directory is a file.
  not_a_directory,
  /// The operation needs a file and found a directory.
  is_a_directory,
  /// A directory to remove still has entries.
  not_empty,
  /// Resolving the path would leave the root (a symlink pointing outside).
  escapes_root,
  /// A body exceeded the configured limit; nothing was kept.
  too_large,
  /// The storage is full (ENOSPC, EDQUOT).
  no_space,
  /// The upstream could not be reached: refused, reset, unreachable, partitioned.
  unreachable,
  /// The operation did not complete within its deadline.
  timed_out,
  /// The peer sent something that is not valid HTTP, or stopped mid-message.
  protocol_error,
};

/// The category of `zddc::errc`.
const boost::system::error_category& zddc_category() noexcept;

inline error_code
make_error_code(errc e) noexcept
{
  return {static_cast<int>(e), zddc_category()};
}

} // namespace zddc

template<>
struct boost::system::is_error_code_enum<zddc::errc> : std::true_type {};

#include <zddc/core/impl/error.ipp>
