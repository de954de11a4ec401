#include "runtime/config.hpp"

#include "runtime/request_guard.hpp"

#include <zddc/mirror/config.hpp>

#include <boost/program_options.hpp>

#include <algorithm>
#include <charconv>
#include <cctype>
#include <cstdlib>
#include <sstream>

namespace zddc::runtime {
namespace po = boost::program_options;

namespace {

std::optional<std::uint64_t>
parse_number(std::string_view text, std::size_t& used)
{
  std::uint64_t v = 0;
  auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if(ec != std::errc() || end == text.data())
    return std::nullopt;
  used = static_cast<std::size_t>(end - text.data());
  return v;
}

std::string
env_or(const char* name, std::string fallback)
{
  auto const* v = std::getenv(name);
  return v && *v ? std::string(v) : std::move(fallback);
}

// The mirror's flags. Given in another mode they are refused rather than
// ignored: a walk the operator asked for and silently never gets is worse
// than a daemon that does not start.
void
read_mirror_options(const po::variables_map& vm, serve_config& c)
{
  if(c.mode != server_mode::mirror) {
    for(auto const* name : {"mirror-subtree", "mirror-min-interval", "mirror-parallel", "mirror-retries",
                            "mirror-retry-interval", "mirror-no-tree"})
      if(! vm[name].defaulted())
        throw config_error(std::string("--") + name + " applies only to --mode mirror");
    return;
  }
  c.mirror_subtrees.clear();
  for(auto const& value : vm["mirror-subtree"].as<std::vector<std::string>>()) {
    for(std::size_t begin = 0;;) {
      auto const comma = value.find(',', begin);
      auto const item = std::string_view(value).substr(begin, comma - begin);
      // A leading slash is required here (parse_subtree would take `a/b`):
      // it turns a name that holds a comma, which this syntax cannot carry,
      // into an error rather than into two other subtrees.
      auto const subtree = mirror::parse_subtree(item);
      if(! item.starts_with('/') || ! subtree)
        throw config_error("--mirror-subtree: '" + std::string(item) +
                           "' is not a subtree; write decoded paths from the root, like /Projects/X, separated by commas");
      c.mirror_subtrees.push_back(*subtree);
      if(comma == std::string::npos)
        break;
      begin = comma + 1;
    }
  }
  auto const interval = parse_duration(vm["mirror-min-interval"].as<std::string>());
  if(! interval)
    throw config_error("--mirror-min-interval must be a duration like 0s, 30s, 5m or 1h");
  c.mirror_min_interval = *interval;
  c.mirror_parallel = vm["mirror-parallel"].as<unsigned>();
  if(c.mirror_parallel < 1 || c.mirror_parallel > 64)
    throw config_error("--mirror-parallel must be between 1 and 64");
  c.mirror_tree = ! vm["mirror-no-tree"].as<bool>();
  c.mirror_retries = vm["mirror-retries"].as<unsigned>();
  if(c.mirror_retries > 20)
    throw config_error("--mirror-retries must be between 0 and 20");
  auto const retry_interval = parse_duration(vm["mirror-retry-interval"].as<std::string>());
  if(! retry_interval)
    throw config_error("--mirror-retry-interval must be a duration like 0s, 30s, 5m or 1h");
  c.mirror_retry_interval = *retry_interval;
}

// `--allowed-host`, repeated or comma separated, checked the way the
// server will use it.
void
read_allowed_hosts(const po::variables_map& vm, serve_config& c)
{
  if(! vm.count("allowed-host"))
    return;
  for(auto const& value : vm["allowed-host"].as<std::vector<std::string>>()) {
    for(std::size_t begin = 0;;) {
      auto const comma = value.find(',', begin);
      c.allowed_hosts.push_back(value.substr(begin, comma - begin));
      if(comma == std::string::npos)
        break;
      begin = comma + 1;
    }
  }
  try {
    host_allowlist(c.listen_host, c.allowed_hosts);
  } catch(const std::invalid_argument& e) {
    throw config_error(std::string("--allowed-host: ") + e.what() + "; write NAME or NAME:PORT, or * for any");
  }
}

// `--max-connections`, `--allowed-host`, `--metrics-public`: what the edge
// lets in.
void
read_edge_options(const po::variables_map& vm, serve_config& c)
{
  if(vm.count("max-connections")) {
    c.max_connections = vm["max-connections"].as<unsigned>();
    if(c.max_connections < 1 || c.max_connections > connections_max_ceiling)
      throw config_error("--max-connections must be between 1 and " + std::to_string(connections_max_ceiling));
  }
  read_allowed_hosts(vm, c);
  c.metrics_public = vm["metrics-public"].as<bool>();
}

} // namespace

unsigned
connections_max_for(std::uint64_t open_files_soft_limit)
{
  if(open_files_soft_limit <= open_files_reserve + 2 * connections_max_floor)
    return connections_max_floor;
  auto const n = (open_files_soft_limit - open_files_reserve) / 2;
  return static_cast<unsigned>(std::min<std::uint64_t>(n, connections_max_ceiling));
}

std::optional<std::chrono::milliseconds>
parse_duration(std::string_view text)
{
  std::size_t used = 0;
  auto const n = parse_number(text, used);
  if(! n)
    return std::nullopt;
  auto const unit = text.substr(used);
  std::uint64_t scale = 0;
  if(unit == "ms")
    scale = 1;
  else if(unit == "s")
    scale = 1000;
  else if(unit == "m")
    scale = 60'000;
  else if(unit == "h")
    scale = 3'600'000;
  else
    return std::nullopt;
  if(*n > UINT64_MAX / scale / 1'000'000) // keep nanoseconds representable
    return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(*n * scale));
}

std::optional<std::uint64_t>
parse_size(std::string_view text)
{
  std::size_t used = 0;
  auto const n = parse_number(text, used);
  if(! n)
    return std::nullopt;
  auto const unit = text.substr(used);
  unsigned shift = 0;
  if(unit.empty())
    shift = 0;
  else if(unit == "KiB")
    shift = 10;
  else if(unit == "MiB")
    shift = 20;
  else if(unit == "GiB")
    shift = 30;
  else
    return std::nullopt;
  if(*n > (UINT64_MAX >> shift))
    return std::nullopt;
  return *n << shift;
}

std::string
default_state_dir()
{
  if(auto const* v = std::getenv("ZDDC_STATE_DIR"); v && *v)
    return v;
  if(auto const* v = std::getenv("XDG_STATE_HOME"); v && *v)
    return std::string(v) + "/zddc";
  return env_or("HOME", "/var/lib") + "/.local/state/zddc";
}

namespace {

// The options of `zddc serve`, with their help text.
po::options_description
serve_options()
{
  po::options_description desc(
    "Usage: zddc serve [options]\n\n"
    "Every option can also be set as an environment variable: --max-write-bytes\n"
    "is ZDDC_MAX_WRITE_BYTES. The command line wins over the environment.\n"
    "Options marked cache: apply to --mode cache and mirror; those marked mirror:\n"
    "are refused in any other mode.\n\nOptions");
  // clang-format off
  desc.add_options()
    ("help,h", "print this help and exit")
    ("mode", po::value<std::string>()->default_value("master"), "master | cache | mirror")
    ("root", po::value<std::string>(), "directory to serve (master) or to keep the cache in (required)")
    ("listen", po::value<std::string>()->default_value("127.0.0.1:8080"), "ADDRESS:PORT to listen on; port 0 picks a free one")
    ("threads", po::value<unsigned>()->default_value(1), "number of single-threaded event loops (1-64)")
    ("max-write-bytes", po::value<std::string>()->default_value("256MiB"), "largest PUT body; larger ones answer 413 (bytes, KiB, MiB, GiB)")
    ("no-auth", po::bool_switch(), "grant every request full access (trusted local setups only)")
    ("state-dir", po::value<std::string>(), "where the token store lives, outside the served tree (default: $XDG_STATE_HOME/zddc)")
    ("session-ttl", po::value<std::string>()->default_value("12h"), "how long a browser stays signed in after signing in with a token at /.zddc/login (at least 1m)")
    ("tls-cert", po::value<std::string>(), "PEM certificate chain; serve HTTPS (TLS 1.2+) with --tls-key")
    ("tls-key", po::value<std::string>(), "PEM private key for --tls-cert")
    ("read-timeout", po::value<std::string>()->default_value("30s"), "a request's header must arrive within this once its first byte has; also the longest wait for each body chunk and response write")
    ("idle-timeout", po::value<std::string>()->default_value("60s"), "how long a connection may wait for the first byte of its next request")
    ("max-connections", po::value<unsigned>(), "most client connections at once; extras answer 503 with Retry-After and are closed (default: from the open-files limit, (soft limit - 32) / 2, at least 8)")
    ("allowed-host", po::value<std::vector<std::string>>(), "a Host name to answer to besides the listen address, localhost, 127.0.0.1 and [::1] (and any IP when listening on 0.0.0.0 or ::); NAME or NAME:PORT, repeat the flag or separate with commas, * for any; other Hosts answer 421")
    ("metrics-public", po::bool_switch(), "serve /.zddc/metrics without a token (a master with tokens asks for a valid one)")
    ("shutdown-timeout", po::value<std::string>()->default_value("10s"), "how long SIGTERM waits for in-flight requests")
    ("log-level", po::value<std::string>()->default_value("info"), "debug | info | warn | error")
    ("upstream", po::value<std::string>(), "cache: the master's URL, http://HOST:PORT or https://... (required)")
    ("bearer", po::value<std::string>(), "cache: this cache's token at the master (none for a --no-auth master)")
    ("upstream-ca", po::value<std::string>(), "cache: extra PEM CA certificates to trust for an https upstream")
    ("max-download-bytes", po::value<std::string>()->default_value("1GiB"), "cache: longest body taken from the master; a longer one is abandoned and the read answers 502 (a mirror also takes no more than a file's listed size)")
    ("retry-min", po::value<std::string>()->default_value("1s"), "cache: first replay retry while writes wait")
    ("retry-max", po::value<std::string>()->default_value("30s"), "cache: longest wait between replay retries")
    ("replay-interval", po::value<std::string>()->default_value("5m"), "cache: replay pass when nothing seems to wait")
    ("mirror-subtree", po::value<std::vector<std::string>>()->default_value({"/"}, "/"),
     "mirror: a subtree to keep current, as a decoded path (/Projects/Spec Docs); repeat the flag or separate with commas; / is everything")
    ("mirror-min-interval", po::value<std::string>()->default_value("1h"), "mirror: least time from the start of a complete walk of a subtree to the next walk (0s: every request)")
    ("mirror-parallel", po::value<unsigned>()->default_value(4), "mirror: upstream requests in flight during a walk (1-64)")
    ("mirror-no-tree", po::bool_switch(),
     "mirror: walk directory by directory, never asking for a subtree's whole tree at once (?tree; a master without it is walked that way anyway)")
    ("mirror-retries", po::value<unsigned>()->default_value(4),
     "mirror: times one request of a walk is asked again after no answer, a 5xx, 408 or 429 (0-20; jittered backoff from 1s to 30s, Retry-After honoured)")
    ("mirror-retry-interval", po::value<std::string>()->default_value("1m"),
     "mirror: after an incomplete walk, the next access resumes it once this has passed (doubling with each incomplete walk in a row while the master stays away, up to --mirror-min-interval)");
  // clang-format on
  return desc;
}

// The command line, then the environment (ZDDC_MAX_WRITE_BYTES for
// --max-write-bytes): the command line wins.
po::variables_map
read_variables(const po::options_description& desc, const std::vector<std::string>& args)
{
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(desc).run(), vm);
    po::store(po::parse_environment(desc,
                                    [&desc](const std::string& var) -> std::string {
                                      if(! var.starts_with("ZDDC_"))
                                        return "";
                                      std::string opt = var.substr(5);
                                      for(auto& c : opt)
                                        c = c == '_' ? '-' : static_cast<char>(std::tolower(c));
                                      return desc.find_nothrow(opt, false) ? opt : "";
                                    }),
              vm);
    po::notify(vm);
  } catch(const po::error& e) {
    throw config_error(e.what());
  }
  return vm;
}

std::chrono::milliseconds
duration_option(const po::variables_map& vm, const char* name)
{
  auto const d = parse_duration(vm[name].as<std::string>());
  if(! d || d->count() == 0)
    throw config_error(std::string("--") + name + " must be a duration like 500ms, 30s, 5m or 1h");
  return *d;
}

void
read_mode_and_root(const po::variables_map& vm, serve_config& c)
{
  auto const mode = vm["mode"].as<std::string>();
  if(mode == "master")
    c.mode = server_mode::master;
  else if(mode == "cache")
    c.mode = server_mode::cache;
  else if(mode == "mirror")
    c.mode = server_mode::mirror;
  else
    throw config_error("--mode must be master, cache or mirror, not '" + mode + "'");
  if(! vm.count("root"))
    throw config_error("--root is required");
  c.root = vm["root"].as<std::string>();
}

void
read_listen(const po::variables_map& vm, serve_config& c)
{
  auto const listen = vm["listen"].as<std::string>();
  auto const colon = listen.rfind(':');
  std::size_t used = 0;
  auto const port = colon == std::string::npos ? std::nullopt : parse_number(std::string_view(listen).substr(colon + 1), used);
  if(! port || *port > 65535 || colon + 1 + used != listen.size() || colon == 0)
    throw config_error("--listen must be ADDRESS:PORT, not '" + listen + "'");
  c.listen_host = listen.substr(0, colon);
  if(c.listen_host.size() > 2 && c.listen_host.front() == '[' && c.listen_host.back() == ']')
    c.listen_host = c.listen_host.substr(1, c.listen_host.size() - 2);
  c.listen_port = static_cast<std::uint16_t>(*port);
}

// What every mode takes: loops, limits, credentials, TLS, timeouts, logs.
void
read_daemon_options(const po::variables_map& vm, serve_config& c)
{
  c.threads = vm["threads"].as<unsigned>();
  if(c.threads < 1 || c.threads > 64)
    throw config_error("--threads must be between 1 and 64");
  auto const size = parse_size(vm["max-write-bytes"].as<std::string>());
  if(! size)
    throw config_error("--max-write-bytes must be a size like 268435456 or 256MiB");
  c.max_write_bytes = *size;
  c.no_auth = vm["no-auth"].as<bool>();
  c.state_dir = vm.count("state-dir") ? vm["state-dir"].as<std::string>() : default_state_dir();
  if(vm.count("tls-cert"))
    c.tls_cert = vm["tls-cert"].as<std::string>();
  if(vm.count("tls-key"))
    c.tls_key = vm["tls-key"].as<std::string>();
  if(c.tls_cert.empty() != c.tls_key.empty())
    throw config_error("--tls-cert and --tls-key go together");
  c.session_ttl = std::chrono::duration_cast<std::chrono::seconds>(duration_option(vm, "session-ttl"));
  if(c.session_ttl < std::chrono::minutes(1))
    throw config_error("--session-ttl must be at least 1m");
  c.read_timeout = duration_option(vm, "read-timeout");
  c.idle_timeout = duration_option(vm, "idle-timeout");
  c.shutdown_timeout = duration_option(vm, "shutdown-timeout");
  read_edge_options(vm, c);
  if(! parse_log_level(vm["log-level"].as<std::string>(), c.level))
    throw config_error("--log-level must be debug, info, warn or error");
}

// The cache's options (a mirror is a cache too).
void
read_cache_options(const po::variables_map& vm, serve_config& c)
{
  if(vm.count("upstream"))
    c.upstream = vm["upstream"].as<std::string>();
  if(vm.count("bearer"))
    c.bearer = vm["bearer"].as<std::string>();
  if(vm.count("upstream-ca"))
    c.upstream_ca = vm["upstream-ca"].as<std::string>();
  auto const download = parse_size(vm["max-download-bytes"].as<std::string>());
  if(! download || *download == 0)
    throw config_error("--max-download-bytes must be a size like 1073741824 or 1GiB");
  c.max_download_bytes = *download;
  c.retry_min = duration_option(vm, "retry-min");
  c.retry_max = duration_option(vm, "retry-max");
  c.replay_interval = duration_option(vm, "replay-interval");
  if(c.retry_max < c.retry_min)
    throw config_error("--retry-max must not be shorter than --retry-min");
  if(c.mode != server_mode::master && c.upstream.empty())
    throw config_error("--mode " + vm["mode"].as<std::string>() + " needs --upstream URL (the master)");
}

} // namespace

serve_invocation
parse_serve_args(const std::vector<std::string>& args)
{
  auto const desc = serve_options();
  auto const vm = read_variables(desc, args);
  serve_invocation out;
  if(vm.count("help")) {
    std::ostringstream s;
    s << desc;
    out.help = true;
    out.help_text = s.str();
    return out;
  }
  read_mode_and_root(vm, out.config);
  read_listen(vm, out.config);
  read_daemon_options(vm, out.config);
  read_cache_options(vm, out.config);
  read_mirror_options(vm, out.config);
  return out;
}

} // namespace zddc::runtime
