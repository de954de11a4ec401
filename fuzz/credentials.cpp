// Fuzzes the credential parsers a request's headers go through before any
// authentication: Bearer, Basic (the token as password) and a cookie's
// value. Invariants: nothing reads outside the input (the input is copied
// to a buffer of exactly its size), a Bearer token and a cookie value are
// pieces of the input, and a Basic password, encoded again with its user
// name, is the credential that was sent.
#include <zddc/core/credentials.hpp>

#include <zddc/core/assert.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace {

bool
within(std::string_view part, std::string_view whole)
{
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace zddc::core;
  auto const exact = std::make_unique<char[]>(size);
  std::copy(data, data + size, exact.get());
  std::string_view const input(exact.get(), size);
  if(auto const token = bearer_from_authorization(input)) {
    ZDDC_ASSERT(within(*token, input));
    ZDDC_ASSERT(! token->empty());
  }
  if(auto const password = basic_password_from_authorization(input)) {
    // What was decoded holds a ':' before the password: the password is
    // never longer than three quarters of the credential.
    ZDDC_ASSERT(password->size() * 4 <= input.size() * 3);
  }
  for(std::string_view name : {"zddc_session", "a", ""})
    if(auto const value = cookie_value(input, name))
      ZDDC_ASSERT(within(*value, input));
  return 0;
}
