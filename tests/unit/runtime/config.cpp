#include "runtime/config.hpp"
#include "runtime/log.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>

namespace zddc::runtime {
namespace config_test {

using namespace std::chrono_literals;

core::repo_path
subtree(std::string_view decoded)
{
  return *core::repo_path::parse(decoded);
}

/// The reason parse_serve_args gives for `args`, or "" when it accepts them.
std::string
reason_for(const std::vector<std::string>& args)
{
  try {
    parse_serve_args(args);
  } catch(const config_error& e) {
    return e.what();
  }
  return {};
}

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

TEST(config, the_download_cap_defaults_to_a_gibibyte_and_takes_a_size)
{
  EXPECT_EQ(parse_serve_args({"--root", "/r"}).config.max_download_bytes, 1u << 30);
  EXPECT_EQ(parse_serve_args({"--root", "/r", "--max-download-bytes", "64KiB"}).config.max_download_bytes, 64u << 10);
  ::setenv("ZDDC_MAX_DOWNLOAD_BYTES", "2MiB", 1);
  auto const c = parse_serve_args({"--root", "/r"}).config;
  ::unsetenv("ZDDC_MAX_DOWNLOAD_BYTES");
  EXPECT_EQ(c.max_download_bytes, 2u << 20);
  for(auto bad : {"0", "lots", "1.5GiB"})
    EXPECT_NE(reason_for({"--root", "/r", "--max-download-bytes", bad}).find("--max-download-bytes"), std::string::npos)
      << bad;
}

TEST(config, a_browser_session_lasts_twelve_hours_unless_told_otherwise)
{
  using namespace std::chrono_literals;
  EXPECT_EQ(parse_serve_args({"--root", "/r"}).config.session_ttl, 12h);
  EXPECT_EQ(parse_serve_args({"--root", "/r", "--session-ttl", "30m"}).config.session_ttl, 30min);
  EXPECT_EQ(reason_for({"--root", "/r", "--session-ttl", "30s"}), "--session-ttl must be at least 1m");
  EXPECT_NE(reason_for({"--root", "/r", "--session-ttl", "soon"}), "");
}

TEST(config, bad_values_fail_with_a_one_line_reason)
{
  EXPECT_EQ(reason_for({}), "--root is required");
  EXPECT_NE(reason_for({"--root", "/r", "--mode", "proxy"}).find("--mode"), std::string::npos);
  EXPECT_NE(reason_for({"--root", "/r", "--listen", "8080"}).find("--listen"), std::string::npos);
  EXPECT_NE(reason_for({"--root", "/r", "--read-timeout", "soon"}).find("--read-timeout"), std::string::npos);
  EXPECT_NE(reason_for({"--root", "/r", "--threads", "0"}).find("--threads"), std::string::npos);
  EXPECT_NE(reason_for({"--root", "/r", "--tls-cert", "c.pem"}).find("--tls-key"), std::string::npos);
  EXPECT_NE(reason_for({"--root", "/r", "--bogus"}).find("bogus"), std::string::npos);
  for(auto const& r : {reason_for({"--root", "/r", "--bogus"}), reason_for({})})
    EXPECT_EQ(r.find('\n'), std::string::npos);
}

TEST(config, edge_flags_default_to_the_open_files_limit_loopback_names_and_private_metrics)
{
  auto const c = parse_serve_args({"--root", "/r"}).config;
  EXPECT_EQ(c.max_connections, 0u); // sized at start from RLIMIT_NOFILE
  EXPECT_TRUE(c.allowed_hosts.empty());
  EXPECT_FALSE(c.metrics_public);
  EXPECT_EQ(c.idle_timeout, 60s);
}

TEST(config, the_connection_limit_leaves_descriptors_for_files)
{
  EXPECT_EQ(connections_max_for(1024), (1024u - 32) / 2);
  EXPECT_EQ(connections_max_for(65536), (65536u - 32) / 2);
  EXPECT_EQ(connections_max_for(64), 16u);
  EXPECT_EQ(connections_max_for(48), connections_max_floor);
  EXPECT_EQ(connections_max_for(40), connections_max_floor);
  EXPECT_EQ(connections_max_for(0), connections_max_floor);
  EXPECT_EQ(connections_max_for(UINT64_MAX), connections_max_ceiling); // RLIM_INFINITY
}

TEST(config, edge_flags_are_set_from_the_command_line_or_the_environment)
{
  auto const c = parse_serve_args({"--root", "/r", "--max-connections", "100", "--allowed-host",
                                   "docs.example.com,proxy.example:8443", "--allowed-host", "[::1]:9",
                                   "--metrics-public"})
                   .config;
  EXPECT_EQ(c.max_connections, 100u);
  EXPECT_EQ(c.allowed_hosts, (std::vector<std::string>{"docs.example.com", "proxy.example:8443", "[::1]:9"}));
  EXPECT_TRUE(c.metrics_public);

  ::setenv("ZDDC_MAX_CONNECTIONS", "7", 1);
  ::setenv("ZDDC_ALLOWED_HOST", "a.example,b.example", 1);
  ::setenv("ZDDC_METRICS_PUBLIC", "true", 1);
  auto const from_env = parse_serve_args({"--root", "/r"}).config;
  auto const overridden = parse_serve_args({"--root", "/r", "--max-connections", "9", "--allowed-host", "*"}).config;
  ::unsetenv("ZDDC_MAX_CONNECTIONS");
  ::unsetenv("ZDDC_ALLOWED_HOST");
  ::unsetenv("ZDDC_METRICS_PUBLIC");
  EXPECT_EQ(from_env.max_connections, 7u);
  EXPECT_EQ(from_env.allowed_hosts, (std::vector<std::string>{"a.example", "b.example"}));
  EXPECT_TRUE(from_env.metrics_public);
  EXPECT_EQ(overridden.max_connections, 9u);
  EXPECT_EQ(overridden.allowed_hosts, std::vector<std::string>{"*"});
}

TEST(config, bad_edge_flags_fail_with_a_one_line_reason)
{
  for(auto bad : {"0", "1000001", "many"})
    EXPECT_NE(reason_for({"--root", "/r", "--max-connections", bad}).find("max-connections"), std::string::npos)
      << bad;
  for(auto bad : {"evil example", "a,,b", "http://x", "x/y", "x:port", ""}) {
    auto const r = reason_for({"--root", "/r", "--allowed-host", bad});
    EXPECT_NE(r.find("--allowed-host"), std::string::npos) << bad;
    EXPECT_EQ(r.find('\n'), std::string::npos) << bad;
  }
}

TEST(config, mirror_mode_needs_an_upstream_and_defaults_to_everything_hourly)
{
  EXPECT_NE(reason_for({"--root", "/r", "--mode", "mirror"}).find("--upstream"), std::string::npos);
  auto const c = parse_serve_args({"--root", "/r", "--mode", "mirror", "--upstream", "http://m:8080"}).config;
  EXPECT_EQ(c.mode, server_mode::mirror);
  EXPECT_EQ(c.mirror_subtrees, std::vector<core::repo_path>{core::repo_path()});
  EXPECT_EQ(c.mirror_min_interval, 1h);
  EXPECT_EQ(c.mirror_parallel, 4u);
}

TEST(config, mirror_subtrees_are_decoded_paths_repeated_or_comma_separated)
{
  auto const c = parse_serve_args({"--root", "/r", "--mode", "mirror", "--upstream", "http://m", "--mirror-subtree",
                                   "/Projects/Spec Docs (IFA),/Vendors/vendorA/", "--mirror-subtree",
                                   "/Site Office (\xC3\x81rea Norte)/Photos 100%", "--mirror-min-interval", "0s",
                                   "--mirror-parallel", "1"})
                  .config;
  std::vector<core::repo_path> const expected{subtree("Projects/Spec Docs (IFA)"), subtree("Vendors/vendorA"),
                                              subtree("Site Office (\xC3\x81rea Norte)/Photos 100%")};
  EXPECT_EQ(c.mirror_subtrees, expected); // `100%` is a name, never decoded again
  EXPECT_EQ(c.mirror_min_interval, 0ms);  // zero: every request may start a walk (tests)
  EXPECT_EQ(c.mirror_parallel, 1u);
  auto const everything =
    parse_serve_args({"--root", "/r", "--mode", "mirror", "--upstream", "http://m", "--mirror-subtree", "/"}).config;
  EXPECT_EQ(everything.mirror_subtrees, std::vector<core::repo_path>{core::repo_path()});
}

TEST(config, mirror_flags_have_environment_twins_and_the_command_line_wins)
{
  ::setenv("ZDDC_MIRROR_SUBTREE", "/a,/b", 1);
  ::setenv("ZDDC_MIRROR_MIN_INTERVAL", "5m", 1);
  ::setenv("ZDDC_MIRROR_PARALLEL", "8", 1);
  auto const from_env = parse_serve_args({"--root", "/r", "--mode", "mirror", "--upstream", "http://m"}).config;
  auto const overridden = parse_serve_args({"--root", "/r", "--mode", "mirror", "--upstream", "http://m",
                                            "--mirror-subtree", "/c", "--mirror-parallel", "2"})
                            .config;
  ::unsetenv("ZDDC_MIRROR_SUBTREE");
  ::unsetenv("ZDDC_MIRROR_MIN_INTERVAL");
  ::unsetenv("ZDDC_MIRROR_PARALLEL");
  EXPECT_EQ(from_env.mirror_subtrees, (std::vector<core::repo_path>{subtree("a"), subtree("b")}));
  EXPECT_EQ(from_env.mirror_min_interval, 5min);
  EXPECT_EQ(from_env.mirror_parallel, 8u);
  EXPECT_EQ(overridden.mirror_subtrees, std::vector<core::repo_path>{subtree("c")});
  EXPECT_EQ(overridden.mirror_min_interval, 5min);
  EXPECT_EQ(overridden.mirror_parallel, 2u);
}

TEST(config, bad_mirror_flags_fail_with_a_one_line_reason)
{
  std::vector<std::string> const mirror{"--root", "/r", "--mode", "mirror", "--upstream", "http://m"};
  auto with = [&](std::vector<std::string> extra) {
    auto args = mirror;
    args.insert(args.end(), extra.begin(), extra.end());
    return reason_for(args);
  };
  for(auto bad : {"/a//b", "/a/../b", "/.zddc-outbox", "/a,", ",/a", "Projects/X", "/Panel A, B", "/a\x01/b"}) {
    auto const r = with({"--mirror-subtree", bad});
    EXPECT_NE(r.find("--mirror-subtree"), std::string::npos) << bad;
    EXPECT_EQ(r.find('\n'), std::string::npos) << bad;
  }
  EXPECT_NE(with({"--mirror-min-interval", "soon"}).find("--mirror-min-interval"), std::string::npos);
  EXPECT_NE(with({"--mirror-min-interval", "-1s"}).find("--mirror-min-interval"), std::string::npos);
  EXPECT_NE(with({"--mirror-parallel", "0"}).find("--mirror-parallel"), std::string::npos);
  EXPECT_NE(with({"--mirror-parallel", "65"}).find("--mirror-parallel"), std::string::npos);
}

TEST(config, mirror_flags_are_refused_outside_mirror_mode)
{
  std::pair<std::string, std::string> const given[] = {
    {"--mirror-subtree", "/a"}, {"--mirror-min-interval", "1m"}, {"--mirror-parallel", "2"}};
  for(auto const& [flag, value] : given) {
    EXPECT_EQ(reason_for({"--root", "/r", flag, value}), flag + " applies only to --mode mirror");
    EXPECT_EQ(reason_for({"--root", "/r", "--mode", "cache", "--upstream", "http://m", flag, value}),
              flag + " applies only to --mode mirror");
  }
  ::setenv("ZDDC_MIRROR_PARALLEL", "2", 1);
  auto const from_env = reason_for({"--root", "/r"});
  ::unsetenv("ZDDC_MIRROR_PARALLEL");
  EXPECT_EQ(from_env, "--mirror-parallel applies only to --mode mirror");
}

TEST(config, help_lists_every_flag)
{
  auto const inv = parse_serve_args({"--help"});
  ASSERT_TRUE(inv.help);
  for(auto flag : {"--mode", "--root", "--listen", "--threads", "--max-write-bytes", "--no-auth", "--state-dir",
                   "--tls-cert", "--tls-key", "--read-timeout", "--idle-timeout", "--shutdown-timeout", "--log-level",
                   "--max-connections", "--allowed-host", "--metrics-public",
                   "--upstream", "--bearer", "--mirror-subtree", "--mirror-min-interval", "--mirror-parallel"})
    EXPECT_NE(inv.help_text.find(flag), std::string::npos) << flag;
  // What the timeouts measure, as the server applies them (the help wraps lines).
  std::string words;
  for(char c : inv.help_text)
    if(! std::isspace(static_cast<unsigned char>(c)) || (! words.empty() && words.back() != ' '))
      words += std::isspace(static_cast<unsigned char>(c)) ? ' ' : c;
  EXPECT_NE(words.find("a request's header must arrive within this once its first byte has"), std::string::npos);
  EXPECT_NE(words.find("wait for the first byte of its next request"), std::string::npos);
}

TEST(log, lines_are_logfmt_with_quoting)
{
  EXPECT_EQ(format_log_line("T", log_level::info, "request", {{"path", "/a b"}, {"status", 200}}),
            "time=T level=info msg=request path=\"/a b\" status=200\n");
  EXPECT_EQ(format_log_line("T", log_level::warn, "x \"y\"", {{"k", "a=b"}}),
            "time=T level=warn msg=\"x \\\"y\\\"\" k=\"a=b\"\n");
}

TEST(log, a_throttle_passes_the_first_occurrence_then_one_line_per_interval_with_the_count_held_back)
{
  // Descriptor exhaustion once wrote 5.3 M identical lines in 10 s.
  log_throttle t(10s);
  log_throttle::clock::time_point const t0{};
  EXPECT_EQ(t.admit(t0), 0u);
  std::uint64_t passed = 0;
  for(int i = 1; i <= 100'000; ++i) // 100 000 failures within 10 s
    passed += t.admit(t0 + i * 99us).has_value();
  EXPECT_EQ(passed, 0u);
  EXPECT_EQ(t.admit(t0 + 10s), 100'000u);
  EXPECT_FALSE(t.admit(t0 + 11s));
  EXPECT_FALSE(t.flush(t0 + 12s)); // the condition ended, but a line is not due yet
  EXPECT_EQ(t.flush(t0 + 20s), 1u); // now the one held back is reported
  EXPECT_FALSE(t.flush(t0 + 40s));  // nothing held back: nothing to say
  EXPECT_EQ(t.admit(t0 + 41s), 0u); // a new episode is reported at once
}

TEST(log, a_throttle_bounds_lines_when_failures_and_recoveries_alternate)
{
  log_throttle t(10s);
  log_throttle::clock::time_point const t0{};
  int lines = 0;
  for(int i = 0; i < 10'000; ++i) { // a failure and a success every millisecond, for 10 s
    lines += t.admit(t0 + i * 1ms).has_value();
    lines += t.flush(t0 + i * 1ms + 500us).has_value();
  }
  EXPECT_EQ(lines, 1);
}

} // namespace
} // namespace zddc::runtime
