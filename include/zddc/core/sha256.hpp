#pragma once
/// @file
/// Incremental SHA-256 over OpenSSL's EVP interface. Used for content ETags
/// (so a cache can recognise its own bytes on the master) and listing ETags.

#include <zddc/core/assert.hpp>

#include <openssl/evp.h>

#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <optional>
#include <string_view>

namespace zddc::core {

class sha256 {
public:
  using digest = std::array<unsigned char, 32>;

  sha256() : ctx_(EVP_MD_CTX_new())
  {
    ZDDC_ASSERT(ctx_ && EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) == 1);
  }

  void
  update(std::span<const std::byte> bytes)
  {
    ZDDC_ASSERT(EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()) == 1);
  }

  void
  update(std::string_view text)
  {
    update(std::as_bytes(std::span(text.data(), text.size())));
  }

  /// The digest; the object is spent afterwards.
  digest
  finish()
  {
    digest d{};
    unsigned int len = 0;
    ZDDC_ASSERT(EVP_DigestFinal_ex(ctx_.get(), d.data(), &len) == 1 && len == d.size());
    return d;
  }

private:
  struct free_ctx {
    void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD_CTX, free_ctx> ctx_;
};

/// Lower-case hex of the first `bytes` bytes of `d`.
inline std::string
to_hex(const sha256::digest& d, std::size_t bytes = 32)
{
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes * 2);
  for(std::size_t i = 0; i < bytes && i < d.size(); ++i) {
    s += digits[d[i] >> 4];
    s += digits[d[i] & 0xf];
  }
  return s;
}

/// The digest `hex` spells (64 lower-case hex digits, as `to_hex` writes
/// it); nullopt for anything else.
inline std::optional<sha256::digest>
digest_from_hex(std::string_view hex)
{
  auto const value = [](char c) -> int {
    if(c >= '0' && c <= '9')
      return c - '0';
    if(c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    return -1;
  };
  sha256::digest d{};
  if(hex.size() != d.size() * 2)
    return std::nullopt;
  for(std::size_t i = 0; i < d.size(); ++i) {
    int const hi = value(hex[2 * i]), lo = value(hex[2 * i + 1]);
    if(hi < 0 || lo < 0)
      return std::nullopt;
    d[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return d;
}

} // namespace zddc::core
