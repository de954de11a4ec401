#pragma once

#include <zddc/core/assert.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

namespace zddc::core {
namespace detail {

/// A decoded path as the register shows it: `/a/b.pdf`.
inline std::string
decoded(const repo_path& p)
{
  return "/" + std::string(p.str());
}

inline std::string
rfc3339_instant(time_point t)
{
  using namespace std::chrono;
  auto const secs = floor<seconds>(t);
  auto const day = floor<days>(secs);
  hh_mm_ss const hms(secs - day);
  char buf[32];
  std::snprintf(buf, sizeof buf, "T%02d:%02d:%02dZ", int(hms.hours().count()), int(hms.minutes().count()),
                int(hms.seconds().count()));
  return format_date(year_month_day(day)) + buf;
}

/// Newest first: greatest mtime, then greatest path.
inline bool
newer(const register_file& a, const register_file& b)
{
  return std::tie(a.mtime, a.path) > std::tie(b.mtime, b.path);
}

inline std::optional<doc_status>
newest_status(const std::vector<register_file>& files)
{
  auto const it = std::min_element(files.begin(), files.end(), newer);
  if(it == files.end() || ! it->name)
    return std::nullopt;
  return it->name->status;
}

inline void
by_path(std::vector<register_file>& files)
{
  std::ranges::sort(files, {}, [](auto const& f) { return f.path.str(); });
}

inline register_revision
revision_of(revision rev, std::vector<register_file> files)
{
  by_path(files);
  register_revision out{rev, newest_status(files), std::move(files), {}};
  return out;
}

/// Every file of `listings` (pending deletions are not files).
inline std::vector<register_file>
files_of(std::span<const listing> listings)
{
  std::vector<register_file> out;
  for(auto const& l : listings)
    for(auto const& e : l.entries) {
      if(e.kind != file_kind::regular || (e.pending && e.pending->deletion))
        continue;
      auto path = l.dir.child(e.name);
      if(! path)
        continue; // a listing holds valid names only
      register_file f{std::move(*path), e.size, e.mtime, e.etag, e.sha256};
      f.transmittal = enclosing_transmittal(f.path);
      if(e.pending)
        f.pending = e.pending->entry;
      out.push_back(std::move(f));
    }
  return out;
}

inline boost::json::value
json_or_null(const std::optional<std::string>& s)
{
  if(s)
    return boost::json::value(*s);
  return nullptr;
}

inline boost::json::object
file_json(const register_file& f)
{
  boost::json::object o;
  o["path"] = decoded(f.path);
  o["size"] = f.size;
  o["mtime_ns"] = f.mtime.time_since_epoch().count();
  o["etag"] = f.etag ? boost::json::value(f.etag->to_string()) : boost::json::value(nullptr);
  o["sha256"] = f.sha256 ? boost::json::value(to_hex(*f.sha256)) : boost::json::value(nullptr);
  o["transmittal"] = f.transmittal ? boost::json::value(decoded(*f.transmittal)) : boost::json::value(nullptr);
  if(f.pending)
    o["pending"] = *f.pending;
  return o;
}

inline boost::json::array
files_json(const std::vector<register_file>& files)
{
  boost::json::array a;
  a.reserve(files.size());
  for(auto const& f : files)
    a.push_back(file_json(f));
  return a;
}

inline boost::json::object
revision_json(const register_revision& r, bool with_modifiers)
{
  boost::json::object o;
  o["rev"] = format(r.rev);
  o["status"] = r.status ? boost::json::value(format(*r.status)) : boost::json::value(nullptr);
  o["draft"] = r.rev.draft || (r.rev.mod && r.rev.mod->draft);
  o["files"] = files_json(r.files);
  if(with_modifiers) {
    boost::json::array mods;
    for(auto const& m : r.modifiers)
      mods.push_back(revision_json(m, false));
    o["modifiers"] = std::move(mods);
  }
  return o;
}

inline boost::json::array
paths_json(const std::vector<repo_path>& dirs)
{
  boost::json::array a;
  for(auto const& d : dirs)
    a.push_back(boost::json::value(encode(d, target_form::directory).str()));
  return a;
}

// RFC 4180: a field holding a quote, comma or line break is quoted, with
// its quotes doubled.
inline void
csv_field(std::string& out, std::string_view field)
{
  if(field.find_first_of("\",\r\n") == std::string_view::npos) {
    out += field;
    return;
  }
  out += '"';
  for(char c : field) {
    if(c == '"')
      out += '"';
    out += c;
  }
  out += '"';
}

inline void
csv_row(std::string& out, std::initializer_list<std::string_view> fields)
{
  bool first = true;
  for(auto f : fields) {
    if(! first)
      out += ',';
    first = false;
    csv_field(out, f);
  }
  out += "\r\n";
}

inline void
csv_file_row(std::string& out, const register_file& f, std::string_view rev)
{
  std::string tracking, status, title, ext;
  if(f.name) {
    tracking = f.name->tracking;
    status = std::string(format(f.name->status));
    title = f.name->title;
    ext = f.name->extension.value_or("");
  } else if(auto const dot = f.path.name().rfind('.'); dot != std::string_view::npos && dot > 0) {
    ext = std::string(f.path.name().substr(dot + 1));
  }
  csv_row(out, {tracking, rev, status, title, ext, decoded(f.path), std::to_string(f.size),
                rfc3339_instant(f.mtime), f.sha256 ? to_hex(*f.sha256) : std::string(),
                f.transmittal ? decoded(*f.transmittal) : std::string()});
}

} // namespace detail

inline std::optional<repo_path>
enclosing_transmittal(const repo_path& p)
{
  for(auto d = p.parent();; d = d.parent()) {
    if(d.is_root())
      return std::nullopt;
    if(parse_transmittal_name(d.name()))
      return d;
  }
}

inline document_register
build_register(const repo_path& dir, std::span<const listing> listings, std::vector<repo_path> missing)
{
  document_register out{dir, {}, {}, std::move(missing)};
  std::ranges::sort(out.missing, {}, [](auto const& p) { return p.str(); });

  // tracking → base revision → (the base's own files, modifier → files)
  struct base_files {
    std::vector<register_file> own;
    std::map<revision, std::vector<register_file>> modifiers;
  };
  std::map<std::string, std::map<revision, base_files>> documents;
  for(auto& f : detail::files_of(listings)) {
    auto parsed = parse_document_name(f.path.name());
    if(! parsed) {
      out.unclassified.push_back({std::move(f), parsed.error().message});
      continue;
    }
    f.name = std::move(*parsed);
    auto base = f.name->rev;
    base.mod.reset();
    auto& slot = documents[f.name->tracking][base];
    if(f.name->rev.mod)
      slot.modifiers[f.name->rev].push_back(std::move(f));
    else
      slot.own.push_back(std::move(f));
  }
  std::ranges::sort(out.unclassified, {}, [](auto const& u) { return u.file.path.str(); });

  out.documents.reserve(documents.size());
  for(auto& [tracking, bases] : documents) {
    register_document doc{tracking, {}, std::nullopt, {}};
    for(auto& [base, files] : bases) {
      auto r = detail::revision_of(base, std::move(files.own));
      for(auto& [rev, mod_files] : files.modifiers)
        r.modifiers.push_back(detail::revision_of(rev, std::move(mod_files)));
      doc.revisions.push_back(std::move(r));
    }
    // The greatest issue, else the greatest draft, among bases with files.
    for(std::size_t i = 0; i < doc.revisions.size(); ++i) {
      auto const& r = doc.revisions[i];
      if(r.files.empty())
        continue;
      if(! doc.current || ! r.rev.draft || doc.revisions[*doc.current].rev.draft)
        doc.current = i; // revisions ascend, so a later one is greater within its tier
    }
    const register_file* newest = nullptr;
    auto consider = [&newest](const std::vector<register_file>& fs) {
      for(auto const& f : fs)
        if(! newest || detail::newer(f, *newest))
          newest = &f;
    };
    if(doc.current)
      consider(doc.revisions[*doc.current].files);
    else
      for(auto const& r : doc.revisions)
        for(auto const& m : r.modifiers)
          consider(m.files);
    ZDDC_ASSERT(newest); // a document exists only for a file it holds
    doc.title = newest->name->title;
    out.documents.push_back(std::move(doc));
  }
  return out;
}

inline std::string
to_json(const document_register& r)
{
  // Serialized one document at a time: a JSON tree of the whole register
  // would take several times the text's size at once.
  std::string out = "{\"path\":" + boost::json::serialize(boost::json::value(encode(r.dir, target_form::directory).str()));
  out += ",\"documents\":[";
  bool first = true;
  for(auto const& d : r.documents) {
    boost::json::object o;
    o["tracking"] = d.tracking;
    o["title"] = d.title;
    if(d.current)
      o["current"] = detail::revision_json(d.revisions[*d.current], false);
    else
      o["current"] = nullptr;
    boost::json::array revs;
    for(auto const& rev : d.revisions)
      revs.push_back(detail::revision_json(rev, true));
    o["revisions"] = std::move(revs);
    out += first ? "" : ",";
    out += boost::json::serialize(o);
    first = false;
  }
  out += "],\"unclassified\":[";
  first = true;
  for(auto const& u : r.unclassified) {
    auto o = detail::file_json(u.file);
    o["reason"] = u.reason;
    out += first ? "" : ",";
    out += boost::json::serialize(o);
    first = false;
  }
  out += "],\"missing\":" + boost::json::serialize(detail::paths_json(r.missing)) + "}";
  return out;
}

inline std::string
to_csv(const document_register& r)
{
  std::string out = "\xEF\xBB\xBF"; // UTF-8 byte-order mark: spreadsheets read the names right
  detail::csv_row(out, {"tracking", "rev", "status", "title", "extension", "path", "size", "mtime", "sha256",
                        "transmittal"});
  for(auto const& d : r.documents)
    for(auto const& base : d.revisions) {
      auto const rev = format(base.rev);
      for(auto const& f : base.files)
        detail::csv_file_row(out, f, rev);
      for(auto const& m : base.modifiers) {
        auto const mod_rev = format(m.rev);
        for(auto const& f : m.files)
          detail::csv_file_row(out, f, mod_rev);
      }
    }
  for(auto const& u : r.unclassified)
    detail::csv_file_row(out, u.file, {});
  return out;
}

inline transmittal_index
build_transmittals(const repo_path& dir, std::span<const listing> listings, std::vector<repo_path> missing)
{
  transmittal_index out{dir, {}, std::move(missing)};
  std::ranges::sort(out.missing, {}, [](auto const& p) { return p.str(); });

  struct counts {
    std::set<std::string> tracking;
    std::size_t files = 0;
  };
  std::map<std::string, counts> by_folder; // keyed by path
  auto note_folder = [&](const repo_path& p) {
    if(p.is_within(dir) && parse_transmittal_name(p.name()))
      by_folder.try_emplace(std::string(p.str()));
  };
  if(! dir.is_root())
    note_folder(dir);
  for(auto const& l : listings)
    for(auto const& e : l.entries)
      if(e.kind == file_kind::directory)
        if(auto p = l.dir.child(e.name))
          note_folder(*p);
  for(auto const& f : detail::files_of(listings)) {
    if(! f.transmittal)
      continue;
    auto const it = by_folder.find(std::string(f.transmittal->str()));
    if(it == by_folder.end())
      continue; // above `dir`: not one of these
    ++it->second.files;
    if(auto d = parse_document_name(f.path.name()))
      it->second.tracking.insert(d->tracking);
  }

  std::map<std::chrono::year_month_day, std::vector<transmittal_summary>, std::greater<>> days;
  for(auto& [key, c] : by_folder) {
    auto path = repo_path::parse(key);
    ZDDC_ASSERT(path.has_value()); // made from a repo_path above
    auto name = parse_transmittal_name(path->name());
    ZDDC_ASSERT(name.has_value()); // only such folders were noted
    auto const date = name->date;
    days[date].push_back({std::move(*path), std::move(*name), c.tracking.size(), c.files});
  }
  for(auto& [date, list] : days) {
    std::ranges::sort(list, {}, [](auto const& t) { return std::pair(std::string_view(t.name.tracking), t.path.str()); });
    out.days.push_back({date, std::move(list)});
  }
  return out;
}

inline std::string
to_json(const transmittal_index& t)
{
  boost::json::object root;
  root["path"] = encode(t.dir, target_form::directory).str();
  boost::json::array days;
  for(auto const& d : t.days) {
    boost::json::array list;
    for(auto const& s : d.transmittals) {
      boost::json::object o;
      o["path"] = encode(s.path, target_form::directory).str();
      o["name"] = std::string(s.path.name());
      o["tracking"] = s.name.tracking;
      o["status"] = format(s.name.status);
      o["title"] = s.name.title;
      o["documents"] = s.documents;
      o["files"] = s.files;
      list.push_back(std::move(o));
    }
    boost::json::object day;
    day["date"] = format_date(d.date);
    day["transmittals"] = std::move(list);
    days.push_back(std::move(day));
  }
  root["days"] = std::move(days);
  root["missing"] = detail::paths_json(t.missing);
  return boost::json::serialize(root);
}

inline entity_tag
derived_tag(std::string_view basis, std::string_view what)
{
  sha256 h;
  h.update(std::to_string(basis.size()) + ":");
  h.update(basis);
  h.update(what);
  auto tag = entity_tag::strong(to_hex(h.finish(), 16) + "-" + std::string(what));
  ZDDC_ASSERT(tag.has_value()); // callers pass letters and '-'
  return std::move(*tag);
}

inline std::string
listings_basis(std::span<const listing> listings, std::span<const repo_path> missing)
{
  sha256 h;
  for(auto const& l : listings) {
    h.update(std::string(l.dir.str()) + "\n");
    h.update(listing_tag(l, listing_format::html).opaque()); // the HTML tag also moves with pending deletions
    h.update("\n");
  }
  for(auto const& m : missing)
    h.update("missing " + std::string(m.str()) + "\n");
  return to_hex(h.finish());
}

} // namespace zddc::core
