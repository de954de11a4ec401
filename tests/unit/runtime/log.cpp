// Log lines: one per event, fields escaped so no value can forge a line or
// a field, and paths decoded the same way everywhere.
#include "runtime/log.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <unistd.h>

namespace zddc::runtime {
namespace log_test {

/// What `log` writes to standard error while `fn` runs.
template<class Fn>
std::string
captured(Fn fn)
{
  char path[] = "/tmp/zddc-log-XXXXXX";
  int const fd = ::mkstemp(path);
  EXPECT_GE(fd, 0);
  int const saved = ::dup(2);
  ::dup2(fd, 2);
  fn();
  ::dup2(saved, 2);
  ::close(saved);
  std::string out;
  ::lseek(fd, 0, SEEK_SET);
  char buf[4096];
  for(ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  ::unlink(path);
  return out;
}

TEST(log, values_cannot_forge_lines_or_fields)
{
  auto const line = captured([] {
    log(log_level::warn, "request", {{"path", "/a\nlevel=error msg=forged"}, {"name", "x\x1b[31m\x7f"}, {"ok", "plain"}});
  });
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << line;
  EXPECT_NE(line.find(R"(path="/a\nlevel=error msg=forged")"), std::string::npos) << line;
  EXPECT_NE(line.find(R"(name="x\x1b[31m\x7f")"), std::string::npos) << line;
  EXPECT_NE(line.find(" ok=plain"), std::string::npos) << line;
}

// Issue 14: paths are logged decoded, one name the same in every line.
TEST(log, request_targets_are_logged_decoded)
{
  EXPECT_EQ(log_path("/Docs/Spec%20(IFA)%20-%20Caf%C3%A9.pdf"), "/Docs/Spec (IFA) - Caf\xC3\xA9.pdf");
  EXPECT_EQ(log_path("/Docs/Sub%20dir/"), "/Docs/Sub dir/");
  EXPECT_EQ(log_path("/"), "/");
  EXPECT_EQ(log_path("/a?x=1"), "/a");
  EXPECT_EQ(log_path("/a/%2e%2e/b"), "/a/%2e%2e/b"); // does not decode: logged as received
  EXPECT_EQ(log_path("*"), "*");
}

} // namespace
} // namespace zddc::runtime
