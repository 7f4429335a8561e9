// The fetcher thread: schedules the sources' fetches, delivers changed key
// sets, and answers refetch requests (see the header).
#include "jwtgate/jwks/jwks_fetcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include "absl/strings/str_join.h"
#include "jwks/remote_key_source.h"
#include "jwks/text.h"
#include "jwtgate/common/clock.h"
#include "jwtgate/common/log.h"

namespace jwtgate::jwks {
namespace {

absl::flat_hash_map<std::string, int> IndexByName(
    const std::vector<std::unique_ptr<RemoteKeySource>>& sources) {
  absl::flat_hash_map<std::string, int> out;
  for (size_t i = 0; i < sources.size(); ++i) {
    out.emplace(sources[i]->name(), static_cast<int>(i));
  }
  return out;
}

std::string KidList(const std::vector<jwt::KeyPtr>& keys) {
  return absl::StrJoin(keys, ", ", [](std::string* out, const jwt::KeyPtr& k) {
    Append(out, k->kid().empty() ? "(no kid)" : k->kid());
  });
}

// Prometheus label value escaping (backslash, quote, newline).
std::string Label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out.append("\\n");
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<JwksFetcher>> JwksFetcher::Create(
    std::vector<RemoteKeySourceConfig> sources, JwksFetcherOptions options) {
  std::vector<std::unique_ptr<RemoteKeySource>> built;
  absl::flat_hash_map<std::string, int> seen;
  for (RemoteKeySourceConfig& config : sources) {
    if (!seen.emplace(config.name, 0).second) {
      return absl::InvalidArgumentError(
          Cat("key ", config.name, ": defined twice"));
    }
    auto source = RemoteKeySource::Create(std::move(config), options);
    if (!source.ok()) return source.status();
    built.push_back(*std::move(source));
  }
  UniqueFd cancel(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!cancel.valid() || !wake.valid()) {
    return absl::InternalError(Cat("eventfd: ", std::strerror(errno)));
  }
  return std::unique_ptr<JwksFetcher>(
      new JwksFetcher(std::move(built), std::move(options), std::move(cancel),
                      std::move(wake)));
}

JwksFetcher::JwksFetcher(std::vector<std::unique_ptr<RemoteKeySource>> sources,
                         JwksFetcherOptions options, UniqueFd cancel_fd,
                         UniqueFd wake_fd)
    : options_(std::move(options)),
      sources_(std::move(sources)),
      index_by_name_(IndexByName(sources_)),
      cancel_fd_(std::move(cancel_fd)),
      wake_fd_(std::move(wake_fd)),
      fetched_once_(sources_.size(), false) {}

JwksFetcher::~JwksFetcher() { Stop(); }

void JwksFetcher::CarryOver(const JwksFetcher& previous) {
  for (const auto& source : sources_) {
    const int i = previous.SourceIndex(source->name());
    if (i < 0) continue;
    const RemoteKeySource& old = *previous.sources_[i];
    if (old.config() == source->config()) source->CopyStateFrom(old);
  }
}

void JwksFetcher::Start() {
  std::lock_guard<std::mutex> lock(thread_mu_);
  if (thread_.joinable() || stopping_.load()) return;
  const SteadyTime now = std::chrono::steady_clock::now();
  for (const auto& source : sources_) source->schedule().Begin(now);
  thread_ = std::thread([this] { Run(); });
}

void JwksFetcher::Stop() {
  std::lock_guard<std::mutex> lock(thread_mu_);
  stopping_.store(true);
  // Wakes the thread's poll() and aborts a fetch in progress; the eventfd
  // stays readable, so a later wait returns at once too.
  const uint64_t one = 1;
  ssize_t unused = ::write(cancel_fd_.get(), &one, sizeof(one));
  (void)unused;
  if (thread_.joinable()) thread_.join();
  { std::lock_guard<std::mutex> first_lock(first_mu_); }
  first_cv_.notify_all();
}

// The loop: pick the source due soonest (a raised refetch flag makes a
// source due min_refetch after its previous start); fetch it; otherwise
// sleep until the next due time or a wake-up. Nothing here is shared with
// RequestRefetch but the flags and the eventfd, so a shard never waits.
void JwksFetcher::Run() {
  while (!stopping_.load()) {
    const SteadyTime now = std::chrono::steady_clock::now();
    size_t due = sources_.size();
    SteadyTime earliest = SteadyTime::max();
    for (size_t i = 0; i < sources_.size(); ++i) {
      RemoteKeySource& source = *sources_[i];
      const SteadyTime t =
          source.schedule().NextDue(source.refetch_requested());
      if (t < earliest) earliest = t, due = i;
    }
    if (due < sources_.size() && earliest <= now) {
      FetchAndDeliver(due);
      continue;
    }
    Sleep(earliest);
  }
}

void JwksFetcher::Sleep(SteadyTime due) {
  int timeout_ms = -1;
  if (due != SteadyTime::max()) {
    const auto left = due - std::chrono::steady_clock::now();
    // Rounded up, so the thread does not wake just before the due time.
    const int64_t ms =
        std::chrono::ceil<std::chrono::milliseconds>(left).count();
    timeout_ms = static_cast<int>(std::clamp<int64_t>(ms, 0, 60'000));
  }
  pollfd fds[2] = {{wake_fd_.get(), POLLIN, 0}, {cancel_fd_.get(), POLLIN, 0}};
  if (::poll(fds, 2, timeout_ms) > 0 && (fds[0].revents & POLLIN) != 0) {
    uint64_t count = 0;
    ssize_t unused = ::read(wake_fd_.get(), &count, sizeof(count));
    (void)unused;
  }
}

void JwksFetcher::FetchAndDeliver(size_t index) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  RemoteKeySource& source = *sources_[index];
  auto fetch_ended = [&] {
    {
      std::lock_guard<std::mutex> lock(first_mu_);
      fetched_once_[index] = true;
    }
    first_cv_.notify_all();
  };
  // Cleared before the fetch: a request made from now on may concern a kid
  // published after this response, so it must lead to another fetch.
  source.ClearRefetch();
  source.schedule().OnStart(std::chrono::steady_clock::now());
  auto fetched = source.Fetch(cancel_fd_.get());
  const SteadyTime end = std::chrono::steady_clock::now();
  if (!fetched.ok()) {
    if (absl::IsCancelled(fetched.status())) return;  // Stop() in progress
    const absl::Duration retry = source.schedule().OnFailure(
        end, std::uniform_real_distribution<double>(0.0, 1.0)(rng));
    const JwksSourceStats before = source.stats();
    Logf(LogLevel::kWarn, "jwks: %s; %s; retry in %s",
         fetched.status().message(),
         before.key_count > 0
             ? Cat("keeping the last good set (", before.key_count, " keys)")
             : std::string("no keys yet: tokens for this key are refused"),
         absl::FormatDuration(absl::Trunc(retry, absl::Milliseconds(1))));
    source.RecordError(std::string(fetched.status().message()));
    fetch_ended();
    return;
  }
  source.schedule().OnSuccess(end, fetched->max_age_seconds);
  const bool first = !source.has_keys();
  const bool changed = source.Install(*fetched);
  source.RecordSuccess(SystemClock::Get().UnixSeconds());
  if (changed) {
    const size_t n = fetched->keys.size();
    Logf(LogLevel::kInfo, "jwks: key %s: %s key set from %s: %d key%s (kid %s)",
         source.name(), first ? "first" : "new", fetched->url_for_log,
         static_cast<int>(n), n == 1 ? "" : "s", KidList(fetched->keys));
    if (options_.on_keys) options_.on_keys(source.name(), fetched->keys);
  } else {
    Logf(LogLevel::kDebug, "jwks: key %s: key set unchanged", source.name());
  }
  fetch_ended();
}

absl::Status JwksFetcher::WaitForFirst(absl::Duration timeout) const {
  return Wait(timeout, /*until_first_fetch=*/false);
}

absl::Status JwksFetcher::WaitForFirstFetch(absl::Duration timeout) const {
  return Wait(timeout, /*until_first_fetch=*/true);
}

absl::Status JwksFetcher::Wait(absl::Duration timeout,
                               bool until_first_fetch) const {
  // Evaluated with first_mu_ held.
  auto settled = [&] {
    if (stopping_.load()) return true;
    for (size_t i = 0; i < sources_.size(); ++i) {
      if (sources_[i]->has_keys()) continue;
      if (until_first_fetch && fetched_once_[i]) continue;
      return false;
    }
    return true;
  };
  {
    std::unique_lock<std::mutex> lock(first_mu_);
    first_cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout), settled);
  }
  std::vector<std::string> missing;
  for (const auto& source : sources_) {
    if (source->has_keys()) continue;
    std::string error = source->last_error();
    missing.push_back(Cat(source->name(), " (",
                          error.empty() ? "no answer yet" : error, ")"));
  }
  if (missing.empty()) return absl::OkStatus();
  return absl::UnavailableError(
      Cat("no remote keys yet for: ", absl::StrJoin(missing, "; "),
          "; starting anyway, tokens for these keys are refused until a fetch "
          "succeeds"));
}

int JwksFetcher::SourceIndex(std::string_view name) const {
  auto it = index_by_name_.find(ToAbsl(name));
  return it == index_by_name_.end() ? -1 : it->second;
}

const std::string& JwksFetcher::SourceName(int index) const {
  return sources_[index]->name();
}

void JwksFetcher::RequestRefetch(int index) {
  if (index < 0 || static_cast<size_t>(index) >= sources_.size()) return;
  if (!sources_[index]->RaiseRefetch()) return;
  // The eventfd counter stays set until the thread reads it, so a wake-up
  // written between its check of the flags and its poll() is not lost.
  const uint64_t one = 1;
  ssize_t unused = ::write(wake_fd_.get(), &one, sizeof(one));
  (void)unused;
}

std::vector<jwt::KeyPtr> JwksFetcher::CurrentKeys(int index) const {
  if (index < 0 || static_cast<size_t>(index) >= sources_.size()) return {};
  return sources_[index]->keys();
}

JwksSourceStats JwksFetcher::stats(int index) const {
  if (index < 0 || static_cast<size_t>(index) >= sources_.size()) return {};
  return sources_[index]->stats();
}

std::string JwksFetcher::RenderPrometheus(int64_t now_unix) const {
  std::string out;
  if (sources_.empty()) return out;
  Append(&out,
         "# HELP jwtgate_jwks_fetch_total Remote key set fetches by "
         "key and result.\n"
         "# TYPE jwtgate_jwks_fetch_total counter\n");
  for (const auto& s : sources_) {
    const JwksSourceStats st = s->stats();
    const std::string key = Label(s->name());
    Append(&out, "jwtgate_jwks_fetch_total{key=\"", key, "\",result=\"ok\"} ",
           st.fetch_ok, "\n", "jwtgate_jwks_fetch_total{key=\"", key,
           "\",result=\"error\"} ", st.fetch_error, "\n");
  }
  Append(&out,
         "# HELP jwtgate_jwks_keys Keys in the current remote key "
         "set (0: none fetched yet).\n"
         "# TYPE jwtgate_jwks_keys gauge\n");
  for (const auto& s : sources_) {
    Append(&out, "jwtgate_jwks_keys{key=\"", Label(s->name()), "\"} ",
           s->stats().key_count, "\n");
  }
  Append(&out,
         "# HELP jwtgate_jwks_key_set_age_seconds Seconds since the "
         "remote key set was last fetched successfully.\n"
         "# TYPE jwtgate_jwks_key_set_age_seconds gauge\n");
  for (const auto& s : sources_) {
    const JwksSourceStats st = s->stats();
    if (st.last_success_unix == 0 || st.key_count == 0) continue;
    Append(&out, "jwtgate_jwks_key_set_age_seconds{key=\"", Label(s->name()),
           "\"} ", std::max<int64_t>(0, now_unix - st.last_success_unix), "\n");
  }
  return out;
}

}  // namespace jwtgate::jwks
