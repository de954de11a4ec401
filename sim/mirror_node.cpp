#include "sim/mirror_node.hpp"

#include "sim/node_filesystem.hpp"
#include "sim/role_events.hpp"
#include "sim/upstream_env.hpp"

#include <zddc/env/memory_bodies.hpp>
#include <zddc/mirror/handler.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/rfc/pchars.hpp>

#include <limits>
#include <span>

namespace zddc::sim {

namespace {

/// The disk of `keys_disk_by_encoded_name`: each segment of every path is
/// stored under its URL percent-encoding (Boost.URL's, as a request target
/// spells it), but `list()` returns the names on disk as they are — the
/// seed's walker, which keyed its disk by the encoded child URL and then
/// compared `os.ReadDir` with the decoded listing. A segment that already
/// is the encoding of its decoded form is its own key, so a name taken from
/// `list()` reaches the file it names, as `os.Remove` did in the seed.
class encoded_name_filesystem {
public:
  using reader_type = node_filesystem::reader_type;

  class writer_type {
  public:
    /// The temp file's path as its user named it: the directory it gave, decoded.
    const core::store_path& path() const noexcept { return path_; }
    error_code write(std::span<const std::byte> bytes) { return inner_.write(bytes); }
    error_code sync() { return inner_.sync(); }

  private:
    friend class encoded_name_filesystem;
    writer_type(node_filesystem::writer_type inner, core::store_path path)
      : inner_(std::move(inner)), path_(std::move(path))
    {
    }
    node_filesystem::writer_type inner_;
    core::store_path path_;
  };

  explicit encoded_name_filesystem(node_filesystem inner) : inner_(std::move(inner)) {}
  encoded_name_filesystem(encoded_name_filesystem&&) = default; // only before any writer exists

  result<env::file_stat>
  stat(const core::store_path& p)
  {
    auto const e = encoded(p);
    return e ? inner_.stat(*e) : result<env::file_stat>(e.error());
  }
  result<reader_type>
  open_read(const core::store_path& p)
  {
    auto const e = encoded(p);
    return e ? inner_.open_read(*e) : result<reader_type>(e.error());
  }
  result<std::vector<env::dir_entry>>
  list(const core::store_path& d)
  {
    auto const e = encoded(d);
    return e ? inner_.list(*e) : result<std::vector<env::dir_entry>>(e.error()); // names as on disk: the bug
  }
  error_code
  rename(const core::store_path& a, const core::store_path& b)
  {
    auto const from = encoded(a);
    auto const to = encoded(b);
    if(! from || ! to)
      return from ? to.error() : from.error();
    return inner_.rename(*from, *to);
  }
  error_code remove(const core::store_path& p) { return apply(p, [&](auto const& e) { return inner_.remove(e); }); }
  error_code make_dir(const core::store_path& p) { return apply(p, [&](auto const& e) { return inner_.make_dir(e); }); }
  error_code sync_dir(const core::store_path& d) { return apply(d, [&](auto const& e) { return inner_.sync_dir(e); }); }
  error_code
  set_mtime(const core::store_path& p, env::time_point t)
  {
    return apply(p, [&](auto const& e) { return inner_.set_mtime(e, t); });
  }

  result<writer_type>
  create_temp(const core::store_path& dir)
  {
    auto const e = encoded(dir);
    if(! e)
      return e.error();
    auto w = inner_.create_temp(*e);
    if(! w)
      return w.error();
    auto decoded = dir.child(w->path().name()); // a temp name needs no encoding
    if(! decoded)
      return decoded.error();
    return writer_type(std::move(*w), std::move(*decoded));
  }

private:
  static result<core::store_path>
  encoded(const core::store_path& p)
  {
    std::string joined;
    std::string_view rest = p.str();
    while(! rest.empty()) {
      auto const slash = rest.find('/');
      if(! joined.empty())
        joined += '/';
      auto const segment = rest.substr(0, slash);
      auto const pct = boost::urls::make_pct_string_view(segment);
      if(pct && pct->decoded_size() != segment.size() &&
         boost::urls::encode(pct->decode(), boost::urls::pchars) == segment)
        joined += segment; // already encoded: a name as `list()` gave it
      else
        joined += boost::urls::encode(segment, boost::urls::pchars);
      if(slash == std::string_view::npos)
        break;
      rest.remove_prefix(slash + 1);
    }
    return core::store_path::parse(joined);
  }

  template<class Op>
  error_code
  apply(const core::store_path& p, Op&& op)
  {
    auto const e = encoded(p);
    return e ? op(*e) : e.error();
  }

  node_filesystem inner_;
};

static_assert(env::Filesystem<encoded_name_filesystem>);

/// A mirror's role: a cache's, and its walks.
class mirror_role : public caching_role {
public:
  virtual boost::asio::awaitable<std::optional<mirror::walk_stats>> walk_now(core::repo_path subtree) = 0;
  virtual bool walking(const core::repo_path& subtree) = 0;
};

template<class Env>
class role_over final : public mirror_role {
public:
  role_over(Env env, cache::config cache_settings, mirror::config config, boost::asio::any_io_executor executor,
            cache::replay_listener replays, mirror::walk_listener walks)
    : env_(std::move(env)),
      handler_(env_, std::move(cache_settings), std::move(config), std::move(executor), std::move(replays), std::move(walks))
  {
  }
  boost::asio::awaitable<served>
  serve(core::request& req) override
  {
    auto r = co_await handler_.handle(req);
    co_return materialize(std::move(r));
  }
  error_code
  open() override
  {
    if(auto ec = handler_.open())
      return ec;
    // A state file that does not parse is replaced, not fatal, for the
    // role; but a crash must never leave one (DESIGN.md §4, invariant 6).
    if(auto ec = handler_.walks().state_problem())
      return ec;
    auto all = handler_.cache().box().all(); // every outbox entry must parse
    return all ? error_code() : all.error();
  }
  boost::asio::awaitable<void> replay_loop() override { return handler_.cache().replay().run(); }
  void
  stop() override
  {
    handler_.cache().replay().stop();
    handler_.walks().stop();
  }
  std::size_t pending() override { return handler_.cache().box().pending_count(); }
  boost::asio::awaitable<std::optional<mirror::walk_stats>>
  walk_now(core::repo_path subtree) override
  {
    return handler_.walks().walk_now(std::move(subtree));
  }
  bool walking(const core::repo_path& subtree) override { return handler_.walks().in_flight(subtree); }

private:
  Env env_;
  mirror::handler<Env> handler_;
};

template<class Filesystem, class Transport = network::endpoint>
using mirror_env = upstream_env<clock_ref, Filesystem, Transport>;

/// The transport of `purges_when_a_listing_fails`: a listing request
/// answered with a 5xx comes back as a 200 with an empty listing.
class failure_as_empty_listing {
public:
  explicit failure_as_empty_listing(network::endpoint inner) : inner_(std::move(inner)) {}

  boost::asio::awaitable<result<env::upstream_response>>
  round_trip(env::upstream_request req, env::body_sink& sink)
  {
    bool const listing = req.target.encoded_path().ends_with('/');
    auto const target = std::string(req.target.encoded_path());
    env::string_sink held(std::numeric_limits<std::size_t>::max()); // the body waits for the status
    auto r = co_await inner_.round_trip(std::move(req), held);
    std::string body = held.take();
    if(r && listing && static_cast<unsigned>(r->status) >= 500) {
      r->status = boost::beast::http::status::ok;
      r->headers = {};
      body = R"({"path":")" + target + R"(","entries":[]})";
    }
    if(auto ec = sink.write(std::as_bytes(std::span(body.data(), body.size()))); ec && r)
      co_return ec;
    co_return r;
  }

private:
  network::endpoint inner_;
};

} // namespace

mirror_node::mirror_node(std::string name, boost::asio::any_io_executor executor, virtual_clock& clock, trace& log,
                         network& net, node& master, cache::config cache_settings, mirror::config config,
                         mirror_variant variant)
  : caching_node(std::move(name), std::move(executor), clock, log, net, master), cache_settings_(std::move(cache_settings)),
    config_(std::move(config)), variant_(variant)
{
  if(variant_ == mirror_variant::no_retries)
    config_.retries = 0;
  if(variant_ == mirror_variant::incomplete_walk_holds_the_interval)
    config_.retry_interval = config_.min_interval;
  if(variant_ == mirror_variant::vouches_early)
    config_.tree = config_.vouch_early = true;
  mark_down(); // restart() brings up the first incarnation
  (void)restart();
}

mirror_node::~mirror_node() = default;

error_code
mirror_node::restart()
{
  revive();
  auto replays = [this](const cache::replay_event& e) { trace_.record(name(), describe(e)); };
  auto walks = [this, current = node::incarnation()](const mirror::walk_event& e) {
    trace_.record(name(), describe(e));
    if(walk_listener_ && node::incarnation() == current)
      walk_listener_(e);
  };
  node_filesystem fs(disk_, *this, [this] { crash(); });
  fs.on_remove([this](const core::store_path& p, env::file_kind k) {
    if(removal_listener_)
      removal_listener_(p, k);
  });
  auto const endpoint = net_.connect(*this, master_);
  std::unique_ptr<caching_role> role;
  if(variant_ == mirror_variant::purges_when_a_listing_fails)
    role = std::make_unique<role_over<mirror_env<node_filesystem, failure_as_empty_listing>>>(
      mirror_env<node_filesystem, failure_as_empty_listing>{clock_ref(clock_), std::move(fs),
                                                            failure_as_empty_listing(endpoint)},
      cache_settings_, config_, executor_, replays, walks);
  else if(variant_ == mirror_variant::keys_disk_by_encoded_name)
    role = std::make_unique<role_over<mirror_env<encoded_name_filesystem>>>(
      mirror_env<encoded_name_filesystem>{clock_ref(clock_), encoded_name_filesystem(std::move(fs)), endpoint},
      cache_settings_, config_, executor_, replays, walks);
  else
    role = std::make_unique<role_over<mirror_env<node_filesystem>>>(
      mirror_env<node_filesystem>{clock_ref(clock_), std::move(fs), endpoint}, cache_settings_, config_, executor_,
      replays, walks);
  return launch(std::move(role));
}

boost::asio::awaitable<std::optional<mirror::walk_stats>>
mirror_node::walk_now(core::repo_path subtree)
{
  return static_cast<mirror_role&>(current()).walk_now(std::move(subtree)); // a mirror launches only mirror roles
}

bool
mirror_node::walking(const core::repo_path& subtree) const
{
  return has_incarnation() && static_cast<mirror_role&>(current()).walking(subtree);
}

} // namespace zddc::sim
