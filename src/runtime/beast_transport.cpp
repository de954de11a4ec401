#include "runtime/beast_transport.hpp"

#include "runtime/config.hpp"
#include "runtime/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <limits>
#include <span>
#include <sys/socket.h>

namespace zddc::runtime {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct beast_transport::connection {
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer; // bytes read past a message (none when pooled)

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

namespace {

constexpr std::size_t body_chunk_bytes = 64 * 1024; // per read from a source or hand-off to a sink
constexpr auto as_result = asio::as_tuple(asio::use_awaitable);

// How one exchange on one connection ended.
struct exchange_result {
  error_code ec;                 // empty on success
  bool passthrough = false;      // `ec` came from the sink or the source, not the network
  bool body_read = false;        // bytes were pulled from the request body source
  bool response_started = false; // bytes of a response arrived
  bool reusable = false;         // the connection may carry another exchange
  env::upstream_response response;
};

bool
is_proxy_field(std::string_view name)
{
  return name.size() >= 6 && beast::iequals(name.substr(0, 6), "proxy-");
}

// Fields that frame the message or speak for the connection: the transport
// sets them itself.
bool
is_transport_request_field(const http::fields::value_type& f)
{
  switch(f.name()) {
  case http::field::host:
  case http::field::content_length:
  case http::field::transfer_encoding:
  case http::field::connection:
  case http::field::keep_alive:
  case http::field::te:
  case http::field::trailer:
  case http::field::upgrade:
  case http::field::expect:
  case http::field::authorization:
    return true;
  default:
    return is_proxy_field(f.name_string());
  }
}

// Hop-by-hop fields of a response (RFC 9110 §7.6.1): about this connection,
// meaningless to the caller once the body is de-framed.
void
remove_hop_by_hop(http::fields& fields)
{
  std::vector<std::string> named;
  for(auto const& token : http::token_list(fields[http::field::connection]))
    named.emplace_back(token);
  for(auto const& name : named)
    fields.erase(name);
  for(auto const f : {http::field::connection, http::field::keep_alive, http::field::transfer_encoding,
                      http::field::te, http::field::trailer, http::field::upgrade, http::field::proxy_connection})
    fields.erase(f);
}

// The peer closed the connection under us: what a stale keep-alive looks like.
bool
is_peer_closed(error_code ec)
{
  return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::connection_aborted ||
         ec == asio::error::not_connected || ec == asio::ssl::error::stream_truncated;
}

// A network failure in the Transport's vocabulary.
error_code
network_error(error_code ec, bool response_started)
{
  if(ec == asio::error::operation_aborted)
    return ec;
  if(ec == beast::error::timeout)
    return errc::timed_out;
  if(ec.category() == zddc_category())
    return ec;
  if(response_started)
    return errc::protocol_error; // malformed, oversized or cut short
  return errc::unreachable;
}

using response_parser = http::response_parser<http::buffer_body>;

// Sends the request head, then its body in chunks pulled from `source`.
// Returns the write error, if any. A source that fails or ends short of its
// declared size makes the request impossible to complete: that is set in
// `out` as a passthrough error, and the connection is abandoned.
template<class Stream>
asio::awaitable<error_code>
send_request(Stream& stream, http::request<http::buffer_body>& req, env::body_source* source,
             std::span<std::byte> chunk, const beast_transport_options& options, exchange_result& out)
{
  auto& lowest = beast::get_lowest_layer(stream);
  req.body().data = nullptr;
  req.body().size = 0;
  req.body().more = source != nullptr;
  http::request_serializer<http::buffer_body> sr{req};
  lowest.expires_after(options.io_timeout);
  if(! source) {
    auto [ec, n] = co_await http::async_write(stream, sr, as_result);
    co_return ec;
  }
  auto [write_ec, hn] = co_await http::async_write_header(stream, sr, as_result);
  auto const declared = source->size();
  std::uint64_t sent = 0;
  while(! write_ec) {
    std::size_t want = chunk.size();
    if(declared)
      want = static_cast<std::size_t>(std::min<std::uint64_t>(want, *declared - sent));
    if(want == 0)
      break;
    out.body_read = true;
    auto got = source->read(chunk.first(want));
    if(! got || (*got == 0 && declared)) {
      out.ec = got ? error_code(errc::protocol_error) : got.error();
      out.passthrough = true;
      co_return out.ec;
    }
    if(*got == 0)
      break;
    req.body().data = chunk.data();
    req.body().size = *got;
    req.body().more = true;
    lowest.expires_after(options.io_timeout);
    auto [bec, bn] = co_await http::async_write(stream, sr, as_result);
    if(bec != http::error::need_buffer)
      write_ec = bec;
    sent += *got;
  }
  if(write_ec)
    co_return write_ec;
  req.body().data = nullptr;
  req.body().size = 0;
  req.body().more = false;
  lowest.expires_after(options.io_timeout);
  auto [fec, fn] = co_await http::async_write(stream, sr, as_result);
  co_return fec;
}

// Reads response heads into `parser` until a final (non-1xx) one; false,
// with `out.ec` set, when none came.
template<class Stream>
asio::awaitable<bool>
read_final_head(Stream& stream, beast::flat_buffer& buffer, std::optional<response_parser>& parser,
                http::verb method, error_code write_ec, const beast_transport_options& options,
                exchange_result& out)
{
  auto& lowest = beast::get_lowest_layer(stream);
  for(;;) {
    parser.emplace();
    parser->header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(options.header_bytes_max, std::numeric_limits<std::uint32_t>::max())));
    parser->body_limit(boost::none); // the sink enforces its own limit
    if(method == http::verb::head)
      parser->skip(true);
    lowest.expires_after(options.io_timeout);
    auto [ec, n] = co_await http::async_read_header(stream, buffer, *parser, as_result);
    if(parser->got_some() || buffer.size() > 0)
      out.response_started = true;
    if(ec) {
      out.ec = write_ec && ! out.response_started ? write_ec : ec;
      co_return false;
    }
    auto const code = parser->get().result_int();
    if(code == 101) { // we never ask to switch protocols
      out.ec = errc::protocol_error;
      co_return false;
    }
    if(code >= 200)
      co_return true;
  }
}

// Reads the response body, handing each piece to `sink` as it arrives;
// false, with `out.ec` set, when it did not all come or the sink refused.
// Beast reads as much as the buffer has room for (at least 512 bytes), and
// the room left after a header is small: without the reserve a large body
// came in ~512-byte reads, each its own write to the sink.
template<class Stream>
asio::awaitable<bool>
read_body(Stream& stream, beast::flat_buffer& buffer, response_parser& parser, std::span<std::byte> chunk,
          env::body_sink& sink, const beast_transport_options& options, exchange_result& out)
{
  auto& lowest = beast::get_lowest_layer(stream);
  buffer.reserve(body_chunk_bytes);
  auto& res = parser.get();
  while(! parser.is_done()) {
    res.body().data = chunk.data();
    res.body().size = chunk.size();
    lowest.expires_after(options.io_timeout);
    auto [ec, n] = co_await http::async_read_some(stream, buffer, parser, as_result);
    if(ec == http::error::need_buffer)
      ec = {};
    if(auto const got = chunk.size() - res.body().size; got > 0) {
      if(auto sec = sink.write(chunk.first(got))) {
        out.ec = sec;
        out.passthrough = true;
        co_return false;
      }
    }
    if(ec) {
      out.ec = ec;
      co_return false;
    }
  }
  lowest.expires_never();
  co_return true;
}

// One request and its response on one connection: send, read the final
// head, read the body. The request head is complete; its body comes from
// `source`.
template<class Stream>
asio::awaitable<exchange_result>
exchange(Stream& stream, beast::flat_buffer& buffer, http::request<http::buffer_body>& req,
         env::body_source* source, env::body_sink& sink, const beast_transport_options& options)
{
  exchange_result out;
  std::vector<std::byte> chunk(body_chunk_bytes);
  auto const write_ec = co_await send_request(stream, req, source, chunk, options, out);
  if(out.passthrough)
    co_return out;
  if(write_ec == asio::error::operation_aborted || write_ec == beast::error::timeout) {
    out.ec = write_ec;
    co_return out;
  }
  // After any other write failure the upstream may still have answered
  // before closing (a 413 or 401 sent without reading the body): read on.
  std::optional<response_parser> parser;
  if(! co_await read_final_head(stream, buffer, parser, req.method(), write_ec, options, out))
    co_return out;
  if(! co_await read_body(stream, buffer, *parser, chunk, sink, options, out))
    co_return out;
  auto& res = parser->get();
  out.reusable = ! write_ec && res.keep_alive() && ! parser->need_eof() && buffer.size() == 0;
  out.response.status = static_cast<http::status>(res.result_int()); // keeps codes Beast has no name for
  out.response.headers = static_cast<const http::fields&>(res);
  remove_hop_by_hop(out.response.headers);
  co_return out;
}

// An idle connection is usable while nothing is waiting to be read on it:
// no EOF (the peer closed it) and no unsolicited bytes (a 408, say).
bool
idle_connection_usable(beast::tcp_stream& stream)
{
  char byte;
  auto const n = ::recv(stream.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

bool
is_bearer_token(std::string_view token)
{
  return ! token.empty() &&
         std::all_of(token.begin(), token.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

} // namespace

beast_transport::beast_transport(boost::asio::any_io_executor executor, std::string_view upstream_url,
                                 std::optional<std::string> bearer, beast_transport_options options)
  : executor_(std::move(executor)), options_(std::move(options))
{
  namespace urls = boost::urls;
  auto parsed = urls::parse_absolute_uri(upstream_url);
  if(! parsed)
    throw config_error("the upstream URL is not an absolute URL: " + parsed.error().message());
  auto const& url = *parsed;
  if(url.scheme_id() == urls::scheme::https)
    tls_ = true;
  else if(url.scheme_id() != urls::scheme::http)
    throw config_error("the upstream URL must start with http:// or https://");
  if(url.has_userinfo())
    throw config_error("the upstream URL must not carry credentials (use the bearer token)");
  if(! url.has_authority() || url.encoded_host().empty() || url.host_type() == urls::host_type::ipvfuture)
    throw config_error("the upstream URL has no usable host");
  if(url.has_query() || url.has_fragment())
    throw config_error("the upstream URL must not have a query or a fragment");

  host_ = url.host_address();
  host_field_ = url.encoded_host();
  if(url.has_port() && ! url.port().empty()) {
    auto const text = url.port();
    unsigned port = 0;
    auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
    if(ec != std::errc() || end != text.data() + text.size() || port == 0 || port > 65535)
      throw config_error("the upstream URL has an invalid port");
    port_ = std::to_string(port);
    host_field_ += ':' + port_;
  } else {
    port_ = tls_ ? "443" : "80";
  }
  prefix_ = url.encoded_path();
  while(! prefix_.empty() && prefix_.back() == '/')
    prefix_.pop_back();

  if(bearer) {
    if(! is_bearer_token(*bearer))
      throw config_error("the bearer token must be one word of visible ASCII");
    authorization_ = "Bearer " + *bearer;
  }

  if(tls_) {
    tls_context_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(tls_context_->native_handle(), TLS1_2_VERSION);
    error_code ec;
    tls_context_->set_default_verify_paths(ec);
    if(ec)
      throw config_error("cannot load the system's trusted certificates: " + ec.message());
    if(! options_.ca_file.empty()) {
      tls_context_->load_verify_file(options_.ca_file, ec);
      if(ec)
        throw config_error("cannot load the CA file " + options_.ca_file + ": " + ec.message());
    }
    tls_context_->set_verify_mode(asio::ssl::verify_peer);
  }
}

beast_transport::~beast_transport() = default;

boost::asio::awaitable<result<env::upstream_response>>
beast_transport::round_trip(env::upstream_request request, env::body_sink& sink)
{
  try {
    auto r = co_await round_trip_with_retry(request, sink);
    co_return r;
  } catch(const boost::system::system_error& e) {
    // Asio throws `operation_aborted` from a cancelled coroutine's next
    // suspension; the seam reports it as a value. Any connection in use
    // was closed on the way out.
    co_return e.code();
  }
}

boost::asio::awaitable<result<env::upstream_response>>
beast_transport::round_trip_with_retry(const env::upstream_request& request, env::body_sink& sink)
{
  http::request<http::buffer_body> req;
  req.method(request.method);
  req.target(prefix_ + std::string(request.target.str()));
  req.version(11);
  for(auto const& f : request.headers)
    if(! is_transport_request_field(f))
      req.insert(f.name_string(), f.value());
  req.set(http::field::host, host_field_);
  if(authorization_)
    req.set(http::field::authorization, *authorization_);
  if(req.find(http::field::user_agent) == req.end())
    req.set(http::field::user_agent, "zddc");
  if(request.body) {
    if(auto const n = request.body->size())
      req.content_length(*n);
    else
      req.chunked(true);
  } else if(request.method == http::verb::put || request.method == http::verb::post ||
            request.method == http::verb::patch) {
    req.content_length(0); // an empty body, said so: a server may insist on a length
  }

  for(int attempt = 0;; ++attempt) {
    std::unique_ptr<connection> c;
    if(attempt == 0)
      c = take_idle();
    bool const reused = c != nullptr;
    if(! c) {
      auto fresh = co_await connect();
      if(! fresh)
        co_return fresh.error();
      c = std::move(*fresh);
    }

    exchange_result x;
    if(c->tls)
      x = co_await exchange(*c->tls, c->buffer, req, request.body, sink, options_);
    else
      x = co_await exchange(*c->plain, c->buffer, req, request.body, sink, options_);

    if(! x.ec) {
      if(x.reusable)
        put_idle(std::move(c));
      co_return std::move(x.response);
    }
    // A stale keep-alive: the peer closed the idle connection as the request
    // went out. Nothing came back and nothing of the body was consumed, so
    // the request can go again, once, on a fresh connection.
    if(reused && ! x.passthrough && ! x.body_read && ! x.response_started && is_peer_closed(x.ec))
      continue;
    co_return x.passthrough ? x.ec : network_error(x.ec, x.response_started);
  }
}

boost::asio::awaitable<result<std::unique_ptr<beast_transport::connection>>>
beast_transport::connect()
{
  tcp::resolver resolver(executor_);
  auto [rec, endpoints] = co_await resolver.async_resolve(host_, port_, as_result);
  if(rec)
    co_return rec == asio::error::operation_aborted ? rec : error_code(errc::unreachable);

  auto c = std::make_unique<connection>();
  if(tls_)
    c->tls.emplace(executor_, *tls_context_);
  else
    c->plain.emplace(executor_);
  auto& lowest = c->lowest();
  lowest.expires_after(options_.connect_timeout);
  auto [cec, endpoint] = co_await lowest.async_connect(endpoints, as_result);
  if(cec)
    co_return network_error(cec, false);
  error_code ignored;
  lowest.socket().set_option(tcp::no_delay(true), ignored); // the head and the body go in separate writes

  if(tls_) {
    auto& stream = *c->tls;
    error_code not_an_address;
    asio::ip::make_address(host_, not_an_address);
    if(not_an_address && ! SSL_set_tlsext_host_name(stream.native_handle(), host_.c_str())) // SNI
      co_return errc::unreachable;
    stream.set_verify_mode(asio::ssl::verify_peer);
    stream.set_verify_callback(asio::ssl::host_name_verification(host_));
    lowest.expires_after(options_.connect_timeout);
    auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::client, as_result);
    if(hec) {
      if(hec != asio::error::operation_aborted && hec != beast::error::timeout)
        log(log_level::warn, "upstream TLS handshake failed", {{"upstream", host_field_}, {"error", hec.message()}});
      co_return network_error(hec, false);
    }
  }
  lowest.expires_never();
  co_return std::move(c);
}

std::unique_ptr<beast_transport::connection>
beast_transport::take_idle()
{
  while(! idle_.empty()) {
    auto c = std::move(idle_.back()); // the most recently used is the least likely to be stale
    idle_.pop_back();
    if(idle_connection_usable(c->lowest()))
      return c;
  }
  return nullptr;
}

void
beast_transport::put_idle(std::unique_ptr<connection> c)
{
  idle_.push_back(std::move(c));
  if(idle_.size() > options_.idle_connections_max)
    idle_.erase(idle_.begin());
}

} // namespace zddc::runtime
