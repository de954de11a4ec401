#pragma once
/// @file
/// The mirror role: a cache (cache/handler.hpp) whose requests also start
/// walks (mirror/scheduler.hpp) that keep whole subtrees current, so they
/// can be read and browsed when the master cannot be reached.
///
/// Every request is answered exactly as the cache answers it; a request
/// whose path lies under a configured subtree may, in passing, spawn a walk
/// of that subtree. The walker shares the cache's local store, and reaches
/// the master with the same bearer: the mirror holds exactly what that
/// token can read. Its directory pages say when their subtree was last
/// brought fully up to date (the last complete walk).

#include <zddc/cache/handler.hpp>
#include <zddc/mirror/config.hpp>
#include <zddc/mirror/scheduler.hpp>
#include <zddc/mirror/walker.hpp>

namespace zddc::mirror {

template<env::UpstreamEnvironment E>
class handler {
public:
  using response_type = typename cache::handler<E>::response_type;

  handler(E& env, cache::config cache_settings, config cfg, boost::asio::any_io_executor executor,
          cache::replay_listener replays = {}, walk_listener walks = {})
    : config_(std::move(cfg)), cache_(env, std::move(cache_settings), std::move(replays)),
      walker_(env, cache_.local(), cache_.settings(), config_, std::move(walks)),
      scheduler_(env, walker_, config_, std::move(executor), cache_.monitor())
  {
    cache_.decorate_pages([this](const core::repo_path& dir, core::html_listing_options& page) {
      auto const subtree = covering_subtree(config_.subtrees, dir);
      if(! subtree)
        return;
      page.mirrored = true;
      auto const& walked = scheduler_.state().subtrees;
      if(auto const it = walked.find(*subtree); it != walked.end() && it->second.last_complete)
        page.walked_at = cache::detail::rfc3339(*it->second.last_complete);
    });
  }
  handler(const handler&) = delete; // the page decorator holds `this`
  handler& operator=(const handler&) = delete;

  /// Opens the cache (outbox, store) and reads the walk state (see
  /// `scheduler::open`); fails when either cannot be used.
  error_code
  open()
  {
    if(auto ec = cache_.open())
      return ec;
    return scheduler_.open();
  }

  /// Answers as the cache does; then, the request having told the cache
  /// whether the master answers, a walk of its subtree starts if one is due.
  boost::asio::awaitable<response_type>
  handle(const core::request& req)
  {
    auto r = co_await cache_.handle(req);
    if(auto const target = core::decode(req.target))
      scheduler_.notice(target->path);
    co_return r;
  }

  cache::handler<E>& cache() noexcept { return cache_; }
  scheduler<E>& walks() noexcept { return scheduler_; }

private:
  config config_;
  cache::handler<E> cache_;
  walker<E> walker_;
  scheduler<E> scheduler_;
};

} // namespace zddc::mirror
