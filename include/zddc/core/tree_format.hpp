#pragma once
/// @file
/// The answer to `GET <dir>/?tree` (a whole subtree's listings in one
/// response), as the master writes it and a mirror reads it. JSON Lines
/// (`application/x-ndjson`): one JSON text per line.
///
///     {"path":"/A/","tree":"\"9f86d0...\"","base":null}   // the head
///     {"path":"/A/","entries":[...]}                      // a listing, exactly as
///     {"path":"/A/B/","entries":[...]}                    //   GET <that dir>/ answers it
///     {"end":true,"directories":2}                        // the end
///
/// `tree` is the subtree's tree tag as the caller sees it (also the
/// response's ETag). With `base` null, every directory of the subtree the
/// caller may see follows. With `base` set to a tree tag the caller sent
/// (`?tree&since=<tag>`), only the directories whose listings differ from
/// what that tag described follow, new directories included; a removed
/// directory shows as its absence from its parent's listing. Parents come
/// before their subdirectories. A stream without its end line was cut
/// short and means nothing.

#include <zddc/core/etag.hpp>
#include <zddc/core/listing.hpp>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace zddc::core {

inline constexpr std::string_view tree_media_type = "application/x-ndjson";

/// The first line.
struct tree_head {
  repo_path dir;
  entity_tag tree;
  std::optional<entity_tag> base; // nullopt: the whole subtree follows

  friend bool operator==(const tree_head&, const tree_head&) = default;
};

/// The last line: how many listings came between.
struct tree_end {
  std::uint64_t directories = 0;

  friend bool operator==(const tree_end&, const tree_end&) = default;
};

using tree_line = std::variant<tree_head, listing, tree_end>;

/// The head line, with its newline.
inline std::string
tree_head_line(const tree_head& h)
{
  boost::json::object o;
  o["path"] = encode(h.dir, target_form::directory).str();
  o["tree"] = h.tree.to_string();
  if(h.base)
    o["base"] = h.base->to_string();
  else
    o["base"] = nullptr;
  return boost::json::serialize(o) + '\n';
}

/// A listing line, with its newline.
inline std::string
tree_listing_line(const listing& l)
{
  return to_json(l) + '\n';
}

/// The end line, with its newline.
inline std::string
tree_end_line(std::uint64_t directories)
{
  boost::json::object o;
  o["end"] = true;
  o["directories"] = directories;
  return boost::json::serialize(o) + '\n';
}

namespace detail {

/// The directory a line's "path" names: a directory-form target.
inline result<repo_path>
tree_line_dir(const boost::json::object& o)
{
  auto const* p = o.if_contains("path");
  if(! p || ! p->is_string())
    return errc::protocol_error;
  auto const target = url_target::parse(std::string_view(p->as_string()));
  if(! target || target->encoded_query())
    return errc::protocol_error;
  auto decoded = decode(*target);
  if(! decoded)
    return decoded.error();
  if(decoded->form != target_form::directory)
    return errc::protocol_error;
  return std::move(decoded->path);
}

inline result<entity_tag>
tree_line_tag(const boost::json::value& v)
{
  if(! v.is_string())
    return errc::protocol_error;
  auto tag = entity_tag::parse(std::string_view(v.as_string()));
  if(! tag || tag->weak())
    return errc::protocol_error;
  return std::move(*tag);
}

inline result<tree_line>
tree_head_from(const boost::json::object& o, repo_path dir)
{
  auto tree = tree_line_tag(o.at("tree"));
  if(! tree)
    return tree.error();
  tree_head h{std::move(dir), std::move(*tree), std::nullopt};
  auto const* base = o.if_contains("base");
  if(! base)
    return errc::protocol_error;
  if(! base->is_null()) {
    auto b = tree_line_tag(*base);
    if(! b)
      return b.error();
    h.base = std::move(*b);
  }
  return tree_line(std::move(h));
}

} // namespace detail

/// Parses one line (without its newline). Fails with `errc::protocol_error`
/// for anything that is none of the three, and with `path_errc` when a
/// listing names what is not a valid path or segment.
inline result<tree_line>
parse_tree_line(std::string_view line)
{
  boost::json::error_code jec;
  auto const value = boost::json::parse(line, jec);
  if(jec || ! value.is_object())
    return errc::protocol_error;
  auto const& o = value.as_object();
  if(auto const* end = o.if_contains("end")) {
    auto const* n = o.if_contains("directories");
    if(! end->is_bool() || ! end->as_bool() || ! n || ! n->is_number())
      return errc::protocol_error;
    boost::json::error_code nec;
    auto const count = n->to_number<std::uint64_t>(nec);
    if(nec)
      return errc::protocol_error;
    return tree_line(tree_end{count});
  }
  auto dir = detail::tree_line_dir(o);
  if(! dir)
    return dir.error();
  if(o.contains("tree"))
    return detail::tree_head_from(o, std::move(*dir));
  auto l = listing_from_json_value(value, *dir);
  if(! l)
    return l.error();
  return tree_line(std::move(*l));
}

} // namespace zddc::core
