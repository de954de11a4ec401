#pragma once
/// @file
/// A ZIP archive of many files, made while it is sent: the body of a folder
/// or transmittal download (`core::body_stream`, core/http_message.hpp).
///
/// The archive is written by libarchive, not by hand: its ZIP writer is
/// widely used and tested, and it handles what is easy to get subtly wrong
/// (ZIP64 for large members and large archives, data descriptors, the
/// central directory). Members are stored, not deflated: documents are
/// PDFs and drawings that are compressed already, and storing keeps a
/// download as fast as the disk. Each member's size and time come from the
/// opened file's `stat()`, its permissions are 0644; its name is stored
/// byte for byte as UTF-8 with the language-encoding flag (general purpose
/// bit 11), so an NFC and an NFD spelling stay distinct and `zipfile`,
/// `unzip` and Windows decode them. (libarchive would convert names through
/// the process's locale, mangling them in "C" and normalising them to NFC
/// in a UTF-8 one; the stream makes that conversion a plain UTF-8 copy,
/// see the constructor.) ZIP64 is used only where it is needed (a member
/// or an offset past 4 GiB), so a small archive opens in every tool.
///
/// After the members come `SHA256SUMS` (one `sha256sum` line per archived
/// member: the SHA-256 of exactly the bytes archived) and, when some member
/// vanished between listing and archiving, `MISSING.txt` (their names, one
/// per line). Both carry the newest member's time; a member that already
/// has one of these names keeps it, and the manifest becomes
/// `SHA256SUMS (zddc)` (and so on).
///
/// Memory: one member is open at a time, opened only when its turn comes;
/// its bytes pass through one `zip_piece_bytes` buffer and leave in pieces
/// of at most that size, whatever the file sizes. What grows with the
/// number of members is small and per member: libarchive's central
/// directory (about 70 bytes plus the name, which libarchive writes out in
/// one go at the end, so it is briefly held twice) and the `SHA256SUMS`
/// line (67 bytes plus the name).
///
/// Failure: a member that can no longer be opened because it is gone is
/// skipped (and listed in `MISSING.txt`). Any other open error, a read
/// error, a file that ends before its `stat()` size, or a libarchive error
/// ends the stream: `next` returns false and `failed()` is true, so the
/// server cuts the response off and the client sees a truncated transfer,
/// never a complete-looking archive with a hole in it. A file that grows
/// while it is read is archived at its `stat()` size.

#include <zddc/core/error.hpp>
#include <zddc/core/http_message.hpp>
#include <zddc/core/path.hpp>
#include <zddc/core/sha256.hpp>
#include <zddc/core/time.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace zddc::core {

/// One file to put in the archive.
struct zip_member {
  repo_path path;   // where the bytes come from (passed to the opener)
  std::string name; // the name inside the archive: relative, '/'-separated, UTF-8 exactly as on disk
};

/// The most `zip_stream::next` hands out at once, and the most it reads
/// from a file at once.
inline constexpr std::size_t zip_piece_bytes = 64 * 1024;

/// The member listing every archived member's SHA-256, in `sha256sum` format.
inline constexpr std::string_view zip_sums_name = "SHA256SUMS";

/// The member listing the members that vanished before they were archived.
inline constexpr std::string_view zip_missing_name = "MISSING.txt";

namespace detail {

/// Closes and frees a libarchive writer. Closing even a failed or
/// half-written one: libarchive 3.6.2 frees its output state only on close
/// (fixed upstream in "archive_write_client: Free state in freer"), so
/// freeing it unclosed leaks. A stream that is failed or being destroyed
/// discards what that close writes.
struct archive_write_deleter {
  void
  operator()(archive* a) const noexcept
  {
    archive_write_close(a);
    archive_write_free(a);
  }
};

} // namespace detail

/// A ZIP made while it is sent (see the file comment).
///
/// `Reader` is an `env::FileReader`: `stat()` gives the opened file's
/// `size` and `mtime`, `read_at(offset, buffer)` reads by position.
/// Member names must be valid UTF-8 (as every `repo_path` segment is) and
/// should not be `SHA256SUMS` or `MISSING.txt` at the top level; a name
/// libarchive cannot store exactly fails the stream rather than being
/// stored altered. Not copyable or movable: libarchive holds its address.
template<class Reader>
class zip_stream final : public body_stream {
public:
  using opener = std::function<result<Reader>(const repo_path&)>;

  zip_stream(std::vector<zip_member> members, opener open);
  ~zip_stream() override;
  zip_stream(const zip_stream&) = delete;
  zip_stream& operator=(const zip_stream&) = delete;

  /// Appends the next piece (at most `zip_piece_bytes`); false once the
  /// archive is complete, or when it failed.
  bool next(std::string& out) override;

  bool
  failed() const override
  {
    return failed_;
  }

  /// Why the stream failed: the opener's or reader's error, `protocol_error`
  /// for a file that shrank while read, `io_error` for libarchive. For the log.
  error_code
  error() const noexcept
  {
    return error_;
  }

  /// What failed, in words (which member, libarchive's message). For the log.
  const std::string&
  failure() const noexcept
  {
    return failure_;
  }

  /// The names of the members skipped because they were gone (MISSING.txt).
  const std::vector<std::string>&
  missing() const noexcept
  {
    return missing_;
  }

private:
  enum class phase { members, sums, missing, close, done };

  /// libarchive's write callback: everything it writes lands in `buffer_`.
  static la_ssize_t on_write(archive* a, void* self, const void* bytes, std::size_t length) noexcept;

  /// One step: opens, reads or finishes a member, or writes the trailer.
  void step();
  void open_member();
  void read_member();
  void finish_member();
  void begin_generated(std::string_view name, std::string bytes, phase p);
  void write_generated();
  void close_archive();

  bool write_header(std::string_view name, std::uint64_t size, time_point mtime);
  bool write_data(std::span<const std::byte> bytes);
  bool finish_entry();

  /// Room left in the piece being made (how much to read next).
  std::size_t room() const noexcept;
  void fail(error_code ec, std::string what);
  void fail_archive(std::string_view doing);

  std::vector<zip_member> members_;
  opener open_;
  std::unique_ptr<archive, detail::archive_write_deleter> archive_;
  phase phase_ = phase::members;

  // The member being archived.
  std::size_t index_ = 0;        // into members_
  std::optional<Reader> reader_; // open while its bytes are read
  std::optional<sha256> hash_;
  std::uint64_t size_ = 0;   // from the reader's stat(): exactly this many bytes are archived
  std::uint64_t offset_ = 0; // bytes archived so far
  std::vector<std::byte> chunk_;

  // The trailer.
  std::string sums_name_;            // `SHA256SUMS`, unless a member has that name
  std::string missing_name_;         // `MISSING.txt`, likewise
  std::string sums_;                 // SHA256SUMS, a line per archived member
  std::vector<std::string> missing_; // names of the members that were gone
  time_point newest_{};              // the trailer's mtime: the newest member's
  std::string generated_;            // the trailer member being written (SHA256SUMS, MISSING.txt)
  std::size_t generated_offset_ = 0;

  // What libarchive wrote and `next` has not handed out yet.
  std::string buffer_;
  std::size_t sent_ = 0; // bytes of buffer_ already handed out
  bool discard_ = false; // failed or being destroyed: on_write drops what libarchive writes

  bool failed_ = false;
  error_code error_;
  std::string failure_;
};

} // namespace zddc::core

#include <zddc/core/impl/zip_stream.ipp>
