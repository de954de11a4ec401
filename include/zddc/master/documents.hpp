#pragma once
/// @file
/// A directory's document answers, and one download of a selection:
/// - `GET <dir>/?register`: the document register (core/register.hpp) of
///   everything at or below `<dir>` the caller may read, as JSON
///   (`Accept: application/json` or `format=json`), CSV (`Accept: text/csv`
///   or `format=csv`) or HTML (core/register_html.hpp);
/// - `GET <dir>/?transmittals`: the transmittal folders there, by date, as
///   JSON or HTML;
/// - `GET <dir>/?zip`: a ZIP of every file there the caller may read
///   (core/zip_stream.hpp), named after the directory;
/// - `POST /.zddc/zip` with a JSON array of decoded paths (`["/Docs/a.pdf",
///   "/Docs/Transmittal/"]`): a ZIP of that selection, a folder standing
///   for everything the caller may read below it.
///
/// Every role answers through these functions from a `document_source`:
/// the listings its caller may see, directory by directory, and the bytes
/// of a listed file. The master reads them from its tree index and disk; a
/// cache or mirror from its stored listings and copies (with its own
/// waiting writes laid over them). Grants therefore apply exactly as for
/// listings: what a caller's listing hides is absent from its register,
/// CSV and ZIP.
///
/// Validators. The register and the transmittals carry a strong ETag
/// derived from a validator of the listings they were built from (the
/// master: the subtree's tree tag as the caller sees it, so a 304 costs no
/// walk at all; a cache: a hash of the listings it holds) and answer 304
/// to `If-None-Match`. A ZIP is made as it is sent and carries none.

#include <zddc/core/http_message.hpp>
#include <zddc/core/listing.hpp>
#include <zddc/core/register.hpp>
#include <zddc/core/register_html.hpp>
#include <zddc/core/zip_stream.hpp>

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <variant>
#include <optional>
#include <string>
#include <vector>

namespace zddc::master {

enum class document_view { register_, transmittals, zip };

/// The view `?register`, `?transmittals` or `?zip` asks for; nullopt for
/// any other query (or none).
std::optional<document_view> asked_document_view(const core::request& req);

/// Where `POST /.zddc/zip` is answered.
inline constexpr std::string_view zip_selection_target = "/.zddc/zip";

/// A JSON selection's size limit (about 100 000 paths).
inline constexpr std::size_t zip_selection_bytes_max = 16u << 20;

/// What a role offers the document answers.
template<class Reader>
struct document_source {
  /// The listing of `dir` as the caller sees it; nullopt when it is not at
  /// hand (a cache never fetched it; for the asked directory itself: 404).
  std::function<std::optional<core::listing>(const core::repo_path& dir)> listing;
  /// The bytes of a file a listing above showed.
  std::function<result<Reader>(const core::repo_path& file)> open;
  /// A validator of everything at or below `dir` as the caller sees it,
  /// when the role knows one without listing it all (the master's tree
  /// tag); nullopt: made from the listings.
  std::function<std::optional<std::string>(const core::repo_path& dir)> basis = {};
  /// What the HTML pages add (a cache's offline banner).
  core::document_page_options page = {};
};

/// Every listing at or below `dir` the source holds, parents first, in
/// name order, and the directories it shows but does not hold.
template<class Reader>
std::pair<std::vector<core::listing>, std::vector<core::repo_path>> gather_listings(const document_source<Reader>& source,
                                                                                       const core::repo_path& dir);

/// Answers `GET <dir>/?register|transmittals|zip` (HEAD too).
template<class Reader>
core::response<Reader> document_response(const core::request& req, const core::repo_path& dir, document_view view,
                                         const document_source<Reader>& source);

/// Reads a selection's body whole; `errc::too_large` past
/// `zip_selection_bytes_max`.
boost::asio::awaitable<result<std::string>> read_selection(core::request_body& body);

/// The files of a `POST /.zddc/zip` body (`selection`), each named by its
/// whole decoded path; or the answer that refuses it (400 malformed, 404
/// a path the source does not show).
template<class Reader>
std::variant<std::vector<core::zip_member>, core::response<Reader>>
selection_members(std::string_view selection, const document_source<Reader>& source);

/// Every file the source shows at or below `dir`, named from `dir`'s own
/// name down; nullopt when `dir` itself is not at hand.
template<class Reader>
std::optional<std::vector<core::zip_member>> directory_members(const document_source<Reader>& source,
                                                               const core::repo_path& dir);

/// `<dir's name>.zip` (`ZDDC.zip` for the root).
std::string zip_download_name(const core::repo_path& dir);

/// A ZIP of `members`, read through `source.open` while it is sent.
template<class Reader>
core::response<Reader> zip_response(const core::request& req, std::vector<core::zip_member> members,
                                    std::string_view download_name, const document_source<Reader>& source);

} // namespace zddc::master

#include <zddc/master/impl/documents.hpp>
