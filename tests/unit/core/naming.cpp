#include <zddc/core/naming.hpp>

#include <gtest/gtest.h>

#include <vector>

namespace zddc::core {
namespace naming_test {

revision
rev(std::string_view s)
{
  auto r = revision::parse(s);
  EXPECT_TRUE(r) << s;
  return r.value_or(revision{});
}

TEST(naming, parses_the_design_example)
{
  auto d = parse_document_name("123456-EL-SPC-2623_A+C1 (RSB) - Spec For Switchgear.pdf");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->tracking, "123456-EL-SPC-2623");
  EXPECT_EQ(format(d->rev), "A+C1");
  EXPECT_EQ(d->status, doc_status::rsb);
  EXPECT_EQ(d->title, "Spec For Switchgear");
  EXPECT_EQ(d->extension, "pdf");
}

TEST(naming, titles_keep_everything_a_person_types)
{
  for(std::string name : {
        "X_A (IFA) - Pump (Spare) & Co's #2.pdf",
        "X_~B (DFT) - Caf\xC3\xA9 100% + more.docx",
        "X_0 (---) - Cafe\xCC\x81 (NFD) v1.2 final",
        "X_A+~C2 (RSC) - Title.with.dots.tar",
        "X_12 (IFC) - .pdf",
      }) {
    SCOPED_TRACE(name);
    auto d = parse_document_name(name);
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(format(*d), name);
  }
  auto d = parse_document_name("X_0 (---) - v1.2 final");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->title, "v1.2 final"); // "2 final" is no extension
  EXPECT_FALSE(d->extension);
  auto dotfile = parse_document_name("X_12 (IFC) - .pdf");
  ASSERT_TRUE(dotfile);
  EXPECT_EQ(dotfile->title, ".pdf"); // nothing before the dot: no extension
}

TEST(naming, every_status_parses_and_formats)
{
  for(auto s : {"DFT", "IFA", "IFB", "IFC", "IFD", "IFI", "IFP", "IFR", "IFU", "REC", "RSA", "RSB", "RSC",
                "RSD", "RSI", "---"}) {
    auto st = parse_status(s);
    ASSERT_TRUE(st) << s;
    EXPECT_EQ(format(*st), s);
  }
  EXPECT_FALSE(parse_status("XYZ"));
}

TEST(naming, reports_why_a_name_breaks_the_convention)
{
  auto reason = [](std::string_view n) {
    auto d = parse_document_name(n);
    EXPECT_FALSE(d) << n;
    return d ? name_errc{} : d.error().reason;
  };
  EXPECT_EQ(reason(""), name_errc::empty);
  EXPECT_EQ(reason("notes.txt"), name_errc::missing_status);
  EXPECT_EQ(reason("X_A (IFA)"), name_errc::missing_status);
  EXPECT_EQ(reason("X_A (XYZ) - Title"), name_errc::unknown_status);
  EXPECT_EQ(reason("123 456_A (IFA) - Title"), name_errc::tracking_has_space);
  EXPECT_EQ(reason("123456 (IFA) - Title"), name_errc::missing_underscore);
  EXPECT_EQ(reason("bad_name_with_underscores (IFA) - x.pdf"), name_errc::tracking_has_underscore);
  EXPECT_EQ(reason("_A (IFA) - Title"), name_errc::empty_tracking);
  EXPECT_EQ(reason("X_ (IFA) - Title"), name_errc::empty_revision);
  for(auto bad : {"X_a (IFA) - T", "X_AB (IFA) - T", "X_01 (IFA) - T", "X_A+ (IFA) - T", "X_A+X1 (IFA) - T",
                  "X_A+C (IFA) - T", "X_A+C01 (IFA) - T", "X_~~A (IFA) - T", "X_A+C1+C2 (IFA) - T"})
    EXPECT_EQ(reason(bad), name_errc::bad_revision) << bad;
  EXPECT_EQ(reason("X_A (IFA) - "), name_errc::empty_title);
  EXPECT_EQ(parse_document_name("X_A (XYZ) - T").error().message, "unknown status 'XYZ'");
}

TEST(naming, transmittal_folders)
{
  auto t = parse_transmittal_name("2025-10-31_123456-EL-TRN-0043 (IFC) - Switchgear Package");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->date, std::chrono::year_month_day(std::chrono::year(2025), std::chrono::October, std::chrono::day(31)));
  EXPECT_EQ(t->tracking, "123456-EL-TRN-0043");
  EXPECT_EQ(t->status, doc_status::ifc);
  EXPECT_EQ(t->title, "Switchgear Package");
  EXPECT_EQ(format(*t), "2025-10-31_123456-EL-TRN-0043 (IFC) - Switchgear Package");
  EXPECT_EQ(parse_transmittal_name("2025-02-30_X (IFC) - T").error().reason, name_errc::bad_date);
  EXPECT_EQ(parse_transmittal_name("2025-1-31_X (IFC) - T").error().reason, name_errc::bad_date);
  EXPECT_EQ(parse_transmittal_name("20251031_X (IFC) - T").error().reason, name_errc::bad_date);
  EXPECT_EQ(parse_transmittal_name("2025-10-31_ (IFC) - T").error().reason, name_errc::empty_tracking);
  EXPECT_EQ(parse_transmittal_name("2025-10-31_A_B (IFC) - T").error().reason, name_errc::tracking_has_underscore);
  EXPECT_EQ(parse_transmittal_name("2025-10-31_A (IFC) - ").error().reason, name_errc::empty_title);
}

TEST(naming, revisions_order_as_the_design_lists)
{
  std::vector<std::string> const chain = {"~A", "A", "A+B1", "A+C1", "A+~C2", "A+C2", "A+N1",
                                          "A+Q1", "~B", "B",  "0",    "1",    "2",     "10"};
  for(std::size_t i = 0; i < chain.size(); ++i)
    for(std::size_t j = 0; j < chain.size(); ++j) {
      auto const a = rev(chain[i]), b = rev(chain[j]);
      EXPECT_EQ(a <=> b, i <=> j) << chain[i] << " vs " << chain[j];
      EXPECT_EQ(a == b, i == j);
    }
  for(auto const& s : chain)
    EXPECT_EQ(format(rev(s)), s);
}

} // namespace
} // namespace zddc::core
