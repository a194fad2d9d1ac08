#!/usr/bin/env python3
"""Instructions and system calls per request of spoor's hot path.

Wall-clock numbers need a quiet machine; these do not. The script serves
the 1 KiB file of bench/compare with the same configuration (combined log
on, or one of the variants), sends wrk's request on keep-alive
connections, and counts:

* `--tool callgrind`: user-space instructions (valgrind's Ir) per request,
  counted between two `callgrind_control` marks, so start-up and warm-up
  are left out; `--top N` lists the functions with the most inclusive
  instructions; `--cache-sim` adds callgrind's simulated instruction and
  data cache misses per request.
* `--tool strace`: system calls per request (`strace -c -f`, attached to
  every thread after the warm-up).
* `--tool cpu`: user and system CPU time per request (`/proc/PID/stat`),
  which other load on the machine disturbs far less than throughput.
* `--tool ctx`: context switches per request, summed over the server's
  threads (`/proc/PID/task/*/status`): with `--threads 2` and several
  connections, a lock the workers queue on shows up here.

`--server nginx` or `--server apache` measures those (one process,
`master_process off` / `-X`, the same file and combined log) for
comparison; `--server h2o`, `lighttpd`, `caddy` or `floor` runs that peer
with bench/compare's configuration for one worker (the same file, the
combined log; Caddy's JSON log; the floor, bench/floor.c, logs nothing).

Connections are driven in lock step: one request on each of `--conns`
connections, then the responses, so with several connections the server
finds several sockets ready at once, as under wrk.

    cargo build --profile profiling -p spoor   # symbols for callgrind
    bench/profile.py --tool callgrind --requests 2000
    bench/profile.py --tool strace --variant forensic --conns 8
    bench/profile.py --tool callgrind --close --conns 4   # a connection per request
"""

import argparse
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
COMBINED = '%h %l %u %t \\"%r\\" %>s %b \\"%{Referer}i\\" \\"%{User-Agent}i\\"'
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


# Peers run with bench/compare.py's configuration.
COMPARE_PEERS = ("h2o", "lighttpd", "caddy", "floor")


def conf(work, port, variant):
    lines = [
        f"Listen 127.0.0.1:{port}",
        "ServerName bench.test",
        f"DocumentRoot {work}/htdocs",
        f"ErrorLog {work}/logs/error.log",
        "KeepAlive On",
        "MaxKeepAliveRequests 0",
        "KeepAliveTimeout 60",
        "Timeout 60",
        f'LogFormat "{COMBINED}" combined',
    ]
    if variant != "nolog":
        lines.append(f"CustomLog {work}/logs/access.log combined")
    if variant == "buffered":
        lines.append("BufferedLogs On")
    if variant == "forensic":
        lines.append("LoadModule log_forensic_module modules/mod_log_forensic.so")
        lines.append(f"ForensicLog {work}/logs/forensic.log")
    if variant == "tracking":
        lines.append("LoadModule usertrack_module modules/mod_usertrack.so")
        lines.append("CookieTracking on")
    if variant == "nosymlinks":
        # Links checked at every level: the descriptor walk of every path.
        lines.append("Options -FollowSymLinks")
    return "\n".join(lines) + "\n"


def nginx_conf(work, port):
    return f"""
daemon off;
master_process off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    default_type application/octet-stream;
    access_log {work}/logs/access.log combined;
    keepalive_timeout 60s;
    keepalive_requests 100000000;
    client_body_temp_path {work}/tmp;
    proxy_temp_path {work}/tmp;
    fastcgi_temp_path {work}/tmp;
    uwsgi_temp_path {work}/tmp;
    scgi_temp_path {work}/tmp;
    server {{
        listen 127.0.0.1:{port};
        server_name bench.test;
        root {work}/htdocs;
    }}
}}
"""


def apache_conf(work, port):
    modules = "/usr/lib/apache2/modules"
    return f"""
ServerRoot {work}
LoadModule mpm_event_module {modules}/mod_mpm_event.so
LoadModule authz_core_module {modules}/mod_authz_core.so
LoadModule log_config_module {modules}/mod_log_config.so
User nobody
Group nogroup
DefaultRuntimeDir {work}
PidFile {work}/apache2.pid
ErrorLog {work}/logs/error.log
Listen 127.0.0.1:{port}
ServerName bench.test
DocumentRoot {work}/htdocs
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 60
Timeout 60
ThreadsPerChild 16
LogFormat "{COMBINED}" combined
CustomLog {work}/logs/access.log combined
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, limit):
    deadline = time.time() + limit
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the server exited at start-up (status {proc.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit("the server did not start listening")


class Client:
    """Keep-alive connections sending wrk's request for /f1k.bin; with
    `close`, a new connection for each request, which asks to close it
    (bench/compare's "close" shape)."""

    def __init__(self, port, conns, close=False):
        extra = "Connection: close\r\n" if close else ""
        self.req = (
            f"GET /f1k.bin HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"User-Agent: {UA}\r\nReferer: http://bench.test/index.html\r\n{extra}\r\n"
        ).encode()
        self.port, self.conns, self.close = port, conns, close
        self.socks = []
        if close:
            return
        for _ in range(conns):
            s = socket.create_connection(("127.0.0.1", port), timeout=60)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.socks.append([s, b""])

    def _response(self, slot):
        s, buf = slot
        while b"\r\n\r\n" not in buf:
            d = s.recv(65536)
            if not d:
                sys.exit("the server closed a connection")
            buf += d
        head, _, rest = buf.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200 "):
            sys.exit(f"unexpected response: {head[:80]!r}")
        m = re.search(rb"\r\ncontent-length: *(\d+)", head, re.I)
        n = int(m.group(1))
        while len(rest) < n:
            d = s.recv(65536)
            if not d:
                sys.exit("the server closed a connection")
            rest += d
        slot[1] = rest[n:]

    def _closing(self, requests):
        done = 0
        while done < requests:
            batch = []
            for _ in range(min(self.conns, requests - done)):
                s = socket.create_connection(("127.0.0.1", self.port), timeout=60)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                s.sendall(self.req)
                batch.append(s)
            for s in batch:
                data = b""
                while True:
                    d = s.recv(65536)
                    if not d:
                        break
                    data += d
                if not data.startswith(b"HTTP/1.1 200 "):
                    sys.exit(f"unexpected response: {data[:80]!r}")
                s.close()
            done += len(batch)

    def run(self, requests):
        if self.close:
            self._closing(requests)
            return
        done = 0
        while done < requests:
            batch = self.socks[: min(len(self.socks), requests - done)]
            for slot in batch:
                slot[0].sendall(self.req)
            for slot in batch:
                self._response(slot)
            done += len(batch)


def callgrind_totals(path):
    """The dump's events and their totals, in the dump's order (`Ir` first;
    with `--cache-sim`, the simulated cache's reads, writes and misses)."""
    events = ["Ir"]
    with open(path) as f:
        for line in f:
            if line.startswith("events:"):
                events = line.split()[1:]
            if line.startswith("summary:") or line.startswith("totals:"):
                return dict(zip(events, map(int, line.split()[1:])))
    sys.exit(f"no totals in {path}")


def cpu_ticks(pid):
    # utime and stime are fields 14 and 15, counted after the command name.
    text = open(f"/proc/{pid}/stat").read()
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[11]), int(fields[12])


def ctx_switches(pid):
    vol = invol = 0
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            text = open(f"/proc/{pid}/task/{t}/status").read()
        except OSError:
            continue
        vol += int(re.search(r"^voluntary_ctxt_switches:\s*(\d+)", text, re.M).group(1))
        invol += int(re.search(r"^nonvoluntary_ctxt_switches:\s*(\d+)", text, re.M).group(1))
    return vol, invol


def run(args):
    # The profiling profile keeps symbols and line tables, which
    # callgrind_annotate needs; the release binary is stripped.
    binary = args.binary or os.path.join(ROOT, "target", "profiling", "spoor")
    work = tempfile.mkdtemp(prefix="spoor-profile.")
    # Started as root, every server gives root up (spoor to nobody by
    # default): the tree must be readable by that account.
    os.chmod(work, 0o755)
    try:
        os.makedirs(f"{work}/htdocs")
        os.makedirs(f"{work}/logs")
        rnd = random.Random(1)
        with open(f"{work}/htdocs/f1k.bin", "wb") as f:
            f.write(bytes(rnd.getrandbits(8) for _ in range(1024)))
        port = free_port()
        env = dict(os.environ)
        if args.server in COMPARE_PEERS:
            # bench/compare's own configuration of the peer, one worker.
            sys.path.insert(0, HERE)
            import compare
            compare.raise_nofile()
            if args.server == "floor":
                err = compare.build_floor()
                if err:
                    sys.exit(err)
            peer = compare.Server(args.server, args.server, None, port, work, 1)
            cmd = peer.command()
            env = peer.env()
        elif args.server == "nginx":
            os.makedirs(f"{work}/tmp")
            os.chmod(work, 0o755)
            with open(f"{work}/nginx.conf", "w") as f:
                f.write(nginx_conf(work, port))
            cmd = ["nginx", "-p", work, "-c", f"{work}/nginx.conf"]
        elif args.server == "apache":
            os.chmod(work, 0o755)
            with open(f"{work}/apache2.conf", "w") as f:
                f.write(apache_conf(work, port))
            if not os.path.exists("/usr/lib/apache2/modules/mod_log_config.so"):
                # Built in on Debian.
                with open(f"{work}/apache2.conf") as f:
                    text = f.read().replace("LoadModule log_config_module", "#")
                with open(f"{work}/apache2.conf", "w") as f:
                    f.write(text)
            env["APACHE_RUN_DIR"] = work
            cmd = ["apache2", "-d", work, "-f", f"{work}/apache2.conf", "-X"]
        else:
            text = conf(work, port, args.variant)
            cmd = [binary, "-d", work, "-f", f"{work}/spoor.conf",
                   "--threads", str(args.threads)]
            if args.tool == "callgrind" and os.geteuid() == 0:
                # callgrind_control cannot reach a valgrind process that
                # gave up root after it started: keep root for this count.
                text += "User root\nGroup root\n"
                cmd.append("--allow-root")
            with open(f"{work}/spoor.conf", "w") as f:
                f.write(text)
        if args.tool == "callgrind":
            cmd = [
                "valgrind", "--tool=callgrind", "--quiet",
                f"--callgrind-out-file={work}/cg.out",
            ] + (["--cache-sim=yes"] if args.cache_sim else []) + cmd
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env=env)
        try:
            wait_port(port, proc, 120)
            client = Client(port, args.conns, args.close)
            client.run(args.warmup)
            if args.tool == "callgrind":
                subprocess.run(["callgrind_control", "-z", str(proc.pid)], check=True,
                               capture_output=True)
                client.run(args.requests)
                subprocess.run(["callgrind_control", "-d", str(proc.pid)], check=True,
                               capture_output=True)
                dumps = sorted(p for p in os.listdir(work) if p.startswith("cg.out."))
                path = os.path.join(work, dumps[-1])
                totals = callgrind_totals(path)
                total = totals["Ir"]
                print(f"server={args.server} variant={args.variant} conns={args.conns} "
                      f"close={args.close} requests={args.requests} instructions={total} "
                      f"per_request={total / args.requests:.0f}")
                if args.cache_sim:
                    # D1mr/D1mw: first-level data misses (reads, writes);
                    # DLmr/DLmw: last-level; I1mr: instruction misses.
                    print("per request: " + " ".join(
                        f"{k}={v / args.requests:.1f}" for k, v in totals.items()
                        if k in ("I1mr", "D1mr", "D1mw", "DLmr", "DLmw")))
                if args.keep:
                    shutil.copy(path, args.keep)
                if args.top:
                    out = subprocess.run(
                        ["callgrind_annotate", "--inclusive=yes", path],
                        capture_output=True, text=True).stdout
                    print("\n".join(out.splitlines()[: args.top + 25]))
            elif args.tool == "cpu":
                tick = os.sysconf("SC_CLK_TCK")
                before = cpu_ticks(proc.pid)
                client.run(args.requests)
                after = cpu_ticks(proc.pid)
                user = (after[0] - before[0]) / tick / args.requests * 1e6
                system = (after[1] - before[1]) / tick / args.requests * 1e6
                print(f"server={args.server} variant={args.variant} threads={args.threads} "
                      f"conns={args.conns} requests={args.requests} user_us={user:.2f} "
                      f"system_us={system:.2f} total_us={user + system:.2f} per request")
            elif args.tool == "ctx":
                before = ctx_switches(proc.pid)
                client.run(args.requests)
                after = ctx_switches(proc.pid)
                vol, invol = after[0] - before[0], after[1] - before[1]
                print(f"variant={args.variant} threads={args.threads} conns={args.conns} "
                      f"requests={args.requests} voluntary={vol / args.requests:.3f} "
                      f"involuntary={invol / args.requests:.3f} per request")
            else:
                tids = os.listdir(f"/proc/{proc.pid}/task")
                sout = f"{work}/strace.txt"
                st = subprocess.Popen(
                    ["strace", "-c", "-f", "-o", sout] + sum((["-p", t] for t in tids), []),
                    stderr=subprocess.DEVNULL)
                time.sleep(1.5)
                client.run(args.requests)
                time.sleep(0.3)
                st.send_signal(signal.SIGINT)
                st.wait()
                text = open(sout).read()
                calls = None
                for line in text.splitlines():
                    parts = line.split()
                    if parts and parts[-1] == "total":
                        calls = int(parts[3])
                print(text)
                print(f"server={args.server} variant={args.variant} conns={args.conns} "
                      f"requests={args.requests} syscalls={calls} "
                      f"per_request={calls / args.requests:.2f}")
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tool", choices=["callgrind", "strace", "cpu", "ctx"], default="callgrind")
    ap.add_argument("--server", choices=["spoor", "nginx", "apache", *COMPARE_PEERS],
                    default="spoor")
    ap.add_argument("--variant",
                    choices=["log", "nolog", "buffered", "forensic", "tracking", "nosymlinks"],
                    default="log")
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--conns", type=int, default=1)
    ap.add_argument("--close", action="store_true",
                    help="one request per connection (Connection: close)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--top", type=int, default=0, help="list the N costliest functions")
    ap.add_argument("--keep", help="copy the callgrind output here")
    ap.add_argument("--cache-sim", action="store_true",
                    help="callgrind: also simulate the caches and print misses per "
                    "request (this machine has no hardware counters to count them)")
    ap.add_argument("--binary", help="the spoor binary (default target/profiling/spoor, "
                    "built by `cargo build --profile profiling -p spoor`)")
    run(ap.parse_args())


if __name__ == "__main__":
    main()
