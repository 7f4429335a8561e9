"""Checks before the load, and jwtgate's /metrics.

Before any number is taken, every proxy must answer the workloads' requests
with 200 and complete bodies, and the two token-checking proxies must turn
away a missing, a badly signed and an expired token with 401 — otherwise
the comparison would be against a proxy that checks nothing.
"""

import http.client

from . import configs
from . import tokens as tokens_mod


def request(port, method, path, token=None, body=None):
    """(status, response body length) of one request on a new connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, len(resp.read())
    finally:
        conn.close()


def sanity(port, token, secret, checks_tokens):
    """Problems found on the proxy at `port` (empty list: all good)."""
    problems = []
    big = b"x" * configs.BODY_BYTES
    wanted = [
        ("GET / with a valid token", ("GET", "/", token, None), 200, None),
        ("POST 1 MiB", ("POST", "/upload", token, big), 200, None),
        ("GET 1 MiB", ("GET", f"/bytes/{configs.BODY_BYTES}", token, None), 200,
         configs.BODY_BYTES),
    ]
    if checks_tokens:
        wanted += [
            ("no token", ("GET", "/", None, None), 401, None),
            ("bad signature", ("GET", "/", tokens_mod.bad_signature(token), None), 401,
             None),
            ("expired token", ("GET", "/", tokens_mod.expired(secret), None), 401, None),
        ]
    for what, args, status, length in wanted:
        try:
            got, got_len = request(port, *args)
        except OSError as e:
            problems.append(f"{what}: {e}")
            continue
        if got != status:
            problems.append(f"{what}: status {got}, want {status}")
        elif length is not None and got_len != length:
            problems.append(f"{what}: {got_len} body bytes, want {length}")
    return problems


def metrics(port):
    """Sum of every series per metric name on jwtgate's /metrics."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode("utf-8", "replace")
    finally:
        conn.close()
    sums = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name_labels, _, value = line.rpartition(" ")
        name = name_labels.split("{", 1)[0]
        try:
            sums[name] = sums.get(name, 0.0) + float(value)
        except ValueError:
            continue
    return sums
