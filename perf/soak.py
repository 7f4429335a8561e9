#!/usr/bin/env python3
"""Bounded soak of jwtgate (issue 8): mixed traffic, RSS and fds over time.

    perf/soak.sh                       5 minutes (SOAK_SECONDS=300)
    SOAK_SECONDS=60 perf/soak.sh       a shorter run

Starts the test upstream and jwtgate (perf/load's config with 2 shards: one
auth = required route for every path) on free 127.0.0.1 ports and
drives, from SOAK_WORKERS threads until SOAK_SECONDS pass, a weighted mix of:
valid tokens on kept-alive and on new connections, badly signed, expired and
missing tokens (401), 1 MiB request bodies up and 1 MiB responses down (both
checked by SHA-256), and clients that abort mid-upload or mid-download (RST
or FIN). Every SOAK_SAMPLE seconds jwtgate's VmRSS and descriptor count go to
a CSV (SOAK_CSV, default in the run's temp dir).

It fails (exit 1) when jwtgate dies, when a well-behaved request gets a wrong
answer, or when RSS or fds grew: the plateau is the highest sample of the
first minute (of the first half for runs under two minutes), the end is the
highest of the last three samples, and the end may exceed the plateau by at
most max(SOAK_RSS_TOL_KIB = 8192, 10 %) KiB of RSS and SOAK_FD_TOL = 16
descriptors. Pools (upstream keep-alive, splice pipes, exchange and
connection slabs, malloc arenas) fill up during the first minute under the
same load and then stay; a leak keeps growing after that.

Environment: SOAK_SECONDS (300), SOAK_SAMPLE (5), SOAK_WORKERS (6),
JWTGATE_BIN (build/jwtgate), UPSTREAM_BIN (build/tests/jwtgate_test_upstream),
SOAK_CSV, SOAK_RSS_TOL_KIB, SOAK_FD_TOL, KEEP_TMP=1 keeps configs and logs.
Reuses perf/load/loadtest (process handling and token minting).
"""

import hashlib
import http.client
import json
import os
import random
import shutil
import socket
import struct
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "load"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

from loadtest import configs, procs, tokens  # noqa: E402

MIB = 1 << 20
BIG = bytes((i * 2654435761 >> 13) & 0xFF for i in range(MIB))
BIG_SHA = hashlib.sha256(BIG).hexdigest()


def env_int(name, default):
    return int(os.environ.get(name, str(default)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fd_count(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


class Tally:
    """Per-action counts of expected and unexpected outcomes."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ok = {}
        self.bad = {}
        self.examples = []

    def add(self, action, good, why=""):
        with self.lock:
            table = self.ok if good else self.bad
            table[action] = table.get(action, 0) + 1
            if not good and len(self.examples) < 10:
                self.examples.append(f"{action}: {why}")

    def totals(self):
        with self.lock:
            return sum(self.ok.values()), sum(self.bad.values())


class Worker(threading.Thread):
    """Loops over weighted actions until `deadline`."""

    ACTIONS = [  # (name, weight)
        ("good_keepalive", 30), ("good_new_conn", 10), ("bad_signature", 10),
        ("expired", 10), ("no_token", 5), ("upload_1mib", 5),
        ("download_1mib", 5), ("abort_upload", 5), ("abort_download", 5),
    ]

    def __init__(self, seed, port, pool, bad_sig, expired, deadline, tally,
                 stop):
        super().__init__(daemon=True)
        self.stop = stop  # threading.Event: jwtgate died, end early
        self.rng = random.Random(seed)
        self.port, self.pool = port, pool
        self.bad_sig, self.expired_token = bad_sig, expired
        self.deadline, self.tally = deadline, tally
        self.kept = None
        names, weights = zip(*self.ACTIONS)
        self.names, self.weights = names, weights

    def conn(self, fresh):
        if fresh:
            return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        if self.kept is None:
            self.kept = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        return self.kept

    def call(self, method, path, token, body=None, fresh=False):
        c = self.conn(fresh)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            c.request(method, path, body=body, headers=headers)
            r = c.getresponse()
            data = r.read()
            return r.status, r.getheader("X-Body-Sha256"), data
        except (OSError, http.client.HTTPException):
            c.close()
            if not fresh:
                self.kept = None
            raise
        finally:
            if fresh:
                c.close()

    def raw_abort(self, upload, rst, token):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        try:
            if upload:
                head = (f"POST /api/echo HTTP/1.1\r\nHost: soak\r\n"
                        f"Authorization: Bearer {token}\r\n"
                        f"Content-Length: {MIB}\r\n\r\n").encode()
                s.sendall(head + BIG[:self.rng.randrange(1, MIB // 2)])
            else:
                s.sendall((f"GET /api/bytes/{MIB} HTTP/1.1\r\nHost: soak\r\n"
                           f"Authorization: Bearer {token}\r\n\r\n").encode())
                want, got = self.rng.randrange(1, MIB // 2), 0
                while got < want:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    got += len(chunk)
            if rst:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             struct.pack("ii", 1, 0))
        finally:
            s.close()

    def one(self, action):
        token = self.rng.choice(self.pool)
        if action in ("good_keepalive", "good_new_conn"):
            status, _, data = self.call("GET", "/api/echo", token,
                                        fresh=action == "good_new_conn")
            return status == 200 and b'"method":"GET"' in data, f"status {status}"
        if action in ("bad_signature", "expired", "no_token"):
            t = {"bad_signature": self.bad_sig, "expired": self.expired_token,
                 "no_token": None}[action]
            status, _, _ = self.call("GET", "/api/echo", t)
            return status == 401, f"status {status}"
        if action == "upload_1mib":
            status, _, data = self.call("POST", "/api/echo", token, body=BIG)
            if status != 200:
                return False, f"status {status}"
            echo = json.loads(data)
            return (echo.get("body_length") == MIB and
                    echo.get("body_sha256") == BIG_SHA), "echoed body differs"
        if action == "download_1mib":
            status, sha, data = self.call("GET", f"/api/bytes/{MIB}", token)
            good = (status == 200 and len(data) == MIB and
                    hashlib.sha256(data).hexdigest() == sha)
            return good, f"status {status}, {len(data)} bytes"
        self.raw_abort(action == "abort_upload", self.rng.random() < 0.5, token)
        return True, ""

    def run(self):
        while time.monotonic() < self.deadline and not self.stop.is_set():
            action = self.rng.choices(self.names, self.weights)[0]
            try:
                good, why = self.one(action)
            except (OSError, http.client.HTTPException, ValueError) as e:
                good, why = False, repr(e)
            self.tally.add(action, good, why)
        if self.kept is not None:
            self.kept.close()


def judge(samples, seconds, rss_tol_kib, fd_tol):
    """Problems with the growth between the plateau and the end."""
    if not samples:
        return ["no sample was taken"], (0, 0, 0, 0, 0)
    window = 60 if seconds >= 120 else seconds / 2
    first = [s for s in samples if s[0] <= window] or samples[:1]
    end = samples[-3:]
    plateau_rss = max(s[1] for s in first)
    plateau_fds = max(s[2] for s in first)
    end_rss = max(s[1] for s in end)
    end_fds = max(s[2] for s in end)
    allowed_rss = max(rss_tol_kib, plateau_rss // 10)
    problems = []
    if end_rss > plateau_rss + allowed_rss:
        problems.append(f"RSS grew from a {plateau_rss} KiB plateau to {end_rss} KiB "
                        f"(tolerance {allowed_rss} KiB)")
    if end_fds > plateau_fds + fd_tol:
        problems.append(f"fds grew from a plateau of {plateau_fds} to {end_fds} "
                        f"(tolerance {fd_tol})")
    return problems, (plateau_rss, plateau_fds, end_rss, end_fds, allowed_rss)


def main():
    seconds = env_int("SOAK_SECONDS", 300)
    every = env_int("SOAK_SAMPLE", 5)
    workers_n = env_int("SOAK_WORKERS", 6)
    rss_tol = env_int("SOAK_RSS_TOL_KIB", 8192)
    fd_tol = env_int("SOAK_FD_TOL", 16)
    tmp = tempfile.mkdtemp(prefix="jwtgate-soak-")
    csv_path = os.environ.get("SOAK_CSV", os.path.join(tmp, "soak.csv"))
    # Copies, so a rebuild during the run does not change what is tested.
    bins = {}
    for name, default in (("JWTGATE_BIN", "build/jwtgate"),
                          ("UPSTREAM_BIN", "build/tests/jwtgate_test_upstream")):
        src = os.path.abspath(os.environ.get(name, os.path.join(ROOT, default)))
        if not os.access(src, os.X_OK):
            sys.exit(f"soak: {src} is not built (set {name})")
        bins[name] = shutil.copy2(src, os.path.join(tmp, os.path.basename(src)))

    secret = tokens.new_secret()
    port, metrics, up_port = free_port(), free_port(), free_port()
    # perf/load's jwtgate config: 2 shards, one auth=required route for
    # every path, HS256 key from the environment, keepalive 128.
    ini = configs.jwtgate(tmp, "jwtgate", port, metrics, up_port, 2,
                          tokens.SECRET_ENV)
    upstream = procs.Server(
        "upstream", [bins["UPSTREAM_BIN"], "--listen", f"127.0.0.1:{up_port}",
                     "--threads", "1", "--quiet"], up_port,
        os.path.join(tmp, "upstream.log"))
    gateway = procs.Server(
        "jwtgate", [bins["JWTGATE_BIN"], "--config", ini], port,
        os.path.join(tmp, "jwtgate.log"),
        env=dict(os.environ, **{tokens.SECRET_ENV: secret}))
    failed = True
    try:
        upstream.start()
        gateway.start()
        pool = tokens.mint_pool(bins["JWTGATE_BIN"], secret, 32)
        bad_sig, expired = tokens.bad_signature(pool[0]), tokens.expired(secret)
        tally = Tally()
        start = time.monotonic()
        deadline = start + seconds
        stop = threading.Event()
        workers = [Worker(i, port, pool, bad_sig, expired, deadline, tally, stop)
                   for i in range(workers_n)]
        for w in workers:
            w.start()
        samples = []
        with open(csv_path, "w", encoding="ascii") as csv:
            csv.write("t_s,rss_kib,fds,requests_ok,unexpected\n")
            next_at = start
            while time.monotonic() < deadline:
                next_at += every
                while time.monotonic() < min(next_at, deadline) and gateway.alive():
                    time.sleep(0.1)
                if not gateway.alive():
                    break
                t = round(time.monotonic() - start, 1)
                ok, bad = tally.totals()
                row = (t, gateway.rss_kib(), fd_count(gateway.pid), ok, bad)
                samples.append(row)
                csv.write(",".join(str(v) for v in row) + "\n")
                csv.flush()
        stop.set()
        for w in workers:
            w.join(30)
        alive = gateway.alive()
        ok, bad = tally.totals()
        problems, (p_rss, p_fds, e_rss, e_fds, allowed) = judge(
            samples, seconds, rss_tol, fd_tol)
        if not alive:
            problems.append(f"jwtgate died (exit status {gateway.popen.returncode})"
                            f" after {samples[-1][0] if samples else 0}s: "
                            f"{gateway.log_tail()}")
        if bad:
            problems.append(f"{bad} unexpected answers, e.g. {tally.examples[:5]}")
        rss = [s[1] for s in samples] or [0]
        fds = [s[2] for s in samples] or [0]
        print(f"soak: {seconds}s, {workers_n} workers, {ok} requests as expected "
              f"({ok / max(seconds, 1):.0f}/s), {bad} unexpected")
        print("soak: by action: " + ", ".join(
            f"{k} {tally.ok.get(k, 0)}" + (f"/{tally.bad[k]} bad" if k in tally.bad else "")
            for k, _ in Worker.ACTIONS))
        print(f"soak: RSS KiB first {rss[0]} last {rss[-1]} max {max(rss)} "
              f"(plateau {p_rss}, end {e_rss}, tolerance {allowed})")
        print(f"soak: fds first {fds[0]} last {fds[-1]} max {max(fds)} "
              f"(plateau {p_fds}, end {e_fds}, tolerance {fd_tol})")
        print(f"soak: samples every {every}s in {csv_path}")
        for p in problems:
            print(f"soak: FAIL: {p}")
        failed = bool(problems)
        if not failed:
            print("soak: PASS (RSS and fds flat after the first-minute plateau)")
    finally:
        gateway.stop()
        upstream.stop()
        if os.environ.get("KEEP_TMP") == "1" or failed:
            print(f"soak: configs and logs kept in {tmp}")
        else:
            for name in os.listdir(tmp):
                if not name.endswith(".csv"):
                    os.unlink(os.path.join(tmp, name))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
