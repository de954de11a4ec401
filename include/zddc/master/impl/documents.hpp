#pragma once
// Implementation of master/documents.hpp.

#include <zddc/core/query.hpp>
#include <zddc/master/impl/answers.hpp>

#include <boost/beast/http/field.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>

namespace zddc::master {
namespace documents_detail {

namespace http = boost::beast::http;

enum class format { json, csv, html };

/// `format=json|csv|html` in the query wins; else the Accept field; else HTML.
inline std::optional<format>
asked_format(const core::request& req, bool csv_allowed)
{
  if(auto const f = core::query_value(req.target.encoded_query().value_or(""), "format")) {
    if(*f == "json")
      return format::json;
    if(*f == "html")
      return format::html;
    if(*f == "csv" && csv_allowed)
      return format::csv;
    return std::nullopt;
  }
  auto const accept = req.headers.find(http::field::accept);
  std::string_view a;
  if(accept != req.headers.end())
    a = accept->value();
  if(a.find("application/json") != std::string_view::npos)
    return format::json;
  if(csv_allowed && a.find("text/csv") != std::string_view::npos)
    return format::csv;
  return format::html;
}

/// `Content-Disposition` for a download named `name` (UTF-8): an ASCII
/// fallback and the exact name (RFC 6266, RFC 8187).
inline std::string
attachment(std::string_view name)
{
  std::string ascii, exact;
  for(unsigned char c : name) {
    ascii += c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? static_cast<char>(c) : '_';
    bool const alnum = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); // ASCII, whatever the locale
    if(alnum || std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos) {
      exact += static_cast<char>(c);
    } else {
      static constexpr char hex[] = "0123456789ABCDEF";
      exact += '%';
      exact += hex[c >> 4];
      exact += hex[c & 0xf];
    }
  }
  return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + exact;
}

/// Every file of `listings`, as ZIP members named relative to `base` (the
/// root: the whole decoded path without its leading `/`).
inline void
add_members(std::vector<core::zip_member>& out, std::span<const core::listing> listings, const core::repo_path& base)
{
  auto const skip = base.str().size() + (base.is_root() ? 0 : 1);
  for(auto const& l : listings)
    for(auto const& e : l.entries) {
      if(e.kind != core::file_kind::regular || (e.pending && e.pending->deletion))
        continue;
      auto path = l.dir.child(e.name);
      if(! path)
        continue; // a listing holds valid names only
      auto name = std::string(path->str().substr(skip));
      out.push_back({std::move(*path), std::move(name)});
    }
}

} // namespace documents_detail

inline std::optional<document_view>
asked_document_view(const core::request& req)
{
  auto const q = req.target.encoded_query();
  if(! q)
    return std::nullopt;
  if(core::query_value(*q, "register"))
    return document_view::register_;
  if(core::query_value(*q, "transmittals"))
    return document_view::transmittals;
  if(core::query_value(*q, "zip"))
    return document_view::zip;
  return std::nullopt;
}

template<class Reader>
std::pair<std::vector<core::listing>, std::vector<core::repo_path>>
gather_listings(const document_source<Reader>& source, const core::repo_path& dir)
{
  std::vector<core::listing> listings;
  std::vector<core::repo_path> missing;
  std::vector<core::repo_path> todo{dir};
  while(! todo.empty()) {
    auto next = std::move(todo.back());
    todo.pop_back();
    auto l = source.listing(next);
    if(! l) {
      missing.push_back(std::move(next));
      continue;
    }
    // Depth first, children in name order: push them in reverse.
    for(auto it = l->entries.rbegin(); it != l->entries.rend(); ++it)
      if(it->kind == core::file_kind::directory && ! (it->pending && it->pending->deletion))
        if(auto child = l->dir.child(it->name))
          todo.push_back(std::move(*child));
    listings.push_back(std::move(*l));
  }
  return {std::move(listings), std::move(missing)};
}

inline std::string
zip_download_name(const core::repo_path& dir)
{
  return (dir.is_root() ? std::string("ZDDC") : std::string(dir.name())) + ".zip";
}

template<class Reader>
std::optional<std::vector<core::zip_member>>
directory_members(const document_source<Reader>& source, const core::repo_path& dir)
{
  auto [listings, missing] = gather_listings(source, dir);
  if(! missing.empty() && missing.front() == dir)
    return std::nullopt;
  std::vector<core::zip_member> members;
  documents_detail::add_members(members, listings, dir.is_root() ? dir : dir.parent());
  return members;
}

template<class Reader>
core::response<Reader>
zip_response(const core::request& req, std::vector<core::zip_member> members, std::string_view download_name,
             const document_source<Reader>& source)
{
  namespace http = boost::beast::http;
  namespace dd = documents_detail;
  std::ranges::sort(members, {}, &core::zip_member::name);
  core::response<Reader> r;
  r.headers.set(http::field::content_type, "application/zip");
  r.headers.set(http::field::content_disposition, dd::attachment(download_name));
  r.headers.set(http::field::cache_control, "private, no-store");
  r.headers.set(http::field::vary, "Authorization");
  if(req.method == http::verb::head)
    r.body = std::string();
  else
    r.body = std::make_unique<core::zip_stream<Reader>>(std::move(members), source.open);
  return r;
}

template<class Reader>
core::response<Reader>
document_response(const core::request& req, const core::repo_path& dir, document_view view,
                  const document_source<Reader>& source)
{
  namespace http = boost::beast::http;
  namespace dd = documents_detail;
  bool const head = req.method == http::verb::head;
  auto const not_found = [] { return detail::not_found<Reader>(); };

  if(view == document_view::zip) {
    auto members = directory_members(source, dir);
    if(! members)
      return not_found();
    return zip_response(req, std::move(*members), zip_download_name(dir), source);
  }

  auto const fmt = dd::asked_format(req, view == document_view::register_);
  if(! fmt)
    return detail::text<Reader>(http::status::bad_request,
                            view == document_view::register_ ? "format= takes json, csv or html"
                                                             : "format= takes json or html");

  // The tag first: a 304 needs no listings at all when the source knows
  // its subtree's validator.
  std::optional<std::pair<std::vector<core::listing>, std::vector<core::repo_path>>> gathered;
  auto basis = source.basis ? source.basis(dir) : std::nullopt;
  if(! basis) {
    gathered = gather_listings(source, dir);
    if(! gathered->second.empty() && gathered->second.front() == dir)
      return not_found();
    basis = core::listings_basis(gathered->first, gathered->second);
  }
  std::string what = view == document_view::register_ ? "register" : "transmittals";
  what += *fmt == dd::format::json ? "-json" : *fmt == dd::format::csv ? "-csv" : "-html";
  if(*fmt == dd::format::html) {
    // The page also shows the source's banner and moves with its markup.
    *basis += "\n" + std::string(core::document_pages_version());
    *basis += "\n" + source.page.offline_since.value_or("online");
  }
  auto const tag = core::derived_tag(*basis, what);
  core::representation_state const state{true, tag, std::nullopt};
  if(auto const outcome = core::evaluate_preconditions(req.method, req.headers, state);
     outcome != core::precondition_outcome::proceed)
    return detail::precondition_answer<Reader>(outcome, state, detail::view_caching);

  if(! gathered) {
    gathered = gather_listings(source, dir);
    if(! gathered->second.empty() && gathered->second.front() == dir)
      return not_found();
  }
  auto& [listings, missing] = *gathered;
  core::response<Reader> r;
  std::string body;
  if(view == document_view::register_) {
    auto const reg = core::build_register(dir, listings, std::move(missing));
    switch(*fmt) {
    case dd::format::json:
      r.headers.set(http::field::content_type, "application/json");
      body = core::to_json(reg);
      break;
    case dd::format::csv:
      r.headers.set(http::field::content_type, "text/csv; charset=utf-8; header=present");
      r.headers.set(http::field::content_disposition,
                    dd::attachment((dir.is_root() ? std::string("ZDDC") : std::string(dir.name())) +
                                   " register.csv"));
      body = core::to_csv(reg);
      break;
    case dd::format::html:
      r.headers.set(http::field::content_type, "text/html; charset=utf-8");
      body = core::render_register_html(reg, source.page);
      break;
    }
  } else {
    auto const index = core::build_transmittals(dir, listings, std::move(missing));
    if(*fmt == dd::format::json) {
      r.headers.set(http::field::content_type, "application/json");
      body = core::to_json(index);
    } else {
      r.headers.set(http::field::content_type, "text/html; charset=utf-8");
      body = core::render_transmittals_html(index, source.page);
    }
  }
  r.headers.set(http::field::etag, tag.to_string());
  detail::set_caching(r, detail::view_caching);
  r.headers.set(http::field::content_length, std::to_string(body.size()));
  r.body = head ? std::string() : std::move(body);
  return r;
}

inline boost::asio::awaitable<result<std::string>>
read_selection(core::request_body& body)
{
  std::string out;
  std::array<std::byte, 16 * 1024> chunk;
  for(;;) {
    auto n = co_await body.read_some(chunk);
    if(! n)
      co_return n.error();
    if(*n == 0)
      co_return out;
    if(out.size() + *n > zip_selection_bytes_max)
      co_return errc::too_large;
    out.append(reinterpret_cast<const char*>(chunk.data()), *n);
  }
}

template<class Reader>
std::variant<std::vector<core::zip_member>, core::response<Reader>>
selection_members(std::string_view selection, const document_source<Reader>& source)
{
  namespace http = boost::beast::http;
  namespace dd = documents_detail;
  auto const bad = [](std::string why) { return detail::text<Reader>(http::status::bad_request, std::move(why)); };
  boost::json::error_code jec;
  auto const value = boost::json::parse(selection, jec);
  if(jec || ! value.is_array())
    return bad("the body is a JSON array of paths, as the register shows them: [\"/Docs/a.pdf\", \"/Docs/Sub/\"]");
  std::vector<core::zip_member> members;
  for(auto const& item : value.as_array()) {
    auto const* text = item.if_string();
    if(! text || text->empty() || text->front() != '/')
      return bad("every path is a string that starts with /");
    std::string_view raw(text->data(), text->size());
    raw.remove_prefix(1);
    bool const folder = raw.empty() || raw.ends_with('/');
    if(folder && ! raw.empty())
      raw.remove_suffix(1);
    auto const path = core::repo_path::parse(raw);
    if(! path)
      return bad("not a path: " + std::string(text->data(), text->size()) + " (" + path.error().message() + ")");
    auto const missing = [&] {
      return detail::text<Reader>(http::status::not_found, "not found: " + std::string(text->data(), text->size()));
    };
    if(folder) {
      auto [listings, gaps] = gather_listings(source, *path);
      if(! gaps.empty() && gaps.front() == *path)
        return missing();
      dd::add_members(members, listings, core::repo_path());
      continue;
    }
    if(path->is_root())
      return missing();
    auto const parent = source.listing(path->parent());
    auto const name = path->name();
    if(! parent || std::ranges::none_of(parent->entries, [&](auto const& e) {
         return e.name == name && e.kind == core::file_kind::regular && ! (e.pending && e.pending->deletion);
       }))
      return missing();
    members.push_back({*path, std::string(path->str())});
  }
  // A path named twice, or inside a folder also named, is archived once.
  std::ranges::sort(members, {}, &core::zip_member::name);
  auto const dup = std::ranges::unique(members, {}, &core::zip_member::name);
  members.erase(dup.begin(), dup.end());
  return members;
}

} // namespace zddc::master
