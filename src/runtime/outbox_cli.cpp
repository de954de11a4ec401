#include "runtime/outbox_cli.hpp"

#include "runtime/daemon_env.hpp"
#include "runtime/posix_filesystem.hpp"

#include <zddc/cache/outbox.hpp>

#include <boost/asio/io_context.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <ostream>
#include <variant>

namespace zddc::runtime {
namespace {

namespace http = boost::beast::http;
namespace stdfs = std::filesystem;
using box_type = cache::outbox<daemon_env>;

constexpr std::string_view usage =
  "Usage: zddc outbox list [--root DIR]\n"
  "       zddc outbox show ID [--root DIR]\n"
  "       zddc outbox retry ID [--root DIR]\n"
  "       zddc outbox discard ID [--yes] [--root DIR]\n"
  "\n"
  "The outbox holds the writes a cache accepted while the master was out of\n"
  "reach, in DIR/.zddc-outbox (DIR: the cache's --root, default $ZDDC_ROOT).\n"
  "  list     every entry: pending ones first, then conflicts (writes the\n"
  "           master refused with 412 because its copy had changed) and\n"
  "           rejections (writes it refused otherwise: 403, 409, 413, ...)\n"
  "  show     one entry in full, with its directory on disk: compare its\n"
  "           body.bin with master.bin, the master's copy at the conflict,\n"
  "           or its answer at the rejection\n"
  "  retry    puts a refused entry back in the queue. A conflict is based on\n"
  "           the master's version recorded at the conflict: this write wins\n"
  "           over that version only. A rejection replays as it was (once the\n"
  "           master's grant or limit allows it). The running cache sends it\n"
  "           at its next pass.\n"
  "  discard  deletes an entry; a pending one has not reached the master, so\n"
  "           discarding it needs --yes\n";

std::string
slash_path(const cache::outbox_entry& e)
{
  return "/" + std::string(e.path.str());
}

std::string_view
method_name(const cache::outbox_entry& e)
{
  return http::to_string(e.method);
}

/// The refusal's time, without the `-2` a second refusal in the same
/// second adds to the directory name.
std::string
refusal_time(const cache::outbox_entry& e)
{
  auto t = e.refused ? e.refused->at : std::string();
  if(t.size() > 20 && t[20] == '-')
    t.resize(20);
  return t;
}

bool
is_conflict(const cache::outbox_entry& e)
{
  return e.refused && e.refused->kind == cache::refusal_kind::conflict;
}

std::string
state_of(const cache::outbox_entry& e)
{
  if(e.pending())
    return "pending";
  return std::string(cache::to_string(e.refused->kind)) + " since " + refusal_time(e);
}

/// How the master refused an entry, for `show`.
std::string
refusal_reason(const cache::outbox_entry& e)
{
  if(is_conflict(e))
    return " (the master answered 412 Precondition Failed)";
  auto const status = e.master ? e.master->status : 0u;
  if(status == 0)
    return " (the master refused it)";
  auto const reason = http::obsolete_reason(static_cast<http::status>(status));
  return " (the master answered " + std::to_string(status) + " " + std::string(reason) + ")";
}

std::string
body_of(const cache::outbox_entry& e)
{
  return e.method == http::verb::put ? format_size(e.body_bytes) : std::string("-");
}

std::string
describe_base(const cache::write_base& b)
{
  std::string out;
  auto add = [&](std::string_view s) { out += (out.empty() ? "" : ", ") + std::string(s); };
  if(b.if_match)
    add("If-Match: " + *b.if_match);
  if(b.if_unmodified_since)
    add("If-Unmodified-Since: " + *b.if_unmodified_since);
  if(b.if_none_match_any)
    add("If-None-Match: *");
  return out.empty() ? "no preconditions" : out;
}

/// `PUT /a/b.pdf, 8 B, pending`: what an entry is, in one line.
std::string
summary(const cache::outbox_entry& e)
{
  std::string s = std::string(method_name(e)) + " " + slash_path(e);
  if(e.method == http::verb::put)
    s += ", " + format_size(e.body_bytes);
  return s + ", " + state_of(e);
}

/// Columns count code points, so UTF-8 names line up.
std::size_t
display_width(std::string_view s)
{
  return static_cast<std::size_t>(
    std::ranges::count_if(s, [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

void
pad(std::ostream& out, std::string_view s, std::size_t width, bool right = false)
{
  std::string const fill(width - std::min(width, display_width(s)), ' ');
  if(right)
    out << fill << s;
  else
    out << s << fill;
}

/// The id an operator typed: an id, or an entry's directory name (as a
/// shell completes it, perhaps with a trailing slash).
std::string
normalise_id(std::string id)
{
  while(id.size() > 1 && id.back() == '/')
    id.pop_back();
  if(auto const c = cache::split_refused_name(id))
    return c->first;
  return id;
}

struct session {
  std::ostream& out;
  std::ostream& err;
  env::time_point now;
  std::string root;  // as given
  box_type& box;
  daemon_env& denv;

  std::string
  outbox_dir() const
  {
    std::error_code ec;
    auto abs = stdfs::absolute(root, ec);
    if(ec)
      abs = root;
    return (abs / cache::outbox_directory).lexically_normal().string();
  }

  std::string
  entry_dir(const cache::outbox_entry& e) const
  {
    return (stdfs::path(outbox_dir()) / e.directory_name()).string() + "/";
  }

  /// Finds `id`, or says why not (and the caller exits 1).
  std::optional<cache::outbox_entry>
  find(const std::string& id)
  {
    auto e = box.find(id);
    if(e)
      return std::move(*e);
    if(e.error() == errc::not_found)
      err << "zddc outbox: no entry '" << id << "' in " << outbox_dir() << " (see zddc outbox list)\n";
    else
      err << "zddc outbox: cannot read " << outbox_dir() << ": " << e.error().message() << "\n";
    return std::nullopt;
  }

  int
  list()
  {
    auto all = box.all();
    if(! all) {
      err << "zddc outbox: cannot read " << outbox_dir() << ": " << all.error().message() << "\n";
      return 1;
    }
    auto& entries = *all;
    if(entries.empty()) {
      out << "the outbox is empty\n";
      return 0;
    }
    std::ranges::stable_partition(entries, [](const cache::outbox_entry& e) { return e.pending(); });
    std::vector<std::array<std::string, 6>> rows;
    rows.push_back({"ID", "STATE", "METHOD", "PATH", "AGE", "BODY"});
    std::size_t conflicts = 0, rejected = 0;
    for(auto const& e : entries) {
      conflicts += is_conflict(e) ? 1 : 0;
      rejected += e.refused && ! is_conflict(e) ? 1 : 0;
      rows.push_back({e.id, state_of(e), std::string(method_name(e)), slash_path(e), format_age(now - e.queued_at),
                      body_of(e)});
    }
    std::array<std::size_t, 6> width{};
    for(auto const& r : rows)
      for(std::size_t c = 0; c < r.size(); ++c)
        width[c] = std::max(width[c], display_width(r[c]));
    for(auto const& r : rows) {
      for(std::size_t c = 0; c < 4; ++c) {
        pad(out, r[c], width[c]);
        out << "  ";
      }
      pad(out, r[4], width[4], true);
      out << "  ";
      pad(out, r[5], width[5], true);
      out << "\n";
    }
    auto const n = entries.size();
    out << n << (n == 1 ? " entry: " : " entries: ") << n - conflicts - rejected << " pending, " << conflicts
        << (conflicts == 1 ? " conflict" : " conflicts");
    if(rejected)
      out << ", " << rejected << " rejected";
    out << "\n";
    return 0;
  }

  int
  show(const std::string& id)
  {
    auto const e = find(id);
    if(! e)
      return 1;
    auto line = [&](std::string_view label, std::string_view value) {
      pad(out, label, 12);
      out << value << "\n";
    };
    line("entry", e->id);
    line("state", e->refused ? state_of(*e) + refusal_reason(*e)
                             : std::string("pending (the cache sends it when the master answers)"));
    line("method", method_name(*e));
    line("path", slash_path(*e));
    line("queued at", cache::detail::rfc3339(e->queued_at) + " (" + format_age(now - e->queued_at) + " ago)");
    if(! e->content_type.empty())
      line("type", e->content_type);
    line("based on", describe_base(e->base));
    if(e->method == http::verb::put) {
      std::string body = format_size(e->body_bytes);
      if(e->body_bytes >= 1024)
        body += " (" + std::to_string(e->body_bytes) + " bytes)";
      if(e->body_etag)
        body += ", ETag " + *e->body_etag;
      line("body", body);
    } else {
      line("body", "none (DELETE)");
    }
    if(is_conflict(*e)) {
      std::string had;
      if(! e->master || e->master->status == 0) {
        had = "unknown: the master could not be asked after its 412";
      } else {
        auto const status = e->master->status;
        had = std::to_string(status) + (status == 200 ? " (a file)" : status == 404 ? " (no such file)" : "");
        if(e->master->etag)
          had += ", ETag " + *e->master->etag;
        if(e->master->last_modified)
          had += ", Last-Modified " + *e->master->last_modified;
      }
      line("master had", had);
    }
    if(e->refused) {
      auto const copy = denv.fs().stat(box.master_body_path(*e));
      line("master.bin", ! copy              ? std::string("not kept")
                         : is_conflict(*e) ? "kept (" + format_size(copy->size) + "): the master's copy at the conflict"
                                           : "kept (" + format_size(copy->size) + "): the master's answer");
    }
    line("directory", entry_dir(*e));
    if(e->refused && ! is_conflict(*e)) {
      out << "\nSettle it with `zddc outbox retry " << e->id
          << "` once the master allows it (this write replays as it was)\nor `zddc outbox discard " << e->id
          << "` (the write is dropped).\n";
    }
    if(is_conflict(*e)) {
      bool const over = e->master && e->master->status == 200 && e->master->etag;
      out << "\nSettle it with `zddc outbox retry " << e->id << "` ("
          << (over ? "this write replaces the master's version above"
                   : "this write goes in if the master still has no such file")
          << ")\nor `zddc outbox discard " << e->id << "` (the master's version stays).\n";
    }
    return 0;
  }

  int
  retry(const std::string& id)
  {
    auto const e = find(id);
    if(! e)
      return 1;
    if(e->pending()) {
      out << e->id << " is already pending (" << method_name(*e) << " " << slash_path(*e)
          << "): the running cache sends it at its next pass\n";
      return 0;
    }
    auto const again = box.retry(e->id);
    if(! again) {
      err << "zddc outbox: cannot retry " << e->id << ": " << again.error().message() << "\n";
      return 1;
    }
    std::string why;
    if(! is_conflict(*e))
      why = "as it was when the master rejected it";
    else if(again->base.if_match)
      why = "the master's version at the conflict";
    else if(e->master && e->master->status == 404)
      why = "applies only while the master has no such file, as at the conflict";
    else
      why = "the master's version at the conflict is unknown, so it applies only if the master has no such file";
    out << "re-queued " << again->id << ": " << method_name(*again) << " " << slash_path(*again)
        << " replays with " << describe_base(again->base) << " (" << why
        << "); the running cache sends it at its next pass\n";
    return 0;
  }

  int
  discard(const std::string& id, bool yes)
  {
    auto const e = find(id);
    if(! e)
      return 1;
    if(e->pending() && ! yes) {
      err << "zddc outbox: not discarding " << e->id << " (" << summary(*e)
          << "): it has not reached the master, so this write would be lost; add --yes to discard it anyway\n";
      return 1;
    }
    out << "discarding " << e->id << ": " << summary(*e)
        << (e->pending() ? " (never reached the master)" : "") << "\n";
    if(auto ec = box.discard(e->id)) {
      err << "zddc outbox: cannot discard " << e->id << ": " << ec.message() << "\n";
      return 1;
    }
    out << "discarded " << e->id << "\n";
    return 0;
  }
};

} // namespace

std::string
format_age(env::duration age)
{
  using namespace std::chrono;
  auto const s = duration_cast<seconds>(age).count();
  if(s < 0)
    return "0s";
  if(s < 60)
    return std::to_string(s) + "s";
  if(s < 3600)
    return std::to_string(s / 60) + "m";
  if(s < 86400)
    return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

std::string
format_size(std::uint64_t bytes)
{
  if(bytes < 1024)
    return std::to_string(bytes) + " B";
  constexpr std::string_view units[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes) / 1024;
  std::size_t u = 0;
  while(v >= 1024 && u + 1 < std::size(units)) {
    v /= 1024;
    ++u;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %s", v, units[u].data());
  return text;
}

int
run_outbox_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)
{
  return run_outbox_command(args, out, err, std::chrono::time_point_cast<env::duration>(std::chrono::system_clock::now()));
}

namespace {

/// What the command line asked for.
struct outbox_invocation {
  std::string verb;
  std::string root;
  std::optional<std::string> id;
  bool yes = false;
};

/// Parses the arguments; an exit code when there is nothing to run (help,
/// or a usage error already reported).
std::variant<outbox_invocation, int>
parse_outbox_args(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)
{
  if(args.empty() || args[0] == "--help" || args[0] == "-h") {
    (args.empty() ? err : out) << usage;
    return args.empty() ? 2 : 0;
  }
  outbox_invocation inv{args[0], {}, {}, false};
  if(inv.verb != "list" && inv.verb != "show" && inv.verb != "retry" && inv.verb != "discard") {
    err << "zddc outbox: unknown command '" << inv.verb << "'\n" << usage;
    return 2;
  }
  bool const wants_id = inv.verb != "list";
  std::optional<std::string> root;
  for(std::size_t i = 1; i < args.size(); ++i) {
    auto const& a = args[i];
    if(a == "--help" || a == "-h") {
      out << usage;
      return 0;
    }
    if(a == "--root") {
      if(i + 1 >= args.size()) {
        err << "zddc outbox: --root needs a value\n";
        return 2;
      }
      root = args[++i];
    } else if(a.starts_with("--root=")) {
      root = a.substr(7);
    } else if(a == "--yes" && inv.verb == "discard") {
      inv.yes = true;
    } else if(wants_id && ! inv.id && ! a.starts_with("-")) {
      inv.id = normalise_id(a);
    } else {
      err << "zddc outbox: unexpected argument '" << a << "'\n" << usage;
      return 2;
    }
  }
  if(wants_id && ! inv.id) {
    err << "zddc outbox: " << inv.verb << " needs an entry ID (see zddc outbox list)\n";
    return 2;
  }
  if(! root)
    if(auto const* v = std::getenv("ZDDC_ROOT"); v && *v)
      root = v;
  if(! root || root->empty()) {
    err << "zddc outbox: --root is required (the cache's root; or set ZDDC_ROOT)\n";
    return 2;
  }
  inv.root = *root;
  return inv;
}

/// Opens the cache's root, which must hold an outbox; reports why not.
std::optional<posix_filesystem>
open_cache_root(const std::string& root, std::ostream& err)
{
  std::error_code sec;
  auto const kind = stdfs::status(root, sec).type();
  if(kind == stdfs::file_type::not_found) {
    err << "zddc outbox: --root " << root << " does not exist\n";
    return std::nullopt;
  }
  if(sec) {
    err << "zddc outbox: cannot use --root " << root << ": " << sec.message() << "\n";
    return std::nullopt;
  }
  if(kind != stdfs::file_type::directory) {
    err << "zddc outbox: --root " << root << " is not a directory\n";
    return std::nullopt;
  }
  auto fs = posix_filesystem::open(root);
  if(! fs) {
    err << "zddc outbox: cannot use --root " << root << ": " << fs.error().message() << "\n";
    return std::nullopt;
  }
  auto const dir = fs->stat(box_type::root());
  if(! dir || dir->kind != env::file_kind::directory) {
    err << "zddc outbox: " << root << " has no outbox (" << cache::outbox_directory
        << "): not the root of a cache that has run\n";
    return std::nullopt;
  }
  return std::move(*fs);
}

} // namespace

int
run_outbox_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, env::time_point now)
{
  auto parsed = parse_outbox_args(args, out, err);
  if(auto const* code = std::get_if<int>(&parsed))
    return *code;
  auto const& inv = std::get<outbox_invocation>(parsed);
  ::umask(077); // as `serve` does: the outbox is the cache's alone (0700 directories, 0600 files)
  auto fs = open_cache_root(inv.root, err);
  if(! fs)
    return 1;
  boost::asio::io_context loop;
  std::mutex commits;
  daemon_env env(loop, *fs, commits);
  box_type box(env); // never open(): see the header
  session s{out, err, now, inv.root, box, env};
  if(inv.verb == "list")
    return s.list();
  if(inv.verb == "show")
    return s.show(*inv.id);
  if(inv.verb == "retry")
    return s.retry(*inv.id);
  return s.discard(*inv.id, inv.yes);
}

} // namespace zddc::runtime
