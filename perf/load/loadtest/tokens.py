"""Tokens for the load: minted by `jwtgate mint` from the run's secret.

The only token not minted by jwtgate is the expired one of the sanity
checks (`jwtgate mint` sets exp from --ttl, which cannot be in the past);
it is signed here with hmac/hashlib from the same secret.
"""

import base64
import concurrent.futures
import hashlib
import hmac
import json
import os
import secrets
import subprocess
import time

SECRET_ENV = "LOADTEST_JWT_SECRET"


def new_secret():
    # Letters and digits only, so it can sit in HAProxy's config unquoted.
    return secrets.token_hex(32)


def mint(jwtgate_bin, secret, sub, ttl="1h"):
    env = dict(os.environ, **{SECRET_ENV: secret})
    out = subprocess.run(
        [jwtgate_bin, "mint", "--secret-env", SECRET_ENV, "--sub", sub, "--ttl", ttl],
        capture_output=True, text=True, env=env, timeout=30, check=True)
    token = out.stdout.strip()
    if token.count(".") != 2:
        raise RuntimeError(f"jwtgate mint printed no token: {out.stdout!r} {out.stderr!r}")
    return token


def mint_pool(jwtgate_bin, secret, count):
    """`count` distinct tokens (sub = user-0 ... user-N), two mints at a time."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda i: mint(jwtgate_bin, secret, f"user-{i}"),
                             range(count)))


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def expired(secret):
    """HS256 token whose exp passed an hour ago."""
    now = int(time.time())
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps({"sub": "expired", "iat": now - 7200,
                            "exp": now - 3600}).encode())
    signing_input = f"{head}.{body}".encode("ascii")
    sig = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(sig)}"


def bad_signature(token):
    """The same token with its signature changed."""
    head, body, sig = token.split(".")
    flipped = ("A" if sig[0] != "A" else "B") + sig[1:]
    return f"{head}.{body}.{flipped}"
