#pragma once

#include <zddc/core/html_escape.hpp>

#include <algorithm>
#include <initializer_list>
#include <utility>
#include <vector>

namespace zddc::core {
namespace detail {

// ---------------------------------------------------------------------------
// The pages' own style and scripts, on top of the listing page's style and
// `view_script` (core/impl/listing_html.ipp).

inline constexpr std::string_view register_style = R"(
h1{font-size:1.35rem;margin:0 0 .3rem;overflow-wrap:anywhere}h2{font-size:1.1rem;margin:1.8rem 0 .3rem}
.links{margin:0 0 1rem;font-size:inherit}
.missing{margin:0 0 1rem;padding:.6rem .8rem;border-radius:4px;background:#fdecea;border:1px solid #e0a39a}
.missing ul{margin:.3rem 0 0;padding-left:1.2rem}
td.c-trk,td.t-trk{white-space:nowrap}td.c-trk{font-weight:600}
td.c-rev,td.c-st,td.t-st{font-family:ui-monospace,monospace;white-space:nowrap}
td.c-files ul{list-style:none;margin:0;padding:0}td.c-files li,td.c-trn a,td.t-name,td.u-name{overflow-wrap:anywhere}
td.c-files li+li{margin-top:.15rem}td.c-trn a{display:block}td.c-trn{max-width:18rem}
.sz{margin-left:.4rem;color:#6b7580;font-size:12px;white-space:nowrap}
td.c-mod{white-space:nowrap;text-align:right;font-size:13px}th.c-mod{text-align:right}
tr.mod td{background:#fafbfc}tr.mod.pending td{background:#fff8e1}tr.mod td.c-trk{color:#6b7580;font-weight:400}
tr.mod td.c-rev{padding-left:1.6rem}tr.mod td.c-rev::before{content:"\21B3";display:inline-block;width:1rem;
  margin-left:-1rem;color:#6b7580}
table.grouped tr.first td{border-top:2px solid #c9d0d7}
tr[data-latest] td.c-rev{font-weight:700}.badge.cur{background:#d3ecd9;color:#17461f}
.none{color:#6b7580;font-style:italic}
table.plain th{padding:.3rem .6rem;font-weight:600}table.plain th.num{text-align:right}
tr.dayhead th{padding:.9rem .6rem .3rem;background:#fff;border-bottom:2px solid #c9d0d7;font-size:15px}
tr.dayhead .n{font-weight:400;color:#6b7580;margin-left:.5rem}
td.t-zip{white-space:nowrap}.ph{display:none}
@media (max-width:640px){
  table.reg thead tr{display:flex;flex-wrap:wrap}table.reg th{flex:0 0 auto}
  table.reg tbody tr{grid-template-columns:minmax(0,1fr) auto auto;
    grid-template-areas:"trk rev st" "ttl ttl ttl" "files files files" "trn trn trn" "mod mod mod";padding:.3rem 0}
  td.c-trk{white-space:normal;overflow-wrap:anywhere}td.c-mod{text-align:left;color:#6b7580}
  td.c-mod:not(:empty)::before{content:"Modified "}
  td.c-trk{grid-area:trk}td.c-rev{grid-area:rev}td.c-st{grid-area:st}td.c-ttl{grid-area:ttl}
  td.c-files{grid-area:files}td.c-trn{grid-area:trn;max-width:none}td.c-mod{grid-area:mod}
  td.c-ttl{color:#4a545e}td.c-files.none,td.c-trn:empty{display:none}
  table.grouped tr.first{border-top:2px solid #c9d0d7}table.grouped tr.first td{border-top:0}
  table.reg tbody tr.mod{margin-left:1rem;border-left:3px solid #dfe3e8}
  table.plain thead{display:none}
  table.unc tbody tr{grid-template-columns:minmax(0,1fr) auto;grid-template-areas:"name name" "why why" "size mod"}
  td.u-name{grid-area:name}td.u-why{grid-area:why;color:#4a545e}td.u-size{grid-area:size;text-align:left}
  td.u-mod{grid-area:mod}
  table.trn tbody tr{grid-template-columns:auto auto auto minmax(0,1fr);
    grid-template-areas:"name name name name" "st docs files zip"}
  td.t-name{grid-area:name}td.t-st{grid-area:st}td.t-docs{grid-area:docs}td.t-files{grid-area:files}
  td.t-zip{grid-area:zip;text-align:right}td.t-trk,td.t-ttl{display:none}.ph{display:inline}
  tr.dayhead th{grid-column:1/-1}
}
)";

inline constexpr std::string_view register_script = R"(
/* The register page's script. Reading and downloading work without it:
   every file and folder is a plain link. It loads nothing and relies on:
   - zddcView (view_script, ahead of this): filter, sort order, saved view;
   - table#register: th[data-col] header buttons (th[data-num]: sort by
     number); tbody tr[data-rev], one per revision in the server's order
     (tracking number, then revision order), a base's modifier rows (tr.mod)
     right after it; each with data-tracking and data-rev, and data-latest
     on a document's current revision; tr.first opens a document;
   - cells Tracking, Title, Rev, Status, Files, Transmittal, Modified; a
     td[data-sort] sorts by that key, else by its text; the links in Files
     and Transmittal are the file names and the folders.
   A base and its modifiers sort as one group, by the base's key; ties keep
   the server's order. Only in Tracking order is table.grouped (a line
   above each document) kept. */
(function() {
'use strict';
var V = zddcView, doc = document, table = doc.getElementById('register'), tbody = table.tBodies[0];
var filter = doc.getElementById('filter'), current = doc.getElementById('latest'), count = doc.getElementById('count');
var COLUMN = /^(tracking|rev|status|title|name|ext|transmittal):/i, all = count.textContent;
var rows = [].slice.call(tbody.querySelectorAll('tr[data-rev]')), groups = [];
rows.forEach(function(tr) {
  if(!groups.length || !tr.classList.contains('mod')) groups.push({head: tr, rows: [], order: groups.length});
  groups[groups.length - 1].rows.push(tr);
});
doc.documentElement.classList.remove('nojs');

/* --- Sorting. --- */
var heads = [].slice.call(table.querySelectorAll('th[data-col]')), sortCol = 0, sortAsc = true;
function sortKey(tr, col) {
  var td = tr.cells[col];
  return td.hasAttribute('data-sort') ? td.getAttribute('data-sort') : td.textContent;
}
function sortBy(col, asc) {
  var numeric = heads[col].hasAttribute('data-num');
  sortCol = col; sortAsc = asc;
  V.markSorted(heads, col, asc);
  groups.sort(function(a, b) {
    return V.compare(sortKey(a.head, col), sortKey(b.head, col), numeric, asc) || a.order - b.order;
  });
  groups.forEach(function(g) { g.rows.forEach(function(tr) { tbody.appendChild(tr); }); });
  table.classList.toggle('grouped', col === 0);
  save();
}
heads.forEach(function(th, i) {
  th.querySelector('button').addEventListener('click', function() { sortBy(i, sortCol === i ? !sortAsc : true); });
});

/* --- Filter and "Current revisions only". A column with several values
   (file names, extensions, transmittals) holds one per line. --- */
function linkTexts(td) { return [].map.call(td.querySelectorAll('a'), function(a) { return a.textContent; }); }
function extension(name) { var dot = name.lastIndexOf('.'); return dot > 0 ? name.slice(dot + 1) : ''; }
function columns(tr) {
  if(!tr.zddcColumns) {
    var c = tr.cells, names = linkTexts(c[4]);
    tr.zddcColumns = {tracking: tr.dataset.tracking, title: c[1].textContent, rev: tr.dataset.rev,
                      status: c[3].textContent, name: names.join('\n'), ext: names.map(extension).join('\n'),
                      transmittal: linkTexts(c[5]).join('\n')};
  }
  return tr.zddcColumns;
}
function applyView() {
  var q = filter.value.trim() ? V.parseFilter(filter.value, COLUMN) : null, only = current.checked, shown = 0;
  rows.forEach(function(tr) {
    var show = (!q || V.matches(q, columns(tr))) && !(only && !tr.hasAttribute('data-latest'));
    tr.hidden = !show;
    if(show) shown++;
  });
  count.textContent = q || only ? shown + ' of ' + rows.length + ' shown' : all;
  save();
}
filter.addEventListener('input', applyView);
current.addEventListener('change', applyView);
if(!rows.length) current.parentNode.hidden = true; // no documents here

/* The view survives a reload; with none saved, Tracking ascending. */
var viewKey = 'zddc-register ' + doc.body.dataset.dir, restoring = true, view = V.loadView(viewKey);
function save() {
  if(!restoring) V.saveView(viewKey, {c: sortCol, a: sortAsc, q: filter.value, l: current.checked});
}
if(view) { filter.value = view.q || ''; current.checked = !!view.l; }
sortBy(view && heads[view.c] ? view.c : 0, view && heads[view.c] ? !!view.a : true);
restoring = false;
applyView();
})();
)";

inline constexpr std::string_view transmittals_script = R"(
/* The transmittals page's script: the filter. Every link works without it.
   It loads nothing and relies on zddcView (view_script, ahead of this) and
   on tbody.day, one per date, holding tr[data-date] rows whose cells are
   folder, tracking, status, title. */
(function() {
'use strict';
var V = zddcView, doc = document, filter = doc.getElementById('filter'), count = doc.getElementById('count');
var COLUMN = /^(date|tracking|status|title|name):/i, all = count.textContent;
var days = [].slice.call(doc.querySelectorAll('tbody.day'));
var rows = [].slice.call(doc.querySelectorAll('tr[data-date]'));
doc.documentElement.classList.remove('nojs');
function columns(tr) {
  var c = tr.cells;
  return {date: tr.dataset.date, name: c[0].textContent, tracking: c[1].textContent, status: c[2].textContent,
          title: c[3].textContent};
}
var viewKey = 'zddc-transmittals ' + doc.body.dataset.dir, view = V.loadView(viewKey);
function applyView() {
  var q = filter.value.trim() ? V.parseFilter(filter.value, COLUMN) : null, shown = 0;
  rows.forEach(function(tr) {
    tr.hidden = !!q && !V.matches(q, columns(tr));
    if(!tr.hidden) shown++;
  });
  days.forEach(function(tb) { tb.hidden = !tb.querySelector('tr[data-date]:not([hidden])'); });
  count.textContent = q ? shown + ' of ' + rows.length + ' shown' : all;
  V.saveView(viewKey, {q: filter.value});
}
if(view) filter.value = view.q || '';
filter.addEventListener('input', applyView);
applyView();
})();
)";

/// Bumped whenever the markup the two pages write changes; with the style
/// and scripts it makes `document_pages_version()`.
inline constexpr std::string_view document_pages_markup_version = "1";

// ---------------------------------------------------------------------------
// Parts of both pages.

inline std::string
count_of(std::size_t n, std::string_view one, std::string_view many)
{
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

/// `p` as the pages show it below `dir`: relative, decoded.
inline std::string
below(const repo_path& dir, const repo_path& p)
{
  std::string_view s = p.str();
  if(p == dir)
    return std::string(p.name());
  if(! dir.is_root() && p.is_within(dir))
    s.remove_prefix(dir.str().size() + 1);
  return std::string(s);
}

/// The page's title as a heading, then links to other views of `dir`, each
/// a query (already encoded; empty: the listing) on its directory URL.
inline void
heading_and_links(std::string& h, const repo_path& dir, std::string_view title,
                  std::initializer_list<std::pair<std::string_view, std::string_view>> links)
{
  h += "<h1>" + html_escape(title) + "</h1>\n";
  view_links(h, dir, links);
}

/// The folders whose listings were not at hand: what the page lacks.
inline void
missing_notice(std::string& h, const std::vector<repo_path>& missing, std::string_view lacking)
{
  if(missing.empty())
    return;
  h += "<div class=\"missing\" role=\"alert\"><strong>This page is incomplete.</strong> The folders below were "
       "not at hand here (this copy does not hold them and the master could not be asked), so ";
  h += lacking;
  h += ":<ul>\n";
  for(auto const& m : missing)
    h += "<li><a href=\"" + html_escape(encode(m, target_form::directory).str()) + "\">" +
         html_escape(dir_label(m)) + "</a></li>\n";
  h += "</ul></div>\n";
}

inline std::string
pending_badge(const register_file& f)
{
  if(! f.pending)
    return {};
  return "<span class=\"badge\" title=\"outbox entry " + html_escape(*f.pending) +
         "\">waiting for the master</span>";
}

/// A sortable header: the listing page's buttons, `aria-sort` and arrow.
inline void
sort_head(std::string& h, std::size_t col, std::string_view label, std::string_view cls, bool numeric)
{
  h += "<th data-col=\"" + std::to_string(col) + "\"";
  if(! cls.empty())
    h += " class=\"" + std::string(cls) + "\"";
  if(numeric)
    h += " data-num";
  if(col == 0)
    h += " aria-sort=\"ascending\"";
  h += "><button type=\"button\">" + std::string(label) + "<span class=\"arrow\" aria-hidden=\"true\">" +
       (col == 0 ? "\xE2\x96\xB2" : "") + "</span></button></th>";
}

// ---------------------------------------------------------------------------
// The register.

/// Every revision of the register (bases and modifiers), in revision order
/// and once each: a row's Rev sort key is its revision's place here.
inline std::vector<revision>
register_revisions(const document_register& r)
{
  std::vector<revision> revs;
  for(auto const& d : r.documents)
    for(auto const& base : d.revisions) {
      revs.push_back(base.rev);
      for(auto const& m : base.modifiers)
        revs.push_back(m.rev);
    }
  std::sort(revs.begin(), revs.end());
  revs.erase(std::unique(revs.begin(), revs.end()), revs.end());
  return revs;
}

struct revision_row {
  const register_document& doc;
  const register_revision& rev;
  std::size_t rank = 0;
  bool modifier = false;
  bool current = false;
  bool first = false; // the document's first row
};

inline void
files_cell(std::string& h, const register_revision& rev)
{
  if(rev.files.empty()) {
    h += "<td class=\"c-files none\" data-sort=\"\">no files of its own</td>";
    return;
  }
  h += "<td class=\"c-files\" data-sort=\"" + html_escape(rev.files.front().path.name()) + "\"><ul>";
  for(auto const& f : rev.files)
    h += "<li><a href=\"" + html_escape(encode(f.path, target_form::file).str()) + "\" title=\"" +
         html_escape(decoded(f.path)) + "\">" + html_escape(f.path.name()) + "</a><span class=\"sz\" title=\"" +
         std::to_string(f.size) + " bytes\">" + human_size(f.size) + "</span>" + pending_badge(f) + "</li>";
  h += "</ul></td>";
}

/// The transmittal folders that brought the revision's files, each once.
inline void
transmittal_cell(std::string& h, const register_revision& rev)
{
  std::vector<const repo_path*> folders;
  for(auto const& f : rev.files)
    if(f.transmittal && std::ranges::none_of(folders, [&f](auto const* p) { return *p == *f.transmittal; }))
      folders.push_back(&*f.transmittal);
  h += "<td class=\"c-trn\">";
  for(auto const* p : folders)
    h += "<a href=\"" + html_escape(encode(*p, target_form::directory).str()) + "\" title=\"" +
         html_escape(dir_label(*p)) + "\">" + html_escape(p->name()) + "</a>";
  h += "</td>";
}

inline void
register_row(std::string& h, const revision_row& row)
{
  auto const& rev = row.rev;
  auto const rev_text = format(rev.rev);
  auto const newest = std::min_element(rev.files.begin(), rev.files.end(), newer);
  bool const has_newest = newest != rev.files.end();
  bool const pending = std::ranges::any_of(rev.files, [](auto const& f) { return f.pending.has_value(); });

  h += "<tr data-tracking=\"" + html_escape(row.doc.tracking) + "\" data-rev=\"" + html_escape(rev_text) + "\"";
  if(row.current)
    h += " data-latest=\"1\"";
  h += std::string(" class=\"") + (row.modifier ? "mod" : "base") + (row.first ? " first" : "") +
       (pending ? " pending" : "") + "\">";
  h += "<td class=\"c-trk\">" + html_escape(row.doc.tracking) + "</td>";
  h += "<td class=\"c-ttl\">" +
       html_escape(has_newest && newest->name ? newest->name->title : row.doc.title) + "</td>";
  h += "<td class=\"c-rev\" data-sort=\"" + std::to_string(row.rank) + "\">" + html_escape(rev_text);
  if(row.current)
    h += "<span class=\"badge cur\" title=\"The current revision: the greatest issued revision, else the greatest "
         "draft\">current</span>";
  h += "</td><td class=\"c-st\">" + (rev.status ? std::string(format(*rev.status)) : std::string()) + "</td>";
  files_cell(h, rev);
  transmittal_cell(h, rev);
  if(has_newest)
    h += "<td class=\"c-mod\" data-sort=\"" + std::to_string(newest->mtime.time_since_epoch().count()) + "\">" +
         rfc3339_utc(newest->mtime) + "</td>";
  else
    h += "<td class=\"c-mod\"></td>";
  h += "</tr>\n";
}

inline void
register_table(std::string& h, const document_register& r)
{
  static constexpr std::pair<std::string_view, std::string_view> columns[] = {
    {"Tracking", "c-trk"}, {"Title", "c-ttl"},        {"Rev", "c-rev"},           {"Status", "c-st"},
    {"Files", "c-files"},  {"Transmittal", "c-trn"}, {"Modified (UTC)", "c-mod"}};
  h += "<table id=\"register\" class=\"reg grouped\"><thead><tr>";
  for(std::size_t i = 0; i < std::size(columns); ++i)
    sort_head(h, i, columns[i].first, columns[i].second, i == 2 || i == 6);
  h += "</tr></thead><tbody>\n";

  auto const revs = register_revisions(r);
  auto rank = [&revs](const revision& rev) {
    return static_cast<std::size_t>(std::lower_bound(revs.begin(), revs.end(), rev) - revs.begin());
  };
  for(auto const& d : r.documents)
    for(std::size_t i = 0; i < d.revisions.size(); ++i) {
      auto const& base = d.revisions[i];
      register_row(h, {d, base, rank(base.rev), false, d.current == i, i == 0});
      for(auto const& m : base.modifiers)
        register_row(h, {d, m, rank(m.rev), true, false, false});
    }
  if(r.documents.empty())
    h += "<tr><td colspan=\"7\" class=\"empty\">No documents here.</td></tr>\n";
  h += "</tbody></table>\n";
}

inline void
unclassified_section(std::string& h, const document_register& r)
{
  if(r.unclassified.empty())
    return;
  h += "<h2 id=\"unclassified\">Files outside the naming convention (" + std::to_string(r.unclassified.size()) +
       ")</h2>\n<table class=\"plain unc\"><thead><tr><th>File</th><th>Why it is not in the register</th>"
       "<th class=\"num\">Size</th><th class=\"num\">Modified (UTC)</th></tr></thead><tbody>\n";
  for(auto const& u : r.unclassified) {
    auto const& f = u.file;
    h += std::string("<tr") + (f.pending ? " class=\"pending\"" : "") + "><td class=\"u-name\"><a href=\"" +
         html_escape(encode(f.path, target_form::file).str()) + "\" title=\"" + html_escape(decoded(f.path)) +
         "\">" + html_escape(below(r.dir, f.path)) + "</a>" + pending_badge(f) + "</td><td class=\"u-why\">" +
         html_escape(u.reason) + "</td><td class=\"num u-size\" title=\"" + std::to_string(f.size) + " bytes\">" +
         human_size(f.size) + "</td><td class=\"num u-mod\">" + rfc3339_utc(f.mtime) + "</td></tr>\n";
  }
  h += "</tbody></table>\n";
}

inline std::size_t
revision_count(const document_register& r)
{
  std::size_t n = 0;
  for(auto const& d : r.documents)
    for(auto const& base : d.revisions)
      n += 1 + base.modifiers.size();
  return n;
}

// ---------------------------------------------------------------------------
// The transmittals.

/// `2025-10-31, Friday`: the date as transmittal names write it, and its day.
inline std::string
day_label(const std::chrono::year_month_day& date)
{
  static constexpr std::string_view names[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                               "Thursday", "Friday", "Saturday"};
  std::chrono::weekday const wd{std::chrono::sys_days(date)};
  return format_date(date) + ", " + std::string(names[wd.c_encoding() % 7]);
}

inline void
transmittal_row(std::string& h, const repo_path& dir, const std::string& date, const transmittal_summary& s)
{
  auto const href = html_escape(encode(s.path, target_form::directory).str());
  auto const shown = html_escape(below(dir, s.path));
  h += "<tr data-date=\"" + date + "\"><td class=\"t-name\"><a href=\"" + href + "\">" + shown +
       "/</a></td><td class=\"t-trk\">" + html_escape(s.name.tracking) + "</td><td class=\"t-st\">" +
       std::string(format(s.name.status)) + "</td><td class=\"t-ttl\">" + html_escape(s.name.title) +
       "</td><td class=\"num t-docs\">" + std::to_string(s.documents) + "<span class=\"ph\">" +
       (s.documents == 1 ? " document" : " documents") + "</span></td><td class=\"num t-files\">" +
       std::to_string(s.files) + "<span class=\"ph\">" + (s.files == 1 ? " file" : " files") +
       "</span></td><td class=\"t-zip\"><a href=\"" +
       html_escape(encode(s.path, target_form::directory).with_query("zip").str()) + "\" aria-label=\"ZIP of " +
       shown + "\">ZIP</a></td></tr>\n";
}

} // namespace detail

inline std::string
render_register_html(const document_register& r, const document_page_options& o)
{
  std::size_t files = 0;
  for(auto const& d : r.documents)
    for(auto const& base : d.revisions) {
      files += base.files.size();
      for(auto const& m : base.modifiers)
        files += m.files.size();
    }
  std::string h;
  h.reserve(24576 + files * 640 + r.unclassified.size() * 384);
  auto const title = "Register of " + detail::dir_label(r.dir);
  detail::page_head(h, r.dir, title, detail::register_style);
  detail::breadcrumbs(h, r.dir);
  detail::heading_and_links(h, r.dir, title,
                            {{"", "Directory listing"},
                             {"transmittals", "Transmittals"},
                             {"register&format=csv", "Download CSV"},
                             {"zip", "Download ZIP"}});
  detail::offline_banner(h, o.offline_since);
  detail::missing_notice(h, r.missing, "their documents are not in this register");
  detail::filter_tools(h, "+status:IFC -rev:~* spec*", "Current revisions only",
                       detail::count_of(detail::revision_count(r), "revision", "revisions") + " of " +
                         detail::count_of(r.documents.size(), "document", "documents"),
                       "tracking, rev, status, title, name, ext, transmittal");
  detail::register_table(h, r);
  detail::unclassified_section(h, r);
  h += "<script>";
  h += detail::view_script;
  h += detail::register_script;
  h += "</script>\n</body></html>\n";
  return h;
}

inline std::string
render_transmittals_html(const transmittal_index& t, const document_page_options& o)
{
  std::size_t total = 0;
  for(auto const& d : t.days)
    total += d.transmittals.size();
  std::string h;
  h.reserve(16384 + total * 768);
  auto const title = "Transmittals in " + detail::dir_label(t.dir);
  detail::page_head(h, t.dir, title, detail::register_style);
  detail::breadcrumbs(h, t.dir);
  detail::heading_and_links(h, t.dir, title, {{"register", "Register"}, {"", "Directory listing"}});
  detail::offline_banner(h, o.offline_since);
  detail::missing_notice(h, t.missing, "their transmittals are not listed here");
  detail::filter_tools(h, "+status:IFC date:2025-11*", "",
                       detail::count_of(total, "transmittal", "transmittals") + " on " +
                         detail::count_of(t.days.size(), "day", "days"),
                       "date, tracking, status, title, name (the folder)");
  h += "<table class=\"plain trn\"><thead><tr><th>Transmittal folder</th><th>Tracking</th><th>Status</th>"
       "<th>Title</th><th class=\"num\">Documents</th><th class=\"num\">Files</th>"
       "<th><span class=\"sr\">Download</span></th></tr></thead>\n";
  for(auto const& d : t.days) {
    auto const date = format_date(d.date);
    h += "<tbody class=\"day\"><tr class=\"dayhead\"><th colspan=\"7\" scope=\"rowgroup\"><time datetime=\"" + date +
         "\">" + detail::day_label(d.date) + "</time> <span class=\"n\">" +
         detail::count_of(d.transmittals.size(), "transmittal", "transmittals") + "</span></th></tr>\n";
    for(auto const& s : d.transmittals)
      detail::transmittal_row(h, t.dir, date, s);
    h += "</tbody>\n";
  }
  if(t.days.empty())
    h += "<tbody><tr><td colspan=\"7\" class=\"empty\">No transmittals here.</td></tr></tbody>\n";
  h += "</table>\n<script>";
  h += detail::view_script;
  h += detail::transmittals_script;
  h += "</script>\n</body></html>\n";
  return h;
}

inline std::string_view
document_pages_version()
{
  static const std::string version = [] {
    sha256 h;
    for(auto part : {detail::document_pages_markup_version, detail::listing_style, detail::register_style,
                     detail::view_script, detail::register_script, detail::transmittals_script}) {
      h.update(std::to_string(part.size()) + ":");
      h.update(part);
    }
    return to_hex(h.finish(), 8);
  }();
  return version;
}

} // namespace zddc::core
