// The fetcher thread: schedules the sources' fetches, delivers changed key
// sets, and answers refetch requests (see the header).
#include "jwtgate/jwks/jwks_fetcher.h"

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
  if (!cancel.valid()) {
    return absl::InternalError(Cat("eventfd: ", std::strerror(errno)));
  }
  return std::unique_ptr<JwksFetcher>(
      new JwksFetcher(std::move(built), std::move(options), std::move(cancel)));
}

JwksFetcher::JwksFetcher(std::vector<std::unique_ptr<RemoteKeySource>> sources,
                         JwksFetcherOptions options, UniqueFd cancel_fd)
    : options_(std::move(options)),
      sources_(std::move(sources)),
      index_by_name_(IndexByName(sources_)),
      cancel_fd_(std::move(cancel_fd)) {}

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
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable() || stopping_) return;
  const SteadyTime now = std::chrono::steady_clock::now();
  for (const auto& source : sources_) source->schedule().Begin(now);
  thread_ = std::thread([this] { Run(); });
}

void JwksFetcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  const uint64_t one = 1;
  ssize_t unused = ::write(cancel_fd_.get(), &one, sizeof(one));
  (void)unused;
  if (thread_.joinable()) thread_.join();
  { std::lock_guard<std::mutex> lock(first_mu_); }
  first_cv_.notify_all();
}

// The loop: pick the source due soonest (a raised refetch flag makes a
// source due min_refetch after its previous start); fetch it with mu_
// released, so RequestRefetch never waits for the network; otherwise sleep
// until the next due time or a wake-up.
void JwksFetcher::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    const SteadyTime now = std::chrono::steady_clock::now();
    RemoteKeySource* due = nullptr;
    SteadyTime earliest = SteadyTime::max();
    for (const auto& source : sources_) {
      const SteadyTime t =
          source->schedule().NextDue(source->refetch_requested());
      if (t < earliest) earliest = t, due = source.get();
    }
    if (due != nullptr && earliest <= now) {
      lock.unlock();
      FetchAndDeliver(*due);
      lock.lock();
      continue;
    }
    if (earliest == SteadyTime::max()) {
      cv_.wait(lock);
    } else {
      cv_.wait_until(lock, earliest);
    }
  }
}

void JwksFetcher::FetchAndDeliver(RemoteKeySource& source) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
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
  if (first) {
    { std::lock_guard<std::mutex> lock(first_mu_); }
    first_cv_.notify_all();
  }
}

absl::Status JwksFetcher::WaitForFirst(absl::Duration timeout) const {
  auto all_have_keys = [this] {
    return std::all_of(sources_.begin(), sources_.end(),
                       [](const auto& s) { return s->has_keys(); });
  };
  {
    std::unique_lock<std::mutex> lock(first_mu_);
    first_cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                       all_have_keys);
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
  auto it = index_by_name_.find(Sv(name));
  return it == index_by_name_.end() ? -1 : it->second;
}

const std::string& JwksFetcher::SourceName(int index) const {
  return sources_[index]->name();
}

void JwksFetcher::RequestRefetch(int index) {
  if (index < 0 || static_cast<size_t>(index) >= sources_.size()) return;
  if (!sources_[index]->RaiseRefetch()) return;
  // Taking mu_ orders the raised flag before the fetcher's next check, so
  // the notification cannot fall between its check and its wait.
  { std::lock_guard<std::mutex> lock(mu_); }
  cv_.notify_one();
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
