#include "runtime/token_cli.hpp"

#include "runtime/config.hpp"
#include "runtime/token_store.hpp"

#include <cstdlib>
#include <iomanip>
#include <ostream>

namespace zddc::runtime {
namespace {

constexpr std::string_view usage =
  "Usage: zddc token issue --name NAME --grant /SUBTREE:r|rw [--grant ...] [--state-dir DIR] [--root ROOT]\n"
  "       zddc token list [--state-dir DIR] [--root ROOT]\n"
  "       zddc token revoke ID|NAME [--state-dir DIR] [--root ROOT]\n"
  "\n"
  "Tokens live as keyed hashes in DIR/tokens.json (default: $ZDDC_STATE_DIR,\n"
  "else $XDG_STATE_HOME/zddc, else ~/.local/state/zddc). A running server picks\n"
  "up changes within a second; if the file vanishes or stops parsing it refuses\n"
  "every token until it is back. Grants cover a subtree and everything below it:\n"
  "r reads, rw reads and writes. Use the server's --state-dir here too.\n"
  "\n"
  "DIR must lie outside the served tree: with --root (default: $ZDDC_ROOT, as for\n"
  "zddc serve) a DIR inside ROOT is refused, as serve refuses it; without one,\n"
  "a DIR inside a cache's or mirror's store is refused.\n";

// Refuses a state directory the server would serve (the check `zddc serve`
// makes, given its root; else the markers of a cache's or mirror's store).
bool
state_dir_refused(const std::string& state_dir, const std::string& root, std::ostream& err)
{
  if(! root.empty() && state_dir_inside_root(state_dir, root)) {
    err << "zddc token: --state-dir " << state_dir << " lies inside --root " << root
        << "; put it outside the served tree\n";
    return true;
  }
  if(auto const tree = served_tree_holding(state_dir)) {
    err << "zddc token: --state-dir " << state_dir << " lies inside " << *tree
        << ", a served tree (it holds a cache's or mirror's store); put it outside\n";
    return true;
  }
  return false;
}

// What follows the verb.
struct token_args {
  std::string name;
  std::string state_dir = default_state_dir();
  std::string root = std::getenv("ZDDC_ROOT") ? std::getenv("ZDDC_ROOT") : "";
  std::string target; // revoke: the id or name
  std::vector<core::grant> grants;
};

// Reads the options after `verb`; says why and returns nullopt when they
// are wrong.
std::optional<token_args>
read_token_args(std::string_view verb, const std::vector<std::string>& args, std::ostream& err)
{
  token_args t;
  for(std::size_t i = 1; i < args.size(); ++i) {
    auto const& a = args[i];
    if(a == "--name" || a == "--grant" || a == "--state-dir" || a == "--root") {
      if(i + 1 >= args.size()) {
        err << "zddc token: " << a << " needs a value\n";
        return std::nullopt;
      }
      auto const& v = args[++i];
      if(a == "--name")
        t.name = v;
      else if(a == "--state-dir")
        t.state_dir = v;
      else if(a == "--root")
        t.root = v;
      else if(auto g = parse_grant(v))
        t.grants.push_back(std::move(*g));
      else {
        err << "zddc token: bad grant '" << v << "': expected /SUBTREE:r or /SUBTREE:rw with a valid path\n";
        return std::nullopt;
      }
    } else if(verb == "revoke" && t.target.empty() && ! a.starts_with("--")) {
      t.target = a;
    } else {
      err << "zddc token: unexpected argument '" << a << "'\n" << usage;
      return std::nullopt;
    }
  }
  return t;
}

int
issue(token_store& store, const token_args& t, std::ostream& out, std::ostream& err)
{
  if(t.name.empty() || t.grants.empty()) {
    err << "zddc token: issue needs --name and at least one --grant\n";
    return 2;
  }
  auto issued = store.issue(t.name, t.grants);
  if(! issued) {
    err << "zddc token: cannot save the token: " << issued.error().message() << "\n";
    return 1;
  }
  out << issued->token << "\n";
  err << "zddc token: issued id " << issued->id << " for '" << t.name
      << "'. The token above is shown only now; it is stored as a hash.\n";
  return 0;
}

int
list(const token_store& store, std::ostream& out)
{
  out << std::left << std::setw(10) << "ID" << std::setw(22) << "NAME" << std::setw(22) << "CREATED"
      << "GRANTS\n";
  for(auto const& t : store.list()) {
    std::string g;
    for(auto const& grant : t.grants)
      g += (g.empty() ? "" : " ") + format_grant(grant);
    out << std::setw(10) << t.id << std::setw(22) << t.name << std::setw(22) << t.created << g << "\n";
  }
  return 0;
}

int
revoke(token_store& store, const std::string& target, std::ostream& out, std::ostream& err)
{
  if(target.empty()) {
    err << "zddc token: revoke needs an ID or NAME\n";
    return 2;
  }
  if(auto ec = store.revoke(target)) {
    err << "zddc token: cannot revoke '" << target << "': "
        << (ec == errc::not_found ? std::string("no such token")
            : ec == std::errc::invalid_argument ? std::string("several tokens have that name; use the id")
                                                : ec.message())
        << "\n";
    return 1;
  }
  out << "revoked " << target << "\n";
  return 0;
}

} // namespace

int
run_token_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)
{
  if(args.empty() || args[0] == "--help" || args[0] == "-h") {
    (args.empty() ? err : out) << usage;
    return args.empty() ? 2 : 0;
  }
  std::string const verb = args[0];
  auto const t = read_token_args(verb, args, err);
  if(! t)
    return 2;
  if(state_dir_refused(t->state_dir, t->root, err))
    return 2;
  auto store = token_store::open(t->state_dir + "/tokens.json");
  if(! store) {
    err << "zddc token: cannot use " << t->state_dir << "/tokens.json: " << store.error().message() << "\n";
    return 1;
  }
  if(verb == "issue")
    return issue(*store, *t, out, err);
  if(verb == "list")
    return list(*store, out);
  if(verb == "revoke")
    return revoke(*store, t->target, out, err);
  err << "zddc token: unknown command '" << verb << "'\n" << usage;
  return 2;
}

} // namespace zddc::runtime
