#include "runtime/config.hpp"
#include "runtime/log.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace zddc::runtime {
namespace {

using namespace std::chrono_literals;

TEST(config, durations_and_sizes)
{
  EXPECT_EQ(parse_duration("500ms"), 500ms);
  EXPECT_EQ(parse_duration("30s"), 30s);
  EXPECT_EQ(parse_duration("5m"), 5min);
  EXPECT_EQ(parse_duration("1h"), 1h);
  for(auto bad : {"", "5", "s", "1.5s", "-1s", "5 m", "3d"})
    EXPECT_FALSE(parse_duration(bad)) << bad;
  EXPECT_EQ(parse_size("1048576"), 1048576u);
  EXPECT_EQ(parse_size("512KiB"), 512u << 10);
  EXPECT_EQ(parse_size("256MiB"), 256u << 20);
  EXPECT_EQ(parse_size("1GiB"), 1u << 30);
  for(auto bad : {"", "1MB", "MiB", "-1", "1.5GiB"})
    EXPECT_FALSE(parse_size(bad)) << bad;
}

TEST(config, serve_flags_with_defaults)
{
  auto const inv = parse_serve_args({"--root", "/srv/docs"});
  EXPECT_FALSE(inv.help);
  auto const& c = inv.config;
  EXPECT_EQ(c.mode, server_mode::master);
  EXPECT_EQ(c.root, "/srv/docs");
  EXPECT_EQ(c.listen_host, "127.0.0.1");
  EXPECT_EQ(c.listen_port, 8080);
  EXPECT_EQ(c.max_write_bytes, 256u << 20);
  EXPECT_EQ(c.read_timeout, 30s);
  EXPECT_FALSE(c.no_auth);
}

TEST(config, every_flag_has_an_environment_twin_and_the_command_line_wins)
{
  ::setenv("ZDDC_MAX_WRITE_BYTES", "1MiB", 1);
  ::setenv("ZDDC_LISTEN", "0.0.0.0:9000", 1);
  ::setenv("ZDDC_NO_AUTH", "true", 1);
  auto const c = parse_serve_args({"--root", "/r", "--listen", "127.0.0.1:0"}).config;
  ::unsetenv("ZDDC_MAX_WRITE_BYTES");
  ::unsetenv("ZDDC_LISTEN");
  ::unsetenv("ZDDC_NO_AUTH");
  EXPECT_EQ(c.max_write_bytes, 1u << 20);
  EXPECT_EQ(c.listen_port, 0);
  EXPECT_TRUE(c.no_auth);
}

TEST(config, bad_values_fail_with_a_one_line_reason)
{
  auto reason = [](std::vector<std::string> args) {
    try {
      parse_serve_args(args);
    } catch(const config_error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(reason({}), "--root is required");
  EXPECT_NE(reason({"--root", "/r", "--mode", "proxy"}).find("--mode"), std::string::npos);
  EXPECT_NE(reason({"--root", "/r", "--listen", "8080"}).find("--listen"), std::string::npos);
  EXPECT_NE(reason({"--root", "/r", "--read-timeout", "soon"}).find("--read-timeout"), std::string::npos);
  EXPECT_NE(reason({"--root", "/r", "--threads", "0"}).find("--threads"), std::string::npos);
  EXPECT_NE(reason({"--root", "/r", "--tls-cert", "c.pem"}).find("--tls-key"), std::string::npos);
  EXPECT_NE(reason({"--root", "/r", "--bogus"}).find("bogus"), std::string::npos);
  for(auto const& r : {reason({"--root", "/r", "--bogus"}), reason({})})
    EXPECT_EQ(r.find('\n'), std::string::npos);
}

TEST(config, help_lists_every_flag)
{
  auto const inv = parse_serve_args({"--help"});
  ASSERT_TRUE(inv.help);
  for(auto flag : {"--mode", "--root", "--listen", "--threads", "--max-write-bytes", "--no-auth", "--state-dir",
                   "--tls-cert", "--tls-key", "--read-timeout", "--idle-timeout", "--shutdown-timeout", "--log-level"})
    EXPECT_NE(inv.help_text.find(flag), std::string::npos) << flag;
}

TEST(log, lines_are_logfmt_with_quoting)
{
  EXPECT_EQ(format_log_line("T", log_level::info, "request", {{"path", "/a b"}, {"status", 200}}),
            "time=T level=info msg=request path=\"/a b\" status=200\n");
  EXPECT_EQ(format_log_line("T", log_level::warn, "x \"y\"", {{"k", "a=b"}}),
            "time=T level=warn msg=\"x \\\"y\\\"\" k=\"a=b\"\n");
}

} // namespace
} // namespace zddc::runtime
