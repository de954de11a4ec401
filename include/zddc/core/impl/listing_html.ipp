#pragma once

#include <zddc/core/html_escape.hpp>
#include <zddc/core/naming.hpp>

#include <cstdio>

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

inline std::string
iso_utc(time_point t)
{
  using namespace std::chrono;
  auto const secs = floor<seconds>(t);
  auto const day = floor<days>(secs);
  year_month_day const ymd(day);
  hh_mm_ss const hms(secs - day);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02d:%02d:%02dZ", int(ymd.year()), unsigned(ymd.month()),
                unsigned(ymd.day()), int(hms.hours().count()), int(hms.minutes().count()),
                int(hms.seconds().count()));
  return buf;
}

inline constexpr std::string_view listing_style = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1d2329}
nav{margin-bottom:1rem;font-size:15px}nav a{color:#0b5cad;text-decoration:none}
table{border-collapse:collapse;width:100%}th,td{padding:.3rem .6rem;text-align:left;border-bottom:1px solid #e3e6ea}
th{cursor:pointer;background:#f4f6f8;user-select:none;white-space:nowrap}th:hover{background:#e8ecf0}
td.num{text-align:right;white-space:nowrap}td.dir a{font-weight:600}a{color:#0b5cad}
.st{font-family:ui-monospace,monospace}.empty{color:#6b7580;font-style:italic}
form{margin:1rem 0;padding:.6rem;background:#f4f6f8;border-radius:4px}
button.del{color:#a1260d;background:none;border:1px solid #d9b3ab;border-radius:3px;cursor:pointer}
#msg{color:#a1260d}
tr.pending td{background:#fff8e1}tr.deleted td{color:#6b7580;text-decoration:line-through}
.walked{margin:-.5rem 0 .8rem;color:#6b7580;font-size:.9em}
.banner{margin:0 0 1rem;padding:.6rem .8rem;border-radius:4px;background:#fff3cd;border:1px solid #e6c200}
.refused{margin:0 0 1rem;padding:.6rem .8rem;border-radius:4px;background:#fdecea;border:1px solid #e0a39a}
.refused li{margin:.3rem 0}.refused button{margin-left:.4rem}
.badge{font-size:12px;margin-left:.5rem;padding:0 .35rem;border-radius:3px;background:#f5d97a;color:#4a3b00;
  text-decoration:none;display:inline-block}
)";

inline constexpr std::string_view listing_script = R"(
document.querySelectorAll('th[data-col]').forEach(function(th){th.addEventListener('click',function(){
  var body=document.querySelector('tbody'),col=+th.dataset.col,asc=th.dataset.asc!=='1';
  document.querySelectorAll('th').forEach(function(h){h.dataset.asc=''});th.dataset.asc=asc?'1':'0';
  var rows=[].slice.call(body.querySelectorAll('tr[data-kind]'));
  rows.sort(function(a,b){
    if(a.dataset.kind!==b.dataset.kind)return a.dataset.kind==='d'?-1:1;
    var x=a.children[col].dataset.sort||a.children[col].textContent,y=b.children[col].dataset.sort||b.children[col].textContent;
    var nx=Number(x),ny=Number(y),r=(!isNaN(nx)&&!isNaN(ny)&&x!==''&&y!=='')?nx-ny:x.localeCompare(y);
    return asc?r:-r;});
  rows.forEach(function(r){body.appendChild(r)});});});
function zddcFail(r){document.getElementById('msg').textContent=r.status+' '+r.statusText;}
var up=document.getElementById('upload');
if(up)up.addEventListener('submit',function(e){e.preventDefault();
  var files=document.getElementById('file').files,n=files.length;if(!n)return;
  [].forEach.call(files,function(f){fetch(location.pathname+encodeURIComponent(f.name),{method:'PUT',body:f})
    .then(function(r){if(!r.ok)zddcFail(r);else if(--n===0)location.reload();});});});
document.querySelectorAll('button.settle').forEach(function(b){b.addEventListener('click',function(){
  if(!confirm(b.dataset.ask))return;
  fetch(b.dataset.href,{method:'POST'}).then(function(r){if(r.ok)location.reload();else zddcFail(r);});});});
document.querySelectorAll('button.del').forEach(function(b){b.addEventListener('click',function(){
  if(!confirm('Delete '+b.dataset.name+'?'))return;
  fetch(b.dataset.href,{method:'DELETE'}).then(function(r){if(r.ok)location.reload();else zddcFail(r);});});});
)";

/// The writes the master refused in this directory, each with both
/// versions and the two ways to settle it.
inline std::string
refused_section(const std::vector<refused_write>& refused)
{
  std::string h = "<div class=\"refused\" role=\"alert\"><strong>Changes the master did not accept</strong><ul>\n";
  for(auto const& r : refused) {
    auto const base = "/.zddc/outbox/" + html_escape(r.entry);
    h += "<li>" + html_escape(r.name) + ": ";
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
    h += "<button class=\"settle\" data-href=\"" + base + "/retry\" data-ask=\"Send your " +
         (r.deletion ? "deletion" : "version") + " of " + html_escape(r.name) + " again" +
         (r.conflict ? ", over the master's version" : "") + "?\">Keep mine</button>";
    h += "<button class=\"settle\" data-href=\"" + base + "/discard\" data-ask=\"Drop your " +
         (r.deletion ? "deletion" : "version") + " of " + html_escape(r.name) +
         " and keep the master's?\">Keep the master's</button></li>\n";
  }
  return h + "</ul></div>\n";
}

} // namespace detail

inline std::string
render_listing_html(const listing& l, const html_listing_options& options)
{

  std::string h;
  h.reserve(4096 + l.entries.size() * 512);
  h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>";
  h += html_escape(l.dir.is_root() ? std::string("/") : "/" + std::string(l.dir.str()) + "/");
  h += " - ZDDC</title><style>";
  h += detail::listing_style;
  h += "</style></head><body>\n<nav><a href=\"/\">ZDDC</a>";

  // Breadcrumbs: each ancestor, decoded for reading, encoded for linking.
  repo_path crumb;
  std::string_view rest = l.dir.str();
  while(! rest.empty()) {
    auto const slash = rest.find('/');
    auto next = crumb.child(rest.substr(0, slash));
    ZDDC_ASSERT(next.has_value()); // a prefix of the valid repo_path l.dir is valid
    crumb = std::move(*next);
    h += " / <a href=\"";
    h += html_escape(encode(crumb, target_form::directory).str());
    h += "\">";
    h += html_escape(crumb.name());
    h += "</a>";
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }
  h += "</nav>\n";

  if(options.mirrored)
    h += "<p class=\"walked\">Mirror of the master: " +
         (options.walked_at ? "last fully up to date at " + html_escape(*options.walked_at)
                            : std::string("not yet fully up to date")) +
         "</p>\n";
  if(options.offline_since)
    h += "<p class=\"banner\" role=\"status\"><strong>The master cannot be reached</strong> (since " +
         html_escape(*options.offline_since) +
         "). This page shows the last copy kept here. Your changes are kept and sent when it is back.</p>\n";
  if(! options.refused.empty())
    h += detail::refused_section(options.refused);

  if(options.can_write)
    h += "<form id=\"upload\"><input type=\"file\" id=\"file\" multiple> <button>Upload here</button> "
         "<span id=\"msg\"></span></form>\n";

  h += "<table><thead><tr><th data-col=\"0\">Name</th><th data-col=\"1\">Tracking</th>"
       "<th data-col=\"2\">Rev</th><th data-col=\"3\">Status</th><th data-col=\"4\">Title / Date</th>"
       "<th data-col=\"5\">Size</th><th data-col=\"6\">Modified (UTC)</th>";
  if(options.can_write)
    h += "<th></th>";
  h += "</tr></thead><tbody>\n";

  auto row = [&](const listing_entry& e) {
    bool const is_dir = e.kind == file_kind::directory;
    auto const child = l.dir.child(e.name);
    if(! child)
      return; // a listing holds valid names only; nothing to link otherwise
    auto const href = html_escape(encode(*child, is_dir ? target_form::directory : target_form::file).str());
    std::string tracking, rev, status, caption;
    if(is_dir) {
      if(auto t = parse_transmittal_name(e.name)) {
        tracking = t->tracking;
        status = format(t->status);
        char date[16];
        std::snprintf(date, sizeof date, "%04d-%02u-%02u", int(t->date.year()), unsigned(t->date.month()),
                      unsigned(t->date.day()));
        caption = std::string(date) + " " + t->title;
      }
    } else if(auto d = parse_document_name(e.name)) {
      tracking = d->tracking;
      rev = format(d->rev);
      status = format(d->status);
      caption = d->title;
    }
    bool const deleted = e.pending && e.pending->deletion;
    h += is_dir ? "<tr data-kind=\"d\"" : "<tr data-kind=\"f\"";
    if(e.pending)
      h += deleted ? " class=\"deleted\"" : " class=\"pending\"";
    h += is_dir ? "><td class=\"dir\">" : "><td>";
    if(deleted)
      h += html_escape(e.name); // gone, as far as this cache's people are concerned
    else
      h += "<a href=\"" + href + "\">" + html_escape(e.name) + (is_dir ? "/" : "") + "</a>";
    if(e.pending)
      h += std::string("<span class=\"badge\" title=\"outbox entry ") + html_escape(e.pending->entry) + "\">" +
           (deleted ? "deletion waiting for the master" : "waiting for the master") + "</span>";
    h += "</td>";
    h += "<td>" + html_escape(tracking) + "</td><td class=\"st\">" + html_escape(rev) + "</td><td class=\"st\">" +
         html_escape(status) + "</td><td>" + html_escape(caption) + "</td>";
    if(is_dir)
      h += "<td class=\"num\" data-sort=\"-1\"></td>";
    else
      h += "<td class=\"num\" data-sort=\"" + std::to_string(e.size) + "\" title=\"" + std::to_string(e.size) +
           " bytes\">" + detail::human_size(e.size) + "</td>";
    h += "<td class=\"num\" data-sort=\"" + std::to_string(e.mtime.time_since_epoch().count()) + "\">" +
         detail::iso_utc(e.mtime) + "</td>";
    if(options.can_write)
      h += is_dir || deleted ? "<td></td>"
                  : "<td><button class=\"del\" data-href=\"" + href + "\" data-name=\"" + html_escape(e.name) +
                      "\">Delete</button></td>";
    h += "</tr>\n";
  };
  for(auto const& e : l.entries)
    if(e.kind == file_kind::directory)
      row(e);
  for(auto const& e : l.entries)
    if(e.kind != file_kind::directory)
      row(e);
  if(l.entries.empty())
    h += "<tr><td colspan=\"7\" class=\"empty\">This folder is empty.</td></tr>\n";
  h += "</tbody></table>\n<script>";
  h += detail::listing_script;
  h += "</script>\n</body></html>\n";

  return h;
}

inline entity_tag
html_listing_tag(const listing& l, const html_listing_options& options)
{
  auto const plain = listing_tag(l, listing_format::html);
  if(! options.offline_since && options.refused.empty() && ! options.can_write && ! options.mirrored)
    return plain;
  sha256 h;
  h.update(plain.opaque());
  h.update(options.can_write ? "|w" : "|r");
  if(options.offline_since)
    h.update("|offline " + *options.offline_since);
  if(options.mirrored)
    h.update("|walked " + options.walked_at.value_or("never"));
  for(auto const& r : options.refused)
    h.update("|" + r.entry + "/" + r.name + "/" + r.at + "/" + std::to_string(r.master_status) +
             (r.conflict ? "c" : "r") + (r.deletion ? "d" : "p"));
  auto tag = entity_tag::strong(to_hex(h.finish(), 16) + "-html");
  ZDDC_ASSERT(tag.has_value()); // hex digits, '-' and letters are valid opaque-tag characters
  return std::move(*tag);
}

} // namespace zddc::core
