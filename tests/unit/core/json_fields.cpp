// One set of rules for every JSON document ZDDC reads back.
#include <zddc/core/json_fields.hpp>

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

namespace zddc::core::json_fields {
namespace json_fields_test {

boost::json::object
doc(std::string_view text)
{
  return boost::json::parse(text).as_object();
}

TEST(json_fields, required_fields_must_be_there_and_of_their_type)
{
  auto const o = doc(R"({"s": "text", "n": 3, "b": true, "o": {}, "a": [], "neg": -1, "big": 18446744073709551615})");
  EXPECT_EQ(required_string(o, "s").value(), "text");
  EXPECT_EQ(required_string(o, "missing").error(), errc::protocol_error);
  EXPECT_EQ(required_string(o, "n").error(), errc::protocol_error);
  EXPECT_EQ(required_count(o, "n").value(), 3u);
  EXPECT_EQ(required_count(o, "big").value(), 18446744073709551615ull);
  EXPECT_EQ(required_integer(o, "neg").value(), -1);
  EXPECT_EQ(required_integer(o, "big").error(), errc::protocol_error); // past int64
  EXPECT_TRUE(required_bool(o, "b").value());
  EXPECT_EQ(required_bool(o, "s").error(), errc::protocol_error);
  EXPECT_NE(required_object(o, "o").value(), nullptr);
  EXPECT_EQ(required_object(o, "a").error(), errc::protocol_error);
  EXPECT_NE(required_array(o, "a").value(), nullptr);
  EXPECT_EQ(required_array(o, "missing").error(), errc::protocol_error);
}

// The outbox once read a negative body_bytes and cast it to a huge unsigned.
TEST(json_fields, a_count_is_never_negative)
{
  auto const o = doc(R"({"neg": -5, "zero": 0, "real": 1.5, "text": "5"})");
  EXPECT_EQ(required_count(o, "neg").error(), errc::protocol_error);
  EXPECT_EQ(required_count(o, "zero").value(), 0u);
  EXPECT_EQ(required_count(o, "real").error(), errc::protocol_error);
  EXPECT_EQ(required_count(o, "text").error(), errc::protocol_error);
  EXPECT_EQ(optional_count(o, "neg").error(), errc::protocol_error);
}

TEST(json_fields, optional_fields_are_absent_or_well_typed)
{
  auto const o = doc(R"({"s": "x", "n": 7, "wrong": 1})");
  EXPECT_EQ(optional_string(o, "s").value(), "x");
  EXPECT_FALSE(optional_string(o, "absent").value());
  EXPECT_EQ(optional_string(o, "wrong").error(), errc::protocol_error);
  EXPECT_EQ(optional_count(o, "n").value(), 7u);
  EXPECT_FALSE(optional_count(o, "absent").value());
  EXPECT_EQ(optional_object(o, "absent").value(), nullptr);
  EXPECT_EQ(optional_object(o, "s").error(), errc::protocol_error);
}

} // namespace
} // namespace zddc::core::json_fields
