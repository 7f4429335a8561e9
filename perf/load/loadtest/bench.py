"""The measured runs: one wrk run against one proxy, one idle-connection
measurement, and the interleaved rounds of a workload.

A run's CPU figures come from /proc before and after the wrk process:
the proxy's process tree, the upstream's, wrk's own (from its rusage) and
the rest of the machine ("other": all busy CPU minus those three, in % of
one core — compile jobs and kernel time charged to no process show there).
"""

import os
import subprocess
import time

from . import checks
from . import procs
from . import wrk

MIB = float(1 << 20)


class Target:
    """A proxy under test (or the upstream itself, for "direct")."""

    def __init__(self, name, server, port, metrics_port=None, checks_tokens=False):
        self.name = name
        self.server = server  # procs.Server; None for direct
        self.port = port
        self.metrics_port = metrics_port
        self.checks_tokens = checks_tokens


def _copied_counters(target):
    if target.metrics_port is None:
        return None
    try:
        m = checks.metrics(target.metrics_port)
    except OSError:
        return None
    if ("jwtgate_body_copied_bytes_total" not in m
            or "jwtgate_body_bytes_total" not in m):
        return None
    return m["jwtgate_body_copied_bytes_total"], m["jwtgate_body_bytes_total"]


def one_run(target, upstream, script, seconds, connections, env, body_bytes=0):
    """Runs wrk once against `target`; returns the run's numbers as a dict."""
    crashed_before = target.server is not None and not target.server.check()
    counters0 = _copied_counters(target)
    proxy0 = target.server.cpu_seconds() if target.server else 0.0
    up0 = upstream.cpu_seconds()
    busy0 = procs.machine_busy_seconds()
    res = wrk.run(target.port, script, seconds, connections, env)
    busy1 = procs.machine_busy_seconds()
    up1 = upstream.cpu_seconds()
    died = target.server is not None and not target.server.alive()
    proxy1 = target.server.cpu_seconds() if target.server and not died else proxy0
    counters1 = _copied_counters(target)
    reqs = max(res.requests, 1)
    proxy_cpu = proxy1 - proxy0
    up_cpu = up1 - up0
    other = (busy1 - busy0) - proxy_cpu - up_cpu - res.wrk_cpu_s
    run = {
        "rps": res.rps,
        "p50_ms": res.p50_us / 1000.0,
        "p99_ms": res.p99_us / 1000.0,
        "cpu_us": proxy_cpu * 1e6 / reqs if target.server else None,
        "upstream_cpu_us": up_cpu * 1e6 / reqs,
        "wrk_cpu_us": res.wrk_cpu_s * 1e6 / reqs,
        "other_cpu_pct": max(other, 0.0) * 100.0 / res.seconds,
        "requests": res.requests,
        "non2xx": res.non2xx,
        "socket_errors": res.socket_errors,
        "errors_detail": {"connect": res.connect_errors, "read": res.read_errors,
                          "write": res.write_errors, "timeout": res.timeouts},
        "crashed": bool(crashed_before or died),
    }
    if body_bytes:
        run["mibs"] = res.requests * body_bytes / MIB / res.seconds
        run["bytes_per_response"] = res.bytes / reqs
    if counters0 and counters1 and counters1[1] > counters0[1]:
        run["copied_ratio"] = ((counters1[0] - counters0[0])
                               / (counters1[1] - counters0[1]))
    if died:
        target.server.check()  # records the crash and restarts
    return run


def interleaved(targets, upstream, script, rounds, seconds, connections, env,
                warmup_s, body_bytes=0, log=print):
    """Runs A B C A B C ... `rounds` times after a short warm-up of each."""
    results = {t.name: [] for t in targets}
    for t in targets:
        wrk.run(t.port, script, warmup_s, connections, env)
    for r in range(rounds):
        for t in targets:
            run = one_run(t, upstream, script, seconds, connections, env, body_bytes)
            results[t.name].append(run)
            cpu = "-" if run["cpu_us"] is None else f"{run['cpu_us']:.1f}"
            log(f"  round {r + 1} {t.name:12s} {run['rps']:9.0f} req/s  "
                f"p99 {run['p99_ms']:6.2f} ms  cpu {cpu} us/req  "
                f"non2xx {run['non2xx']}  errors {run['socket_errors']}"
                + (f"  {run['mibs']:.0f} MiB/s" if body_bytes else "")
                + ("  CRASHED" if run["crashed"] else ""))
    return results


def idle_rss(target, count, token, idle_client, warmup, log=print):
    """Workload (d) on a freshly started proxy: KiB of RSS per idle
    keep-alive connection, from the process tree's RSS before and after
    `count` connections have each been answered once.

    `warmup(port)` loads the proxy first (a short wrk run), so memory a
    process sizes once and touches under any load (jwtgate's provided-buffer
    ring, nginx's and HAProxy's pools) is resident before the first
    reading and only what the idle connections add is counted."""
    server = target.server
    server.start()
    try:
        status, _ = checks.request(target.port, "GET", "/", token)
        if status != 200:
            raise RuntimeError(f"{target.name}: warm-up GET answered {status}")
        warmup(target.port)
        time.sleep(0.5)
        before = server.rss_kib()
        env = dict(os.environ, LOADTEST_TOKEN=token)
        client = subprocess.Popen(
            ["python3", idle_client, str(target.port), str(count), "--hold", "120"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        try:
            ready = client.stdout.readline().split()
            if len(ready) != 3 or ready[0] != "ready":
                raise RuntimeError(f"{target.name}: idle client said {ready}")
            held, failed = int(ready[1]), int(ready[2])
            time.sleep(1.0)
            after = server.rss_kib()
            client.stdin.write("done\n")
            client.stdin.flush()
            closed_line = client.stdout.readline().split()
            still_open = int(closed_line[1]) if len(closed_line) == 2 else -1
        finally:
            client.stdin.close()
            client.wait(timeout=60)
        alive = server.alive()
    finally:
        server.stop()
    per_conn = (after - before) / held if held else None
    log(f"  {target.name:12s} rss {before} -> {after} KiB, {held} held, {failed} failed, "
        f"{still_open} still open at the end: "
        + (f"{per_conn * 1024:.0f} B/conn" if per_conn is not None else "n/a"))
    return {"rss_before_kib": before, "rss_after_kib": after, "held": held,
            "failed": failed, "still_open": still_open,
            "kib_per_conn": per_conn, "crashed": not alive}
