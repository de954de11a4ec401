#include "sim/checkers/tree_tags.hpp"

#include <zddc/core/query.hpp>

#include <algorithm>

namespace zddc::sim {

namespace http = boost::beast::http;

tree_tags::tree_tags(master_node& master, const virtual_clock& clock)
  : checker("tree-tags"), master_(master), clock_(clock), afresh_(master.disk())
{
}

void
tree_tags::on_served(const exchange& x)
{
  auto const status = x.response.status;
  auto const query = x.target.encoded_query();
  if(x.to != &master_ || x.method != http::verb::get || ! query || ! core::query_value(*query, "tree") ||
     (status != http::status::ok && status != http::status::not_modified))
    return;
  check(std::string("answering GET ") + std::string(x.target.str()));
}

void
tree_tags::on_external_change(const external_change& c)
{
  if(c.where == &master_)
    check("an edit of /" + std::string(c.path.str()) + " on the master's disk");
}

void
tree_tags::at_end()
{
  check("the end of the run");
}

void
tree_tags::check(std::string_view after)
{
  if(! master_.up() || master_.disk().crashed())
    return; // the next incarnation starts from a full look
  ++checks_;
  auto const kept = master_.tree();
  auto const fresh = afresh_.current(clock_.now());
  if(! kept || ! fresh) {
    fail("after " + std::string(after) + ": a tree could not be built: " +
         (kept ? fresh.error() : kept.error()).message());
    return;
  }
  if((*kept)->tag != (*fresh)->tag)
    fail("after " + std::string(after) + ": the master's tree tag of / is " + (*kept)->tag.to_string() +
         ", but its disk now gives " + (*fresh)->tag.to_string() + ": its index missed a change " +
         first_difference(**kept, **fresh));
}

std::string
tree_tags::first_difference(const master::tree_node& kept, const master::tree_node& fresh)
{
  if(kept.listing != fresh.listing) {
    std::string out = "in the listing of /" + std::string(kept.listing.dir.str());
    for(auto const& e : fresh.listing.entries) {
      auto const it = std::ranges::find(kept.listing.entries, e.name, &core::listing_entry::name);
      if(it == kept.listing.entries.end())
        return out + " (" + e.name + " is missing)";
      if(*it != e)
        return out + " (" + e.name + ": kept " + (it->etag ? it->etag->to_string() : "-") + " size " +
               std::to_string(it->size) + ", disk " + (e.etag ? e.etag->to_string() : "-") + " size " +
               std::to_string(e.size) + ")";
    }
    return out + " (an entry too many)";
  }
  for(auto const& sub : fresh.subdirs)
    if(auto const k = kept.subdir(sub->listing.dir.name()); k && k->tag != sub->tag)
      return first_difference(*k, *sub);
  return "(nowhere in particular: the tags disagree, the listings do not)";
}

} // namespace zddc::sim
