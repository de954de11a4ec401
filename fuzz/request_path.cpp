// Fuzzes the master's request path as the daemon runs it: bytes -> Beast's
// request parser (the server's header limit; the body pulled through the
// parser, chunked or not) -> url_target::parse -> the master handler (which
// decodes the target) over the in-memory filesystem, for the principal the
// bearer token names ("admin-token": everything; "vendor-token": /vendorA
// rw and /Project r; anything else: none).
//
// Invariants, per input: the handler neither throws nor trips a sanitizer;
// the status is one the master may answer without storage faults; no header
// carries CR, LF or NUL; a body's Content-Length is what is sent, and a file
// slice lies within its file; the vendor learns nothing of /Restricted; and
// the tree changes only where the request addressed: a 201/204 PUT replaces
// exactly its file with exactly the body read (creating only its missing
// ancestors, which a refused PUT may leave behind too), a 204 DELETE removes
// exactly its target, anything else changes nothing, and no reserved
// `.zddc*` name is ever left in the tree.
#include <zddc/core/assert.hpp>
#include <zddc/core/credentials.hpp>
#include <zddc/master/handler.hpp>

#include "sim/memory_env.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace {

using namespace zddc;
namespace http = boost::beast::http;
using parser_type = http::request_parser<http::buffer_body>;
using env_type = sim::memory_env;
using response_type = master::handler<env_type>::response_type;

constexpr std::size_t header_bytes_max = 16 * 1024; // as src/runtime/http_server.cpp
constexpr std::uint64_t write_bytes_max = 1024;     // small, so 413 is reachable

// The request body pulled through the parser, as the daemon's
// socket_request_body does, from the bytes left after the header. Keeps a
// copy of what the handler read.
class parser_body final : public core::request_body {
public:
  parser_body(parser_type& parser, std::string_view& rest) : parser_(parser), rest_(rest) {}

  std::optional<std::uint64_t>
  content_length() const override
  {
    auto const n = parser_.content_length();
    return n ? std::optional<std::uint64_t>(*n) : std::nullopt;
  }

  boost::asio::awaitable<result<std::size_t>>
  read_some(std::span<std::byte> out) override
  {
    while(! parser_.is_done()) {
      parser_.get().body().data = out.data();
      parser_.get().body().size = out.size();
      boost::beast::error_code ec;
      auto const n = parser_.put(boost::asio::buffer(rest_.data(), rest_.size()), ec);
      rest_.remove_prefix(n);
      if(ec == http::error::need_buffer || ec == http::error::need_more)
        ec = {};
      auto const got = out.size() - parser_.get().body().size;
      if(! ec && got == 0 && n == 0 && ! parser_.is_done())
        parser_.put_eof(ec); // no progress: the connection ended here
      if(ec)
        co_return error_code(ec);
      if(got > 0) {
        read_.append(reinterpret_cast<const char*>(out.data()), got);
        co_return got;
      }
    }
    co_return std::size_t(0);
  }

  const std::string& read() const noexcept { return read_; }

private:
  parser_type& parser_;
  std::string_view& rest_;
  std::string read_;
};

const core::principal admin = core::principal::unrestricted("admin");
const core::principal vendor{"vendor", {core::grant{*core::repo_path::parse("vendorA"), core::access::write},
                                        core::grant{*core::repo_path::parse("Project"), core::access::read}}};

const core::principal*
principal_for(const http::fields& headers)
{
  auto const it = headers.find(http::field::authorization);
  if(it == headers.end())
    return nullptr;
  auto const token = core::bearer_from_authorization(it->value());
  if(token && *token == "admin-token")
    return &admin;
  if(token && *token == "vendor-token")
    return &vendor;
  return nullptr;
}

void
seed(env_type& env)
{
  auto put = [&](std::string_view p, std::string_view bytes) {
    env.fs().write_file_direct(*core::repo_path::parse(p), bytes);
  };
  put("Project/notes.txt", "0123456789");
  put("Project/Spec (IFA) - Caf\xC3\xA9.pdf", "%PDF-1.4 spec body");
  put("vendorA/a.pdf", "vendor A document");
  put("vendorAB/b.txt", "vendor AB");
  put("Restricted/classified-zq.pdf", "classified");
  ZDDC_ASSERT(! env.fs().make_dir(*core::repo_path::parse("vendorA/empty"))); // fresh tree: cannot fail
}

bool
expected_status(http::status s)
{
  switch(s) {
  case http::status::ok: case http::status::created: case http::status::no_content:
  case http::status::partial_content: case http::status::moved_permanently: case http::status::not_modified:
  case http::status::bad_request: case http::status::unauthorized: case http::status::forbidden:
  case http::status::not_found: case http::status::method_not_allowed: case http::status::conflict:
  case http::status::precondition_failed: case http::status::payload_too_large:
  case http::status::range_not_satisfiable:
    return true;
  default:
    return false;
  }
}

void
check_response(response_type& r, http::verb method, const core::principal* who)
{
  ZDDC_ASSERT(expected_status(r.status));
  for(auto const& f : r.headers) {
    auto const bad = [](std::string_view s) { return s.find_first_of(std::string_view("\r\n\0", 3)) != s.npos; };
    ZDDC_ASSERT(! bad(f.name_string()) && ! bad(f.value()));
  }
  auto const read = core::read_whole_body(r); // what the client would receive
  ZDDC_ASSERT(read.has_value());
  auto const& body = *read;
  auto const length = r.headers.find(http::field::content_length);
  if(length != r.headers.end() && method != http::verb::head && r.status != http::status::not_modified)
    ZDDC_ASSERT(length->value() == std::to_string(body.size()));
  if(who == &vendor) // invariant 7: hidden things leave no trace
    ZDDC_ASSERT(body.find("classified-zq") == std::string::npos && body.find("Restricted") == std::string::npos);
}

bool
reserved_anywhere(const sim::memory_filesystem::tree& t)
{
  auto const has = [](const std::string& path) {
    std::size_t start = 0;
    for(;;) {
      auto const end = path.find('/', start);
      if(core::is_reserved_name(std::string_view(path).substr(start, end - start)))
        return true;
      if(end == std::string::npos)
        return false;
      start = end + 1;
    }
  };
  return std::any_of(t.files.begin(), t.files.end(), [&](auto const& f) { return has(f.first); }) ||
         std::any_of(t.dirs.begin(), t.dirs.end(), has);
}

// The tree changed only where the request addressed (see the file comment).
void
check_tree(const sim::memory_filesystem::tree& before, const sim::memory_filesystem::tree& after,
           const core::request& req, http::status status, const core::principal* who, const parser_body* body)
{
  ZDDC_ASSERT(! reserved_anywhere(after));
  if(before == after)
    return;
  auto const target = core::decode(req.target);
  ZDDC_ASSERT(target && who && core::may_write(*who, target->path));
  std::string const p(target->path.str());
  auto const ancestor = [&](const std::string& d) { return p.starts_with(d + "/"); };
  bool const put = req.method == http::verb::put;
  bool const removed = req.method == http::verb::delete_ && status == http::status::no_content;
  bool const written = put && (status == http::status::created || status == http::status::no_content);
  ZDDC_ASSERT(put || removed);
  for(auto const& d : after.dirs) // new directories: only the PUT's missing ancestors
    ZDDC_ASSERT(before.dirs.count(d) || (put && ancestor(d)));
  for(auto const& d : before.dirs)
    ZDDC_ASSERT(after.dirs.count(d) || (removed && d == p));
  for(auto const& [name, bytes] : before.files) {
    auto const it = after.files.find(name);
    if(removed && name == p)
      ZDDC_ASSERT(it == after.files.end());
    else if(! (written && name == p))
      ZDDC_ASSERT(it != after.files.end() && it->second == bytes);
  }
  for(auto const& [name, bytes] : after.files)
    ZDDC_ASSERT(before.files.count(name) || (written && name == p));
  if(written)
    ZDDC_ASSERT(body == nullptr ? after.files.at(p).empty() : after.files.at(p) == body->read());
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  parser_type parser;
  parser.header_limit(header_bytes_max);
  parser.body_limit(boost::none); // the role enforces its own limit while streaming
  while(! parser.is_header_done()) {
    boost::beast::error_code ec;
    auto const n = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    rest.remove_prefix(n);
    if(ec == http::error::need_more && n == 0)
      return 0; // the connection ends inside the header: the server closes
    if(ec && ec != http::error::need_more)
      return 0; // a malformed header: the server answers 400 and closes
  }
  auto const& msg = parser.get();
  auto const raw_target = std::string_view(msg.target());
  if(raw_target == "/.zddc/health" || raw_target == "/.zddc/metrics")
    return 0; // answered by the server itself
  auto target = core::url_target::parse(raw_target);
  if(! target)
    return 0; // the server answers 400 without asking the role

  env_type env;
  seed(env);
  master::handler<env_type> handler(env, master::config{write_bytes_max});
  parser_body body(parser, rest);
  core::request req;
  req.method = msg.method();
  req.target = std::move(*target);
  req.headers = static_cast<const http::fields&>(msg);
  req.body = parser.is_done() ? nullptr : &body;
  auto const* who = principal_for(req.headers);

  auto const before = env.fs().snapshot();
  std::optional<response_type> response;
  boost::asio::co_spawn(env.io_, handler.handle(req, who), [&](std::exception_ptr e, response_type r) {
    if(e)
      std::rethrow_exception(e); // the handler must not throw: a finding
    response = std::move(r);
  });
  env.io_.run();
  ZDDC_ASSERT(response.has_value()); // nothing in the role waits on the virtual clock
  check_response(*response, req.method, who);
  check_tree(before, env.fs().snapshot(), req, response->status, who, req.body ? &body : nullptr);
  return 0;
}
