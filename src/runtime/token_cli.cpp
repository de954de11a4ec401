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

} // namespace

int
run_token_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)
{
  if(args.empty() || args[0] == "--help" || args[0] == "-h") {
    (args.empty() ? err : out) << usage;
    return args.empty() ? 2 : 0;
  }
  std::string const verb = args[0];
  std::string name, state_dir = default_state_dir(), target;
  std::string root = std::getenv("ZDDC_ROOT") ? std::getenv("ZDDC_ROOT") : "";
  std::vector<core::grant> grants;
  for(std::size_t i = 1; i < args.size(); ++i) {
    auto const& a = args[i];
    auto value = [&]() -> std::optional<std::string> {
      if(i + 1 >= args.size())
        return std::nullopt;
      return args[++i];
    };
    if(a == "--name" || a == "--grant" || a == "--state-dir" || a == "--root") {
      auto v = value();
      if(! v) {
        err << "zddc token: " << a << " needs a value\n";
        return 2;
      }
      if(a == "--name")
        name = *v;
      else if(a == "--state-dir")
        state_dir = *v;
      else if(a == "--root")
        root = *v;
      else {
        auto g = parse_grant(*v);
        if(! g) {
          err << "zddc token: bad grant '" << *v << "': expected /SUBTREE:r or /SUBTREE:rw with a valid path\n";
          return 2;
        }
        grants.push_back(std::move(*g));
      }
    } else if(verb == "revoke" && target.empty() && ! a.starts_with("--")) {
      target = a;
    } else {
      err << "zddc token: unexpected argument '" << a << "'\n" << usage;
      return 2;
    }
  }

  if(state_dir_refused(state_dir, root, err))
    return 2;
  auto store = token_store::open(state_dir + "/tokens.json");
  if(! store) {
    err << "zddc token: cannot use " << state_dir << "/tokens.json: " << store.error().message() << "\n";
    return 1;
  }
  if(verb == "issue") {
    if(name.empty() || grants.empty()) {
      err << "zddc token: issue needs --name and at least one --grant\n";
      return 2;
    }
    auto issued = store->issue(name, grants);
    if(! issued) {
      err << "zddc token: cannot save the token: " << issued.error().message() << "\n";
      return 1;
    }
    out << issued->token << "\n";
    err << "zddc token: issued id " << issued->id << " for '" << name
        << "'. The token above is shown only now; it is stored as a hash.\n";
    return 0;
  }
  if(verb == "list") {
    out << std::left << std::setw(10) << "ID" << std::setw(22) << "NAME" << std::setw(22) << "CREATED"
        << "GRANTS\n";
    for(auto const& t : store->list()) {
      std::string g;
      for(auto const& grant : t.grants)
        g += (g.empty() ? "" : " ") + format_grant(grant);
      out << std::setw(10) << t.id << std::setw(22) << t.name << std::setw(22) << t.created << g << "\n";
    }
    return 0;
  }
  if(verb == "revoke") {
    if(target.empty()) {
      err << "zddc token: revoke needs an ID or NAME\n";
      return 2;
    }
    if(auto ec = store->revoke(target)) {
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
  err << "zddc token: unknown command '" << verb << "'\n" << usage;
  return 2;
}

} // namespace zddc::runtime
