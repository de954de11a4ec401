#include "harness.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace zddc::integration {

struct client::connection {
  explicit connection(std::uint16_t p) : port(p), stream(io) { connect(); }

  void
  connect()
  {
    stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
    stream.expires_never();
  }

  void
  reconnect()
  {
    boost::beast::error_code ignored;
    stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    stream.close();
    buffer.clear();
    connect();
  }

  std::uint16_t port;
  boost::asio::io_context io;
  boost::beast::tcp_stream stream;
  boost::beast::flat_buffer buffer;
};

client::client(std::uint16_t port) : c_(std::make_unique<connection>(port)) {}
client::~client() = default;
client::client(client&&) noexcept = default;
client& client::operator=(client&&) noexcept = default;

reply
client::send(http::verb method, std::string target, std::vector<std::pair<http::field, std::string>> headers,
             std::optional<std::string> body, std::vector<std::pair<std::string, std::string>> named_headers)
{
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, "127.0.0.1");
  for(auto const& [f, v] : headers)
    req.set(f, v);
  for(auto const& [name, v] : named_headers) // those Beast has no field enum for
    req.set(name, v);
  if(body) {
    req.body() = *body;
    req.prepare_payload();
  }
  c_->stream.expires_after(30s);
  http::write(c_->stream, req);
  http::response_parser<http::string_body> parser;
  parser.body_limit(1ull << 30);
  parser.skip(method == http::verb::head);
  http::read(c_->stream, c_->buffer, parser);
  auto msg = parser.release();
  if(! msg.keep_alive())
    c_->reconnect(); // the server said Connection: close
  reply r;
  r.status = msg.result();
  r.headers = static_cast<http::fields&>(msg.base());
  r.body = std::move(msg.body());
  return r;
}

} // namespace zddc::integration
