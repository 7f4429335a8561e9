"""RESULTS.md and results.png from the numbers of one run.

Every figure is the median over the rounds; non-2xx and socket errors are
totals over all rounds (a single failure must show).
"""

import os
import platform
import shlex
import statistics
import subprocess
import sys
import time

ORDER = ["jwtgate", "jwtgate-2", "haproxy-jwt", "haproxy", "nginx", "direct"]
LABELS = {"jwtgate": "jwtgate (shards=1)", "jwtgate-2": "jwtgate (shards=2)",
          "haproxy-jwt": "HAProxy + jwt_verify", "haproxy": "HAProxy plain",
          "nginx": "nginx plain", "direct": "direct (no proxy)"}
TITLES = {"a1": "(a1) GET, one valid HS256 token",
          "a2": "(a2) GET, pool of distinct HS256 tokens",
          "b": "(b) POST 1 MiB request bodies", "c": "(c) GET 1 MiB responses",
          "e": "(e) jwtgate shards = 1 vs 2 (GET, one token)"}
ENV_KEYS = ("QUICK", "ROUNDS", "DURATION", "CONNECTIONS", "WORKLOADS", "IDLE_CONNS",
            "POOL", "UPSTREAM", "JWTGATE_BIN", "UPSTREAM_BIN", "PORT_BASE", "OUT")


def machine():
    model = "?"
    with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "kernel": platform.release(),
            "cpu": model, "cores": os.cpu_count(),
            "memory_gib": round(os.sysconf("SC_PAGE_SIZE")
                                * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)}


def loadavg():
    with open("/proc/loadavg", encoding="ascii") as f:
        return " ".join(f.read().split()[:3])


def command_line():
    env = " ".join(f"{k}={shlex.quote(os.environ[k])}" for k in ENV_KEYS
                   if k in os.environ)
    return (env + " " if env else "") + "perf/load/run.sh " + " ".join(sys.argv[1:])


def median(runs, key):
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def fmt(v, digits=1):
    if v is None:
        return "n/a"
    return f"{v:,.{digits}f}"


def ratio(a, b):
    return a / b if a is not None and b else None


def _table(runs_by_target, body):
    head = ["proxy", "req/s", "req/s min–max", "p50 ms", "p99 ms", "CPU µs/req",
            "upstream CPU µs/req", "non-2xx", "socket errors", "other CPU %"]
    if body:
        head[2:2] = ["MiB/s"]
        head.append("copied/body bytes")
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in ORDER:
        runs = runs_by_target.get(name)
        if not runs:
            continue
        rps = [r["rps"] for r in runs]
        cells = [LABELS[name], fmt(median(runs, "rps"), 0),
                 f"{min(rps):,.0f}–{max(rps):,.0f}", fmt(median(runs, "p50_ms"), 2),
                 fmt(median(runs, "p99_ms"), 2), fmt(median(runs, "cpu_us")),
                 fmt(median(runs, "upstream_cpu_us")),
                 str(sum(r["non2xx"] for r in runs)),
                 str(sum(r["socket_errors"] for r in runs)),
                 fmt(median(runs, "other_cpu_pct"), 0)]
        if body:
            cells[2:2] = [fmt(median(runs, "mibs"), 0)]
            cells.append(fmt(median(runs, "copied_ratio"), 3)
                         if name.startswith("jwtgate") else "")
        if any(r["crashed"] for r in runs):
            cells[0] += " **(crashed)**"
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def _check(what, value, target, ok, digits=2):
    if ok is None:
        verdict = "—"
    else:
        verdict = "n/a" if value is None else ("yes" if ok(value) else "**no**")
    return f"| {what} | {fmt(value, digits)} | {target} | {verdict} |"


def _done_when(data):
    w, idle = data["workloads"], data["idle"]
    rows = ["| check | measured | target | met |", "|---|---|---|---|"]

    def m(workload, target, key):
        return median(w.get(workload, {}).get(target, []), key)

    if "a1" in w:
        rows += [
            _check("(a1) req/s jwtgate / HAProxy+jwt", ratio(m("a1", "jwtgate", "rps"),
                   m("a1", "haproxy-jwt", "rps")), "≥ 1.5", lambda v: v >= 1.5),
            _check("(a1) req/s jwtgate / nginx plain", ratio(m("a1", "jwtgate", "rps"),
                   m("a1", "nginx", "rps")), "≥ 1.1", lambda v: v >= 1.1),
            _check("(a1) CPU µs/req jwtgate / HAProxy+jwt",
                   ratio(m("a1", "jwtgate", "cpu_us"), m("a1", "haproxy-jwt", "cpu_us")),
                   "≤ 0.5", lambda v: v <= 0.5),
            _check("(a1) p99 jwtgate / HAProxy+jwt", ratio(m("a1", "jwtgate", "p99_ms"),
                   m("a1", "haproxy-jwt", "p99_ms")), "≤ 1.0", lambda v: v <= 1.0)]
    if "a2" in w:
        rows.append(_check("(a2) req/s jwtgate / HAProxy+jwt",
                           ratio(m("a2", "jwtgate", "rps"), m("a2", "haproxy-jwt", "rps")),
                           "≥ 1.3", lambda v: v >= 1.3))
    for x in ("b", "c"):
        if x not in w:
            continue
        rows += [
            _check(f"({x}) MiB/s jwtgate / nginx", ratio(m(x, "jwtgate", "mibs"),
                   m(x, "nginx", "mibs")), "≥ 2", lambda v: v >= 2),
            _check(f"({x}) CPU µs/req jwtgate / nginx", ratio(m(x, "jwtgate", "cpu_us"),
                   m(x, "nginx", "cpu_us")), "≤ 0.3", lambda v: v <= 0.3),
            _check(f"({x}) user-space copied bytes per body byte (jwtgate)",
                   m(x, "jwtgate", "copied_ratio"), "≈ 0 (≤ 0.02)", lambda v: v <= 0.02,
                   digits=4)]
    if idle.get("jwtgate"):
        rows.append(_check("(d) jwtgate KiB RSS per idle connection",
                           median(idle["jwtgate"], "kib_per_conn"), "≤ 1",
                           lambda v: v <= 1.0))
    if "e" in w:
        rows.append(_check("(e) req/s shards=2 / shards=1",
                           ratio(m("e", "jwtgate-2", "rps"), m("e", "jwtgate", "rps")),
                           "(information)", None))
    return rows


def _idle_table(idle, count):
    rows = [f"| proxy | bytes RSS per connection | RSS before → after (KiB) | held of "
            f"{count:,} | failed | open at the end |", "|---|---|---|---|---|---|"]
    for name in ORDER:
        runs = idle.get(name)
        if not runs:
            continue
        per = median(runs, "kib_per_conn")
        mid = sorted(runs, key=lambda r: r["kib_per_conn"] or 0)[len(runs) // 2]
        name_cell = LABELS[name] + (" **(crashed)**" if any(r["crashed"] for r in runs)
                                    else "")
        rows.append(f"| {name_cell} | {fmt(per * 1024 if per is not None else None, 0)} | "
                    f"{mid['rss_before_kib']:,} → {mid['rss_after_kib']:,} | "
                    f"{min(r['held'] for r in runs):,} | {sum(r['failed'] for r in runs)} | "
                    f"{min(r['still_open'] for r in runs):,} |")
    return rows


def _plot(data, out, plot_gp):
    """results.png by gnuplot; returns an error text or None."""
    w, idle = data["workloads"], data["idle"]
    cols = [n for n in ORDER if any(n in w[x] for x in w) or n in idle]
    header = "workload " + " ".join(f'"{LABELS[c]}"' for c in cols) + "\n"
    with open(os.path.join(out, "results.dat"), "w", encoding="ascii") as f:
        for key in ("rps", "cpu_us"):
            f.write(header)
            for x in w:
                vals = [median(w[x].get(c, []), key) for c in cols]
                f.write(x + " " + " ".join("NaN" if v is None else f"{v:.3f}"
                                           for v in vals) + "\n")
            f.write("\n\n")
        f.write(header + "d " + " ".join(
            "NaN" if median(idle.get(c, []), "kib_per_conn") is None
            else f"{median(idle[c], 'kib_per_conn') * 1024:.1f}" for c in cols) + "\n")
    title = f"jwtgate load tests, {data['machine']['date']}, {data['machine']['cpu']}"
    other = noise(data)
    if other is not None and other > 20:
        title += f" (noisy: other work used {other:.0f}% of a core)"
    argv = ["gnuplot", "-e", f"datafile='{os.path.join(out, 'results.dat')}'",
            "-e", f"outfile='{os.path.join(out, 'results.png')}'", "-e",
            f"ncols={len(cols)}", "-e", f"plottitle='{title}'",
            "-e", f"panels={3 if idle else 2}", plot_gp]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    return None if p.returncode == 0 else p.stderr.strip()


def noise(data):
    """Median "other CPU %" over every wrk run of the run."""
    return median([r for t in data["workloads"].values() for runs in t.values()
                   for r in runs], "other_cpu_pct")


def write(data, out, plot_gp, wrk_command):
    s, mach, v = data["settings"], data["machine"], data["versions"]
    other = noise(data)
    warning = []
    if other is not None and other > 20:
        warning = [f"**Noisy run:** other work on the machine used {other:.0f}% of one core "
                   "(median over the runs) while wrk ran; the absolute figures are well "
                   "below a quiet machine's and the ratios carry that noise.", ""]
    lines = [
        "# jwtgate load tests — results", "",
        f"Run {mach['date']} on Linux {mach['kernel']}, {mach['cpu']}, {mach['cores']} "
        f"cores, {mach['memory_gib']} GiB; {data['elapsed_s']:.0f} s in all. Load average "
        f"{data['loadavg_start']} at the start, {data['loadavg_end']} at the end.", "",
        f"- Command: `{data['command'].strip()}`",
        f"- Each run: `{wrk_command('SCRIPT', s['duration'], s['connections'])}`; "
        f"{s['rounds']} interleaved round(s) (A B C A B C …) after a {s['warmup']} s "
        "warm-up of each; medians below.",
        f"- Upstream: {'nginx (one worker, sendfile)' if s['upstream'] == 'nginx' else 'build/tests/jwtgate_test_upstream (one thread)'}"
        " on 127.0.0.1, the same for every proxy.",
        f"- Versions: {v['jwtgate']} from {s.get('jwtgate_source', '?')}; {v['haproxy']}; "
        f"{v['nginx']}; {v['wrk']}.",
        "- CPU µs/req: utime+stime of the proxy's process tree from /proc over the wrk "
        "run, per request. \"other CPU %\": busy CPU of the machine not used by the "
        "proxy, the upstream or wrk (in % of one core) — noise from other work.",
        "- non-2xx and socket errors (connect/read/write/timeout) are totals over all "
        "rounds.", ""] + warning
    for x, runs in data["workloads"].items():
        lines += [f"## {TITLES[x]}", ""] + _table(runs, x in ("b", "c")) + [""]
    if data["idle"]:
        lines += [f"## (d) {s['idle_conns']:,} idle keep-alive connections", "",
                  "Each round starts the proxy afresh, loads it for "
                  f"{s['warmup']} s (workload a1), reads the RSS of its process tree, "
                  "opens the connections (one keep-alive GET answered on each), waits "
                  "1 s, reads it again: (after − before) / connections.", ""]
        lines += _idle_table(data["idle"], s["idle_conns"]) + [""]
    lines += ["## Done when (issue 5), from this run", ""] + _done_when(data) + [""]
    if data["crashes"]:
        lines += ["## Crashes", ""]
        for name, crashes in data["crashes"].items():
            for when, code, tail in crashes:
                lines.append(f"- {name} exited with {code} at {when}: `{tail}`")
        lines.append("")
    err = _plot(data, out, plot_gp)
    lines += ["![req/s, CPU µs per request and RSS per idle connection](results.png)"
              if err is None else f"(gnuplot failed: {err})", ""]
    path = os.path.join(out, "RESULTS.md")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    return path
