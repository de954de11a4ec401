#include "sim/node_env.hpp"

#include <zddc/cache/config.hpp>
#include <zddc/env/memory_bodies.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/beast/http/field.hpp>

#include <limits>

namespace zddc::sim {

namespace http = boost::beast::http;

namespace {

boost::asio::awaitable<void>
sleep_through_cancellation(virtual_clock& clock, env::time_point t)
{
  co_await clock.async_sleep_until(
    t, boost::asio::bind_cancellation_slot(boost::asio::cancellation_slot(), boost::asio::use_awaitable));
}

} // namespace

boost::asio::awaitable<void>
node_clock::sleep_until(env::time_point t)
{
  if(sleeps_ == sleeps::uncancellable)
    return sleep_through_cancellation(*c_, t);
  return c_->sleep_until(t);
}

boost::asio::awaitable<result<env::upstream_response>>
node_transport::round_trip(env::upstream_request req, env::body_sink& sink)
{
  switch(misreading_) {
  case misreading::none:
    break;
  case misreading::failure_as_empty_listing:
    return misread_listing(std::move(req), sink);
  case misreading::replay_preconditions_dropped:
  case misreading::own_write_in_412:
  case misreading::refusal_as_success:
    return misread_replay(std::move(req), sink);
  }
  return inner_.round_trip(std::move(req), sink);
}

boost::asio::awaitable<result<env::upstream_response>>
node_transport::misread_replay(env::upstream_request req, env::body_sink& sink)
{
  bool const replay = req.headers.count(cache::outbox_entry_header) > 0;
  if(replay && misreading_ == misreading::replay_preconditions_dropped) {
    req.headers.erase(http::field::if_match);
    req.headers.erase(http::field::if_unmodified_since);
    req.headers.erase(http::field::if_none_match);
  }
  auto r = co_await inner_.round_trip(std::move(req), sink);
  if(! r || ! replay)
    co_return r;
  auto const status = static_cast<unsigned>(r->status);
  if(misreading_ == misreading::own_write_in_412 && status == 412)
    r->headers.erase(http::field::etag);
  if(misreading_ == misreading::refusal_as_success && status >= 400 && status < 500 && status != 401 &&
     status != 408 && status != 412 && status != 429 && status != 404)
    r->status = http::status::no_content;
  co_return r;
}

boost::asio::awaitable<result<env::upstream_response>>
node_transport::misread_listing(env::upstream_request req, env::body_sink& sink)
{
  bool const listing = req.target.encoded_path().ends_with('/');
  auto const target = std::string(req.target.encoded_path());
  env::string_sink held(std::numeric_limits<std::size_t>::max()); // the body waits for the status
  auto r = co_await inner_.round_trip(std::move(req), held);
  std::string body = held.take();
  if(r && listing && static_cast<unsigned>(r->status) >= 500) {
    r->status = http::status::ok;
    r->headers = {};
    body = R"({"path":")" + target + R"(","entries":[]})";
  }
  if(auto ec = sink.write(std::as_bytes(std::span(body.data(), body.size()))); ec && r)
    co_return ec;
  co_return r;
}

} // namespace zddc::sim
