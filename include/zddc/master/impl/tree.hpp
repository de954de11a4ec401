#pragma once
// Implementation of master/tree.hpp.

#include <zddc/core/sha256.hpp>

#include <algorithm>
#include <utility>

namespace zddc::master {
namespace detail {

/// "/" for the root, "/a/b/" below it: the key of a directory in the
/// index's change set, so that everything below a directory sorts right
/// after it (prefix order).
inline std::string
directory_key(const core::store_path& dir)
{
  std::string key = "/";
  if(! dir.is_root()) {
    key += dir.str();
    key += '/';
  }
  return key;
}

/// The tree tag over a listing's tag and its subdirectories' (name, tree tag).
template<class Subdirs>
core::entity_tag
tree_digest(const core::entity_tag& listing_tag, const Subdirs& subdirs)
{
  core::sha256 h;
  h.update(std::string_view("zddc-tree/1\n"));
  h.update(listing_tag.to_string());
  h.update(std::string_view("\n"));
  for(auto const& [name, tag] : subdirs) {
    h.update(name);
    h.update(std::string_view("\0", 1));
    h.update(tag.to_string());
    h.update(std::string_view("\n"));
  }
  return core::content_etag(h.finish());
}

/// Whether `who` sees entry `e` of directory `dir` (what a GET shows it).
inline bool
shows(const core::principal& who, const core::repo_path& dir, const core::listing_entry& e)
{
  auto const child = dir.child(e.name);
  if(! child || ! core::is_visible(who, *child))
    return false;
  return e.kind == core::file_kind::directory || core::may_read(who, *child);
}

/// The tag of `n`'s listing as `who` sees it.
inline core::entity_tag
view_listing_tag(const tree_node& n, const core::principal& who)
{
  if(core::may_read(who, n.listing.dir))
    return n.listing_tag;
  return core::listing_etag(visible_listing(n, who));
}

} // namespace detail

inline tree_ptr
tree_node::subdir(std::string_view name) const
{
  auto const it = std::ranges::lower_bound(subdirs, name, {}, [](const tree_ptr& s) { return s->listing.dir.name(); });
  if(it == subdirs.end() || (*it)->listing.dir.name() != name)
    return nullptr;
  return *it;
}

inline tree_ptr
make_tree_node(core::listing l, std::vector<tree_ptr> subdirs)
{
  auto listing_tag = core::listing_etag(l);
  std::vector<std::pair<std::string_view, const core::entity_tag&>> named;
  named.reserve(subdirs.size());
  for(auto const& s : subdirs)
    named.emplace_back(s->listing.dir.name(), s->tag);
  auto tag = detail::tree_digest(listing_tag, named);
  return std::make_shared<const tree_node>(
    tree_node{std::move(l), std::move(subdirs), std::move(listing_tag), std::move(tag)});
}

inline core::listing
visible_listing(const tree_node& n, const core::principal& who)
{
  if(core::may_read(who, n.listing.dir))
    return n.listing;
  core::listing out{n.listing.dir, {}};
  for(auto const& e : n.listing.entries)
    if(detail::shows(who, n.listing.dir, e))
      out.entries.push_back(e);
  return out;
}

inline core::entity_tag
view_tag(const tree_node& n, const core::principal& who)
{
  // Where `who` may read the whole directory it sees all of it, so the
  // computation below would only reproduce the stored tag.
  if(core::may_read(who, n.listing.dir))
    return n.tag;
  std::vector<std::pair<std::string_view, core::entity_tag>> named;
  for(auto const& s : n.subdirs)
    if(core::is_visible(who, s->listing.dir))
      named.emplace_back(s->listing.dir.name(), view_tag(*s, who));
  return detail::tree_digest(detail::view_listing_tag(n, who), named);
}

template<env::Filesystem F>
result<core::listing>
list_directory(F& fs, env::content_tags<F>& tags, const core::repo_path& dir, env::time_point now)
{
  auto entries = fs.list(dir);
  if(! entries)
    return entries.error();
  core::listing l{dir, {}};
  l.entries.reserve(entries->size());
  for(auto& e : *entries) {
    // Reserved names are the server's; names that are not valid segments
    // (bad UTF-8 written by hand on the server) cannot be addressed, so
    // they are not listed either.
    auto const child = dir.child(e.name);
    if(! child)
      continue;
    core::listing_entry item{std::move(e.name), e.stat.kind, e.stat.size, e.stat.mtime, std::nullopt};
    if(e.stat.kind == env::file_kind::regular) {
      auto version = tags.version_at(fs, *child, e.stat, now);
      if(! version)
        continue; // vanished or unreadable since the listing: not there
      item.etag = std::move(version->tag);
      item.sha256 = version->digest;
    } else {
      item.size = 0;
    }
    l.entries.push_back(std::move(item));
  }
  std::ranges::sort(l.entries, {}, &core::listing_entry::name);
  return l;
}

// --- tree_stream ---------------------------------------------------------------

inline tree_stream::tree_stream(core::tree_head head, tree_ptr now, tree_ptr base, core::principal who)
  : head_(std::move(head)), who_(std::move(who))
{
  stack_.reserve(core::repo_path_depth_max + 1);
  pending_root_ = {std::move(now), std::move(base)};
}

inline void
tree_stream::enter(tree_ptr now, tree_ptr base, std::string& out)
{
  bool changed = true;
  if(base) {
    if(view_tag(*base, who_) == view_tag(*now, who_))
      return; // nothing below differs
    changed = detail::view_listing_tag(*base, who_) != detail::view_listing_tag(*now, who_);
  }
  if(changed) {
    out += core::tree_listing_line(visible_listing(*now, who_));
    ++listings_;
  }
  stack_.push_back(frame{std::move(now), std::move(base), 0});
}

inline bool
tree_stream::next(std::string& out)
{
  static constexpr std::size_t piece_bytes = 64 * 1024;
  if(done_)
    return false;
  auto const start = out.size();
  if(! head_sent_) {
    out += core::tree_head_line(head_);
    head_sent_ = true;
    enter(std::move(pending_root_.first), std::move(pending_root_.second), out);
  }
  while(out.size() - start < piece_bytes) {
    if(stack_.empty()) {
      out += core::tree_end_line(listings_);
      done_ = true;
      return true;
    }
    auto& top = stack_.back();
    if(top.next_subdir == top.now->subdirs.size()) {
      stack_.pop_back();
      continue;
    }
    auto sub = top.now->subdirs[top.next_subdir++];
    if(! core::is_visible(who_, sub->listing.dir))
      continue;
    auto base = top.base ? top.base->subdir(sub->listing.dir.name()) : nullptr;
    enter(std::move(sub), std::move(base), out); // may grow the stack: `top` is not used after this
  }
  return true;
}

// --- tree_index ----------------------------------------------------------------

template<env::Filesystem F>
void
tree_index<F>::mark(const core::store_path& dir)
{
  // A reserved directory's contents show in no listing; its own creation
  // or removal is a change of its parent, reported as such.
  if(dir.has_reserved_segment())
    return;
  changed_.insert(detail::directory_key(dir));
  if(! dir.is_root())
    changed_.insert(detail::directory_key(dir.parent())); // its mtime shows there
}

template<env::Filesystem F>
void
tree_index<F>::touched(const core::repo_path& dir)
{
  // Every directory up to the root: a write may have made the ones above
  // it, which shows in their parents' listings.
  std::lock_guard lock(mutex_);
  for(auto d = dir;; d = d.parent()) {
    changed_.insert(detail::directory_key(d.store()));
    if(d.is_root())
      break;
  }
}

template<env::Filesystem F>
void
tree_index<F>::drain_changes()
{
  if constexpr(env::WatchedFilesystem<F>) {
    auto changes = fs_.take_changes();
    if(changes.everything)
      everything_ = true;
    for(auto const& d : changes.dirs)
      mark(d);
  } else {
    everything_ = true; // nothing says what changed: look at everything
  }
}

template<env::Filesystem F>
bool
tree_index<F>::changed_below(const std::string& key) const
{
  auto it = changed_.lower_bound(key);
  if(it != changed_.end() && *it == key)
    ++it;
  return it != changed_.end() && it->starts_with(key);
}

template<env::Filesystem F>
result<tree_ptr>
tree_index<F>::rebuild(const core::repo_path& dir, const tree_ptr& old, env::time_point now)
{
  auto const key = detail::directory_key(dir);
  bool const relist = everything_ || ! old || changed_.count(key);
  if(! relist && ! changed_below(key))
    return old;
  core::listing l{dir, {}};
  if(relist) {
    auto fresh = list_directory(fs_, tags_, dir, now);
    if(fresh) {
      l = std::move(*fresh);
    } else if((fresh.error() == errc::not_found || fresh.error() == errc::not_a_directory) && ! dir.is_root()) {
      // Gone since its parent was listed: its parent's change is on its way.
      retry_.insert(key);
      retry_.insert(detail::directory_key(dir.parent().store()));
    } else {
      return fresh.error(); // never an empty listing for one that failed
    }
  } else {
    l = old->listing;
  }
  std::vector<tree_ptr> subdirs;
  for(auto const& e : l.entries) {
    if(e.kind != core::file_kind::directory)
      continue;
    auto const child = dir.child(e.name);
    ZDDC_ASSERT(child.has_value()); // list_directory keeps valid names only
    auto sub = rebuild(*child, old ? old->subdir(e.name) : nullptr, now);
    if(! sub)
      return sub.error();
    subdirs.push_back(std::move(*sub));
  }
  if(old && old->listing == l && old->subdirs == subdirs)
    return old; // unchanged after all: keep sharing it
  return make_tree_node(std::move(l), std::move(subdirs));
}

template<env::Filesystem F>
result<tree_ptr>
tree_index<F>::current(env::time_point now)
{
  std::lock_guard lock(mutex_);
  drain_changes();
  if(root_ && ! everything_ && changed_.empty())
    return root_;
  retry_.clear();
  auto fresh = rebuild(core::repo_path(), root_, now);
  if(! fresh)
    return fresh.error(); // the marks stay: the next look tries again
  root_ = std::move(*fresh);
  changed_ = std::move(retry_);
  retry_.clear();
  everything_ = false;
  return root_;
}

template<env::Filesystem F>
core::entity_tag
tree_index<F>::view_tag_of(const tree_node& node, const core::principal& who)
{
  if(core::may_read(who, node.listing.dir))
    return node.tag;
  std::string key = core::grants_key(who);
  key += node.tag.opaque();
  std::lock_guard lock(mutex_);
  if(auto const it = views_.find(key); it != views_.end())
    return it->second;
  if(views_.size() >= views_max)
    views_.clear();
  return views_.emplace(std::move(key), view_tag(node, who)).first->second;
}

template<env::Filesystem F>
void
tree_index<F>::remember(const core::entity_tag& tag, tree_ptr node, const core::principal& who)
{
  std::lock_guard lock(mutex_);
  if(! journal_.empty() && journal_.back().tag == tag && journal_.back().grants == who.grants)
    return;
  journal_.push_back(served{tag, std::move(node), who.grants});
  while(journal_.size() > journal_max)
    journal_.pop_front();
}

template<env::Filesystem F>
tree_ptr
tree_index<F>::recall(const core::entity_tag& tag, const core::repo_path& dir, const core::principal& who) const
{
  std::lock_guard lock(mutex_);
  for(auto it = journal_.rbegin(); it != journal_.rend(); ++it)
    if(it->tag == tag && it->grants == who.grants && it->node->listing.dir == dir)
      return it->node;
  return nullptr;
}

} // namespace zddc::master
