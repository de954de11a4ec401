#pragma once
/// @file
/// A request body held in memory, for the simulator and tests. It can hide
/// its length (as a chunked upload would) and hand its bytes out in small
/// pieces, so the role's streaming paths are exercised.

#include <zddc/core/http_message.hpp>

#include <algorithm>
#include <cstring>
#include <string>

namespace zddc::sim {

class memory_request_body final : public core::request_body {
public:
  explicit memory_request_body(std::string bytes, bool declare_length = true,
                               std::size_t piece_bytes_max = 64 * 1024)
    : bytes_(std::move(bytes)), declare_length_(declare_length), piece_bytes_max_(piece_bytes_max)
  {
  }

  std::optional<std::uint64_t>
  content_length() const override
  {
    return declare_length_ ? std::optional<std::uint64_t>(bytes_.size()) : std::nullopt;
  }

  boost::asio::awaitable<result<std::size_t>>
  read_some(std::span<std::byte> out) override
  {
    auto const n = std::min({out.size(), bytes_.size() - offset_, piece_bytes_max_});
    std::memcpy(out.data(), bytes_.data() + offset_, n);
    offset_ += n;
    co_return n;
  }

  /// Bytes the role pulled so far.
  std::size_t consumed() const noexcept { return offset_; }

private:
  std::string bytes_;
  std::size_t offset_ = 0;
  bool declare_length_;
  std::size_t piece_bytes_max_;
};

} // namespace zddc::sim
