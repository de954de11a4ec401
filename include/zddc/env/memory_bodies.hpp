#pragma once
/// @file
/// Transport bodies held in memory: a request body from a string and a
/// response body into one, with a cap. For small documents (listings,
/// control messages) and for the simulator; file bodies stream instead.
/// `read_whole` pulls a request body into memory, for those that look at it.

#include <zddc/env/transport.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

namespace zddc::env {

/// Sends the bytes of a string.
class string_source final : public body_source {
public:
  explicit string_source(std::string bytes) : bytes_(std::move(bytes)) {}

  std::optional<std::uint64_t> size() const override { return bytes_.size(); }

  result<std::size_t>
  read(std::span<std::byte> buffer) override
  {
    auto const n = std::min(buffer.size(), bytes_.size() - offset_);
    std::memcpy(buffer.data(), bytes_.data() + offset_, n);
    offset_ += n;
    return n;
  }

private:
  std::string bytes_;
  std::size_t offset_ = 0;
};

/// Collects a response body, refusing one over `bytes_max` with `errc::too_large`.
class string_sink final : public body_sink {
public:
  explicit string_sink(std::size_t bytes_max = 16u << 20) : bytes_max_(bytes_max) {}

  error_code
  write(std::span<const std::byte> chunk) override
  {
    if(chunk.size() > bytes_max_ - bytes_.size())
      return errc::too_large;
    bytes_.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
    return {};
  }

  const std::string& bytes() const& noexcept { return bytes_; }
  std::string take() noexcept { return std::move(bytes_); }

private:
  std::string bytes_;
  std::size_t bytes_max_;
};

/// Pulls a whole request body into memory (for the simulator and tests,
/// which look at what was sent); the source's error when a read fails.
inline result<std::string>
read_whole(body_source& source)
{
  std::string out;
  std::array<std::byte, 16 * 1024> buffer;
  for(;;) {
    auto n = source.read(buffer);
    if(! n)
      return n.error();
    if(*n == 0)
      return out;
    out.append(reinterpret_cast<const char*>(buffer.data()), *n);
  }
}

} // namespace zddc::env
