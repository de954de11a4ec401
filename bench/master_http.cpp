// zddc-bench-master: the master's small-file GET and 304 rates over loopback
// (DESIGN.md §5, "master throughput").
//
// Writes the deterministic fixture to a temporary directory (or uses one
// given with --root), starts the real `zddc` daemon on 127.0.0.1 with a free
// port and --no-auth (or measures a server already running, --server), then
// drives N keep-alive connections for a fixed time over the fixture's small
// files, round robin: first plain GETs (200), then GETs carrying each file's
// ETag in If-None-Match (304). Prints requests per second and latency
// percentiles per phase. It measures; it never passes or fails on speed.
#include "fixtures/generator.hpp"
#include "fixtures/write.hpp"
#include "runtime/posix_filesystem.hpp"

#include <zddc/core/url_target.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <optional>
#include <poll.h>
#include <signal.h>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;
using namespace zddc;

constexpr std::string_view usage =
  "Usage: zddc-bench-master [options]\n"
  "\n"
  "Measures small-file GET (200) and conditional GET (304) rates of a master\n"
  "over loopback, with keep-alive connections, round robin over the fixture's\n"
  "small files.\n"
  "\n"
  "  --connections N      keep-alive connections (default 16)\n"
  "  --duration S         measured seconds per phase (default 10)\n"
  "  --warmup S           unmeasured seconds before each phase (default 1)\n"
  "  --client-threads N   threads driving the connections (default 1)\n"
  "  --server-threads N   zddc --threads, when this program starts zddc (default 1)\n"
  "  --small-bytes N      a file is small up to N bytes (default 8192)\n"
  "  --scale S            fixture bodies: tiny | realistic (default realistic)\n"
  "  --root DIR           an existing fixture tree (zddc-fixture --out DIR with\n"
  "                       the same --scale) instead of a fresh temporary one\n"
  "  --server HOST:PORT   measure a server already serving that tree (for\n"
  "                       example nginx) instead of starting zddc\n"
  "  --zddc PATH          the daemon to start (default: the one built with this)\n"
  "  --list-small         print SIZE<TAB>TARGET for each small file and exit\n";

struct options {
  unsigned connections = 16;
  double duration_s = 10;
  double warmup_s = 1;
  unsigned client_threads = 1;
  unsigned server_threads = 1;
  std::uint64_t small_bytes_max = 8192;
  fixtures::body_scale scale = fixtures::body_scale::realistic;
  std::string root;
  std::string server;
  std::string zddc = ZDDC_BINARY;
  bool list_small = false;
};

[[noreturn]] void
usage_error(const std::string& message)
{
  std::cerr << "zddc-bench-master: " << message << "\n\n" << usage;
  std::exit(2);
}

template<class T>
T
number(std::string_view flag, std::string_view text)
{
  T v{};
  auto const [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if(ec != std::errc() || end != text.data() + text.size() || v <= T{})
    usage_error(std::string(flag) + " needs a positive number, not '" + std::string(text) + "'");
  return v;
}

options
parse_options(int argc, char** argv)
{
  options o;
  for(int i = 1; i < argc; ++i) {
    std::string_view const flag = argv[i];
    if(flag == "--help" || flag == "-h") {
      std::cout << usage;
      std::exit(0);
    }
    if(flag == "--list-small") {
      o.list_small = true;
      continue;
    }
    if(i + 1 >= argc)
      usage_error(std::string(flag) + " needs a value");
    std::string_view const value = argv[++i];
    if(flag == "--connections")
      o.connections = number<unsigned>(flag, value);
    else if(flag == "--duration")
      o.duration_s = number<double>(flag, value);
    else if(flag == "--warmup")
      o.warmup_s = value == "0" ? 0 : number<double>(flag, value);
    else if(flag == "--client-threads")
      o.client_threads = number<unsigned>(flag, value);
    else if(flag == "--server-threads")
      o.server_threads = number<unsigned>(flag, value);
    else if(flag == "--small-bytes")
      o.small_bytes_max = number<std::uint64_t>(flag, value);
    else if(flag == "--scale" && value == "tiny")
      o.scale = fixtures::body_scale::tiny;
    else if(flag == "--scale" && value == "realistic")
      o.scale = fixtures::body_scale::realistic;
    else if(flag == "--root")
      o.root = value;
    else if(flag == "--server")
      o.server = value;
    else if(flag == "--zddc")
      o.zddc = value;
    else
      usage_error("unknown option or value: " + std::string(flag) + " " + std::string(value));
  }
  return o;
}

/// A temporary directory removed with everything in it.
class temp_dir {
public:
  temp_dir()
  {
    std::string tmpl = (std::filesystem::temp_directory_path() / "zddc-bench-XXXXXX").string();
    if(! ::mkdtemp(tmpl.data()))
      throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir()
  {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

/// The daemon, started on 127.0.0.1:0; its port is read back from its log
/// (a file: a pipe nobody reads would stall it). SIGTERM on destruction.
class daemon_process {
public:
  daemon_process(const std::string& binary, const std::vector<std::string>& args, const std::filesystem::path& log)
    : log_(log)
  {
    int const fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if(fd < 0)
      throw std::runtime_error("cannot create " + log.string());
    std::vector<std::string> argv = {binary, "serve", "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = ::fork();
    if(pid_ == 0) {
      ::dup2(fd, 2);
      std::vector<char*> raw;
      for(auto& a : argv)
        raw.push_back(a.data());
      raw.push_back(nullptr);
      ::execv(raw[0], raw.data());
      ::_exit(127);
    }
    ::close(fd);
    if(pid_ < 0)
      throw std::runtime_error("fork failed");

    auto const deadline = steady::now() + 20s;
    for(;;) {
      auto const text = contents();
      if(auto const at = text.find("url=http://127.0.0.1:"); at != std::string::npos) {
        port_ = static_cast<std::uint16_t>(std::stoi(text.substr(at + 21)));
        break;
      }
      if(::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("zddc exited at start:\n" + text);
      }
      if(steady::now() >= deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
        throw std::runtime_error("zddc did not start within 20 s:\n" + text);
      }
      ::poll(nullptr, 0, 20); // a bounded pause between looks at the log
    }
  }
  daemon_process(const daemon_process&) = delete;
  daemon_process& operator=(const daemon_process&) = delete;

  ~daemon_process()
  {
    if(pid_ <= 0)
      return;
    ::kill(pid_, SIGTERM);
    auto const deadline = steady::now() + 15s;
    while(::waitpid(pid_, nullptr, WNOHANG) != pid_) {
      if(steady::now() >= deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        break;
      }
      ::poll(nullptr, 0, 20);
    }
  }

  std::uint16_t port() const { return port_; }

private:
  std::string
  contents() const
  {
    std::ifstream in(log_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  std::filesystem::path log_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

struct small_file {
  std::string target; // encoded request target
  std::string body;   // what the server must send
  std::string etag;   // what it sent, learned while priming
};

std::string
request_text(const small_file& f, const std::string& host, bool conditional)
{
  std::string r = "GET " + f.target + " HTTP/1.1\r\nHost: " + host + "\r\n";
  if(conditional)
    r += "If-None-Match: " + f.etag + "\r\n";
  return r + "\r\n";
}

// What one connection saw while measuring (touched by its coroutine only).
struct tally {
  std::uint64_t requests = 0;
  std::uint64_t unexpected = 0; // a status other than the phase's
  std::vector<std::uint32_t> latency_us;
};

struct phase_window {
  steady::time_point measure_from, until;
};

// One keep-alive connection: request after request until the window
// closes; counts what completed inside the window.
asio::awaitable<void>
drive(tcp::endpoint server, const std::vector<std::string>& requests, std::size_t first,
      http::status expected, phase_window window, tally& t)
{
  auto const executor = co_await asio::this_coro::executor;
  std::optional<tcp::socket> socket;
  beast::flat_buffer buffer;
  for(std::size_t i = first;; ++i) {
    if(! socket) {
      socket.emplace(executor);
      co_await socket->async_connect(server, asio::use_awaitable);
      socket->set_option(tcp::no_delay(true));
      buffer.clear();
    }
    auto const start = steady::now();
    if(start >= window.until)
      break;
    co_await asio::async_write(*socket, asio::buffer(requests[i % requests.size()]), asio::use_awaitable);
    http::response_parser<http::string_body> parser;
    parser.body_limit(64u << 20);
    co_await http::async_read(*socket, buffer, parser, asio::use_awaitable);
    auto const done = steady::now();
    if(done >= window.measure_from && done < window.until) {
      ++t.requests;
      if(parser.get().result() != expected)
        ++t.unexpected;
      t.latency_us.push_back(static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(done - start).count()));
    }
    if(! parser.get().keep_alive())
      socket.reset();
  }
}

struct phase_result {
  std::uint64_t requests = 0;
  std::uint64_t unexpected = 0;
  double seconds = 0;
  double p50_ms = 0, p99_ms = 0;
};

phase_result
run_phase(const options& o, tcp::endpoint server, const std::vector<std::string>& requests, http::status expected)
{
  asio::io_context io(static_cast<int>(o.client_threads));
  auto const start = steady::now();
  auto const to_duration = [](double s) {
    return std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(s));
  };
  phase_window const window{start + to_duration(o.warmup_s), start + to_duration(o.warmup_s + o.duration_s)};
  std::vector<tally> tallies(o.connections);
  std::mutex failure_mutex; // completions may run on any client thread
  std::exception_ptr failure;
  for(unsigned c = 0; c < o.connections; ++c) {
    // Each connection starts at a different file, so they spread over all.
    auto const first = c * requests.size() / o.connections;
    asio::co_spawn(io, drive(server, requests, first, expected, window, tallies[c]),
                   [&](std::exception_ptr e) {
                     std::lock_guard lock(failure_mutex);
                     if(e && ! failure)
                       failure = e;
                   });
  }
  std::vector<std::thread> threads;
  for(unsigned t = 1; t < o.client_threads; ++t)
    threads.emplace_back([&io] { io.run(); });
  io.run();
  for(auto& t : threads)
    t.join();
  if(failure)
    std::rethrow_exception(failure);

  phase_result r;
  r.seconds = o.duration_s;
  std::vector<std::uint32_t> latencies;
  for(auto& t : tallies) {
    r.requests += t.requests;
    r.unexpected += t.unexpected;
    latencies.insert(latencies.end(), t.latency_us.begin(), t.latency_us.end());
  }
  if(! latencies.empty()) {
    auto const at = [&](double q) {
      auto const k = static_cast<std::size_t>(q * static_cast<double>(latencies.size() - 1));
      std::nth_element(latencies.begin(), latencies.begin() + static_cast<std::ptrdiff_t>(k), latencies.end());
      return latencies[k] / 1000.0;
    };
    r.p50_ms = at(0.50);
    r.p99_ms = at(0.99);
  }
  return r;
}

// GETs every small file once over one connection: checks the bytes and
// learns the ETag the 304 phase will send.
void
prime(tcp::endpoint server, const std::string& host, std::vector<small_file>& files)
{
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(server);
  beast::flat_buffer buffer;
  for(auto& f : files) {
    asio::write(socket, asio::buffer(request_text(f, host, false)));
    http::response_parser<http::string_body> parser;
    parser.body_limit(64u << 20);
    http::read(socket, buffer, parser);
    auto const& res = parser.get();
    if(res.result() != http::status::ok || res.body() != f.body)
      throw std::runtime_error("GET " + f.target + " answered " + std::to_string(res.result_int()) +
                               " with " + std::to_string(res.body().size()) + " bytes, not the fixture's " +
                               std::to_string(f.body.size()));
    auto const tag = res.find(http::field::etag);
    if(tag == res.end())
      throw std::runtime_error("GET " + f.target + " has no ETag");
    f.etag = std::string(tag->value());
    if(! res.keep_alive())
      throw std::runtime_error("the server closed a keep-alive connection");
  }
}

tcp::endpoint
parse_endpoint(const std::string& text)
{
  auto const colon = text.rfind(':');
  if(colon == std::string::npos)
    usage_error("--server must be HOST:PORT, not '" + text + "'");
  asio::io_context io;
  tcp::resolver resolver(io);
  auto const results = resolver.resolve(text.substr(0, colon), text.substr(colon + 1));
  return *results.begin();
}

int
run(const options& o)
{
  fixtures::fixture_options fo;
  fo.scale = o.scale;
  auto const plan = fixtures::plan(fo);
  std::vector<small_file> files;
  std::uint64_t small_bytes = 0;
  for(auto const& f : plan.files)
    if(f.size <= o.small_bytes_max) {
      files.push_back({std::string(core::encode(f.path).str()), fixtures::body_of(f), {}});
      small_bytes += f.size;
    }
  if(files.empty())
    usage_error("no fixture file is at most " + std::to_string(o.small_bytes_max) + " bytes");
  if(o.list_small) {
    for(auto const& f : files)
      std::printf("%zu\t%s\n", f.body.size(), f.target.c_str());
    return 0;
  }

  temp_dir work;
  auto root = o.root;
  if(root.empty() && o.server.empty()) {
    root = (work.path() / "root").string();
    std::filesystem::create_directories(root);
    auto fs = runtime::posix_filesystem::open(root);
    if(! fs)
      throw std::runtime_error("cannot open " + root + ": " + fs.error().message());
    if(auto ec = fixtures::write_fixture(*fs, plan))
      throw std::runtime_error("cannot write the fixture: " + ec.message());
  }

  std::optional<daemon_process> daemon;
  tcp::endpoint server;
  std::string server_name;
  if(o.server.empty()) {
    daemon.emplace(o.zddc,
                   std::vector<std::string>{"--root", root, "--no-auth", "--state-dir", (work.path() / "state").string(),
                                            "--threads", std::to_string(o.server_threads)},
                   work.path() / "zddc.log");
    server = tcp::endpoint(asio::ip::make_address("127.0.0.1"), daemon->port());
    server_name = "zddc (" + std::to_string(o.server_threads) + (o.server_threads == 1 ? " loop" : " loops") +
                  ", started here, access log on)";
  } else {
    server = parse_endpoint(o.server);
    server_name = "already running (--server)";
  }
  auto const host = server.address().to_string();
  prime(server, host, files);

  std::vector<std::string> plain, conditional;
  for(auto const& f : files) {
    plain.push_back(request_text(f, host, false));
    conditional.push_back(request_text(f, host, true));
  }

  std::printf("fixture: %zu files (%s bodies); %zu small files <= %llu B, mean %.0f B\n", plan.files.size(),
              o.scale == fixtures::body_scale::tiny ? "tiny" : "realistic", files.size(),
              static_cast<unsigned long long>(o.small_bytes_max),
              static_cast<double>(small_bytes) / static_cast<double>(files.size()));
  std::printf("server:  %s at %s:%u\n", server_name.c_str(), host.c_str(), unsigned(server.port()));
  std::printf("client:  %u keep-alive connections on %u thread%s, %g s per phase after %g s warm-up, %u cores\n",
              o.connections, o.client_threads, o.client_threads == 1 ? "" : "s", o.duration_s, o.warmup_s,
              std::thread::hardware_concurrency());
  std::printf("\n%-10s %10s %12s %9s %9s %11s\n", "phase", "requests", "req/s", "p50 ms", "p99 ms", "unexpected");
  auto const row = [](const char* name, const phase_result& r) {
    std::printf("%-10s %10llu %12.0f %9.3f %9.3f %11llu\n", name, static_cast<unsigned long long>(r.requests),
                static_cast<double>(r.requests) / r.seconds, r.p50_ms, r.p99_ms,
                static_cast<unsigned long long>(r.unexpected));
    std::fflush(stdout);
  };
  auto const ok = run_phase(o, server, plain, http::status::ok);
  row("GET 200", ok);
  auto const not_modified = run_phase(o, server, conditional, http::status::not_modified);
  row("GET 304", not_modified);
  return ok.unexpected == 0 && not_modified.unexpected == 0 ? 0 : 1;
}

} // namespace

int
main(int argc, char** argv)
{
  ::signal(SIGPIPE, SIG_IGN);
  auto const o = parse_options(argc, argv);
  try {
    return run(o);
  } catch(const std::exception& e) {
    std::cerr << "zddc-bench-master: " << e.what() << "\n";
    return 1;
  }
}
