// SHA-256 against the FIPS 180-4 examples, fed whole and in pieces, and
// the hex form content tags are made of.
#include <zddc/core/sha256.hpp>

#include <gtest/gtest.h>

#include <string>

namespace zddc::core {
namespace sha256_test {

std::string
hash_hex(std::string_view text)
{
  sha256 h;
  h.update(text);
  return to_hex(h.finish());
}

TEST(sha256, matches_the_standards_examples)
{
  EXPECT_EQ(hash_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hash_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hash_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(sha256, pieces_hash_as_the_whole)
{
  std::string const million(1'000'000, 'a');
  sha256 h;
  for(std::size_t at = 0; at < million.size(); at += 4093) // pieces that straddle the 64-byte blocks
    h.update(std::string_view(million).substr(at, 4093));
  EXPECT_EQ(to_hex(h.finish()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(sha256, hex_can_be_cut_to_a_prefix)
{
  sha256 h;
  h.update("abc");
  auto const d = h.finish();
  EXPECT_EQ(to_hex(d, 16), "ba7816bf8f01cfea414140de5dae2223");
  EXPECT_EQ(to_hex(d, 0), "");
  EXPECT_EQ(to_hex(d, 99).size(), 64u) << "never past the digest";
}

} // namespace
} // namespace zddc::core
