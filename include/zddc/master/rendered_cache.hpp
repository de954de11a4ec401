#pragma once
/// @file
/// Answers already rendered, kept by what they were made from.
///
/// A directory listing or a register is a pure function of immutable tree
/// nodes (master/tree.hpp), the caller's view and the format asked for. Its
/// key names all three — a node by its tag, which names its content — so a
/// kept answer is never stale: a change makes new nodes with new tags, and
/// the old entries are simply never asked for again. A repeat request for
/// an unchanged directory is then one lookup and a copy.
///
/// Bounded by bytes: an answer larger than a quarter of the bound is not
/// kept, and when the bound is reached the cache starts afresh. Safe to
/// share between threads.

#include <zddc/core/etag.hpp>

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace zddc::master {

/// One rendered answer: its strong tag and its body.
struct rendered {
  core::entity_tag tag;
  std::string body;
};

class rendered_cache {
public:
  using pointer = std::shared_ptr<const rendered>;

  explicit rendered_cache(std::size_t bytes_max = 64u << 20) : bytes_max_(bytes_max) {}

  /// The answer kept under `key`, or `make()`'s (a `rendered`), then kept.
  template<class Make>
  pointer
  get(const std::string& key, Make&& make)
  {
    {
      std::lock_guard lock(mutex_);
      if(auto const it = kept_.find(key); it != kept_.end()) {
        ++hits_;
        return it->second;
      }
    }
    auto made = std::make_shared<const rendered>(std::forward<Make>(make)()); // outside the lock
    auto const size = key.size() + made->body.size();
    if(size > bytes_max_ / 4)
      return made;
    std::lock_guard lock(mutex_);
    if(bytes_ + size > bytes_max_) {
      kept_.clear();
      bytes_ = 0;
    }
    if(kept_.emplace(key, made).second)
      bytes_ += size;
    return made;
  }

  /// How many `get`s were answered from what was kept.
  std::size_t
  hits() const
  {
    std::lock_guard lock(mutex_);
    return hits_;
  }

private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, pointer> kept_;
  std::size_t bytes_ = 0;
  std::size_t hits_ = 0;
  std::size_t bytes_max_;
};

} // namespace zddc::master
