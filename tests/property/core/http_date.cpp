#include <zddc/core/http_date.hpp>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace zddc::core {
namespace http_date_test {

RC_GTEST_PROP(http_date, format_then_parse_is_identity_at_second_resolution, ())
{
  // 1970-01-01 .. 2262-04-10 (the span of 64-bit nanoseconds), with a
  // random sub-second part.
  auto const secs = *rc::gen::inRange<std::int64_t>(0, 9'223'286'400);
  auto const nanos = *rc::gen::inRange<std::int64_t>(0, 1'000'000'000);
  auto const t = core::time_point(std::chrono::seconds(secs)) + std::chrono::nanoseconds(nanos);
  auto const text = format_http_date(t);
  auto const back = parse_http_date(text);
  RC_ASSERT(back.has_value());
  RC_ASSERT(*back == truncate_to_seconds(t));
  RC_ASSERT(text.size() == 29u);
}

} // namespace
} // namespace zddc::core
