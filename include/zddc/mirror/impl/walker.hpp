#pragma once
// Implementation of mirror/walker.hpp.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <algorithm>
#include <exception>
#include <vector>

namespace zddc::mirror {

namespace detail {

inline std::string
shown(const core::repo_path& p, bool directory)
{
  std::string s = "/";
  s += p.str();
  if(directory && ! p.is_root())
    s += '/';
  return s;
}

/// A file's body goes to `download` up to the size its listing declared.
/// Past that, up to `slack_bytes` more are counted and dropped — room for
/// the page of an error status (a 404 for a file listed at 3 bytes), which
/// arrives before its status is known — and anything beyond is refused,
/// which ends the exchange: a body that never ends stops there.
template<class Writer>
class listed_size_sink final : public env::body_sink {
public:
  static constexpr std::uint64_t slack_bytes = 64 * 1024;

  listed_size_sink(Writer& download, std::uint64_t declared) : inner_(download, declared), declared_(declared) {}

  error_code
  write(std::span<const std::byte> chunk) override
  {
    auto const kept = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), declared_ - inner_.written()));
    if(auto ec = inner_.write(chunk.first(kept)))
      return ec;
    auto const rest = chunk.size() - kept;
    if(rest > slack_bytes - excess_)
      return errc::too_large;
    excess_ += rest;
    return {};
  }

  std::uint64_t written() const noexcept { return inner_.written(); }
  /// True when more than the declared size came.
  bool overflowed() const noexcept { return excess_ > 0; }

private:
  env::writer_sink<Writer> inner_;
  std::uint64_t declared_;
  std::uint64_t excess_ = 0;
};

/// Reads a file line by line (each without its newline). A line longer
/// than `line_bytes_max` is refused; a last line without a newline is
/// still a line.
template<class Reader>
class line_reader {
public:
  line_reader(Reader& reader, std::uint64_t line_bytes_max) : reader_(reader), line_bytes_max_(line_bytes_max) {}

  /// The next line; nullopt at the end of the file.
  result<std::optional<std::string>>
  next()
  {
    for(;;) {
      if(auto const nl = buffer_.find('\n', start_); nl != std::string::npos) {
        std::string line = buffer_.substr(start_, nl - start_);
        start_ = nl + 1;
        return std::optional<std::string>(std::move(line));
      }
      if(buffer_.size() - start_ > line_bytes_max_)
        return errc::too_large;
      if(end_) {
        if(start_ == buffer_.size())
          return std::optional<std::string>();
        std::string line = buffer_.substr(start_);
        start_ = buffer_.size();
        return std::optional<std::string>(std::move(line));
      }
      buffer_.erase(0, start_);
      start_ = 0;
      auto const had = buffer_.size();
      buffer_.resize(had + chunk_bytes);
      auto n = reader_.read_at(offset_, std::as_writable_bytes(std::span(buffer_.data() + had, chunk_bytes)));
      if(! n)
        return n.error();
      buffer_.resize(had + *n);
      offset_ += *n;
      end_ = *n == 0;
    }
  }

private:
  static constexpr std::size_t chunk_bytes = 64 * 1024;
  Reader& reader_;
  std::uint64_t line_bytes_max_;
  std::uint64_t offset_ = 0;
  std::string buffer_;
  std::size_t start_ = 0;
  bool end_ = false;
};

/// A well-mixed number from a request's path, attempt and walk (FNV-1a):
/// the jitter of its retry delay, the same in every run of a simulation.
inline std::uint64_t
jitter(const core::repo_path& p, unsigned attempt, env::time_point walk_started) noexcept
{
  std::uint64_t h = 0xcbf29ce484222325ull;
  auto const mix = [&](std::uint64_t v) {
    for(int i = 0; i < 8; ++i, v >>= 8) {
      h ^= v & 0xff;
      h *= 0x100000001b3ull;
    }
  };
  for(unsigned char c : p.str())
    mix(c);
  mix(attempt);
  mix(static_cast<std::uint64_t>(walk_started.time_since_epoch().count()));
  return h ^ (h >> 29);
}

} // namespace detail

/// One walk's shared state. Workers run on one executor, one at a time
/// between suspensions, so nothing here needs a lock.
template<env::UpstreamEnvironment E>
struct walker<E>::run {
  struct task {
    core::repo_path path;
    std::optional<core::listing_entry> file; // empty: list the directory
  };

  run(boost::asio::any_io_executor ex, std::size_t workers, core::repo_path s)
    : subtree(std::move(s)), wake(std::move(ex), workers)
  {
  }

  /// Lets every idle worker look at the queue again.
  void
  notify()
  {
    for(std::size_t i = 0; i < waiting; ++i)
      if(! wake.try_send(error_code()))
        break; // the channel already holds enough wake-ups
  }

  core::repo_path subtree;
  std::deque<task> queue;
  std::size_t busy = 0;    // workers inside a task
  std::size_t waiting = 0; // workers waiting for a task
  bool halted = false;     // take no more tasks: the master cannot be reached, or the walker stopped
  walk_stats stats;
  std::optional<core::entity_tag> tree_tag; // the tree this walk brings in (from its answer's head)
  bool tree_whole = false; // every listing of that tree arrived and was carried out
  bool vouched = true;     // nothing was found missing on the way (a listed file the master then denied)
  std::vector<staged> staged_files; // fetched, waiting for their batch's sync
  std::uint64_t staged_bytes = 0;
  bool unsettled = false; // files were placed since the last sync_all
  env::time_point started{};
  env::time_point next_progress{};
  boost::asio::experimental::channel<void(error_code)> wake;
};

template<env::UpstreamEnvironment E>
boost::asio::awaitable<walk_stats>
walker<E>::walk(core::repo_path subtree)
{
  namespace asio = boost::asio;
  auto const ex = co_await asio::this_coro::executor;
  std::size_t const workers = std::max<std::size_t>(1, config_.parallel);
  auto r = std::make_shared<run>(ex, workers, std::move(subtree));
  r->started = env_.clock().now();
  r->next_progress = r->started + config_.progress_every;
  r->stats.complete = true;
  tell(walk_step::started, *r);
  if(config_.tree)
    co_await start_from_tree(*r);
  else
    r->queue.push_back({r->subtree, std::nullopt});

  using worker_op = decltype(asio::co_spawn(ex, work(r), asio::deferred));
  std::vector<worker_op> ops;
  for(std::size_t i = 0; i < workers; ++i)
    ops.push_back(asio::co_spawn(ex, work(r), asio::deferred));
  auto group = asio::experimental::make_parallel_group(std::move(ops));
  auto outcome = co_await group.async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
  for(auto const& e : std::get<1>(outcome))
    if(e)
      std::rethrow_exception(e);

  if(r->halted || ! r->queue.empty())
    r->stats.complete = false;
  settle(*r);
  finish_tree(*r);
  r->stats.duration = env_.clock().now() - r->started;
  tell(walk_step::finished, *r);
  co_return r->stats;
}

template<env::UpstreamEnvironment E>
boost::asio::awaitable<void>
walker<E>::work(std::shared_ptr<run> r)
{
  // Counts a worker into and out of its task, and into and out of waiting
  // for one, however that ends. A task that did not finish (it threw, or its
  // coroutine was destroyed: the simulator abandoning a crashed world) halts
  // the walk, and the waiting workers are woken to see that, so every worker
  // ends and the walk completes. While an event loop is torn down, Asio
  // destroys the waiting workers first, so `waiting` is then 0 and nothing
  // touches the channel.
  struct in_task {
    run& r;
    bool finished = false;
    explicit in_task(run& walk) : r(walk) { ++r.busy; }
    ~in_task()
    {
      --r.busy;
      if(! finished)
        r.halted = true;
      r.notify();
    }
  };
  struct parked {
    run& r;
    explicit parked(run& walk) : r(walk) { ++r.waiting; }
    ~parked() { --r.waiting; }
  };

  for(;;) {
    if(stopped_)
      r->halted = true;
    if(r->queue.empty() || r->halted) {
      if(r->busy == 0) {
        r->notify();
        co_return;
      }
      parked const wait(*r);
      co_await r->wake.async_receive(boost::asio::as_tuple(boost::asio::use_awaitable));
      continue;
    }
    auto t = std::move(r->queue.front());
    r->queue.pop_front();
    {
      in_task guard(*r);
      if(t.file)
        co_await fetch_file(*r, t.path, *t.file);
      else
        co_await visit_directory(*r, t.path);
      guard.finished = true;
    }
    if(auto const now = env_.clock().now(); now >= r->next_progress) {
      r->next_progress = now + config_.progress_every;
      tell(walk_step::progress, *r);
    }
  }
}

template<env::UpstreamEnvironment E>
boost::asio::awaitable<void>
walker<E>::visit_directory(run& r, const core::repo_path& dir)
{
  auto listed = co_await read_listing(r, dir);
  if(! listed)
    co_return;
  ++r.stats.dirs;
  carry_out(r, dir, *listed);
}

template<env::UpstreamEnvironment E>
boost::asio::awaitable<std::optional<core::listing>>
walker<E>::read_listing(run& r, const core::repo_path& dir)
{
  namespace http = boost::beast::http;
  auto stored = local_.listing(dir);
  if(! stored) {
    trouble(r, "stored listing of " + detail::shown(dir, true) + ": " + stored.error().message());
    co_return std::nullopt;
  }
  std::optional<env::string_sink> body;
  auto const answer = co_await ask_with_retries(r, dir, [&]() -> boost::asio::awaitable<result<env::upstream_response>> {
    env::upstream_request up;
    up.target = core::encode(dir, core::target_form::directory);
    cache_settings_.authorize(up.headers);
    up.headers.set(http::field::accept, "application/json");
    if(*stored)
      up.headers.set(http::field::if_none_match, core::listing_tag(**stored, core::listing_format::json).to_string());
    body.emplace(cache::listing_bytes_max);
    co_return co_await env_.transport().round_trip(std::move(up), *body);
  });
  if(! answer) {
    no_answer(r, answer.error(), "listing " + detail::shown(dir, true) + ": " + answer.error().message());
    co_return std::nullopt;
  }

  // What the answer means: plan.hpp.
  auto const status = static_cast<unsigned>(answer->status);
  switch(classify_listing(status, stored->has_value())) {
  case listing_verdict::fresh: {
    auto fresh = core::listing_from_json(body->bytes(), dir);
    if(! fresh) {
      trouble(r, "listing " + detail::shown(dir, true) + " does not parse: " + fresh.error().message());
      co_return std::nullopt;
    }
    if(auto ec = local_.save_listing(dir, body->bytes())) {
      trouble(r, "saving the listing of " + detail::shown(dir, true) + ": " + ec.message());
      co_return std::nullopt;
    }
    co_return std::move(*fresh);
  }
  case listing_verdict::stored:
    co_return std::move(**stored);
  case listing_verdict::gone:
    purge(r, dir);
    co_return std::nullopt;
  case listing_verdict::unreachable: // an answer came: not this case
  case listing_verdict::trouble:
    trouble(r, "listing " + detail::shown(dir, true) + " answered " + std::to_string(status));
    co_return std::nullopt;
  }
  co_return std::nullopt; // every case returned
}

template<env::UpstreamEnvironment E>
boost::asio::awaitable<void>
walker<E>::start_from_tree(run& r)
{
  namespace http = boost::beast::http;
  auto const& subtree = r.subtree;
  auto stored = local_.tree_tag(subtree);
  if(! stored) {
    trouble(r, "stored tree tag of " + detail::shown(subtree, true) + ": " + stored.error().message());
    co_return;
  }
  download_into<env::writer_sink<writer_type>> into;
  auto const answer = co_await download(r, subtree, into, cache_settings_.download_bytes_max, [&] {
    std::string query = "tree";
    if(*stored)
      query += "&since=" + boost::urls::encode((*stored)->to_string(), boost::urls::unreserved_chars);
    env::upstream_request up;
    up.target = core::encode(subtree, core::target_form::directory).with_query(query);
    cache_settings_.authorize(up.headers);
    up.headers.set(http::field::accept, std::string(core::tree_media_type) + ", application/json");
    if(*stored)
      up.headers.set(http::field::if_none_match, (*stored)->to_string());
    return up;
  });
  if(into.spool_failed) {
    trouble(r, "local store: " + into.spool_failed.message());
    co_return;
  }
  if(! answer) {
    no_answer(r, answer.error(), "tree " + detail::shown(subtree, true) + ": " + answer.error().message());
    co_return;
  }
  auto const status = static_cast<unsigned>(answer->status);
  auto const type = answer->headers.find(http::field::content_type);
  bool const is_tree = type != answer->headers.end() && type->value().starts_with(core::tree_media_type);
  // What the answer means: plan.hpp.
  switch(classify_tree(status, is_tree, stored->has_value())) {
  case tree_verdict::unchanged:
    co_return; // nothing below differs from what is here
  case tree_verdict::tree:
    apply_tree(r, *into.file, *stored);
    co_return;
  case tree_verdict::listing:
    apply_subtree_listing(r, *into.file);
    co_return;
  case tree_verdict::gone:
    purge(r, subtree);
    co_return;
  case tree_verdict::unreachable: // an answer came: not this case
  case tree_verdict::trouble:
    trouble(r, "tree " + detail::shown(subtree, true) + " answered " + std::to_string(status));
    co_return;
  }
}

template<env::UpstreamEnvironment E>
void
walker<E>::apply_tree(run& r, writer_type& download, const std::optional<core::entity_tag>& sent)
{
  auto const fail = [&](std::string why) { trouble(r, "tree " + detail::shown(r.subtree, true) + ": " + why); };
  auto reader = env_.fs().open_read(download.path());
  if(! reader)
    return fail("reading it back: " + reader.error().message());
  detail::line_reader lines(*reader, cache::listing_bytes_max);
  bool head_seen = false;
  std::uint64_t listings = 0;
  for(;;) {
    auto line = lines.next();
    if(! line)
      return fail("reading it back: " + line.error().message());
    if(! *line)
      return fail("cut short (no end line)");
    auto parsed = core::parse_tree_line(**line);
    if(! parsed)
      return fail("a line does not parse: " + parsed.error().message());
    if(auto* head = std::get_if<core::tree_head>(&*parsed)) {
      if(head_seen || head->dir != r.subtree || (head->base && head->base != sent))
        return fail("not the tree asked for");
      head_seen = true;
      // From here on the copy changes: the old tag no longer vouches for it.
      if(auto ec = local_.forget_tree_tag(r.subtree))
        return fail("forgetting its tag: " + ec.message());
      r.tree_tag = head->tree;
      if(config_.vouch_early)
        (void)local_.save_tree_tag(r.subtree, head->tree);
      continue;
    }
    if(! head_seen)
      return fail("no head line");
    if(auto* end = std::get_if<core::tree_end>(&*parsed)) {
      if(end->directories != listings)
        return fail("its end line counts " + std::to_string(end->directories) + " listings, " +
                    std::to_string(listings) + " came");
      r.tree_whole = true;
      return;
    }
    auto& l = std::get<core::listing>(*parsed);
    if(! l.dir.is_within(r.subtree))
      return fail("it lists " + detail::shown(l.dir, true) + ", outside the subtree");
    ++listings;
    if(auto ec = local_.save_listing(l.dir, **line)) {
      trouble(r, "saving the listing of " + detail::shown(l.dir, true) + ": " + ec.message());
      continue;
    }
    ++r.stats.dirs;
    carry_out(r, l.dir, l, false);
  }
}

template<env::UpstreamEnvironment E>
void
walker<E>::apply_subtree_listing(run& r, writer_type& download)
{
  auto const& dir = r.subtree;
  auto text = env::read_all(env_.fs(), download.path(), cache::listing_bytes_max);
  if(! text)
    return trouble(r, "listing " + detail::shown(dir, true) + ": " + text.error().message());
  auto l = core::listing_from_json(*text, dir);
  if(! l)
    return trouble(r, "listing " + detail::shown(dir, true) + " does not parse: " + l.error().message());
  if(auto ec = local_.forget_tree_tag(dir))
    return trouble(r, "forgetting the tree tag of " + detail::shown(dir, true) + ": " + ec.message());
  if(auto ec = local_.save_listing(dir, *text))
    return trouble(r, "saving the listing of " + detail::shown(dir, true) + ": " + ec.message());
  ++r.stats.dirs;
  carry_out(r, dir, *l);
}

template<env::UpstreamEnvironment E>
void
walker<E>::finish_tree(run& r)
{
  if(! r.tree_tag || ! r.tree_whole || ! r.vouched || ! r.stats.complete || config_.vouch_early)
    return;
  if(auto ec = local_.save_tree_tag(r.subtree, *r.tree_tag))
    trouble(r, "keeping the tree tag of " + detail::shown(r.subtree, true) + ": " + ec.message());
}

// What to do with each entry of the master's listing: plan.hpp.
template<env::UpstreamEnvironment E>
void
walker<E>::carry_out(run& r, const core::repo_path& dir, core::listing& master_listing, bool visit_subdirectories)
{
  auto here = env_.fs().list(dir);
  if(! here && here.error() != errc::not_found) {
    trouble(r, "listing the local copy of " + detail::shown(dir, true) + ": " + here.error().message());
    here = std::vector<env::dir_entry>{}; // purge nothing; still walk what the master listed
  }
  auto const plan = plan_directory(master_listing, here ? *here : std::vector<env::dir_entry>{});
  for(auto const& name : plan.orphans)
    purge_local(r, dir, name);
  // Every name was validated as a segment when the listing was parsed; a
  // child can still be too deep or too long to be a path here: skipped.
  auto const child_of = [&](const std::string& name) -> std::optional<core::repo_path> {
    auto child = dir.child(name);
    if(! child) {
      trouble(r, "listing " + detail::shown(dir, true) + " names " + name + ": " + child.error().message());
      return std::nullopt;
    }
    return std::move(*child);
  };
  auto const listed = [&](const std::string& name) -> core::listing_entry& {
    auto const it = std::ranges::lower_bound(master_listing.entries, name, {}, &core::listing_entry::name);
    ZDDC_ASSERT(it != master_listing.entries.end() && it->name == name); // the plan names only listed entries
    return *it;
  };
  if(visit_subdirectories)
    for(auto const& name : plan.subdirectories)
      if(auto child = child_of(name))
        r.queue.push_back({std::move(*child), std::nullopt});
  r.stats.files += plan.files;
  for(auto const& name : plan.verify) {
    auto child = child_of(name);
    if(! child)
      continue;
    auto const copy = local_.tag(*child);
    if(copy && copy_is_current(*copy, listed(name)))
      ++r.stats.unchanged;
    else
      r.queue.push_back({std::move(*child), listed(name)}); // a copy that cannot be read: fetching it says why
  }
  for(auto const& name : plan.fetch)
    if(auto child = child_of(name))
      r.queue.push_back({std::move(*child), listed(name)});
  r.notify();
}

template<env::UpstreamEnvironment E>
boost::asio::awaitable<void>
walker<E>::fetch_file(run& r, const core::repo_path& path, const core::listing_entry& listed)
{
  namespace http = boost::beast::http;
  if(listed.size > cache_settings_.download_bytes_max) {
    trouble(r, detail::shown(path, false) + " is listed at " + std::to_string(listed.size) +
                 " bytes, more than this mirror keeps (--max-download-bytes)");
    co_return;
  }
  auto const cached = local_.tag(path);
  if(! cached) {
    trouble(r, "local copy of " + detail::shown(path, false) + ": " + cached.error().message());
    co_return;
  }
  // No more than the listing declared: a master sending more (a file that
  // grew since it was listed, or one that never ends) is cut off, and the
  // old copy stays until a walk lists the new size.
  download_into<detail::listed_size_sink<writer_type>> into;
  auto const answer = co_await download(r, path, into, listed.size, [&] {
    env::upstream_request up;
    up.target = core::encode(path);
    cache_settings_.authorize(up.headers);
    if(*cached)
      up.headers.set(http::field::if_none_match, (*cached)->to_string());
    return up;
  });
  if(into.spool_failed) {
    trouble(r, "local store: " + into.spool_failed.message());
    co_return;
  }
  auto const too_long = [&] {
    trouble(r, detail::shown(path, false) + " came with more than the " + std::to_string(listed.size) +
                 " bytes listed; the copy here is kept");
  };
  if(! answer) {
    if(answer.error() == errc::too_large)
      too_long();
    else
      no_answer(r, answer.error(), "fetching " + detail::shown(path, false) + ": " + answer.error().message());
    co_return;
  }

  std::optional<std::string_view> etag;
  if(auto it = answer->headers.find(http::field::etag); it != answer->headers.end())
    etag = it->value();
  auto const v = judge_fetch(static_cast<unsigned>(answer->status), etag, listed, *cached);
  switch(v.what) {
  case fetch_verdict::action::install:
    if(into.sink->overflowed())
      too_long();
    else
      install(r, path, listed, v.as_listed, std::move(*into.file), *answer, into.sink->written());
    co_return;
  case fetch_verdict::action::unchanged:
    ++r.stats.unchanged;
    // Same bytes as listed: take the listed mtime, so the next walk need not ask.
    if(v.stamp)
      if(auto ec = local_.set_mtime(path, listed.mtime))
        trouble(r, "stamping " + detail::shown(path, false) + ": " + ec.message());
    co_return;
  case fetch_verdict::action::purge:
    purge(r, path);
    r.vouched = false; // listed, then denied: this copy is not the tree that listed it
    co_return;
  case fetch_verdict::action::unreachable: // an answer came: not this case
  case fetch_verdict::action::trouble:
    trouble(r, "fetching " + detail::shown(path, false) + " answered " +
                 std::to_string(static_cast<unsigned>(answer->status)));
    co_return;
  }
}

template<env::UpstreamEnvironment E>
void
walker<E>::install(run& r, const core::repo_path& path, const core::listing_entry& listed, bool as_listed,
                   writer_type&& download, const env::upstream_response& answer, std::uint64_t bytes)
{
  namespace http = boost::beast::http;
  std::optional<env::time_point> mtime;
  if(as_listed)
    mtime = listed.mtime;
  else if(auto lm = answer.headers.find(http::field::last_modified); lm != answer.headers.end())
    mtime = core::parse_http_date(lm->value());
  if(auto st = local_.stat(path); st && st->kind == env::file_kind::directory)
    purge(r, path); // was a directory here; the master now has a file
  r.staged_files.push_back(staged{std::move(download), path, mtime, as_listed ? listed.etag : std::nullopt, bytes});
  r.staged_bytes += bytes;
  if(r.staged_files.size() >= staged_files_max || r.staged_bytes >= staged_bytes_max)
    place_staged(r);
}

template<env::UpstreamEnvironment E>
void
walker<E>::place_staged(run& r)
{
  if(r.staged_files.empty())
    return;
  auto batch = std::exchange(r.staged_files, {});
  r.staged_bytes = 0;
  if(auto ec = env_.fs().sync_all()) {
    trouble(r, "making " + std::to_string(batch.size()) + " fetched files durable: " + ec.message());
    return; // their temp files go with them: the next walk fetches them again
  }
  for(auto& s : batch) {
    if(auto ec = local_.install(s.download, s.path, s.mtime, s.tag, cache::store<E>::durability::by_caller)) {
      trouble(r, "storing " + detail::shown(s.path, false) + ": " + ec.message());
      continue;
    }
    r.unsettled = true;
    ++r.stats.fetched;
    r.stats.bytes += s.bytes;
  }
}

template<env::UpstreamEnvironment E>
void
walker<E>::settle(run& r)
{
  place_staged(r);
  if(std::exchange(r.unsettled, false))
    if(auto ec = env_.fs().sync_all())
      trouble(r, "making the fetched files durable: " + ec.message());
}

template<env::UpstreamEnvironment E>
void
walker<E>::purge_local(run& r, const core::repo_path& dir, const std::string& name)
{
  auto const orphan = dir.store().child(name);
  if(! orphan) {
    trouble(r, "a local name in " + detail::shown(dir, true) + " is not a path: " + orphan.error().message());
    return;
  }
  auto const removed = local_.purge_tree(*orphan);
  if(! removed) {
    trouble(r, "purging /" + std::string(orphan->str()) + ": " + removed.error().message());
    return;
  }
  r.stats.purged += *removed;
}

template<env::UpstreamEnvironment E>
void
walker<E>::purge(run& r, const core::repo_path& p)
{
  if(p.is_root()) {
    // The master shows this bearer nothing at all: empty the tree, keep the mirror's own files.
    auto const here = env_.fs().list(p);
    if(! here) {
      trouble(r, "listing the local copy of /: " + here.error().message());
      return;
    }
    for(auto const& name : plan_directory(core::listing{p, {}}, *here).orphans)
      purge_local(r, p, name);
    return;
  }
  auto const removed = local_.purge_tree(p);
  if(! removed) {
    trouble(r, "purging " + detail::shown(p, false) + ": " + removed.error().message());
    return;
  }
  r.stats.purged += *removed;
}

template<env::UpstreamEnvironment E>
template<class Sink, class Request>
boost::asio::awaitable<result<env::upstream_response>>
walker<E>::download(run& r, const core::repo_path& p, download_into<Sink>& into, std::uint64_t bytes_max, Request request)
{
  co_return co_await ask_with_retries(r, p, [&]() -> boost::asio::awaitable<result<env::upstream_response>> {
    // Each attempt downloads afresh: a body cut short is dropped with its temp file.
    into.sink.reset();
    into.file.reset();
    auto temp = local_.begin_download();
    if(! temp) {
      into.spool_failed = temp.error();
      co_return into.spool_failed;
    }
    into.file.emplace(std::move(*temp));
    into.sink.emplace(*into.file, bytes_max);
    co_return co_await env_.transport().round_trip(request(), *into.sink);
  });
}

template<env::UpstreamEnvironment E>
template<class Ask>
boost::asio::awaitable<result<env::upstream_response>>
walker<E>::ask_with_retries(run& r, const core::repo_path& p, Ask ask)
{
  namespace http = boost::beast::http;
  for(unsigned attempt = 0;; ++attempt) {
    ++r.stats.requests;
    auto answer = co_await ask();
    std::optional<unsigned> status;
    if(answer)
      status = static_cast<unsigned>(answer->status);
    bool const oversized = ! answer && answer.error() == errc::too_large;
    if(attempt >= config_.retries || stopped_ || r.halted || ! worth_retrying(status, oversized))
      co_return answer;
    auto const now = env_.clock().now();
    std::optional<env::duration> after;
    if(answer)
      if(auto it = answer->headers.find(http::field::retry_after); it != answer->headers.end())
        after = parse_retry_after(it->value(), now);
    ++r.stats.retries;
    co_await env_.clock().sleep_until(now + retry_delay(attempt, after, detail::jitter(p, attempt, r.started), config_));
  }
}

template<env::UpstreamEnvironment E>
void
walker<E>::trouble(run& r, std::string detail)
{
  r.stats.complete = false;
  ++r.stats.failed;
  tell(walk_step::trouble, r, std::move(detail));
}

template<env::UpstreamEnvironment E>
void
walker<E>::no_answer(run& r, error_code ec, std::string detail)
{
  // A malformed, cut-short or oversized answer is about this one request;
  // anything else (unreachable, timed out) says the master cannot be asked.
  if(ec != errc::protocol_error && ec != errc::too_large)
    r.halted = true;
  trouble(r, std::move(detail));
}

template<env::UpstreamEnvironment E>
void
walker<E>::tell(walk_step step, const run& r, std::string detail)
{
  if(listener_)
    listener_(walk_event{step, r.subtree, r.stats, std::move(detail)});
}

} // namespace zddc::mirror
