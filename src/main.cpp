// zddc: the document-control daemon and its administration commands.
#include "runtime/config.hpp"
#include "runtime/daemon_env.hpp"
#include "runtime/http_server.hpp"
#include "runtime/log.hpp"
#include "runtime/token_cli.hpp"
#include "runtime/token_store.hpp"

#include <zddc/core/bearer.hpp>

#include <zddc/master/handler.hpp>

#include <filesystem>
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
  if(config.mode != server_mode::master)
    throw config_error("--mode cache and mirror are not available in this build yet");

  auto fs = posix_filesystem::open(config.root);
  if(! fs)
    throw config_error("cannot use --root " + config.root + ": " + fs.error().message());
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
    std::cerr << "zddc: unknown command '" << command << "' (see zddc --help)\n";
    return 2;
  } catch(const config_error& e) {
    std::cerr << "zddc: " << e.what() << "\n";
    return 2;
  }
}
