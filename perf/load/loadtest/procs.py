"""Processes the load driver starts, and what /proc says about them.

Each server (upstream, proxy) runs in its own session (process group id ==
its pid), so stopping it signals exactly that group: the process we started
and the children it forked (nginx's worker), nothing else on the machine.
CPU time and RSS are summed over the process and its descendants, found by
walking the ppid links in /proc.
"""

import os
import signal
import socket
import subprocess
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _read(path):
    try:
        with open(path, "r", encoding="ascii", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def _stat_fields(pid):
    """Fields of /proc/PID/stat after the command name, or None."""
    text = _read(f"/proc/{pid}/stat")
    if text is None:
        return None
    # The command name is in parentheses and may hold spaces.
    return text[text.rindex(")") + 2:].split()


def tree_pids(root):
    """`root` and every live descendant of it."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat_fields(entry)
        if fields is None:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def tree_cpu_seconds(root):
    """utime + stime of `root` and its descendants (all threads), seconds."""
    ticks = 0
    for pid in tree_pids(root):
        fields = _stat_fields(pid)
        if fields is not None:
            # utime and stime are fields 14 and 15 of stat(5); the slice
            # starts at field 3.
            ticks += int(fields[11]) + int(fields[12])
    return ticks / CLOCK_TICKS


def tree_rss_kib(root):
    """Sum of VmRSS over `root` and its descendants, KiB."""
    total = 0
    for pid in tree_pids(root):
        text = _read(f"/proc/{pid}/status") or ""
        for line in text.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def machine_busy_seconds():
    """CPU seconds all cores spent outside idle/iowait since boot."""
    with open("/proc/stat", encoding="ascii") as f:
        cpu = f.readline().split()[1:]
    values = [int(v) for v in cpu[:8]]
    busy = sum(values) - values[3] - values[4]  # minus idle, iowait
    return busy / CLOCK_TICKS


def port_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


class Server:
    """One long-running process: started, watched, stopped by its pid."""

    def __init__(self, name, argv, port, log_path, env=None, cwd=None):
        self.name = name
        self.argv = argv
        self.port = port
        self.log_path = log_path
        self.env = env
        self.cwd = cwd
        self.popen = None
        self.crashes = []  # (when, exit code, log tail) of each unexpected exit

    @property
    def pid(self):
        return self.popen.pid

    def start(self, timeout=10.0):
        if port_open(self.port):
            raise RuntimeError(f"{self.name}: port {self.port} already in use")
        log = open(self.log_path, "ab")
        self.popen = subprocess.Popen(
            self.argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=self.env, cwd=self.cwd, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start "
                                   f"(code {self.popen.returncode}): {self.log_tail()}")
            if port_open(self.port):
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.name} did not listen on {self.port} in {timeout}s")

    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    def check(self):
        """Records a crash and restarts; returns False if it had died."""
        if self.alive():
            return True
        self.crashes.append((time.strftime("%H:%M:%S"), self.popen.returncode,
                             self.log_tail()))
        self.start()
        return False

    def cpu_seconds(self):
        return tree_cpu_seconds(self.pid)

    def rss_kib(self):
        return tree_rss_kib(self.pid)

    def log_tail(self, lines=8):
        text = _read(self.log_path) or ""
        return " | ".join(text.strip().splitlines()[-lines:])

    def stop(self, timeout=5.0):
        if self.popen is None or self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout)
        # Children (nginx workers) leave with their master; wait for the
        # group to be gone so the port is free for the next start.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and port_open(self.port):
            time.sleep(0.05)
