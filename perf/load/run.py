#!/usr/bin/env python3
"""jwtgate load tests against HAProxy 2.6 and nginx 1.22 (see README.md).

    perf/load/run.sh                  full run: ROUNDS=3, DURATION=10
    QUICK=1 perf/load/run.sh          smoke run: 1 round of 3 s, 1,000 idle
                                      connections, output in a temp dir
    perf/load/run.sh --report DIR/results.json
                                      RESULTS.md and results.png again from
                                      the numbers of an earlier run

Environment: ROUNDS, DURATION (seconds per wrk run), CONNECTIONS (64),
WORKLOADS (a1,a2,b,c,e,d), TARGETS (jwtgate,jwtgate-2,haproxy-jwt,
haproxy,nginx,direct), IDLE_CONNS (10000), POOL (1000 tokens),
UPSTREAM (nginx | test), JWTGATE_BIN (build/jwtgate), UPSTREAM_BIN
(build/tests/jwtgate_test_upstream), PORT_BASE (28100), OUT (output dir;
default perf/load, or a temp dir with QUICK=1), KEEP_TMP=1 keeps the
generated configs and logs.
"""

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

from loadtest import bench, checks, configs, procs, report, tokens, wrk  # noqa: E402

THROUGHPUT = {
    # name: (title, wrk script, body bytes per request for MiB/s, targets)
    "a1": ("GET /, one valid HS256 token", "get_one", 0,
           ["jwtgate", "haproxy-jwt", "haproxy", "nginx", "direct"]),
    "a2": ("GET /, pool of distinct HS256 tokens", "get_pool", 0,
           ["jwtgate", "haproxy-jwt", "haproxy", "nginx", "direct"]),
    "b": ("POST 1 MiB request bodies", "post_big", configs.BODY_BYTES,
          ["jwtgate", "haproxy-jwt", "haproxy", "nginx", "direct"]),
    "c": ("GET 1 MiB responses", "get_big", configs.BODY_BYTES,
          ["jwtgate", "haproxy-jwt", "haproxy", "nginx", "direct"]),
    "e": ("jwtgate shards = 1 vs 2 (GET /, one token)", "get_one", 0,
          ["jwtgate", "jwtgate-2"]),
}
IDLE_TARGETS = ["jwtgate", "haproxy-jwt", "haproxy", "nginx"]
ALL_TARGETS = ["jwtgate", "jwtgate-2", "haproxy-jwt", "haproxy", "nginx", "direct"]


def settings():
    quick = os.environ.get("QUICK") == "1"
    s = {
        "quick": quick,
        "rounds": int(os.environ.get("ROUNDS", "1" if quick else "3")),
        "duration": int(os.environ.get("DURATION", "3" if quick else "10")),
        "connections": int(os.environ.get("CONNECTIONS", "64")),
        "workloads": os.environ.get("WORKLOADS", "a1,a2,b,c,e,d").split(","),
        "idle_conns": int(os.environ.get("IDLE_CONNS", "1000" if quick else "10000")),
        "pool": int(os.environ.get("POOL", "1000")),
        "upstream": os.environ.get("UPSTREAM", "nginx"),
        "jwtgate_bin": os.path.abspath(os.environ.get(
            "JWTGATE_BIN", os.path.join(ROOT, "build/jwtgate"))),
        "upstream_bin": os.path.abspath(os.environ.get(
            "UPSTREAM_BIN", os.path.join(ROOT, "build/tests/jwtgate_test_upstream"))),
        "port_base": int(os.environ.get("PORT_BASE", "28100")),
        "targets": os.environ.get("TARGETS", ",".join(ALL_TARGETS)).split(","),
        "warmup": 1,
    }
    out = os.environ.get("OUT")
    if out is None:
        out = (os.path.join(tempfile.gettempdir(), "jwtgate-load-quick") if quick
               else HERE)
    s["out"] = os.path.abspath(out)
    unknown = (set(s["workloads"]) - set(THROUGHPUT) - {"d"}) | (
        set(s["targets"]) - set(ALL_TARGETS))
    if unknown or s["upstream"] not in ("nginx", "test"):
        sys.exit(f"run.py: unknown WORKLOADS/TARGETS {sorted(unknown)} "
                 f"or UPSTREAM {s['upstream']}")
    return s


def need_tools(s):
    missing = [t for t in ("haproxy", "nginx", "wrk", "gnuplot") if not shutil.which(t)]
    if missing:
        sys.exit(f"run.py: missing {missing}; run perf/load/setup.sh (as root)")
    for path in [s["jwtgate_bin"]] + ([s["upstream_bin"]] if s["upstream"] == "test" else []):
        if not os.access(path, os.X_OK):
            sys.exit(f"run.py: {path} is not an executable; build it first")


def make_servers(s, tmp, secret):
    """Every server of the run (not started) and the targets wrk aims at."""
    base = s["port_base"]
    ports = {"upstream": base, "jwtgate": base + 1, "jwtgate-metrics": base + 2,
             "haproxy-jwt": base + 3, "haproxy": base + 4, "nginx": base + 5,
             "jwtgate-2": base + 6, "jwtgate-2-metrics": base + 7}
    log = lambda name: os.path.join(tmp, f"{name}.log")  # noqa: E731
    up = ports["upstream"]
    if s["upstream"] == "nginx":
        conf = configs.nginx_upstream(tmp, up)
        upstream = procs.Server("upstream", ["nginx", "-p", tmp, "-c", conf], up,
                                log("upstream"))
    else:
        upstream = procs.Server("upstream", [s["upstream_bin"], "--listen",
                                             f"127.0.0.1:{up}", "--quiet"], up,
                                log("upstream"))
    jenv = dict(os.environ, **{tokens.SECRET_ENV: secret})
    targets = {}
    for name, shards in (("jwtgate", 1), ("jwtgate-2", 2)):
        ini = configs.jwtgate(tmp, name, ports[name], ports[f"{name}-metrics"], up,
                              shards, tokens.SECRET_ENV)
        server = procs.Server(name, [s["jwtgate_bin"], "--config", ini], ports[name],
                              log(name), env=jenv)
        targets[name] = bench.Target(name, server, ports[name],
                                     ports[f"{name}-metrics"], checks_tokens=True)
    for name, sec in (("haproxy-jwt", secret), ("haproxy", None)):
        cfg = configs.haproxy(tmp, name, ports[name], up, sec)
        server = procs.Server(name, ["haproxy", "-db", "-f", cfg], ports[name], log(name))
        targets[name] = bench.Target(name, server, ports[name],
                                     checks_tokens=sec is not None)
    conf = configs.nginx_proxy(tmp, ports["nginx"], up)
    targets["nginx"] = bench.Target(
        "nginx", procs.Server("nginx", ["nginx", "-p", tmp, "-c", conf], ports["nginx"],
                              log("nginx")), ports["nginx"])
    targets["direct"] = bench.Target("direct", None, up)
    return upstream, targets


def versions(s):
    def first_line(argv):
        try:
            p = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        except OSError:
            return "?"
        return ((p.stdout or "") + (p.stderr or "")).strip().splitlines()[0]
    return {"jwtgate": first_line([s["jwtgate_bin"], "--version"]),
            "haproxy": first_line(["haproxy", "-v"]),
            "nginx": first_line(["nginx", "-v"]),
            "wrk": first_line(["wrk", "-v"])}


def rewrite_report(path):
    """--report FILE: RESULTS.md and the plot again from a results.json."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    out = os.path.dirname(os.path.abspath(path))
    md = report.write(data, out, os.path.join(HERE, "plot.gp"), wrk.command_line)
    print(f"load: wrote {md}", flush=True)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--report":
        rewrite_report(sys.argv[2])
        return
    s = settings()
    need_tools(s)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    os.makedirs(s["out"], exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="jwtgate-load-")
    # nginx workers run as nobody when started by root: they must be able to
    # reach the static file and their temp directories (configs stay 0600).
    os.chmod(tmp, 0o755)
    started = time.time()
    print(f"load: configs and logs in {tmp}; results to {s['out']}", flush=True)
    # A private copy, so a rebuild of build/ during the run changes nothing.
    source_bin = s["jwtgate_bin"]
    s["jwtgate_bin"] = os.path.join(tmp, "jwtgate")
    shutil.copy2(source_bin, s["jwtgate_bin"])
    s["jwtgate_source"] = f"{source_bin} (modified {time.ctime(os.path.getmtime(source_bin))})"
    if s["upstream"] == "test":
        shutil.copy2(s["upstream_bin"], os.path.join(tmp, "jwtgate_test_upstream"))
        s["upstream_bin"] = os.path.join(tmp, "jwtgate_test_upstream")
    secret = tokens.new_secret()
    token = tokens.mint(s["jwtgate_bin"], secret, "load-user")
    env = dict(os.environ, LOADTEST_TOKEN=token,
               LOADTEST_TOKEN_FILE=os.path.join(tmp, "tokens.txt"))
    if "a2" in s["workloads"]:
        pool = tokens.mint_pool(s["jwtgate_bin"], secret, s["pool"])
        assert len(set(pool)) == len(pool)
        with open(env["LOADTEST_TOKEN_FILE"], "w", encoding="ascii") as f:
            f.write("\n".join(pool) + "\n")
    scripts = wrk.write_scripts(tmp)
    upstream, targets = make_servers(s, tmp, secret)
    data = {"settings": s, "machine": report.machine(), "versions": versions(s),
            "command": report.command_line(), "workloads": {}, "idle": {},
            "crashes": {}, "loadavg_start": report.loadavg()}
    running = []
    finished = False
    try:
        upstream.start()
        running.append(upstream)
        wanted = sorted({t for w in s["workloads"] if w in THROUGHPUT
                         for t in THROUGHPUT[w][3] if t in s["targets"]} - {"direct"})
        for name in wanted:
            targets[name].server.start()
            running.append(targets[name].server)
        for name in wanted + ["direct"]:
            problems = checks.sanity(targets[name].port, token, secret,
                                     targets[name].checks_tokens)
            if problems:
                raise RuntimeError(f"{name} failed its sanity checks: {problems}")
        print(f"load: sanity checks passed for {wanted + ['direct']}", flush=True)
        for w in s["workloads"]:
            if w not in THROUGHPUT:
                continue
            title, script, body, names = THROUGHPUT[w]
            names = [n for n in names if n in s["targets"]]
            if not names:
                continue
            print(f"load: ({w}) {title}", flush=True)
            data["workloads"][w] = bench.interleaved(
                [targets[n] for n in names], upstream, scripts[script], s["rounds"],
                s["duration"], s["connections"], env, s["warmup"], body,
                log=lambda m: print(m, flush=True))
        for name in wanted:
            targets[name].server.stop()
            running.remove(targets[name].server)
        if "d" in s["workloads"]:
            print(f"load: (d) {s['idle_conns']} idle keep-alive connections", flush=True)
            idle_targets = [n for n in IDLE_TARGETS if n in s["targets"]]
            data["idle"] = {n: [] for n in idle_targets}
            for _ in range(s["rounds"]):
                for n in idle_targets:
                    data["idle"][n].append(bench.idle_rss(
                        targets[n], s["idle_conns"], token,
                        os.path.join(HERE, "idle_conns.py"),
                        lambda port: wrk.run(port, scripts["get_one"], s["warmup"],
                                             s["connections"], env),
                        log=lambda m: print(m, flush=True)))
        finished = True
    finally:
        for server in reversed(running):
            server.stop()
        data["crashes"] = {n: t.server.crashes for n, t in targets.items()
                           if t.server and t.server.crashes}
        data["loadavg_end"] = report.loadavg()
        data["elapsed_s"] = time.time() - started
        if finished and os.environ.get("KEEP_TMP") != "1":
            shutil.rmtree(tmp, ignore_errors=True)
        elif not finished:
            print(f"load: failed; configs and logs kept in {tmp}", flush=True)
    with open(os.path.join(s["out"], "results.json"), "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, default=str)
    md = report.write(data, s["out"], os.path.join(HERE, "plot.gp"), wrk.command_line)
    print(f"load: wrote {md}", flush=True)


if __name__ == "__main__":
    main()
