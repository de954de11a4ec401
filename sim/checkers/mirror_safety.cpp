#include "sim/checkers/mirror_safety.hpp"

#include <zddc/core/listing.hpp>
#include <zddc/core/tree_format.hpp>
#include <zddc/mirror/plan.hpp>

namespace zddc::sim {

namespace http = boost::beast::http;

mirror_safety::mirror_safety(const node& master, std::vector<const mirror_node*> mirrors)
  : checker("mirror-safety"), master_(master)
{
  for(auto const* m : mirrors)
    mirrors_[m];
}

void
mirror_safety::on_served(const exchange& x)
{
  auto const it = mirrors_.find(x.from);
  if(it == mirrors_.end() || x.to != &master_)
    return;
  auto const target = core::decode(x.target);
  if(! target)
    return;
  auto& e = it->second;
  auto const& p = target->path;
  auto const status = static_cast<unsigned>(x.response.status);
  bool const directory = p.is_root() || target->form == core::target_form::directory;

  if(x.method == http::verb::delete_) {
    if((status >= 200 && status < 300) || status == 404)
      e.gone.insert(p); // the mirror's own deletion, done
    return;
  }
  if(x.method == http::verb::put) {
    if(status >= 200 && status < 300)
      e.gone.erase(p);
    return;
  }
  if(x.method != http::verb::get && x.method != http::verb::head)
    return;
  if(mirror::says_gone(status)) {
    e.gone.insert(p);
    e.listing.erase(p);
    return;
  }
  if(status != 200 && status != 304)
    return; // a 5xx, a redirect, ...: says nothing about what exists
  e.gone.erase(p);
  if(! directory)
    return;
  if(status == 304) {
    // The listing the mirror holds, whose tag it sent, is still current.
    auto const sent = x.request_headers.find(http::field::if_none_match);
    auto const known = e.by_tag.find(p);
    if(sent != x.request_headers.end() && known != e.by_tag.end())
      if(auto const l = known->second.find(std::string(sent->value())); l != known->second.end())
        e.listing[p] = l->second;
    return;
  }
  auto const type = x.response.headers.find(http::field::content_type);
  if(type != x.response.headers.end() && type->value().starts_with(core::tree_media_type)) {
    // A tree: every listing in it is as good as one asked for on its own.
    std::string_view rest = x.response.body;
    while(! rest.empty()) {
      auto const nl = rest.find('\n');
      if(auto line = core::parse_tree_line(rest.substr(0, nl)))
        if(auto* l = std::get_if<core::listing>(&*line))
          learn(e, *l);
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    }
    return;
  }
  if(auto const parsed = core::listing_from_json(x.response.body, p))
    learn(e, *parsed); // else an HTML page, or one the mirror refuses too
}

void
mirror_safety::learn(evidence& e, const core::listing& l)
{
  names seen;
  for(auto const& entry : l.entries)
    seen.emplace(entry.name, entry.kind);
  e.by_tag[l.dir][core::listing_tag(l, core::listing_format::json).to_string()] = seen;
  e.listing[l.dir] = std::move(seen);
}

bool
mirror_safety::justified(const evidence& e, const core::repo_path& p, env::file_kind kind) const
{
  // `p` itself, then each directory above it: one said gone is enough.
  auto at = p;
  auto at_kind = kind;
  for(;;) {
    if(e.gone.contains(at))
      return true;
    if(at.is_root())
      return false;
    auto const parent = at.parent();
    if(auto const l = e.listing.find(parent); l != e.listing.end()) {
      auto const listed = l->second.find(std::string(at.name()));
      if(listed == l->second.end() || listed->second != at_kind)
        return true; // the master's listing lacks it, or shows the other kind
    }
    at = parent;
    at_kind = env::file_kind::directory;
  }
}

void
mirror_safety::on_removed(const mirror_node& m, const core::store_path& p, env::file_kind kind)
{
  auto const it = mirrors_.find(&m);
  if(it == mirrors_.end())
    return;
  auto const path = core::repo_path::parse(p.str());
  if(! path)
    return; // the mirror's own files (.zddc*): its outbox, listings, spool and state
  ++judged_;
  if(! justified(it->second, *path, kind))
    fail(m.name() + " removed " + (kind == env::file_kind::directory ? "the directory /" : "/") +
         std::string(path->str()) +
         " although the master never said it was gone: no listing of its directory lacked it, and no "
         "403/404/410 for it or a directory above it");
}

} // namespace zddc::sim
