#pragma once
// Integration harness: runs the real `zddc` binary on 127.0.0.1 with a free
// port (--listen 127.0.0.1:0, the port read back from its log), talks to it
// with a Beast client (harness.cpp, compiled once for every suite), and stops
// it with SIGTERM. Waits are on conditions with deadlines, never fixed sleeps.

#include "../support/temp_dir.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <signal.h>
#include <string>
#include <string_view>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace zddc::integration {

namespace http = boost::beast::http;
using namespace std::chrono_literals;

/// A temporary directory removed with everything in it.
class temp_dir {
public:
  temp_dir()
  {
    path_ = test_support::make_temp_dir("zddc-it");
  }
  ~temp_dir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

/// Runs a command to completion; returns (exit code, stdout).
inline std::pair<int, std::string>
run_command(const std::vector<std::string>& argv)
{
  int out[2];
  if(::pipe(out) != 0)
    throw std::runtime_error("pipe failed");
  pid_t const pid = ::fork();
  if(pid == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::close(out[1]);
    std::vector<char*> args;
    for(auto const& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  char buf[4096];
  for(ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;)
    text.append(buf, static_cast<std::size_t>(n));
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
}

/// The daemon under test. Its log goes to a file (a pipe nobody reads
/// would fill up and stall the daemon mid-request).
class daemon_process {
public:
  /// Starts `zddc serve ARGS` listening on `listen` (a free port by default).
  explicit daemon_process(std::vector<std::string> args, std::string listen = "127.0.0.1:0")
  {
    log_path_ = log_dir_.path() / "daemon.log";
    int const fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if(fd < 0)
      throw std::runtime_error("cannot create the daemon log");
    pid_ = ::fork();
    if(pid_ == 0) {
      ::dup2(fd, 2);
      std::vector<std::string> full = {ZDDC_BINARY, "serve", "--listen", listen};
      full.insert(full.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for(auto& a : full)
        argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(fd);
    auto const line = wait_for_log("msg=listening", 20s);
    constexpr std::string_view host = "://127.0.0.1:"; // after url=http or url=https
    auto const url = line.find("url=http");
    auto const at = url == std::string::npos ? url : line.find(host, url);
    if(at == std::string::npos)
      throw std::runtime_error("daemon did not start: " + log());
    port_ = static_cast<std::uint16_t>(std::stoi(line.substr(at + host.size())));
  }

  ~daemon_process()
  {
    if(pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  std::uint16_t port() const { return port_; }

  /// Waits until a log line containing `needle` appears; returns that line,
  /// or "" at the deadline.
  std::string
  wait_for_log(std::string_view needle, std::chrono::milliseconds timeout)
  {
    auto const deadline = std::chrono::steady_clock::now() + timeout;
    for(;;) {
      auto const text = log();
      if(auto const at = text.find(needle); at != std::string::npos) {
        auto const start = text.rfind('\n', at);
        auto const begin = start == std::string::npos ? 0 : start + 1;
        auto const end = text.find('\n', at);
        return text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
      }
      if(std::chrono::steady_clock::now() >= deadline)
        return {};
      pause_briefly();
    }
  }

  /// SIGTERM, then wait for exit; returns the exit status or -1 on timeout.
  int
  terminate(std::chrono::milliseconds timeout)
  {
    ::kill(pid_, SIGTERM);
    auto const deadline = std::chrono::steady_clock::now() + timeout;
    while(std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if(::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      pause_briefly();
    }
    return -1;
  }

  /// Everything the daemon has logged so far.
  std::string
  log() const
  {
    std::ifstream in(log_path_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

private:
  // A bounded wait between polls of a condition (poll(2) on nothing).
  static void pause_briefly() { ::poll(nullptr, 0, 20); }

  temp_dir log_dir_;
  std::filesystem::path log_path_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

/// Waits, polling, until `done()` holds or `timeout` passes.
template<class Done>
bool
eventually(Done done, std::chrono::milliseconds timeout)
{
  auto const deadline = std::chrono::steady_clock::now() + timeout;
  while(! done()) {
    if(std::chrono::steady_clock::now() >= deadline)
      return false;
    ::poll(nullptr, 0, 50);
  }
  return true;
}

/// A file's bytes ("" when it cannot be read).
inline std::string
slurp(const std::filesystem::path& p)
{
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// Writes `bytes` to `p`, making its directory first.
inline void
spit(const std::filesystem::path& p, std::string_view bytes)
{
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

struct reply {
  http::status status = http::status::unknown;
  http::fields headers;
  std::string body;

  std::string
  header(http::field f) const
  {
    auto it = headers.find(f);
    return it == headers.end() ? std::string() : std::string(it->value());
  }
};

/// A keep-alive HTTP/1.1 client on one connection.
class client {
public:
  explicit client(std::uint16_t port);
  ~client();
  client(client&&) noexcept;
  client& operator=(client&&) noexcept;

  reply send(http::verb method, std::string target, std::vector<std::pair<http::field, std::string>> headers = {},
             std::optional<std::string> body = std::nullopt,
             std::vector<std::pair<std::string, std::string>> named_headers = {});

  reply
  get(std::string target, std::vector<std::pair<http::field, std::string>> headers = {})
  {
    return send(http::verb::get, std::move(target), std::move(headers));
  }

private:
  struct connection;
  std::unique_ptr<connection> c_;
};

} // namespace zddc::integration
