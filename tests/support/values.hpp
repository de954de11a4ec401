#pragma once
// Values the role tests build over and over (tests/support: what several
// test executables share).

#include <zddc/core/listing.hpp>
#include <zddc/core/path.hpp>
#include <zddc/core/sha256.hpp>

#include <string>
#include <string_view>

namespace zddc::test_support {

/// A client path from its joined form; the test is wrong if it does not parse.
inline core::repo_path
path(std::string_view s)
{
  return *core::repo_path::parse(s);
}

/// The content tag every node gives these bytes.
inline core::entity_tag
content_tag_of(std::string_view bytes)
{
  core::sha256 h;
  h.update(bytes);
  return core::content_etag(h.finish());
}

/// The same, as it appears in an ETag header.
inline std::string
tag_of(std::string_view bytes)
{
  return content_tag_of(bytes).to_string();
}

} // namespace zddc::test_support
