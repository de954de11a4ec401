// Micro-benchmarks of the pure core, with Google Benchmark: the costs every
// request pays before any I/O. They print figures; nothing passes or fails.
//
//     cmake --preset bench && cmake --build --preset bench --target zddc-bench-micro
//     build/bench/bench/zddc-bench-micro
#include <zddc/core/listing.hpp>
#include <zddc/core/listing_html.hpp>
#include <zddc/core/naming.hpp>
#include <zddc/core/preconditions.hpp>
#include <zddc/core/url_target.hpp>

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace {

using namespace zddc;
namespace http = boost::beast::http;

// A request target as a browser sends one: spaces, a percent sign, UTF-8.
constexpr std::string_view target =
  "/Projects/Site%20Office/Docs/ZD-PRJ-001-DWG-1001_B%20(IFC)%20-%20Caf%C3%A9%20100%25.pdf";

void
target_decode(benchmark::State& state)
{
  auto const parsed = core::url_target::parse(target);
  for(auto _ : state) {
    auto decoded = core::decode(*parsed);
    benchmark::DoNotOptimize(decoded);
  }
}
BENCHMARK(target_decode);

void
target_parse_and_decode(benchmark::State& state)
{
  for(auto _ : state) {
    auto parsed = core::url_target::parse(target);
    auto decoded = core::decode(*parsed);
    benchmark::DoNotOptimize(decoded);
  }
}
BENCHMARK(target_parse_and_decode);

void
path_encode(benchmark::State& state)
{
  auto const p = core::decode(*core::url_target::parse(target))->path;
  for(auto _ : state) {
    auto encoded = core::encode(p);
    benchmark::DoNotOptimize(encoded);
  }
}
BENCHMARK(path_encode);

// The conditional GET a mirror or browser sends: If-None-Match with a tag.
void
preconditions_conditional_get(benchmark::State& state)
{
  auto const tag = *core::entity_tag::strong("0123456789abcdef0123456789abcdef");
  core::representation_state const current{true, tag, core::time_point(std::chrono::seconds(1'767'225'600))};
  http::fields request;
  request.set(http::field::if_none_match, "\"ffff\", \"0123456789abcdef0123456789abcdef\"");
  for(auto _ : state) {
    auto outcome = core::evaluate_preconditions(http::verb::get, request, current);
    benchmark::DoNotOptimize(outcome);
  }
}
BENCHMARK(preconditions_conditional_get);

void
naming_parse_document(benchmark::State& state)
{
  for(auto _ : state) {
    auto d = core::parse_document_name("ZD-PRJ-001-DWG-1001_A+C1 (IFA) - General arrangement, level 2.pdf");
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(naming_parse_document);

core::listing
listing_of(std::size_t entries)
{
  core::listing l;
  for(std::size_t i = 0; i < entries; ++i) {
    core::listing_entry e;
    e.name = "ZD-PRJ-001-DWG-" + std::to_string(1000 + i) + "_B (IFC) - Sheet " + std::to_string(i) + ".pdf";
    e.kind = core::file_kind::regular;
    e.size = 100'000 + i;
    e.mtime = core::time_point(std::chrono::seconds(1'767'225'600 + i));
    e.etag = core::entity_tag::strong("0123456789abcdef0123456789abcdef");
    l.entries.push_back(std::move(e));
  }
  return l;
}

void
listing_json_render(benchmark::State& state)
{
  auto const l = listing_of(static_cast<std::size_t>(state.range(0)));
  for(auto _ : state) {
    auto json = core::to_json(l);
    benchmark::DoNotOptimize(json);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(listing_json_render)->Arg(50)->Arg(1000);

void
listing_json_parse(benchmark::State& state)
{
  auto const json = core::to_json(listing_of(static_cast<std::size_t>(state.range(0))));
  for(auto _ : state) {
    auto parsed = core::listing_from_json(json, core::repo_path());
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(listing_json_parse)->Arg(50)->Arg(1000);

void
listing_html_render(benchmark::State& state)
{
  auto const l = listing_of(static_cast<std::size_t>(state.range(0)));
  core::html_listing_options const options;
  for(auto _ : state) {
    auto html = core::render_listing_html(l, options);
    benchmark::DoNotOptimize(html);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(listing_html_render)->Arg(50)->Arg(1000);

} // namespace

BENCHMARK_MAIN();
