// The Beast transport over TLS: a trusted certificate carries keep-alive
// requests, SNI is sent and the name verified, anything else is refused
// as unreachable.
#include "transport_harness.hpp"

#include "../../support/test_certificate.hpp"

namespace zddc::runtime::transport_test {
namespace beast_transport_tls_test {

using test_support::make_self_signed;
using test_support::test_certificate;

// A file removed at the end of the test.
class temp_file {
public:
  explicit temp_file(std::string_view text)
  {
    std::string tmpl = (std::filesystem::temp_directory_path() / "zddc-ca-XXXXXX").string();
    int const fd = ::mkstemp(tmpl.data());
    if(fd < 0)
      throw std::runtime_error("mkstemp failed");
    ::close(fd);
    path_ = tmpl;
    std::ofstream(path_) << text;
  }
  ~temp_file() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

private:
  std::filesystem::path path_;
};

class beast_transport_tls : public ::testing::Test {
protected:
  // Serves `answers` on one TLS connection; records the SNI name sent.
  void
  serve(const test_certificate& cert, std::vector<std::string> answers)
  {
    server_tls_.use_certificate_chain(asio::buffer(cert.cert_pem));
    server_tls_.use_private_key(asio::buffer(cert.key_pem), asio::ssl::context::pem);
    spawn(io_, [this, answers = std::move(answers)]() -> asio::awaitable<void> {
      auto socket = co_await up_.accept();
      asio::ssl::stream<tcp::socket> s(std::move(socket), server_tls_);
      auto [hec] = co_await s.async_handshake(asio::ssl::stream_base::server, asio::as_tuple(use_awaitable));
      if(hec) {
        handshake_failed_ = true;
        co_return;
      }
      if(auto const* sni = SSL_get_servername(s.native_handle(), TLSEXT_NAMETYPE_host_name))
        sni_ = sni;
      beast::flat_buffer buffer;
      for(auto const& answer : answers) {
        co_await read_request(s, buffer);
        co_await write_text(s, answer);
      }
      // Closes without a TLS shutdown: the client keeps the connection
      // pooled and would never answer one.
    });
  }

  // Runs GETs of `/` through `transport`, one after the other.
  std::vector<round_trip_result>
  get(beast_transport& transport, int count)
  {
    std::vector<round_trip_result> results;
    bodies_.clear();
    spawn(io_, [&]() -> asio::awaitable<void> {
      for(int i = 0; i < count; ++i) {
        env::string_sink sink;
        auto req = request(http::verb::get, "/");
        auto r = co_await transport.round_trip(std::move(req), sink);
        results.push_back(std::move(r));
        bodies_.push_back(sink.take());
      }
      up_.close();
    });
    drive(io_);
    return results;
  }

  std::string https_url(std::string_view host) const
  {
    return "https://" + std::string(host) + ":" + std::to_string(up_.port()) + "/";
  }

  asio::io_context io_;
  upstream up_{io_};
  asio::ssl::context server_tls_{asio::ssl::context::tls_server};
  std::vector<std::string> bodies_;
  std::string sni_;
  bool handshake_failed_ = false;
};

TEST_F(beast_transport_tls, a_trusted_certificate_carries_keep_alive_requests)
{
  auto const cert = make_self_signed("IP:127.0.0.1");
  temp_file ca(cert.cert_pem);
  serve(cert, {ok("one"), ok("two")});
  auto options = quick_options();
  options.ca_file = ca.path();
  beast_transport transport(io_.get_executor(), https_url("127.0.0.1"), "tok", options);
  auto const results = get(transport, 2);

  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0]) << results[0].error().message();
  EXPECT_TRUE(results[1]) << results[1].error().message();
  EXPECT_EQ(bodies_, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(up_.accepted(), 1);
  EXPECT_EQ(sni_, ""); // no SNI for an address
}

TEST_F(beast_transport_tls, a_host_name_is_sent_as_sni_and_verified)
{
  auto const cert = make_self_signed("DNS:localhost");
  temp_file ca(cert.cert_pem);
  serve(cert, {ok("named")});
  auto options = quick_options();
  options.ca_file = ca.path();
  beast_transport transport(io_.get_executor(), https_url("localhost"), std::nullopt, options);
  auto const results = get(transport, 1);

  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0]) << results[0].error().message();
  EXPECT_EQ(bodies_, (std::vector<std::string>{"named"}));
  EXPECT_EQ(sni_, "localhost");
}

TEST_F(beast_transport_tls, an_untrusted_certificate_is_unreachable)
{
  auto const cert = make_self_signed("IP:127.0.0.1");
  serve(cert, {ok("never")});
  beast_transport transport(io_.get_executor(), https_url("127.0.0.1"), std::nullopt, quick_options());
  auto const results = get(transport, 1);

  ASSERT_EQ(results.size(), 1u);
  ASSERT_FALSE(results[0]);
  EXPECT_EQ(results[0].error(), errc::unreachable);
  EXPECT_TRUE(handshake_failed_);
}

TEST_F(beast_transport_tls, a_certificate_for_another_name_is_unreachable)
{
  auto const cert = make_self_signed("DNS:upstream.test");
  temp_file ca(cert.cert_pem);
  serve(cert, {ok("never")});
  auto options = quick_options();
  options.ca_file = ca.path();
  beast_transport transport(io_.get_executor(), https_url("127.0.0.1"), std::nullopt, options);
  auto const results = get(transport, 1);

  ASSERT_EQ(results.size(), 1u);
  ASSERT_FALSE(results[0]);
  EXPECT_EQ(results[0].error(), errc::unreachable);
  EXPECT_TRUE(handshake_failed_);
}

} // namespace
} // namespace zddc::runtime::transport_test
