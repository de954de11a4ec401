// The ZIP made while it is sent (core/zip_stream.hpp): read back with
// libarchive's own reader and, for the bytes that matter to other tools
// (bit 11, ZIP64 records), parsed here field by field.
#include <zddc/core/zip_stream.hpp>

#include <zddc/env/filesystem.hpp>

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <clocale>
#include <cstring>
#include <map>
#include <random>
#include <stdexcept>

namespace zddc::core {
namespace zip_stream_test {

using namespace std::chrono_literals;

/// An open file of a fake disk: `bytes` are what reads find (fewer than
/// `st.size` when it shrank, more when it grew); `zeros` serves `st.size`
/// zero bytes without holding them; reads at or past `fail_at` fail.
struct fake_reader {
  env::file_stat st = {};
  std::shared_ptr<const std::string> bytes = std::make_shared<const std::string>();
  bool zeros = false;
  std::uint64_t fail_at = UINT64_MAX;
  std::shared_ptr<int> open_token = {}; // alive while this file is open

  const env::file_stat&
  stat() const
  {
    return st;
  }

  result<std::size_t>
  read_at(std::uint64_t offset, std::span<std::byte> buffer)
  {
    if(offset + buffer.size() > fail_at)
      return error_code(EIO, boost::system::system_category());
    auto const end = zeros ? st.size : bytes->size();
    if(offset >= end)
      return std::size_t(0);
    auto const n = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), end - offset));
    if(zeros)
      std::memset(buffer.data(), 0, n);
    else
      std::memcpy(buffer.data(), bytes->data() + offset, n);
    return n;
  }
};

const time_point mtime_a = time_point(1767225600s + 123456789ns); // 2026-01-01, with nanoseconds
const time_point mtime_b = time_point(1700000000s);

fake_reader
file(std::string bytes, time_point mtime = mtime_a)
{
  fake_reader r;
  r.st.size = bytes.size();
  r.st.mtime = mtime;
  r.bytes = std::make_shared<const std::string>(std::move(bytes));
  return r;
}

/// Files by path; opening anything else is `not_found`. Records how many
/// files were open at once.
struct fake_disk {
  std::map<std::string, fake_reader> files;
  std::map<std::string, error_code> open_errors;
  std::vector<std::weak_ptr<int>> opened;
  std::size_t most_open = 0;

  zip_stream<fake_reader>::opener
  opener()
  {
    return [this](const repo_path& p) -> result<fake_reader> {
      if(auto e = open_errors.find(std::string(p.str())); e != open_errors.end())
        return e->second;
      auto f = files.find(std::string(p.str()));
      if(f == files.end())
        return errc::not_found;
      std::size_t still_open = 0;
      for(auto const& token : opened)
        still_open += token.expired() ? 0 : 1;
      most_open = std::max(most_open, still_open + 1);
      auto r = f->second;
      r.open_token = std::make_shared<int>(0);
      opened.push_back(r.open_token);
      return r;
    };
  }
};

std::vector<zip_member>
members(std::initializer_list<std::string_view> names)
{
  std::vector<zip_member> out;
  for(auto name : names)
    out.push_back({*repo_path::parse(name), std::string(name)});
  return out;
}

struct drained {
  std::string bytes;
  std::size_t pieces = 0;
  std::size_t largest = 0;
  bool failed = false;
};

drained
drain(zip_stream<fake_reader>& z)
{
  drained d;
  std::string piece;
  for(;;) {
    piece.clear();
    if(! z.next(piece))
      break;
    EXPECT_FALSE(piece.empty());
    ++d.pieces;
    d.largest = std::max(d.largest, piece.size());
    d.bytes += piece;
  }
  d.failed = z.failed();
  std::string after;
  EXPECT_FALSE(z.next(after)) << "an ended stream stays ended";
  EXPECT_TRUE(after.empty());
  return d;
}

std::string
sha256_hex(std::string_view bytes)
{
  sha256 h;
  h.update(bytes);
  return to_hex(h.finish());
}

/// A member as libarchive's reader sees it.
struct unpacked {
  std::string name;
  std::int64_t size = 0;
  std::time_t mtime = 0;
  unsigned mode = 0;
  std::string bytes;
};

/// Reads `zip` with libarchive: from its central directory (`seekable`),
/// or front to back as a streaming client would.
std::vector<unpacked>
unpack(const std::string& zip, bool seekable = true)
{
  std::vector<unpacked> out;
  std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), &archive_read_free);
  if(seekable)
    EXPECT_EQ(archive_read_support_format_zip_seekable(a.get()), ARCHIVE_OK);
  else
    EXPECT_EQ(archive_read_support_format_zip_streamable(a.get()), ARCHIVE_OK);
  EXPECT_EQ(archive_read_open_memory(a.get(), zip.data(), zip.size()), ARCHIVE_OK)
    << archive_error_string(a.get());
  archive_entry* e = nullptr;
  int r = ARCHIVE_OK;
  while((r = archive_read_next_header(a.get(), &e)) == ARCHIVE_OK) {
    unpacked u;
    u.name = archive_entry_pathname(e);
    u.size = archive_entry_size(e);
    u.mtime = archive_entry_mtime(e);
    u.mode = archive_entry_mode(e);
    char buffer[8192];
    la_ssize_t n = 0;
    while((n = archive_read_data(a.get(), buffer, sizeof buffer)) > 0)
      u.bytes.append(buffer, static_cast<std::size_t>(n));
    EXPECT_EQ(n, 0) << archive_error_string(a.get());
    out.push_back(std::move(u));
  }
  EXPECT_EQ(r, ARCHIVE_EOF) << archive_error_string(a.get());
  return out;
}

// ---- The ZIP format, field by field (APPNOTE.TXT 4.3) ----------------------

std::uint64_t
le(std::string_view s, std::size_t at, std::size_t bytes)
{
  if(at > s.size() || bytes > s.size() - at)
    throw std::out_of_range("zip field past the end");
  std::uint64_t v = 0;
  for(std::size_t i = bytes; i-- > 0;)
    v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

constexpr std::uint64_t local_header_sig = 0x04034b50;
constexpr std::uint64_t central_header_sig = 0x02014b50;
constexpr std::uint64_t descriptor_sig = 0x08074b50;
constexpr std::uint64_t eocd_sig = 0x06054b50;
constexpr std::uint64_t zip64_eocd_sig = 0x06064b50;
constexpr std::uint64_t zip64_locator_sig = 0x07064b50;
constexpr std::uint16_t utf8_flag = 1 << 11;

struct central_entry {
  std::uint16_t flags = 0;
  std::uint32_t crc = 0;
  std::uint64_t compressed = 0;   // after the ZIP64 extra field
  std::uint64_t uncompressed = 0; // after the ZIP64 extra field
  std::uint64_t local_offset = 0; // after the ZIP64 extra field
  std::uint32_t raw_uncompressed = 0;
  std::uint32_t raw_local_offset = 0;
  bool zip64_extra = false;
  std::string name;
};

struct central_directory {
  std::vector<central_entry> entries;
  bool zip64_end = false; // the ZIP64 end record and its locator are there
};

/// The central directory of an archive of `total` bytes of which `tail`
/// holds the last ones (all of them, or enough to hold the directory).
central_directory
read_central_directory(std::string_view tail, std::uint64_t total)
{
  central_directory dir;
  auto const base = total - tail.size(); // archive offset of tail[0]
  auto const eocd = tail.size() - 22;    // libarchive writes no comment
  EXPECT_EQ(le(tail, eocd, 4), eocd_sig);
  std::uint64_t count = le(tail, eocd + 10, 2);
  std::uint64_t cd_offset = le(tail, eocd + 16, 4);
  if(eocd >= 20 && le(tail, eocd - 20, 4) == zip64_locator_sig) {
    dir.zip64_end = true;
    auto const record = le(tail, eocd - 20 + 8, 8) - base;
    EXPECT_EQ(record, eocd - 20 - 56) << "the ZIP64 end record sits right before its locator";
    EXPECT_EQ(le(tail, record, 4), zip64_eocd_sig);
    count = le(tail, record + 32, 8);
    cd_offset = le(tail, record + 48, 8);
  }
  auto p = cd_offset - base;
  for(std::uint64_t i = 0; i < count; ++i) {
    EXPECT_EQ(le(tail, p, 4), central_header_sig);
    central_entry e;
    e.flags = static_cast<std::uint16_t>(le(tail, p + 8, 2));
    e.crc = static_cast<std::uint32_t>(le(tail, p + 16, 4));
    e.compressed = le(tail, p + 20, 4);
    e.raw_uncompressed = static_cast<std::uint32_t>(le(tail, p + 24, 4));
    e.uncompressed = e.raw_uncompressed;
    auto const name_bytes = le(tail, p + 28, 2);
    auto const extra_bytes = le(tail, p + 30, 2);
    auto const comment_bytes = le(tail, p + 32, 2);
    e.raw_local_offset = static_cast<std::uint32_t>(le(tail, p + 42, 4));
    e.local_offset = e.raw_local_offset;
    e.name = std::string(tail.substr(p + 46, name_bytes));
    auto const extra = tail.substr(p + 46 + name_bytes, extra_bytes);
    for(std::size_t x = 0; x + 4 <= extra.size();) {
      auto const id = le(extra, x, 2);
      auto const bytes = le(extra, x + 2, 2);
      if(id == 1) { // ZIP64: the fields that are 0xffffffff above, in this order
        e.zip64_extra = true;
        auto q = x + 4;
        for(auto* field : {&e.uncompressed, &e.compressed, &e.local_offset}) {
          if(*field == 0xffffffff) {
            *field = le(extra, q, 8);
            q += 8;
          }
        }
        EXPECT_EQ(q, x + 4 + bytes) << "the ZIP64 field holds exactly the values it replaces";
      }
      x += 4 + bytes;
    }
    dir.entries.push_back(std::move(e));
    p += 46 + name_bytes + extra_bytes + comment_bytes;
  }
  EXPECT_EQ(p + base, total - 22 - (dir.zip64_end ? 76 : 0)) << "the directory ends where the end records begin";
  return dir;
}

struct local_header {
  std::uint16_t flags = 0;
  std::string name;
  std::size_t data = 0; // where the member's bytes start
};

local_header
read_local_header(std::string_view zip, std::size_t at)
{
  EXPECT_EQ(le(zip, at, 4), local_header_sig);
  local_header h;
  h.flags = static_cast<std::uint16_t>(le(zip, at + 6, 2));
  auto const name_bytes = le(zip, at + 26, 2);
  auto const extra_bytes = le(zip, at + 28, 2);
  h.name = std::string(zip.substr(at + 30, name_bytes));
  h.data = at + 30 + name_bytes + extra_bytes;
  return h;
}

// ---- Tests -------------------------------------------------------------------

TEST(zip_stream, round_trip_keeps_names_sizes_times_and_bytes)
{
  fake_disk disk;
  std::string big(200 * 1024 + 7, '\0');
  std::mt19937 prng(7);
  for(auto& c : big)
    c = static_cast<char>(prng());
  disk.files["Project/Spec (IFA) - X.pdf"] = file(big, mtime_a);
  disk.files["Project/empty.txt"] = file("", mtime_b);
  disk.files["Project/sub/note.txt"] = file("hello\n", mtime_b);

  auto names = members({"Project/Spec (IFA) - X.pdf", "Project/empty.txt", "Project/sub/note.txt"});
  names[0].name = "Spec (IFA) - X.pdf"; // archive names need not be the paths
  names[1].name = "empty.txt";
  names[2].name = "sub/note.txt";
  zip_stream<fake_reader> z(names, disk.opener());
  auto const d = drain(z);
  ASSERT_FALSE(d.failed) << z.failure();
  EXPECT_TRUE(z.missing().empty());
  EXPECT_EQ(disk.most_open, 1u);

  auto const sums = sha256_hex(big) + "  Spec (IFA) - X.pdf\n" + sha256_hex("") + "  empty.txt\n" +
                    sha256_hex("hello\n") + "  sub/note.txt\n";
  for(bool seekable : {true, false}) {
    SCOPED_TRACE(seekable ? "from the central directory" : "streaming");
    auto const got = unpack(d.bytes, seekable);
    ASSERT_EQ(got.size(), 4u);
    EXPECT_EQ(got[0].name, "Spec (IFA) - X.pdf");
    EXPECT_EQ(got[0].bytes, big);
    EXPECT_EQ(got[0].mtime, 1767225600); // whole seconds: the UT extra field
    EXPECT_EQ(got[1].name, "empty.txt");
    EXPECT_EQ(got[1].bytes, "");
    EXPECT_EQ(got[1].mtime, 1700000000);
    EXPECT_EQ(got[2].name, "sub/note.txt");
    EXPECT_EQ(got[2].bytes, "hello\n");
    EXPECT_EQ(got[3].name, "SHA256SUMS");
    EXPECT_EQ(got[3].bytes, sums);
    EXPECT_EQ(got[3].mtime, 1767225600) << "the trailer carries the newest member's time";
    // Only the central directory has permissions and, with data
    // descriptors, sizes up front: a streaming reader sees neither.
    for(auto const& u : got) {
      if(seekable) {
        EXPECT_EQ(u.mode, AE_IFREG | 0644) << u.name;
        EXPECT_EQ(u.size, static_cast<std::int64_t>(u.bytes.size())) << u.name;
      }
    }
  }

  // Stored, not deflated; sizes and CRCs in the directory, no ZIP64 needed.
  auto const dir = read_central_directory(d.bytes, d.bytes.size());
  EXPECT_FALSE(dir.zip64_end);
  ASSERT_EQ(dir.entries.size(), 4u);
  EXPECT_EQ(dir.entries[0].uncompressed, big.size());
  EXPECT_EQ(dir.entries[0].compressed, big.size());
  EXPECT_FALSE(dir.entries[0].zip64_extra);
  EXPECT_EQ(le(d.bytes, 8, 2), 0u) << "compression method 0: stored";
}

TEST(zip_stream, empty_member_list_gives_an_archive_of_an_empty_sha256sums)
{
  fake_disk disk;
  zip_stream<fake_reader> z({}, disk.opener());
  auto const d = drain(z);
  ASSERT_FALSE(d.failed) << z.failure();
  auto const got = unpack(d.bytes);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].name, "SHA256SUMS");
  EXPECT_EQ(got[0].bytes, "");
}

TEST(zip_stream, a_member_named_like_a_manifest_keeps_its_name_and_the_manifest_moves_aside)
{
  fake_disk disk;
  disk.files["SHA256SUMS"] = file("the folder's own sums\n");
  zip_stream<fake_reader> z(members({"SHA256SUMS"}), disk.opener());
  auto const d = drain(z);
  ASSERT_FALSE(d.failed) << z.failure();
  auto const got = unpack(d.bytes);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].name, "SHA256SUMS");
  EXPECT_EQ(got[0].bytes, "the folder's own sums\n");
  EXPECT_EQ(got[1].name, "SHA256SUMS (zddc)");
  EXPECT_NE(got[1].bytes.find("  SHA256SUMS\n"), std::string::npos);
}

/// Sets the process's locale for the length of a test.
class process_locale {
public:
  explicit process_locale(const char* name) : previous_(std::setlocale(LC_ALL, nullptr))
  {
    ok_ = std::setlocale(LC_ALL, name) != nullptr;
  }
  ~process_locale() { std::setlocale(LC_ALL, previous_.c_str()); }
  process_locale(const process_locale&) = delete;
  process_locale& operator=(const process_locale&) = delete;

  bool ok() const { return ok_; }

private:
  std::string previous_;
  bool ok_ = false;
};

// In the "C" locale libarchive's own conversion to UTF-8 stores every
// non-ASCII byte as U+FFFD; in a UTF-8 locale, a name given to it as UTF-8
// (`archive_entry_set_pathname_utf8`) comes out normalised to NFC, so the
// NFD twin would turn into a second copy of the NFC name. Neither may happen.
void
check_non_ascii_names()
{
  std::string const nfc = "Caf\xC3\xA9 - \xE6\x97\xA5\xE6\x9C\xAC.pdf";
  std::string const nfd = "Cafe\xCC\x81 - \xE6\x97\xA5\xE6\x9C\xAC.pdf";
  fake_disk disk;
  disk.files[nfc] = file("composed");
  disk.files[nfd] = file("decomposed");
  disk.files["plain.txt"] = file("ascii");
  zip_stream<fake_reader> z(members({nfc, nfd, "plain.txt"}), disk.opener());
  auto const d = drain(z);
  ASSERT_FALSE(d.failed) << z.failure();

  auto const dir = read_central_directory(d.bytes, d.bytes.size());
  ASSERT_EQ(dir.entries.size(), 4u);
  std::vector<std::string> const names = {nfc, nfd, "plain.txt", "SHA256SUMS"};
  for(std::size_t i = 0; i < names.size(); ++i) {
    auto const& e = dir.entries[i];
    auto const local = read_local_header(d.bytes, static_cast<std::size_t>(e.local_offset));
    EXPECT_EQ(e.name, names[i]) << "central directory, byte for byte";
    EXPECT_EQ(local.name, names[i]) << "local header, byte for byte";
    if(i < 2) {
      EXPECT_TRUE(e.flags & utf8_flag) << "bit 11 in the central directory";
      EXPECT_TRUE(local.flags & utf8_flag) << "bit 11 in the local header";
    }
  }
  EXPECT_EQ(d.bytes.substr(read_local_header(d.bytes, dir.entries[3].local_offset).data, dir.entries[3].uncompressed),
            sha256_hex("composed") + "  " + nfc + "\n" + sha256_hex("decomposed") + "  " + nfd + "\n" +
              sha256_hex("ascii") + "  plain.txt\n");
}

TEST(zip_stream, non_ascii_names_are_stored_byte_exact_with_the_utf8_flag_in_the_c_locale)
{
  process_locale c("C");
  ASSERT_TRUE(c.ok());
  check_non_ascii_names();
}

TEST(zip_stream, non_ascii_names_are_stored_byte_exact_with_the_utf8_flag_in_a_utf8_locale)
{
  process_locale utf8("C.UTF-8");
  ASSERT_TRUE(utf8.ok()) << "glibc has C.UTF-8 built in (2.35 on), and the stream itself needs it";
  check_non_ascii_names();
}

TEST(zip_stream, a_name_that_is_not_utf8_fails_the_stream_rather_than_being_altered)
{
  fake_disk disk;
  disk.files["bad.txt"] = file("bytes");
  zip_stream<fake_reader> z({{*repo_path::parse("bad.txt"), "bad\xFF.txt"}}, disk.opener());
  auto const d = drain(z);
  EXPECT_TRUE(d.failed);
  EXPECT_NE(z.failure().find("bad"), std::string::npos) << z.failure();
}

TEST(zip_stream, pieces_stay_small_and_files_open_one_at_a_time_when_their_turn_comes)
{
  fake_disk disk;
  std::string big(5 * 1024 * 1024 + 3, 'x');
  disk.files["big.bin"] = file(big);
  std::vector<zip_member> list = members({"big.bin"});
  // Enough members for a central directory of several pieces.
  for(int i = 0; i < 1500; ++i) {
    auto name = "folder/a-rather-long-document-name-to-grow-the-central-directory-" + std::to_string(i) + ".pdf";
    disk.files[name] = file(std::to_string(i));
    list.push_back({*repo_path::parse(name), name});
  }
  zip_stream<fake_reader> z(list, disk.opener());

  std::string first;
  ASSERT_TRUE(z.next(first));
  EXPECT_EQ(disk.opened.size(), 1u) << "only the first member is open after the first piece";

  auto const d = drain(z);
  ASSERT_FALSE(d.failed) << z.failure();
  EXPECT_LE(d.largest, zip_piece_bytes);
  EXPECT_EQ(disk.most_open, 1u);
  EXPECT_EQ(disk.opened.size(), list.size());
  auto const whole = first + d.bytes;
  EXPECT_GT(whole.size(), big.size());
  auto const dir = read_central_directory(whole, whole.size());
  ASSERT_EQ(dir.entries.size(), list.size() + 1);
  EXPECT_GT(le(whole, whole.size() - 22 + 12, 4), 2 * zip_piece_bytes)
    << "the central directory, written at once, still went out in pieces";
  auto const got = unpack(whole);
  ASSERT_EQ(got.size(), list.size() + 1);
  EXPECT_EQ(got[0].bytes, big);
  EXPECT_EQ(got[1500].bytes, "1499");
}

TEST(zip_stream, a_vanished_member_is_skipped_and_listed_in_missing_txt)
{
  fake_disk disk;
  disk.files["a.txt"] = file("A");
  disk.files["c.txt"] = file("C");
  zip_stream<fake_reader> z(members({"a.txt", "b.txt", "c.txt", "d.txt"}), disk.opener());
  auto const d = drain(z);
  ASSERT_FALSE(d.failed) << z.failure();
  EXPECT_EQ(z.missing(), (std::vector<std::string>{"b.txt", "d.txt"}));
  auto const got = unpack(d.bytes);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].name, "a.txt");
  EXPECT_EQ(got[1].name, "c.txt");
  EXPECT_EQ(got[2].name, "SHA256SUMS");
  EXPECT_EQ(got[2].bytes, sha256_hex("A") + "  a.txt\n" + sha256_hex("C") + "  c.txt\n");
  EXPECT_EQ(got[3].name, "MISSING.txt");
  EXPECT_EQ(got[3].bytes, "b.txt\nd.txt\n");
}

TEST(zip_stream, another_open_error_fails_the_stream)
{
  fake_disk disk;
  disk.files["a.txt"] = file("A");
  disk.open_errors["b.txt"] = error_code(EACCES, boost::system::system_category());
  zip_stream<fake_reader> z(members({"a.txt", "b.txt"}), disk.opener());
  auto const d = drain(z);
  EXPECT_TRUE(d.failed);
  EXPECT_EQ(z.error(), error_code(EACCES, boost::system::system_category()));
  EXPECT_NE(z.failure().find("b.txt"), std::string::npos) << z.failure();
}

TEST(zip_stream, a_read_error_fails_the_stream_after_what_was_sent)
{
  fake_disk disk;
  auto broken = file(std::string(1024 * 1024, 'b'));
  broken.fail_at = 512 * 1024;
  disk.files["broken.bin"] = broken;
  zip_stream<fake_reader> z(members({"broken.bin"}), disk.opener());
  auto const d = drain(z);
  EXPECT_TRUE(d.failed);
  EXPECT_GE(d.pieces, 7u) << "pieces went out before the error";
  EXPECT_LE(d.bytes.size(), 512u * 1024);
  EXPECT_EQ(z.error(), error_code(EIO, boost::system::system_category()));
}

TEST(zip_stream, a_file_that_shrank_fails_the_stream)
{
  fake_disk disk;
  auto shrunk = file(std::string(300 * 1024, 's'));
  shrunk.bytes = std::make_shared<const std::string>(200 * 1024, 's'); // cut after it was opened
  disk.files["shrunk.bin"] = shrunk;
  disk.files["after.txt"] = file("after");
  zip_stream<fake_reader> z(members({"shrunk.bin", "after.txt"}), disk.opener());
  auto const d = drain(z);
  EXPECT_TRUE(d.failed);
  EXPECT_EQ(z.error(), errc::protocol_error);
  EXPECT_EQ(disk.opened.size(), 1u) << "nothing after it was opened";
}

TEST(zip_stream, a_file_that_grew_is_archived_at_its_stat_size)
{
  fake_disk disk;
  auto grown = file(std::string(1000, 'g'));
  grown.bytes = std::make_shared<const std::string>(std::string(1000, 'g') + std::string(100000, 'h'));
  disk.files["grown.bin"] = grown;
  zip_stream<fake_reader> z(members({"grown.bin"}), disk.opener());
  auto const d = drain(z);
  ASSERT_FALSE(d.failed) << z.failure();
  auto const got = unpack(d.bytes);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].bytes, std::string(1000, 'g'));
  EXPECT_EQ(got[1].bytes, sha256_hex(std::string(1000, 'g')) + "  grown.bin\n");
}

TEST(zip_stream, destroying_a_half_sent_stream_writes_nothing_more)
{
  fake_disk disk;
  disk.files["big.bin"] = file(std::string(1024 * 1024, 'z'));
  auto z = std::make_unique<zip_stream<fake_reader>>(members({"big.bin"}), disk.opener());
  std::string piece;
  ASSERT_TRUE(z->next(piece));
  ASSERT_TRUE(z->next(piece));
  z.reset(); // the sanitizer build checks for leaks and stray writes
  EXPECT_TRUE(disk.opened.front().expired()) << "the file was closed";
}

TEST(zip_stream, a_member_over_4_gib_uses_zip64)
{
  constexpr std::uint64_t size = (std::uint64_t(4) << 30) + 1;
  fake_disk disk;
  fake_reader zeros;
  zeros.st.size = size;
  zeros.st.mtime = mtime_a;
  zeros.zeros = true;
  disk.files["big.bin"] = zeros;
  zip_stream<fake_reader> z(members({"big.bin"}), disk.opener());

  // Keep only the end of the archive: the directory and end records are there.
  std::string tail, piece;
  std::uint64_t total = 0;
  std::size_t largest = 0;
  while(z.next(piece)) {
    total += piece.size();
    largest = std::max(largest, piece.size());
    tail += piece;
    piece.clear();
    if(tail.size() > 2 * 1024 * 1024)
      tail.erase(0, tail.size() - 1024 * 1024);
  }
  ASSERT_FALSE(z.failed()) << z.failure();
  EXPECT_GT(total, size);
  EXPECT_LE(largest, zip_piece_bytes);

  auto const dir = read_central_directory(tail, total);
  EXPECT_TRUE(dir.zip64_end) << "ZIP64 end record (0x06064b50) and locator (0x07064b50)";
  ASSERT_EQ(dir.entries.size(), 2u);
  auto const& big = dir.entries[0];
  EXPECT_EQ(big.name, "big.bin");
  EXPECT_TRUE(big.zip64_extra);
  EXPECT_EQ(big.raw_uncompressed, 0xffffffffu);
  EXPECT_EQ(big.uncompressed, size);
  EXPECT_EQ(big.compressed, size);
  EXPECT_EQ(big.local_offset, 0u);
  EXPECT_EQ(big.crc, 0x41d912ffu); // CRC-32 of 4 GiB + 1 zero bytes (Python's zlib.crc32)

  // SHA256SUMS starts past 4 GiB: its offset is in its ZIP64 field, and the
  // big member's 24-byte (ZIP64) data descriptor ends right before it.
  auto const& sums = dir.entries[1];
  EXPECT_EQ(sums.name, "SHA256SUMS");
  EXPECT_EQ(sums.raw_local_offset, 0xffffffffu);
  ASSERT_GT(sums.local_offset, size);
  auto const base = total - tail.size();
  auto const at = static_cast<std::size_t>(sums.local_offset - base);
  EXPECT_EQ(le(tail, at - 24, 4), descriptor_sig);
  EXPECT_EQ(le(tail, at - 20, 4), big.crc);
  EXPECT_EQ(le(tail, at - 16, 8), size);
  EXPECT_EQ(le(tail, at - 8, 8), size);
  auto const local = read_local_header(tail, at);
  EXPECT_EQ(local.name, "SHA256SUMS");
  // SHA-256 of 4 GiB + 1 zero bytes (`head -c 4294967297 /dev/zero | sha256sum`).
  EXPECT_EQ(tail.substr(local.data, sums.uncompressed),
            "fbb82f7b353676bb562eb82157fcf0ea42c36492ca13ee56dbf82c08b6802c5c  big.bin\n");
}

} // namespace
} // namespace zddc::core
