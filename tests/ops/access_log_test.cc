// AccessLog: JSON lines with every field (parsed by simdjson), escaping,
// no token, bounded buffering with drop counting, reopen after rename.
#include "jwtgate/ops/access_log.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "simdjson.h"
#include "tests/ops/ops_test_util.h"

namespace jwtgate::ops {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ReadFile;
using testing::TempDir;

constexpr const char* kFields[] = {
    "ts",          "shard",    "client",   "method",    "path",
    "route",       "status",   "bytes_in", "bytes_out", "upstream",
    "upstream_ms", "total_ms", "sub",      "auth"};

sockaddr_in Client() {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(40000);
  in.sin_addr.s_addr = htonl(0x7f000001);
  return in;
}

AccessRecord Record() {
  static const sockaddr_in client = Client();
  AccessRecord r;
  r.unix_ms = 1767225600123;  // 2026-01-01T00:00:00.123Z
  r.client = reinterpret_cast<const sockaddr*>(&client);
  r.method = "GET";
  r.path = "/api/items";
  r.route = "api";
  r.status = 200;
  r.bytes_in = 321;
  r.bytes_out = 4567;
  r.upstream = "127.0.0.1:9000";
  r.upstream_ms = 12;
  r.total_ms = 13;
  r.sub = "user-1";
  r.auth_checked = true;
  r.auth_result = jwt::AuthResult::kOk;
  return r;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!line.empty()) out.emplace_back(line.data(), line.size());
  }
  return out;
}

// Parses one line; fails the test if it is not a JSON object with exactly
// the SPEC §5 fields.
simdjson::dom::element Parse(simdjson::dom::parser& parser,
                             const std::string& line) {
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS) << line;
  simdjson::dom::object obj;
  EXPECT_EQ(doc.get(obj), simdjson::SUCCESS) << line;
  size_t count = 0;
  for (auto field : obj) {
    (void)field;
    ++count;
  }
  EXPECT_EQ(count, std::size(kFields)) << line;
  for (const char* f : kFields) {
    EXPECT_EQ(doc[f].error(), simdjson::SUCCESS) << "missing " << f;
  }
  return doc;
}

std::string Str(simdjson::dom::element doc, const char* field) {
  std::string_view v;
  if (doc[field].get(v) != simdjson::SUCCESS) return "<not a string>";
  return std::string(v);
}

TEST(AccessLogLineTest, HasEveryFieldWithTheRecordsValues) {
  std::string line;
  FormatAccessRecord(Record(), 3, &line);
  ASSERT_EQ(line.back(), '\n');
  ASSERT_EQ(line.find('\n'), line.size() - 1);
  simdjson::dom::parser parser;
  auto doc = Parse(parser, line);
  EXPECT_EQ(Str(doc, "ts"), "2026-01-01T00:00:00.123Z");
  EXPECT_EQ(int64_t(doc["shard"]), 3);
  EXPECT_EQ(Str(doc, "client"), "127.0.0.1");
  EXPECT_EQ(Str(doc, "method"), "GET");
  EXPECT_EQ(Str(doc, "path"), "/api/items");
  EXPECT_EQ(Str(doc, "route"), "api");
  EXPECT_EQ(int64_t(doc["status"]), 200);
  EXPECT_EQ(int64_t(doc["bytes_in"]), 321);
  EXPECT_EQ(int64_t(doc["bytes_out"]), 4567);
  EXPECT_EQ(Str(doc, "upstream"), "127.0.0.1:9000");
  EXPECT_EQ(int64_t(doc["upstream_ms"]), 12);
  EXPECT_EQ(int64_t(doc["total_ms"]), 13);
  EXPECT_EQ(Str(doc, "sub"), "user-1");
  EXPECT_EQ(Str(doc, "auth"), "ok");
}

TEST(AccessLogLineTest, AbsentValuesAreNullAndAuthNamesTheReason) {
  AccessRecord r = Record();
  r.client = nullptr;
  r.route = "";
  r.upstream = "";
  r.upstream_ms = -1;
  r.sub = "";
  r.status = 401;
  r.auth_result = jwt::AuthResult::kExpired;
  std::string line;
  FormatAccessRecord(r, 0, &line);
  simdjson::dom::parser parser;
  auto doc = Parse(parser, line);
  for (const char* f : {"client", "route", "upstream", "upstream_ms", "sub"}) {
    EXPECT_TRUE(doc[f].is_null()) << f << " in " << line;
  }
  EXPECT_EQ(Str(doc, "auth"), jwt::AuthResultName(jwt::AuthResult::kExpired));
  r.auth_checked = false;
  line.clear();
  FormatAccessRecord(r, 0, &line);
  EXPECT_EQ(Str(Parse(parser, line), "auth"), "none");
}

TEST(AccessLogLineTest, Ipv6ClientIsTheAddress) {
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_addr = in6addr_loopback;
  AccessRecord r = Record();
  r.client = reinterpret_cast<const sockaddr*>(&in6);
  std::string line;
  FormatAccessRecord(r, 0, &line);
  simdjson::dom::parser parser;
  EXPECT_EQ(Str(Parse(parser, line), "client"), "::1");
}

TEST(AccessLogLineTest, EscapesQuotesBackslashesAndControlCharacters) {
  const std::string nasty = "/a\"b\\c\nd\re\tf\x01g\x1fh\x7fi";
  AccessRecord r = Record();
  r.path = nasty;
  r.sub = "\"}, \"auth\":\"ok";  // an injection attempt through a claim
  r.method = "G\xc3\xa9T";       // valid UTF-8 passes through
  std::string line;
  FormatAccessRecord(r, 0, &line);
  EXPECT_EQ(line.find('\n'), line.size() - 1);  // still one line
  simdjson::dom::parser parser;
  auto doc = Parse(parser, line);
  EXPECT_EQ(Str(doc, "path"), nasty);
  EXPECT_EQ(Str(doc, "sub"), "\"}, \"auth\":\"ok");
  EXPECT_EQ(Str(doc, "method"), "G\xc3\xa9T");
  EXPECT_EQ(Str(doc, "auth"), "ok");
}

TEST(AccessLogLineTest, InvalidUtf8StaysValidJson) {
  std::string out;
  AppendJsonEscaped(
      "a\xff"
      "b\xc3"
      "c\xed\xa0\x80",
      &out);
  EXPECT_EQ(out, "a\\u00ffb\\u00c3c\\u00ed\\u00a0\\u0080");
  AccessRecord r = Record();
  r.path = "/\xfe\xff";
  std::string line;
  FormatAccessRecord(r, 0, &line);
  simdjson::dom::parser parser;
  EXPECT_EQ(Str(Parse(parser, line), "path"), "/\xc3\xbe\xc3\xbf");
}

TEST(AccessLogLineTest, QueryStringIsNotLogged) {
  AccessRecord r = Record();
  r.path = "/api/items?access_token=eyJhbGciOi.secret.sig&x=1";
  std::string line;
  FormatAccessRecord(r, 0, &line);
  EXPECT_THAT(line, Not(HasSubstr("eyJhbGciOi")));
  EXPECT_THAT(line, Not(HasSubstr("access_token")));
  simdjson::dom::parser parser;
  EXPECT_EQ(Str(Parse(parser, line), "path"), "/api/items");
}

AccessLog::Options FileOptions(const std::string& path, int shards = 1) {
  AccessLog::Options o;
  o.target = AccessLog::Target::kFile;
  o.path = path;
  o.shard_count = shards;
  o.flush_interval_ms = 100;
  return o;
}

TEST(AccessLogTest, ShardsBufferUntilTickThenLinesReachTheFile) {
  TempDir dir;
  const std::string path = dir.File("access.log");
  auto log = AccessLog::Create(FileOptions(path, 2));
  ASSERT_TRUE(log.ok()) << log.status();
  ShardAccessLog& s0 = (*log)->shard(0);
  ShardAccessLog& s1 = (*log)->shard(1);
  ASSERT_TRUE(s0.enabled());
  s0.Tick(1000);
  s1.Tick(1000);
  s0.Append(Record());
  s1.Append(Record());
  s0.Append(Record());
  (*log)->Flush();
  EXPECT_EQ(ReadFile(path), "");  // nothing handed over before the interval
  s0.Tick(1050);
  (*log)->Flush();
  EXPECT_EQ(ReadFile(path), "");
  s0.Tick(1100);
  s1.Tick(1100);
  (*log)->Flush();
  const auto lines = Lines(ReadFile(path));
  ASSERT_EQ(lines.size(), 3u);
  simdjson::dom::parser parser;
  int shard1 = 0;
  for (const auto& line : lines) {
    shard1 += int64_t(Parse(parser, line)["shard"]) == 1;
  }
  EXPECT_EQ(shard1, 1);
  EXPECT_EQ((*log)->dropped_lines(), 0u);
}

TEST(AccessLogTest, DestructionWritesWhatIsLeft) {
  TempDir dir;
  const std::string path = dir.File("access.log");
  {
    auto log = AccessLog::Create(FileOptions(path));
    ASSERT_TRUE(log.ok());
    (*log)->shard(0).Append(Record());
  }
  EXPECT_EQ(Lines(ReadFile(path)).size(), 1u);
}

TEST(AccessLogTest, LargeBatchesAreHandedOverWithoutTick) {
  TempDir dir;
  const std::string path = dir.File("access.log");
  AccessLog::Options o = FileOptions(path);
  o.handover_bytes = 1024;
  auto log = AccessLog::Create(o);
  ASSERT_TRUE(log.ok());
  for (int i = 0; i < 10; ++i) (*log)->shard(0).Append(Record());
  (*log)->Flush();
  // A line is ~300 bytes: at least one batch went without any Tick().
  EXPECT_GE(Lines(ReadFile(path)).size(), 3u);
}

TEST(AccessLogTest, ReopenAfterRenameStartsANewFile) {
  TempDir dir;
  const std::string path = dir.File("access.log");
  auto log = AccessLog::Create(FileOptions(path));
  ASSERT_TRUE(log.ok());
  ShardAccessLog& s = (*log)->shard(0);
  s.Append(Record());
  s.Tick(1000);
  (*log)->Flush();
  ASSERT_EQ(std::rename(path.c_str(), (path + ".1").c_str()), 0);
  // Until the reopen, lines still go to the renamed file.
  s.Append(Record());
  s.Tick(2000);
  (*log)->Flush();
  ASSERT_TRUE((*log)->Reopen().ok());
  s.Append(Record());
  s.Append(Record());
  s.Tick(3000);
  (*log)->Flush();
  EXPECT_EQ(Lines(ReadFile(path + ".1")).size(), 2u);
  EXPECT_EQ(Lines(ReadFile(path)).size(), 2u);
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST(AccessLogTest, UnwritablePathIsAnError) {
  TempDir dir;
  auto log = AccessLog::Create(FileOptions(dir.File("no/such/dir/log")));
  EXPECT_FALSE(log.ok());
}

TEST(AccessLogTest, OffWritesNothing) {
  AccessLog::Options o;
  o.target = AccessLog::Target::kOff;
  auto log = AccessLog::Create(o);
  ASSERT_TRUE(log.ok());
  EXPECT_FALSE((*log)->shard(0).enabled());
  (*log)->shard(0).Append(Record());
  EXPECT_EQ((*log)->dropped_lines(), 0u);
}

TEST(AccessLogTest, RetargetFromOffToFile) {
  TempDir dir;
  const std::string path = dir.File("access.log");
  AccessLog::Options o;
  o.target = AccessLog::Target::kOff;
  auto log = AccessLog::Create(o);
  ASSERT_TRUE(log.ok());
  (*log)->shard(0).Append(Record());  // off: not logged
  ASSERT_TRUE((*log)->Retarget(AccessLog::Target::kFile, path).ok());
  EXPECT_TRUE((*log)->shard(0).enabled());
  (*log)->shard(0).Append(Record());
  (*log)->shard(0).Tick(1000);
  (*log)->Flush();
  EXPECT_EQ(Lines(ReadFile(path)).size(), 1u);
  EXPECT_FALSE(
      (*log)->Retarget(AccessLog::Target::kFile, dir.File("no/dir/x")).ok());
  EXPECT_TRUE((*log)->shard(0).enabled());  // the old target stays
}

TEST(AccessLogTest, StderrTarget) {
  TempDir dir;
  const std::string path = dir.File("stderr.txt");
  const int saved = ::dup(STDERR_FILENO);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  ::dup2(fd, STDERR_FILENO);
  ::close(fd);
  {
    AccessLog::Options o;
    o.target = AccessLog::Target::kStderr;
    auto log = AccessLog::Create(o);
    ASSERT_TRUE(log.ok());
    (*log)->shard(0).Append(Record());
    (*log)->shard(0).Tick(1000);
    (*log)->Flush();
  }
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  const auto lines = Lines(ReadFile(path));
  ASSERT_EQ(lines.size(), 1u);
  simdjson::dom::parser parser;
  Parse(parser, lines[0]);
}

// The writer is stuck on a FIFO nobody reads: the shard keeps going, drops
// lines once its buffer is at the bound, and counts every drop.
TEST(AccessLogTest, SlowWriterMakesTheShardDropAndCount) {
  TempDir dir;
  const std::string fifo = dir.File("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(reader, 0);
  AccessLog::Options o = FileOptions(fifo);
  o.handover_bytes = 128 << 10;  // one batch is more than a pipe holds
  o.max_buffer_bytes = 256 << 10;
  auto log = AccessLog::Create(o);
  ASSERT_TRUE(log.ok()) << log.status();
  ShardAccessLog& s = (*log)->shard(0);
  int appended = 0;
  while (s.dropped() == 0 && appended < 100000) {
    s.Append(Record());
    ++appended;
  }
  ASSERT_EQ(s.dropped(), 1u);
  for (int i = 0; i < 50; ++i) s.Append(Record());
  appended += 50;
  EXPECT_EQ(s.dropped(), 51u);
  EXPECT_EQ((*log)->dropped_lines(), 51u);

  // Now read everything: every line not dropped arrives, intact.
  std::atomic<bool> done{false};
  std::string received;
  std::thread drain([&] {
    ::fcntl(reader, F_SETFL, 0);  // blocking reads until the writer closes
    char buf[65536];
    ssize_t n;
    while ((n = ::read(reader, buf, sizeof(buf))) > 0) received.append(buf, n);
    done = true;
  });
  log->reset();  // writes the rest and closes the FIFO's write end
  drain.join();
  ::close(reader);
  ASSERT_TRUE(done);
  const auto lines = Lines(received);
  EXPECT_EQ(static_cast<int>(lines.size()), appended - 51);
  simdjson::dom::parser parser;
  Parse(parser, lines.back());
}

}  // namespace
}  // namespace jwtgate::ops
