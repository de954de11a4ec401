#pragma once
/// @file
/// Transport bodies backed by the Filesystem seam: a request body streamed
/// out of an open file, and a response body streamed into a new one. Large
/// documents cross the network without ever being held in memory.

#include <zddc/env/filesystem.hpp>
#include <zddc/env/transport.hpp>

#include <utility>

namespace zddc::env {

/// Sends an open file from its start.
template<FileReader Reader>
class reader_source final : public body_source {
public:
  explicit reader_source(Reader reader) : reader_(std::move(reader)) {}

  std::optional<std::uint64_t> size() const override { return reader_.stat().size; }

  result<std::size_t>
  read(std::span<std::byte> buffer) override
  {
    auto const left = reader_.stat().size - offset_;
    if(buffer.size() > left)
      buffer = buffer.first(static_cast<std::size_t>(left));
    auto n = reader_.read_at(offset_, buffer);
    if(n)
      offset_ += *n;
    return n;
  }

private:
  Reader reader_;
  std::uint64_t offset_ = 0;
};

/// Appends a response body to a file being written, capped at `bytes_max`
/// (`errc::too_large`).
template<FileWriter Writer>
class writer_sink final : public body_sink {
public:
  writer_sink(Writer& writer, std::uint64_t bytes_max) : writer_(writer), bytes_max_(bytes_max) {}

  error_code
  write(std::span<const std::byte> chunk) override
  {
    if(chunk.size() > bytes_max_ - written_)
      return errc::too_large;
    written_ += chunk.size();
    return writer_.write(chunk);
  }

  std::uint64_t written() const noexcept { return written_; }

private:
  Writer& writer_;
  std::uint64_t bytes_max_;
  std::uint64_t written_ = 0;
};

} // namespace zddc::env
