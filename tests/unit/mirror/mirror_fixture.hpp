#pragma once
// A mirror role against a real master role over the simulated network,
// under virtual time: what the walker and scheduler tests stand on.

#include <zddc/mirror/handler.hpp>

#include "../../support/sim_run.hpp"

#include "sim/master_node.hpp"
#include "sim/memory_filesystem.hpp"
#include "sim/network.hpp"
#include "sim/scheduler.hpp"

#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace zddc::mirror::testing {

using namespace std::chrono_literals;

/// The simulated network, counting the requests in flight at once.
struct counting_transport {
  sim::network::endpoint inner;
  std::size_t in_flight = 0;
  std::size_t most_in_flight = 0;
  std::size_t answered = 0;
  std::function<void(std::size_t)> after_answer{}; // called with `answered` after each round trip

  boost::asio::awaitable<result<env::upstream_response>>
  round_trip(env::upstream_request req, env::body_sink& sink)
  {
    most_in_flight = std::max(most_in_flight, ++in_flight);
    auto answer = co_await inner.round_trip(std::move(req), sink);
    --in_flight;
    if(after_answer)
      after_answer(++answered);
    co_return answer;
  }
};

struct mirror_env {
  using clock_type = sim::virtual_clock;
  using filesystem_type = sim::memory_filesystem;
  using transport_type = counting_transport;

  sim::virtual_clock& clock_;
  sim::memory_filesystem& fs_;
  counting_transport to_master_;

  clock_type& clock() { return clock_; }
  filesystem_type& fs() { return fs_; }
  transport_type& transport() { return to_master_; }
  struct no_guard {};
  no_guard commit_guard() { return {}; }
};

inline core::repo_path
path(std::string_view s)
{
  return *parse_subtree(s);
}

inline constexpr std::string_view spec_path = "Docs/Spec (IFA) - Caf\xC3\xA9 #1.txt";

class mirror_fixture : public ::testing::Test {
protected:
  /// `master_offers_tree` false: a master from before tree tags.
  explicit mirror_fixture(config cfg = {}, core::principal who = core::principal::unrestricted("mirror"),
                          bool master_offers_tree = true)
    : config_(std::move(cfg)), principal_(std::move(who)), master_offers_tree_(master_offers_tree)
  {
    master_.disk().write_file_direct(path(spec_path), "version one");
    master_.disk().write_file_direct(path("Docs/plan 100%.txt"), "plan");
    master_.disk().write_file_direct(path("Docs/Deep/a,b;c=d.txt"), "deep");
    master_.disk().write_file_direct(path("Other/readme.txt"), "other");
    make_mirror();
  }

  /// Lets walks still running end before the nodes they use go.
  ~mirror_fixture() override
  {
    if(mirror_)
      mirror_->walks().stop();
    settle(1h);
  }

  /// A new mirror role over the same disk (a restart).
  void
  make_mirror()
  {
    mirror_.reset();
    env_.emplace(mirror_env{clock_, disk_, counting_transport{net_.connect(mirror_node_, master_)}});
    mirror_.emplace(*env_, cache::config{.bearer = "mirror-token"}, config_, io_.get_executor(), cache::replay_listener{},
                    [this](const walk_event& e) {
                      events_.push_back(e.step);
                      if(e.step == walk_step::trouble)
                        troubles_.push_back(e.detail);
                    });
    EXPECT_FALSE(mirror_->open());
  }

  /// Runs `work` to completion (or 10 virtual minutes).
  template<class T>
  T
  run(boost::asio::awaitable<T> work)
  {
    auto out = test_support::run_for(io_, clock_, std::move(work));
    EXPECT_TRUE(out) << "not done within 10 virtual minutes";
    return out ? std::move(*out) : T{};
  }

  /// Walks `subtree` now and returns what the walk found.
  walk_stats
  walk(std::string_view subtree = "/")
  {
    auto stats = run(mirror_->walks().walk_now(path(subtree)));
    EXPECT_TRUE(stats) << "a walk of " << subtree << " was already in flight";
    return stats.value_or(walk_stats{});
  }

  /// Lets everything that is ready or due within `d` run.
  void settle(env::duration d = 1min) { sim::run_until(io_, clock_, clock_.now() + d); }

  /// The master's tree as the mirror's bearer sees it, under `subtree`.
  sim::memory_filesystem::tree
  master_tree(std::string_view subtree = "/")
  {
    return visible(master_.disk().snapshot(), path(subtree));
  }

  /// The mirror's files and directories, without its own reserved files.
  sim::memory_filesystem::tree
  mirror_tree()
  {
    return visible(disk_.snapshot(), core::repo_path());
  }

  /// Answers a GET of `target` through the mirror; `walks` false asks its
  /// cache alone, so no walk starts.
  std::pair<boost::beast::http::status, std::string>
  request(std::string_view target, bool walks = true)
  {
    auto r = run([&]() -> boost::asio::awaitable<std::pair<boost::beast::http::status, std::string>> {
      core::request req{boost::beast::http::verb::get, *core::url_target::parse(target), {}, nullptr};
      std::optional<typename handler<mirror_env>::response_type> answer;
      if(walks)
        answer.emplace(co_await mirror_->handle(req));
      else
        answer.emplace(co_await mirror_->cache().handle(req));
      auto const* text = std::get_if<std::string>(&answer->body);
      co_return std::pair(answer->status, text ? *text : std::string("<file>"));
    }());
    return r;
  }

  void offline() { net_.partition(mirror_node_, master_); }
  void online() { net_.heal(mirror_node_, master_); }

  config config_;
  core::principal principal_;
  bool master_offers_tree_;
  boost::asio::io_context io_;
  sim::virtual_clock clock_{io_.get_executor()};
  sim::rng rng_{1};
  sim::trace trace_{clock_};
  sim::network net_{clock_, rng_, trace_};
  sim::master_node master_{"master", clock_, trace_,
                           {.config = {.offer_tree = master_offers_tree_}, .tokens = {{"mirror-token", principal_}}}};
  sim::node mirror_node_{"mirror"};
  sim::memory_filesystem disk_{[this] { return clock_.now(); }};
  std::optional<mirror_env> env_;
  std::optional<handler<mirror_env>> mirror_;
  std::vector<walk_step> events_;
  std::vector<std::string> troubles_;

private:
  sim::memory_filesystem::tree
  visible(const sim::memory_filesystem::tree& all, const core::repo_path& under)
  {
    sim::memory_filesystem::tree out;
    for(auto const& [p, bytes] : all.files)
      if(auto const rp = core::repo_path::parse(p); rp && rp->is_within(under) && core::may_read(principal_, *rp))
        out.files.emplace(p, bytes);
    for(auto const& d : all.dirs)
      if(auto const rp = core::repo_path::parse(d); rp && rp->is_within(under) && core::is_visible(principal_, *rp))
        out.dirs.insert(d);
    return out;
  }
};

} // namespace zddc::mirror::testing
