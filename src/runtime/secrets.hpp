#pragma once
/// @file
/// Random secrets and their text forms, for tokens, store keys, session
/// ids and CSRF tokens: OpenSSL's CSPRNG, hex and unpadded base64url.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace zddc::runtime {

/// `n` bytes from the CSPRNG. @throws std::runtime_error without randomness.
std::string random_bytes(std::size_t n);

/// Lower-case hex of raw bytes, and back (nullopt unless even-length
/// lower-case hex).
std::string hex(std::string_view raw);
std::optional<std::string> unhex(std::string_view text);

/// Unpadded base64url (RFC 4648 §5) of raw bytes.
std::string base64url(std::string_view raw);

/// Lower-case hex SHA-256 of `text`.
std::string sha256_hex(std::string_view text);

} // namespace zddc::runtime
