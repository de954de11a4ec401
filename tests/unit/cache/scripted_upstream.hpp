#pragma once
// A hostile or broken upstream for the cache and mirror tests: a Transport
// that answers each target from a script, and can send more bytes than it
// declared, a body that never ends, or a body cut off mid-way.

#include <zddc/core/listing.hpp>
#include <zddc/core/sha256.hpp>
#include <zddc/env/memory_bodies.hpp>
#include <zddc/env/transport.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <vector>

namespace zddc::testing {

/// A request as the scripted upstream received it, body read whole.
struct received_request {
  boost::beast::http::verb method{};
  std::string target;
  boost::beast::http::fields headers;
  std::string body;
};

struct scripted_answer {
  boost::beast::http::status status = boost::beast::http::status::ok;
  boost::beast::http::fields headers;
  std::string body;
  /// Non-zero: after `body`, keep sending filler until the sink refuses or
  /// this many bytes went (a bound, so a sink without a cap cannot loop
  /// forever: the test then sees a body of exactly this size).
  std::uint64_t endless_bytes_max = 0;
  /// Set: the exchange fails with this after the body went (a cut body).
  error_code cut;
};

class scripted_upstream {
public:
  /// Answers keyed by the request target as sent (encoded, with any query);
  /// a target without one answers 404.
  std::map<std::string, scripted_answer> answers;
  /// Answers given once each, in order, before the target's entry in
  /// `answers` (a master that fails a few times, then answers).
  std::map<std::string, std::vector<scripted_answer>> first;
  /// Every target asked for, in order.
  std::vector<std::string> asked;
  /// Every request, whole, in order.
  std::vector<received_request> received;
  /// Bytes handed to sinks, over all exchanges.
  std::uint64_t bytes_sent = 0;

  boost::asio::awaitable<result<env::upstream_response>>
  round_trip(env::upstream_request req, env::body_sink& sink)
  {
    asked.emplace_back(req.target.str());
    std::string const target(req.target.str());
    if(auto ec = receive(req))
      co_return ec;
    scripted_answer a;
    if(auto once = first.find(target); once != first.end() && ! once->second.empty()) {
      a = std::move(once->second.front());
      once->second.erase(once->second.begin());
    } else if(auto const it = answers.find(target); it != answers.end()) {
      a = it->second;
    } else {
      co_return env::upstream_response{boost::beast::http::status::not_found, {}};
    }
    if(auto ec = send(sink, a.body))
      co_return ec;
    std::string const filler(64 * 1024, 'x');
    for(std::uint64_t sent = 0; sent < a.endless_bytes_max; sent += filler.size())
      if(auto ec = send(sink, std::string_view(filler).substr(0, std::min<std::uint64_t>(filler.size(), a.endless_bytes_max - sent))))
        co_return ec;
    if(a.cut)
      co_return a.cut;
    co_return env::upstream_response{a.status, a.headers};
  }

private:
  error_code
  receive(const env::upstream_request& req)
  {
    received_request r{req.method, std::string(req.target.str()), req.headers, {}};
    if(req.body) {
      auto body = env::read_whole(*req.body);
      if(! body)
        return body.error();
      r.body = std::move(*body);
    }
    received.push_back(std::move(r));
    return {};
  }

  error_code
  send(env::body_sink& sink, std::string_view bytes)
  {
    if(bytes.empty())
      return {};
    bytes_sent += bytes.size();
    return sink.write(std::as_bytes(std::span(bytes.data(), bytes.size())));
  }
};

/// The strong content ETag of `bytes`, as a master sends it.
inline std::string
content_tag(std::string_view bytes)
{
  core::sha256 h;
  h.update(bytes);
  return core::content_etag(h.finish()).to_string();
}

/// One entry of a hand-written listing: any name at all.
struct raw_entry {
  std::string name;
  bool directory = false;
  std::string bytes; // a file's content: its size and tag are derived from it
};

/// A listing as a master would send it, but with whatever names it is given.
inline std::string
listing_json(const std::vector<raw_entry>& entries)
{
  boost::json::array a;
  for(auto const& e : entries) {
    boost::json::object o;
    o["name"] = e.name;
    o["type"] = e.directory ? "directory" : "file";
    o["size"] = e.directory ? 0u : e.bytes.size();
    o["mtime_ns"] = 1'767'225'600'000'000'000;
    if(! e.directory)
      o["etag"] = content_tag(e.bytes);
    a.push_back(std::move(o));
  }
  boost::json::object root;
  root["path"] = "/";
  root["entries"] = std::move(a);
  return boost::json::serialize(root);
}

/// A 200 answer carrying `body`, with its content tag.
inline scripted_answer
file_answer(std::string body)
{
  scripted_answer a;
  a.headers.set(boost::beast::http::field::etag, content_tag(body));
  a.body = std::move(body);
  return a;
}

inline scripted_answer
listing_answer(const std::vector<raw_entry>& entries)
{
  scripted_answer a;
  a.headers.set(boost::beast::http::field::content_type, "application/json");
  a.body = listing_json(entries);
  return a;
}

} // namespace zddc::testing
