#!/usr/bin/env python3
"""spoor against nginx, Apache httpd, h2o, lighttpd, Caddy and a floor.

Run through `bench/compare` (which installs the servers and wrk and builds
spoor). Every server serves the same static files from one directory and
writes an access log to a file in the closest format it offers to
Apache's combined (Caddy: its JSON lines). For each worker count (1 and 2)
the servers are started once, and for each load shape wrk runs against
each server of the shape's row group in alternating rounds (A B C A B C
...). After every run each access log must hold exactly one line per
response wrk completed (the forensic log two): wrk stops sending at the
end of the measurement window and lets the connections go quiet before it
exits (bench/count.lua), so no request is in flight when it stops.

The floor (bench/floor.c, built here with cc) answers every request with
a fixed response from memory and parses nothing: the cost of loopback TCP
alone, the limit no server can pass.

Printed per row: the median requests/s over the rounds (completed
responses / sending window), the median p99 latency, the server's user
and system CPU per request (its processes' utime and stime, before and
after each run), and for spoor's rows the medians of the per-round ratios
to the floor and to each peer. Then the resident memory each server needs
per idle keep-alive connection. See BENCHMARKS.md.
"""

import argparse
import json
import math
import os
import pwd
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
FLOOR_SRC = os.path.join(HERE, "floor.c")
FLOOR = os.path.join(ROOT, "target", "bench-floor")
LUA = os.path.join(HERE, "count.lua")
MODULES = "/usr/lib/apache2/modules"
# Apache's combined and Debian's vhost_combined (the format of the
# other_vhosts_access.log every stock Debian Apache writes besides a site's
# own access.log), as LogFormat arguments.
COMBINED = '%h %l %u %t \\"%r\\" %>s %b \\"%{Referer}i\\" \\"%{User-Agent}i\\"'
VHOST_COMBINED = ('%v:%p %h %l %u %t \\"%r\\" %>s %O '
                  '\\"%{Referer}i\\" \\"%{User-Agent}i\\"')
PLAIN_COMBINED = COMBINED.replace('\\"', '"')
FILES = {"1k": 1024, "64k": 65536, "1m": 1 << 20}
# Apache's event MPM runs a request on a thread; with fewer threads per
# process than wrk has connections it closes keep-alive connections when
# every thread is busy (wrk counts read errors, and the log holds lines for
# responses wrk never read). So each of its N processes gets more threads
# than the largest shape of the run has connections (main() raises this).
APACHE_THREADS = 64
IDLE_CONNECTIONS = 8_000
NOFILE = 65536
LOG_WAIT = 6.0  # lighttpd flushes its buffered log at least every 4 s


class Shape:
    """One load shape: a row group of every table."""

    def __init__(self, name, file, conns, desc, close=False, pipeline=1, real=False):
        self.name = name
        self.file = file
        self.conns = conns
        self.desc = desc
        self.close = close
        self.pipeline = pipeline
        self.real = real


SHAPES = {
    s.name: s for s in [
        Shape("1k", "1k", 50, "50 keep-alive connections, 1 KiB file, combined log"),
        Shape("c1000", "1k", 1000, "1,000 keep-alive connections, 1 KiB file"),
        Shape("close", "1k", 50, "one request per connection (Connection: close), 1 KiB",
              close=True),
        Shape("pipe16", "1k", 50, "16 requests pipelined per connection, 1 KiB",
              pipeline=16),
        Shape("1m", "1m", 50, "50 keep-alive connections, 1 MiB file"),
        Shape("64k", "64k", 50, "50 keep-alive connections, 64 KiB file"),
        Shape("real", "1k", 50, "the realistic site: two access logs (+ forensic log "
              "and tracking cookie where the server has them), 1 KiB", real=True),
    ]
}
DEFAULT_SHAPES = "1k,c1000,close,pipe16,1m,real"
# Rows: (name, kind, variant). The plain rows run in every shape except
# "real"; the variants only in "1k", except spoor-buffered, which runs
# wherever the plain rows do (lighttpd buffers its log: spoor-buffered is
# the like-for-like row beside it); the -real rows only in "real".
PEERS = ["nginx", "h2o", "lighttpd", "apache", "caddy"]
PLAIN = [("spoor", "spoor", None), ("floor", "floor", None)] + [(p, p, None) for p in PEERS]
VARIANTS = [
    ("spoor-nolog", "spoor", "nolog"),
    ("spoor-buffered", "spoor", "buffered"),
    ("spoor-forensic", "spoor", "forensic"),
    ("spoor-tracking", "spoor", "tracking"),
    ("nginx-nolog", "nginx", "nolog"),
]
REAL = [(f"{k}-real", k, "real") for k in ["spoor", "nginx", "h2o", "apache", "caddy"]]
NOT_REAL = {
    "lighttpd": "lighttpd 1.4.69 writes one access log per request (a conditional "
                "accesslog.filename replaces the outer one) and has no tracking-cookie "
                "module: no realistic row",
    "floor": "the floor has no logs: spoor-real/floor uses the floor's 1k run of the round",
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Server:
    """One server under test: its configuration, process and logs."""

    def __init__(self, name, kind, variant, port, work, workers):
        self.name = name
        self.kind = kind
        self.variant = variant
        self.port = port
        self.workers = workers
        self.dir = os.path.join(work, f"{name}-{workers}")
        self.logs_dir = os.path.join(self.dir, "logs")
        os.makedirs(self.logs_dir, exist_ok=True)
        os.chmod(self.dir, 0o755)
        self.docroot = os.path.join(work, "htdocs")
        self.proc = None

    def log_path(self, name):
        return os.path.join(self.logs_dir, name)

    def logs(self):
        """(path, lines per response) of every log the line check counts."""
        if self.kind == "floor" or self.variant == "nolog":
            return []
        out = [(self.log_path("access.log"), 1)]
        if self.variant == "real":
            out.append((self.log_path("vhosts.log"), 1))
        if self.variant in ("forensic", "real") and self.kind in ("spoor", "apache"):
            # "+id|request" before, "-id" after.
            out.append((self.log_path("forensic.log"), 2))
        return out

    def port_for(self, shape):
        """The floor answers each shape on a port of its own (it parses
        nothing, so it cannot tell a file or a Connection header apart)."""
        if self.kind != "floor":
            return self.port
        if shape.close:
            return self.port + 1
        return self.port + {"1k": 0, "1m": 2, "64k": 3}[shape.file]

    # -- configuration -------------------------------------------------

    def apache_style(self):
        """The directives spoor and Apache share (spoor reads httpd's
        configuration language)."""
        d = self.logs_dir
        mods = MODULES if self.kind == "apache" else "modules"
        lines = [f'LogFormat "{COMBINED}" combined']
        if self.variant != "nolog":
            lines.append(f"CustomLog {d}/access.log combined")
        if self.variant == "buffered":
            lines.append("BufferedLogs On")
        if self.variant in ("forensic", "real"):
            lines.append(f"LoadModule log_forensic_module {mods}/mod_log_forensic.so")
            lines.append(f"ForensicLog {d}/forensic.log")
        if self.variant in ("tracking", "real"):
            lines.append(f"LoadModule usertrack_module {mods}/mod_usertrack.so")
            lines.append("CookieTracking on")
        if self.variant == "real":
            lines.append(f'LogFormat "{VHOST_COMBINED}" vhost_combined')
            lines.append(f"CustomLog {d}/vhosts.log vhost_combined")
        return lines

    def spoor_conf(self):
        lines = [
            f"Listen 127.0.0.1:{self.port}",
            "ServerName bench.test",
            f"DocumentRoot {self.docroot}",
            f"ErrorLog {self.logs_dir}/error.log",
            "KeepAlive On",
            "MaxKeepAliveRequests 0",
            "KeepAliveTimeout 60",
            "Timeout 60",
        ] + self.apache_style()
        return "\n".join(lines) + "\n"

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
""" + "\n".join(self.apache_style()) + "\n"

    def nginx_conf(self):
        d = self.dir
        logs = self.logs_dir
        if self.variant == "nolog":
            access = "access_log off;"
        elif self.variant == "real":
            # userid: nginx's counterpart of mod_usertrack (a cookie set on
            # every response to a request that carries none, as wrk's).
            access = f"""
    log_format vhost_combined '$host:$server_port $remote_addr - $remote_user [$time_local] '
                              '"$request" $status $bytes_sent "$http_referer" "$http_user_agent"';
    access_log {logs}/access.log combined;
    access_log {logs}/vhosts.log vhost_combined;
    userid on;
    userid_name Apache;
    userid_path /;"""
        else:
            access = f"access_log {logs}/access.log combined;"
        return f"""
user nobody nogroup;
worker_processes {self.workers};
worker_rlimit_nofile {NOFILE};
daemon off;
master_process on;
pid {d}/nginx.pid;
error_log {logs}/error.log warn;
events {{ worker_connections 20000; }}
http {{
    default_type application/octet-stream;
    {access}
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

    def h2o_conf(self):
        # h2o writes each record with its own write(2) (unbuffered). An
        # access-log at the global level and another at the host level
        # both apply: that is how h2o writes two logs.
        logs = self.logs_dir
        combined = PLAIN_COMBINED.replace("'", "''")
        host_log = ""
        if self.variant == "real":
            # h2o has no %O (bytes sent with the head): %b in its place.
            vhost = VHOST_COMBINED.replace('\\"', '"').replace("%O", "%b").replace("'", "''")
            host_log = f"""
    access-log:
      path: {logs}/vhosts.log
      format: '{vhost}'"""
        return f"""
listen:
  host: 127.0.0.1
  port: {self.port}
num-threads: {self.workers}
max-connections: {NOFILE - 100}
user: nobody
error-log: {logs}/error.log
access-log:
  path: {logs}/access.log
  format: '{combined}'
hosts:
  "bench.test":{host_log}
    paths:
      /:
        file.dir: {self.docroot}
"""

    def lighttpd_conf(self):
        # mod_accesslog buffers records (8 KiB, written when the logged
        # second changes and every 4 s); 1.4.69 has no switch to write
        # each record as it completes, short of a piped logger.
        logs = self.logs_dir
        combined = PLAIN_COMBINED.replace('"', '\\"')
        return f"""
server.modules = ("mod_accesslog")
server.document-root = "{self.docroot}"
server.bind = "127.0.0.1"
server.port = {self.port}
server.username = "nobody"
server.groupname = "nogroup"
server.errorlog = "{logs}/error.log"
server.max-keep-alive-requests = 65535
server.max-keep-alive-idle = 60
server.max-read-idle = 60
server.max-fds = {NOFILE}
server.max-connections = {NOFILE // 2 - 100}
server.max-worker = {self.workers if self.workers > 1 else 0}
accesslog.filename = "{logs}/access.log"
accesslog.format = "{combined}"
"""

    def caddy_conf(self):
        # Caddy's access log is zap's JSON, one line and one write(2) per
        # request; it has no CLF encoder in the standard build. Two custom
        # logs that both include the access logger give two files.
        logs = self.logs_dir
        access = {"access": f"{logs}/access.log"}
        if self.variant == "real":
            access["vhosts"] = f"{logs}/vhosts.log"
        custom = {
            "default": {"exclude": ["http.log.access"], "level": "WARN",
                        "writer": {"output": "stderr"}},
        }
        for k, path in access.items():
            custom[k] = {"include": ["http.log.access"], "encoder": {"format": "json"},
                         "writer": {"output": "file", "filename": path, "roll": False}}
        handle = [{"handler": "file_server", "root": self.docroot}]
        if self.variant == "real":
            # No usertrack in Caddy: a cookie with the request's UUID on every
            # response stands in for it (wrk never sends the cookie back).
            handle.insert(0, {"handler": "headers", "response": {
                "set": {"Set-Cookie": ["Apache={http.request.uuid}; path=/"]}}})
        conf = {
            "admin": {"disabled": True, "config": {"persist": False}},
            "storage": {"module": "file_system", "root": os.path.join(self.dir, "data")},
            "logging": {"logs": custom},
            "apps": {"http": {"servers": {"bench": {
                "listen": [f"127.0.0.1:{self.port}"],
                "automatic_https": {"disable": True},
                "logs": {"default_logger_name": "bench"},
                "idle_timeout": "60s",
                "routes": [{"handle": handle}],
            }}}},
        }
        return json.dumps(conf, indent=1)

    # -- process -------------------------------------------------------

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def command(self):
        k, n = self.kind, str(self.workers)
        if k == "spoor":
            conf = self.write("spoor.conf", self.spoor_conf())
            return [SPOOR, "-d", self.dir, "-f", conf, "--threads", n]
        if k == "nginx":
            os.makedirs(os.path.join(self.dir, "tmp"), exist_ok=True)
            conf = self.write("nginx.conf", self.nginx_conf())
            return ["nginx", "-p", self.dir, "-c", conf]
        if k == "apache":
            conf = self.write("apache2.conf", self.apache_conf())
            return ["apache2", "-d", self.dir, "-f", conf, "-D", "FOREGROUND"]
        if k == "h2o":
            return ["h2o", "-c", self.write("h2o.conf", self.h2o_conf())]
        if k == "lighttpd":
            # lighttpd opens its logs after giving up root.
            nobody = pwd.getpwnam("nobody")
            os.chown(self.logs_dir, nobody.pw_uid, nobody.pw_gid)
            return ["lighttpd", "-D", "-f", self.write("lighttpd.conf", self.lighttpd_conf())]
        if k == "caddy":
            return ["caddy", "run", "--config", self.write("caddy.json", self.caddy_conf())]
        p = self.port
        return [FLOOR, n, f"{p}:1024", f"{p + 1}:1024:close", f"{p + 2}:{1 << 20}",
                f"{p + 3}:65536"]

    def check_command(self):
        cmd = self.command()
        k = self.kind
        if k in ("spoor", "nginx", "apache"):
            return cmd + ["-t"]
        if k == "h2o":
            return ["h2o", "-t"] + cmd[1:]
        if k == "lighttpd":
            return ["lighttpd", "-tt", "-f", cmd[-1]]
        if k == "caddy":
            return ["caddy", "validate", "--config", cmd[-1]]
        return None

    def env(self):
        env = dict(os.environ)
        if self.kind == "apache":
            env["APACHE_RUN_DIR"] = self.dir
        if self.kind == "caddy":
            env.update(GOMAXPROCS=str(self.workers), HOME=self.dir,
                       XDG_DATA_HOME=os.path.join(self.dir, "data"),
                       XDG_CONFIG_HOME=os.path.join(self.dir, "config"))
        return env

    def check(self):
        """None if the configuration is accepted, else the error text."""
        cmd = self.check_command()
        if cmd is None:
            return None
        r = subprocess.run(cmd, capture_output=True, text=True, env=self.env())
        return None if r.returncode == 0 else (r.stderr or r.stdout).strip()

    def start(self, cpus):
        cmd = self.command()
        if cpus:
            cmd = ["taskset", "-c", cpus] + cmd
        self.err = open(os.path.join(self.dir, "stderr.txt"), "w")
        self.proc = subprocess.Popen(
            cmd, stdout=self.err, stderr=self.err, env=self.env(), start_new_session=True
        )
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start-up; see {self.dir}/stderr.txt")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                # Apache, nginx and lighttpd start their workers after
                # listening.
                time.sleep(0.5)
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not listen on {self.port}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            # SIGTERM stops every one of them (Apache's graceful stop would
            # be SIGWINCH).
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def pids(self):
        """The server's processes: the one started and its descendants
        (taskset execs the server, so it is the one started)."""
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
        return out

    def cpu_ticks(self):
        """utime and stime, in clock ticks, summed over the processes (each
        process's figures cover all its threads)."""
        user = system = 0
        for p in self.pids():
            try:
                with open(f"/proc/{p}/stat") as f:
                    st = f.read()
            except OSError:
                continue
            fields = st[st.rindex(")") + 2:].split()
            user += int(fields[11])
            system += int(fields[12])
        return user, system

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


def count_lines(path):
    n = 0
    with open(path, "rb") as f:
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


def run_wrk(server, shape, window, drain, wrk_threads, cpus):
    """One measured run; returns (result dict, problems)."""
    for path, _ in server.logs():
        os.truncate(path, 0)
    secs = math.ceil(window + drain)
    cmd = [
        "wrk", f"-t{wrk_threads}", f"-c{shape.conns}", f"-d{secs}s",
        "--timeout", f"{secs + 5}s", "-s", LUA,
        f"http://127.0.0.1:{server.port_for(shape)}/f{shape.file}.bin",
    ]
    if cpus:
        cmd = ["taskset", "-c", cpus] + cmd
    env = dict(os.environ, SPOOR_BENCH_WINDOW=str(window),
               SPOOR_BENCH_PIPELINE=str(shape.pipeline),
               SPOOR_BENCH_CLOSE="1" if shape.close else "0")
    tick = os.sysconf("SC_CLK_TCK")
    cpu0 = server.cpu_ticks()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    cpu1 = server.cpu_ticks()
    res = parse_wrk(r.stdout)
    problems = []
    errors = {k: res[k] for k in ("connect", "read", "write", "status", "timeout") if res[k]}
    if errors:
        problems.append(f"wrk errors {errors}")
    # wrk calls request() once more than it sends, to check the script
    # (and learn the pipeline depth).
    in_flight = res["sent"] - res["depth"] - res["requests"]
    if in_flight:
        problems.append(f"{in_flight} requests still in flight at the end")
    for path, per in server.logs():
        want = res["requests"] * per
        lines = wait_lines(path, want)
        if lines != want:
            problems.append(f"{lines} lines in {os.path.basename(path)} for "
                            f"{res['requests']} responses (want {want})")
    n = max(res["requests"], 1)
    out = {
        "rps": res["requests"] / window,
        # Pipelined, wrk records one latency per batch of responses and its
        # coordinated-omission correction (which assumes one response per
        # sample) then fills the histogram with made-up samples: its
        # percentiles mean nothing there (and can come out as 0).
        "p99": res["p99_us"] / 1000.0 if res["p99_us"] and shape.pipeline == 1
        else float("nan"),
        "user": (cpu1[0] - cpu0[0]) / tick / n * 1e6,
        "sys": (cpu1[1] - cpu0[1]) / tick / n * 1e6,
    }
    return out, problems


def wait_lines(path, want, timeout=LOG_WAIT):
    """The log's line count once it reaches `want` or the time is up."""
    deadline = time.time() + timeout
    last = count_lines(path)
    while last != want and time.time() < deadline:
        time.sleep(0.2)
        last = count_lines(path)
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


def free_port_block(size):
    """The first port of `size` consecutive ports on 127.0.0.1 that nothing
    listens on now, tried from a random start between 10000 and the
    kernel's ephemeral range. Inside that range a server's port can be the
    local port of one of wrk's own connections (or of the thousands the
    close shape leaves in TIME_WAIT), and the server then fails to bind:
    it happened to a whole spoor row."""
    import random
    low = 32768
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        pass
    top = max(low, 10000 + 2 * size)
    for _ in range(50):
        base = random.randrange(10000, top - size, 100)
        if all(port_free(p) for p in range(base, base + size)):
            return base
    raise SystemExit("bench/compare: no block of free ports found")


def port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def median(v):
    v = [x for x in v if not math.isnan(x)]
    return statistics.median(v) if v else float("nan")


def build_floor():
    """Compiles bench/floor.c when the binary is missing or older."""
    if os.path.exists(FLOOR) and os.path.getmtime(FLOOR) >= os.path.getmtime(FLOOR_SRC):
        return None
    os.makedirs(os.path.dirname(FLOOR), exist_ok=True)
    r = subprocess.run(["cc", "-O2", "-pthread", "-o", FLOOR, FLOOR_SRC],
                       capture_output=True, text=True)
    return None if r.returncode == 0 else f"cc failed: {r.stderr.strip()}"


def raise_nofile():
    """Raises the descriptor limit to NOFILE or the hard limit, whichever
    is lower, and sets NOFILE to it (the servers' configurations use it)."""
    global NOFILE
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < NOFILE:
        NOFILE = hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, hard))


def rows_for(shape, names):
    if shape.real:
        rows = REAL
    elif shape.name == "1k":
        rows = PLAIN + VARIANTS
    else:
        rows = PLAIN + [v for v in VARIANTS if v[0] == "spoor-buffered"]
    return [r for r in rows if r[0] in names]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3, help="rounds per row (default 3)")
    ap.add_argument("--window", type=float, default=2,
                    help="seconds of load per run (default 2)")
    ap.add_argument("--drain", type=float, default=1,
                    help="quiet seconds after each window (default 1)")
    ap.add_argument("--workers", default="1,2", help="worker counts (default 1,2)")
    ap.add_argument("--shapes", default=DEFAULT_SHAPES,
                    help=f"load shapes, of {','.join(SHAPES)} (default {DEFAULT_SHAPES})")
    ap.add_argument("--idle", type=int, default=IDLE_CONNECTIONS,
                    help=f"idle keep-alive connections for the memory test "
                         f"(default {IDLE_CONNECTIONS}; 0: skip)")
    all_names = [r[0] for r in PLAIN + VARIANTS + REAL]
    ap.add_argument("--servers", default="",
                    help="comma-separated rows to run (default: all): " + ",".join(all_names))
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    # Stop cleanly (servers stopped, work directory removed) on SIGTERM, and
    # on SIGINT even when started from a shell that ignores it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    signal.signal(signal.SIGINT, signal.default_int_handler)

    shapes = []
    for name in args.shapes.split(","):
        if name not in SHAPES:
            log(f"unknown shape {name!r}; shapes: {', '.join(SHAPES)}")
            return 2
        shapes.append(SHAPES[name])
    names = set(args.servers.split(",")) if args.servers else set(all_names)
    unknown = names - set(all_names)
    if unknown:
        log(f"unknown rows {', '.join(sorted(unknown))}; rows: {', '.join(all_names)}")
        return 2
    skipped = {}
    err = build_floor() if "floor" in names else None
    if err:
        skipped["floor"] = err
        names.discard("floor")

    raise_nofile()
    if NOFILE < args.idle + 1000 or NOFILE // 2 - 100 < args.idle:
        log(f"descriptor limit {NOFILE}: too low for {args.idle} idle connections "
            "(lighttpd takes at most half its limit)")
        return 2
    global APACHE_THREADS
    APACHE_THREADS = max(APACHE_THREADS, max(s.conns for s in shapes) + 24)
    workers = [int(w) for w in args.workers.split(",")]
    runs = sum(len(rows_for(s, names)) for s in shapes) * args.rounds * len(workers)
    log(f"{runs} runs of {math.ceil(args.window + args.drain)} s: about "
        f"{runs * (math.ceil(args.window + args.drain) + 0.2) / 60:.0f} minutes"
        + (" plus the memory test" if args.idle else ""))

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
    results = {}  # (workers, shape, name) -> list of per-round dicts
    problems = []
    memory = {}
    started = time.time()
    all_servers = []
    # Ports: a block of free ones chosen per run, so two runs at once (or
    # anything else listening) do not answer each other's wrk.
    port_base = free_port_block(800)
    try:
        for n in workers:
            # One worker: servers on CPU 0, wrk on the other, so each server
            # has exactly one core. Otherwise everything shares all CPUs.
            pin = n == 1 and ncpu >= 2
            scpus, wcpus = ("0", "1") if pin else (None, None)
            wrk_threads = 1 if pin else min(2, ncpu)
            wanted = {r for s in shapes for r in rows_for(s, names)}
            servers = {}
            port = port_base + 200 * n
            for name, kind, variant in PLAIN + VARIANTS + REAL:
                if (name, kind, variant) not in wanted:
                    continue
                s = Server(name, kind, variant, port, work, n)
                port += 5  # the floor takes four
                err = s.check()
                if err:
                    why = " ".join(err.split())
                    skipped[name] = why
                    log(f"skipping {name}: {why}")
                    continue
                servers[name] = s
            for name, s in list(servers.items()):
                all_servers.append(s)
                try:
                    s.start(scpus)
                except RuntimeError as e:
                    with open(os.path.join(s.dir, "stderr.txt")) as f:
                        why = " ".join(f.read().split())[-300:]
                    skipped[name] = f"{e}: {why}"
                    log(f"skipping {name}: {skipped[name]}")
                    s.stop()
                    del servers[name]
            for shape in shapes:
                row = [servers[r[0]] for r in rows_for(shape, names) if r[0] in servers]
                for r in range(args.rounds):
                    for s in row:
                        res, bad = run_wrk(s, shape, args.window, args.drain,
                                           wrk_threads, wcpus)
                        results.setdefault((n, shape.name, s.name), []).append(res)
                        tag = f"workers={n} {shape.name} round {r + 1} {s.name}"
                        log(f"{tag}: {res['rps']:,.0f} req/s, p99 {res['p99']:.2f} ms, "
                            f"CPU {res['user']:.1f}+{res['sys']:.1f} us/req"
                            + (f"  PROBLEM: {'; '.join(bad)}" if bad else ""))
                        problems += [f"{tag}: {b}" for b in bad]
            if n == workers[0] and args.idle:
                for s in servers.values():
                    if s.variant is not None:
                        continue
                    # A fresh process: after the 1,000-connection shape a
                    # server already holds what its first 1,000 connections
                    # need, and the test would not see it.
                    s.stop()
                    s.start(scpus)
                    socks, before, after = idle_connections(s, "/f1k.bin", args.idle)
                    memory[s.name] = (before, after, len(socks))
                    log(f"{s.name}: RSS {before} KiB -> {after} KiB with "
                        f"{len(socks)} idle connections")
                    for k in socks:
                        k.close()
            for s in servers.values():
                s.stop()
    finally:
        for s in all_servers:
            s.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            log(f"work directory kept: {work}")

    print_report(args, workers, shapes, names, results, memory, problems, skipped,
                 time.time() - started)
    return 1 if problems else 0


def fmt(x, spec):
    return "" if math.isnan(x) else format(x, spec)


def ratio(results, key_a, key_b):
    a, b = results.get(key_a), results.get(key_b)
    if not a or not b:
        return ""
    return fmt(median([x["rps"] / y["rps"] for x, y in zip(a, b) if y["rps"]]), ".2f")


def print_report(args, workers, shapes, names, results, memory, problems, skipped, elapsed):
    uname = os.uname()
    print(f"\n* spoor bench/compare, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"* machine: {os.cpu_count()} CPUs, Linux {uname.release}, load average at the end "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"* {args.rounds} rounds x {args.window:g} s per row, run took {elapsed:.0f} s")
    for shape in shapes:
        print(f"* {shape.name}: {shape.desc}")
    others = ["floor"] + PEERS
    print()
    print("| workers | shape | server | req/s | p99 ms | user µs/req | sys µs/req | "
          + " | ".join(f"spoor/{o}" for o in others) + " |")
    print("|---|---|---|---|---|---|---|" + "---|" * len(others))
    for n in workers:
        for shape in shapes:
            for name, _, _ in rows_for(shape, names):
                v = results.get((n, shape.name, name))
                if not v:
                    continue
                cells = [
                    f"{median([x['rps'] for x in v]):,.0f}",
                    fmt(median([x["p99"] for x in v]), ".2f"),
                    fmt(median([x["user"] for x in v]), ".2f"),
                    fmt(median([x["sys"] for x in v]), ".2f"),
                ]
                for o in others:
                    if not name.startswith("spoor"):
                        cells.append("")
                        continue
                    if shape.real:
                        # The floor has no logs to add: its 1k run is the limit.
                        peer = (n, "1k", "floor") if o == "floor" else (n, shape.name, f"{o}-real")
                    else:
                        peer = (n, shape.name, o)
                    cells.append(ratio(results, (n, shape.name, name), peer))
                print(f"| {n} | {shape.name} | {name} | " + " | ".join(cells) + " |")
    for n in workers:
        for server in ("spoor", "nginx"):
            on, off = results.get((n, "1k", server)), results.get((n, "1k", f"{server}-nolog"))
            if on and off:
                overhead = median([1 - a["rps"] / b["rps"] for a, b in zip(on, off)])
                print(f"\nLogging overhead, workers={n}, 1k, {server}: {overhead * 100:.1f}% "
                      f"(1 - {server}/{server}-nolog, median of rounds).")
    if memory:
        print("\n| server | RSS before | RSS with idle connections | per connection |")
        print("|---|---|---|---|")
        for name, (before, after, count) in memory.items():
            per = (after - before) * 1024 / count
            print(f"| {name} | {before:,} KiB | {after:,} KiB ({count:,} connections) "
                  f"| {per / 1024:.2f} KiB |")
    if any(s.real for s in shapes):
        for name, why in NOT_REAL.items():
            if name in names:
                print(f"\n{name}: {why}.")
    for name, why in skipped.items():
        print(f"\n{name}: skipped: `{why}`")
    if problems:
        print("\nPROBLEMS (log lines must equal completed responses):")
        for p in problems:
            print(f"  {p}")
    else:
        print("\nEvery run: log lines == completed responses (forensic: twice), "
              "no request in flight at the end.")


if __name__ == "__main__":
    sys.exit(main())
