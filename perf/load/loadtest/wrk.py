"""wrk runs: the Lua scripts of each workload and the numbers they report.

Every script ends with the same `done` hook, which prints one line
`LOADTEST requests bytes duration_us connect read write status timeout p50 p99`
(latencies in µs). `status` is wrk's count of responses outside 2xx/3xx.
None of the scripts defines `response`, so wrk never hands a response to Lua
and its per-request cost stays that of plain wrk; the token-pool script
defines `request` but only returns requests formatted once in advance.
"""

import os
import resource
import subprocess

from . import configs

_DONE = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("LOADTEST %d %d %d %d %d %d %d %d %d %d\\n",
    summary.requests, summary.bytes, summary.duration,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50.0), latency:percentile(99.0)))
end
"""

_AUTH = """
wrk.headers["Authorization"] = "Bearer " .. os.getenv("LOADTEST_TOKEN")
"""

SCRIPTS = {
    # (a1) GET / with one valid token.
    "get_one": _AUTH,
    # (a2) GET / rotating through a pool of tokens, one per line of a file.
    "get_pool": """
local reqs = {}
local i = 0
-- Formatted in init, after wrk has set its Host header.
function init(args)
  for token in io.lines(os.getenv("LOADTEST_TOKEN_FILE")) do
    reqs[#reqs + 1] = wrk.format("GET", "/", {
      ["Host"] = wrk.headers["Host"], ["Authorization"] = "Bearer " .. token})
  end
end
function request()
  i = i % #reqs + 1
  return reqs[i]
end
""",
    # (b) POST of a 1 MiB body to a path the upstream answers "ok".
    "post_big": _AUTH + f"""
wrk.method = "POST"
wrk.path = "/upload"
wrk.body = string.rep("x", {configs.BODY_BYTES})
""",
    # (c) GET of a 1 MiB response.
    "get_big": _AUTH + f"""
wrk.path = "/bytes/{configs.BODY_BYTES}"
""",
}


def write_scripts(tmp):
    paths = {}
    for name, body in SCRIPTS.items():
        path = os.path.join(tmp, f"{name}.lua")
        with open(path, "w", encoding="ascii") as f:
            f.write(body + _DONE)
        paths[name] = path
    return paths


class WrkResult:
    """Numbers of one wrk run plus wrk's own CPU time."""

    def __init__(self, line, wrk_cpu_s, text):
        v = [int(x) for x in line.split()[1:]]
        (self.requests, self.bytes, duration_us, self.connect_errors,
         self.read_errors, self.write_errors, self.non2xx, self.timeouts,
         self.p50_us, self.p99_us) = v
        self.seconds = duration_us / 1e6
        self.wrk_cpu_s = wrk_cpu_s
        self.text = text

    @property
    def socket_errors(self):
        return (self.connect_errors + self.read_errors + self.write_errors
                + self.timeouts)

    @property
    def rps(self):
        return self.requests / self.seconds if self.seconds else 0.0


def run(port, script, seconds, connections, env, threads=1):
    """Runs wrk once, bounded by `seconds` plus a margin."""
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s",
            "--latency", "--timeout", "5s", "-s", script, f"http://127.0.0.1:{port}/"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(argv, capture_output=True, text=True, env=env,
                          timeout=seconds + 60, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = [l for l in proc.stdout.splitlines() if l.startswith("LOADTEST ")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr.strip()} "
                           f"{proc.stdout.strip()[-500:]}")
    return WrkResult(lines[-1], wrk_cpu, proc.stdout)


def command_line(script_name, seconds, connections):
    """The wrk command as a reader would type it, for RESULTS.md."""
    return (f"wrk -t1 -c{connections} -d{seconds}s --latency --timeout 5s "
            f"-s {script_name}.lua http://127.0.0.1:PORT/")
