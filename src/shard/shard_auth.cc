// Request admission: path normalisation, routing, body limits, token
// extraction and verification, and the head sent upstream (SPEC §3-§4).
#include <string>

#include "jwtgate/http/path_normalizer.h"
#include "jwtgate/http/token_extractor.h"
#include "jwtgate/jwt/auth_result.h"
#include "shard/shard.h"

namespace jwtgate {
namespace {

constexpr std::string_view kRealm = "Bearer realm=\"jwtgate\"";

// RFC 6750 §3 challenge for a refused token.
std::string Challenge(const jwt::AuthAnswer& a) {
  std::string www(kRealm);
  if (a.status == 403) {
    www.append(", error=\"insufficient_scope\"");
  } else if (!a.error.empty()) {
    www.append(", error=\"").append(a.error).append("\"");
    if (!a.description.empty()) {
      www.append(", error_description=\"").append(a.description).append("\"");
    }
  }
  return www;
}

// No key of the route has the token's kid: if the route draws on remote
// key sets, the IdP may have published it since the last fetch, so ask the
// fetcher for an early refetch. It bounds the fetches (one per
// jwks_min_refetch); this costs an atomic check, and only tokens that are
// refused anyway pay it. This request still gets its 401.
void RequestKeyRefetch(const Exchange& ex, const Route& route) {
  if (route.remote_key_set_ids.empty()) return;
  const KeyRefresher* refresher = ex.snapshot->snapshot->key_refresher();
  if (refresher == nullptr) return;
  for (uint32_t id : route.remote_key_set_ids) refresher->RequestRefetch(id);
}

}  // namespace

void Shard::OnHeadComplete(Connection& c) {
  Exchange& ex = *c.ex;
  timers_.Disarm(&c.timer);
  const http::RequestHead& head = ex.request.head();
  const char* base = ex.in.get();
  ex.head_request = head.is_head_method();
  ex.client_http10 = head.http_minor == 0;
  ex.close_after = !head.keep_alive;
  ex.websocket = head.websocket_upgrade;
  ex.snapshot = current_;  // kept until the request ends, across reloads
  ++current_->refs;
  const Snapshot& snap = *current_->snapshot;
  const GatewaySettings& g = snap.gateway();
  // An error answer leaves the body unread: the connection must close.
  const bool has_body = head.has_body();

  if (draining_) {
    AnswerStatus(c, 503, /*close=*/true);
    return;
  }
  if (http::NormalizeTarget(head.target.In(base), &ex.target) !=
      http::PathVerdict::kOk) {
    http::Answer a;
    a.status = 400;
    a.message = "invalid request path";
    a.close = has_body;
    Answer(c, a);
    return;
  }
  std::string_view path = ex.target;
  path = path.substr(0, path.find('?'));
  const std::string_view host =
      head.host_index >= 0 ? head.headers[head.host_index].value.In(base)
                           : std::string_view();
  const Route* route = snap.Match(host, path);
  if (route == nullptr) {
    AnswerStatus(c, 404, has_body);
    return;
  }
  ex.route_id = static_cast<int>(route->id);
  ex.upstream_id = route->upstream_id;
  if (g.max_body_bytes > 0 && head.content_length > g.max_body_bytes) {
    AnswerStatus(c, 413, /*close=*/true);
    return;
  }
  jwt::VerifyOutcome outcome;
  if (route->auth_required && !Authorize(c, *route, &outcome)) return;
  if (!BuildUpstreamRequest(c, *route,
                            route->auth_required ? &outcome : nullptr)) {
    return;
  }
  c.state = Connection::State::kProxying;
  BindUpstream(c, /*fresh=*/false);
}

bool Shard::Authorize(Connection& c, const Route& route,
                      jwt::VerifyOutcome* outcome) {
  Exchange& ex = *c.ex;
  const http::RequestHead& head = ex.request.head();
  const http::TokenSearch found =
      http::ExtractToken(ex.in.get(), head, route.token_cookie);
  ex.auth_checked = true;
  jwt::AuthResult result;
  switch (found.status) {
    case http::TokenSearch::Status::kConflict:
      result = jwt::AuthResult::kMultipleTokens;
      break;
    case http::TokenSearch::Status::kNone:
      result = jwt::AuthResult::kNoToken;
      break;
    default:
      *outcome = verifier_->Verify(found.token, route.policy, unix_ms_ / 1000);
      result = outcome->result;
      if (result == jwt::AuthResult::kNoKey) RequestKeyRefetch(ex, route);
      if (config_.metrics != nullptr) {
        config_.metrics->OnTokenCache(outcome->cache_hit);
      }
      break;
  }
  ex.auth_result = result;
  if (result == jwt::AuthResult::kOk) {
    ex.sub.assign(outcome->sub.data(), outcome->sub.size());
    return true;
  }
  if (config_.metrics != nullptr) config_.metrics->OnAuthRejection(result);
  RefuseToken(c, result);
  return false;
}

void Shard::RefuseToken(Connection& c, jwt::AuthResult result) {
  const jwt::AuthAnswer a = jwt::AnswerFor(result);
  const std::string www = a.status == 400 ? std::string() : Challenge(a);
  http::Answer answer;
  answer.status = a.status;
  answer.error = a.error;
  answer.message = a.description;
  answer.www_authenticate = www;
  answer.close = c.ex->request.head().has_body();
  Answer(c, answer);
}

bool Shard::BuildUpstreamRequest(Connection& c, const Route& route,
                                 const jwt::VerifyOutcome* outcome) {
  Exchange& ex = *c.ex;
  const http::RequestHead& head = ex.request.head();
  const Snapshot& snap = *ex.snapshot->snapshot;
  ex.claim_headers.clear();
  if (outcome != nullptr) {
    const auto& wanted = route.policy.claim_headers;
    for (size_t i = 0; i < wanted.size() && i < outcome->claim_values.size();
         ++i) {
      ex.claim_headers.push_back({wanted[i].header, outcome->claim_values[i]});
    }
  }
  std::string default_host;
  if (head.host_index < 0) {
    const Upstream& u = snap.upstreams()[route.upstream_id];
    if (!u.servers.empty()) default_host = u.servers[0].ToString();
  }
  http::UpstreamHeadParams p;
  p.target = ex.target;
  p.client_ip = std::string_view(c.peer_ip, c.peer_ip_len);
  p.reserved_headers = &snap.reserved_headers();
  p.strip_authorization = route.strip_authorization;
  p.user_id = outcome != nullptr ? outcome->sub : std::string_view();
  p.claim_headers = ex.claim_headers;
  p.default_host = default_host;
  ex.upstream_request.clear();
  if (!http::WriteUpstreamHead(ex.in.get(), head, p, &ex.upstream_request)) {
    // A claim value that would break the head: refuse like a bad claim.
    ex.auth_result = jwt::AuthResult::kBadClaimValue;
    RefuseToken(c, ex.auth_result);
    return false;
  }
  if (!head.has_body()) {
    ex.request_phase = Exchange::RequestPhase::kDone;
    return true;
  }
  // Body bytes that came with the head go out in the same send.
  size_t used = 0;
  const auto r = ex.request.FeedBody(ex.in.get() + ex.parse_pos,
                                     ex.in_end - ex.parse_pos, &used);
  if (r == http::RequestParser::Result::kError) {
    AnswerStatus(c, 400, /*close=*/true);
    return false;
  }
  const uint64_t max_body = snap.gateway().max_body_bytes;
  if (max_body > 0 && ex.request.body_bytes() > max_body) {
    AnswerStatus(c, 413, /*close=*/true);
    return false;
  }
  ex.upstream_request.append(ex.in.get() + ex.parse_pos, used);
  ex.parse_pos += static_cast<uint32_t>(used);
  ex.request_phase = r == http::RequestParser::Result::kMessageComplete
                         ? Exchange::RequestPhase::kDone
                         : Exchange::RequestPhase::kBody;
  return true;
}

}  // namespace jwtgate
