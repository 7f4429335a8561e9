"""Config files for the upstream and every proxy under test.

All of them listen on 127.0.0.1 and forward to the same upstream. Settings
beyond what perf/load/README.md lists are left at each product's defaults;
timeouts are long enough for workload (d) to hold idle connections, and every
connection limit is above the 10,000 idle connections of (d).
"""

import os

BODY_BYTES = 1 << 20  # (b) request and (c) response body size
MAX_CONNS = 10200     # per proxy; 10,000 idle clients + upstream side
KEEPALIVE = 128       # idle upstream connections kept (jwtgate, nginx)


def _write(path, text):
    with open(path, "w", encoding="ascii") as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path


def _nginx_conf(tmp, name, http_body):
    """A whole nginx.conf: one worker, no daemon, every file in tmp, long
    keep-alive, no access log; `http_body` goes inside http { }.
    worker_connections counts client and upstream sides and nginx closes
    idle keep-alive connections when it runs short, so it is well above
    the idle connections of (d)."""
    temp_paths = "\n".join(
        f"  {kind}_temp_path {tmp}/{name}-{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile 20000;
pid {tmp}/{name}.pid;
error_log {tmp}/{name}.error.log warn;
events {{ worker_connections 16000; }}
http {{
  access_log off;
{temp_paths}
  keepalive_requests 1000000000;
  keepalive_timeout 300s;
{http_body}
}}
"""


def nginx_upstream(tmp, port):
    """nginx as the upstream: "ok" on any path, a static 1 MiB file at
    /bytes/1048576 sent with sendfile, and "ok" to a POST /upload only after
    the whole body has arrived.

    A plain `return 200` answers a POST before its body is read (nginx then
    discards the rest); a proxy relaying that early answer lets wrk start
    its next request over the unsent rest of the body, which ends in read
    errors. So /upload reads the body first: the mirror module (its sink
    answers 204 at once) reads it into memory before the content phase;
    the static module then refuses the POST with 405, which error_page
    turns into 200 "ok"."""
    www = os.path.join(tmp, "www")
    os.makedirs(os.path.join(www, "bytes"), exist_ok=True)
    with open(os.path.join(www, "bytes", str(BODY_BYTES)), "wb") as f:
        f.write(b"x" * BODY_BYTES)
    with open(os.path.join(www, "upload"), "wb") as f:
        f.write(b"ok")
    text = _nginx_conf(tmp, "upstream", f"""
  sendfile on;
  tcp_nopush on;
  open_file_cache max=16 inactive=1h;
  open_file_cache_valid 1h;
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    client_max_body_size 0;
    location /bytes/ {{ root {www}; }}
    location = /upload {{
      client_body_buffer_size 2m;
      mirror /sink;
      mirror_request_body on;
      root {www};
      error_page 405 =200 @ok;
    }}
    location = /sink {{ internal; return 204; }}
    location @ok {{ default_type text/plain; return 200 "ok"; }}
    location / {{ default_type text/plain; return 200 "ok"; }}
  }}""")
    return _write(os.path.join(tmp, "upstream-nginx.conf"), text)


def nginx_proxy(tmp, port, upstream_port):
    """nginx plain: one worker, keep-alive upstream, streamed request bodies."""
    text = _nginx_conf(tmp, "nginx", f"""
  upstream up {{
    server 127.0.0.1:{upstream_port};
    keepalive {KEEPALIVE};
    keepalive_requests 1000000000;
  }}
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    client_max_body_size 0;
    client_body_buffer_size 128k;
    location / {{
      proxy_pass http://up;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_request_buffering off;
    }}
  }}""")
    return _write(os.path.join(tmp, "nginx.conf"), text)


def haproxy(tmp, name, port, upstream_port, secret=None):
    """HAProxy 2.6, one thread. With `secret`: the JWT checks of the HAProxy
    documentation (bearer present, alg HS256, jwt_verify, exp present and
    not past date()); any failure is a 401."""
    jwt = ""
    if secret is not None:
        deny = "http-request deny deny_status 401"
        jwt = f"""
  {deny} unless {{ req.hdr(authorization) -m found }}
  http-request set-var(txn.alg) http_auth_bearer,jwt_header_query('$.alg')
  http-request set-var(txn.exp) http_auth_bearer,jwt_payload_query('$.exp','int')
  {deny} unless {{ var(txn.alg) -m str HS256 }}
  {deny} unless {{ http_auth_bearer,jwt_verify(txn.alg,"{secret}") -m int 1 }}
  {deny} unless {{ var(txn.exp) -m found }}
  http-request set-var(txn.now) date()
  {deny} if {{ var(txn.exp),sub(txn.now) -m int lt 0 }}
"""
    text = f"""
global
  nbthread 1
  maxconn {MAX_CONNS}
  ulimit-n 20000
  # 10,000 idle clients need maxconn > 10,000, whose computed maxsock is
  # over the 20,000 file limit of this machine; only the client side is
  # held open in (d), so the warning is harmless.
  no strict-limits

defaults
  mode http
  timeout connect 2s
  timeout client 300s
  timeout server 30s
  timeout http-request 10s
  timeout http-keep-alive 300s

frontend fe
  bind 127.0.0.1:{port}
  maxconn {MAX_CONNS}
{jwt}
  default_backend be

backend be
  server s1 127.0.0.1:{upstream_port}
"""
    return _write(os.path.join(tmp, f"{name}.cfg"), text)


def jwtgate(tmp, name, port, metrics_port, upstream_port, shards, secret_env):
    """jwtgate: one HS256 key from the environment, one auth=required route."""
    text = f"""
[gateway]
listen = 127.0.0.1:{port}
shards = {shards}
metrics_listen = 127.0.0.1:{metrics_port}
access_log = off
log_level = warn
client_idle_timeout = 300s
upstream_timeout = 30s

[key load]
alg = HS256
secret_env = {secret_env}

[upstream up]
server = 127.0.0.1:{upstream_port}
keepalive = {KEEPALIVE}

[route all]
path_prefix = /
upstream = up
auth = required
keys = load
"""
    return _write(os.path.join(tmp, f"{name}.ini"), text)
