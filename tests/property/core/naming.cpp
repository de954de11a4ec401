#include <zddc/core/naming.hpp>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <tuple>

namespace zddc::core {

void
showValue(const revision& r, std::ostream& os)
{
  os << format(r);
}

namespace naming_test {

rc::Gen<revision>
any_revision()
{
  return rc::gen::exec([] {
    revision r;
    r.draft = *rc::gen::arbitrary<bool>();
    r.numeric = *rc::gen::arbitrary<bool>();
    r.base = r.numeric ? *rc::gen::inRange<std::uint32_t>(0, 30) : *rc::gen::inRange<std::uint32_t>('A', 'Z' + 1);
    if(*rc::gen::arbitrary<bool>()) {
      revision::modifier m;
      m.kind = *rc::gen::element(revision::modifier_kind::backup, revision::modifier_kind::comments,
                                 revision::modifier_kind::notes, revision::modifier_kind::quality);
      m.number = *rc::gen::inRange<std::uint32_t>(0, 30);
      m.draft = *rc::gen::arbitrary<bool>();
      r.mod = m;
    }
    return r;
  });
}

// An independent statement of the DESIGN.md order, as a tuple key.
auto
reference_key(const revision& r)
{
  static constexpr std::string_view kinds = "BCNQ";
  int const kind_rank = r.mod ? static_cast<int>(kinds.find(static_cast<char>(r.mod->kind))) : -1;
  return std::make_tuple(r.numeric ? 1 : 0, r.base, r.draft ? 0 : 1, kind_rank,
                         r.mod ? static_cast<int>(r.mod->number) : -1, r.mod && ! r.mod->draft ? 1 : 0);
}

RC_GTEST_PROP(naming, revision_format_parse_round_trip, ())
{
  auto const r = *any_revision();
  auto const back = revision::parse(format(r));
  RC_ASSERT(back.has_value());
  RC_ASSERT(*back == r);
}

RC_GTEST_PROP(naming, revision_order_is_total_and_matches_the_reference, ())
{
  auto const a = *any_revision(), b = *any_revision(), c = *any_revision();
  bool const same_order = (a <=> b) == (reference_key(a) <=> reference_key(b));
  RC_ASSERT(same_order);
  bool const equivalent = std::is_eq(a <=> b);
  RC_ASSERT(equivalent == (a == b));                         // consistent with ==
  RC_ASSERT(equivalent || (a < b) != (b < a));               // antisymmetric
  if(a < b && b < c)
    RC_ASSERT(a < c);                                          // transitive
}

RC_GTEST_PROP(naming, document_names_round_trip, ())
{
  auto const tracking = *rc::gen::element<std::string>("123456-EL-SPC-2623", "A1", "X-Y-Z", "9");
  auto const r = *any_revision();
  auto const status = *rc::gen::element<std::string>("IFA", "RSB", "---", "DFT", "IFC");
  auto const title = *rc::gen::element<std::string>("Spec For Switchgear", "Pump (Spare) & Co's #2",
                                                    "Caf\xC3\xA9 100% + more", "v1.2 final", "x");
  auto const ext = *rc::gen::element<std::string>("", ".pdf", ".docx", ".tar");
  auto const name = tracking + "_" + format(r) + " (" + status + ") - " + title + ext;
  auto const d = parse_document_name(name);
  RC_ASSERT(d.has_value());
  RC_ASSERT(format(*d) == name);
  RC_ASSERT(d->rev == r);
  RC_ASSERT(d->tracking == tracking);
}

} // namespace
} // namespace zddc::core
