// core/field_lookup.hpp against Beast's own lookups: for any request head
// the parser produces, finding a known field by its enum answers what
// Beast's `find` and `count` answer.
#include <zddc/core/field_lookup.hpp>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/empty_body.hpp>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cctype>
#include <string>
#include <vector>

namespace zddc::core {
namespace field_lookup_test {

namespace http = boost::beast::http;

// Names a request carries, known to Beast, and two it does not know.
const std::vector<std::string> names = {"Host",          "If-None-Match", "If-Match",   "If-Modified-Since",
                                        "Range",         "Accept",        "Authorization", "Origin",
                                        "Expect",        "Content-Length", "X-Zddc-Csrf", "X-Unknown-To-Beast"};

const std::vector<http::field> looked_up = {http::field::host,   http::field::if_none_match, http::field::if_match,
                                            http::field::if_modified_since, http::field::range, http::field::accept,
                                            http::field::authorization, http::field::origin, http::field::expect,
                                            http::field::if_range};

// A name as a client may spell it: any mix of cases.
rc::Gen<std::string>
spelled(const std::string& name)
{
  return rc::gen::map(rc::gen::container<std::vector<bool>>(name.size(), rc::gen::arbitrary<bool>()),
                      [name](const std::vector<bool>& upper) {
                        std::string s = name;
                        for(std::size_t i = 0; i < s.size(); ++i)
                          s[i] = static_cast<char>(upper[i] ? std::toupper(static_cast<unsigned char>(s[i]))
                                                            : std::tolower(static_cast<unsigned char>(s[i])));
                        return s;
                      });
}

RC_GTEST_PROP(field_lookup, finds_and_counts_as_beast_does, ())
{
  auto const picks = *rc::gen::resize(12, rc::gen::container<std::vector<std::size_t>>(
                                            rc::gen::inRange<std::size_t>(0, names.size())));
  std::string head = "GET / HTTP/1.1\r\n";
  int n = 0;
  for(auto const i : picks) {
    auto const name = *spelled(names[i]);
    // Content-Length must be one number to parse; keep every value valid.
    auto const value = names[i] == "Content-Length" ? std::string("0") : "v" + std::to_string(n++);
    head += name + ": " + value + "\r\n";
  }
  head += "\r\n";
  http::request_parser<http::empty_body> parser;
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(head), ec);
  RC_PRE(! ec && parser.is_header_done()); // a repeated Content-Length is refused by the parser itself
  auto const& fields = static_cast<const http::fields&>(parser.get());
  for(auto const f : looked_up) {
    RC_ASSERT(count_field(fields, f) == fields.count(f));
    auto const mine = find_field(fields, f);
    auto const beasts = fields.find(f);
    RC_ASSERT((mine == fields.end()) == (beasts == fields.end()));
    if(mine != fields.end())
      RC_ASSERT(std::string(mine->value()) == std::string(beasts->value())); // the first of them, both
  }
}

} // namespace field_lookup_test
} // namespace zddc::core
