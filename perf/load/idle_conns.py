#!/usr/bin/env python3
"""Workload (d) client: N idle keep-alive connections to one proxy.

    idle_conns.py PORT N [--hold SECONDS]    (token in $LOADTEST_TOKEN)

Opens N connections to 127.0.0.1:PORT one after another; on each it sends
one keep-alive `GET /` with the token and reads the whole answer. Then it
prints `ready OK FAILED` and keeps every connection open and idle until a
line (or EOF) arrives on stdin, or --hold seconds (default 120) pass, and
closes them all. A connection whose answer is not a 200 with keep-alive
counts as failed (and is closed at once).
"""

import os
import resource
import select
import socket
import sys


def raise_fd_limit(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, n + 64))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    if want < n + 64:
        sys.exit(f"idle_conns: RLIMIT_NOFILE hard limit {hard} is below {n + 64}")


def read_answer(sock):
    """Reads one response; returns (status, keep-alive?)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return 0, False
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length, close = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and "close" in value:
            close = True
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return status, False
        rest += chunk
    return status, not close


def main():
    args = sys.argv[1:]
    hold = 120.0
    if "--hold" in args:
        i = args.index("--hold")
        hold = float(args[i + 1])
        del args[i:i + 2]
    port, count = int(args[0]), int(args[1])
    token = os.environ["LOADTEST_TOKEN"]
    raise_fd_limit(count)
    request = (f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               f"Authorization: Bearer {token}\r\n\r\n").encode("ascii")
    held, failed = [], 0
    for _ in range(count):
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(request)
            status, keep = read_answer(sock)
        except OSError:
            failed += 1
            continue
        if status == 200 and keep:
            held.append(sock)
        else:
            failed += 1
            sock.close()
    print(f"ready {len(held)} {failed}", flush=True)
    select.select([sys.stdin], [], [], hold)
    # The proxy may have closed some of them meanwhile: count those that
    # are still open (a read would block) before closing.
    alive = 0
    for sock in held:
        sock.setblocking(False)
        try:
            sock.recv(1)  # b"": the proxy closed it; bytes: it sent junk
        except BlockingIOError:
            alive += 1
        except OSError:
            pass
        sock.close()
    print(f"closed {alive}", flush=True)


if __name__ == "__main__":
    main()
