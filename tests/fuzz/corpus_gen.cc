// Writes the fuzz seed corpora and the fixed public keys:
//
//   jwtgate_fuzz_corpus_gen REPO_ROOT
//
// into REPO_ROOT/tests/fuzz/{keys,corpus/<target>}/ (run by
// `scripts/fuzz.sh --regen-corpus`, which clears those directories first).
// ES256/RS256 key pairs are generated in this process; only their public
// halves are written, so the committed seed tokens are the only valid
// ES256/RS256 tokens the fuzzer will ever see. Everything else is
// hand-written here: smuggling cases, traversal targets, broken JWKS and
// ini files; the two ini files of the tree are copied as they are.
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "jwtgate/common/base64url.h"
#include "jwtgate/jwt/mint.h"
#include "tests/fuzz/fuzz_keys.h"
#include "tests/testing/test_keys.h"

namespace jwtgate::fuzz {
namespace {

using jwt::Alg;

std::string g_root;

void Write(const std::string& rel, std::string_view bytes) {
  const std::string path = g_root + "/tests/fuzz/" + rel;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out) {
    std::fprintf(stderr, "corpus_gen: cannot write %s\n", path.c_str());
    std::exit(1);
  }
}

// corpus/<target>/seed-NNN-<what>
void Seed(const std::string& target, std::string_view what,
          std::string_view bytes) {
  static int n = 0;
  char name[16];
  std::snprintf(name, sizeof(name), "seed-%03d-", ++n);
  Write("corpus/" + target + "/" + name + std::string(what), bytes);
}

std::string Ctl(uint8_t c) { return std::string(1, static_cast<char>(c)); }

std::string Sign(Alg alg, std::string_view header, std::string_view payload,
                 const std::string& material) {
  auto t = jwt::SignRaw(alg, header, payload, material);
  if (!t.ok()) {
    std::fprintf(stderr, "corpus_gen: sign failed: %s\n",
                 std::string(t.status().message()).c_str());
    std::exit(1);
  }
  return *t;
}

std::string Payload(std::string_view extra = "", int64_t iat = kFixedNow,
                    int64_t exp = kFixedNow + kSeedTtl) {
  std::string p =
      "{\"iss\":\"" + std::string(kIssuer) +
      "\",\"sub\":\"auth0|5f7c8ec7\",\"aud\":\"" + std::string(kAudience) +
      "\",\"iat\":" + std::to_string(iat) + ",\"exp\":" + std::to_string(exp) +
      ",\"scope\":\"openid read:messages\",\"email\":\"a@example.com\""
      ",\"org\":{\"id\":42,\"name\":\"acme\"},\"tier\":\"pro\","
      "\"https://example.com/roles\":\"admin\","
      "\"https://example.com/groups\":[\"g1\",\"g2\"]";
  if (!extra.empty()) p += "," + std::string(extra);
  return p + "}";
}

std::string Header(std::string_view alg, std::string_view kid = "") {
  std::string h = "{\"alg\":\"" + std::string(alg) + "\"";
  if (!kid.empty()) h += ",\"kid\":\"" + std::string(kid) + "\"";
  return h + ",\"typ\":\"JWT\"}";
}

void JwsSeeds(const testing::TestKeyPair& es, const testing::TestKeyPair& rs) {
  const std::string t = "jws_verify";
  const std::string hs = HsSecret();
  const std::string p = Payload();
  struct Tok {
    const char* what;
    std::string token;
  };
  const std::vector<Tok> toks = {
      {"hs256", Sign(Alg::kHS256, Header("HS256"), p, hs)},
      {"hs256-kid", Sign(Alg::kHS256, Header("HS256", kKidHs), p, hs)},
      {"es256", Sign(Alg::kES256, Header("ES256"), p, es.private_pem)},
      {"es256-kid",
       Sign(Alg::kES256, Header("ES256", kKidEs256), p, es.private_pem)},
      {"rs256-kid",
       Sign(Alg::kRS256, Header("RS256", kKidRs256), p, rs.private_pem)},
      {"aud-array",
       Sign(Alg::kHS256, Header("HS256"),
            "{\"sub\":\"s\",\"exp\":" + std::to_string(kFixedNow + 60) +
                ",\"aud\":[\"x\",\"" + std::string(kAudience) +
                "\"],\"iss\":\"" + std::string(kIssuer) + "\"}",
            hs)},
      {"expired", Sign(Alg::kHS256, Header("HS256"),
                       Payload("", kFixedNow - 7200, kFixedNow - 3600), hs)},
      {"nbf-future",
       Sign(Alg::kHS256, Header("HS256"),
            Payload("\"nbf\":" + std::to_string(kFixedNow + 900)), hs)},
      {"exp-string", Sign(Alg::kHS256, Header("HS256"),
                          "{\"sub\":\"x\",\"exp\":\"1750003600\"}", hs)},
      {"no-exp", Sign(Alg::kHS256, Header("HS256"), "{\"sub\":\"x\"}", hs)},
      {"exp-fraction", Sign(Alg::kHS256, Header("HS256"),
                            "{\"exp\":1750000000.5,\"nbf\":1.7e9}", hs)},
      {"sub-control", Sign(Alg::kHS256, Header("HS256"),
                           "{\"sub\":\"a\\u0001b\",\"exp\":" +
                               std::to_string(kFixedNow + 60) + "}",
                           hs)},
      {"claims-odd",
       Sign(Alg::kHS256, Header("HS256"),
            Payload("\"email\":[\"a@example.com\",\"b\"],\"org\":{\"name\":7}"),
            hs)},
      {"crit",
       Sign(Alg::kHS256, "{\"alg\":\"HS256\",\"crit\":[\"b64\"],\"b64\":false}",
            p, hs)},
      {"dup-alg",
       Sign(Alg::kHS256, "{\"alg\":\"HS256\",\"alg\":\"none\"}", p, hs)},
      {"jku",
       Sign(Alg::kHS256,
            "{\"alg\":\"HS256\",\"jku\":\"https://evil/\",\"jwk\":{}}", p, hs)},
      {"unknown-kid", Sign(Alg::kHS256, Header("HS256", "nope"), p, hs)},
      // Algorithm confusion: HMAC keyed with the public key PEM.
      {"confusion",
       Sign(Alg::kHS256, Header("HS256", kKidEs256), p, es.public_pem)},
      {"confusion-kidless", Sign(Alg::kHS256, Header("ES256"), p, hs)},
      {"none",
       Base64UrlEncode("{\"alg\":\"none\"}") + "." + Base64UrlEncode(p) + "."},
      {"big", Sign(Alg::kHS256, Header("HS256"),
                   Payload("\"pad\":\"" + std::string(4000, 'x') + "\""), hs)},
  };
  for (const Tok& k : toks) {
    Seed(t, k.what, Ctl(0x00) + k.token);
    Seed(t, std::string(k.what) + "-strict", Ctl(0x04) + k.token);
  }
  Seed(t, "late-replaced", Ctl(0x28) + toks[3].token);
  Seed(t, "before-iat", Ctl(0x34) + toks[0].token);
  Seed(t, "two-tokens",
       Ctl(0x00) + toks[0].token + "\n" + toks[4].token + "\n" + toks[0].token);
  Seed(t, "clear-cache",
       Ctl(0x80) + toks[1].token + "\n" + toks[1].token + "\n" + toks[2].token);
  Seed(t, "malformed", Ctl(0x00) + "a.b.c\n..\neyJ.eyJ.\n" + "x");
  // Sign mode (HS256, then ES256 runtime key) and tamper mode.
  Seed(t, "sign-hs", Ctl(0x02) + Header("HS256") + "\n" + p);
  Seed(t, "sign-hs-strict", Ctl(0x06) + Header("HS256", kKidHs) + "\n" + p);
  Seed(t, "sign-es", Ctl(0x42) + Header("ES256", kKidRuntime) + "\n" + p);
  Seed(t, "tamper-hs",
       Ctl(0x03) + Header("HS256") + "\n" + p + "\n" +
           std::string("\x05\x00\x41\x30\x00\x00", 6));
  Seed(t, "tamper-es",
       Ctl(0x47) + Header("ES256", kKidRuntime) + "\n" + p + "\n" +
           std::string("\xF0\x00\x42", 3));
}

void JwksSeeds(const testing::TestKeyPair& es, const testing::TestKeyPair& rs) {
  const std::string t = "jwks_parse";
  using testing::PublicJwk;
  auto set = [](const std::vector<std::string>& keys) {
    std::string s = "{\"keys\":[";
    for (size_t i = 0; i < keys.size(); ++i) s += (i ? "," : "") + keys[i];
    return s + "]}";
  };
  Seed(t, "es256", set({PublicJwk(es, "k1", "ES256")}));
  Seed(t, "rs256", set({PublicJwk(rs, "r1", "RS256")}));
  Seed(t, "rsa-noalg-ps",
       set({PublicJwk(rs, "r2"), PublicJwk(rs, "", "PS384")}));
  Seed(t, "all-curves",
       set({PublicJwk(testing::EcP384(), "p384"),
            PublicJwk(testing::EcP521(), "p521", "ES512"),
            PublicJwk(testing::Ed25519(), "ed", "EdDSA")}));
  Seed(t, "skipped",
       set({"{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}",
            "{\"kty\":\"RSA\",\"use\":\"enc\",\"n\":\"AQAB\","
            "\"e\":\"AQAB\"}",
            "{\"kty\":\"EC\",\"crv\":\"secp256k1\",\"x\":\"AA\","
            "\"y\":\"AA\"}",
            PublicJwk(es, "k1", "ES256")}));
  Seed(t, "alg-mismatch", set({PublicJwk(es, "k1", "RS256")}));
  Seed(t, "hs-alg", set({PublicJwk(rs, "k1", "HS256"), PublicJwk(es)}));
  Seed(t, "bad-point",
       set({"{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" +
            Base64UrlEncode(std::string(32, '\x01')) + "\",\"y\":\"" +
            Base64UrlEncode(std::string(32, '\x02')) + "\"}"}));
  Seed(t, "small-rsa",
       set({"{\"kty\":\"RSA\",\"n\":\"" +
            Base64UrlEncode(std::string(64, '\xC3')) + "\",\"e\":\"AQAB\"}"}));
  Seed(t, "bad-b64",
       set({"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"a=\"}"}));
  Seed(t, "no-kty", set({"{\"kid\":\"x\"}", "[]", "1"}));
  Seed(t, "empty", "{\"keys\":[]}");
  Seed(t, "not-object", "[{\"keys\":[]}]");
  Seed(t, "bad-json", "{\"keys\":[{\"kty\":\"EC\",}]");
}

void CopyFile(const std::string& target, std::string_view what,
              const std::string& rel) {
  Seed(target, what, ReadFileOrDie(g_root + "/" + rel));
}

void ConfigSeeds() {
  const std::string t = "config_load";
  CopyFile(t, "example.ini", "config/jwtgate.ini");
  CopyFile(t, "ten-mistakes.ini", "tests/config/testdata/ten_mistakes.ini");
  Seed(t, "all-sources.ini",
       "[gateway]\nlisten = 127.0.0.1:8080, [::1]:8080\nshards = 2\n"
       "access_log = off\nmax_body_bytes = 1m\ntoken_cache_entries = 0\n"
       "client_header_timeout = 1m30s\n\n"
       "[key env]\nalg = HS256\nsecret_env = JWT_SECRET\n"
       "[key file]\nalg = HS384\nsecret_file = secret.txt\n"
       "[key b64]\nalg = HS256\nsecret_file = secret.b64\n"
       "secret_encoding = base64\n"
       "[key cred]\nalg = HS512\nsecret_credential = jwt\nkid = c1\n"
       "[key pem]\nalg = ES256\npublic_key_file = es256.pem\nkid = e1\n"
       "[key rsa]\nalg = PS256\npublic_key_file = rs256.pem\n"
       "[key idp]\njwks_file = jwks.json\n\n"
       "[upstream api]\nserver = 127.0.0.1:9000\nserver = 127.0.0.1:9001\n"
       "keepalive = 8\n\n"
       "[route api]\npath_prefix = /api/\nhost = API.example.com\n"
       "upstream = api\nkeys = env, idp\nissuer = https://t.auth0.com/\n"
       "audience = https://api\nleeway = 30s\n"
       "require = scope contains read:messages\n"
       "require = \"https://example.com/roles\" in admin,user\n"
       "require = email ~ @example\\.com$\nrequire = org.id = 42\n"
       "claim_header = email X-Auth-Email\n"
       "claim_header = \"https://example.com/groups\" X-Groups\n"
       "strip_authorization = true\ntoken_cookie = access_token\n\n"
       "[route api2]\npath_prefix = /api/v2/\nupstream = api\n"
       "[route root]\npath_prefix = /\nupstream = api\nauth = off\n");
  Seed(t, "hosts.ini",
       "\xEF\xBB\xBF[gateway]\r\nlisten = *:8080\r\n"
       "[key k]\r\nalg = HS256\r\nsecret_env = JWT_SECRET ; trailing\r\n"
       "[upstream u]\r\nserver = localhost:1\r\n"
       "[route a]\r\npath_prefix = /\r\nhost = a.example\r\nupstream = u\r\n"
       "[route b]\r\npath_prefix = /x/\r\nhost = a.example\r\nupstream = u\r\n"
       "[route c]\r\npath_prefix = /x\r\nupstream = u\r\n"
       "[route d]\r\npath_prefix = /x/y/\r\nupstream = u\r\nauth = off\r\n");
  Seed(t, "errors.ini",
       "[gateway]\nlisten = nowhere\nshards = many\nmax_header_bytes = 1t\n"
       "[gatway]\n[key k]\nalg = none\nsecret_env = NOT_SET_ANYWHERE\n"
       "secret_file = /etc/shadow\n[key pem]\nalg = HS256\n"
       "public_key_file = bad.pem\n[key j]\njwks_file = missing.json\n"
       "alg = RS256\n[upstream u]\nserver = 1.2.3.4\nkeepalive = -1\n"
       "[route r]\npath_prefix = /a/../b\nupstream = v\nkeys = q\n"
       "require = scope ~ (\nclaim_header = email Content-Length\n"
       "leeway = forever\n[route r2]\npath_prefix = /a/../b\nupstream = u\n"
       "not a line\n= value\n[route]\n");
}

void RequestSeeds() {
  const std::string t = "request_head";
  const std::string auth =
      "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln\r\n";
  struct Req {
    const char* what;
    std::string text;
  };
  const std::vector<Req> reqs = {
      {"get", "GET /api/x?y=1 HTTP/1.1\r\nHost: api.example.com\r\n" + auth +
                  "Accept: */*\r\n\r\n"},
      {"post-cl",
       "POST /api/items HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
       "Content-Type: text/plain\r\n\r\nhello"},
      {"chunked",
       "POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
       "\r\n5;ext=1\r\nhello\r\n0\r\nTrailer-A: 1\r\n\r\n"},
      {"pipelined",
       "GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\n"
       "Host: a\r\nConnection: close\r\n\r\n"},
      {"http10", "GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"},
      {"hop-by-hop",
       "GET / HTTP/1.1\r\nHost: a\r\nConnection: X-Secret, "
       "keep-alive, Content-Length\r\nX-Secret: 1\r\nKeep-Alive: "
       "5\r\nTE: trailers\r\nProxy-Connection: x\r\nUpgrade: h2c"
       "\r\n\r\n"},
      {"websocket",
       "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\n"
       "Upgrade: websocket\r\nSec-WebSocket-Key: x\r\n\r\n"},
      {"spoofed",
       "GET /p HTTP/1.1\r\nHost: a\r\nX-Auth-UserId: admin\r\n"
       "x-auth-email: boss@example.com\r\nX-Forwarded-For: 1.1.1.1"
       "\r\nX-Forwarded-For: 2.2.2.2\r\nX-Forwarded-Proto: https"
       "\r\n\r\n"},
      {"cookie",
       "GET / HTTP/1.1\r\nHost: a\r\nCookie: a=1; access_token="
       "\"tok.en.x\"; b=2\r\nCookie: access_token=tok.en.x\r\n\r\n"},
      {"two-tokens", "GET / HTTP/1.1\r\nHost: a\r\n" + auth +
                         "authorization: bearer   other.token.y\r\n\r\n"},
      {"traversal",
       "GET /a/./b/../../c/%2e%2E/%2e/d//e/?q=/../x HTTP/1.1\r\n"
       "Host: a\r\n\r\n"},
      {"above-root", "GET /a/../../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n"},
      {"encoded-slash", "GET /a%2fb/%5C/%00 HTTP/1.1\r\nHost: a\r\n\r\n"},
      {"absolute-form", "GET http://a/x HTTP/1.1\r\nHost: a\r\n\r\n"},
      {"options-star", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"},
      {"connect", "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n"},
      {"expect",
       "PUT /f HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n"
       "Content-Length: 2\r\n\r\nok"},
      // Smuggling attempts: each must be refused or parsed unambiguously.
      {"cl-te",
       "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n"
       "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
      {"te-cl",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
       "Content-Length: 4\r\n\r\n0\r\n\r\n"},
      {"two-cl",
       "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n"
       "Content-Length: 5\r\n\r\nabcde"},
      {"same-cl",
       "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n"
       "Content-Length: 4\r\n\r\nabcd"},
      {"te-space",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked"
       "\r\n\r\n0\r\n\r\n"},
      {"te-obfuscated",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
       "xchunked\r\n\r\n0\r\n\r\n"},
      {"te-list",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, "
       "chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n"},
      {"te-tab",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\tchunked\t"
       "\r\n\r\n0\r\n\r\n"},
      {"te-http10",
       "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"
       "0\r\n\r\n"},
      {"obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n 2\r\n\r\n"},
      {"bare-lf", "GET / HTTP/1.1\nHost: a\n\n"},
      {"bare-cr", "GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n"},
      {"two-hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"},
      {"no-host", "GET / HTTP/1.1\r\nX: y\r\n\r\n"},
      {"bad-host", "GET / HTTP/1.1\r\nHost: a b@c\r\n\r\n"},
      {"http10-hosts", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"},
      {"bad-chunk",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked"
       "\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"},
      {"chunk-no-crlf",
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
       "chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n"},
      {"cl-plus",
       "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +4\r\n\r\n"
       "abcd"},
      {"http2", "GET / HTTP/2.0\r\nHost: a\r\n\r\n"},
      {"nul", std::string(std::string_view(
                  "GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n",
                  sizeof("GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n") - 1))},
  };
  const uint8_t ctls[] = {0x07, 0x00, 0x03};
  int i = 0;
  for (const Req& r : reqs) {
    Seed(t, r.what, Ctl(ctls[i++ % 3]) + r.text);
  }
  Seed(t, "strip-cookie", Ctl(0x2D) + reqs[8].text);
  Seed(t, "small-limit",
       Ctl(0x17) + "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(600, 'v') +
           "\r\n\r\n");
}

void ResponseSeeds() {
  const std::string t = "response_head";
  struct Resp {
    const char* what;
    std::string text;
  };
  const std::vector<Resp> resps = {
      {"200-cl",
       "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: "
       "text/plain\r\n\r\nhello"},
      {"chunked",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
       "5\r\nhello\r\n3;x=y\r\nabc\r\n0\r\nX-T: 1\r\n\r\n"},
      {"keepalive-two",
       "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n"
       "HTTP/1.1 304 Not Modified\r\nETag: x\r\n\r\n"},
      {"interim",
       "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\n"
       "Link: </s.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0"
       "\r\n\r\n"},
      {"switching",
       "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade"
       "\r\nUpgrade: websocket\r\n\r\n\x81\x00"},
      {"http10-eof", "HTTP/1.0 200 OK\r\nServer: old\r\n\r\nbody until close"},
      {"eof-11", "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nrest"},
      {"hop-by-hop",
       "HTTP/1.1 200 OK\r\nConnection: X-Internal, keep-alive, "
       "Transfer-Encoding\r\nX-Internal: 1\r\nKeep-Alive: "
       "timeout=5\r\nTrailer: X-T\r\nUpgrade: h2\r\nContent-"
       "Length: 2\r\n\r\nok"},
      {"cl-te",
       "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: "
       "chunked\r\n\r\n0\r\n\r\n"},
      {"two-cl",
       "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4"
       "\r\n\r\nabcd"},
      {"te-gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxyz"},
      {"bad-chunk",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
       "g\r\n"},
      {"no-reason", "HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n"},
      {"obs-text",
       "HTTP/1.1 200 \xC3\xA9t\xC3\xA9\r\nX: \xFF\r\nContent-"
       "Length: 0\r\n\r\n"},
      {"bare-lf", "HTTP/1.1 200 OK\nContent-Length: 0\n\n"},
      {"bad-status", "HTTP/1.1 2000 OK\r\n\r\n"},
      {"http09", "hello"},
      {"truncated", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"},
  };
  const uint8_t ctls[] = {0x07, 0x00, 0x13, 0x62, 0x25};
  int i = 0;
  for (const Resp& r : resps) {
    Seed(t, r.what, Ctl(ctls[i++ % 5]) + r.text);
  }
  Seed(t, "head-request",
       Ctl(0x0F) +
           "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
           "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx");
  Seed(t, "dechunk", Ctl(0x47) + resps[1].text);
}

}  // namespace
}  // namespace jwtgate::fuzz

int main(int argc, char** argv) {
  using namespace jwtgate::fuzz;
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s REPO_ROOT\n", argv[0]);
    return 2;
  }
  g_root = argv[1];
  for (const char* d :
       {"keys", "corpus", "corpus/jws_verify", "corpus/jwks_parse",
        "corpus/config_load", "corpus/request_head", "corpus/response_head"}) {
    ::mkdir((g_root + "/tests/fuzz/" + d).c_str(), 0755);
  }
  const jwtgate::testing::TestKeyPair& es = jwtgate::testing::EcP256();
  const jwtgate::testing::TestKeyPair& rs = jwtgate::testing::Rsa2048();
  Write("keys/" + std::string(kEs256PublicFile), es.public_pem);
  Write("keys/" + std::string(kRs256PublicFile), rs.public_pem);
  JwsSeeds(es, rs);
  JwksSeeds(es, rs);
  ConfigSeeds();
  RequestSeeds();
  ResponseSeeds();
  std::printf("corpus_gen: seeds written under %s/tests/fuzz/corpus\n",
              g_root.c_str());
  return 0;
}
