#!/usr/bin/env python3
"""Regenerates the Apache httpd expectations used by ../apache_directives.rs.

Not part of the normal test suite: it needs Debian's apache2 (2.4.71 was used)
installed at /usr/sbin/apache2 with its modules in /usr/lib/apache2/modules.

    python3 crates/spoor-log/tests/oracle/apache_oracle.py

What it does, for each time zone in ZONES (UTC, NST3:30 and ACST-9:30):

1. makes a temporary ServerRoot with a small document tree, a password file
   and an httpd.conf that declares one CustomLog per format in FORMATS (each
   format written to the configuration with `"` and `\\` backslashed, so the
   string the log-format parser receives is exactly the FORMATS entry);
2. starts apache2 (event MPM, one child, `-k start`) on 127.0.0.1 at a free
   high port, with TZ set (about 10 s per zone: two cases wait for the 2 s
   Timeout);
3. sends every request of CASES over a raw socket, one case at a time, and
   waits until the last log (`facts`) has the case's records, then takes the
   new bytes of every log as that case's records;
4. stops apache2 through its pid file and removes the temporary directory;
5. writes apache_<zone>.json beside this script.

Known httpd behaviour that the tests do not reproduce: a `%{…}t` whose
strftime result does not fit in 8191 bytes makes httpd print whatever an
earlier item left in its stack buffer (spoor prints nothing), so FORMATS
only has results up to exactly 8191 bytes.

It also runs `apache2 -t` on one-line configurations holding a bad format and
records the message httpd prints (parse_errors.json).

JSON strings hold bytes as Latin-1 code points (U+0000..U+00FF), so any byte
round-trips; the Rust side maps each char back to one byte.

The request facts that differ per run (times, ports, byte counts, ids, pid,
thread id, the file name under the temporary root) come from the `facts`
format, which every record also has; the tests take them from there.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import base64
import struct
import hashlib

APACHE = "/usr/sbin/apache2"
MODDIR = "/usr/lib/apache2/modules"
HERE = os.path.dirname(os.path.abspath(__file__))
ZONES = [("utc", "UTC"), ("nst", "NST3:30"), ("acst", "ACST-9:30")]
TIMEOUT = 2

# name -> the LogFormat string as mod_log_config's parser receives it.
FORMATS = {
    "clf": '%h %l %u %t "%r" %>s %b',
    "combined": '%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"',
    "addr": "%a|%{c}a|%{foo}a|%A|%{c}A|%h|%{c}h|%{foo}h|%l|%v|%V|%H|%m"
    "|%p|%{canonical}p|%{local}p|%{remote}p|%{bogus}p|%{LOCAL}p|%{Remote}p",
    "req": "%r|%>r|%<r|%U|%<U|%>U|%q|%<q|%s|%<s|%>s|%R|%<R|%>R|%b|%B|%X|%k",
    "user": "%u|%<u|%>u|%l",
    "io": "%I|%O|%S|%^FB|%L|%{c}L|%{UNIQUE_ID}e|%D|%T|%{s}T|%{ms}T|%{us}T"
    "|%{MS}T|%{US}T|%{min}T|%>D|%<T",
    "pid": "%P|%{pid}P|%{tid}P|%{hextid}P|%{HEXTID}P|%{Hextid}P|%{TID}P|%{PID}P|%{bogus}P",
    "hdr_in": "%{User-Agent}i|%{user-agent}i|%{X-Multi}i|%{X-Esc}i|%{Missing}i"
    "|%{Referer}i|%{Host}i",
    "hdr_out": "%{Content-Type}o|%{content-type}o|%{Set-Cookie}o|%{set-cookie}o"
    "|%{Content-Length}o|%{Accept-Ranges}o|%{X-Missing}o|%{X-Out}o",
    "cookie": "%{foo}C|%{FOO}C|%{Apache}C|%{a}C|%{c}C|%{x}C",
    "env_note": "%{SPOOR_ENV}e|%{XENV}e|%{missing}e|%{cookie}n|%{Cookie}n"
    "|%{X-Tr}^ti|%{x-tr}^ti|%{X-Tr}^to|%{Missing}n",
    "cond": "%400,501{User-Agent}i|%!200s|%200,304{X-Case}i|%!200,304{X-Case}i"
    "|%404s|%<404s|%!404>s|%{X-Case}!404i|%!!200s|%,200,s|%404{bogus}p"
    "|%!404{min}T|%200b|%304B|%404<U|%200{sec}t",
    "time_basic": "%{usec}t|%t|%{begin}t|%{end}t|%{begin:}t|%{end:}t|%{}t"
    "|%{sec}t|%{msec}t|%{msec_frac}t|%{usec_frac}t|%{begin:sec}t"
    "|%{begin:usec}t|%{end:sec}t|%{end:msec}t|%{end:usec}t|%{end:msec_frac}t"
    "|%{end:usec_frac}t|%{endsec}t|%{beginmsec}t|%{endusec_frac}t"
    "|%{msec_fracx}t|%{sec %H}t|%{end %H}t|%{endfoo}t|%{begin %H}t"
    "|%{begin:%H}t|%{end:%H:%M:%S}t|%{Sec}t|%{endend:sec}t|%{begin:end:sec}t",
    "strftime_all": "%{usec}t|%{%a %A %b %B %c %C %d %D %e %F %g %G %h %H %I %j"
    " %k %l %m %M %n %p %P %r %R %s %S %t %T %u %U %V %w %W %x %X %y %Y %z"
    " %Z %%}t",
    "strftime_flags": "%{usec}t|%{%-d %_m %^a %#a %#p %^B %#B %05Y %10A %-10A"
    " %_5d %-j %-H %-M %_H %0e %-e %#Z %^Z %Ey %EC %Oe %OH %Q %5Q %+ %:z"
    " %^#b %_-d %-_d %03e %_3j %8s %-s %3Z %1a %_Y %-y}t",
    "strftime_edge": "%{usec}t|%{100%}t|%{x %E}t|%{%}t|%{%5}t|%{%-}t"
    "|%{end:%s}t|%{end:%Z %z}t|%{begin:%% %%%}t|%{ %e}t",
    # Only the 304 record carries these (8 KiB each).
    "strftime_long": "%304{%8191Y}t|%304{%8190Y}t|%304{%4000Y}t",
    "lit": 'lit=[\\t|\\\\|\\q|"]|a\\%s\\|\\r|\\n|%%|%%%s|%%%%|tail\\',
    "orig": "%<a|%<{X-Case}i|%<m|%>m|%<H|%<f|%>f|%<{XENV}e|%<{cookie}n|%<L",
}

# (name, list of raw requests sent on one connection in one write)
def _auth(user, pw):
    return base64.b64encode(f"{user}:{pw}".encode()).decode()


def req(first, *headers, case=None, close=True, body=b""):
    lines = [first]
    lines += headers
    if case:
        lines.append(f"X-Case: {case}")
    if close:
        lines.append("Connection: close")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return raw + body


UA = "User-Agent: oracle/1.0"
H = "Host: main.test"
CASES = [
    ("basic", [req("GET /index.html HTTP/1.1", H, UA, "Referer: http://ref.test/x?y", case="basic")]),
    ("query", [req("GET /index.html?a=1&b=%22x%22 HTTP/1.1", H, case="query")]),
    ("query_raw", [req('GET /index.html?q="\\\xe9 HTTP/1.1', H, case="query_raw")]),
    ("bare_q", [req("GET /index.html? HTTP/1.1", H, case="bare_q")]),
    ("uri_escape", [req("GET /a%08%09%0a%0b%0c%0d%1b%7f%80%ff%22%5c%20b HTTP/1.1", H, case="uri_escape")]),
    ("reqline_escape", [req('GET /x"y\\z\xe9\x7f HTTP/1.1', H, case="reqline_escape")]),
    ("hdr_escape", [req("GET /index.html HTTP/1.1", H, 'X-Esc: a"b\\c\xe9\xff\tz ~', case="hdr_escape")]),
    ("multi_header", [req("GET /index.html HTTP/1.1", H, "X-Multi: one", "X-Multi: two", "x-multi: three", case="multi_header")]),
    ("cookie_a", [req("GET /index.html HTTP/1.1", H, "Cookie: a=1; foo = bar baz ; c=3", case="cookie_a")]),
    ("cookie_b", [req("GET /index.html HTTP/1.1", H, "Cookie: FOO=1;foo=2", case="cookie_b")]),
    ("cookie_c", [req("GET /index.html HTTP/1.1", H, "Cookie: foo=a=b", case="cookie_c")]),
    ("cookie_d", [req("GET /index.html HTTP/1.1", H, "Cookie: foo", case="cookie_d")]),
    ("cookie_e", [req("GET /index.html HTTP/1.1", H, "Cookie: foo=", "Cookie: foo=late", case="cookie_e")]),
    ("cookie_f", [req("GET /index.html HTTP/1.1", H, "Cookie: =foo=bar;;c=;x=\"q\\\xe9\"", case="cookie_f")]),
    ("cookie_g", [req("GET /index.html HTTP/1.1", H, "Cookie: foo=bar ;", case="cookie_g")]),
    ("cookie_h", [req("GET /index.html HTTP/1.1", H, "Cookie: foo=;foo=x; a=\t1\t;c= 2 ", case="cookie_h")]),
    ("cookie_i", [req("GET /index.html HTTP/1.1", H, "Cookie: ;;foo=x;;a=b, c=d", case="cookie_i")]),
    ("cookie_j", [req("GET /index.html HTTP/1.1", H, "Cookie: xfoo=1; foox=2; \tfoo\t=\t3", case="cookie_j")]),
    ("cookie_k", [req("GET /index.html HTTP/1.1", H, "Cookie: foo=bar \t; x=1;a=b ;", case="cookie_k")]),
    ("setcookie", [req("GET /cookies.txt HTTP/1.1", H, case="setcookie")]),
    ("head", [req("HEAD /index.html HTTP/1.1", H, case="head")]),
    ("empty", [req("GET /empty.txt HTTP/1.1", H, case="empty")]),
    ("notmod", [req("GET /index.html HTTP/1.1", H, "If-None-Match: *", case="notmod")]),
    ("http10", [req("GET /index.html HTTP/1.0", UA, case="http10", close=False)]),
    ("redirect", [req("GET /ed/missing?z=1 HTTP/1.1", H, case="redirect")]),
    ("auth_ok", [req("GET /auth/index.html HTTP/1.1", H, "Authorization: Basic " + _auth("alice", "secret"), case="auth_ok")]),
    ("auth_bad", [req("GET /auth/index.html HTTP/1.1", H, "Authorization: Basic " + _auth("alice", "wrong"), case="auth_bad")]),
    ("auth_empty", [req("GET /auth/index.html HTTP/1.1", H, "Authorization: Basic " + _auth("", "x"), case="auth_empty")]),
    ("auth_none", [req("GET /auth/index.html HTTP/1.1", H, case="auth_none")]),
    ("remoteip", [req("GET /index.html HTTP/1.1", H, "X-Forwarded-For: 10.1.2.3", case="remoteip")]),
    ("env", [req("GET /index.html HTTP/1.1", H, 'X-Env: v"\\\xe9 x', case="env")]),
    ("track", [req("GET /track/index.html HTTP/1.1", H, "Cookie: Apache=abc.def", case="track")]),
    ("keepalive", [
        req("GET /index.html HTTP/1.1", H, case="keepalive", close=False)
        + req("GET /empty.txt HTTP/1.1", H, case="keepalive", close=False)
        + req("GET /index.html HTTP/1.1", H, case="keepalive"),
    ]),
    ("garbage", [b"GARBAGE\r\n\r\n"]),
    ("dirindex", [req("GET /sub/ HTTP/1.1", H, case="dirindex")]),
    ("trailers", [req("POST /index.html HTTP/1.1", H, "Transfer-Encoding: chunked", case="trailers",
                      body=b"3\r\nabc\r\n0\r\nX-Tr: trailer \"v\"\r\n\r\n")]),
    ("vhost_name", [req("GET /index.html HTTP/1.1", "Host: Other.Test:8080", case="vhost_name")]),
    ("password_uri", [req("GET http://user:pw@main.test/index.html HTTP/1.1", H, case="password_uri")]),
    ("rewrite", [req("GET /rw/x HTTP/1.1", H, case="rewrite")]),
    # Special sending (see SPECIAL): the client resets the connection while
    # a large body is being sent; an idle connection; a stalled request.
    ("aborted", [req("GET /big.bin HTTP/1.1", H, case="aborted")]),
    ("idle408", [b""]),
    ("partial408", [b"GET /index.html HTTP/1.1\r\nHost: main.test\r\n"]),
]
SPECIAL = {"aborted", "idle408", "partial408"}
RECORDS = {"keepalive": 3}

# The facts of each record that a test needs to rebuild it. Tab-separated.
FACTS = "\t".join([
    "%{usec}t", "%D", "%{remote}p", "%{local}p", "%I", "%O", "%^FB", "%L",
    "%{c}L", "%{UNIQUE_ID}e", "%P", "%{tid}P", "%f", "%<f", "%{c}a", "%a",
    "%k", "%>s", "%b", "%{Content-Length}o", "%{end:usec}t", "%<{end:usec}t",
])

BAD_FORMATS = ["%Z", "%^x", "abc %", "%{foo", "%400", "%!", "%<", "%{a}", "%400,",
               "%{foo}Q", "%\xe9", "%\xc3\xa9", "%\x01", '%"', "%\\", "% ", "%\t",
               "%^t", "%^F", "%^FBx", "%^", "%{x}^", "%{x}!200", "%>"]


def conf_quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


MODULES = [
    ("mpm_event_module", "mod_mpm_event.so"),
    ("authz_core_module", "mod_authz_core.so"),
    ("authn_core_module", "mod_authn_core.so"),
    ("authn_file_module", "mod_authn_file.so"),
    ("auth_basic_module", "mod_auth_basic.so"),
    ("authz_user_module", "mod_authz_user.so"),
    ("mime_module", "mod_mime.so"),
    ("dir_module", "mod_dir.so"),
    ("unique_id_module", "mod_unique_id.so"),
    ("setenvif_module", "mod_setenvif.so"),
    ("env_module", "mod_env.so"),
    ("headers_module", "mod_headers.so"),
    ("remoteip_module", "mod_remoteip.so"),
    ("usertrack_module", "mod_usertrack.so"),
    ("rewrite_module", "mod_rewrite.so"),
]


def base_conf(root, port):
    lines = [f'ServerRoot "{root}"', f"Listen 127.0.0.1:{port}"]
    lines += [f"LoadModule {n} {MODDIR}/{f}" for n, f in MODULES]
    lines += [
        f'PidFile "{root}/httpd.pid"',
        f'ErrorLog "{root}/error.log"',
        f'DefaultRuntimeDir "{root}"',
        "LogLevel info",
        'ErrorLogFormat "[%t] [%l] [%L] [%{c}L] %M"',
        "User nobody",
        "Group nogroup",
        "ServerName main.test",
        "StartServers 1",
        "ServerLimit 1",
        "ThreadLimit 8",
        "ThreadsPerChild 8",
        "MaxRequestWorkers 8",
        "MinSpareThreads 1",
        "MaxSpareThreads 16",
    ]
    return lines


def write_tree(root):
    os.chmod(root, 0o755)
    d = os.path.join(root, "htdocs")
    for sub in ["", "sub", "ed", "auth", "track", "rw"]:
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    files = {
        "index.html": b"<p>spoor oracle</p>\n",
        "err.html": b"<p>error document</p>\n",
        "cookies.txt": b"two cookies\n",
        "empty.txt": b"",
        "sub/index.html": b"<p>sub</p>\n",
        "auth/index.html": b"<p>auth</p>\n",
        "track/index.html": b"<p>track</p>\n",
    }
    files["big.bin"] = b"x" * (64 << 20)
    for name, data in files.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    sha = base64.b64encode(hashlib.sha1(b"secret").digest()).decode()
    with open(os.path.join(root, "passwd"), "w") as f:
        f.write(f"alice:{{SHA}}{sha}\n")
    with open(os.path.join(root, "mime.types"), "w") as f:
        f.write("text/html html\ntext/plain txt\n")


def server_conf(root, port):
    lines = base_conf(root, port)
    lines += [
        f'DocumentRoot "{root}/htdocs"',
        f'TypesConfig "{root}/mime.types"',
        "AddCharset utf-8 .txt",
        "DirectoryIndex index.html",
        "HttpProtocolOptions Unsafe",
        "KeepAlive On",
        "MaxKeepAliveRequests 100",
        "LogIOTrackTTFB On",
        f"Timeout {TIMEOUT}",
        # Accept idle connections at once (no TCP_DEFER_ACCEPT), for idle408.
        "AcceptFilter http none",
        f'<Directory "{root}/htdocs/rw">',
        "  RewriteEngine On",
        "  RewriteRule ^ /nonexist-errdoc",
        "</Directory>",
        "RemoteIPHeader X-Forwarded-For",
        "RemoteIPInternalProxy 127.0.0.1",
        'SetEnv SPOOR_ENV "env \\"value\\" \\\\ x"',
        'SetEnvIf X-Env "^(.*)$" XENV=$1',
        '<Files "cookies.txt">',
        '  Header add Set-Cookie "a=1"',
        '  Header add Set-Cookie "b=2; Path=/"',
        '  Header set X-Out "out\\"put"',
        "</Files>",
        '<Location "/ed/">',
        "  ErrorDocument 404 /err.html",
        "</Location>",
        '<Location "/auth/">',
        "  AuthType Basic",
        '  AuthName "oracle"',
        "  AuthBasicProvider file",
        f'  AuthUserFile "{root}/passwd"',
        "  Require valid-user",
        "</Location>",
        '<Location "/track/">',
        "  CookieTracking on",
        "</Location>",
    ]
    for name, fmt in FORMATS.items():
        lines.append(f"LogFormat {conf_quote(fmt)} {name}")
        lines.append(f'CustomLog "{root}/logs/{name}.log" {name}')
    lines.append(f"LogFormat {conf_quote(FACTS)} facts")
    lines.append(f'CustomLog "{root}/logs/facts.log" facts')
    os.makedirs(os.path.join(root, "logs"), exist_ok=True)
    return "\n".join(lines) + "\n"


def send(port, raw):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(raw)
    s.settimeout(10)
    data = b""
    while True:
        try:
            b = s.recv(65536)
        except socket.timeout:
            break
        if not b:
            break
        data += b
    s.close()
    return data


def send_special(port, case, raw):
    s = socket.create_connection(("127.0.0.1", port))
    if case == "aborted":
        s.sendall(raw)
        s.recv(4096)
        # Close with a reset while httpd is still writing the body.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
        return b""
    s.sendall(raw)
    s.settimeout(TIMEOUT + 10)
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    s.close()
    return data


def count_lines(path):
    with open(path, "rb") as f:
        return f.read().count(b"\n")


def run_zone(tzname):
    root = tempfile.mkdtemp(prefix="spoor-oracle-")
    port = free_port()
    try:
        write_tree(root)
        conf = os.path.join(root, "httpd.conf")
        with open(conf, "w", encoding="latin-1") as f:
            f.write(server_conf(root, port))
        env = dict(os.environ, TZ=tzname, LANG="C", LC_ALL="C")
        subprocess.run([APACHE, "-f", conf, "-d", root, "-k", "start"], env=env, check=True)
        pidfile = os.path.join(root, "httpd.pid")
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                if os.path.exists(pidfile):
                    break
            except OSError:
                pass
            time.sleep(0.1)
        names = list(FORMATS) + ["facts"]
        paths = {n: os.path.join(root, "logs", n + ".log") for n in names}
        offsets = {n: 0 for n in names}
        per_record_lf = {}
        records = []
        total = 0
        for case, raws in CASES:
            n = RECORDS.get(case, 1)
            if case in SPECIAL:
                responses = [send_special(port, case, raw) for raw in raws]
            else:
                responses = [send(port, raw) for raw in raws]
            total += n
            for _ in range(200):
                if count_lines(paths["facts"]) >= total:
                    break
                time.sleep(0.05)
            else:
                raise SystemExit(f"case {case}: no log record")
            chunk = {}
            for name in names:
                with open(paths[name], "rb") as f:
                    f.seek(offsets[name])
                    data = f.read()
                offsets[name] += len(data)
                lf = per_record_lf.setdefault(name, data.count(b"\n") // n)
                parts = data.split(b"\n")
                recs = []
                for i in range(n):
                    recs.append(b"\n".join(parts[i * lf:(i + 1) * lf]))
                chunk[name] = recs
            for i in range(n):
                # The temporary ServerRoot is replaced by a fixed name so the
                # committed JSON holds no machine-specific path.
                lines = {name: chunk[name][i].decode("latin-1").replace(root, "/oracle-root")
                         for name in names}
                facts = dict(zip(
                    ["begin_us", "duration_us", "remote_port", "local_port", "bytes_in",
                     "bytes_out", "ttfb_us", "log_id", "conn_log_id", "unique_id", "pid",
                     "tid", "filename", "orig_filename", "client_ip", "useragent_ip",
                     "keepalives", "status", "bytes_sent", "content_length", "end_us",
                     "orig_end_us"],
                    lines["facts"].split("\t")))
                records.append({"case": case, "index": i, "facts": facts, "lines": lines})
            if case == "basic":
                records[-1]["response_head"] = responses[0].split(b"\r\n\r\n")[0].decode("latin-1")
        return records, port
    finally:
        pidfile = os.path.join(root, "httpd.pid")
        try:
            with open(pidfile) as f:
                pid = int(f.read().strip())
            os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                try:
                    os.kill(pid, 0)
                except OSError:
                    break
                time.sleep(0.1)
        except (OSError, ValueError):
            pass
        shutil.rmtree(root, ignore_errors=True)


def parse_errors():
    out = []
    root = tempfile.mkdtemp(prefix="spoor-oracle-t-")
    try:
        os.chmod(root, 0o755)
        for fmt in BAD_FORMATS:
            conf = os.path.join(root, "httpd.conf")
            lines = base_conf(root, free_port()) + [f"LogFormat {conf_quote(fmt)} bad"]
            with open(conf, "w", encoding="latin-1") as f:
                f.write("\n".join(lines) + "\n")
            p = subprocess.run([APACHE, "-t", "-f", conf, "-d", root],
                               capture_output=True, env=dict(os.environ, LANG="C", LC_ALL="C"))
            text = (p.stderr + p.stdout).decode("latin-1")
            # The message is the line after "Syntax error on line N of FILE:".
            msg = None
            tl = text.splitlines()
            for i, line in enumerate(tl):
                if "Syntax error on line" in line and i + 1 < len(tl):
                    msg = tl[i + 1]
            out.append({"format": fmt, "ok": p.returncode == 0, "message": msg})
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return out


def main():
    version = subprocess.run([APACHE, "-v"], capture_output=True).stdout.decode().splitlines()[0]
    for tag, tz in ZONES:
        records, _ = run_zone(tz)
        doc = {
            "generated_by": "crates/spoor-log/tests/oracle/apache_oracle.py",
            "apache": version,
            "tz": tz,
            "formats": FORMATS,
            "facts_format": FACTS,
            "records": records,
        }
        with open(os.path.join(HERE, f"apache_{tag}.json"), "w") as f:
            json.dump(doc, f, indent=1, ensure_ascii=True)
            f.write("\n")
        print(f"{tz}: {len(records)} records", file=sys.stderr)
    with open(os.path.join(HERE, "parse_errors.json"), "w") as f:
        json.dump({"apache": version, "errors": parse_errors()}, f, indent=1, ensure_ascii=True)
        f.write("\n")


if __name__ == "__main__":
    main()
