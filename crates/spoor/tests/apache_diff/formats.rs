//! The shared configuration: document tree, LogFormat strings, the logs
//! that use them, virtual hosts and the optional directive groups.
//!
//! Every format is a list of items joined by `\t` (the log-format parser
//! turns it into a TAB), so a masked field can be found by its index: a TAB
//! in a logged value is always escaped as `\t`, so only the format's own
//! separators split a line.

/// One LogFormat under test.
pub struct Fmt {
    /// Nickname; the main server logs it to `logs/f_<name>.log`.
    pub name: &'static str,
    /// The format as the log-format parser receives it.
    pub text: String,
    /// Indices of the TAB-separated fields that differ per process.
    pub masked: Vec<usize>,
    /// Indices of fields holding a random id: its value is masked, but
    /// `-` (no id) must still match.
    pub ids: Vec<usize>,
    /// Indices of fields holding a forensic id: replaced by the number the
    /// harness gives that id in the case (the same in every log), so equal
    /// ids must stay equal.
    pub fids: Vec<usize>,
}

/// Items; a leading `~` marks a field that is masked (times, durations,
/// pids, per-process byte counts), a leading `?` a random id, a leading `#`
/// a forensic id.
fn fmt(name: &'static str, items: &[&str]) -> Fmt {
    let mut masked = Vec::new();
    let mut ids = Vec::new();
    let mut fids = Vec::new();
    let mut parts = Vec::new();
    for (i, it) in items.iter().enumerate() {
        if let Some(rest) = it.strip_prefix('#') {
            fids.push(i);
            parts.push(rest.to_string());
        } else if let Some(rest) = it.strip_prefix('~') {
            masked.push(i);
            parts.push(rest.to_string());
        } else if let Some(rest) = it.strip_prefix('?') {
            ids.push(i);
            parts.push(rest.to_string());
        } else {
            parts.push(it.to_string());
        }
    }
    Fmt {
        name,
        text: parts.join("\\t"),
        masked,
        ids,
        fids,
    }
}

/// A format given verbatim (no field masks; the CLF time, the ServerRoot
/// and the port are masked on every line anyway).
fn raw(name: &'static str, text: &str) -> Fmt {
    Fmt {
        name,
        text: text.to_string(),
        masked: Vec::new(),
        ids: Vec::new(),
        fids: Vec::new(),
    }
}

/// Every format under test, each in its own log of the main server (which
/// the virtual hosts without logs of their own inherit).
pub fn formats() -> Vec<Fmt> {
    vec![
        raw("clf_like", "%h %l %u %t \"%r\" %>s %b"),
        raw(
            "combined_like",
            "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\"",
        ),
        fmt(
            "vhost_combined_like",
            &["%v:%p %h %l %u %t \"%r\" %>s", "~%O"],
        ),
        fmt(
            "addr",
            &[
                "%a", "%{c}a", "%{foo}a", "%A", "%{c}A", "%h", "%{c}h", "%{foo}h", "%l",
            ],
        ),
        fmt(
            "names",
            &[
                "%v",
                "%V",
                "%H",
                "%m",
                "%p",
                "%{canonical}p",
                "%{local}p",
                "%{LOCAL}p",
                "%{bogus}p",
                "~%{Remote}p",
                "~%{remote}p",
            ],
        ),
        fmt("reqline", &["%r", "%>r", "%<r", "%m", "%H", "%q", "%<q"]),
        fmt("uri", &["%U", "%<U", "%>U", "%q", "%f"]),
        fmt("status", &["%s", "%<s", "%>s", "%<>s", "%!200s"]),
        fmt("bytes", &["%b", "%B", "%<b", "%>B"]),
        fmt("conn", &["%X", "%k", "%<k", "%{Connection}i"]),
        fmt("user", &["%u", "%<u", "%>u", "%l", "%{Authorization}i"]),
        fmt("handler", &["%R", "%<R", "%>R", "%^FB"]),
        fmt("log_ids", &["?%L", "?%{c}L", "?%<L", "%>s"]),
        fmt("bytes_in", &["%I"]),
        fmt("io_masked", &["~%O", "~%S", "%>s"]),
        fmt(
            "durations",
            &[
                "~%D", "~%T", "~%{s}T", "~%{ms}T", "~%{us}T", "~%{MS}T", "%{min}T", "~%>D", "~%<T",
            ],
        ),
        fmt(
            "pids",
            &["~%P", "~%{pid}P", "~%{tid}P", "~%{hextid}P", "%{bogus}P"],
        ),
        fmt(
            "hdr_in",
            &[
                "%{User-Agent}i",
                "%{user-agent}i",
                "%{Referer}i",
                "%{Host}i",
                "%{Accept}i",
                "%{Missing}i",
            ],
        ),
        fmt(
            "hdr_in2",
            &[
                "%{X-Multi}i",
                "%{X-Esc}i",
                "%{Content-Length}i",
                "%{Transfer-Encoding}i",
                "%{Range}i",
                "%{If-None-Match}i",
                "%{If-Modified-Since}i",
                "%{X-Case}i",
            ],
        ),
        fmt(
            "hdr_out",
            &[
                "%{Content-Type}o",
                "%{content-type}o",
                "%{Content-Length}o",
                "%{Accept-Ranges}o",
                "%{X-Missing}o",
            ],
        ),
        // No %{Allow}o: apache2 lists the methods in an order that changes
        // from run to run (SPOOR_DIFF_SELF=1 showed it).
        fmt(
            "hdr_out_cond",
            &["%{Last-Modified}o", "%{Content-Range}o", "%{Location}o"],
        ),
        fmt(
            "hdr_out_extra",
            &[
                "%{ETag}o",
                "%{Connection}o",
                "%{Keep-Alive}o",
                "%{Vary}o",
                "%{Transfer-Encoding}o",
                "%{Set-Cookie}o",
            ],
        ),
        fmt("hdr_out_server", &["%{Server}o", "~%{Date}o"]),
        fmt(
            "cookie",
            &[
                "%{foo}C",
                "%{FOO}C",
                "%{a}C",
                "%{c}C",
                "%{x}C",
                "%{sess}C",
                "%{Cookie}i",
            ],
        ),
        fmt(
            "env",
            &[
                "%{SPOOR_ENV}e",
                "%{XENV}e",
                "%{is_bot}e",
                "%{is_curl}e",
                "%{is_txt}e",
                "%{via_two}e",
                "%{missing}e",
                "%{HTTP_HOST}e",
            ],
        ),
        fmt(
            "notes",
            &["%{nosuch}n", "%{error-notes}n", "%{X-Tr}^ti", "%{X-Tr}^to"],
        ),
        fmt(
            "cond_status",
            &[
                "%400,501{User-Agent}i",
                "%!200s",
                "%404s",
                "%<404s",
                "%!404>s",
                "%!!200s",
                "%,200,s",
                "%404{bogus}p",
            ],
        ),
        fmt(
            "cond_items",
            &[
                "%200,304{X-Case}i",
                "%!200,304{X-Case}i",
                "%{X-Case}!404i",
                "%200b",
                "%304B",
                "%404<U",
                "%!404{min}T",
                "%206,416{Range}i",
            ],
        ),
        fmt(
            "time_masked",
            &[
                "~%t",
                "~%{sec}t",
                "~%{msec}t",
                "~%{usec}t",
                "~%{msec_frac}t",
                "~%{usec_frac}t",
                "~%{begin}t",
                "~%{end}t",
                "~%{end:sec}t",
                "~%{endsec}t",
                "~%{begin:%H:%M:%S}t",
                "~%{%s}t",
            ],
        ),
        fmt("time_tokens", &["%{msec_fracx}t", "%{Sec}t", "%{endfoo}t"]),
        fmt(
            "time_date",
            &[
                "%{%Y}t",
                "%{begin:%Y-%m}t",
                "%{end:%Y}t",
                "%{%Z %z}t",
                "%{%%}t",
                "%{%C %y %G}t",
                "%{%F}t",
                "%{%b %B %h}t",
            ],
        ),
        fmt(
            "strftime_day",
            &[
                "%{%a %A %d %e %j %m %u %w %U %V %W %D %x}t",
                "%{end:%a %d}t",
            ],
        ),
        fmt(
            "strftime_flags",
            &[
                "%{%-d %_m %^a %#a %^B %#B %05Y %10A %-10A %_5d %-j %0e %-e}t",
                "%{%#Z %^Z %Ey %EC %Oe %:z %Q}t",
            ],
        ),
        fmt(
            "strftime_odd",
            &[
                "%{x %E}t",
                "%{%}t",
                "%{%-}t",
                "%{begin:%% %%%}t",
                "%{ %e}t",
                "%{100%}t",
            ],
        ),
        raw(
            "literal",
            "lit=[\\t|\\\\|\\q|\"]|a\\%s\\|%%|%%%s|%%%%|tail\\",
        ),
        raw("literal_cr", "cr\\rx|%>s"),
        raw("literal_nl", "first %>s\\nsecond %U"),
        raw("no_items", "constant text only"),
        fmt(
            "orig_final",
            &[
                "%<a",
                "%<{X-Case}i",
                "%<m",
                "%>m",
                "%<H",
                "%<f",
                "%>f",
                "%<v",
                "%>V",
            ],
        ),
        fmt(
            "mixed_mods",
            &[
                "%<>s",
                "%><s",
                "%!!!404s",
                "%{a}{b}p",
                "%{Host}200i",
                "%200{Host}i",
                "%{Host}!200,404i",
            ],
        ),
        raw(
            "quoted_all",
            "\"%r\" \"%U%q\" \"%{User-Agent}i\" \"%{Referer}i\" \"%{Cookie}i\"",
        ),
        raw(
            "json_like",
            "{\"h\":\"%h\",\"s\":%>s,\"u\":\"%U\",\"q\":\"%q\",\"v\":\"%v\"}",
        ),
        fmt("file", &["%f", "%<f", "%>f", "%{Content-Type}o"]),
        fmt(
            "errdoc",
            &[
                "%<s",
                "%>s",
                "%<U",
                "%>U",
                "%<q",
                "%q",
                "%<f",
                "%>f",
                "%<m",
                "%m",
                "%{REDIRECT_STATUS}e",
                "%{REDIRECT_REQUEST_METHOD}e",
                "%{REDIRECT_SPOOR_ENV}e",
                "%<{SPOOR_ENV}e",
                "%{ED_LOCAL}e",
                "%{REDIRECT_ED_LOCAL}e",
                "%<b",
                "%b",
                "%<B",
                "%B",
                "%<{Content-Type}o",
                "%{Content-Type}o",
                "%<{Content-Length}o",
                "%{Content-Length}o",
                "%<R",
                "%R",
                "%{Location}o",
            ],
        ),
        fmt(
            "perdir",
            &[
                "%>s",
                "%U",
                "%f",
                "%R",
                "%{PD_LOC}e",
                "%{PD_UA}e",
                "%{PD_FILES}e",
                "%{PD_DIR}e",
                "%{PD_VH}e",
            ],
        ),
        // mod_log_forensic's note and mod_unique_id's variable: the same id
        // as the forensic log's records.
        fmt(
            "forensic",
            &[
                "#%{forensic-id}n",
                "#%<{forensic-id}n",
                "#%>{forensic-id}n",
                "#%{UNIQUE_ID}e",
                "%>s",
            ],
        ),
    ]
}

/// 1,024 bytes that repeat only every 251.
fn kib() -> Vec<u8> {
    (0..1024u32).map(|i| (i % 251) as u8).collect()
}

/// The small document tree (path under htdocs, content).
pub fn docs() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("index.html", b"<h1>spoor differential test</h1>\n".to_vec()),
        ("1k.bin", kib()),
        ("empty.txt", Vec::new()),
        ("sub/index.html", b"<p>sub index</p>\n".to_vec()),
        ("sub/page.txt", b"a page in sub\n".to_vec()),
        ("with space.txt", b"space\n".to_vec()),
        ("100%.txt", b"percent\n".to_vec()),
        ("caf\u{e9}.txt", b"utf-8 name\n".to_vec()),
        ("noindex/file.txt", b"no index here\n".to_vec()),
        ("a.png", vec![0x89, b'P', b'N', b'G', 13, 10, 26, 10]),
        ("noext", b"no extension\n".to_vec()),
        ("UPPER.HTML", b"<p>upper</p>\n".to_vec()),
        ("dots.tar.gz", b"not really\n".to_vec()),
        ("pd/index.html", b"pd index\n".to_vec()),
        ("pd/second.html", b"pd second\n".to_vec()),
        ("pd/page.txt", b"pd page\n".to_vec()),
        ("pd/a.secret", b"secret\n".to_vec()),
        ("pd/deny/file.txt", b"denied\n".to_vec()),
        ("pd/sub/index.html", b"pd sub index\n".to_vec()),
        ("pd/sub/page.txt", b"pd sub page\n".to_vec()),
        ("pd/grant/x.secret", b"granted by location\n".to_vec()),
        ("pd/idx/idx.secret", b"index file\n".to_vec()),
        ("pd/x.pd", b"pd typed\n".to_vec()),
        ("pd/x.txt.pdx", b"pd typed twice\n".to_vec()),
        ("pd/x.pd.txt", b"text last\n".to_vec()),
        // The range-limit sections (group DIFF_RANGES).
        ("mr/f.bin", kib()),
        ("mr/none/f.bin", kib()),
        ("mr/unl/f.bin", kib()),
        ("mr/dflt/f.bin", kib()),
        ("mr/one/f.bin", kib()),
        ("mr/ov/f.bin", kib()),
        ("mr/x.r5", kib()),
    ]
}

/// The TypesConfig file.
pub const MIME_TYPES: &str = "# types for the differential test\n\
text/html html htm\n\
text/plain txt\n\
image/png png\n\
application/octet-stream bin\n\
application/gzip gz\n";

/// Optional directive groups, each in `<IfDefine NAME>`. Both servers get
/// `-D NAME` for a group only if `spoor -t` accepts the configuration with
/// it; a refused group is a failure of its own and is left out of the run
/// for both servers.
pub const GROUPS: &[&str] = &[
    "DIFF_ENV",
    "DIFF_ACCESS",
    "DIFF_LIMITS",
    "DIFF_ERRDOC",
    "DIFF_SYMLINKS",
    "DIFF_RANGES",
    "DIFF_ALIAS",
    "DIFF_MIME",
    "DIFF_AUTOINDEX",
    "DIFF_AUTHZ",
    "DIFF_AUTH",
    "DIFF_NEGOTIATION",
    "DIFF_DEFLATE",
];

fn conf_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The configuration text shared by both servers. `port` goes into the one
/// line that differs between them (`Define DIFF_PORT`).
pub fn config(port: u16, modules: &str) -> String {
    let mut c = String::new();
    c.push_str(&format!(
        "# Differential test configuration, read unchanged by apache2 and spoor.\n\
         # The next line differs between the two servers (so does DIFF_SL,\n         # apache_diff/symlinks.rs).\n\
         Define DIFF_PORT {port}\n\
         \n\
         # Both servers, started as root, serve as nobody.\n\
         User nobody\n\
         Group nogroup\n\
         \n\
         # apache2-only (-D APACHE): the MPM, runtime files and\n\
         # the error log. spoor has no such modules or refuses ErrorLog as\n\
         # not supported yet; none of them touches the access logs.\n\
         <IfDefine APACHE>\n\
         LoadModule mpm_event_module {modules}/mod_mpm_event.so\n\
         DefaultRuntimeDir run\n\
         PidFile run/apache2.pid\n\
         ErrorLog run/error.log\n\
         StartServers 1\n\
         ServerLimit 1\n\
         ThreadLimit 8\n\
         ThreadsPerChild 8\n\
         MaxRequestWorkers 8\n\
         MinSpareThreads 1\n\
         MaxSpareThreads 16\n\
         </IfDefine>\n\
         \n\
         # Modules spoor implements natively: the same lines for both.\n\
         LoadModule mime_module {modules}/mod_mime.so\n\
         LoadModule dir_module {modules}/mod_dir.so\n\
         LoadModule setenvif_module {modules}/mod_setenvif.so\n\
         LoadModule env_module {modules}/mod_env.so\n\
         LoadModule log_forensic_module {modules}/mod_log_forensic.so\n\
         LoadModule unique_id_module {modules}/mod_unique_id.so\n\
         LoadModule authz_core_module {modules}/mod_authz_core.so\n\
         \n\
         Listen 127.0.0.1:${{DIFF_PORT}}\n\
         Listen 127.0.0.2:${{DIFF_PORT}}\n\
         ServerName main.test\n\
         DocumentRoot htdocs\n\
         TypesConfig conf/mime.types\n\
         KeepAlive On\n\
         MaxKeepAliveRequests 100\n\
         KeepAliveTimeout 5\n\
         Timeout 3\n\
         UseCanonicalName Off\n\
         HostnameLookups Off\n\
         \n\
         # The main server's default format and nicknames.\n\
         LogFormat \"MAIN-DEFAULT %v %U %>s\"\n\
         LogFormat \"%h %l %u %t \\\"%r\\\" %>s %b\" common\n\
         LogFormat \"%h %l %u %t \\\"%r\\\" %>s %b \\\"%{{Referer}}i\\\" \\\"%{{User-Agent}}i\\\"\" combined\n\
         LogFormat \"MAIN-VHNICK %v %U\" vhnick\n\
         CustomLog logs/common.log common\n\
         CustomLog logs/combined.log combined\n\
         CustomLog logs/clf_builtin.log CLF\n\
         CustomLog logs/vhnick.log vhnick\n\
         CustomLog logs/inline.log \"inline %h %>s %U%q\"\n\
         CustomLog logs/undefined_nick.log undefinednick\n\
         CustomLog logs/never_unset.log \"%U %>s\" env=!DIFF_NEVER_SET\n\
         CustomLog logs/never_set.log \"%U %>s\" env=DIFF_NEVER_SET\n\
         TransferLog logs/transfer.log\n\
         # Every request, whatever its server: the harness counts these lines.\n\
         GlobalLog logs/sync.log \"%v %>s %U\"\n\
         GlobalLog logs/global_common.log common\n\
         # mod_log_forensic: virtual hosts without their own inherit the\n\
         # name (each opens its own descriptor).\n\
         ForensicLog logs/forensic.log\n\
         \n"
    ));
    for f in formats() {
        c.push_str(&format!(
            "LogFormat {} {}\nCustomLog logs/f_{}.log {}\n",
            conf_quote(&f.text),
            f.name,
            f.name,
            f.name
        ));
    }
    c.push_str(
        "\n\
         # a.test comes first, so it is the default for unknown Host names on\n\
         # 127.0.0.1. No logs of its own: it uses the main server's, with its\n\
         # own default format for the TransferLog.\n\
         <VirtualHost 127.0.0.1:${DIFF_PORT}>\n\
         ServerName a.test\n\
         ServerAlias www.a.test *.wild.test\n\
         LogFormat \"A-DEFAULT %v %V %U %>s\"\n\
         # The base server of 127.0.0.1: its head limits apply to every\n\
         # name-based host there.\n\
         <IfDefine DIFF_LIMITS>\n\
         LimitRequestLine 700\n\
         LimitRequestFieldSize 600\n\
         LimitRequestFields 15\n\
         </IfDefine>\n\
         </VirtualHost>\n\
         \n\
         # b.test has logs of its own: only the GlobalLogs of the main server\n\
         # apply; its `common` replaces the main server's.\n\
         <VirtualHost 127.0.0.1:${DIFF_PORT}>\n\
         ServerName b.test\n\
         # Wildcard aliases: `?` is one character, case is ignored, and\n\
         # `[` is a plain character (httpd only treats `*` and `?`).\n\
         ServerAlias b?.alias.test *.UPPER.test [bc].br.test\n\
         DocumentRoot htdocs/sub\n\
         LogFormat \"B-DEFAULT %v %U %>s %b\"\n\
         LogFormat \"B-COMMON %h %>s %U\" common\n\
         CustomLog logs/b.log \"%v|%V|%U|%q|%>s|%b|%f\"\n\
         CustomLog logs/b_common.log common\n\
         TransferLog logs/b_transfer.log\n\
         ForensicLog logs/b_forensic.log\n\
         </VirtualHost>\n\
         \n\
         # c.test: no logs, redefines the nickname vhnick (httpd 2.4.63+:\n\
         # the shared main-server log takes this definition).\n\
         <VirtualHost 127.0.0.1:${DIFF_PORT}>\n\
         ServerName c.test:8080\n\
         ServerAlias c2.test\n\
         LogFormat \"C-VHNICK %v %p %U\" vhnick\n\
         TraceEnable Off\n\
         </VirtualHost>\n\
         \n\
         <VirtualHost 127.0.0.1:${DIFF_PORT}>\n\
         ServerName d.test\n\
         CustomLog logs/d.log combined\n\
         CustomLog logs/d_vhnick.log vhnick\n\
         CustomLog logs/d_perdir.log \"%>s %U %f %{PD_LOC}e %{PD_VH}e %{PD_FILES}e\"\n\
         <IfDefine DIFF_ACCESS>\n\
         <Location /pd/sub>\n\
         SetEnv PD_VH vh\n\
         Require all denied\n\
         </Location>\n\
         DirectoryIndex second.html\n\
         AddType text/x-d-vhost .pd\n\
         </IfDefine>\n\
         <IfDefine DIFF_ERRDOC>\n\
         ErrorDocument 404 \"d.test has no such page\"\n\
         </IfDefine>\n\
         <IfDefine DIFF_ENV>\n\
         CustomLog logs/d_bots.log \"%{User-Agent}i\" env=is_bot\n\
         </IfDefine>\n\
         </VirtualHost>\n\
         \n\
         # Named exactly as a Host that a.test's `*.wild.test` alias takes:\n\
         # httpd tries each host in order, name and aliases together, so\n\
         # a.test (earlier) wins and this one never serves x.wild.test.\n\
         <VirtualHost 127.0.0.1:${DIFF_PORT}>\n\
         ServerName x.wild.test\n\
         </VirtualHost>\n\
         \n\
         # Optional groups (see GROUPS in the harness).\n\
         <IfDefine DIFF_ENV>\n\
         SetEnv SPOOR_ENV \"env \\\"value\\\" \\\\ x\"\n\
         SetEnvIf User-Agent \"^bot\" is_bot\n\
         SetEnvIf X-Env \"^(.*)$\" XENV=$1\n\
         SetEnvIfNoCase Referer \"evil\" bad_ref\n\
         BrowserMatch \"curl\" is_curl\n\
         BrowserMatchNoCase \"msie\" is_msie\n\
         SetEnvIf Request_URI \"\\.txt$\" is_txt\n\
         SetEnvIf Remote_Addr \"^127\\.0\\.0\\.1$\" via_one\n\
         SetEnvIf Server_Addr \"^127\\.0\\.0\\.2$\" via_two\n\
         CustomLog logs/env_bots.log \"%{User-Agent}i %U\" env=is_bot\n\
         CustomLog logs/env_nobots.log \"%U\" env=!is_bot\n\
         CustomLog logs/env_txt.log common env=is_txt\n\
         CustomLog logs/env_badref.log \"%{Referer}i\" env=bad_ref\n\
         GlobalLog logs/env_global.log \"%{is_curl}e|%{is_msie}e|%{XENV}e|%{via_one}e|%{via_two}e\" env=!is_bot\n\
         </IfDefine>\n\
         \n\
         <IfDefine DIFF_ACCESS>\n\
         # Debian's pattern: everything refused, the document tree granted\n\
         # (a regex section, so no absolute path is needed).\n\
         <Directory />\n\
         Options FollowSymLinks\n\
         Require all denied\n\
         </Directory>\n\
         <DirectoryMatch \"/htdocs\">\n\
         Require all granted\n\
         </DirectoryMatch>\n\
         <Location \"/noindex/\">\n\
         Require all denied\n\
         </Location>\n\
         <Location /pd>\n\
         SetEnv PD_LOC loc\n\
         SetEnvIf User-Agent \"^(curl|bot)\" PD_UA=$1\n\
         DirectoryIndex none.html second.html index.html\n\
         </Location>\n\
         <LocationMatch \"^/pd/deny\">\n\
         Require all denied\n\
         </LocationMatch>\n\
         <Files \"*.secret\">\n\
         Require all denied\n\
         </Files>\n\
         <FilesMatch \"^page\\.\">\n\
         SetEnv PD_FILES page\n\
         </FilesMatch>\n\
         <DirectoryMatch \"/pd/sub\">\n\
         SetEnv PD_DIR sub\n\
         UnsetEnv PD_LOC\n\
         DirectoryIndex disabled\n\
         </DirectoryMatch>\n\
         AddType Text/X-PD .pd PDX\n\
         <Location /pd/sub>\n\
         AddType text/x-pd-sub txt\n\
         </Location>\n\
         <Location /pd/grant>\n\
         Require all granted\n\
         </Location>\n\
         <Files \"idx.secret\">\n\
         Require all granted\n\
         </Files>\n\
         </IfDefine>\n\
         \n\
         <IfDefine DIFF_LIMITS>\n\
         LimitRequestLine 1000\n\
         LimitRequestFieldSize 1000\n\
         LimitRequestFields 20\n\
         LimitRequestBody 20\n\
         <Location /lrb>\n\
         LimitRequestBody 5\n\
         </Location>\n\
         # Not the default for 127.0.0.1: its head limits never apply.\n\
         <VirtualHost 127.0.0.1:${DIFF_PORT}>\n\
         ServerName lim-big.test\n\
         LimitRequestLine 2000\n\
         LimitRequestFieldSize 2000\n\
         LimitRequestFields 50\n\
         LimitRequestBody 100\n\
         </VirtualHost>\n\
         <VirtualHost 127.0.0.1:${DIFF_PORT}>\n\
         ServerName lim-off.test\n\
         LimitRequestBody 0\n\
         KeepAlive Off\n\
         </VirtualHost>\n\
         <VirtualHost 127.0.0.1:${DIFF_PORT}>\n\
         ServerName lim-max.test\n\
         MaxKeepAliveRequests 2\n\
         KeepAliveTimeout 4\n\
         </VirtualHost>\n\
         </IfDefine>\n\
         \n\
         # Range limits: the main server keeps httpd's defaults (200\n\
         # ranges, 20 overlaps, 20 reversals); ranges.test sets its own,\n\
         # and its sections change them again.\n\
         <IfDefine DIFF_RANGES>\n\
         <VirtualHost 127.0.0.1:${DIFF_PORT}>\n\
         ServerName ranges.test\n\
         MaxRanges 3\n\
         MaxRangeOverlaps 2\n\
         MaxRangeReversals 1\n\
         <DirectoryMatch \"/htdocs/mr/none\">\n\
         MaxRanges none\n\
         </DirectoryMatch>\n\
         <DirectoryMatch \"/htdocs/mr/unl\">\n\
         MaxRanges unlimited\n\
         MaxRangeOverlaps Unlimited\n\
         MaxRangeReversals UNLIMITED\n\
         </DirectoryMatch>\n\
         <DirectoryMatch \"/htdocs/mr/dflt\">\n\
         MaxRanges default\n\
         MaxRangeOverlaps default\n\
         MaxRangeReversals default\n\
         </DirectoryMatch>\n\
         <Location /mr/one>\n\
         MaxRanges 1\n\
         </Location>\n\
         <Location /mr/ov>\n\
         MaxRangeOverlaps none\n\
         MaxRangeReversals none\n\
         </Location>\n\
         <Files \"*.r5\">\n\
         MaxRangeOverlaps 5\n\
         MaxRangeReversals 5abc\n\
         </Files>\n\
         </VirtualHost>\n\
         # A third address whose default host has httpd's default head\n\
         # limits, so that a field of 900 ranges can be read.\n\
         Listen 127.0.0.3:${DIFF_PORT}\n\
         <VirtualHost 127.0.0.3:${DIFF_PORT}>\n\
         ServerName big.test\n\
         LimitRequestLine 8190\n\
         LimitRequestFieldSize 8190\n\
         LimitRequestFields 100\n\
         <Location /mr/unl>\n\
         MaxRanges unlimited\n\
         MaxRangeOverlaps unlimited\n\
         </Location>\n\
         </VirtualHost>\n\
         </IfDefine>\n\
         \n\
         <IfDefine DIFF_ERRDOC>\n\
         ErrorDocument 404 /sub/index.html\n\
         ErrorDocument 405 \"No such method here\"\n\
         ErrorDocument 501 http://elsewhere.test/501?x=1\n\
         <Location /ed/>\n\
         ErrorDocument 404 /missing-errdoc.html\n\
         ErrorDocument 403 \"Denied, says the text\"\n\
         </Location>\n\
         <Location /ed/local/>\n\
         ErrorDocument 404 /pd/page.txt?from=ed\n\
         SetEnv ED_LOCAL yes\n\
         </Location>\n\
         <Location /ed/deny>\n\
         Require all denied\n\
         </Location>\n\
         <Location /ed/deny2>\n\
         Require all denied\n\
         ErrorDocument 403 /ed/deny/target.html\n\
         </Location>\n\
         <Location /ed/dir>\n\
         ErrorDocument 404 /sub/\n\
         ErrorDocument 403 default\n\
         </Location>\n\
         </IfDefine>\n",
    );
    c
}
