#include "sim/checkers/name_encoding.hpp"

#include <zddc/core/listing.hpp>
#include <zddc/core/url_target.hpp>

#include <boost/url/pct_string_view.hpp>

namespace zddc::sim {

namespace http = boost::beast::http;

namespace {

std::string
shown(const core::store_path& dir, std::string_view name)
{
  std::string s = "/";
  s += dir.str();
  if(! dir.is_root())
    s += '/';
  s += name;
  return s;
}

} // namespace

name_encoding::name_encoding(master_node& master, std::vector<caching_node*> nodes)
  : checker("encoding"), nodes_(std::move(nodes))
{
  auto const start = master.disk().snapshot();
  for(auto const& [path, bytes] : start.files)
    if(auto p = core::store_path::parse(path))
      learn(*p);
  for(auto const& dir : start.dirs)
    if(auto p = core::store_path::parse(dir))
      learn(*p);
}

caching_node*
name_encoding::caching(const node* n) const
{
  for(auto* c : nodes_)
    if(c == n)
      return c;
  return nullptr;
}

void
name_encoding::learn(const core::store_path& p)
{
  for(auto at = p; ! at.is_root(); at = at.parent())
    if(! known_.emplace(at.str()).second)
      break; // its ancestors are known already
}

void
name_encoding::on_delivered(const exchange& x)
{
  auto const target = core::decode(x.target);
  if(! target)
    return; // refused by every server; names nothing
  learn(target->path);
  auto const again = core::decode(core::encode(target->path, target->form));
  if(! again || again->path != target->path) {
    fail("the target " + std::string(x.target.str()) + " decodes to " + shown(target->path, "") +
         ", which does not survive encoding and decoding again");
  }
}

void
name_encoding::on_external_change(const external_change& c)
{
  learn(c.path);
}

void
name_encoding::on_served(const exchange& x)
{
  auto* n = caching(x.to);
  if(! n)
    return;
  auto const target = core::decode(x.target);
  if(! target)
    return;
  // Every directory on the way down, so that an artefact high up (a whole
  // directory stored under an encoded name) is seen whatever was asked for.
  std::vector<core::store_path> way{core::store_path()};
  for(auto at = target->path.store(); ! at.is_root(); at = at.parent())
    way.insert(way.begin() + 1, at);
  for(auto const& dir : way) {
    auto const st = n->disk().stat(dir);
    if(! st || st->kind != env::file_kind::directory)
      break;
    check_directory(*n, dir, false);
  }
  if(x.method == http::verb::get && x.response.status == http::status::ok &&
     target->form == core::target_form::directory)
    check_listing(x, target->path);
}

void
name_encoding::on_restart(const node& n)
{
  if(auto* c = caching(&n))
    scan(*c);
}

void
name_encoding::at_end()
{
  for(auto* c : nodes_)
    scan(*c);
}

void
name_encoding::scan(caching_node& n)
{
  check_directory(n, core::store_path(), true);
}

void
name_encoding::check_directory(caching_node& n, const core::store_path& dir, bool deep)
{
  auto const entries = n.disk().list(dir);
  if(! entries)
    return; // gone, or the disk is down: nothing to judge
  for(auto const& e : *entries) {
    if(core::is_reserved_name(e.name))
      continue; // the role's own: outbox, spool, listings, state, temp files
    auto const child = dir.child(e.name);
    if(! child) {
      fail(n.name() + "'s disk holds " + shown(dir, e.name) + ", which is not a valid name: " +
           child.error().message());
      return;
    }
    if(! known_.contains(child->str())) {
      std::string why = n.name() + "'s disk holds " + shown(dir, e.name) + ", a name no one ever used";
      if(auto const pct = boost::urls::make_pct_string_view(e.name); pct && pct->decoded_size() != e.name.size()) {
        auto const decoded = pct->decode();
        why += ": a percent-encoded artefact of " + shown(dir, decoded);
        if(auto const original = dir.child(decoded); original && known_.contains(original->str()))
          why += " (a name the master has or had)";
      }
      fail(std::move(why));
      return;
    }
    if(deep && e.stat.kind == env::file_kind::directory)
      check_directory(n, *child, true);
  }
}

void
name_encoding::check_listing(const exchange& x, const core::repo_path& dir)
{
  auto const l = core::listing_from_json(x.response.body, dir);
  if(! l)
    return; // an HTML listing: the JSON one is what a program reads
  for(auto const& e : l->entries) {
    auto const child = dir.child(e.name);
    if(! child || ! known_.contains(child->str())) {
      fail(x.to->name() + " listed " + shown(dir, e.name) + " in " + std::string(x.target.str()) +
           ", a name no one ever used");
      return;
    }
  }
}

} // namespace zddc::sim
