#pragma once
// Implementation of mirror/state.hpp.

#include <zddc/core/json_fields.hpp>
#include <zddc/mirror/config.hpp>

namespace zddc::mirror {

namespace detail {

inline boost::json::object
stats_to_json(const walk_stats& w)
{
  boost::json::object o;
  o["complete"] = w.complete;
  o["dirs"] = w.dirs;
  o["files"] = w.files;
  o["fetched"] = w.fetched;
  o["unchanged"] = w.unchanged;
  o["purged"] = w.purged;
  o["failed"] = w.failed;
  o["retries"] = w.retries;
  o["requests"] = w.requests;
  o["bytes"] = w.bytes;
  o["duration_ns"] = w.duration.count();
  return o;
}

inline result<walk_stats>
stats_from_json(const boost::json::object& o)
{
  namespace jf = core::json_fields;
  walk_stats w;
  auto const complete = jf::required_bool(o, "complete");
  auto const duration_ns = jf::required_integer(o, "duration_ns");
  if(! complete || ! duration_ns || *duration_ns < 0)
    return error_code(errc::protocol_error);
  w.complete = *complete;
  w.duration = env::duration(*duration_ns);
  for(auto [key, out] : {std::pair{"dirs", &w.dirs}, {"files", &w.files}, {"fetched", &w.fetched},
                         {"unchanged", &w.unchanged}, {"purged", &w.purged}, {"requests", &w.requests},
                         {"bytes", &w.bytes}}) {
    auto const n = jf::required_count(o, key);
    if(! n)
      return n.error();
    *out = *n;
  }
  for(auto [key, out] : {std::pair{"failed", &w.failed}, {"retries", &w.retries}}) { // since the retries
    auto const n = jf::optional_count(o, key);
    if(! n)
      return n.error();
    *out = n->value_or(0);
  }
  return w;
}

inline std::int64_t
ns(env::time_point t)
{
  return t.time_since_epoch().count();
}

} // namespace detail

inline std::string
to_json(const mirror_state& s)
{
  boost::json::object subtrees;
  for(auto const& [path, record] : s.subtrees) {
    boost::json::object r;
    r["last_attempt_ns"] = detail::ns(record.last_attempt);
    if(record.last_complete)
      r["last_complete_ns"] = detail::ns(*record.last_complete);
    r["failures"] = record.failures;
    r["last"] = detail::stats_to_json(record.last);
    subtrees["/" + std::string(path.str())] = std::move(r);
  }
  boost::json::object o;
  o["subtrees"] = std::move(subtrees);
  return boost::json::serialize(o);
}

inline result<mirror_state>
state_from_json(std::string_view json)
{
  namespace jf = core::json_fields;
  boost::json::error_code jec;
  auto const doc = boost::json::parse(json, jec);
  if(jec || ! doc.is_object())
    return error_code(errc::protocol_error);
  auto const subtrees = jf::required_object(doc.get_object(), "subtrees");
  if(! subtrees)
    return subtrees.error();
  mirror_state s;
  for(auto const& [key, value] : **subtrees) {
    auto const path = parse_subtree(key);
    auto const* r = value.if_object();
    if(! path || ! key.starts_with('/') || ! r)
      return error_code(errc::protocol_error);
    auto const last = jf::required_object(*r, "last");
    if(! last)
      return last.error();
    auto stats = detail::stats_from_json(**last);
    if(! stats)
      return stats.error();
    subtree_record record;
    record.last = *stats;
    auto const time_field = [&](std::string_view field) -> result<env::time_point> {
      auto const n = jf::required_integer(*r, field);
      if(! n || *n < 0)
        return error_code(errc::protocol_error);
      return env::time_point(env::duration(*n));
    };
    if(r->contains("last_attempt_ns")) {
      auto const attempt = time_field("last_attempt_ns");
      auto const failures = jf::optional_count(*r, "failures");
      if(! attempt || ! failures)
        return error_code(errc::protocol_error);
      record.last_attempt = *attempt;
      record.failures = failures->value_or(0);
      if(r->contains("last_complete_ns")) {
        auto const complete = time_field("last_complete_ns");
        if(! complete)
          return complete.error();
        record.last_complete = *complete;
      }
    } else { // a state file from before attempts and complete walks were told apart
      auto const walk = time_field("last_walk_ns");
      if(! walk)
        return walk.error();
      record.last_attempt = *walk;
      if(record.last.complete)
        record.last_complete = record.last_attempt;
      else
        record.failures = 1;
    }
    s.subtrees.emplace(*path, record);
  }
  return s;
}

} // namespace zddc::mirror
