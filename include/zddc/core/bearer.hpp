#pragma once
/// @file
/// The credentials of an `Authorization: Bearer <token>` header (RFC 6750).

#include <optional>
#include <string_view>

namespace zddc::core {

/// The token of a Bearer credential; nullopt for any other scheme or a
/// malformed one. The scheme is case-insensitive; the token is token68.
inline std::optional<std::string_view>
bearer_from_authorization(std::string_view value)
{
  constexpr std::string_view scheme = "bearer";
  if(value.size() <= scheme.size() || value[scheme.size()] != ' ')
    return std::nullopt;
  for(std::size_t i = 0; i < scheme.size(); ++i) {
    char c = value[i];
    if(c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
    if(c != scheme[i])
      return std::nullopt;
  }
  auto token = value.substr(scheme.size());
  while(! token.empty() && token.front() == ' ')
    token.remove_prefix(1);
  while(! token.empty() && token.back() == ' ')
    token.remove_suffix(1);
  if(token.empty())
    return std::nullopt;
  bool padding = false;
  for(char c : token) {
    bool const body = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
    if(c == '=')
      padding = true;
    else if(! body || padding)
      return std::nullopt; // '=' only at the end
  }
  return token;
}

} // namespace zddc::core
