#include <zddc/core/register.hpp>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>
#include <set>

namespace zddc::core {
namespace register_test {

// Names drawn from a small alphabet, so documents share tracking numbers
// and revisions collide across folders and formats.
rc::Gen<std::string>
any_file_name()
{
  return rc::gen::exec([] {
    if(*rc::gen::inRange(0, 5) == 0)
      return *rc::gen::element<std::string>("notes.txt", "README", "x_A (IFA).pdf", "bad_ (IFC) - t.pdf",
                                            "A_B_C (IFC) - t.pdf", "T_A (XYZ) - t.pdf");
    auto const tracking = *rc::gen::element<std::string>("100-EL-SPC-1", "100-EL-DWG-2", "200-ME-LST-3");
    auto const rev = *rc::gen::element<std::string>("A", "B", "C", "~A", "~C", "0", "1", "12", "A+C1", "A+~C2",
                                                    "B+N1", "~B+Q1", "0+B1", "~D+C1");
    auto const status = *rc::gen::element<std::string>("IFA", "IFC", "RSB", "DFT", "---");
    auto const ext = *rc::gen::element<std::string>(".pdf", ".docx", "");
    auto const title = *rc::gen::element<std::string>("Spec", "Single Line", "List");
    return tracking + "_" + rev + " (" + status + ") - " + title + ext;
  });
}

/// Up to three folders (one a transmittal), each with some files.
rc::Gen<std::vector<listing>>
any_tree()
{
  return rc::gen::exec([] {
    std::vector<std::string> const dirs{"", "Site", "Site/2025-10-31_100-EL-TRN-1 (IFC) - Package"};
    std::vector<listing> out;
    for(std::size_t i = 0; i < dirs.size(); ++i) {
      listing l{*repo_path::parse(dirs[i]), {}};
      std::set<std::string> names;
      for(auto const& n : *rc::gen::container<std::vector<std::string>>(*rc::gen::inRange(0, 8), any_file_name()))
        names.insert(n);
      for(auto const& n : names)
        l.entries.push_back({n, file_kind::regular, 1, time_point(std::chrono::seconds(*rc::gen::inRange(0, 4))),
                             entity_tag::strong("t")});
      if(i + 1 < dirs.size())
        l.entries.push_back({std::string(repo_path::parse(dirs[i + 1])->name()), file_kind::directory, 0,
                             time_point(), std::nullopt});
      std::ranges::sort(l.entries, {}, &listing_entry::name);
      out.push_back(std::move(l));
    }
    return out;
  });
}

RC_GTEST_PROP(register_, every_file_appears_exactly_once, ())
{
  auto const tree = *any_tree();
  auto const r = build_register(repo_path(), tree);
  std::multiset<std::string> seen;
  for(auto const& d : r.documents)
    for(auto const& base : d.revisions) {
      for(auto const& f : base.files)
        seen.insert(std::string(f.path.str()));
      for(auto const& m : base.modifiers)
        for(auto const& f : m.files)
          seen.insert(std::string(f.path.str()));
    }
  for(auto const& u : r.unclassified)
    seen.insert(std::string(u.file.path.str()));
  std::multiset<std::string> files;
  for(auto const& l : tree)
    for(auto const& e : l.entries)
      if(e.kind == file_kind::regular)
        files.insert(std::string(l.dir.child(e.name)->str()));
  RC_ASSERT(seen == files);
  // The CSV has one row per file, after its header.
  RC_ASSERT(static_cast<std::size_t>(std::ranges::count(to_csv(r), '\n')) == files.size() + 1);
}

RC_GTEST_PROP(register_, current_is_the_greatest_issued_revision_else_the_greatest_draft, ())
{
  auto const r = build_register(repo_path(), *any_tree());
  for(auto const& d : r.documents) {
    std::optional<revision> issued, draft;
    for(auto const& base : d.revisions) {
      RC_ASSERT(! base.rev.mod);
      for(auto const& f : base.files)
        RC_ASSERT(f.name && f.name->tracking == d.tracking && f.name->rev == base.rev);
      for(auto const& m : base.modifiers) {
        RC_ASSERT(m.rev.mod.has_value());
        auto stripped = m.rev;
        stripped.mod.reset();
        RC_ASSERT(stripped == base.rev); // a modifier sits under its own base
        RC_ASSERT(! m.files.empty());
      }
      RC_ASSERT(std::ranges::is_sorted(base.modifiers, {}, &register_revision::rev));
      if(base.files.empty())
        continue;
      auto& best = base.rev.draft ? draft : issued;
      if(! best || *best < base.rev)
        best = base.rev;
    }
    RC_ASSERT(std::ranges::is_sorted(d.revisions, {}, &register_revision::rev));
    auto const expected = issued ? issued : draft;
    RC_ASSERT(d.current.has_value() == expected.has_value());
    if(d.current)
      RC_ASSERT(d.revisions[*d.current].rev == *expected);
  }
  RC_ASSERT(std::ranges::is_sorted(r.documents, {}, &register_document::tracking));
}

} // namespace
} // namespace zddc::core
