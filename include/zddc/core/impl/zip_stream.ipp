#pragma once
// Implementation of core/zip_stream.hpp.

#include <zddc/core/assert.hpp>

#include <locale.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <utility>

namespace zddc::core {
namespace detail {

/// While alive, this thread's LC_CTYPE is C.UTF-8 (POSIX `uselocale`);
/// the process's locale and other threads are untouched.
class utf8_ctype_scope {
public:
  utf8_ctype_scope() : utf8_(newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t{}))
  {
    if(utf8_ != locale_t{})
      previous_ = uselocale(utf8_);
  }

  ~utf8_ctype_scope()
  {
    if(utf8_ != locale_t{}) {
      uselocale(previous_);
      freelocale(utf8_);
    }
  }

  utf8_ctype_scope(const utf8_ctype_scope&) = delete;
  utf8_ctype_scope& operator=(const utf8_ctype_scope&) = delete;

  explicit operator bool() const noexcept { return utf8_ != locale_t{}; }

private:
  locale_t utf8_;
  locale_t previous_ = locale_t{};
};

struct archive_entry_deleter {
  void operator()(archive_entry* e) const noexcept { archive_entry_free(e); }
};

inline error_code
archive_failure() noexcept
{
  return boost::system::errc::make_error_code(boost::system::errc::io_error);
}

} // namespace detail

template<class Reader>
zip_stream<Reader>::zip_stream(std::vector<zip_member> members, opener open)
  : members_(std::move(members)), open_(std::move(open)), chunk_(zip_piece_bytes)
{
  // The manifests take names no member has (a folder may hold its own
  // `SHA256SUMS`): the first free of `SHA256SUMS`, `SHA256SUMS (zddc)`, ...
  auto const free_name = [this](std::string_view wanted) {
    std::string name(wanted);
    while(std::ranges::any_of(members_, [&](auto const& m) { return m.name == name; }))
      name += " (zddc)";
    return name;
  };
  sums_name_ = free_name(zip_sums_name);
  missing_name_ = free_name(zip_missing_name);
  // libarchive converts a name from "the current locale's charset" to the
  // `hdrcharset`, and sets bit 11 only when that is UTF-8. It asks the
  // locale once per archive, when the option makes the conversion; made
  // under a UTF-8 LC_CTYPE, the conversion is a UTF-8 to UTF-8 copy
  // (checked, not normalised: NFD stays NFD) whatever locale the process
  // runs in. In the "C" locale it would go through iconv from ASCII and
  // store every non-ASCII byte as '?'.
  detail::utf8_ctype_scope utf8;
  if(! utf8) {
    fail(boost::system::errc::make_error_code(boost::system::errc::not_supported),
         "zip: the C.UTF-8 locale is not available");
    return;
  }
  archive_.reset(archive_write_new());
  if(! archive_) {
    fail(boost::system::errc::make_error_code(boost::system::errc::not_enough_memory),
         "zip: archive_write_new failed");
    return;
  }
  // bytes_per_block 0: libarchive passes every write straight to on_write
  // instead of collecting 10 KiB blocks (and pads nothing at the end).
  if(archive_write_set_format_zip(archive_.get()) != ARCHIVE_OK ||
     archive_write_set_options(archive_.get(), "zip:compression=store,zip:hdrcharset=UTF-8") != ARCHIVE_OK ||
     archive_write_set_bytes_per_block(archive_.get(), 0) != ARCHIVE_OK ||
     archive_write_open2(archive_.get(), this, nullptr, &zip_stream::on_write, nullptr, nullptr) != ARCHIVE_OK)
    fail_archive("zip: setting up libarchive");
}

template<class Reader>
zip_stream<Reader>::~zip_stream()
{
  discard_ = true; // a half-sent archive is closed into nothing
  archive_.reset();
}

template<class Reader>
la_ssize_t
zip_stream<Reader>::on_write(archive*, void* self, const void* bytes, std::size_t length) noexcept
{
  auto* z = static_cast<zip_stream*>(self);
  if(z->discard_)
    return static_cast<la_ssize_t>(length);
  try {
    z->buffer_.append(static_cast<const char*>(bytes), length);
  } catch(...) { // out of memory: libarchive reports a fatal error
    return -1;
  }
  return static_cast<la_ssize_t>(length);
}

template<class Reader>
bool
zip_stream<Reader>::next(std::string& out)
{
  if(failed_)
    return false;
  if(phase_ != phase::done && buffer_.size() - sent_ < zip_piece_bytes) {
    buffer_.erase(0, sent_); // less than a piece: a cheap move
    sent_ = 0;
    while(! failed_ && phase_ != phase::done && buffer_.size() < zip_piece_bytes)
      step();
    if(failed_)
      return false;
  }
  // Only the central directory, written at once when the archive closes,
  // leaves more than a piece here; it goes out a piece at a time too.
  auto const n = std::min(buffer_.size() - sent_, zip_piece_bytes);
  if(n == 0) {
    std::string().swap(buffer_);
    return false;
  }
  out.append(buffer_, sent_, n);
  sent_ += n;
  if(sent_ == buffer_.size()) {
    buffer_.clear();
    sent_ = 0;
  }
  return true;
}

template<class Reader>
void
zip_stream<Reader>::step()
{
  switch(phase_) {
  case phase::members:
    if(reader_)
      return read_member();
    if(index_ < members_.size())
      return open_member();
    return begin_generated(sums_name_, std::move(sums_), phase::sums);
  case phase::sums:
  case phase::missing:
    return write_generated();
  case phase::close:
    return close_archive();
  case phase::done:
    return;
  }
}

template<class Reader>
void
zip_stream<Reader>::open_member()
{
  auto const& m = members_[index_];
  auto opened = open_(m.path);
  if(! opened) {
    if(opened.error() == errc::not_found) { // gone since it was listed: MISSING.txt says so
      missing_.push_back(m.name);
      ++index_;
      return;
    }
    return fail(opened.error(), "zip: cannot open " + m.name + ": " + opened.error().message());
  }
  reader_.emplace(std::move(*opened));
  auto const& st = reader_->stat();
  size_ = st.size;
  offset_ = 0;
  newest_ = std::max(newest_, st.mtime);
  hash_.emplace();
  if(! write_header(m.name, size_, st.mtime))
    return;
  if(size_ == 0)
    finish_member();
}

template<class Reader>
void
zip_stream<Reader>::read_member()
{
  auto const& name = members_[index_].name;
  auto const want = static_cast<std::size_t>(std::min<std::uint64_t>(size_ - offset_, room()));
  auto n = reader_->read_at(offset_, std::span(chunk_.data(), want));
  if(! n)
    return fail(n.error(), "zip: cannot read " + name + ": " + n.error().message());
  if(*n == 0) // shrank while read: the archive cannot hold what its header promised
    return fail(errc::protocol_error, "zip: " + name + " ended before its size (it shrank while read)");
  ZDDC_ASSERT(*n <= want);
  auto const bytes = std::span<const std::byte>(chunk_.data(), *n);
  hash_->update(bytes);
  if(! write_data(bytes))
    return;
  offset_ += *n;
  if(offset_ == size_)
    finish_member();
}

template<class Reader>
void
zip_stream<Reader>::finish_member()
{
  if(! finish_entry())
    return;
  auto const& name = members_[index_].name;
  sums_ += to_hex(hash_->finish());
  sums_ += "  ";
  sums_ += name;
  sums_ += '\n';
  hash_.reset();
  reader_.reset(); // closed before the next one opens
  ++index_;
}

template<class Reader>
void
zip_stream<Reader>::begin_generated(std::string_view name, std::string bytes, phase p)
{
  generated_ = std::move(bytes);
  generated_offset_ = 0;
  if(! write_header(name, generated_.size(), newest_))
    return;
  phase_ = p;
}

template<class Reader>
void
zip_stream<Reader>::write_generated()
{
  auto const n = std::min(generated_.size() - generated_offset_, room());
  if(n > 0 && ! write_data(std::as_bytes(std::span(generated_.data() + generated_offset_, n))))
    return;
  generated_offset_ += n;
  if(generated_offset_ < generated_.size())
    return;
  if(! finish_entry())
    return;
  if(phase_ == phase::sums && ! missing_.empty()) {
    std::string text;
    for(auto const& name : missing_) {
      text += name;
      text += '\n';
    }
    return begin_generated(missing_name_, std::move(text), phase::missing);
  }
  std::string().swap(generated_);
  phase_ = phase::close;
}

template<class Reader>
void
zip_stream<Reader>::close_archive()
{
  // Writes the central directory (and the ZIP64 end records when the
  // archive passed 4 GiB) into buffer_ at once.
  if(archive_write_close(archive_.get()) < ARCHIVE_WARN)
    return fail_archive("zip: finishing the archive");
  archive_.reset();
  phase_ = phase::done;
}

template<class Reader>
bool
zip_stream<Reader>::write_header(std::string_view name, std::uint64_t size, time_point mtime)
{
  ZDDC_ASSERT(! name.empty() && name.find('\0') == std::string_view::npos);
  std::unique_ptr<archive_entry, detail::archive_entry_deleter> entry(archive_entry_new());
  if(! entry) {
    fail(boost::system::errc::make_error_code(boost::system::errc::not_enough_memory),
         "zip: archive_entry_new failed");
    return false;
  }
  // The name as bytes (the "multibyte" form): the UTF-8 form would be
  // converted to the locale's charset and normalised to NFC on the way.
  archive_entry_copy_pathname(entry.get(), std::string(name).c_str());
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_perm(entry.get(), 0644);
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
  auto const seconds = std::chrono::floor<std::chrono::seconds>(mtime);
  archive_entry_set_mtime(entry.get(), static_cast<std::time_t>(seconds.time_since_epoch().count()),
                          static_cast<long>((mtime - seconds).count()));
  // Not even ARCHIVE_WARN: the ZIP writer warns only when it could not
  // convert the name, and then it has stored an altered one.
  if(archive_write_header(archive_.get(), entry.get()) != ARCHIVE_OK) {
    fail_archive("zip: writing the header of " + std::string(name));
    return false;
  }
  return true;
}

template<class Reader>
bool
zip_stream<Reader>::write_data(std::span<const std::byte> bytes)
{
  auto const n = archive_write_data(archive_.get(), bytes.data(), bytes.size());
  if(n < 0 || static_cast<std::size_t>(n) != bytes.size()) {
    fail_archive("zip: writing data");
    return false;
  }
  return true;
}

template<class Reader>
bool
zip_stream<Reader>::finish_entry()
{
  // Writes the data descriptor (CRC-32 and sizes): libarchive always
  // streams, so the local header never carries the CRC.
  if(archive_write_finish_entry(archive_.get()) < ARCHIVE_WARN) {
    fail_archive("zip: finishing a member");
    return false;
  }
  return true;
}

template<class Reader>
std::size_t
zip_stream<Reader>::room() const noexcept
{
  return zip_piece_bytes - std::min(buffer_.size() - sent_, zip_piece_bytes);
}

template<class Reader>
void
zip_stream<Reader>::fail(error_code ec, std::string what)
{
  failed_ = true;
  error_ = ec;
  failure_ = std::move(what);
  phase_ = phase::done;
  discard_ = true;
  archive_.reset(); // closed into nothing: no more bytes go out
  reader_.reset();
  hash_.reset();
  std::string().swap(buffer_);
  sent_ = 0;
}

template<class Reader>
void
zip_stream<Reader>::fail_archive(std::string_view doing)
{
  std::string what(doing);
  if(archive_) {
    if(auto const* message = archive_error_string(archive_.get())) {
      what += ": ";
      what += message;
    }
  }
  fail(detail::archive_failure(), std::move(what));
}

} // namespace zddc::core
