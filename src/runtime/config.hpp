#pragma once
/// @file
/// `zddc serve` configuration: flags, their `ZDDC_*` environment twins
/// (a flag on the command line wins), and the value syntaxes (durations
/// `500ms 30s 5m 1h`, sizes `1048576 512KiB 256MiB 1GiB`). A bad value fails
/// at start with a one-line reason (`config_error`).

#include "runtime/log.hpp"

#include <zddc/core/path.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace zddc::runtime {

class config_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

enum class server_mode { master, cache, mirror };

struct serve_config {
  server_mode mode = server_mode::master;
  std::string root;                       // the served tree (master) or the cache's store
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;       // 0 picks a free port (printed at start)
  unsigned threads = 1;                   // single-threaded event loops
  std::uint64_t max_write_bytes = 256ull << 20;
  bool no_auth = false;
  std::string state_dir;                  // tokens live here, outside the served tree
  std::chrono::seconds session_ttl{12 * 3600}; // a browser session's lifetime after sign-in
  std::string tls_cert;                   // PEM chain; TLS when set with tls_key
  std::string tls_key;
  std::chrono::milliseconds read_timeout{30'000};    // a request's header or a body chunk
  std::chrono::milliseconds idle_timeout{60'000};    // between keep-alive requests
  std::chrono::milliseconds shutdown_timeout{10'000}; // in-flight requests at SIGTERM
  unsigned max_connections = 0;           // client connections at once; 0: connections_max_for(open-files limit)
  std::vector<std::string> allowed_hosts; // Host names besides the listen address and loopback; `*`: any
  bool metrics_public = false;            // /.zddc/metrics without a token on an authenticating master
  log_level level = log_level::info;

  // Cache mode.
  std::string upstream;                    // the master's base URL
  std::string bearer;                      // this cache's token at the master; empty: none
  std::string upstream_ca;                 // extra PEM CA file for an https upstream
  std::uint64_t max_download_bytes = 1ull << 30;    // a longer upstream body is abandoned: 502
  std::chrono::milliseconds retry_min{1'000};       // first replay retry while writes wait
  std::chrono::milliseconds retry_max{30'000};      // the backoff's ceiling
  std::chrono::milliseconds replay_interval{300'000}; // a pass when nothing seems to wait

  // Mirror mode: a cache that also walks. The three flags are refused in other modes.
  std::vector<core::repo_path> mirror_subtrees{core::repo_path()}; // walked on access; `/` = everything
  std::chrono::milliseconds mirror_min_interval{3'600'000};        // between the starts of two walks of a subtree
  unsigned mirror_parallel = 4;                                    // upstream requests in flight during a walk
  unsigned mirror_retries = 4;                                     // one walk request asked again after a failure
  bool mirror_tree = true;                                         // ask for a subtree's whole tree (?tree)
  std::chrono::milliseconds mirror_retry_interval{60'000};         // resume an incomplete walk after this
};

/// Parses `500ms`, `30s`, `5m`, `1h` (a whole number and one unit).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

/// Parses a byte count with an optional `KiB`/`MiB`/`GiB` suffix.
std::optional<std::uint64_t> parse_size(std::string_view text);

/// The default `--max-connections` for a soft open-files limit: each
/// connection may hold two descriptors (its socket and a file it streams),
/// and `open_files_reserve` stay free for the listener, the event loops,
/// logs, tokens and upstream connections. Never below
/// `connections_max_floor` (the accept loop backs off if descriptors run
/// out anyway), never above `connections_max_ceiling`.
unsigned connections_max_for(std::uint64_t open_files_soft_limit);

inline constexpr std::uint64_t open_files_reserve = 32;
inline constexpr unsigned connections_max_floor = 8;
inline constexpr unsigned connections_max_ceiling = 1'000'000;

/// What `zddc serve` was asked to do: run, or print help and exit.
struct serve_invocation {
  serve_config config;
  bool help = false;
  std::string help_text;
};

/// Parses `args` (after `serve`) and the environment (`environ`).
/// @throws config_error with a one-line reason.
serve_invocation parse_serve_args(const std::vector<std::string>& args);

/// The default state directory: `$ZDDC_STATE_DIR`, else
/// `$XDG_STATE_HOME/zddc`, else `$HOME/.local/state/zddc`.
std::string default_state_dir();

} // namespace zddc::runtime
