#include "runtime/http_server.hpp"

#include "runtime/io_deadline.hpp"
#include "runtime/log.hpp"
#include "runtime/request_guard.hpp"
#include "runtime/response_head.hpp"
#include "runtime/sign_in.hpp"

#include <zddc/core/credentials.hpp>
#include <zddc/core/field_lookup.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <array>
#include <charconv>
#include <atomic>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <sys/sendfile.h>

namespace zddc::runtime {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::use_awaitable;

constexpr std::size_t header_bytes_max = 16 * 1024; // request line and fields
// A file body up to this size goes out with its head in one gathered write;
// a larger one by sendfile(2) on plain TCP, in pieces of this size over TLS.
constexpr std::size_t file_chunk_bytes = 64 * 1024;
constexpr std::uint64_t drain_bytes_max = 64 * 1024; // unread body read and dropped to keep the connection
constexpr auto shutdown_poll_interval = std::chrono::milliseconds(20);
constexpr std::size_t first_read_bytes = 4096;                   // each read of a request header
constexpr auto close_linger = std::chrono::milliseconds(500);    // reading what a client still sends before our close
constexpr int refusals_max = 64;                                 // over-limit connections answered 503 at once; more are just closed

struct server_metrics {
  std::array<std::atomic<std::uint64_t>, 6> requests{}; // by status / 100
  std::atomic<std::uint64_t> response_bytes{0};
  std::atomic<std::int64_t> connections_open{0};
  std::atomic<std::uint64_t> connections_total{0};
  std::atomic<std::uint64_t> connections_refused{0};
  std::atomic<std::int64_t> requests_in_flight{0};

  std::string
  render() const
  {
    std::string s;
    s += "# HELP zddc_requests_total Requests answered, by status class.\n";
    s += "# TYPE zddc_requests_total counter\n";
    for(std::size_t c = 1; c < requests.size(); ++c)
      s += "zddc_requests_total{class=\"" + std::to_string(c) + "xx\"} " +
           std::to_string(requests[c].load()) + "\n";
    s += "# HELP zddc_response_body_bytes_total Response body bytes sent.\n";
    s += "# TYPE zddc_response_body_bytes_total counter\n";
    s += "zddc_response_body_bytes_total " + std::to_string(response_bytes.load()) + "\n";
    s += "# HELP zddc_connections_open Client connections open now.\n";
    s += "# TYPE zddc_connections_open gauge\n";
    s += "zddc_connections_open " + std::to_string(connections_open.load()) + "\n";
    s += "# HELP zddc_connections_total Client connections accepted.\n";
    s += "# TYPE zddc_connections_total counter\n";
    s += "zddc_connections_total " + std::to_string(connections_total.load()) + "\n";
    s += "# HELP zddc_connections_refused_total Client connections refused over --max-connections.\n";
    s += "# TYPE zddc_connections_refused_total counter\n";
    s += "zddc_connections_refused_total " + std::to_string(connections_refused.load()) + "\n";
    s += "# HELP zddc_requests_in_flight Requests being handled now.\n";
    s += "# TYPE zddc_requests_in_flight gauge\n";
    s += "zddc_requests_in_flight " + std::to_string(requests_in_flight.load()) + "\n";
    return s;
  }
};

std::uint64_t
open_files_soft_limit()
{
  rlimit limit{};
  if(::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
    return UINT64_MAX;
  return limit.rlim_cur;
}

struct shared_state {
  shared_state(const serve_config& c, edge_access a, status_function s)
    : config(c), authenticate(std::move(a.authenticate)), sign_in(a.sign_in), status(std::move(s)), hosts(c.listen_host, c.allowed_hosts),
      connections_max(c.max_connections ? c.max_connections : connections_max_for(open_files_soft_limit()))
  {
  }

  const serve_config& config;
  authenticator authenticate;
  sign_in_service* sign_in = nullptr; // null: no browser sign-in here
  status_function status; // empty: the server's own health and metrics only
  host_allowlist hosts;
  unsigned connections_max = 0;
  asio::ssl::context* tls = nullptr;
  server_metrics metrics;
  std::atomic<bool> stopping{false};
  std::atomic<int> live_connections{0}; // being served (refusals not counted)
  std::atomic<int> refusing{0};         // over the limit, being answered 503
};

// An io_context whose pending work can be destroyed ahead of the context
// itself (see ~loop_state).
class loop_context : public asio::io_context {
public:
  using asio::io_context::io_context;
  using asio::execution_context::shutdown;
};

struct loop_state {
  loop_context ioc{1};
  role_function role;
  std::set<io_deadline*> connections; // those being served on this loop; loop-local

  // A role may own I/O objects of this loop (a cache's channels, its
  // transport's sockets). They must outlive the coroutines suspended on
  // them, and go before the loop's services that they belong to: so first
  // destroy the pending work, then the role, then the loop.
  ~loop_state()
  {
    ioc.shutdown();
    role = nullptr;
  }
};

// Whether the client waits for `100 Continue` before sending the body.
bool
is_expect_continue(const http::fields& head)
{
  auto const expect = core::find_field(head, http::field::expect);
  return expect != head.end() && beast::iequals(expect->value(), "100-continue");
}

// A request body pulled from the connection through the parser.
template<class Stream>
class socket_request_body final : public core::request_body {
public:
  socket_request_body(Stream& stream, io_deadline& deadline, beast::flat_buffer& buffer,
                      http::request_parser<http::buffer_body>& parser, std::chrono::milliseconds timeout,
                      bool expect_continue)
    : stream_(stream), deadline_(deadline), buffer_(buffer), parser_(parser), timeout_(timeout),
      expect_continue_(expect_continue)
  {
  }

  std::optional<std::uint64_t>
  content_length() const override
  {
    auto const n = parser_.content_length();
    return n ? std::optional<std::uint64_t>(*n) : std::nullopt;
  }

  asio::awaitable<result<std::size_t>>
  read_some(std::span<std::byte> out) override
  {
    if(expect_continue_) {
      // The role wants the body: now invite the client to send it.
      expect_continue_ = false;
      static constexpr std::string_view go_on = "HTTP/1.1 100 Continue\r\n\r\n";
      auto const scope = deadline_.within(timeout_);
      auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(go_on), asio::as_tuple(use_awaitable));
      if(ec)
        co_return error_code(errc::unreachable);
    }
    // A read may consume only framing (chunk headers): go on until body
    // bytes arrive or the message ends.
    while(! parser_.is_done()) {
      parser_.get().body().data = out.data();
      parser_.get().body().size = out.size();
      auto const scope = deadline_.within(timeout_);
      auto [ec, n] = co_await http::async_read_some(stream_, buffer_, parser_, asio::as_tuple(use_awaitable));
      if(ec == http::error::need_buffer)
        ec = {};
      ec = deadline_.failure(ec);
      if(ec)
        co_return ec == beast::error::timeout ? error_code(errc::timed_out) : ec;
      auto const got = out.size() - parser_.get().body().size;
      if(got > 0)
        co_return got;
    }
    co_return std::size_t(0);
  }

  /// Reads and drops what the role left of a small body, so a request
  /// refused before its body was read (412, 403) need not cost the
  /// connection. True when the message ended. A client still waiting for
  /// `100 Continue` sends nothing, and a large body is not worth reading:
  /// both answer false and the caller closes.
  asio::awaitable<bool>
  drain()
  {
    if(expect_continue_)
      co_return false;
    auto const length = parser_.content_length();
    if(! length || *length > drain_bytes_max)
      co_return parser_.is_done();
    std::array<std::byte, 4096> scratch;
    for(;;) {
      auto n = co_await read_some(scratch);
      if(! n)
        co_return false;
      if(*n == 0)
        co_return true;
    }
  }

private:
  Stream& stream_;
  io_deadline& deadline_;
  beast::flat_buffer& buffer_;
  http::request_parser<http::buffer_body>& parser_;
  std::chrono::milliseconds timeout_;
  bool expect_continue_;
};

// A connection's means of answering: its stream, the deadline of its
// waits, and the buffer its heads are formatted into and the Date it last
// said (both kept from one request to the next).
template<class Stream>
struct responder {
  Stream& stream;
  io_deadline& deadline;
  std::chrono::milliseconds timeout;
  bool tls;
  std::string head;
  date_field date;

  // Writes `buffers` whole within the timeout.
  template<class Buffers>
  asio::awaitable<error_code>
  write(const Buffers& buffers)
  {
    auto const scope = deadline.within(timeout);
    auto [ec, n] = co_await asio::async_write(stream, buffers, asio::as_tuple(use_awaitable));
    co_return deadline.failure(ec);
  }
};

// Writes the head in `out.head`, then every piece `next()` gives (a span of
// bytes; empty when the body is complete, an error when it cannot be), as
// one chunk each when `chunked`. Returns the error, if any, and the body
// bytes sent.
template<class Stream, class Next>
asio::awaitable<std::pair<error_code, std::uint64_t>>
write_pieces(responder<Stream>& out, bool chunked, Next next)
{
  if(auto ec = co_await out.write(asio::buffer(out.head)))
    co_return std::pair{ec, std::uint64_t(0)};
  std::uint64_t sent = 0;
  for(;;) {
    result<std::span<std::byte>> piece = next();
    if(! piece)
      co_return std::pair{piece.error(), sent};
    if(piece->empty())
      break;
    error_code ec;
    if(chunked) {
      char size[20];
      auto const end = std::to_chars(size, size + sizeof size, piece->size(), 16).ptr;
      std::array<asio::const_buffer, 4> const buffers{asio::buffer(size, static_cast<std::size_t>(end - size)),
                                                      asio::buffer("\r\n", 2), asio::buffer(piece->data(), piece->size()),
                                                      asio::buffer("\r\n", 2)};
      ec = co_await out.write(buffers);
    } else {
      ec = co_await out.write(asio::buffer(piece->data(), piece->size()));
    }
    if(ec)
      co_return std::pair{ec, sent};
    sent += piece->size();
  }
  if(! chunked)
    co_return std::pair{error_code(), sent};
  co_return std::pair{co_await out.write(asio::buffer("0\r\n\r\n", 5)), sent};
}

// Writes the head in `out.head`, then `length` bytes of the file open as
// `fd` from `offset`, by sendfile(2): the bytes go from the page cache to
// the socket without passing through this process. Plain TCP only.
asio::awaitable<std::pair<error_code, std::uint64_t>>
send_file(responder<tcp::socket>& out, int fd, std::uint64_t offset, std::uint64_t length)
{
  if(auto ec = co_await out.write(asio::buffer(out.head)))
    co_return std::pair{ec, std::uint64_t(0)};
  auto& socket = out.stream;
  socket.native_non_blocking(true);
  auto at = static_cast<off_t>(offset);
  std::uint64_t sent = 0;
  while(sent < length) {
    auto const want = static_cast<std::size_t>(std::min<std::uint64_t>(length - sent, 1u << 30));
    auto const n = ::sendfile(socket.native_handle(), fd, &at, want);
    if(n > 0) {
      sent += static_cast<std::uint64_t>(n);
      continue;
    }
    if(n == 0) // the file shrank under us: the message cannot be completed
      co_return std::pair{error_code(errc::protocol_error), sent};
    if(errno == EINTR)
      continue;
    if(errno != EAGAIN)
      co_return std::pair{error_code(errno, boost::system::system_category()), sent};
    // The socket's buffer is full: wait until it drains, within the timeout.
    auto const scope = out.deadline.within(out.timeout);
    auto [ec] = co_await socket.async_wait(tcp::socket::wait_write, asio::as_tuple(use_awaitable));
    if(ec)
      co_return std::pair{out.deadline.failure(ec), sent};
  }
  co_return std::pair{error_code(), sent};
}

// Fills `to` from the file at `offset`; fails when the file ends first.
result<std::size_t>
read_exactly(const posix_filesystem::reader_type& reader, std::uint64_t offset, std::span<std::byte> to)
{
  std::size_t got = 0;
  while(got < to.size()) {
    auto n = reader.read_at(offset + got, to.subspan(got));
    if(! n)
      return n.error();
    if(*n == 0) // the file shrank under us: the message cannot be completed
      return errc::protocol_error;
    got += *n;
  }
  return got;
}

// Writes `r`; returns the error, if any, and the body bytes sent.
template<class Stream>
asio::awaitable<std::pair<error_code, std::uint64_t>>
write_response(responder<Stream>& out, daemon_response& r, unsigned version, bool keep_alive, bool head)
{
  edge_fields const edge{version, keep_alive, out.tls, out.date.at(std::chrono::system_clock::now())};
  bool const no_body = head || r.status == http::status::not_modified ||
                       r.status == http::status::no_content || r.status == http::status::continue_;
  if(no_body) {
    format_response_head(out.head, r.status, r.headers, body_framing::none(), edge);
    co_return std::pair{co_await out.write(asio::buffer(out.head)), std::uint64_t(0)};
  }
  if(auto* text = std::get_if<std::string>(&r.body)) {
    format_response_head(out.head, r.status, r.headers, body_framing::bytes(text->size()), edge);
    std::array<asio::const_buffer, 2> const buffers{asio::buffer(out.head), asio::buffer(*text)};
    auto const ec = co_await out.write(buffers);
    co_return std::pair{ec, std::uint64_t(ec ? 0 : text->size())};
  }

  if(auto* made = std::get_if<std::unique_ptr<core::body_stream>>(&r.body)) {
    // Made as it goes (`?tree`, `?zip`): chunked, one chunk per piece. An
    // HTTP/1.0 client knows no chunks: its body ends where the connection does.
    bool const chunked = version >= 11;
    format_response_head(out.head, r.status, r.headers, chunked ? body_framing::chunks() : body_framing::none(),
                         {version, keep_alive && chunked, out.tls, edge.date});
    std::string piece;
    co_return co_await write_pieces(out, chunked, [&]() -> result<std::span<std::byte>> {
      piece.clear();
      while(piece.empty() && (*made)->next(piece)) {
      }
      if(piece.empty() && (*made)->failed())
        return errc::protocol_error; // cut off without the last chunk: the client sees it truncated
      return std::as_writable_bytes(std::span(piece.data(), piece.size()));
    });
  }

  auto& slice = std::get<core::file_slice<posix_filesystem::reader_type>>(r.body);
  format_response_head(out.head, r.status, r.headers, body_framing::bytes(slice.length), edge);
  if(slice.length <= file_chunk_bytes) {
    // Small: read whole, then the head and the body in one gathered write.
    auto const body = std::make_unique_for_overwrite<std::byte[]>(slice.length);
    auto const got = read_exactly(slice.reader, slice.offset, std::span(body.get(), slice.length));
    if(! got)
      co_return std::pair{got.error(), std::uint64_t(0)};
    std::array<asio::const_buffer, 2> const buffers{asio::buffer(out.head), asio::buffer(body.get(), *got)};
    auto const ec = co_await out.write(buffers);
    co_return std::pair{ec, std::uint64_t(ec ? 0 : *got)};
  }
  if constexpr(std::is_same_v<Stream, tcp::socket>)
    co_return co_await send_file(out, slice.reader.native_handle(), slice.offset, slice.length);
  auto const chunk = std::make_unique_for_overwrite<std::byte[]>(file_chunk_bytes);
  std::uint64_t offset = slice.offset;
  std::uint64_t remaining = slice.length;
  co_return co_await write_pieces(out, false, [&]() -> result<std::span<std::byte>> {
    if(remaining == 0)
      return std::span<std::byte>();
    auto const want = static_cast<std::size_t>(std::min<std::uint64_t>(remaining, file_chunk_bytes));
    auto n = slice.reader.read_at(offset, std::span(chunk.get(), want));
    if(! n)
      return n.error();
    if(*n == 0) // the file shrank under us: the message cannot be completed
      return errc::protocol_error;
    offset += *n;
    remaining -= *n;
    return std::span<std::byte>(chunk.get(), *n);
  });
}

// Reads a request's header into `parser`. Waits up to `idle_timeout` for
// its first byte (the connection is idle meanwhile: shutdown may close it),
// then gives the whole header `read_timeout` from there, so a header
// trickled in is cut at that. Feeds the parser itself to bound the header
// at `header_bytes_max` in all: Beast's header_limit counts only what is
// still unparsed at each step, and its read loop goes on while fields keep
// completing, so a header sent in pieces could grow without end.
template<class Stream>
asio::awaitable<error_code>
read_request_head(Stream& stream, io_deadline& deadline, beast::flat_buffer& buffer,
                  http::request_parser<http::buffer_body>& parser, const serve_config& config)
{
  parser.eager(false); // stop at the end of the header
  bool idle = buffer.size() == 0; // else a pipelined request has begun already
  if(! idle)
    deadline.expires_after(config.read_timeout);
  io_deadline::scope const until_done(deadline);
  std::size_t parsed = 0;
  for(;;) {
    if(buffer.size() > 0) {
      error_code ec;
      auto const used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      parsed += used;
      if(ec && ec != http::error::need_more)
        co_return ec;
      if(parser.is_header_done())
        co_return error_code();
    }
    if(parsed + buffer.size() >= header_bytes_max)
      co_return http::error::header_limit;
    if(idle) {
      deadline.idle = true;
      deadline.expires_after(config.idle_timeout);
    }
    auto const room = std::min(header_bytes_max - parsed - buffer.size(), first_read_bytes);
    auto [ec, n] = co_await stream.async_read_some(buffer.prepare(room), asio::as_tuple(use_awaitable));
    if(idle) {
      deadline.idle = false;
      deadline.expires_after(config.read_timeout);
      idle = false;
    }
    if(ec)
      co_return deadline.failure(ec); // end of stream, timeout, reset: closed without an answer
    buffer.commit(n);
  }
}

// `/.zddc/health` and `/.zddc/metrics`, or nullopt for any other target.
// Health says only that the server answers. Metrics need a valid token on
// a server that authenticates (the authenticator answers every request of
// a `--no-auth` master, a cache or a mirror), unless `metrics_public`.
std::optional<daemon_response>
answer_locally(const request_head& msg, std::string_view target, shared_state& shared)
{
  bool const health = target == "/.zddc/health";
  if(! health && target != "/.zddc/metrics")
    return std::nullopt;
  if(msg.method() != http::verb::get && msg.method() != http::verb::head) {
    auto r = text_response(http::status::method_not_allowed, "only GET and HEAD\n");
    r.headers.set(http::field::allow, "GET, HEAD");
    return r;
  }
  std::optional<role_status> said;
  if(shared.status)
    said = shared.status();
  if(health)
    return text_response(http::status::ok, said ? said->health_json + "\n" : "{\"status\":\"ok\"}\n",
                         "application/json");
  if(! shared.config.metrics_public && ! shared.authenticate(msg)) {
    auto r = text_response(http::status::unauthorized, "authentication required\n");
    r.headers.set(http::field::www_authenticate,
                  core::bearer_challenge(core::count_field(msg, http::field::authorization) != 0));
    offer_credentials(r, msg.method(), msg, target, shared.sign_in);
    return r;
  }
  return text_response(http::status::ok, shared.metrics.render() + (said ? said->metrics : std::string()),
                       "text/plain; version=0.0.4");
}

// Reads a small request body whole; nullopt when it passes `limit` or the
// connection fails.
template<class Stream>
asio::awaitable<std::optional<std::string>>
read_small_body(socket_request_body<Stream>& body, std::size_t limit)
{
  std::string out;
  std::array<std::byte, 1024> chunk;
  for(;;) {
    auto n = co_await body.read_some(chunk);
    if(! n)
      co_return std::nullopt;
    if(*n == 0)
      co_return out;
    if(out.size() + *n > limit)
      co_return std::nullopt;
    out.append(reinterpret_cast<const char*>(chunk.data()), *n);
  }
}

// `/.zddc/login`, `/.zddc/logout`, `/.zddc/session` (runtime/sign_in.hpp).
template<class Stream>
asio::awaitable<daemon_response>
answer_sign_in_request(http::request_parser<http::buffer_body>& parser, socket_request_body<Stream>& body,
                       shared_state& shared, std::string& principal)
{
  auto& msg = parser.get();
  std::string form;
  if(msg.method() == http::verb::post && ! parser.is_done()) {
    auto read = co_await read_small_body(body, sign_in_form_bytes_max);
    if(! read)
      co_return text_response(http::status::payload_too_large, "a sign-in form is at most 8 KiB\n");
    form = std::move(*read);
  }
  auto const who = shared.authenticate(msg);
  if(who)
    principal = who->who->name;
  co_return answer_sign_in({msg.method(), msg.target(), form, who, shared.tls != nullptr}, shared.sign_in);
}

// The answer to one request whose head was read: refused at the edge,
// answered here, or handed to the role. `close`: the connection must not
// carry another request (its framing cannot be trusted).
template<class Stream>
asio::awaitable<daemon_response>
answer(http::request_parser<http::buffer_body>& parser, socket_request_body<Stream>& body, shared_state& shared,
       loop_state& loop, bool& close, std::string& principal)
{
  auto& msg = parser.get();
  std::string_view const raw_target = msg.target(); // msg outlives this answer
  if(auto const refusal = check_request_head(msg, shared.hosts, shared.tls != nullptr)) {
    close = refusal->close;
    co_return text_response(refusal->status, std::string(refusal->reason) + "\n");
  }
  if(auto local = answer_locally(msg, raw_target, shared))
    co_return std::move(*local);
  if(is_sign_in_path(raw_target.substr(0, raw_target.find('?'))))
    co_return co_await answer_sign_in_request(parser, body, shared, principal);
  auto target = core::url_target::parse(raw_target);
  if(! target)
    co_return text_response(http::status::bad_request, "bad request target: " + target.error().message() + "\n");
  core::request req;
  req.method = msg.method();
  req.target = std::move(*target);
  // Moved, not copied: nothing reads the parser's fields after this (the
  // parser itself only appends a chunked body's trailers to them).
  req.headers = std::move(static_cast<http::fields&>(msg));
  req.body = parser.is_done() ? nullptr : &body;
  auto const who = shared.authenticate(req.headers);
  if(who) {
    principal = who->who->name;
    if(auto const refusal = check_csrf(req.method, req.headers, *who))
      co_return text_response(refusal->status, std::string(refusal->reason) + "\n");
  }
  ++shared.metrics.requests_in_flight;
  daemon_response response;
  try {
    response = co_await loop.role(req, who ? who->who.get() : nullptr);
  } catch(const std::exception& e) {
    log(log_level::error, "request failed", {{"path", req.target.str()}, {"error", e.what()}});
    response = text_response(http::status::internal_server_error, "internal error\n");
  }
  --shared.metrics.requests_in_flight;
  offer_credentials(response, req.method, req.headers, req.target.str(), shared.sign_in);
  co_return response;
}

template<class Stream>
asio::awaitable<void>
serve_connection(responder<Stream>& out, shared_state& shared, loop_state& loop, const std::string& peer)
{
  auto const& config = shared.config;
  beast::flat_buffer buffer;
  for(;;) {
    http::request_parser<http::buffer_body> parser;
    parser.header_limit(header_bytes_max);
    parser.body_limit(boost::none); // the role enforces its own limit while streaming

    if(shared.stopping)
      break;
    if(auto ec = co_await read_request_head(out.stream, out.deadline, buffer, parser, config)) {
      if(ec.category() == make_error_code(http::error::end_of_stream).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message) {
        // Malformed request: say so, then close.
        auto bad = ec == http::error::header_limit
                     ? text_response(http::status::request_header_fields_too_large, "request header too large\n")
                     : text_response(http::status::bad_request, "bad request: " + ec.message() + "\n");
        co_await write_response(out, bad, 11, false, false);
      }
      break;
    }
    auto& msg = parser.get();
    bool const head = msg.method() == http::verb::head;
    bool keep_alive = msg.keep_alive();
    auto const method = msg.method();
    auto const version = msg.version();
    // The access line's fields, taken before the role has the request's
    // fields (and so its target), and only when the line will be written.
    bool const logged = log_enabled(log_level::info);
    auto const started = logged ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
    std::string const logged_path = logged ? log_path(msg.target()) : std::string();
    socket_request_body<Stream> body(out.stream, out.deadline, buffer, parser, config.read_timeout,
                                     is_expect_continue(msg));
    bool close = false;
    std::string principal = "-";
    auto response = co_await answer(parser, body, shared, loop, close, principal);
    if(close || (! parser.is_done() && ! co_await body.drain()))
      keep_alive = false; // unread body bytes would be taken for the next request
    if(shared.stopping)
      keep_alive = false;
    if(version < 11 && ! head && std::holds_alternative<std::unique_ptr<core::body_stream>>(response.body))
      keep_alive = false; // an HTTP/1.0 client gets it unchunked, ended by our close (write_response)
    auto const status = response.status;
    auto [wec, sent] = co_await write_response(out, response, version, keep_alive, head);
    auto const code = static_cast<unsigned>(status);
    ++shared.metrics.requests[std::min<unsigned>(code / 100, 5)];
    shared.metrics.response_bytes += sent;
    if(logged) {
      auto const micros = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - started).count();
      log(log_level::info, "request",
          {{"method", std::string(http::to_string(method))}, {"path", logged_path},
           {"status", code}, {"bytes", sent}, {"duration_ms", micros / 1000.0}, {"peer", peer},
           {"principal", principal}});
    }
    if(wec || ! keep_alive)
      break;
  }
}

// A connection over the limit: answered without reading its request.
template<class Stream>
asio::awaitable<void>
refuse_connection(responder<Stream>& out)
{
  auto r = text_response(http::status::service_unavailable, "too many connections; try again shortly\n");
  r.headers.set(http::field::retry_after, "1");
  co_await write_response(out, r, 11, false, false);
}

// After our half-close, reads and drops what the client still sends, until
// it closes or `close_linger` passes: closing a socket with unread bytes
// sends a reset, and a reset can destroy our last answer in the client's
// buffer before it was read.
asio::awaitable<void>
linger_before_close(tcp::socket& socket, io_deadline& deadline)
{
  auto const scope = deadline.within(close_linger);
  std::array<char, 4096> scratch;
  std::uint64_t dropped = 0;
  while(dropped < drain_bytes_max) {
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(scratch), asio::as_tuple(use_awaitable));
    if(ec)
      break;
    dropped += n;
  }
}

// Serves (or refuses) one connection on `stream`, whose lowest layer is
// `socket`: the deadline is registered with the loop while it lives, so
// that shutdown can wake the connection if it is idle.
template<class Stream>
asio::awaitable<void>
run_stream(Stream& stream, tcp::socket& socket, shared_state& shared, loop_state& loop, bool refuse,
           const std::string& peer)
{
  io_deadline deadline(socket);
  loop.connections.insert(&deadline);
  struct unregister {
    loop_state& loop;
    io_deadline* deadline;
    ~unregister() { loop.connections.erase(deadline); }
  } const registered{loop, &deadline};
  responder<Stream> out{stream, deadline, shared.config.read_timeout, shared.tls != nullptr, {}, {}};
  error_code ignored;
  if constexpr(std::is_same_v<Stream, tcp::socket>) {
    if(refuse)
      co_await refuse_connection(out);
    else
      co_await serve_connection(out, shared, loop, peer);
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    co_await linger_before_close(socket, deadline);
  } else {
    {
      auto const scope = deadline.within(shared.config.read_timeout);
      auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, asio::as_tuple(use_awaitable));
      if(ec)
        co_return;
    }
    if(refuse)
      co_await refuse_connection(out);
    else
      co_await serve_connection(out, shared, loop, peer);
    auto const scope = deadline.within(shared.config.read_timeout);
    co_await stream.async_shutdown(asio::as_tuple(use_awaitable));
  }
}

asio::awaitable<void>
run_connection(tcp::socket socket, shared_state& shared, loop_state& loop, bool refuse)
{
  auto& counter = refuse ? shared.metrics.connections_refused : shared.metrics.connections_total;
  ++counter;
  if(! refuse)
    ++shared.metrics.connections_open;
  error_code ignored;
  auto const endpoint = socket.remote_endpoint(ignored);
  std::string const peer = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  if(shared.tls) {
    beast::ssl_stream<tcp::socket> stream(std::move(socket), *shared.tls);
    co_await run_stream(stream, beast::get_lowest_layer(stream), shared, loop, refuse, peer);
  } else {
    co_await run_stream(socket, socket, shared, loop, refuse, peer);
  }
  if(! refuse)
    --shared.metrics.connections_open;
}

// Logs how a connection coroutine ended, when it ended by an exception.
void
log_connection_end(std::exception_ptr e)
{
  if(! e)
    return;
  try {
    std::rethrow_exception(e);
  } catch(const std::exception& x) {
    log(log_level::error, "connection failed", {{"error", x.what()}});
  }
}

// Starts serving an accepted connection on `loop`, or refusing it when
// `connections_max` are being served; beyond `refusals_max` refusals in
// progress, closes it at once.
void
dispatch(tcp::socket socket, shared_state& shared, loop_state& loop, log_throttle& refusal_log)
{
  prepare_accepted(socket);
  if(shared.live_connections < static_cast<int>(shared.connections_max)) {
    ++shared.live_connections;
    asio::co_spawn(loop.ioc, run_connection(std::move(socket), shared, loop, false),
                   [&shared](std::exception_ptr e) {
                     --shared.live_connections;
                     log_connection_end(e);
                   });
    return;
  }
  if(auto held = refusal_log.admit(std::chrono::steady_clock::now()))
    log(log_level::warn, "connection limit reached; refusing connections with 503",
        {{"max_connections", shared.connections_max}, {"refused_not_logged", *held}});
  if(shared.refusing >= refusals_max) {
    ++shared.metrics.connections_refused;
    return; // the socket closes here
  }
  ++shared.refusing;
  asio::co_spawn(loop.ioc, run_connection(std::move(socket), shared, loop, true), [&shared](std::exception_ptr e) {
    --shared.refusing;
    log_connection_end(e);
  });
}

// Accepts until the acceptor closes, dealing connections to the loops in
// turn. A failed accept (EMFILE, ENFILE: the listening socket stays
// readable, so retrying at once would spin) pauses per accept_pacer.
asio::awaitable<void>
accept_loop(tcp::acceptor& acceptor, std::vector<std::unique_ptr<loop_state>>& loops, shared_state& shared)
{
  accept_pacer pacer;
  log_throttle refusal_log(accept_pacer::log_interval);
  asio::steady_timer pause(acceptor.get_executor());
  std::size_t next = 0;
  for(;;) {
    auto& loop = *loops[next % loops.size()];
    auto [ec, socket] = co_await acceptor.async_accept(loop.ioc, asio::as_tuple(use_awaitable));
    auto const now = std::chrono::steady_clock::now();
    if(ec) {
      if(! acceptor.is_open())
        co_return;
      auto const step = pacer.failed(now);
      if(step.log_not_logged)
        log(log_level::warn, "accept failed; pausing accepts",
            {{"error", ec.message()}, {"pause_ms", step.pause.count()}, {"failures_not_logged", *step.log_not_logged}});
      pause.expires_after(step.pause);
      co_await pause.async_wait(asio::as_tuple(use_awaitable));
      continue;
    }
    if(auto const held = pacer.succeeded(now))
      log(log_level::info, "accepting again", {{"failures_not_logged", *held}});
    ++next;
    dispatch(std::move(socket), shared, loop, refusal_log);
  }
}

std::unique_ptr<asio::ssl::context>
make_tls_context(const serve_config& config)
{
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  auto* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  // NIST SP 800-52 Rev. 2: ECDHE key exchange with AES-GCM (TLS 1.2) and
  // the AES-GCM suites of TLS 1.3.
  SSL_CTX_set_cipher_list(native,
                          "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                          "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384");
  SSL_CTX_set_ciphersuites(native, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384");
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(config.tls_cert, ec);
  if(ec)
    throw config_error("cannot load --tls-cert " + config.tls_cert + ": " + ec.message());
  ctx->use_private_key_file(config.tls_key, asio::ssl::context::pem, ec);
  if(ec)
    throw config_error("cannot load --tls-key " + config.tls_key + ": " + ec.message());
  return ctx;
}

// Binds and listens on the configured address, on `loop`.
tcp::acceptor
listen_on(const serve_config& config, asio::io_context& loop)
{
  boost::system::error_code ec;
  auto const address = asio::ip::make_address(config.listen_host, ec);
  if(ec)
    throw config_error("--listen address '" + config.listen_host + "' is not an IP address");
  tcp::acceptor acceptor(loop);
  tcp::endpoint const endpoint(address, config.listen_port);
  acceptor.open(endpoint.protocol(), ec);
  if(! ec)
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if(! ec)
    acceptor.bind(endpoint, ec);
  if(! ec)
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if(ec)
    throw config_error("cannot listen on " + config.listen_host + ":" + std::to_string(config.listen_port) +
                       ": " + ec.message());
  return acceptor;
}

// Graceful shutdown on SIGTERM or SIGINT: stop accepting, wake idle
// connections, give the in-flight ones `shutdown_timeout`, then stop every
// loop. `signals` and `timer` live on the main loop.
void
shut_down_on_signal(asio::signal_set& signals, asio::steady_timer& timer, tcp::acceptor& acceptor,
                    std::vector<std::unique_ptr<loop_state>>& loops, shared_state& shared)
{
  signals.async_wait([&](const boost::system::error_code& sec, int signo) {
    if(sec)
      return;
    log(log_level::info, "shutting down", {{"signal", signo}, {"in_flight", shared.live_connections.load()}});
    shared.stopping = true;
    boost::system::error_code ignored;
    acceptor.close(ignored);
    for(auto& l : loops)
      asio::post(l->ioc, [&loop = *l] {
        for(auto* c : loop.connections)
          if(c->idle)
            c->wake();
      });
    auto const deadline = std::chrono::steady_clock::now() + shared.config.shutdown_timeout;
    asio::co_spawn(
      timer.get_executor(),
      [&, deadline]() -> asio::awaitable<void> {
        while(shared.live_connections > 0 && std::chrono::steady_clock::now() < deadline) {
          timer.expires_after(shutdown_poll_interval);
          co_await timer.async_wait(asio::as_tuple(use_awaitable));
        }
        if(shared.live_connections > 0)
          log(log_level::warn, "shutdown timeout: closing connections", {{"open", shared.live_connections.load()}});
        for(auto& l : loops)
          l->ioc.stop();
      },
      asio::detached);
  });
}

// Runs every loop, the first on this thread, until all have stopped.
void
run_loops(std::vector<std::unique_ptr<loop_state>>& loops)
{
  std::vector<std::thread> threads;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for(auto& l : loops)
    guards.push_back(asio::make_work_guard(l->ioc));
  for(std::size_t i = 1; i < loops.size(); ++i)
    threads.emplace_back([&l = *loops[i]] { l.ioc.run(); });
  loops.front()->ioc.run();
  for(auto& l : loops)
    l->ioc.stop();
  for(auto& t : threads)
    t.join();
}

} // namespace

int
run_http_server(const serve_config& config, role_factory make_role, edge_access access,
                std::function<void(std::uint16_t)> on_listening, status_function status)
{
  shared_state shared(config, std::move(access), std::move(status));
  auto const open_files = open_files_soft_limit();
  bool const tight = shared.connections_max > connections_max_for(open_files);
  log(tight ? log_level::warn : log_level::info,
      tight ? "connection limit above what the open-files limit allows; accepts pause when descriptors run out"
            : "connection limit",
      {{"max_connections", shared.connections_max}, {"open_files", open_files}});
  std::unique_ptr<asio::ssl::context> tls;
  if(! config.tls_cert.empty()) {
    tls = make_tls_context(config);
    shared.tls = tls.get();
  }

  std::vector<std::unique_ptr<loop_state>> loops;
  for(unsigned i = 0; i < config.threads; ++i) {
    loops.push_back(std::make_unique<loop_state>());
    loops.back()->role = make_role(loops.back()->ioc);
  }
  auto& main_loop = *loops.front();
  auto acceptor = listen_on(config, main_loop.ioc);
  auto const port = acceptor.local_endpoint().port();
  asio::co_spawn(main_loop.ioc, accept_loop(acceptor, loops, shared), asio::detached);
  asio::signal_set signals(main_loop.ioc, SIGTERM, SIGINT);
  asio::steady_timer shutdown_timer(main_loop.ioc);
  shut_down_on_signal(signals, shutdown_timer, acceptor, loops, shared);

  if(on_listening)
    on_listening(port);
  run_loops(loops);
  log(log_level::info, "stopped");
  return 0;
}

} // namespace zddc::runtime
