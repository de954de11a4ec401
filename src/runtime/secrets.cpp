#include "runtime/secrets.hpp"

#include <zddc/core/sha256.hpp>

#include <openssl/rand.h>

#include <cstdint>
#include <stdexcept>

namespace zddc::runtime {

std::string
random_bytes(std::size_t n)
{
  std::string out(n, '\0');
  if(RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("no randomness available for a secret");
  return out;
}

std::string
hex(std::string_view raw)
{
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for(unsigned char c : raw) {
    s += digits[c >> 4];
    s += digits[c & 0xf];
  }
  return s;
}

std::optional<std::string>
unhex(std::string_view text)
{
  if(text.size() % 2)
    return std::nullopt;
  std::string out;
  for(std::size_t i = 0; i < text.size(); i += 2) {
    auto nibble = [](char c) -> int {
      if(c >= '0' && c <= '9') return c - '0';
      if(c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    int const hi = nibble(text[i]), lo = nibble(text[i + 1]);
    if(hi < 0 || lo < 0)
      return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

std::string
base64url(std::string_view raw)
{
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for(unsigned char c : raw) {
    acc = (acc << 8) | c;
    bits += 8;
    while(bits >= 6) {
      bits -= 6;
      out += alphabet[(acc >> bits) & 0x3f];
    }
  }
  if(bits > 0)
    out += alphabet[(acc << (6 - bits)) & 0x3f];
  return out;
}

std::string
sha256_hex(std::string_view text)
{
  core::sha256 h;
  h.update(text);
  return core::to_hex(h.finish());
}

} // namespace zddc::runtime
