#!/usr/bin/env python3
"""spoor against nginx and Apache httpd (event MPM) on loopback.

Run through `bench/compare` (which installs the servers and wrk and builds
spoor). Every server serves the same static files (1 KiB and 64 KiB) and
writes the same combined-format access log to a file. For each worker
count (1 and 2) the servers are started once and wrk runs against each in
alternating rounds (A B C A B C ...). After every run the access log must
hold exactly one line per response wrk completed: wrk stops sending at the
end of the measurement window and lets the connections go quiet before it
exits (bench/count.lua), so no request is in flight when it stops.

Printed per row: the median requests/s over the rounds (completed
responses / sending window), the median p99 latency, and for spoor the
median of the per-round ratios to nginx and Apache. Then the resident
memory each server needs per idle keep-alive connection (10,000 of them).
"""

import argparse
import json
import math
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SPOOR = os.path.join(ROOT, "target", "release", "spoor")
LUA = os.path.join(HERE, "count.lua")
MODULES = "/usr/lib/apache2/modules"
COMBINED = '%h %l %u %t \\"%r\\" %>s %b \\"%{Referer}i\\" \\"%{User-Agent}i\\"'
FILES = {"1k": 1024, "64k": 65536}
CONNECTIONS = 50
# Apache's event MPM runs a request on a thread; with fewer threads per
# process than wrk has connections it closes keep-alive connections when
# every thread is busy (wrk counts read errors). So each of its N processes
# gets more threads than there are connections.
APACHE_THREADS = 64
IDLE_CONNECTIONS = 10_000
NOFILE = 65536


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Server:
    """One server under test: its configuration, process and access log."""

    def __init__(self, name, kind, port, work, workers, variant=None):
        self.name = name
        self.kind = kind
        self.port = port
        self.workers = workers
        self.variant = variant
        self.dir = os.path.join(work, f"{name}-{workers}")
        os.makedirs(os.path.join(self.dir, "logs"), exist_ok=True)
        os.chmod(self.dir, 0o755)
        self.log = os.path.join(self.dir, "logs", "access.log")
        self.docroot = os.path.join(work, "htdocs")
        self.proc = None

    # -- configuration -------------------------------------------------

    def spoor_conf(self):
        lines = [
            f"Listen 127.0.0.1:{self.port}",
            "ServerName bench.test",
            f"DocumentRoot {self.docroot}",
            f"ErrorLog {self.dir}/logs/error.log",
            "KeepAlive On",
            "MaxKeepAliveRequests 0",
            "KeepAliveTimeout 60",
            "Timeout 60",
            f'LogFormat "{COMBINED}" combined',
        ]
        if self.variant != "nolog":
            lines.append(f"CustomLog {self.log} combined")
        if self.variant == "buffered":
            lines.append("BufferedLogs On")
        if self.variant == "forensic":
            lines.append("LoadModule log_forensic_module modules/mod_log_forensic.so")
            lines.append(f"ForensicLog {self.dir}/logs/forensic.log")
        if self.variant == "tracking":
            lines.append("LoadModule usertrack_module modules/mod_usertrack.so")
            lines.append("CookieTracking on")
        return "\n".join(lines) + "\n"

    def nginx_conf(self):
        d = self.dir
        return f"""
user nobody nogroup;
worker_processes {self.workers};
worker_rlimit_nofile {NOFILE};
daemon off;
master_process on;
pid {d}/nginx.pid;
error_log {d}/logs/error.log warn;
events {{ worker_connections 20000; }}
http {{
    default_type application/octet-stream;
    access_log {self.log} combined;
    keepalive_timeout 60s;
    keepalive_requests 100000000;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    server {{
        listen 127.0.0.1:{self.port};
        server_name bench.test;
        root {self.docroot};
    }}
}}
"""

    def apache_conf(self):
        d = self.dir
        n = self.workers
        return f"""
ServerRoot {d}
LoadModule mpm_event_module {MODULES}/mod_mpm_event.so
LoadModule authz_core_module {MODULES}/mod_authz_core.so
User nobody
Group nogroup
DefaultRuntimeDir {d}
PidFile {d}/apache2.pid
ErrorLog {d}/logs/error.log
Listen 127.0.0.1:{self.port}
ServerName bench.test
DocumentRoot {self.docroot}
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 60
Timeout 60
StartServers {n}
ServerLimit {n}
ThreadLimit {APACHE_THREADS}
ThreadsPerChild {APACHE_THREADS}
MaxRequestWorkers {APACHE_THREADS * n}
MinSpareThreads 1
MaxSpareThreads {APACHE_THREADS * (n + 1)}
AsyncRequestWorkerFactor 1000
MaxConnectionsPerChild 0
LogFormat "{COMBINED}" combined
CustomLog {self.log} combined
"""

    # -- process -------------------------------------------------------

    def command(self):
        if self.kind == "spoor":
            conf = os.path.join(self.dir, "spoor.conf")
            with open(conf, "w") as f:
                f.write(self.spoor_conf())
            return [SPOOR, "-d", self.dir, "-f", conf, "--threads", str(self.workers)]
        if self.kind == "nginx":
            os.makedirs(os.path.join(self.dir, "tmp"), exist_ok=True)
            conf = os.path.join(self.dir, "nginx.conf")
            with open(conf, "w") as f:
                f.write(self.nginx_conf())
            return ["nginx", "-p", self.dir, "-c", conf]
        conf = os.path.join(self.dir, "apache2.conf")
        with open(conf, "w") as f:
            f.write(self.apache_conf())
        return ["apache2", "-d", self.dir, "-f", conf, "-D", "FOREGROUND"]

    def check(self):
        """None if the configuration is accepted, else the error text."""
        cmd = self.command() + ["-t"]
        r = subprocess.run(cmd, capture_output=True, text=True)
        return None if r.returncode == 0 else (r.stderr or r.stdout).strip()

    def start(self, cpus):
        cmd = self.command()
        if cpus:
            cmd = ["taskset", "-c", cpus] + cmd
        env = dict(os.environ)
        if self.kind == "apache":
            env["APACHE_RUN_DIR"] = self.dir
        self.err = open(os.path.join(self.dir, "stderr.txt"), "w")
        self.proc = subprocess.Popen(
            cmd, stdout=self.err, stderr=self.err, env=env, start_new_session=True
        )
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start-up; see {self.dir}/stderr.txt")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                # Apache and nginx start their workers after listening.
                time.sleep(0.5)
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not listen on {self.port}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            # Apache's graceful-stop is SIGWINCH; SIGTERM stops all three.
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def pids(self):
        """The server's processes: the one started and its descendants."""
        if not self.proc:
            return []
        children = {}
        for p in os.listdir("/proc"):
            if not p.isdigit():
                continue
            try:
                with open(f"/proc/{p}/stat") as f:
                    st = f.read()
            except OSError:
                continue
            ppid = int(st.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(p))
        out, todo = [], [self.proc.pid]
        while todo:
            p = todo.pop()
            out.append(p)
            todo += children.get(p, [])
        # Skip the taskset wrapper if it is still the parent (it execs).
        return out

    def rss_kib(self):
        total = 0
        for p in self.pids():
            try:
                with open(f"/proc/{p}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1])
            except OSError:
                pass
        return total

    def log_lines(self):
        if self.variant == "nolog":
            return None
        n = 0
        with open(self.log, "rb") as f:
            while True:
                b = f.read(1 << 20)
                if not b:
                    return n
                n += b.count(b"\n")


def parse_wrk(out):
    """The SPOOR_BENCH line bench/count.lua prints at the end of a run."""
    for line in out.splitlines():
        if line.startswith("SPOOR_BENCH "):
            return json.loads(line[len("SPOOR_BENCH "):])
    raise ValueError("wrk printed no SPOOR_BENCH line:\n" + out)


def run_wrk(server, path, window, drain, wrk_threads, cpus):
    """One measured run; returns (req/s, p99 ms, problems)."""
    if server.variant != "nolog":
        os.truncate(server.log, 0)
    cmd = [
        "wrk", f"-t{wrk_threads}", f"-c{CONNECTIONS}", f"-d{math.ceil(window + drain)}s",
        "--timeout", f"{math.ceil(window + drain) + 5}s", "-s", LUA,
        f"http://127.0.0.1:{server.port}{path}",
    ]
    if cpus:
        cmd = ["taskset", "-c", cpus] + cmd
    env = dict(os.environ, SPOOR_BENCH_WINDOW=str(window))
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    res = parse_wrk(r.stdout)
    problems = []
    errors = {k: res[k] for k in ("connect", "read", "write", "status", "timeout") if res[k]}
    if errors:
        problems.append(f"wrk errors {errors}")
    # wrk calls request() once more than it sends, to check the script.
    in_flight = res["sent"] - 1 - res["requests"]
    if in_flight:
        problems.append(f"{in_flight} requests still in flight at the end")
    lines = wait_lines(server, res["requests"])
    if lines is not None and lines != res["requests"]:
        problems.append(f"{lines} log lines for {res['requests']} responses")
    return res["requests"] / window, res["p99_us"] / 1000.0, problems


def wait_lines(server, want, timeout=5.0):
    """The log's line count once it reaches `want` or stops growing."""
    deadline = time.time() + timeout
    last = server.log_lines()
    while last is not None and last != want and time.time() < deadline:
        time.sleep(0.2)
        last = server.log_lines()
    return last


def idle_connections(server, path, count):
    """Opens `count` keep-alive connections, one request each, and leaves
    them open; returns (sockets, RSS KiB before, RSS KiB after)."""
    req = (
        f"GET {path} HTTP/1.1\r\nHost: bench.test\r\nUser-Agent: idle\r\n\r\n"
    ).encode()
    before = server.rss_kib()
    socks = []
    try:
        for _ in range(count):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            s.sendall(req)
            read_response(s)
            socks.append(s)
    except OSError:
        for s in socks:
            s.close()
        raise
    time.sleep(2)
    return socks, before, server.rss_kib()


def read_response(s):
    data = b""
    while b"\r\n\r\n" not in data:
        b = s.recv(65536)
        if not b:
            raise OSError("closed before the response head")
        data += b
    head, body = data.split(b"\r\n\r\n", 1)
    m = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
    need = int(m.group(1)) if m else 0
    while len(body) < need:
        b = s.recv(65536)
        if not b:
            raise OSError("closed inside the body")
        body += b


def median(v):
    return statistics.median(v) if v else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3, help="rounds per row (default 3)")
    ap.add_argument("--window", type=float, default=5, help="seconds of load per run (default 5)")
    ap.add_argument("--drain", type=float, default=1.5, help="quiet seconds after each window")
    ap.add_argument("--workers", default="1,2", help="worker counts (default 1,2)")
    ap.add_argument("--sizes", default="1k,64k", help="files (default 1k,64k)")
    ap.add_argument("--idle", type=int, default=IDLE_CONNECTIONS,
                    help="idle keep-alive connections for the memory test (0: skip)")
    ap.add_argument("--servers", default="",
                    help="comma-separated subset of rows to run (default: all)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    # Stop cleanly (servers stopped, work directory removed) on SIGTERM, and
    # on SIGINT even when started from a shell that ignores it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    signal.signal(signal.SIGINT, signal.default_int_handler)

    global NOFILE
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < NOFILE:
        NOFILE = hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, hard))
    if NOFILE < args.idle + 1000:
        log(f"descriptor limit {NOFILE}: too low for {args.idle} idle connections")
        return 2
    work = tempfile.mkdtemp(prefix="spoor-bench.")
    os.chmod(work, 0o755)
    docroot = os.path.join(work, "htdocs")
    os.makedirs(docroot)
    os.chmod(docroot, 0o755)
    for name, size in FILES.items():
        p = os.path.join(docroot, f"f{name}.bin")
        with open(p, "wb") as f:
            f.write(os.urandom(size))
        os.chmod(p, 0o644)

    ncpu = os.cpu_count() or 1
    workers = [int(w) for w in args.workers.split(",")]
    sizes = args.sizes.split(",")
    results = {}  # (workers, size, name) -> list of (rps, p99)
    problems = []
    skipped = {}
    memory = {}
    started = time.time()
    all_servers = []
    try:
        for n in workers:
            # One CPU: servers on CPU 0, wrk on the other, so each server has
            # exactly one core. Otherwise everything shares all CPUs.
            pin = n == 1 and ncpu >= 2
            scpus, wcpus = ("0", "1") if pin else (None, None)
            wrk_threads = 1 if pin else min(2, ncpu)
            base = 18080 + 10 * n
            servers = [
                Server("spoor", "spoor", base, work, n),
                Server("nginx", "nginx", base + 1, work, n),
                Server("apache", "apache", base + 2, work, n),
                Server("spoor-nolog", "spoor", base + 3, work, n, "nolog"),
                Server("spoor-buffered", "spoor", base + 4, work, n, "buffered"),
                Server("spoor-forensic", "spoor", base + 5, work, n, "forensic"),
                Server("spoor-tracking", "spoor", base + 6, work, n, "tracking"),
            ]
            if args.servers:
                keep = set(args.servers.split(","))
                servers = [s for s in servers if s.name in keep]
            usable = []
            for s in servers:
                err = s.check()
                if err:
                    why = " ".join(err.split())
                    skipped[s.name] = why
                    log(f"skipping {s.name}: {why}")
                    continue
                usable.append(s)
            for s in usable:
                s.start(scpus)
                all_servers.append(s)
            for size in sizes:
                row = usable if size == "1k" else [s for s in usable if s.variant is None]
                for r in range(args.rounds):
                    for s in row:
                        rps, p99, bad = run_wrk(
                            s, f"/f{size}.bin", args.window, args.drain, wrk_threads, wcpus
                        )
                        results.setdefault((n, size, s.name), []).append((rps, p99))
                        tag = f"workers={n} {size} round {r + 1} {s.name}"
                        log(f"{tag}: {rps:,.0f} req/s, p99 {p99:.2f} ms"
                            + (f"  PROBLEM: {'; '.join(bad)}" if bad else ""))
                        problems += [f"{tag}: {b}" for b in bad]
            if n == workers[0] and args.idle:
                for s in usable:
                    if s.variant is not None:
                        continue
                    socks, before, after = idle_connections(s, "/f1k.bin", args.idle)
                    memory[s.name] = (before, after, len(socks))
                    log(f"{s.name}: RSS {before} KiB -> {after} KiB with {len(socks)} idle connections")
                    for k in socks:
                        k.close()
            for s in usable:
                s.stop()
    finally:
        for s in all_servers:
            s.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            log(f"work directory kept: {work}")

    print_report(args, workers, sizes, results, memory, problems, skipped, time.time() - started)
    return 1 if problems else 0


def print_report(args, workers, sizes, results, memory, problems, skipped, elapsed):
    uname = os.uname()
    print(f"\n* spoor bench/compare, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"* machine: {os.cpu_count()} CPUs, Linux {uname.release}, load average at the end "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"* {args.rounds} rounds x {args.window:g} s per server, {CONNECTIONS} connections, "
          f"run took {elapsed:.0f} s\n")
    print("| workers | file | server | req/s (median) | p99 ms (median) | spoor/nginx | spoor/apache |")
    print("|---|---|---|---|---|---|---|")
    for n in workers:
        for size in sizes:
            for name in ["spoor", "nginx", "apache", "spoor-nolog", "spoor-buffered",
                         "spoor-forensic", "spoor-tracking"]:
                v = results.get((n, size, name))
                if not v:
                    continue
                rps = median([x[0] for x in v])
                p99 = median([x[1] for x in v])
                ratios = []
                for other in ("nginx", "apache"):
                    o = results.get((n, size, other))
                    if name.startswith("spoor") and o:
                        ratios.append(f"{median([a[0] / b[0] for a, b in zip(v, o)]):.2f}")
                    else:
                        ratios.append("")
                print(f"| {n} | {size} | {name} | {rps:,.0f} | {p99:.2f} | {ratios[0]} | {ratios[1]} |")
    for n in workers:
        on, off = results.get((n, "1k", "spoor")), results.get((n, "1k", "spoor-nolog"))
        if on and off:
            overhead = median([1 - a[0] / b[0] for a, b in zip(on, off)])
            print(f"\nLogging overhead, workers={n}, 1k: {overhead * 100:.1f}% "
                  "(1 - spoor/spoor-nolog, median of rounds).")
    if memory:
        print("\n| server | RSS before | RSS with idle connections | per connection |")
        print("|---|---|---|---|")
        for name, (before, after, count) in memory.items():
            per = (after - before) * 1024 / count
            print(f"| {name} | {before:,} KiB | {after:,} KiB ({count:,} connections) "
                  f"| {per / 1024:.2f} KiB |")
    for name, why in skipped.items():
        print(f"\n{name}: skipped, the configuration is refused: `{why}`")
    if problems:
        print("\nPROBLEMS (log lines must equal completed responses):")
        for p in problems:
            print(f"  {p}")
    else:
        print("\nEvery run: log lines == completed responses, no request in flight at the end.")


if __name__ == "__main__":
    sys.exit(main())
