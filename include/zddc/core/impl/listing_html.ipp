#pragma once

#include <zddc/core/html_escape.hpp>
#include <zddc/core/naming.hpp>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <map>

namespace zddc::core {
namespace detail {

inline std::string
human_size(std::uint64_t bytes)
{
  static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while(v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

/// `2026-01-01T09:30:00Z`: the one format the page shows instants in. The
/// banners' instants (`offline_since`, `walked_at`, a refusal's `at`) come
/// from the cache in this format and are shown as given.
inline std::string
rfc3339_utc(time_point t)
{
  using namespace std::chrono;
  auto const secs = floor<seconds>(t);
  auto const day = floor<days>(secs);
  year_month_day const ymd(day);
  hh_mm_ss const hms(secs - day);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", int(ymd.year()), unsigned(ymd.month()),
                unsigned(ymd.day()), int(hms.hours().count()), int(hms.minutes().count()),
                int(hms.seconds().count()));
  return buf;
}

// ---------------------------------------------------------------------------
// Twin names: the same text in different Unicode normalisation.
//
// Without ICU, by a simple rule that covers the accented Latin letters people
// type: a name is "decomposed" when it holds a combining mark (U+0300-U+036F,
// UTF-8 CC 80 - CD AF). Its twin key writes each precomposed Latin-1 letter
// (U+00C0-U+00FF, UTF-8 C3 80 - C3 BF) as base letter + combining mark and
// leaves every other byte as it is, so `Caf\xC3\xA9` (NFC) and `Cafe\xCC\x81`
// (NFD) share the key `Cafe\xCC\x81`, while `Cafe` does not. Two entries with
// the same key (and, names being unique, different bytes) are twins.

// U+00C0-U+00DF's base letters (' ': the letter has no decomposition) and
// the low byte of the combining mark (U+03xx) each decomposes with. U+00E0-
// U+00FF are the same letters in lower case, except U+00FF (y + U+0308).
inline constexpr std::string_view latin1_bases = "AAAAAA CEEEEIIII NOOOOO  UUUUY  ";
inline constexpr unsigned char latin1_marks[32] = {0x00, 0x01, 0x02, 0x03, 0x08, 0x0A, 0,    0x27,
                                                   0x00, 0x01, 0x02, 0x08, 0x00, 0x01, 0x02, 0x08,
                                                   0,    0x03, 0x00, 0x01, 0x02, 0x03, 0x08, 0,
                                                   0,    0x00, 0x01, 0x02, 0x08, 0x01, 0,    0};

inline bool
has_combining_mark(std::string_view name) noexcept
{
  for(std::size_t i = 0; i + 1 < name.size(); ++i) {
    auto const lead = static_cast<unsigned char>(name[i]), next = static_cast<unsigned char>(name[i + 1]);
    if((lead == 0xCC && next >= 0x80 && next <= 0xBF) || (lead == 0xCD && next >= 0x80 && next <= 0xAF))
      return true;
  }
  return false;
}

inline std::string
twin_key(std::string_view name)
{
  std::string key;
  key.reserve(name.size() + 8);
  for(std::size_t i = 0; i < name.size(); ++i) {
    auto const next = i + 1 < name.size() ? static_cast<unsigned char>(name[i + 1]) : 0u;
    if(static_cast<unsigned char>(name[i]) == 0xC3 && next >= 0x80 && next <= 0xBF) {
      unsigned const cp = 0xC0 + (next - 0x80), at = cp & 0x1F;
      char base = latin1_bases[at];
      unsigned char mark = latin1_marks[at];
      if(cp == 0xFF) {
        base = 'Y';
        mark = 0x08;
      }
      if(base != ' ') {
        key += cp >= 0xE0 ? static_cast<char>(base - 'A' + 'a') : base;
        key += static_cast<char>(0xCC);
        key += static_cast<char>(0x80 + mark); // U+0300 + mark, all below U+0340
        ++i;
        continue;
      }
    }
    key += name[i];
  }
  return key;
}

// ---------------------------------------------------------------------------
// What each row shows beyond the entry itself, some of it computed across
// the whole listing.

enum class twin_form { none, composed, decomposed };

struct row_marks {
  std::string tracking, rev, status, caption; // the ZDDC columns, empty for other names
  std::optional<revision> parsed_rev;         // documents only
  std::optional<std::size_t> rev_rank;        // the revision's place among the listing's revisions
  bool latest = false;                        // its tracking number's latest revision
  twin_form twin = twin_form::none;
};

inline bool
is_deleted(const listing_entry& e) noexcept
{
  return e.pending && e.pending->deletion;
}

inline row_marks
zddc_columns(const listing_entry& e)
{
  row_marks m;
  if(e.kind == file_kind::directory) {
    if(auto t = parse_transmittal_name(e.name)) {
      m.tracking = t->tracking;
      m.status = format(t->status);
      m.caption = format_date(t->date) + " " + t->title;
    }
  } else if(auto d = parse_document_name(e.name)) {
    m.tracking = d->tracking;
    m.rev = format(d->rev);
    m.status = format(d->status);
    m.caption = d->title;
    m.parsed_rev = d->rev;
  }
  return m;
}

/// Which revisions "Latest revision only" prefers: an issue (neither a
/// draft nor a modifier) over a draft base over anything else; within a
/// tier, the greatest in revision order.
inline int
latest_tier(const revision& r) noexcept
{
  if(r.mod)
    return 0;
  return r.draft ? 1 : 2;
}

/// The marks of every entry of `l`, in its order:
/// - Rev sort key: the rank of the row's revision among the distinct
///   revisions in the listing, in ZDDC revision order;
/// - latest: per tracking number, the rows (one per file format) holding
///   the revision `latest_tier` prefers; pending deletions take no part;
/// - twins: entries sharing a `twin_key`, marked by their form.
inline std::vector<row_marks>
mark_rows(const listing& l)
{
  std::vector<row_marks> marks;
  marks.reserve(l.entries.size());
  for(auto const& e : l.entries)
    marks.push_back(zddc_columns(e));

  std::vector<revision> revs;
  for(auto const& m : marks)
    if(m.parsed_rev)
      revs.push_back(*m.parsed_rev);
  std::sort(revs.begin(), revs.end());
  revs.erase(std::unique(revs.begin(), revs.end()), revs.end());

  std::map<std::string_view, std::pair<int, revision>> best; // by tracking number
  for(std::size_t i = 0; i < marks.size(); ++i) {
    auto& m = marks[i];
    if(! m.parsed_rev)
      continue;
    m.rev_rank = static_cast<std::size_t>(std::lower_bound(revs.begin(), revs.end(), *m.parsed_rev) - revs.begin());
    if(is_deleted(l.entries[i]))
      continue;
    std::pair<int, revision> const candidate{latest_tier(*m.parsed_rev), *m.parsed_rev};
    auto [it, inserted] = best.try_emplace(m.tracking, candidate);
    if(! inserted && it->second < candidate)
      it->second = candidate;
  }
  for(std::size_t i = 0; i < marks.size(); ++i) {
    auto& m = marks[i];
    if(m.parsed_rev && ! is_deleted(l.entries[i]))
      m.latest = best.at(m.tracking).second == *m.parsed_rev;
  }

  std::map<std::string, std::vector<std::size_t>> by_key;
  for(std::size_t i = 0; i < l.entries.size(); ++i)
    by_key[twin_key(l.entries[i].name)].push_back(i);
  for(auto const& [key, members] : by_key)
    if(members.size() > 1)
      for(auto i : members)
        marks[i].twin = has_combining_mark(l.entries[i].name) ? twin_form::decomposed : twin_form::composed;
  return marks;
}

// ---------------------------------------------------------------------------
// The page's style and script. The style, `view_script` and the page parts
// below (`page_head`, `breadcrumbs`, `offline_banner`, `filter_tools`) are
// shared with the register and transmittals pages (core/register_html.hpp).

inline constexpr std::string_view listing_style = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1d2329}
.nojs .js-only{display:none!important}[hidden]{display:none!important}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
a{color:#0b5cad}nav{margin-bottom:1rem;font-size:15px;overflow-wrap:anywhere}nav a{text-decoration:none}
.session{margin:0 0 .5rem;color:#4a545e;font-size:13px;text-align:right}.session form{display:inline}
button.link{background:none;border:0;padding:0;color:#0b5cad;font:inherit;text-decoration:underline;cursor:pointer}
table{border-collapse:collapse;width:100%}th,td{padding:.3rem .6rem;text-align:left;border-bottom:1px solid #e3e6ea;
  vertical-align:top}
th{background:#f4f6f8;white-space:nowrap;padding:0}
th button{display:block;width:100%;padding:.3rem .6rem;border:0;background:none;font:inherit;font-weight:600;
  color:inherit;text-align:inherit;cursor:pointer}
th button:hover{background:#e8ecf0}th button:focus-visible{outline:2px solid #0b5cad;outline-offset:-2px}
.arrow{display:inline-block;min-width:1em;margin-left:.2rem;color:#0b5cad}
th.num,td.num{text-align:right;white-space:nowrap}td.name{overflow-wrap:anywhere}td.dir a{font-weight:600}
.trk{white-space:nowrap}td.rev,td.stat{font-family:ui-monospace,monospace}.empty{color:#6b7580;font-style:italic}
.controls,.tools{margin:1rem 0;padding:.6rem;background:#f4f6f8;border-radius:4px;display:flex;flex-wrap:wrap;
  gap:.5rem 1rem;align-items:center}
.controls button,.pick{padding:.25rem .7rem;border:1px solid #9aa5b1;border-radius:3px;background:#fff;font:inherit;
  cursor:pointer}
.pick input{position:absolute;opacity:0;width:1px;height:1px}.pick:focus-within{outline:2px solid #0b5cad}
.hint{color:#6b7580}.dropping .controls{outline:3px dashed #0b5cad;background:#e8f1fb}
#results{flex-basis:100%;list-style:none;margin:0;padding:0}#results li{margin:.2rem 0}
#results progress{margin:0 .5rem;vertical-align:middle;width:8rem}
.tools input[type=search]{min-width:16rem;flex:1;padding:.25rem .4rem;font:inherit}
.tools details{flex-basis:100%;color:#4a545e}.tools dl{display:grid;grid-template-columns:auto 1fr;gap:.1rem 1rem;
  margin:.4rem 0}.tools dd{margin:0}#count{color:#4a545e}
button.del{color:#a1260d;background:none;border:1px solid #d9b3ab;border-radius:3px;cursor:pointer}
#msg p{margin:.5rem 0;padding:.4rem .6rem;border-radius:4px;background:#e8f1fb}#msg p.error{background:#fdecea}
#msg button,#results button{margin-left:.5rem}
.ok{color:#1e6b2f}.error{color:#a1260d}.warn{color:#7a5a00}
tr.pending td{background:#fff8e1}tr.deleted td{color:#6b7580;text-decoration:line-through}
.walked{margin:-.5rem 0 .8rem;color:#6b7580;font-size:.9em}
.links{margin:-.4rem 0 1rem;display:flex;flex-wrap:wrap;gap:.2rem 1.2rem;font-size:13px}
.banner{margin:0 0 1rem;padding:.6rem .8rem;border-radius:4px;background:#fff3cd;border:1px solid #e6c200}
.refused{margin:0 0 1rem;padding:.6rem .8rem;border-radius:4px;background:#fdecea;border:1px solid #e0a39a}
.refused li{margin:.3rem 0}.refused button{margin-left:.4rem}
.badge,.twin{font-size:12px;margin-left:.5rem;padding:0 .35rem;border-radius:3px;background:#f5d97a;color:#4a3b00;
  text-decoration:none;display:inline-block}.twin{background:#dfe3f5;color:#27306b;cursor:help}
@media (max-width:640px){
  body{margin:.6rem}.trk,.stat,.ttl,th.act{display:none}
  table,thead,tbody{display:block}
  tr{display:grid;grid-template-columns:3.2rem 5.4rem minmax(0,1fr) auto;border-bottom:1px solid #e3e6ea}
  thead tr{background:#f4f6f8}th,td{border:0}tbody td{padding:.15rem .4rem}
  th:first-child,td.name,td.empty{grid-column:1/-1}th.mod,td.mod{text-align:left}
  td.rev,td.num{font-size:13px}td.mod{white-space:normal}
  .tools input[type=search]{min-width:0;flex-basis:100%}
}
)";

/// What the listing and register pages' scripts share: the filter syntax,
/// the sort order of keys, the header marks, the saved view. One global,
/// `zddcView`, defined ahead of each page's own script.
inline constexpr std::string_view view_script = R"(
/* Shared by the listing and register pages. Defines one global, zddcView. */
var zddcView = (function() {
'use strict';
/* The filter, with the ZDDC archive tool's syntax: words separated by
   spaces; a row shows when it matches any plain word, every `+word` and no
   `-word`. `*` matches any run of characters; case does not matter.
   `column:word` looks in one column (those `columns`, a RegExp, accepts),
   a word without one in every column. A row's columns are an object of
   strings; a column with several values holds them one per line. */
function parseFilter(text, columns) {
  var q = {any: [], all: [], none: []};
  text.split(/\s+/).forEach(function(t) {
    var list = q.any, m, col = null;
    if(t.length > 1 && t.charAt(0) === '+') { list = q.all; t = t.slice(1); }
    else if(t.length > 1 && t.charAt(0) === '-') { list = q.none; t = t.slice(1); }
    if((m = columns.exec(t))) { col = m[1].toLowerCase(); t = t.slice(m[0].length); }
    if(!t) return;
    var glob = t.split('*').map(function(part) { return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); });
    list.push({re: new RegExp(glob.join('.*'), 'i'), col: col});
  });
  return q;
}
function hit(term, f) {
  return term.col ? term.re.test(f[term.col]) : Object.keys(f).some(function(c) { return term.re.test(f[c]); });
}
function matches(q, f) {
  return (!q.any.length || q.any.some(function(t) { return hit(t, f); })) &&
         q.all.every(function(t) { return hit(t, f); }) && !q.none.some(function(t) { return hit(t, f); });
}
/* Two sort keys: empty keys last either way, else numbers or text
   (numbers inside text by value, case ignored); 0 for a tie, which the
   caller breaks in the server's order. */
var collate = new Intl.Collator(undefined, {numeric: true, sensitivity: 'base'}).compare;
function compare(x, y, numeric, asc) {
  if(x === '' || y === '') return x === y ? 0 : x === '' ? 1 : -1;
  var r = numeric ? x - y : collate(x, y);
  return asc ? r : -r;
}
/* The header buttons: aria-sort and the arrow on the sorted column only. */
function markSorted(heads, col, asc) {
  heads.forEach(function(th, i) {
    if(i === col) th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
    else th.removeAttribute('aria-sort');
    th.querySelector('.arrow').textContent = i === col ? (asc ? '\u25b2' : '\u25bc') : '';
  });
}
/* A page's view (sort, filter, toggle) kept for the tab's session. */
function loadView(key) {
  try { return JSON.parse(sessionStorage.getItem(key) || 'null'); } catch(e) { return null; }
}
function saveView(key, view) {
  try { sessionStorage.setItem(key, JSON.stringify(view)); } catch(e) {}
}
return {parseFilter: parseFilter, matches: matches, compare: compare, markSorted: markSorted,
        loadView: loadView, saveView: saveView};
})();
)";

inline constexpr std::string_view listing_script = R"(
/* The listing page's script. Browsing and downloading work without it.
   It talks to this server only, and relies on:
   - GET /.zddc/session: 200 {"principal":..,"csrf":..} for a browser session;
     any other answer: no session. With a token, every PUT, DELETE, POST and
     MKCOL carries X-Zddc-Csrf: <csrf>; POST /.zddc/logout (form field csrf)
     signs out.
   - PUT <dir><name>: If-None-Match: * creates; If-Match: <the row's ETag>
     replaces. DELETE <dir><name> with If-Match: <ETag>; DELETE <dir><name>/
     deletes an empty folder; MKCOL <dir><name>/ creates one (201).
     The refused-write buttons POST to their data-href (retry or discard).
   - Answers: 2xx done, 202 queued by a cache until the master answers, 412
     changed since this page was loaded, anything else refused with a short
     text/plain reason. A PUT may add Zddc-Name-Warning: <advice>.
   - Rows: tr[data-kind=d|f] with data-name, data-etag, data-tracking and
     data-latest ("Latest revision only"); td[data-sort] holds sort keys.
   - zddcView (view_script, ahead of this): filter, sort order, saved view. */
(function() {
'use strict';
var V = zddcView, doc = document, body = doc.body, tbody = doc.querySelector('tbody'), msg = doc.getElementById('msg');
var dir = body.dataset.dir;
var rows = [].slice.call(tbody.querySelectorAll('tr[data-kind]'));
rows.forEach(function(tr, i) { tr.zddcOrder = i; });
doc.documentElement.classList.remove('nojs');

function el(tag, props, kids) {
  var e = doc.createElement(tag);
  for(var k in props) e[k] = props[k];
  (kids || []).forEach(function(c) { e.appendChild(typeof c === 'string' ? doc.createTextNode(c) : c); });
  return e;
}
function reloadButton() {
  return el('button', {type: 'button', textContent: 'Reload', onclick: function() { location.reload(); }});
}
function say(text, kind, offerReload) {
  msg.textContent = '';
  var p = msg.appendChild(el('p', {className: kind || ''}, [text]));
  if(offerReload) p.appendChild(reloadButton());
}

/* --- Session: who is signed in, and the token writes carry. --- */
var session = fetch('/.zddc/session', {credentials: 'same-origin', headers: {Accept: 'application/json'}})
  .then(function(r) { return r.status === 200 ? r.json() : null; })
  .catch(function() { return null; });
session.then(function(s) {
  if(!s || typeof s.principal !== 'string') return;
  var line = doc.getElementById('session');
  line.append('Signed in as ', el('strong', {textContent: s.principal}), ' \u00b7 ',
    el('form', {method: 'post', action: '/.zddc/logout'},
       [el('input', {type: 'hidden', name: 'csrf', value: s.csrf || ''}),
        el('button', {className: 'link', textContent: 'Sign out'})]));
  line.hidden = false;
});
function csrfHeaders(s, headers) {
  if(s && s.csrf) headers['X-Zddc-Csrf'] = s.csrf;
  return headers;
}

/* --- What a write's answer means to the person. --- */
function verdict(what, name, status, reason) {
  if(status === 202) return {ok: true, queued: true, text: 'queued; will be sent when the master answers'};
  if(status >= 200 && status < 300) return {ok: true};
  if(status === 412) return {stale: true, text: name + ' was changed by someone else since this page was loaded.'};
  if(status === 0) return {text: what + ' failed: the server could not be reached.'};
  reason = (reason || '').trim().split('\n')[0].slice(0, 300);
  return {text: what + ' refused (' + status + ')' + (reason ? ': ' + reason : '')};
}
/* A write by fetch; done: reload, or say why not. */
function write(method, url, headers, what, name, onQueued) {
  session.then(function(s) {
    return fetch(url, {method: method, headers: csrfHeaders(s, headers), credentials: 'same-origin'});
  }).then(function(r) {
    return r.text().then(function(t) { return verdict(what, name, r.status, t); });
  }, function() { return verdict(what, name, 0); }).then(function(v) {
    if(!v.ok) return say(v.text, 'error', v.stale);
    if(!v.queued) return location.reload();
    if(onQueued) onQueued();
    say(what + ' ' + v.text + '.', '', true);
  });
}

/* --- Sorting: directories first, empty keys last, ties in server order. --- */
var heads = [].slice.call(doc.querySelectorAll('th[data-col]'));
var sortCol = 0, sortAsc = true;
function sortKey(tr, col) {
  if(col === 0) return tr.dataset.name;
  var td = tr.cells[col];
  return td.hasAttribute('data-sort') ? td.getAttribute('data-sort') : td.textContent;
}
function sortBy(col, asc) {
  sortCol = col; sortAsc = asc;
  var numeric = heads[col].hasAttribute('data-num');
  V.markSorted(heads, col, asc);
  rows.sort(function(a, b) {
    if(a.dataset.kind !== b.dataset.kind) return a.dataset.kind === 'd' ? -1 : 1;
    return V.compare(sortKey(a, col), sortKey(b, col), numeric, asc) || a.zddcOrder - b.zddcOrder;
  });
  rows.forEach(function(r) { tbody.appendChild(r); });
  save();
}
heads.forEach(function(th, i) {
  th.querySelector('button').addEventListener('click', function() { sortBy(i, sortCol === i ? !sortAsc : true); });
});

/* --- Filter (zddcView's syntax); `column:word` for name, tracking, rev,
   status, title, ext. --- */
var filter = doc.getElementById('filter'), latest = doc.getElementById('latest'), count = doc.getElementById('count');
var COLUMN = /^(name|tracking|rev|status|title|ext):/i;
function columns(tr) {
  if(!tr.zddcColumns) {
    var name = tr.dataset.name, dot = name.lastIndexOf('.'), c = tr.cells;
    tr.zddcColumns = {name: name, tracking: c[1].textContent, rev: c[2].textContent, status: c[3].textContent,
                      title: c[4].textContent, ext: tr.dataset.kind === 'f' && dot > 0 ? name.slice(dot + 1) : ''};
  }
  return tr.zddcColumns;
}
function applyView() {
  var tree = filter.value.trim() ? V.parseFilter(filter.value, COLUMN) : null, only = latest.checked, shown = 0;
  rows.forEach(function(tr) {
    var show = (!tree || V.matches(tree, columns(tr))) &&
               !(only && tr.hasAttribute('data-tracking') && !tr.hasAttribute('data-latest'));
    tr.hidden = !show;
    if(show) shown++;
  });
  count.textContent = tree || only ? shown + ' of ' + rows.length + ' shown' : rows.length + ' entries';
  save();
}
filter.addEventListener('input', applyView);
if(!tbody.querySelector('tr[data-tracking]')) latest.parentNode.hidden = true; // no documents here
latest.addEventListener('change', applyView);

/* The view (sort, filter, toggle) survives the reload after a write. With
   none saved, Name ascending, in the same order a click on Name gives. */
var viewKey = 'zddc-view ' + dir, restoring = true, view = V.loadView(viewKey);
function save() {
  if(!restoring) V.saveView(viewKey, {c: sortCol, a: sortAsc, q: filter.value, l: latest.checked});
}
if(view) { filter.value = view.q || ''; latest.checked = !!view.l; }
sortBy(view && heads[view.c] ? view.c : 0, view && heads[view.c] ? !!view.a : true);
restoring = false;
applyView();

/* --- Refused writes: keep mine / keep the master's. --- */
doc.querySelectorAll('button.settle').forEach(function(b) {
  b.addEventListener('click', function() {
    if(!confirm(b.dataset.ask)) return;
    write('POST', b.dataset.href, {}, b.textContent + ' for ' + b.dataset.name, b.dataset.name);
  });
});

/* --- Delete: files with the ETag the page shows, empty folders. --- */
doc.querySelectorAll('button.del').forEach(function(b) {
  b.addEventListener('click', function() {
    var tr = b.closest('tr'), name = tr.dataset.name, folder = tr.dataset.kind === 'd', headers = {};
    if(!confirm(folder ? 'Delete the empty folder ' + name + '?' : 'Delete ' + name + '?')) return;
    if(!folder && tr.dataset.etag) headers['If-Match'] = tr.dataset.etag;
    write('DELETE', b.dataset.href, headers, 'Deletion of ' + name, name, function() { tr.classList.add('deleted'); });
  });
});

var form = doc.getElementById('upload');
if(!form) return;

/* --- New folder. --- */
doc.getElementById('mkdir').addEventListener('click', function() {
  var name = prompt('Name of the new folder:');
  if(name === null || !(name = name.trim())) return;
  if(name.indexOf('/') >= 0) return say('A folder name cannot contain "/".', 'error');
  write('MKCOL', dir + encodeURIComponent(name) + '/', {}, 'New folder ' + name, name);
});

/* --- Upload: create-only, or replace the version this page shows. --- */
var results = doc.getElementById('results');
function rowNamed(name) {
  for(var i = 0; i < rows.length; i++) if(rows[i].dataset.name === name) return rows[i];
  return null;
}
function note(li, text, kind) { li.appendChild(el('span', {className: kind || ''}, [' ' + text])); }
function uploadAll(files) {
  var jobs = [], done = 0, failed = 0, keep = false;
  results.textContent = ''; msg.textContent = '';
  files.forEach(function(f) {
    var li = results.appendChild(el('li', null, [el('strong', {textContent: f.file.name})]));
    var tr = rowNamed(f.file.name), job = {file: f.file, li: li, replace: null};
    if(f.folder) return note(li, 'not sent: folders cannot be uploaded; make one with New folder', 'error');
    if(tr && tr.dataset.kind === 'd') return note(li, 'not sent: a folder of that name is here', 'error');
    if(tr && !tr.classList.contains('deleted')) {
      var rev = tr.cells[2].textContent;
      if(!confirm('Replace ' + (rev ? 'revision ' + rev : 'the current version') + ' of ' + f.file.name + '?'))
        return note(li, 'not sent');
      job.replace = tr.dataset.etag || '*';
    }
    job.bar = li.appendChild(el('progress', {max: 1, value: 0}));
    jobs.push(job);
  });
  (function next() {
    var job = jobs.shift();
    if(job) return put(job, function(v) {
      if(v.ok) done++; else failed++;
      if(!v.ok || v.queued || v.warning) keep = true;
      next();
    });
    if(done && !keep) return location.reload();
    if(done)
      say(done + ' of ' + (done + failed) + ' uploads done. The list below is as it was.', failed ? 'error' : '', true);
  })();
}
function put(job, then) {
  var name = job.file.name;
  session.then(function(s) {
    var x = new XMLHttpRequest();
    x.open('PUT', dir + encodeURIComponent(name));
    var headers = csrfHeaders(s, job.replace ? {'If-Match': job.replace} : {'If-None-Match': '*'});
    Object.keys(headers).forEach(function(h) { x.setRequestHeader(h, headers[h]); });
    x.upload.onprogress = function(e) { if(e.lengthComputable) { job.bar.max = e.total; job.bar.value = e.loaded; } };
    x.onload = x.onerror = function() {
      var v = verdict('Upload of ' + name, name, x.status, x.responseText);
      if(v.ok) job.bar.value = job.bar.max;
      note(job.li, v.ok ? v.text || (job.replace ? 'replaced' : 'uploaded') : v.text, v.ok ? 'ok' : 'error');
      if(v.stale) job.li.appendChild(reloadButton());
      v.warning = v.ok && x.getResponseHeader('Zddc-Name-Warning');
      if(v.warning) note(job.li, '\u26a0 ' + v.warning, 'warn');
      then(v);
    };
    x.send(job.file);
  });
}
var input = doc.getElementById('file');
input.addEventListener('change', function() {
  var files = [].map.call(input.files, function(f) { return {file: f}; });
  input.value = '';
  uploadAll(files);
});
form.addEventListener('submit', function(e) { e.preventDefault(); });
function carriesFiles(e) { return e.dataTransfer && [].indexOf.call(e.dataTransfer.types, 'Files') >= 0; }
doc.addEventListener('dragover', function(e) {
  if(!carriesFiles(e)) return;
  e.preventDefault();
  body.classList.add('dropping');
});
doc.addEventListener('dragleave', function(e) { if(!e.relatedTarget) body.classList.remove('dropping'); });
doc.addEventListener('drop', function(e) {
  body.classList.remove('dropping');
  if(!carriesFiles(e)) return;
  e.preventDefault();
  var items = e.dataTransfer.items || [];
  uploadAll([].map.call(e.dataTransfer.files, function(f, i) {
    var entry = items[i] && items[i].webkitGetAsEntry && items[i].webkitGetAsEntry();
    return {file: f, folder: !!(entry && entry.isDirectory)};
  }));
});
})();
)";

/// Bumped whenever the markup `render_listing_html` writes changes; with
/// the style and script it makes the page's part of every HTML tag.
inline constexpr std::string_view listing_markup_version = "2";

inline const std::string&
listing_page_version()
{
  static const std::string version = [] {
    sha256 h;
    h.update(listing_markup_version);
    h.update(listing_style);
    h.update(view_script);
    h.update(listing_script);
    return to_hex(h.finish(), 8);
  }();
  return version;
}

// ---------------------------------------------------------------------------
// The page, part by part.

/// `/` or `/a/b/`: a directory as the pages name it, decoded.
inline std::string
dir_label(const repo_path& dir)
{
  return dir.is_root() ? std::string("/") : "/" + std::string(dir.str()) + "/";
}

/// The document up to the open body: `title` (text, escaped here), the
/// shared style plus a page's own `extra_style`, the session line.
inline void
page_head(std::string& h, const repo_path& dir, std::string_view title, std::string_view extra_style = {})
{
  h += "<!DOCTYPE html>\n<html lang=\"en\" class=\"nojs\"><head><meta charset=\"utf-8\">"
       "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>";
  h += html_escape(title);
  h += " - ZDDC</title><style>";
  h += listing_style;
  h += extra_style;
  h += "</style></head><body data-dir=\"";
  h += html_escape(encode(dir, target_form::directory).str());
  h += "\">\n<p id=\"session\" class=\"session\" hidden></p>\n";
}

/// Breadcrumbs: each ancestor, decoded for reading, encoded for linking.
inline void
breadcrumbs(std::string& h, const repo_path& dir)
{
  h += "<nav><a href=\"/\">ZDDC</a>";
  repo_path crumb;
  std::string_view rest = dir.str();
  while(! rest.empty()) {
    auto const slash = rest.find('/');
    auto next = crumb.child(rest.substr(0, slash));
    ZDDC_ASSERT(next.has_value()); // a prefix of the valid repo_path dir is valid
    crumb = std::move(*next);
    h += " / <a href=\"";
    h += html_escape(encode(crumb, target_form::directory).str());
    h += "\">";
    h += html_escape(crumb.name());
    h += "</a>";
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }
  h += "</nav>\n";
}

/// A line of links to the folder's other views (`query` empty: the
/// listing itself), each built from the encoded folder.
inline void
view_links(std::string& h, const repo_path& dir,
           std::initializer_list<std::pair<std::string_view, std::string_view>> links)
{
  h += "<p class=\"links\">";
  auto const base = encode(dir, target_form::directory);
  for(auto const& [query, text] : links)
    h += "<a href=\"" + html_escape((query.empty() ? base : base.with_query(query)).str()) + "\">" +
         html_escape(text) + "</a>";
  h += "</p>\n";
}

/// The writes the master refused in this directory, each with both
/// versions and the two ways to settle it.
inline std::string
refused_section(const std::vector<refused_write>& refused)
{
  std::string h = "<div class=\"refused\" role=\"alert\"><strong>Changes the master did not accept</strong><ul>\n";
  for(auto const& r : refused) {
    auto const base = "/.zddc/outbox/" + html_escape(r.entry);
    auto const name = html_escape(r.name);
    h += "<li>" + name + ": ";
    h += r.deletion ? "your deletion" : "your version";
    if(r.conflict)
      h += " was refused because the master's copy changed since you saw it (" + html_escape(r.at) + "). ";
    else
      h += " was refused by the master (" + std::to_string(r.master_status) + ", " + html_escape(r.at) + "). ";
    if(! r.deletion)
      h += "<a href=\"" + base + "/mine\">yours</a>";
    if(r.master_status == 200 || ! r.conflict)
      h += std::string(r.deletion ? "" : " · ") + "<a href=\"" + base + "/theirs\">" +
           (r.conflict ? "the master's" : "the master's answer") + "</a>";
    h += "<button class=\"settle js-only\" data-href=\"" + base + "/retry\" data-name=\"" + name +
         "\" data-ask=\"Send your " + (r.deletion ? "deletion" : "version") + " of " + name + " again" +
         (r.conflict ? ", over the master's version" : "") + "?\">Keep mine</button>";
    h += "<button class=\"settle js-only\" data-href=\"" + base + "/discard\" data-name=\"" + name +
         "\" data-ask=\"Drop your " + (r.deletion ? "deletion" : "version") + " of " + name +
         " and keep the master's?\">Keep the master's</button></li>\n";
  }
  return h + "</ul></div>\n";
}

/// A cache serving its stored copy: the master has not answered since `since`.
inline void
offline_banner(std::string& h, const std::optional<std::string>& since)
{
  if(since)
    h += "<p class=\"banner\" role=\"status\"><strong>The master cannot be reached</strong> (since " +
         html_escape(*since) +
         "). This page shows the last copy kept here. Your changes are kept and sent when it is back.</p>\n";
}

/// A mirror's walk, the offline banner and the refused writes.
inline void
banners(std::string& h, const html_listing_options& options)
{
  if(options.mirrored)
    h += "<p class=\"walked\">Mirror of the master: " +
         (options.walked_at ? "last fully up to date at " + html_escape(*options.walked_at)
                            : std::string("not yet fully up to date")) +
         "</p>\n";
  offline_banner(h, options.offline_since);
  if(! options.refused.empty())
    h += refused_section(options.refused);
}

/// The filter box (`#filter`, showing `example`), a toggle (`#latest`, none
/// when `toggle` is empty), the count (`#count`, holding `count` until the
/// script writes it) and the syntax help naming the page's filter
/// `columns`; script only.
inline void
filter_tools(std::string& h, std::string_view example, std::string_view toggle, std::string_view count,
             std::string_view columns)
{
  h += "<div class=\"tools js-only\"><input type=\"search\" id=\"filter\" aria-label=\"Filter\" "
       "placeholder=\"Filter, e.g.  " + html_escape(example) + "\" aria-describedby=\"count\">";
  if(! toggle.empty())
    h += "<label><input type=\"checkbox\" id=\"latest\"> " + html_escape(toggle) + "</label>";
  h += "<span id=\"count\">" + html_escape(count) + "</span>"
       "<details><summary>Filter syntax</summary><dl>"
       "<dt><code>spec</code></dt><dd>contains \xE2\x80\x9Cspec\xE2\x80\x9D in any column, "
       "upper or lower case</dd>"
       "<dt><code>ifa ifc</code></dt><dd>either word (words are alternatives)</dd>"
       "<dt><code>+spec</code></dt><dd>must contain \xE2\x80\x9Cspec\xE2\x80\x9D</dd>"
       "<dt><code>-~</code></dt><dd>must not contain \xE2\x80\x9C~\xE2\x80\x9D (no drafts)</dd>"
       "<dt><code>sw*gear</code></dt><dd><code>*</code> stands for any run of characters</dd>"
       "<dt><code>status:IFC</code></dt><dd>in one column: " +
       html_escape(columns) + "</dd></dl></details></div>\n";
}

/// Upload and New folder for a writer, the message area, and the filter
/// tools; all of it needs the script, so hidden without it.
inline void
controls(std::string& h, const html_listing_options& options)
{
  if(options.can_write)
    h += "<form id=\"upload\" class=\"controls js-only\"><label class=\"pick\">Upload files\xE2\x80\xA6"
         "<input type=\"file\" id=\"file\" multiple></label>"
         "<button type=\"button\" id=\"mkdir\">New folder\xE2\x80\xA6</button>"
         "<span class=\"hint\">or drop files anywhere on this page</span>"
         "<ul id=\"results\" aria-live=\"polite\"></ul></form>\n";
  h += "<div id=\"msg\" role=\"status\" aria-live=\"polite\"></div>\n";
  filter_tools(h, "+status:IFC -rev:~* spec*", "Latest revision only", "", "name, tracking, rev, status, title, ext");
}

inline void
table_head(std::string& h, bool can_write)
{
  // Name is the server's order (directories first, then by name).
  struct column {
    const char* label;
    const char* cls;
    bool numeric;
  };
  static constexpr column columns[] = {{"Name", "", false},         {"Tracking", "trk", false},
                                       {"Rev", "rev", false},       {"Status", "stat", false},
                                       {"Title / Date", "ttl", false}, {"Size", "num", true},
                                       {"Modified (UTC)", "num mod", true}};
  h += "<table><thead><tr>";
  for(std::size_t i = 0; i < std::size(columns); ++i) {
    auto const& c = columns[i];
    h += "<th data-col=\"" + std::to_string(i) + "\"";
    if(*c.cls)
      h += std::string(" class=\"") + c.cls + "\"";
    if(c.numeric || i == 2)
      h += " data-num";
    if(i == 0)
      h += " aria-sort=\"ascending\"";
    h += std::string("><button type=\"button\">") + c.label + "<span class=\"arrow\" aria-hidden=\"true\">" +
         (i == 0 ? "\xE2\x96\xB2" : "") + "</span></button></th>";
  }
  if(can_write)
    h += "<th class=\"act js-only\"><span class=\"sr\">Actions</span></th>";
  h += "</tr></thead><tbody>\n";
}

inline void
entry_row(std::string& h, const repo_path& dir, const listing_entry& e, const row_marks& m, bool can_write)
{
  bool const is_dir = e.kind == file_kind::directory;
  auto const child = dir.child(e.name);
  if(! child)
    return; // a listing holds valid names only; nothing to link otherwise
  auto const href = html_escape(encode(*child, is_dir ? target_form::directory : target_form::file).str());
  auto const name = html_escape(e.name);
  bool const deleted = is_deleted(e);

  h += is_dir ? "<tr data-kind=\"d\"" : "<tr data-kind=\"f\"";
  h += " data-name=\"" + name + "\"";
  if(e.etag && ! deleted)
    h += " data-etag=\"" + html_escape(e.etag->to_string()) + "\"";
  if(m.parsed_rev) {
    h += " data-tracking=\"" + html_escape(m.tracking) + "\"";
    if(m.latest)
      h += " data-latest=\"1\"";
  }
  if(e.pending)
    h += deleted ? " class=\"deleted\"" : " class=\"pending\"";

  h += is_dir ? "><td class=\"name dir\">" : "><td class=\"name\">";
  if(deleted)
    h += name; // gone, as far as this cache's people are concerned
  else
    h += "<a href=\"" + href + "\">" + name + (is_dir ? "/" : "") + "</a>";
  if(e.pending)
    h += std::string("<span class=\"badge\" title=\"outbox entry ") + html_escape(e.pending->entry) + "\">" +
         (deleted ? "deletion waiting for the master" : "waiting for the master") + "</span>";
  if(m.twin != twin_form::none) {
    bool const composed = m.twin == twin_form::composed;
    h += std::string("<span class=\"twin\" title=\"Another entry here has a name that looks the same but is "
                     "written with ") +
         (composed ? "decomposed" : "precomposed") + " accents (Unicode " + (composed ? "NFD" : "NFC") +
         "). This one uses " + (composed ? "precomposed" : "decomposed") +
         " accents. They are different entries.\">" + (composed ? "NFC" : "NFD") + "</span>";
  }
  h += "</td>";

  h += "<td class=\"trk\">" + html_escape(m.tracking) + "</td><td class=\"rev\"";
  if(m.rev_rank)
    h += " data-sort=\"" + std::to_string(*m.rev_rank) + "\"";
  h += ">" + html_escape(m.rev) + "</td><td class=\"stat\">" + html_escape(m.status) + "</td><td class=\"ttl\">" +
       html_escape(m.caption) + "</td>";
  if(is_dir)
    h += "<td class=\"num\"></td>";
  else
    h += "<td class=\"num\" data-sort=\"" + std::to_string(e.size) + "\" title=\"" + std::to_string(e.size) +
         " bytes\">" + human_size(e.size) + "</td>";
  h += "<td class=\"num mod\" data-sort=\"" + std::to_string(e.mtime.time_since_epoch().count()) + "\">" +
       rfc3339_utc(e.mtime) + "</td>";
  if(can_write) {
    h += "<td class=\"js-only\">";
    if(! e.pending)
      h += "<button type=\"button\" class=\"del\" data-href=\"" + href + "\"" +
           (is_dir ? " title=\"Delete this folder; only an empty folder can be deleted\"" : "") + ">Delete</button>";
    h += "</td>";
  }
  h += "</tr>\n";
}

} // namespace detail

inline std::string
render_listing_html(const listing& l, const html_listing_options& options)
{
  std::string h;
  h.reserve(24576 + l.entries.size() * 768);
  detail::page_head(h, l.dir, detail::dir_label(l.dir));
  detail::breadcrumbs(h, l.dir);
  detail::view_links(h, l.dir, {{"register", "Register"}, {"transmittals", "Transmittals"}, {"zip", "Download ZIP"}});
  detail::banners(h, options);
  detail::controls(h, options);
  detail::table_head(h, options.can_write);

  auto const marks = detail::mark_rows(l);
  for(bool const dirs : {true, false})
    for(std::size_t i = 0; i < l.entries.size(); ++i)
      if((l.entries[i].kind == file_kind::directory) == dirs)
        detail::entry_row(h, l.dir, l.entries[i], marks[i], options.can_write);
  if(l.entries.empty())
    h += "<tr><td colspan=\"" + std::string(options.can_write ? "8" : "7") +
         "\" class=\"empty\">This folder is empty.</td></tr>\n";

  h += "</tbody></table>\n<script>";
  h += detail::view_script;
  h += detail::listing_script;
  h += "</script>\n</body></html>\n";
  return h;
}

inline entity_tag
html_listing_tag(const listing& l, const html_listing_options& options)
{
  // Every input of the page, each length-prefixed so no two differ only
  // in where one field ends.
  sha256 h;
  auto field = [&h](std::string_view s) {
    h.update(std::to_string(s.size()) + ":");
    h.update(s);
  };
  field(listing_tag(l, listing_format::html).opaque());
  field(detail::listing_page_version());
  field(options.can_write ? "w" : "r");
  field(options.offline_since ? "offline " + *options.offline_since : "online");
  field(options.mirrored ? "walked " + options.walked_at.value_or("never") : "not mirrored");
  for(auto const& r : options.refused) {
    field(r.entry);
    field(r.name);
    field(r.at);
    field(std::to_string(r.master_status) + (r.conflict ? "c" : "r") + (r.deletion ? "d" : "p"));
  }
  auto tag = entity_tag::strong(to_hex(h.finish(), 16) + "-html");
  ZDDC_ASSERT(tag.has_value()); // hex digits, '-' and letters are valid opaque-tag characters
  return std::move(*tag);
}

} // namespace zddc::core
