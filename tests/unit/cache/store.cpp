// The cache's local store: copies under their decoded names, listings as
// sidecars, downloads through a private spool.
#include <zddc/cache/store.hpp>

#include "sim/memory_env.hpp"

#include <gtest/gtest.h>

namespace zddc::cache {
namespace store_test {

// Found by scripts/soak-daemon.sh: a cache killed while installing a copy
// left its download in the spool, and every crash added one.
TEST(cache_store, opening_empties_the_spool_of_downloads_a_crash_cut_short)
{
  sim::memory_env env;
  auto const spool = *core::store_path::parse(spool_directory);
  ASSERT_FALSE(env::make_dirs(env.fs_, spool));
  env.fs_.write_file_direct(*spool.child(".zddc-tmp-1-1-1"), "half a download");
  env.fs_.write_file_direct(*spool.child(".zddc-tmp-1-2-2"), "another");
  store<sim::memory_env> s(env);
  ASSERT_FALSE(s.open());
  EXPECT_TRUE(env.fs_.list(spool)->empty());
  // A download made after opening is the store's own.
  auto d = s.begin_download();
  ASSERT_TRUE(d);
  EXPECT_EQ(env.fs_.list(spool)->size(), 1u);
}

TEST(cache_store, a_listing_is_kept_beside_its_directory_and_read_back)
{
  sim::memory_env env;
  store<sim::memory_env> s(env);
  ASSERT_FALSE(s.open());
  auto const dir = *core::repo_path::parse("Docs");
  ASSERT_FALSE(env::make_dirs(env.fs_, dir));
  EXPECT_FALSE(s.listing(dir).value());
  core::listing const l{dir, {{"a.pdf", core::file_kind::regular, 3, core::time_point{}, core::entity_tag::strong("t")}}};
  ASSERT_FALSE(s.save_listing(dir, core::to_json(l)));
  EXPECT_EQ(s.listing(dir).value(), l);
  EXPECT_TRUE(env.fs_.stat(*core::store_path::parse("Docs/.zddc-listing.json")));
}

} // namespace
} // namespace zddc::cache
