// zddc: the document-control daemon and its administration commands.
#include "runtime/config.hpp"
#include "runtime/daemon_env.hpp"
#include "runtime/http_server.hpp"
#include "runtime/log.hpp"
#include "runtime/outbox_cli.hpp"
#include "runtime/token_cli.hpp"
#include "runtime/token_store.hpp"

#include <zddc/core/bearer.hpp>

#include <zddc/cache/handler.hpp>
#include <zddc/master/handler.hpp>

#include <boost/asio/co_spawn.hpp>

#include <filesystem>
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

// Resolves bearer tokens against the token store, reloading it when
// `zddc token` changed the file (checked at most once a second). Shared by
// every event loop, hence the mutex.
class token_authenticator {
public:
  explicit token_authenticator(token_store store) : store_(std::move(store)) {}

  std::optional<core::principal>
  operator()(const boost::beast::http::fields& headers)
  {
    auto const it = headers.find(boost::beast::http::field::authorization);
    if(it == headers.end())
      return std::nullopt;
    auto const token = core::bearer_from_authorization(it->value());
    if(! token)
      return std::nullopt;
    std::lock_guard lock(mutex_);
    refresh();
    return store_.authenticate(*token);
  }

private:
  void
  refresh()
  {
    auto const now = std::chrono::steady_clock::now();
    if(now - checked_ < std::chrono::seconds(1))
      return;
    checked_ = now;
    std::error_code ec;
    auto const mtime = std::filesystem::last_write_time(store_.path(), ec);
    if(ec || mtime == seen_)
      return;
    auto reloaded = token_store::open(store_.path());
    if(! reloaded) {
      log(log_level::error, "token store unreadable; keeping the previous tokens",
          {{"path", store_.path()}, {"error", reloaded.error().message()}});
      return;
    }
    seen_ = mtime;
    store_ = std::move(*reloaded);
  }

  std::mutex mutex_;
  token_store store_;
  std::chrono::steady_clock::time_point checked_{};
  std::filesystem::file_time_type seen_{};
};

// What an operator watching a cache's log needs of the replayer: every
// attempt, and what came of it.
void
log_replay(const cache::replay_event& e)
{
  static constexpr std::string_view messages[] = {"outbox: replay attempt", "outbox: replayed", "outbox: conflict",
                                                  "outbox: dropped", "outbox: deferred"};
  auto const step = static_cast<std::size_t>(e.step);
  auto const level = e.step == cache::replay_step::conflict || e.step == cache::replay_step::dropped
                       ? log_level::warn
                       : log_level::info;
  log(level, messages[step],
      {{"id", e.entry.id},
       {"method", std::string_view(boost::beast::http::to_string(e.entry.method))},
       {"path", "/" + std::string(e.entry.path.str())},
       {"status", e.status},
       {"detail", e.detail}});
}

int
serve_cache(const serve_config& config, posix_filesystem& fs)
{
  if(config.threads != 1)
    log(log_level::warn, "a cache runs one event loop; --threads ignored", {{"threads", config.threads}});
  auto one_loop = config;
  one_loop.threads = 1;
  ::umask(077); // the store and the outbox are this cache's alone: 0700 directories, 0600 files
  std::mutex commits;
  std::optional<beast_transport> upstream;
  std::optional<cache_daemon_env> env;
  std::optional<cache::handler<cache_daemon_env>> handler;
  auto make_role = [&](boost::asio::io_context& loop) -> role_function {
    beast_transport_options options;
    options.ca_file = config.upstream_ca;
    upstream.emplace(loop.get_executor(), config.upstream,
                     config.bearer.empty() ? std::nullopt : std::optional<std::string>(config.bearer), options);
    env.emplace(loop, fs, commits, *upstream);
    cache::config c;
    c.write_bytes_max = config.max_write_bytes;
    c.retry_min = config.retry_min;
    c.retry_max = config.retry_max;
    c.idle_interval = config.replay_interval;
    handler.emplace(*env, c, log_replay);
    if(auto ec = handler->open())
      throw config_error("cannot open the outbox under --root " + config.root + ": " + ec.message());
    log(log_level::info, "outbox opened", {{"pending", handler->box().pending_count()}});
    boost::asio::co_spawn(loop, handler->replay().run(), [](std::exception_ptr e) {
      if(e)
        log(log_level::error, "the replay loop stopped", {});
    });
    return [&](const core::request& req, const core::principal*) { return handler->handle(req); };
  };
  // A cache serves one site: local requests are not authenticated; what it
  // can see is bounded by its own token at the master.
  authenticator local = [](const boost::beast::http::fields&) -> std::optional<core::principal> {
    return core::principal::unrestricted("local");
  };
  auto on_listening = [&](std::uint16_t port) {
    std::string const scheme = config.tls_cert.empty() ? "http" : "https";
    log(log_level::info, "listening",
        {{"url", scheme + "://" + config.listen_host + ":" + std::to_string(port) + "/"},
         {"root", config.root}, {"mode", "cache"}, {"upstream", config.upstream}});
  };
  return run_http_server(one_loop, make_role, local, on_listening);
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
  if(config.mode == server_mode::mirror)
    throw config_error("--mode mirror is not available in this build yet");

  if(config.mode == server_mode::cache) { // a cache's root is its own store: made when missing
    std::error_code ec;
    std::filesystem::create_directories(config.root, ec);
    if(ec)
      throw config_error("cannot create --root " + config.root + ": " + ec.message());
  }
  auto fs = posix_filesystem::open(config.root);
  if(! fs)
    throw config_error("cannot use --root " + config.root + ": " + fs.error().message());
  if(config.mode == server_mode::cache)
    return serve_cache(config, *fs);
  std::optional<token_authenticator> tokens;
  {
    // Tokens must never be servable: refuse a state directory inside the root.
    std::error_code ec;
    auto const root = std::filesystem::weakly_canonical(config.root, ec);
    auto const state = std::filesystem::weakly_canonical(config.state_dir, ec);
    auto const rel = state.lexically_relative(root);
    if(! ec && ! rel.empty() && *rel.begin() != "..")
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
    tokens.emplace(std::move(*store));
  }

  std::mutex commits;
  std::list<daemon_env> envs;                          // one per loop, stable addresses
  std::list<master::handler<daemon_env>> handlers;
  auto make_role = [&](boost::asio::io_context& loop) -> role_function {
    auto& env = envs.emplace_back(loop, *fs, commits);
    auto& handler = handlers.emplace_back(env, master::config{config.max_write_bytes});
    return [&handler](const core::request& req, const core::principal* who) {
      return handler.handle(req, who);
    };
  };
  authenticator authenticate = [](const boost::beast::http::fields&) -> std::optional<core::principal> {
    return core::principal::unrestricted("anonymous");
  };
  if(tokens)
    authenticate = std::ref(*tokens);
  auto on_listening = [&](std::uint16_t port) {
    std::string const scheme = config.tls_cert.empty() ? "http" : "https";
    log(log_level::info, "listening",
        {{"url", scheme + "://" + config.listen_host + ":" + std::to_string(port) + "/"},
         {"root", config.root}, {"mode", "master"}, {"threads", config.threads}});
  };
  return run_http_server(config, make_role, authenticate, on_listening);
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
