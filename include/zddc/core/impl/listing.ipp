#pragma once

#include <zddc/core/json_fields.hpp>
#include <zddc/core/naming.hpp>

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
    if(e.pending && e.pending->deletion)
      continue; // deleted, as far as the person who deleted it is concerned
    boost::json::object o;
    o["name"] = e.name;
    o["type"] = e.kind == file_kind::directory ? "directory" : "file";
    o["size"] = e.size;
    o["mtime_ns"] = e.mtime.time_since_epoch().count();
    if(e.etag)
      o["etag"] = e.etag->to_string();
    if(e.sha256)
      o["sha256"] = to_hex(*e.sha256);
    if(e.kind == file_kind::directory)
      if(auto t = parse_transmittal_name(e.name)) {
        boost::json::object parsed;
        parsed["date"] = format_date(t->date);
        parsed["tracking"] = t->tracking;
        parsed["status"] = format(t->status);
        parsed["title"] = t->title;
        o["transmittal"] = std::move(parsed);
      }
    if(e.pending)
      o["pending"] = e.pending->entry;
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
  boost::json::error_code jec;
  auto const value = boost::json::parse(json, jec);
  if(jec)
    return errc::protocol_error;
  return listing_from_json_value(value, dir);
}

inline result<listing>
listing_from_json_value(const boost::json::value& value, const repo_path& dir)
{
  auto const bad = error_code(errc::protocol_error);
  if(! value.is_object())
    return bad;
  namespace jf = json_fields;
  auto const entries = jf::required_array(value.as_object(), "entries");
  if(! entries)
    return bad;
  listing out{dir, {}};
  out.entries.reserve((*entries)->size());
  for(auto const& item : **entries) {
    auto const* o = item.if_object();
    if(! o)
      return bad;
    auto const name = jf::required_string(*o, "name");
    auto const type = jf::required_string(*o, "type");
    auto const size = jf::required_count(*o, "size");
    auto const mtime = jf::required_integer(*o, "mtime_ns");
    auto const tag = jf::optional_string(*o, "etag");
    auto const pending = jf::optional_string(*o, "pending");
    auto const digest = jf::optional_string(*o, "sha256");
    if(! name || ! type || ! size || ! mtime || ! tag || ! pending || ! digest)
      return bad;
    listing_entry e;
    e.name = std::string(*name);
    if(auto ec = validate_segment(e.name, false))
      return ec;
    if(*type == "directory")
      e.kind = file_kind::directory;
    else if(*type == "file")
      e.kind = file_kind::regular;
    else
      return bad;
    e.size = *size;
    e.mtime = time_point(duration(*mtime));
    if(*tag) {
      e.etag = entity_tag::parse(**tag);
      if(! e.etag)
        return bad;
    }
    if(*digest) {
      e.sha256 = digest_from_hex(**digest);
      if(! e.sha256 || ! e.etag || *e.etag != content_etag(*e.sha256))
        return bad; // a hash that is not the one the tag was made from
    }
    if(*pending)
      e.pending = pending_write{std::string(**pending), false};
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

inline entity_tag
listing_tag(const listing& l, listing_format f)
{
  std::string opaque(listing_etag(l).opaque());
  if(f == listing_format::html) {
    // Pending deletions are absent from the JSON but shown in HTML: they
    // must move the HTML form's tag too.
    sha256 deletions;
    bool any = false;
    for(auto const& e : l.entries)
      if(e.pending && e.pending->deletion) {
        deletions.update(e.name + '/' + e.pending->entry + '\n');
        any = true;
      }
    if(any)
      opaque += "-" + to_hex(deletions.finish(), 8);
  }
  auto tag = entity_tag::strong(opaque + (f == listing_format::json ? "-json" : "-html"));
  ZDDC_ASSERT(tag.has_value()); // hex digits, '-' and letters are valid opaque-tag characters
  return std::move(*tag);
}

} // namespace zddc::core
