// The document register of a large tree, in-process: the real master role
// over the simulator's in-memory disk holding a generated tree (tiny
// bodies). For each size it asks `GET /?register` (JSON):
//   - cold:   the first request; the tree index lists and hashes every file;
//   - warm:   again, nothing changed; the index is current, the register is
//             rebuilt from its listings;
//   - 304:    again with If-None-Match: answered from the subtree's tree tag,
//             without gathering a single listing;
//   - change: after one file deep in the tree changed (one directory re-listed);
// and the CSV once. Wall milliseconds per request, the body's size, and
// memory: the process's resident set after the step and its peak (VmHWM),
// which include the in-memory disk itself (the `disk` row: before any request).
//   zddc-bench-register [FILES...]   default: 553 10000 100000
#include "fixtures/generator.hpp"
#include "fixtures/write.hpp"
#include "sim/master_node.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace zddc;
using namespace std::chrono_literals;

/// A field of /proc/self/status in MiB (VmRSS, VmHWM).
double
status_mib(std::string_view field)
{
  std::ifstream in("/proc/self/status");
  for(std::string line; std::getline(in, line);)
    if(line.starts_with(field))
      return std::strtod(line.c_str() + field.size() + 1, nullptr) / 1024.0;
  return 0;
}

struct answer {
  unsigned status = 0;
  std::string etag;
  std::size_t bytes = 0;
  double ms = 0;
};

class bench_world {
public:
  explicit bench_world(std::size_t files)
  {
    if(auto ec = fixtures::write_fixture(master_.disk(), fixtures::plan({.file_count = files})))
      throw std::runtime_error("writing the tree: " + ec.message());
    clock_.advance_to(clock_.now() + 1h); // past the racy-clean window (content_tags.hpp)
  }

  answer
  get(std::string target, std::string accept, std::string if_none_match = {})
  {
    core::request req;
    req.target = *core::url_target::parse(target);
    req.headers.set(boost::beast::http::field::authorization, "Bearer t");
    req.headers.set(boost::beast::http::field::accept, accept);
    if(! if_none_match.empty())
      req.headers.set(boost::beast::http::field::if_none_match, if_none_match);
    std::optional<sim::served> out;
    auto const t0 = std::chrono::steady_clock::now();
    boost::asio::co_spawn(io_, [&]() -> boost::asio::awaitable<void> { out = co_await master_.serve(req); },
                          boost::asio::detached);
    io_.run();
    io_.restart();
    auto const t1 = std::chrono::steady_clock::now();
    if(! out)
      throw std::runtime_error("no answer");
    answer a;
    a.status = static_cast<unsigned>(out->status);
    if(auto it = out->headers.find(boost::beast::http::field::etag); it != out->headers.end())
      a.etag = std::string(it->value());
    a.bytes = out->body.size();
    a.ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
    return a;
  }

  void
  change_one_file()
  {
    auto const files = master_.disk().snapshot().files;
    auto const& [last, bytes] = *files.rbegin();
    master_.disk().edit_in_place(*core::store_path::parse(last), bytes + " changed");
    clock_.advance_to(clock_.now() + 1h);
  }

private:
  boost::asio::io_context io_;
  sim::virtual_clock clock_{io_.get_executor()};
  sim::trace trace_{clock_};
  sim::master_node master_{"master", clock_, trace_, {.tokens = {{"t", core::principal::unrestricted("bench")}}}};
};

void
row(std::size_t files, const char* step, const answer& a)
{
  std::printf("| %7zu | %-6s | %3u | %10.1f | %11zu | %8.0f | %8.0f |\n", files, step, a.status, a.ms, a.bytes,
              status_mib("VmRSS:"), status_mib("VmHWM:"));
  std::fflush(stdout);
}

} // namespace

int
main(int argc, char** argv)
{
  std::vector<std::size_t> sizes;
  for(int i = 1; i < argc; ++i)
    sizes.push_back(std::strtoull(argv[i], nullptr, 10));
  if(sizes.empty())
    sizes = {553, 10000, 100000};
  std::printf("| files   | step   | st  | wall ms    | body bytes  | RSS MiB  | peak MiB |\n"
              "|---------|--------|-----|------------|-------------|----------|----------|\n");
  for(auto const n : sizes) {
    bench_world w(n);
    std::printf("| %7zu | disk   |     |            |             | %8.0f | %8.0f |\n", n, status_mib("VmRSS:"),
                status_mib("VmHWM:")); // the in-memory tree alone, before any request
    auto const json = "application/json";
    auto const cold = w.get("/?register", json);
    row(n, "cold", cold);
    row(n, "warm", w.get("/?register", json));
    row(n, "304", w.get("/?register", json, cold.etag));
    w.change_one_file();
    row(n, "change", w.get("/?register", json, cold.etag));
    row(n, "csv", w.get("/?register&format=csv", "text/csv"));
  }
}
