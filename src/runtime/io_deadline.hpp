#pragma once
/// @file
/// A connection's deadline for the I/O it is waiting on, kept lazily.
///
/// Beast's `tcp_stream` arms its timer for every read and every write: on a
/// keep-alive connection that is two `timerfd_settime` calls and two timer
/// queue updates per request. Here setting a deadline stores a time point.
/// One timer per connection, armed for the earliest deadline it was asked
/// for, wakes at that time and either re-arms for the deadline now current
/// (the connection moved on) or, when that deadline has passed, closes the
/// socket: whatever the connection was waiting on fails, and `failure()`
/// turns that failure into `beast::error::timeout`. A connection busy with
/// requests pays one timer wake per timeout period, not two per request.
///
/// A deadline counts only while it is set (`within` scopes it to one wait):
/// time spent by the role between reads and writes is never cut short here.

#include <zddc/core/error.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>

#include <chrono>
#include <memory>

namespace zddc::runtime {

class io_deadline {
public:
  using clock = std::chrono::steady_clock;

  explicit io_deadline(boost::asio::ip::tcp::socket& socket)
    : state_(std::make_shared<state>(socket))
  {
  }
  io_deadline(const io_deadline&) = delete;
  io_deadline& operator=(const io_deadline&) = delete;

  /// Stops the timer; the socket is not touched after this.
  ~io_deadline()
  {
    state_->stopped = true;
    state_->timer.cancel();
  }

  /// Waits from now on must end within `timeout`.
  void
  expires_after(clock::duration timeout)
  {
    auto& s = *state_;
    s.at = clock::now() + timeout;
    if(! s.waiting)
      arm(state_);
    else if(s.at < s.armed)
      s.timer.cancel(); // wakes the timer to re-arm for the earlier time
  }

  /// No deadline: the connection is not waiting on I/O.
  void expires_never() { state_->at = clock::time_point::max(); }

  /// Sets `timeout` for the scope of the returned guard.
  class scope {
  public:
    explicit scope(io_deadline& d) : deadline_(d) {}
    scope(const scope&) = delete;
    scope& operator=(const scope&) = delete;
    ~scope() { deadline_.expires_never(); }

  private:
    io_deadline& deadline_;
  };
  [[nodiscard]] scope
  within(clock::duration timeout)
  {
    expires_after(timeout);
    return scope(*this);
  }

  /// Whether a deadline passed and the socket was closed for it.
  bool expired() const { return state_->expired; }

  /// `ec`, or `beast::error::timeout` when the failure is this deadline's.
  error_code
  failure(error_code ec) const
  {
    return ec && expired() ? error_code(boost::beast::error::timeout) : ec;
  }

  /// Ends the wait in progress now, as if its peer had nothing more to
  /// say (shutdown wakes idle connections so).
  void
  wake()
  {
    error_code ignored;
    state_->socket.cancel(ignored);
  }

  /// Whether the connection is between requests (shutdown wakes those).
  bool idle = false;

private:
  struct state {
    explicit state(boost::asio::ip::tcp::socket& s) : socket(s), timer(s.get_executor()) {}
    boost::asio::ip::tcp::socket& socket;
    boost::asio::steady_timer timer;
    clock::time_point at = clock::time_point::max();    // the deadline now
    clock::time_point armed = clock::time_point::max(); // what the timer waits for
    bool waiting = false;
    bool expired = false;
    bool stopped = false;
  };

  static void
  arm(const std::shared_ptr<state>& s)
  {
    s->armed = s->at;
    s->waiting = true;
    s->timer.expires_at(s->armed);
    s->timer.async_wait([s](error_code) { fired(*s, s); });
  }

  static void
  fired(state& s, const std::shared_ptr<state>& self)
  {
    s.waiting = false;
    if(s.stopped || s.at == clock::time_point::max())
      return; // the next expires_after arms again
    if(clock::now() < s.at) {
      arm(self); // moved later (or earlier) since this wait began
      return;
    }
    s.expired = true;
    error_code ignored;
    s.socket.close(ignored);
  }

  std::shared_ptr<state> state_;
};

} // namespace zddc::runtime
