#pragma once
/// @file
/// The ZDDC naming convention (DESIGN.md §1).
///
/// Documents:    `TRACKING_REV (STATUS) - Title.ext`
///               `123456-EL-SPC-2623_A+C1 (RSB) - Spec For Switchgear.pdf`
/// Transmittals: `YYYY-MM-DD_TRACKING (STATUS) - Title`
///               `2025-10-31_123456-EL-TRN-0043 (IFC) - Switchgear Package`
///
/// Parsing rules, in the order they are checked:
/// - the status group is the first ` (XXX) - ` in the name, XXX being three
///   characters; everything before it is `TRACKING_REV` and has no space;
/// - TRACKING and REV are split at the `_`; a second `_` means the tracking
///   number has one (not allowed);
/// - REV is `[~]BASE[+[~]KIND N]`: BASE a letter A-Z or a number without
///   leading zeros, KIND one of B (backup) C (comments) N (notes) Q (quality
///   record), `~` marking a draft;
/// - the title is everything after ` - ` and is not empty; its extension is
///   the text after its last `.` when that is 1-8 ASCII letters or digits
///   and something precedes the dot.
/// `format()` gives back exactly the parsed text for every valid name.
///
/// Revision order (`operator<=>`): letters before numbers; within a base,
/// drafts before issues; a base alone before it with a modifier; modifiers
/// by kind B < C < N < Q, then number, then draft before issue. So
/// `~A < A < A+B1 < A+C1 < A+~C2 < A+C2 < A+N1 < A+Q1 < ~B < B < 0 < 1 < 2`.

#include <boost/system/result.hpp>

#include <chrono>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zddc::core {

enum class name_errc {
  empty = 1,
  missing_status,        // no ` (XXX) - ` group
  unknown_status,
  tracking_has_space,
  missing_underscore,    // no `_` between tracking and revision
  tracking_has_underscore,
  empty_tracking,
  empty_revision,
  bad_revision,
  empty_title,
  bad_date,              // transmittals: not a real YYYY-MM-DD date
};

struct name_error {
  name_errc reason;
  std::string message;
};

template<class T>
using name_result = boost::system::result<T, name_error>;

enum class doc_status { dft, ifa, ifb, ifc, ifd, ifi, ifp, ifr, ifu, rec, rsa, rsb, rsc, rsd, rsi, none };

/// Parses `IFA`, ..., or `---` (none).
std::optional<doc_status> parse_status(std::string_view text);
std::string_view format(doc_status s);

struct revision {
  enum class modifier_kind : char { backup = 'B', comments = 'C', notes = 'N', quality = 'Q' };
  struct modifier {
    modifier_kind kind = modifier_kind::comments;
    std::uint32_t number = 0;
    bool draft = false;
    friend bool operator==(const modifier&, const modifier&) = default;
  };

  bool draft = false;            // `~` before the base
  bool numeric = false;          // base is a number (else a letter)
  std::uint32_t base = 0;        // the number, or the letter's character code
  std::optional<modifier> mod;

  static std::optional<revision> parse(std::string_view text);
  friend bool operator==(const revision&, const revision&) = default;
  friend std::strong_ordering operator<=>(const revision& a, const revision& b);
};

std::string format(const revision& r);

struct document_name {
  std::string tracking;
  revision rev;
  doc_status status = doc_status::none;
  std::string title;                   // without the extension
  std::optional<std::string> extension;
  friend bool operator==(const document_name&, const document_name&) = default;
};

struct transmittal_name {
  std::chrono::year_month_day date;
  std::string tracking;
  doc_status status = doc_status::none;
  std::string title;
  friend bool operator==(const transmittal_name&, const transmittal_name&) = default;
};

name_result<document_name> parse_document_name(std::string_view name);
name_result<transmittal_name> parse_transmittal_name(std::string_view name);
std::string format(const document_name& d);
std::string format(const transmittal_name& t);
/// `YYYY-MM-DD`, as transmittal names write dates.
std::string format_date(const std::chrono::year_month_day& date);

/// Set on the answer to a PUT of a document whose file name does not follow
/// the convention: the write is kept, the person is told why the name is
/// off (a warning, never a refusal).
inline constexpr std::string_view name_warning_header = "Zddc-Name-Warning";

/// Why `file_name` does not follow the document convention, as printable
/// ASCII fit for a header; nullopt when it does.
std::optional<std::string> naming_warning(std::string_view file_name);

} // namespace zddc::core

#include <zddc/core/impl/naming.ipp>
