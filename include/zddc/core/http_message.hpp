#pragma once
/// @file
/// The messages a role handler takes and returns. Both the daemon (Beast on
/// sockets) and the simulator (in-process delivery) speak these, so a role's
/// `handle()` never sees a socket.
///
/// Bodies stream in both directions: a request body is pulled by the
/// handler through `request_body` (so a PUT over the size limit is refused
/// before it is read), and a response body is either a small in-memory
/// string or a slice of an open file that the server streams out.

#include <zddc/core/error.hpp>
#include <zddc/core/url_target.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>

#include <cstddef>
#include <cstdint>
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
  url_target target = encode(repo_path());
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

/// A response. For HEAD and 304 the body is empty and Content-Length, when
/// set by the handler, describes what a GET would have sent.
template<class Reader>
struct response {
  boost::beast::http::status status = boost::beast::http::status::ok;
  boost::beast::http::fields headers;
  std::variant<std::string, file_slice<Reader>> body;
};

} // namespace zddc::core
