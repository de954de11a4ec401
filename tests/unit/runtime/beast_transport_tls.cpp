// The Beast transport over TLS: a trusted certificate carries keep-alive
// requests, SNI is sent and the name verified, anything else is refused
// as unreachable.
#include "transport_harness.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

namespace zddc::runtime::transport_test {
namespace beast_transport_tls_test {

struct test_certificate {
  std::string cert_pem;
  std::string key_pem;
};

std::string
bio_text(BIO* bio)
{
  char* data = nullptr;
  auto const n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

// A self-signed certificate for `subject_alt_name` (OpenSSL's syntax:
// `IP:127.0.0.1`, `DNS:localhost`), valid for an hour either side of now.
test_certificate
make_self_signed(const std::string& subject_alt_name)
{
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("zddc test"), -1,
                             -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, subject_alt_name.c_str());
  X509_add_ext(cert, san, -1);
  X509_EXTENSION_free(san);
  X509_sign(cert, key, EVP_sha256());

  test_certificate out;
  BIO* c = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(c, cert);
  out.cert_pem = bio_text(c);
  BIO_free(c);
  BIO* k = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr);
  out.key_pem = bio_text(k);
  BIO_free(k);
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

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
