// The daemon's server, below the HTTP level.
#include "runtime/http_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <gtest/gtest.h>

namespace zddc::runtime {
namespace {

using tcp = boost::asio::ip::tcp;

TEST(http_server, an_accepted_connection_does_not_wait_for_nagle)
{
  // Without TCP_NODELAY a response written as header then body stalled
  // ~40 ms on the client's delayed ACK: small GETs ran at 3% of nginx.
  boost::asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket client(io);
  client.connect(acceptor.local_endpoint());
  auto accepted = acceptor.accept();
  tcp::no_delay before;
  accepted.get_option(before);
  EXPECT_FALSE(before.value()); // the kernel's default: the test means something
  prepare_accepted(accepted);
  tcp::no_delay after;
  accepted.get_option(after);
  EXPECT_TRUE(after.value());
}

} // namespace
} // namespace zddc::runtime
