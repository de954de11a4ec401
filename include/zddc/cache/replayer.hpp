#pragma once
/// @file
/// Sends outbox entries to the master and settles each by its answer.
///
/// `forward(entry)` makes one attempt, with the entry's base preconditions,
/// and classifies the answer with `classify_replay` (cache/decide.hpp):
/// applied, conflict, rejected, unauthorized or deferred. A refused entry
/// (conflict, rejected) is kept in the outbox with what the master had or
/// said; nothing but the master holding it, or a person, ends an entry.
/// A 401 is about the cache's own credentials, not the write: the entry
/// stays pending and the pass stops, like a deferral.
///
/// `run()` is the replay loop (DESIGN.md §2): a pass at start, a pass as
/// soon as `wake()` is called (an enqueue; any upstream success while
/// entries wait), a pass every `retry_min` doubling to `retry_max` while
/// entries wait, and every `idle_interval` otherwise. A pass replays in
/// queue order and stops at the first deferral, so writes to one path
/// never overtake each other. Waiting is a race between the Clock and a
/// wake channel, so it needs a Clock whose sleep honours cancellation.

#include <zddc/cache/config.hpp>
#include <zddc/cache/decide.hpp>
#include <zddc/cache/health.hpp>
#include <zddc/cache/outbox.hpp>
#include <zddc/cache/store.hpp>
#include <zddc/env/file_bodies.hpp>
#include <zddc/env/memory_bodies.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <functional>
#include <optional>
#include <set>

namespace zddc::cache {

enum class replay_step { attempt, replayed, conflict, rejected, unauthorized, deferred };

struct replay_event {
  replay_step step;
  const outbox_entry& entry;
  unsigned status = 0;  // the master's answer, 0 when there was none
  std::string detail;   // why, for a person
};
using replay_listener = std::function<void(const replay_event&)>;

struct forward_result {
  replay_verdict what = replay_verdict::deferred;
  std::optional<env::upstream_response> response; // the master's answer, if any
  std::string answer;                             // its body (the first MiB), for a person
  std::string detail;
};

template<env::UpstreamEnvironment E>
class replayer {
public:
  replayer(E& env, outbox<E>& box, store<E>& local, const config& cfg, upstream_monitor& monitor,
           replay_listener listener = {})
    : env_(env), box_(box), local_(local), config_(cfg), monitor_(monitor), listener_(std::move(listener))
  {
  }

  /// One attempt at `e`; changes nothing locally.
  boost::asio::awaitable<forward_result> forward(const outbox_entry& e);

  /// The master has `e`: bring the local copy in line and forget the entry.
  error_code settle_applied(const outbox_entry& e, const std::optional<env::upstream_response>& answer);

  /// The master refused `e` as a conflict: keep it, with what the master had.
  boost::asio::awaitable<error_code> keep_conflict(const outbox_entry& e);

  /// The master rejected `e`: keep it, with the master's status and answer.
  error_code keep_rejected(const outbox_entry& e, const forward_result& f);

  /// One pass over the pending entries; true when one had to be deferred.
  boost::asio::awaitable<bool> replay_pending();

  /// The loop; returns after `stop()`.
  boost::asio::awaitable<void> run();

  void wake();
  void stop();

private:
  void tell(replay_step step, const outbox_entry& e, unsigned status, std::string detail = {})
  {
    if(listener_)
      listener_(replay_event{step, e, status, std::move(detail)});
  }

  using wake_channel = boost::asio::experimental::channel<void(error_code)>;

  E& env_;
  outbox<E>& box_;
  store<E>& local_;
  const config& config_;
  upstream_monitor& monitor_;
  replay_listener listener_;
  std::optional<wake_channel> wake_;
  std::set<std::string> busy_; // ids being forwarded now
  bool woken_ = false;
  bool stopped_ = false;
};

template<env::UpstreamEnvironment E>
boost::asio::awaitable<forward_result>
replayer<E>::forward(const outbox_entry& e)
{
  namespace http = boost::beast::http;
  busy_.insert(e.id);
  struct done_with {
    std::set<std::string>& busy;
    const std::string& id;
    ~done_with() { busy.erase(id); }
  } const release{busy_, e.id};
  env::upstream_request req;
  req.method = e.method;
  req.target = core::encode(e.path);
  config_.authorize(req.headers);
  e.base.apply(req.headers);
  req.headers.set(outbox_entry_header, e.id);
  if(! e.content_type.empty())
    req.headers.set(http::field::content_type, e.content_type);
  std::optional<env::reader_source<typename store<E>::reader_type>> body;
  if(e.method == http::verb::put) {
    auto reader = box_.open_body(e);
    if(! reader)
      co_return forward_result{replay_verdict::deferred, std::nullopt, {}, "the entry's body: " + reader.error().message()};
    body.emplace(std::move(*reader));
    req.body = &*body;
  }
  env::string_sink answer_body(1 << 20);
  auto answer = co_await env_.transport().round_trip(std::move(req), answer_body);
  monitor_.observe(answer.has_value(), answer ? static_cast<unsigned>(answer->status) : 0u, env_.clock().now());
  if(! answer)
    co_return forward_result{replay_verdict::deferred, std::nullopt, {}, answer.error().message()};
  auto const& h = answer->headers;
  std::optional<std::string_view> etag;
  if(auto const it = h.find(http::field::etag); it != h.end())
    etag = it->value();
  forward_result r;
  r.what = classify_replay({e.method, static_cast<unsigned>(answer->status), etag,
                            e.body_etag ? std::optional<std::string_view>(*e.body_etag) : std::nullopt});
  r.answer = std::string(answer_body.bytes());
  switch(r.what) {
  case replay_verdict::applied:
    if(answer->status == http::status::precondition_failed)
      r.detail = "the master already holds this write";
    else if(answer->status == http::status::not_found)
      r.detail = "already gone";
    break;
  case replay_verdict::conflict: r.detail = "the master's version is not the one this write was based on"; break;
  case replay_verdict::unauthorized: r.detail = "the master refused the cache's credentials"; break;
  case replay_verdict::rejected: r.detail = r.answer.substr(0, 200); break;
  case replay_verdict::deferred:
    if(auto const status = static_cast<unsigned>(answer->status); status < 200 || (status >= 300 && status < 400))
      r.detail = "the master answered " + std::to_string(status) + "; this cache follows no redirect";
    break;
  }
  r.response = std::move(*answer);
  co_return r;
}

template<env::UpstreamEnvironment E>
error_code
replayer<E>::settle_applied(const outbox_entry& e, const std::optional<env::upstream_response>& answer)
{
  namespace http = boost::beast::http;
  if(e.method == http::verb::put) {
    std::optional<env::time_point> mtime;
    if(answer)
      if(auto it = answer->headers.find(http::field::last_modified); it != answer->headers.end())
        mtime = core::parse_http_date(it->value());
    auto reader = box_.open_body(e);
    if(! reader)
      return reader.error();
    if(auto ec = local_.install_copy(*reader, e.path, mtime))
      return ec;
  } else if(auto ec = local_.purge(e.path)) {
    return ec;
  }
  return box_.complete(e);
}

template<env::UpstreamEnvironment E>
boost::asio::awaitable<error_code>
replayer<E>::keep_conflict(const outbox_entry& e)
{
  namespace http = boost::beast::http;
  auto& fs = env_.fs();
  master_view seen;
  auto temp = fs.create_temp(box_.directory(e));
  if(! temp)
    co_return temp.error();
  env::upstream_request req;
  req.target = core::encode(e.path);
  config_.authorize(req.headers);
  env::writer_sink<typename store<E>::writer_type> sink(*temp, config_.download_bytes_max);
  auto answer = co_await env_.transport().round_trip(std::move(req), sink);
  if(answer) {
    seen.status = static_cast<unsigned>(answer->status);
    if(auto it = answer->headers.find(http::field::etag); it != answer->headers.end())
      seen.etag = std::string(it->value());
    if(auto it = answer->headers.find(http::field::last_modified); it != answer->headers.end())
      seen.last_modified = std::string(it->value());
    if(seen.status == 200) {
      if(auto ec = temp->sync())
        co_return ec;
      if(auto ec = fs.rename(temp->path(), box_.master_body_path(e)))
        co_return ec;
    }
  }
  auto const kept = box_.mark_refused(e, refusal_kind::conflict, std::move(seen));
  co_return kept ? error_code() : kept.error();
}

template<env::UpstreamEnvironment E>
error_code
replayer<E>::keep_rejected(const outbox_entry& e, const forward_result& f)
{
  namespace http = boost::beast::http;
  master_view said;
  said.status = f.response ? static_cast<unsigned>(f.response->status) : 0u;
  if(f.response) {
    if(auto it = f.response->headers.find(http::field::etag); it != f.response->headers.end())
      said.etag = std::string(it->value());
    if(auto it = f.response->headers.find(http::field::last_modified); it != f.response->headers.end())
      said.last_modified = std::string(it->value());
  }
  auto const written = env::atomic_replace(env_.fs(), box_.master_body_path(e), f.answer);
  if(! written)
    return written.error();
  auto const kept = box_.mark_refused(e, refusal_kind::rejected, std::move(said));
  return kept ? error_code() : kept.error();
}

template<env::UpstreamEnvironment E>
boost::asio::awaitable<bool>
replayer<E>::replay_pending()
{
  auto entries = box_.pending();
  if(! entries)
    co_return true;
  for(auto const& e : *entries) {
    if(stopped_ || busy_.contains(e.id)) // being sent by a request right now: later
      co_return true;
    tell(replay_step::attempt, e, 0);
    auto const f = co_await forward(e);
    auto const status = f.response ? static_cast<unsigned>(f.response->status) : 0u;
    switch(f.what) {
    case replay_verdict::applied:
      if(auto ec = settle_applied(e, f.response)) {
        tell(replay_step::deferred, e, status, "settling locally: " + ec.message());
        co_return true;
      }
      tell(replay_step::replayed, e, status, f.detail);
      break;
    case replay_verdict::conflict:
      if(auto ec = co_await keep_conflict(e)) {
        tell(replay_step::deferred, e, status, "keeping the conflict: " + ec.message());
        co_return true;
      }
      tell(replay_step::conflict, e, status, f.detail);
      break;
    case replay_verdict::rejected:
      if(auto ec = keep_rejected(e, f)) {
        tell(replay_step::deferred, e, status, "keeping the rejection: " + ec.message());
        co_return true;
      }
      tell(replay_step::rejected, e, status, f.detail);
      break;
    case replay_verdict::unauthorized:
      tell(replay_step::unauthorized, e, status, f.detail);
      co_return true;
    case replay_verdict::deferred:
      tell(replay_step::deferred, e, status, f.detail);
      co_return true;
    }
  }
  co_return false;
}

template<env::UpstreamEnvironment E>
void
replayer<E>::wake()
{
  woken_ = true;
  if(wake_)
    (void)wake_->try_send(error_code());
}

template<env::UpstreamEnvironment E>
void
replayer<E>::stop()
{
  stopped_ = true;
  wake();
}

template<env::UpstreamEnvironment E>
boost::asio::awaitable<void>
replayer<E>::run()
{
  using namespace boost::asio::experimental::awaitable_operators;
  wake_.emplace(co_await boost::asio::this_coro::executor, 1);
  auto backoff = config_.retry_min;
  while(! stopped_) {
    woken_ = false;
    bool const deferred = co_await replay_pending();
    if(stopped_)
      break;
    env::duration wait = config_.idle_interval;
    if(deferred) {
      wait = backoff;
      backoff = std::min(backoff * 2, config_.retry_max);
    } else {
      backoff = config_.retry_min;
    }
    if(woken_) { // woken during the pass: go again now
      backoff = config_.retry_min;
      continue;
    }
    auto const deadline = env_.clock().now() + wait;
    auto race = env_.clock().sleep_until(deadline) ||
                wake_->async_receive(boost::asio::as_tuple(boost::asio::use_awaitable));
    auto const which = co_await std::move(race);
    if(which.index() == 1)
      backoff = config_.retry_min; // a wake means the master may be back: start the backoff over
  }
}

} // namespace zddc::cache
