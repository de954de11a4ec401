#pragma once
/// @file
/// A person working against a server through a user agent: reads files,
/// browses listings, edits with the version they last saw as precondition,
/// creates new documents with awkward names, deletes. Think times are drawn
/// from the world's generator. What it learns (ETags, dates, new paths)
/// comes only from answers, as for a real client.

#include "sim/network.hpp"

#include <map>
#include <set>
#include <vector>

namespace zddc::sim {

struct client_stats {
  std::uint64_t reads = 0;
  std::uint64_t writes = 0;
  std::uint64_t acknowledged = 0;   // writes answered 2xx or 202
  std::uint64_t conflicts = 0;      // writes answered 412
  std::uint64_t transport_errors = 0;
};

class client_actor final : public node {
public:
  struct options {
    std::string token;                 // sent as a bearer credential
    core::repo_path scope{};           // where the person works: nothing outside it is asked for
    env::duration think_mean = std::chrono::minutes(4);
  };

  client_actor(std::string name, network& net, virtual_clock& clock, rng& random, trace& log, options opts);

  /// Works against `server` until `until`; `files`/`dirs` are what the
  /// person knows exists at the start (those within the scope count).
  boost::asio::awaitable<void> run(node& server, std::vector<core::repo_path> files,
                                   std::vector<core::repo_path> dirs, env::time_point until);

  const client_stats& stats() const noexcept { return stats_; }

private:
  struct seen {
    std::string etag;
    std::string last_modified;
  };

  boost::asio::awaitable<void> step(network::endpoint& server);
  boost::asio::awaitable<void> read(network::endpoint& server, const core::repo_path& p, bool conditional);
  boost::asio::awaitable<void> list(network::endpoint& server, const core::repo_path& dir);
  boost::asio::awaitable<void> write(network::endpoint& server, const core::repo_path& p, int how);
  boost::asio::awaitable<void> remove(network::endpoint& server, const core::repo_path& p);

  struct answer {
    result<env::upstream_response> head;
    std::string body;
  };
  boost::asio::awaitable<answer> send(network::endpoint& server, boost::beast::http::verb method,
                                      core::url_target target, boost::beast::http::fields headers,
                                      std::optional<std::string> body = std::nullopt);

  std::string new_body();
  core::repo_path new_path();
  void learn(const core::repo_path& p, const boost::beast::http::fields& h);
  const core::repo_path& any_of(const std::set<core::repo_path>& from);

  network& net_;
  virtual_clock& clock_;
  rng& rng_;
  trace& trace_;
  options options_;
  std::set<core::repo_path> files_, dirs_;
  std::map<core::repo_path, seen> seen_;
  std::map<core::repo_path, std::string> listing_tags_;
  std::vector<std::string> bodies_; // what this client wrote, to write again sometimes
  std::uint64_t counter_ = 0;
  client_stats stats_;
};

} // namespace zddc::sim
