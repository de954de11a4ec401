// Properties of the path codec (core/path.hpp, core/url_target.hpp):
// every valid name round-trips, every invalid class is refused, and nothing
// that decodes can name a place outside the root.
#include <zddc/core/url_target.hpp>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace zddc::core {
namespace path_codec_test {

// Pieces people actually type into document titles, plus the bytes most
// likely to confuse a codec.
const std::vector<std::string> name_atoms = {
  "a", "Z", "0", "9", " ", "(", ")", "-", "_", ".", "~", "+", "&", "'", "#", "%", "?",
  "=", ";", ":", "@", "!", "$", ",", "*", "[", "]", "{", "}", "\"", "<", ">", "^", "`", "|",
  "\xC3\xA9",          // é, NFC
  "e\xCC\x81",         // é, NFD
  "\xC3\xB1", "\xE4\xB8\xAD", "\xF0\x9F\x93\x84", "%2F", "%25", "%2e", "+C1", "(IFA)",
};

rc::Gen<std::string>
valid_segment()
{
  auto raw = rc::gen::map(
    rc::gen::resize(12, rc::gen::nonEmpty(rc::gen::container<std::vector<std::string>>(
                          rc::gen::elementOf(name_atoms)))),
    [](const std::vector<std::string>& atoms) {
      std::string s;
      for(auto const& a : atoms)
        s += a;
      return s;
    });
  return rc::gen::suchThat(raw, [](const std::string& s) { return ! validate_segment(s, false); });
}

rc::Gen<repo_path>
valid_path()
{
  return rc::gen::map(rc::gen::resize(6, rc::gen::container<std::vector<std::string>>(valid_segment())),
                      [](const std::vector<std::string>& segs) {
                        repo_path p;
                        for(auto const& s : segs)
                          p = *p.child(s);
                        return p;
                      });
}

// Percent-encodes every byte outside the unreserved set, so the encoded text
// carries any byte sequence (including '/', NUL, invalid UTF-8) into a segment.
std::string
encode_everything(std::string_view s)
{
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

RC_GTEST_PROP(path_codec, valid_paths_round_trip_through_the_wire, ())
{
  auto const path = *valid_path();
  auto const form = *rc::gen::element(target_form::file, target_form::directory);
  auto const target = encode(path, form);
  auto const decoded = decode(target);
  RC_ASSERT(decoded.has_value());
  RC_ASSERT(decoded->path == path);
  RC_ASSERT(decoded->form == (path.is_root() ? target_form::directory : form));
  // The wire form is itself a valid target that parses back to itself.
  auto const reparsed = url_target::parse(target.str());
  RC_ASSERT(reparsed.has_value());
  RC_ASSERT(*reparsed == target);
  // And a path's joined string parses back to the same path (the disk key).
  RC_ASSERT(*repo_path::parse(path.str()) == path);
}

RC_GTEST_PROP(path_codec, alternative_encodings_of_a_name_decode_to_the_same_path, ())
{
  auto const path = *valid_path();
  RC_PRE(! path.is_root());
  std::string wire;
  std::string_view rest = path.str();
  while(! rest.empty()) {
    auto const slash = rest.find('/');
    wire += '/';
    wire += encode_everything(rest.substr(0, slash));
    if(slash == std::string_view::npos)
      break;
    rest.remove_prefix(slash + 1);
  }
  auto const decoded = decode(*url_target::parse(wire));
  RC_ASSERT(decoded.has_value());
  RC_ASSERT(decoded->path == path);
}

struct invalid_case {
  std::string segment;
  path_errc expected;
};

void
showValue(const invalid_case& c, std::ostream& os)
{
  os << '"' << c.segment << "\" (" << error_code(c.expected).message() << ')';
}

rc::Gen<invalid_case>
invalid_segment()
{
  using rc::gen::just;
  return rc::gen::oneOf(
    just(invalid_case{".", path_errc::dot_segment}),
    just(invalid_case{"..", path_errc::dot_segment}),
    rc::gen::map(valid_segment(), [](std::string s) { return invalid_case{s + "/" + s, path_errc::slash_in_segment}; }),
    rc::gen::map(valid_segment(), [](std::string s) { return invalid_case{s + "\\", path_errc::backslash_in_segment}; }),
    rc::gen::map(rc::gen::inRange(0, 32), [](int c) {
      return invalid_case{"a" + std::string(1, static_cast<char>(c)), path_errc::control_character};
    }),
    rc::gen::map(rc::gen::element<std::string>("\xC0\xAE", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                                               "\xC3", "\x80", "\xFE", "\xF8\x88\x80\x80\x80"),
                 [](std::string s) { return invalid_case{"x" + s, path_errc::invalid_utf8}; }),
    rc::gen::map(valid_segment(), [](std::string s) { return invalid_case{".zddc" + s, path_errc::reserved_name}; }),
    just(invalid_case{std::string(segment_bytes_max + 1, 'n'), path_errc::segment_too_long}));
}

RC_GTEST_PROP(path_codec, every_invalid_segment_class_is_refused_on_the_wire, ())
{
  auto const prefix = *valid_path();
  auto const bad = *invalid_segment();
  auto const wire = std::string(encode(prefix, target_form::directory).str());
  auto const target = url_target::parse(wire + encode_everything(bad.segment));
  RC_ASSERT(target.has_value());
  auto const decoded = decode(*target);
  RC_ASSERT(! decoded.has_value());
  RC_ASSERT(decoded.error() == bad.expected);
  RC_ASSERT(! prefix.child(bad.segment).has_value());
}

// decode builds its path with append, in place; child makes a new path.
// Both must take and refuse the same segments, with the same error, and a
// refused append must leave the path as it was.
RC_GTEST_PROP(path_codec, append_takes_and_refuses_what_child_does, ())
{
  auto const start = *valid_path();
  auto const segment = *rc::gen::oneOf(valid_segment(), rc::gen::map(invalid_segment(), [](const invalid_case& c) {
                                         return c.segment;
                                       }),
                                       rc::gen::map(rc::gen::inRange<std::size_t>(1, segment_bytes_max + 1),
                                                    [](std::size_t n) { return std::string(n, 'x'); }));
  auto const made = start.child(segment);
  auto appended = start;
  auto const ec = appended.append(segment);
  if(made) {
    RC_ASSERT(! ec);
    RC_ASSERT(appended == *made);
  } else {
    RC_ASSERT(ec == made.error());
    RC_ASSERT(appended == start);
  }
}

// What Boost.URL's origin-form rule (RFC 9112 §3.2.1) makes of `s`: the
// path and query of an origin-form target that starts with '/', or nullopt.
std::optional<std::pair<std::string, std::optional<std::string>>>
boost_url_reading(std::string_view s)
{
  auto const u = boost::urls::parse_origin_form(s);
  if(! u || u->encoded_path().empty() || u->encoded_path().front() != '/')
    return std::nullopt;
  return std::pair{std::string(u->encoded_path()),
                   u->has_query() ? std::optional<std::string>(u->encoded_query()) : std::nullopt};
}

void
expect_read_as_boost_url_reads(std::string_view s)
{
  auto const mine = url_target::parse(s);
  auto const theirs = boost_url_reading(s);
  RC_ASSERT(mine.has_value() == theirs.has_value());
  if(! mine)
    return;
  RC_ASSERT(std::string(mine->encoded_path()) == theirs->first);
  auto const query = mine->encoded_query();
  RC_ASSERT(query.has_value() == theirs->second.has_value());
  if(query)
    RC_ASSERT(std::string(*query) == *theirs->second);
}

// url_target::parse checks a target itself, with Boost.URL's character
// sets; Boost.URL's own parser is the oracle it must agree with.
RC_GTEST_PROP(path_codec, a_target_is_taken_exactly_when_boost_url_takes_it, ())
{
  auto const pieces = *rc::gen::resize(
    12, rc::gen::container<std::vector<std::string>>(rc::gen::oneOf(
          rc::gen::element<std::string>("/", "//", "?", "#", "%", "%2", "%2F", "%2f", "%zz", "%G0", "%0g", "%%",
                                        "a", "Z", "9", " ", "[", "]", ":", "@", "!", "$", "&", "'", "(", ")", "*",
                                        "+", ",", ";", "=", "-", ".", "_", "~", "\\", "^", "\"", "\xC3\xA9"),
          rc::gen::map(rc::gen::arbitrary<char>(), [](char c) { return std::string(1, c); }))));
  std::string s = *rc::gen::element<std::string>("/", "/", "/", "", "?", "a");
  for(auto const& p : pieces)
    s += p;
  expect_read_as_boost_url_reads(s);
}

TEST(path_codec, every_byte_in_a_path_and_a_query_is_taken_as_boost_url_takes_it)
{
  for(int b = 0; b < 256; ++b) {
    auto const c = std::string(1, static_cast<char>(b));
    for(auto const& s : {"/a" + c + "b", "/" + c, "/a?x" + c + "y", "/a?" + c, "/%" + c + "0", "/%0" + c,
                         "/a?%" + c + "A"}) {
      auto const mine = url_target::parse(s);
      EXPECT_EQ(mine.has_value(), boost_url_reading(s).has_value()) << "byte " << b << " in " << s;
    }
  }
}

// Targets assembled from the fragments attackers use. Whatever decodes must
// be a path whose every segment is valid: with no `.`/`..`/empty segment and
// no separator inside a segment, resolving it under the root cannot leave it.
RC_GTEST_PROP(path_codec, nothing_that_decodes_escapes_the_root, ())
{
  auto const pieces = *rc::gen::resize(
    10, rc::gen::container<std::vector<std::string>>(rc::gen::element<std::string>(
          "/", "..", ".", "%2e", "%2E", "%2f", "%2F", "%5c", "%00", "%c0%ae", "%25", "%252e", "a",
          "b c", "%20", "~", ".zddc", "%2ezddc", "?", "#", "//", "\\", "%ff")));
  std::string s = "/";
  for(auto const& p : pieces)
    s += p;
  auto const target = url_target::parse(s);
  if(! target)
    return;
  auto const decoded = decode(*target);
  if(! decoded)
    return;
  std::string_view rest = decoded->path.str();
  std::size_t depth = 0;
  while(! rest.empty()) {
    auto const slash = rest.find('/');
    auto const seg = rest.substr(0, slash);
    RC_ASSERT(! validate_segment(seg, false));
    ++depth;
    if(slash == std::string_view::npos)
      break;
    rest.remove_prefix(slash + 1);
  }
  RC_ASSERT(depth == decoded->path.depth());
}

} // namespace
} // namespace zddc::core
