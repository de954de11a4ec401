#pragma once
/// @file
/// Tree tags: one validator for everything below a directory, so a mirror
/// learns that nothing changed in a whole subtree from one request, and
/// what did change from one more (`GET <dir>/?tree`, core/tree_format.hpp).
///
/// A directory's tree tag is a SHA-256 over its listing's tag (names,
/// kinds, sizes, mtimes and content tags of its entries) and its
/// subdirectories' tree tags, in name order: a Merkle tree, as git's tree
/// objects. It changes exactly when a listing anywhere below changes.
///
/// The index keeps one immutable `tree_node` per directory. It is kept
/// current incrementally: every change the filesystem reports
/// (env::WatchedFilesystem: inotify in the daemon, the in-memory disk's own
/// record in the simulator) and every write this server makes marks a
/// directory and its parent (whose listing shows the directory's mtime);
/// the next look re-lists the marked directories and rebuilds the nodes
/// from them up to the root, sharing every other node with the previous
/// tree. A filesystem that cannot watch itself is re-listed whole on every
/// look: correct, not fast. A look where nothing changed costs a lock and a
/// pointer copy, whatever the tree's size.
///
/// Views: a caller whose grants hide entries sees tags computed over what
/// it may see (the same listings a GET would show it). Wherever the caller
/// may read a whole directory, its view of that subtree is the subtree, so
/// its tag is the stored one; only the directories on the way down to its
/// grants are hashed, once per grant set and tree (`view_tag_of`).
///
/// The journal: the index remembers the last `journal_max` tree tags it
/// served (with the tree they described and the grants of the caller who
/// saw them). `?tree&since=<tag>` finds its old tree there and answers the
/// directories whose listings differ; an older tag, or one served to other
/// grants, answers the whole subtree. Old trees share all unchanged nodes
/// with the current one, so the journal holds only what changed.

#include <zddc/core/http_message.hpp>
#include <zddc/core/listing.hpp>
#include <zddc/core/policy.hpp>
#include <zddc/core/tree_format.hpp>
#include <zddc/env/content_tags.hpp>
#include <zddc/env/filesystem.hpp>
#include <zddc/master/rendered_cache.hpp>

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <utility>
#include <string>
#include <vector>

namespace zddc::master {

struct tree_node;
using tree_ptr = std::shared_ptr<const tree_node>;

/// One directory as the index last listed it. Immutable.
struct tree_node {
  core::listing listing;       // every entry a listing may show, unfiltered
  std::vector<tree_ptr> subdirs; // one per directory entry, in the listing's order
  core::entity_tag listing_tag;  // core::listing_etag(listing)
  core::entity_tag tag;          // the tree tag

  /// The node of the subdirectory `name`; null when there is none.
  tree_ptr subdir(std::string_view name) const;
};

/// A node over `l` and `subdirs` (one per directory entry of `l`, in order), with its tags.
tree_ptr make_tree_node(core::listing l, std::vector<tree_ptr> subdirs);

/// What `who` sees of `n`'s listing: what a GET of the directory shows it.
core::listing visible_listing(const tree_node& n, const core::principal& who);

/// `n`'s tree tag as `who` sees it (the stored tag when `who` may read all of `n`).
core::entity_tag view_tag(const tree_node& n, const core::principal& who);

/// Lists `dir` as the master shows it to a caller who may read everything:
/// valid, unreserved names, content tags for files. The one place a master
/// listing is made (master::handler filters it per caller).
template<env::Filesystem F>
result<core::listing> list_directory(F& fs, env::content_tags<F>& tags, const core::repo_path& dir,
                                     env::time_point now);

/// The body of a `?tree` answer: the head, the listings of `now` as `who`
/// sees them — all of them, or only those that differ from `base` — and
/// the end. Made line by line as it is sent, from immutable nodes, so it
/// is one consistent snapshot however the index moves meanwhile.
class tree_stream final : public core::body_stream {
public:
  /// `base`: the tree `head.base` described (null for a whole-subtree answer).
  tree_stream(core::tree_head head, tree_ptr now, tree_ptr base, core::principal who);

  bool next(std::string& out) override;

private:
  struct frame {
    tree_ptr now;
    tree_ptr base;  // null: everything below is new to the caller
    std::size_t next_subdir = 0;
  };

  /// Writes `now`'s listing when it differs from `base`'s, and goes below
  /// it unless nothing there differs.
  void enter(tree_ptr now, tree_ptr base, std::string& out);

  core::tree_head head_;
  core::principal who_;
  std::pair<tree_ptr, tree_ptr> pending_root_; // (now, base) of the subtree, until the head is out
  std::vector<frame> stack_;
  bool head_sent_ = false;
  bool done_ = false;
  std::uint64_t listings_ = 0;
};

template<env::Filesystem F>
class tree_index {
public:
  static constexpr std::size_t journal_max = 64;

  explicit tree_index(F& fs) : fs_(fs) {}

  /// A write through this server changed `dir`'s entries (and may have
  /// made `dir` and the directories above it).
  void touched(const core::repo_path& dir);

  /// The current tree, after re-listing what changed since the last look.
  result<tree_ptr> current(env::time_point now);

  /// `node`'s tree tag as `who` sees it (`view_tag`), remembered per grant
  /// set: it depends only on the subtree, which `node.tag` names, and the grants.
  core::entity_tag view_tag_of(const tree_node& node, const core::principal& who);

  /// Records that `tag` was served for `node` to a caller with `who`'s grants.
  void remember(const core::entity_tag& tag, tree_ptr node, const core::principal& who);

  /// The tree `tag` described for `dir` when it was served to a caller with
  /// `who`'s grants; null when the journal no longer holds it.
  tree_ptr recall(const core::entity_tag& tag, const core::repo_path& dir, const core::principal& who) const;

  /// Answers rendered from this index's nodes (listings, registers), kept
  /// by node tag, view and format: shared as the index is.
  rendered_cache& rendered() noexcept { return rendered_; }

private:
  struct served {
    core::entity_tag tag;
    tree_ptr node;
    std::vector<core::grant> grants;
  };

  void mark(const core::store_path& dir);
  void drain_changes();
  bool changed_below(const std::string& key) const;
  result<tree_ptr> rebuild(const core::repo_path& dir, const tree_ptr& old, env::time_point now);

  F& fs_;
  mutable std::mutex mutex_;
  env::content_tags<F> tags_;
  tree_ptr root_;
  std::set<std::string> changed_; // directory_key of every directory to re-list
  std::set<std::string> retry_;   // ... and those to re-list on the next look too
  bool everything_ = true;        // re-list every directory
  std::deque<served> journal_;
  std::unordered_map<std::string, core::entity_tag> views_; // grants and node tag -> view tag
  static constexpr std::size_t views_max = 4096;            // then start afresh
  rendered_cache rendered_;
};

} // namespace zddc::master

#include <zddc/master/impl/tree.hpp>
