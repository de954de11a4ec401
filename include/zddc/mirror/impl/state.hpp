#pragma once
// Implementation of mirror/state.hpp.

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
  o["requests"] = w.requests;
  o["bytes"] = w.bytes;
  o["duration_ns"] = w.duration.count();
  return o;
}

/// Reads a non-negative integer field into `out`; false when it is not one.
template<class T>
bool
read_count(const boost::json::object& o, std::string_view key, T& out)
{
  auto const* v = o.if_contains(key);
  if(! v)
    return false;
  if(auto const* u = v->if_uint64()) {
    out = static_cast<T>(*u);
    return true;
  }
  if(auto const* i = v->if_int64(); i && *i >= 0) {
    out = static_cast<T>(*i);
    return true;
  }
  return false;
}

inline bool
stats_from_json(const boost::json::object& o, walk_stats& w)
{
  auto const* complete = o.if_contains("complete");
  if(! complete || ! complete->is_bool())
    return false;
  w.complete = complete->get_bool();
  std::int64_t duration_ns = 0;
  if(! read_count(o, "duration_ns", duration_ns))
    return false;
  w.duration = env::duration(duration_ns);
  return read_count(o, "dirs", w.dirs) && read_count(o, "files", w.files) && read_count(o, "fetched", w.fetched) &&
         read_count(o, "unchanged", w.unchanged) && read_count(o, "purged", w.purged) &&
         read_count(o, "requests", w.requests) && read_count(o, "bytes", w.bytes);
}

} // namespace detail

inline std::string
to_json(const mirror_state& s)
{
  boost::json::object subtrees;
  for(auto const& [path, record] : s.subtrees) {
    boost::json::object r;
    r["last_walk_ns"] = record.last_walk.time_since_epoch().count();
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
  boost::json::error_code jec;
  auto const doc = boost::json::parse(json, jec);
  if(jec || ! doc.is_object())
    return error_code(errc::protocol_error);
  auto const* subtrees = doc.get_object().if_contains("subtrees");
  if(! subtrees || ! subtrees->is_object())
    return error_code(errc::protocol_error);
  mirror_state s;
  for(auto const& [key, value] : subtrees->get_object()) {
    auto const path = parse_subtree(key);
    auto const* r = value.if_object();
    if(! path || ! key.starts_with('/') || ! r)
      return error_code(errc::protocol_error);
    subtree_record record;
    std::int64_t last_walk_ns = 0;
    auto const* last = r->if_contains("last");
    if(! detail::read_count(*r, "last_walk_ns", last_walk_ns) || ! last || ! last->is_object() ||
       ! detail::stats_from_json(last->get_object(), record.last))
      return error_code(errc::protocol_error);
    record.last_walk = env::time_point(env::duration(last_walk_ns));
    s.subtrees.emplace(*path, record);
  }
  return s;
}

} // namespace zddc::mirror
