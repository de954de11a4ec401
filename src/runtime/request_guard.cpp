#include "runtime/request_guard.hpp"

#include <zddc/core/field_lookup.hpp>

#include <openssl/crypto.h>

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core/string.hpp>

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace zddc::runtime {
namespace {

namespace http = boost::beast::http;

bool
is_reg_name_char(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

std::string
lower(std::string_view s)
{
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Whether `host` is an IPv4 address written as its canonical form is:
// four decimal parts of 0-255, without leading zeros.
bool
is_canonical_ipv4(std::string_view host)
{
  int parts = 0;
  while(parts < 4) {
    unsigned value = 0;
    auto const [end, ec] = std::from_chars(host.data(), host.data() + host.size(), value);
    auto const digits = static_cast<std::size_t>(end - host.data());
    // from_chars reads decimal digits only (no sign, no spaces).
    if(ec != std::errc() || value > 255 || (digits > 1 && host.front() == '0'))
      return false;
    host.remove_prefix(digits);
    if(++parts < 4) {
      if(! host.starts_with('.'))
        return false;
      host.remove_prefix(1);
    }
  }
  return host.empty();
}

// An IP literal in canonical form (IPv6 in brackets), or nullopt.
std::optional<std::string>
canonical_ip(std::string_view host)
{
  if(is_canonical_ipv4(host))
    return std::string(host); // the common Host: 127.0.0.1:8080; no round trip through inet_ntop
  boost::system::error_code ec;
  if(host.size() > 2 && host.front() == '[' && host.back() == ']') {
    auto const a = boost::asio::ip::make_address_v6(std::string(host.substr(1, host.size() - 2)), ec);
    return ec ? std::nullopt : std::optional<std::string>("[" + a.to_string() + "]");
  }
  auto const a = boost::asio::ip::make_address_v4(std::string(host), ec);
  return ec ? std::nullopt : std::optional<std::string>(a.to_string());
}

// The one value of a field that must appear exactly once; nullopt when it
// is absent or repeated.
std::optional<std::string_view>
single_field(const request_head& head, http::field f, std::size_t& count)
{
  count = core::count_field(head, f);
  if(count != 1)
    return std::nullopt;
  return std::string_view(core::find_field(head, f)->value());
}

constexpr edge_refusal bad_framing{http::status::bad_request,
                                   "bad request: only Transfer-Encoding: chunked, alone and without Content-Length",
                                   true};

// A `Host` value split into its host, as written, and its port.
struct written_authority {
  std::string_view host;
  std::optional<std::uint16_t> port;
};

std::optional<written_authority>
split_authority(std::string_view text)
{
  written_authority out{text, std::nullopt};
  std::string_view port;
  if(text.starts_with('[')) {
    auto const close = text.find(']');
    if(close == std::string_view::npos)
      return std::nullopt;
    out.host = text.substr(0, close + 1);
    auto const rest = text.substr(close + 1);
    if(! rest.empty() && ! rest.starts_with(':'))
      return std::nullopt;
    if(! rest.empty())
      port = rest.substr(1);
  } else if(auto const colon = text.rfind(':'); colon != std::string_view::npos) {
    out.host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if(! port.empty()) {
    std::uint16_t p = 0;
    auto const [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if(ec != std::errc() || end != port.data() + port.size())
      return std::nullopt;
    out.port = p;
  }
  return out;
}

// The host in its canonical form: an IP literal as written back, a
// reg-name lower-cased; nullopt when it is neither.
std::optional<authority>
canonical_authority(const written_authority& written)
{
  auto const host = written.host;
  authority out;
  if(auto ip = canonical_ip(host))
    out.host = std::move(*ip);
  else if(! host.empty() && std::all_of(host.begin(), host.end(), is_reg_name_char))
    out.host = lower(host);
  else
    return std::nullopt;
  out.port = written.port;
  return out;
}

} // namespace

std::optional<authority>
parse_authority(std::string_view text)
{
  auto const written = split_authority(text);
  return written ? canonical_authority(*written) : std::nullopt;
}

host_allowlist::host_allowlist(std::string_view listen_host, const std::vector<std::string>& allowed)
{
  for(auto const* name : {"localhost", "127.0.0.1", "[::1]"})
    names_.push_back(*parse_authority(name)); // constants that parse
  auto const listen = std::string(listen_host).find(':') != std::string::npos ? "[" + std::string(listen_host) + "]"
                                                                              : std::string(listen_host);
  if(auto const a = parse_authority(listen)) {
    any_ip_literal_ = a->host == "0.0.0.0" || a->host == "[::]";
    if(! any_ip_literal_)
      names_.push_back(authority{a->host, std::nullopt});
  }
  for(auto const& item : allowed) {
    if(item == "*") {
      any_ = true;
      continue;
    }
    auto a = parse_authority(item);
    if(! a)
      throw std::invalid_argument("not a host name: " + item);
    names_.push_back(std::move(*a));
  }
}

bool
host_allowlist::allows(const authority& a) const
{
  return any_ || (any_ip_literal_ && canonical_ip(a.host)) || names(a.host, a.port);
}

bool
host_allowlist::names(std::string_view host, std::optional<std::uint16_t> port) const
{
  return std::any_of(names_.begin(), names_.end(),
                     [&](const authority& n) { return n.host == host && (! n.port || n.port == port); });
}

std::optional<edge_refusal>
check_framing(const request_head& head)
{
  std::size_t count = 0;
  auto const te = single_field(head, http::field::transfer_encoding, count);
  if(count == 0)
    return std::nullopt;
  if(! te || ! boost::beast::iequals(*te, "chunked") || head.version() < 11 ||
     core::count_field(head, http::field::content_length) != 0)
    return bad_framing;
  return std::nullopt;
}

std::optional<edge_refusal>
check_host(const request_head& head, const host_allowlist& hosts)
{
  std::size_t count = 0;
  auto const value = single_field(head, http::field::host, count);
  if(count == 0 && head.version() < 11)
    return std::nullopt; // HTTP/1.0 may omit Host; a browser never does
  // The names are kept as parse_authority writes them, and it writes a
  // name it was given in that form unchanged: a Host spelling one of them
  // exactly (the common case: what the client was told to connect to) is
  // that name without being parsed.
  auto const written = value ? split_authority(*value) : std::nullopt;
  if(written && hosts.names(written->host, written->port))
    return std::nullopt;
  auto const a = written ? canonical_authority(*written) : std::nullopt;
  if(! a)
    return edge_refusal{http::status::bad_request, "bad request: one valid Host field is required", true};
  if(! hosts.allows(*a))
    return edge_refusal{http::status::misdirected_request,
                        "misdirected request: this server does not answer to that Host (see --allowed-host)", false};
  return std::nullopt;
}

std::optional<edge_refusal>
check_origin(const request_head& head, bool tls)
{
  if(is_safe_method(head.method()) || core::count_field(head, http::field::origin) == 0)
    return std::nullopt;
  constexpr edge_refusal cross_origin{http::status::forbidden, "forbidden: a write from another origin", false};
  std::size_t count = 0;
  auto const origin = single_field(head, http::field::origin, count);
  auto const host_value = core::find_field(head, http::field::host);
  if(! origin || host_value == head.end())
    return cross_origin;
  auto const sep = origin->find("://");
  auto const scheme = sep == std::string_view::npos ? std::string() : lower(origin->substr(0, sep));
  if(scheme != "https" && (tls || scheme != "http"))
    return cross_origin;
  auto const from = parse_authority(origin->substr(sep + 3));
  auto const host = parse_authority(host_value->value());
  if(! from || ! host)
    return cross_origin;
  std::uint16_t const default_port = scheme == "https" ? 443 : 80;
  if(from->host != host->host || from->port.value_or(default_port) != host->port.value_or(default_port))
    return cross_origin;
  return std::nullopt;
}

std::optional<edge_refusal>
check_request_head(const request_head& head, const host_allowlist& hosts, bool tls)
{
  if(auto r = check_framing(head))
    return r;
  if(auto r = check_host(head, hosts))
    return r;
  return check_origin(head, tls);
}

bool
is_safe_method(http::verb m) noexcept
{
  return m == http::verb::get || m == http::verb::head || m == http::verb::options || m == http::verb::trace;
}

std::optional<edge_refusal>
check_csrf(http::verb method, const boost::beast::http::fields& headers, const authentication& who)
{
  if(who.via != credential_kind::session || is_safe_method(method))
    return std::nullopt;
  constexpr edge_refusal refused{http::status::forbidden,
                                 "forbidden: a signed-in browser's change must come from this server's own page "
                                 "(its Origin and X-Zddc-Csrf header); reload the page and try again",
                                 false};
  if(core::count_field(headers, http::field::origin) == 0) // step 3 matched it against Host when present
    return refused;
  auto const sent = headers.find(csrf_header);
  if(sent == headers.end() || who.csrf.empty() || sent->value().size() != who.csrf.size() ||
     CRYPTO_memcmp(sent->value().data(), who.csrf.data(), who.csrf.size()) != 0)
    return refused;
  return std::nullopt;
}

} // namespace zddc::runtime
