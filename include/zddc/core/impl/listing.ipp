#pragma once

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>

namespace zddc::core {

inline std::string
to_json(const listing& l)
{
  ZDDC_ASSERT(std::is_sorted(l.entries.begin(), l.entries.end(),
                             [](auto const& a, auto const& b) { return a.name < b.name; }));
  boost::json::array entries;
  entries.reserve(l.entries.size());
  for(auto const& e : l.entries) {
    boost::json::object o;
    o["name"] = e.name;
    o["type"] = e.kind == file_kind::directory ? "directory" : "file";
    o["size"] = e.size;
    o["mtime_ns"] = e.mtime.time_since_epoch().count();
    if(e.etag)
      o["etag"] = e.etag->to_string();
    entries.push_back(std::move(o));
  }
  boost::json::object root;
  root["path"] = encode(l.dir, target_form::directory).str();
  root["entries"] = std::move(entries);
  return boost::json::serialize(root);
}

inline result<listing>
listing_from_json(std::string_view json, const repo_path& dir)
{
  auto const bad = error_code(errc::protocol_error);
  boost::json::error_code jec;
  auto const value = boost::json::parse(json, jec);
  if(jec || ! value.is_object())
    return bad;
  auto const* entries = value.as_object().if_contains("entries");
  if(! entries || ! entries->is_array())
    return bad;
  listing out{dir, {}};
  out.entries.reserve(entries->as_array().size());
  for(auto const& item : entries->as_array()) {
    auto const* o = item.if_object();
    if(! o)
      return bad;
    auto const* name = o->if_contains("name");
    auto const* type = o->if_contains("type");
    auto const* size = o->if_contains("size");
    auto const* mtime = o->if_contains("mtime_ns");
    if(! name || ! name->is_string() || ! type || ! type->is_string() || ! size || ! mtime)
      return bad;
    listing_entry e;
    e.name = std::string(name->as_string());
    if(auto ec = validate_segment(e.name, false))
      return ec;
    if(type->as_string() == "directory")
      e.kind = file_kind::directory;
    else if(type->as_string() == "file")
      e.kind = file_kind::regular;
    else
      return bad;
    boost::json::error_code size_ec, mtime_ec; // each conversion resets its code
    auto const size_v = size->to_number<std::uint64_t>(size_ec);
    auto const mtime_v = mtime->to_number<std::int64_t>(mtime_ec);
    if(size_ec || mtime_ec)
      return bad;
    e.size = size_v;
    e.mtime = time_point(duration(mtime_v));
    if(auto const* tag = o->if_contains("etag")) {
      if(! tag->is_string())
        return bad;
      e.etag = entity_tag::parse(tag->as_string());
      if(! e.etag)
        return bad;
    }
    out.entries.push_back(std::move(e));
  }
  std::sort(out.entries.begin(), out.entries.end(),
            [](auto const& a, auto const& b) { return a.name < b.name; });
  auto const dup = std::adjacent_find(out.entries.begin(), out.entries.end(),
                                      [](auto const& a, auto const& b) { return a.name == b.name; });
  if(dup != out.entries.end())
    return bad;
  return out;
}

inline entity_tag
listing_etag(const listing& l)
{
  sha256 h;
  h.update(to_json(l));
  return content_etag(h.finish());
}

} // namespace zddc::core
