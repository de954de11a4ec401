// zddc: the document-control daemon and its administration commands.
#include "runtime/config.hpp"
#include "runtime/daemon_env.hpp"
#include "runtime/http_server.hpp"
#include "runtime/log.hpp"
#include "runtime/outbox_cli.hpp"
#include "runtime/token_cli.hpp"
#include "runtime/token_gate.hpp"
#include "runtime/token_store.hpp"


#include <zddc/cache/handler.hpp>
#include <zddc/master/handler.hpp>
#include <zddc/mirror/handler.hpp>

#include <boost/asio/co_spawn.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <sys/stat.h>
#include <iostream>
#include <list>
#include <mutex>
#include <string>
#include <vector>

namespace {

using namespace zddc;
using namespace zddc::runtime;

constexpr std::string_view usage =
  "Usage: zddc <command> [options]\n"
  "\n"
  "Commands:\n"
  "  serve      run the server (zddc serve --help)\n"
  "  token      issue, list and revoke bearer tokens (zddc token --help)\n"
  "  outbox     list, show, retry and discard a cache's queued writes (zddc outbox --help)\n"
  "  --version  print the version\n"
  "  --help     print this help\n";

// What an operator watching a cache's log needs of the replayer: every
// attempt, and what came of it.
void
log_replay(const cache::replay_event& e)
{
  static constexpr std::string_view messages[] = {
    "outbox: replay attempt", "outbox: replayed", "outbox: conflict, kept",
    "outbox: rejected by the master, kept", "outbox: the master refused this cache's credentials; entry kept pending",
    "outbox: deferred"};
  auto const step = static_cast<std::size_t>(e.step);
  auto const level = e.step == cache::replay_step::conflict || e.step == cache::replay_step::rejected ||
                     e.step == cache::replay_step::unauthorized
                       ? log_level::warn
                       : log_level::info;
  log(level, messages[step],
      {{"id", e.entry.id},
       {"method", std::string_view(boost::beast::http::to_string(e.entry.method))},
       {"path", "/" + std::string(e.entry.path.str())},
       {"status", e.status},
       {"detail", e.detail}});
}

using cache_role = cache::handler<cache_daemon_env>;
using mirror_role = mirror::handler<cache_daemon_env>;

cache_role& cache_of(cache_role& role) { return role; }
cache_role& cache_of(mirror_role& role) { return role.cache(); }

// What an operator watching a mirror's log needs of its walks: when each
// starts and ends, how far it got, and whatever it had to leave as it was.
void
log_walk(const mirror::walk_event& e)
{
  static constexpr std::string_view messages[] = {"mirror: walk started", "mirror: walk progress",
                                                  "mirror: walk trouble", "mirror: walk finished"};
  auto const& s = e.stats;
  log(e.step == mirror::walk_step::trouble ? log_level::warn : log_level::info,
      messages[static_cast<std::size_t>(e.step)],
      {{"subtree", "/" + std::string(e.subtree.str())},
       {"complete", s.complete ? "true" : "false"}, // so far, until the walk has finished
       {"dirs", s.dirs},
       {"files", s.files},
       {"fetched", s.fetched},
       {"unchanged", s.unchanged},
       {"purged", s.purged},
       {"requests", s.requests},
       {"bytes", s.bytes},
       {"duration_ms", std::chrono::duration_cast<std::chrono::milliseconds>(s.duration).count()},
       {"detail", e.detail}});
}

// What a cache or a mirror found on its disk at start.
void
report_opened(cache_role& role)
{
  log(log_level::info, "outbox opened", {{"pending", role.box().pending_count()}});
}

void
report_opened(mirror_role& role)
{
  report_opened(role.cache());
  // A state file that does not parse costs only an early walk: say so, go on.
  if(auto const problem = role.walks().state_problem())
    log(log_level::warn, "mirror: state file unusable, replaced by an empty state",
        {{"file", mirror::state_file_name},
         {"error", problem == errc::protocol_error ? "not a mirror state document" : problem.message()}});
}

// How the replays went since start, for the metrics.
class replay_tally {
public:
  void count(const cache::replay_event& e) { ++counts_[static_cast<std::size_t>(e.step)]; }

  std::string
  render() const
  {
    static constexpr std::string_view outcomes[] = {"attempt", "replayed", "conflict", "rejected", "unauthorized",
                                                    "deferred"};
    std::string s = "# HELP zddc_replay_total Outbox replay steps, by outcome.\n# TYPE zddc_replay_total counter\n";
    for(std::size_t i = 0; i < counts_.size(); ++i)
      s += "zddc_replay_total{outcome=\"" + std::string(outcomes[i]) + "\"} " + std::to_string(counts_[i].load()) +
           "\n";
    return s;
  }

private:
  std::array<std::atomic<std::uint64_t>, 6> counts_{};
};

std::string
role_metrics(cache_role&)
{
  return {};
}

void
add_role_health(cache_role&, boost::json::object&)
{
}

// A mirror's health adds each subtree's walks: the last complete one (what
// a person's copy is as fresh as), whether the latest completed, and how
// many were cut short in a row since.
void
add_role_health(mirror_role& role, boost::json::object& health)
{
  boost::json::object subtrees;
  for(auto const& [subtree, record] : role.walks().state().subtrees) {
    boost::json::object o;
    if(record.last_complete)
      o["last_complete_walk"] = cache::detail::rfc3339(*record.last_complete);
    else
      o["last_complete_walk"] = nullptr;
    o["last_attempt"] = cache::detail::rfc3339(record.last_attempt);
    o["complete"] = record.last.complete;
    o["incomplete_walks"] = record.failures;
    subtrees["/" + std::string(subtree.str())] = std::move(o);
  }
  health["mirror"] = boost::json::object{{"subtrees", std::move(subtrees)}};
}

// A mirror's walks: when each subtree last had a complete walk, whether
// the latest walk completed, and how many were cut short in a row since.
std::string
role_metrics(mirror_role& role)
{
  std::string last = "# HELP zddc_mirror_last_walk_timestamp_seconds When the last complete walk of a subtree began "
                     "(0: none yet).\n# TYPE zddc_mirror_last_walk_timestamp_seconds gauge\n";
  std::string complete = "# HELP zddc_mirror_walk_complete Whether the latest walk of a subtree completed.\n"
                         "# TYPE zddc_mirror_walk_complete gauge\n";
  std::string failures = "# HELP zddc_mirror_incomplete_walks Incomplete walks of a subtree in a row since its last "
                         "complete one.\n# TYPE zddc_mirror_incomplete_walks gauge\n";
  for(auto const& [subtree, record] : role.walks().state().subtrees) {
    // A label value escapes backslash, quote and newline (the text format's rules).
    std::string label;
    for(char c : "/" + std::string(subtree.str()))
      label += c == '\\' ? "\\\\" : c == '"' ? "\\\"" : c == '\n' ? "\\n" : std::string(1, c);
    auto const seconds = record.last_complete
                           ? std::chrono::duration_cast<std::chrono::seconds>(record.last_complete->time_since_epoch())
                           : std::chrono::seconds(0);
    last += "zddc_mirror_last_walk_timestamp_seconds{subtree=\"" + label + "\"} " + std::to_string(seconds.count()) +
            "\n";
    complete += "zddc_mirror_walk_complete{subtree=\"" + label + "\"} " + (record.last.complete ? "1" : "0") + "\n";
    failures += "zddc_mirror_incomplete_walks{subtree=\"" + label + "\"} " + std::to_string(record.failures) + "\n";
  }
  return last + complete + failures;
}

// One loop's cache or mirror: the transport to the master, the Environment
// over it, and the role. The loop's role function owns it, so the server
// destroys it after the coroutines suspended on its channels and sockets,
// and before the loop whose services those belong to (see loop_state in
// runtime/http_server.cpp).
template<class Role>
struct downstream_node {
  downstream_node(boost::asio::io_context& loop, posix_filesystem& fs, std::mutex& commits,
                  const serve_config& config, beast_transport_options options)
    : to_master(loop.get_executor(), config.upstream,
               config.bearer.empty() ? std::nullopt : std::optional<std::string>(config.bearer), std::move(options)),
      env(loop, fs, commits, to_master)
  {
  }

  beast_transport to_master;
  cache_daemon_env env;
  std::optional<Role> role;
};

// What a cache and a mirror share: one event loop holding the transport to
// the master, the role (made by `make` over it) and the outbox's replay
// loop. Local requests are not authenticated: such a node serves one site,
// and what it can see is bounded by its own token at the master.
template<class Role, class Make>
int
serve_downstream(const serve_config& config, posix_filesystem& fs, std::string_view mode, Make make)
{
  if(config.threads != 1)
    log(log_level::warn, "a cache or mirror runs one event loop; --threads ignored", {{"threads", config.threads}});
  auto one_loop = config;
  one_loop.threads = 1;
  ::umask(077); // the store and the outbox are this node's alone: 0700 directories, 0600 files
  std::mutex commits;
  replay_tally tally;
  cache::replay_listener const listener = [&tally](const cache::replay_event& e) {
    tally.count(e);
    log_replay(e);
  };
  std::weak_ptr<downstream_node<Role>> the_node; // the one loop's, for health and metrics
  auto make_role = [&](boost::asio::io_context& loop) -> role_function {
    beast_transport_options options;
    options.ca_file = config.upstream_ca;
    // A walk keeps --mirror-parallel connections busy: keep them all for reuse.
    options.idle_connections_max = std::max<std::size_t>(options.idle_connections_max, config.mirror_parallel);
    auto node = std::make_shared<downstream_node<Role>>(loop, fs, commits, config, std::move(options));
    cache::config c;
    c.write_bytes_max = config.max_write_bytes;
    c.download_bytes_max = config.max_download_bytes;
    c.retry_min = config.retry_min;
    c.retry_max = config.retry_max;
    c.idle_interval = config.replay_interval;
    make(node->role, node->env, std::move(c), loop, listener);
    the_node = node;
    if(auto ec = node->role->open())
      throw config_error("cannot open the " + std::string(mode) + "'s store under --root " + config.root + ": " +
                         ec.message());
    report_opened(*node->role);
    boost::asio::co_spawn(loop, cache_of(*node->role).replay().run(), [](std::exception_ptr e) {
      if(e)
        log(log_level::error, "the replay loop stopped", {});
    });
    return [node](const core::request& req, const core::principal*) { return node->role->handle(req); };
  };
  authenticator local = [who = std::make_shared<const core::principal>(core::principal::unrestricted("local"))](
                          const boost::beast::http::fields&) -> std::optional<authentication> {
    return authentication{who};
  };
  auto on_listening = [&](std::uint16_t port) {
    std::string const scheme = config.tls_cert.empty() ? "http" : "https";
    log(log_level::info, "listening",
        {{"url", scheme + "://" + config.listen_host + ":" + std::to_string(port) + "/"},
         {"root", config.root}, {"mode", mode}, {"upstream", config.upstream}});
  };
  // Asked on the node's own loop, so it may read the role's state.
  status_function status = [&the_node, &tally, &config]() -> role_status {
    auto const node = the_node.lock();
    if(! node || ! node->role)
      return {R"({"status":"stopping"})", {}};
    auto& role = *node->role;
    auto const now = std::chrono::time_point_cast<env::duration>(std::chrono::system_clock::now());
    auto const health = cache_of(role).health();
    if(! health)
      return {R"({"status":"degraded","error":"the outbox cannot be read"})", tally.render() + role_metrics(role)};
    auto document = cache::health_object(*health, now, config.retry_max);
    add_role_health(role, document);
    return {boost::json::serialize(document),
            cache::to_prometheus(*health, now) + tally.render() + role_metrics(role)};
  };
  return run_http_server(one_loop, make_role, {local}, on_listening, status);
}

int
serve_cache(const serve_config& config, posix_filesystem& fs)
{
  return serve_downstream<cache_role>(
    config, fs, "cache",
    [](std::optional<cache_role>& role, cache_daemon_env& env, cache::config c, boost::asio::io_context&,
       const cache::replay_listener& listener) { role.emplace(env, std::move(c), listener); });
}

int
serve_mirror(const serve_config& config, posix_filesystem& fs)
{
  mirror::config m;
  m.subtrees = config.mirror_subtrees;
  m.min_interval = config.mirror_min_interval;
  m.parallel = config.mirror_parallel;
  m.retries = config.mirror_retries;
  m.tree = config.mirror_tree;
  m.retry_interval = config.mirror_retry_interval;
  std::string subtrees;
  for(auto const& s : m.subtrees)
    subtrees += (subtrees.empty() ? "/" : ",/") + std::string(s.str());
  log(log_level::info, "mirror: walks on access",
      {{"subtrees", subtrees},
       {"min_interval_ms", config.mirror_min_interval.count()},
       {"parallel", config.mirror_parallel},
       {"retries", config.mirror_retries},
       {"tree", config.mirror_tree},
       {"retry_interval_ms", config.mirror_retry_interval.count()}});
  return serve_downstream<mirror_role>(
    config, fs, "mirror",
    [&m](std::optional<mirror_role>& role, cache_daemon_env& env, cache::config c, boost::asio::io_context& loop,
         const cache::replay_listener& listener) {
      role.emplace(env, std::move(c), m, loop.get_executor(), listener, log_walk);
    });
}

// A crash mid-write leaves a temp file under a reserved name, invisible to
// clients; anything older than a live write could be goes at start.
void
sweep_temps_left_by_a_crash(posix_filesystem& fs)
{
  auto const now = std::chrono::time_point_cast<env::duration>(std::chrono::system_clock::now());
  auto const swept = env::sweep_stale_temps(fs, core::store_path(), now - env::temp_stale_after);
  if(! swept)
    log(log_level::warn, "could not sweep stale temp files", {{"error", swept.error().message()}});
  else if(*swept)
    log(log_level::info, "removed temp files left by an earlier crash", {{"count", *swept}});
}

int
serve(const std::vector<std::string>& args)
{
  auto const invocation = parse_serve_args(args);
  if(invocation.help) {
    std::cout << invocation.help_text;
    return 0;
  }
  auto const& config = invocation.config;
  set_log_level(config.level);
  if(config.mode != server_mode::master) { // a cache's or mirror's root is its own store: made when missing
    std::error_code ec;
    std::filesystem::create_directories(config.root, ec);
    if(ec)
      throw config_error("cannot create --root " + config.root + ": " + ec.message());
  }
  auto fs = posix_filesystem::open(config.root);
  if(! fs)
    throw config_error("cannot use --root " + config.root + ": " + fs.error().message());
  sweep_temps_left_by_a_crash(*fs);
  if(config.mode == server_mode::cache)
    return serve_cache(config, *fs);
  if(config.mode == server_mode::mirror)
    return serve_mirror(config, *fs);
  std::optional<token_gate> tokens;
  {
    // Tokens must never be servable: refuse a state directory inside the root
    // (the same check `zddc token` makes).
    if(state_dir_inside_root(config.state_dir, config.root))
      throw config_error("--state-dir " + config.state_dir + " lies inside --root; put it outside the served tree");
  }
  if(config.no_auth) {
    log(log_level::warn, "authentication disabled: every request has full read and write access",
        {{"flag", "--no-auth"}});
  } else {
    auto store = token_store::open(config.state_dir + "/tokens.json");
    if(! store)
      throw config_error("cannot use the token store " + config.state_dir + "/tokens.json: " +
                         store.error().message());
    if(store->list().empty())
      log(log_level::warn, "no tokens issued yet: every request will answer 401 (see zddc token issue)",
          {{"state_dir", config.state_dir}});
    tokens.emplace(std::move(*store), config.session_ttl);
  }

  std::mutex commits;
  std::list<daemon_env> envs;                          // one per loop, stable addresses
  std::list<master::handler<daemon_env>> handlers;
  auto tree = std::make_shared<master::tree_index<posix_filesystem>>(*fs); // one for every loop: one watch of the disk
  auto make_role = [&](boost::asio::io_context& loop) -> role_function {
    auto& env = envs.emplace_back(loop, *fs, commits);
    auto& handler = handlers.emplace_back(env, master::config{config.max_write_bytes}, tree);
    return [&handler](const core::request& req, const core::principal* who) {
      return handler.handle(req, who);
    };
  };
  edge_access access{[who = std::make_shared<const core::principal>(core::principal::unrestricted("anonymous"))](
                       const boost::beast::http::fields&) -> std::optional<authentication> {
    return authentication{who};
  }};
  if(tokens)
    access = {std::ref(*tokens), &*tokens};
  auto on_listening = [&](std::uint16_t port) {
    std::string const scheme = config.tls_cert.empty() ? "http" : "https";
    log(log_level::info, "listening",
        {{"url", scheme + "://" + config.listen_host + ":" + std::to_string(port) + "/"},
         {"root", config.root}, {"mode", "master"}, {"threads", config.threads}});
  };
  return run_http_server(config, make_role, std::move(access), on_listening);
}

} // namespace

int
main(int argc, char** argv)
{
  std::vector<std::string> args(argv + 1, argv + argc);
  if(args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << usage;
    return args.empty() ? 2 : 0;
  }
  if(args[0] == "--version") {
    std::cout << "zddc " ZDDC_VERSION "\n";
    return 0;
  }
  try {
    auto const command = args[0];
    args.erase(args.begin());
    if(command == "serve")
      return serve(args);
    if(command == "token")
      return run_token_command(args, std::cout, std::cerr);
    if(command == "outbox")
      return run_outbox_command(args, std::cout, std::cerr);
    std::cerr << "zddc: unknown command '" << command << "' (see zddc --help)\n";
    return 2;
  } catch(const config_error& e) {
    std::cerr << "zddc: " << e.what() << "\n";
    return 2;
  }
}
