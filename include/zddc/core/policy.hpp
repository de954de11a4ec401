#pragma once
/// @file
/// Who may read or write where. A principal holds grants on subtrees; a
/// grant covers its subtree and everything below it, matched by whole
/// segments (`/vendorA` grants nothing in `/vendorAB`). Write implies read.
///
/// Visibility: a path is visible to a principal when it may read it, or when
/// the path is a directory on the way down to one of its grants (so a vendor
/// granted `/Projects/X/vendorA` can browse from `/` to it, and sees nothing
/// else on the way). Everything invisible must look exactly like a path that
/// does not exist.

#include <zddc/core/path.hpp>

#include <string>
#include <vector>

namespace zddc::core {

enum class access { none = 0, read = 1, write = 2 };

struct grant {
  repo_path subtree;
  access level = access::read;

  friend bool operator==(const grant&, const grant&) = default;
};

struct principal {
  std::string name;
  std::vector<grant> grants;

  /// A principal that may do everything (the master's `--no-auth` mode).
  static principal
  unrestricted(std::string name)
  {
    return {std::move(name), {grant{repo_path(), access::write}}};
  }
};

/// The strongest access any grant gives on `p`.
inline access
access_to(const principal& who, const repo_path& p) noexcept
{
  access best = access::none;
  for(auto const& g : who.grants)
    if(p.is_within(g.subtree) && g.level > best)
      best = g.level;
  return best;
}

inline bool
may_read(const principal& who, const repo_path& p) noexcept
{
  return access_to(who, p) >= access::read;
}

inline bool
may_write(const principal& who, const repo_path& p) noexcept
{
  return access_to(who, p) >= access::write;
}

/// True when `p` may be read or lies on the way down to a grant.
inline bool
is_visible(const principal& who, const repo_path& p) noexcept
{
  if(may_read(who, p))
    return true;
  for(auto const& g : who.grants)
    if(g.level >= access::read && g.subtree.is_within(p))
      return true;
  return false;
}

/// A string naming `who`'s grants: two principals with equal keys are
/// shown the same things (the key of a view kept for reuse).
inline std::string
grants_key(const principal& who)
{
  std::string key;
  for(auto const& g : who.grants) {
    key += g.subtree.str();
    key += '\0';
    key += static_cast<char>('0' + static_cast<int>(g.level));
    key += '\n';
  }
  return key;
}

} // namespace zddc::core
