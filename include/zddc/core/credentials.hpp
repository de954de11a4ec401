#pragma once
/// @file
/// The credentials a request can carry, parsed and nothing more:
/// - `Authorization: Bearer <token>` (RFC 6750);
/// - `Authorization: Basic <base64(user:password)>` (RFC 7617), the token
///   being the password and the user name ignored, so that curl `-u`, wget
///   and rclone reach a server that authenticates;
/// - a cookie's value in a `Cookie` header (RFC 6265 §4.2).

#include <openssl/evp.h>

#include <optional>
#include <string>
#include <string_view>

namespace zddc::core {

namespace detail {

/// `value` starts with `scheme` (case-insensitive) and one space; the rest,
/// trimmed of spaces.
inline std::optional<std::string_view>
after_scheme(std::string_view value, std::string_view scheme)
{
  if(value.size() <= scheme.size() || value[scheme.size()] != ' ')
    return std::nullopt;
  for(std::size_t i = 0; i < scheme.size(); ++i) {
    char c = value[i];
    if(c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
    if(c != scheme[i])
      return std::nullopt;
  }
  auto rest = value.substr(scheme.size());
  while(! rest.empty() && rest.front() == ' ')
    rest.remove_prefix(1);
  while(! rest.empty() && rest.back() == ' ')
    rest.remove_suffix(1);
  if(rest.empty())
    return std::nullopt;
  return rest;
}

/// token68 (RFC 9110 §11.2): base64-ish characters, `=` only at the end.
inline bool
is_token68(std::string_view text) noexcept
{
  bool padding = false;
  for(char c : text) {
    bool const body = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
    if(c == '=')
      padding = true;
    else if(! body || padding)
      return false;
  }
  return true;
}

} // namespace detail

/// The token of a Bearer credential; nullopt for any other scheme or a
/// malformed one. The scheme is case-insensitive; the token is token68.
inline std::optional<std::string_view>
bearer_from_authorization(std::string_view value)
{
  auto const token = detail::after_scheme(value, "bearer");
  if(! token || ! detail::is_token68(*token))
    return std::nullopt;
  return token;
}

/// The WWW-Authenticate challenge (RFC 6750 §3) of a request answered 401:
/// it says `invalid_token` when the request sent credentials that failed.
inline std::string_view
bearer_challenge(bool sent_credentials) noexcept
{
  return sent_credentials ? R"(Bearer realm="zddc", error="invalid_token")" : R"(Bearer realm="zddc")";
}

/// The password of a Basic credential (the user name is not looked at);
/// nullopt for any other scheme, bad base64, or no `:` in what it decodes to.
inline std::optional<std::string>
basic_password_from_authorization(std::string_view value)
{
  auto const encoded = detail::after_scheme(value, "basic");
  if(! encoded || encoded->size() % 4 != 0 || encoded->size() > 4096)
    return std::nullopt;
  bool padding = false;
  for(char c : *encoded) {
    bool const digit = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
                       c == '/';
    if(c == '=')
      padding = true;
    else if(! digit || padding)
      return std::nullopt; // '=' only at the end
  }
  std::string decoded(encoded->size() / 4 * 3, '\0');
  int const n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                                reinterpret_cast<const unsigned char*>(encoded->data()),
                                static_cast<int>(encoded->size()));
  if(n < 0)
    return std::nullopt;
  // EVP_DecodeBlock counts the bytes the padding stands for as zeros.
  std::size_t pad = 0;
  for(auto it = encoded->rbegin(); it != encoded->rend() && *it == '='; ++it)
    ++pad;
  if(pad > 2)
    return std::nullopt;
  decoded.resize(static_cast<std::size_t>(n) - pad);
  auto const colon = decoded.find(':');
  if(colon == std::string::npos)
    return std::nullopt;
  return decoded.substr(colon + 1);
}

/// The value of cookie `name` in a `Cookie` header (`a=1; b=2`); the first
/// one when it appears twice. Values are compared and returned as bytes.
inline std::optional<std::string_view>
cookie_value(std::string_view header, std::string_view name)
{
  while(! header.empty()) {
    auto const semi = header.find(';');
    auto pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while(! pair.empty() && pair.front() == ' ')
      pair.remove_prefix(1);
    auto const eq = pair.find('=');
    if(eq == std::string_view::npos || pair.substr(0, eq) != name)
      continue;
    auto value = pair.substr(eq + 1);
    while(! value.empty() && value.back() == ' ')
      value.remove_suffix(1);
    if(value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    return value;
  }
  return std::nullopt;
}

} // namespace zddc::core
