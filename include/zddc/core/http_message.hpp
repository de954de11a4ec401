#pragma once
/// @file
/// The messages a role handler takes and returns. Both the daemon (Beast on
/// sockets) and the simulator (in-process delivery) speak these, so a role's
/// `handle()` never sees a socket.
///
/// Bodies stream in both directions: a request body is pulled by the
/// handler through `request_body` (so a PUT over the size limit is refused
/// before it is read), and a response body is a small in-memory string, a
/// slice of an open file that the server streams out, or a `body_stream`
/// made while it is sent.

#include <zddc/core/error.hpp>
#include <zddc/core/url_target.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>

namespace zddc::core {

/// A request body as the handler pulls it.
class request_body {
public:
  virtual ~request_body() = default;

  /// From Content-Length; nullopt for a chunked body.
  virtual std::optional<std::uint64_t> content_length() const = 0;

  /// Reads the next bytes; 0 means the body is complete.
  virtual boost::asio::awaitable<result<std::size_t>> read_some(std::span<std::byte> buffer) = 0;
};

struct request {
  boost::beast::http::verb method = boost::beast::http::verb::get;
  url_target target; // the root until set
  boost::beast::http::fields headers;
  request_body* body = nullptr; // not owned; null when the request has none
};

/// `length` bytes of an open file starting at `offset`.
template<class Reader>
struct file_slice {
  Reader reader;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

/// A body made while it is sent (a subtree's listings: core/tree_format.hpp),
/// pulled piece by piece; its length is not known beforehand, so it goes
/// out chunked.
class body_stream {
public:
  virtual ~body_stream() = default;

  /// Appends the next piece to `out`; false once there is nothing more.
  virtual bool next(std::string& out) = 0;

  /// After `next` returned false: whether the body ended because it could
  /// not be made whole (a file it reads vanished or failed). The server
  /// then cuts the response off without its last chunk, so the client sees
  /// a truncated transfer, never a complete-looking one.
  virtual bool failed() const { return false; }
};

/// A response. For HEAD and 304 the body is empty and Content-Length, when
/// set by the handler, describes what a GET would have sent.
template<class Reader>
struct response {
  boost::beast::http::status status = boost::beast::http::status::ok;
  boost::beast::http::fields headers;
  std::variant<std::string, file_slice<Reader>, std::unique_ptr<body_stream>> body;
};

/// Every byte of `r`'s body, in memory: for the simulator and tests, where
/// bodies are small. Fails when a file slice cannot be read whole (the
/// file shrank, or a read failed).
template<class Reader>
result<std::string>
read_whole_body(response<Reader>& r)
{
  if(auto* text = std::get_if<std::string>(&r.body))
    return *text;
  if(auto* stream = std::get_if<std::unique_ptr<body_stream>>(&r.body)) {
    std::string out;
    while(*stream && (*stream)->next(out)) {
    }
    if(*stream && (*stream)->failed())
      return errc::protocol_error; // cut short
    return out;
  }
  auto& slice = std::get<file_slice<Reader>>(r.body);
  std::string out(slice.length, '\0');
  std::uint64_t done = 0;
  while(done < slice.length) {
    auto n = slice.reader.read_at(slice.offset + done,
                                  std::as_writable_bytes(std::span(out.data() + done, slice.length - done)));
    if(! n)
      return n.error();
    if(*n == 0)
      return errc::protocol_error; // the file ended before the slice did
    done += *n;
  }
  return out;
}

} // namespace zddc::core
