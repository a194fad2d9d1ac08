//! Differences from httpd 2.4.71 the suite knows about and spoor still has.
//!
//! Each entry names a case (exactly as in `cases.rs`) with the reason, and
//! for every log of that case that differs, the one stretch where it
//! differs: apache's text and the text spoor is expected to write instead
//! (whole fields, after the harness's masks; several lines of one log are
//! joined with `\n`). A listed (case, log) passes only when its logs
//! differ in exactly that stretch, so any other change in a listed case
//! still fails, and so does a listed difference that no longer shows: the
//! list only shrinks. Every entry is a bug to fix (or a deviation listed
//! in ARCHITECTURE.md): fix it, then delete the entry. The run prints a
//! `known.rs draft:` line for each unlisted difference.

/// One case whose logs differ from apache2's in known ways.
pub struct KnownCase {
    /// The case name, as in `cases.rs`.
    pub case: &'static str,
    /// Why spoor differs.
    pub why: &'static str,
    /// `(log file, apache's text, spoor's text)` for each differing log.
    pub logs: &'static [(&'static str, &'static str, &'static str)],
}

/// One known (case, log) difference.
#[derive(Clone, Copy)]
pub struct Known {
    /// The case name.
    pub case: &'static str,
    /// The log file name.
    pub log: &'static str,
    /// The stretch of apache2's log that differs.
    pub apache: &'static str,
    /// What spoor writes in its place.
    pub spoor: &'static str,
    /// Why (the case's reason).
    pub why: &'static str,
}

/// Every listed (case, log) difference.
pub fn all() -> impl Iterator<Item = Known> {
    KNOWN.iter().flat_map(|k| {
        k.logs.iter().map(move |&(log, apache, spoor)| Known {
            case: k.case,
            log,
            apache,
            spoor,
            why: k.why,
        })
    })
}

/// The listed difference for `log` in `case`, if any.
pub fn find(case: &str, log: &str) -> Option<Known> {
    all().find(|k| k.case == case && k.log == log)
}

/// The known cases.
pub const KNOWN: &[KnownCase] = &[
    KnownCase {
        case: "lengths framing two codings host first",
        why: "Transfer-Encoding: gzip, chunked: httpd takes the body as chunked (and refuses this one while reading it, from the Host's server); spoor refuses any coding list but a lone chunked with the head (documented deviation: a smuggling shape for a proxy)",
        logs: &[
            ("env_global.log", "|1", "-|-"),
            ("f_bytes_in.log", "88", "83"),
            ("f_env.log", "env \\\"value\\\" \\\\ x\t", "-\t-"),
            ("f_errdoc.log", "<ROOT>/htdocs/index.html\t<ROOT>/htdocs/index.html\tPOST\tPOST\t-\t-\t-\tenv \\\"value\\\" \\\\ x\t-\t-\t266\t266\t266\t266\ttext/html\ttext/html\t-\t-", "-\t-\tPOST\tPOST\t-\t-\t-\t-\t-\t-\t266\t266\t266\t266\ttext/html\ttext/html\t266\t266"),
            ("f_file.log", "<ROOT>/htdocs/index.html\t<ROOT>/htdocs/index.html\t<ROOT>/htdocs/index.html", "-\t-\t-"),
            ("f_forensic.log", "<FID1:uid>\t<FID1:uid>\t<FID1:uid>\t<FID1:uid>", "-\t-\t-\t-"),
            ("f_hdr_out.log", "-", "266"),
            ("f_json_like.log", "lim-off.test", "a.test"),
            ("f_names.log", "lim-off.test\tlim-off.test", "a.test\ta.test"),
            ("f_orig_final.log", "<ROOT>/htdocs/index.html\t<ROOT>/htdocs/index.html\tlim-off.test\tlim-off.test", "-\t-\ta.test\ta.test"),
            ("f_perdir.log", "<ROOT>/htdocs/index.html", "-"),
            ("f_uri.log", "<ROOT>/htdocs/index.html", "-"),
            ("f_vhost_combined_like.log", "lim-off.test:80", "a.test:80"),
            ("forensic.log", "+<FID1:uid>|POST /index.html HTTP/1.1|Host:lim-off.test|Transfer-Encoding:gzip, chunked\n-<FID1:uid>", ""),
            ("sync.log", "lim-off.test", "a.test"),
            ("transfer.log", "MAIN-DEFAULT lim-off.test", "A-DEFAULT a.test a.test"),
            ("vhnick.log", "lim-off.test", "a.test"),
        ],
    },
    KnownCase {
        case: "lengths framing two codings host last",
        why: "Transfer-Encoding: gzip, chunked: httpd takes the body as chunked (and refuses this one while reading it, from the Host's server); spoor refuses any coding list but a lone chunked with the head (documented deviation: a smuggling shape for a proxy)",
        logs: &[
            ("env_global.log", "|1", "-|-"),
            ("f_bytes_in.log", "88", "83"),
            ("f_env.log", "env \\\"value\\\" \\\\ x\t", "-\t-"),
            ("f_errdoc.log", "<ROOT>/htdocs/index.html\t<ROOT>/htdocs/index.html\tPOST\tPOST\t-\t-\t-\tenv \\\"value\\\" \\\\ x\t-\t-\t266\t266\t266\t266\ttext/html\ttext/html\t-\t-", "-\t-\tPOST\tPOST\t-\t-\t-\t-\t-\t-\t266\t266\t266\t266\ttext/html\ttext/html\t266\t266"),
            ("f_file.log", "<ROOT>/htdocs/index.html\t<ROOT>/htdocs/index.html\t<ROOT>/htdocs/index.html", "-\t-\t-"),
            ("f_forensic.log", "<FID1:uid>\t<FID1:uid>\t<FID1:uid>\t<FID1:uid>", "-\t-\t-\t-"),
            ("f_hdr_out.log", "-", "266"),
            ("f_json_like.log", "lim-off.test", "a.test"),
            ("f_names.log", "lim-off.test\tlim-off.test", "a.test\ta.test"),
            ("f_orig_final.log", "<ROOT>/htdocs/index.html\t<ROOT>/htdocs/index.html\tlim-off.test\tlim-off.test", "-\t-\ta.test\ta.test"),
            ("f_perdir.log", "<ROOT>/htdocs/index.html", "-"),
            ("f_uri.log", "<ROOT>/htdocs/index.html", "-"),
            ("f_vhost_combined_like.log", "lim-off.test:80", "a.test:80"),
            ("forensic.log", "+<FID1:uid>|POST /index.html HTTP/1.1|Transfer-Encoding:gzip, chunked|Host:lim-off.test\n-<FID1:uid>", ""),
            ("sync.log", "lim-off.test", "a.test"),
            ("transfer.log", "MAIN-DEFAULT lim-off.test", "A-DEFAULT a.test a.test"),
            ("vhnick.log", "lim-off.test", "a.test"),
        ],
    },
    KnownCase {
        case: "line nul in line",
        why: "a NUL byte in the request line: httpd cuts %r at it (C string), spoor keeps the bytes escaped (documented deviation)",
        logs: &[
            ("clf_builtin.log", "/a", "/a\\x00b HTTP/1.1"),
            ("combined.log", "/a", "/a\\x00b HTTP/1.1"),
            ("common.log", "/a", "/a\\x00b HTTP/1.1"),
            ("f_clf_like.log", "/a", "/a\\x00b HTTP/1.1"),
            ("f_combined_like.log", "/a", "/a\\x00b HTTP/1.1"),
            ("f_quoted_all.log", "/a", "/a\\x00b HTTP/1.1"),
            ("f_reqline.log", "/a\tGET /a\tGET /a", "/a\\x00b HTTP/1.1\tGET /a\\x00b HTTP/1.1\tGET /a\\x00b HTTP/1.1"),
            ("f_vhost_combined_like.log", "/a", "/a\\x00b HTTP/1.1"),
            ("global_common.log", "/a", "/a\\x00b HTTP/1.1"),
        ],
    },
    KnownCase {
        case: "line tls hello",
        why: "a TLS ClientHello sent to a plain-HTTP port: its first line holds a NUL byte after \\x16\\x03\\x01; httpd cuts %r there (C string), spoor logs the line's bytes escaped, the NUL as \\x00 (documented deviation)",
        logs: &[
            ("clf_builtin.log", "\\x16\\x03\\x01", "\\x16\\x03\\x01\\x00\\xa5\\x01\\x00\\x00\\xa1\\x03\\x03"),
            ("combined.log", "\\x16\\x03\\x01", "\\x16\\x03\\x01\\x00\\xa5\\x01\\x00\\x00\\xa1\\x03\\x03"),
            ("common.log", "\\x16\\x03\\x01", "\\x16\\x03\\x01\\x00\\xa5\\x01\\x00\\x00\\xa1\\x03\\x03"),
            ("f_clf_like.log", "\\x16\\x03\\x01", "\\x16\\x03\\x01\\x00\\xa5\\x01\\x00\\x00\\xa1\\x03\\x03"),
            ("f_combined_like.log", "\\x16\\x03\\x01", "\\x16\\x03\\x01\\x00\\xa5\\x01\\x00\\x00\\xa1\\x03\\x03"),
            ("f_quoted_all.log", "\\x16\\x03\\x01", "\\x16\\x03\\x01\\x00\\xa5\\x01\\x00\\x00\\xa1\\x03\\x03"),
            ("f_reqline.log", "\\x16\\x03\\x01\t\\x16\\x03\\x01\t\\x16\\x03\\x01", "\\x16\\x03\\x01\\x00\\xa5\\x01\\x00\\x00\\xa1\\x03\\x03\t\\x16\\x03\\x01\\x00\\xa5\\x01\\x00\\x00\\xa1\\x03\\x03\t\\x16\\x03\\x01\\x00\\xa5\\x01\\x00\\x00\\xa1\\x03\\x03"),
            ("f_vhost_combined_like.log", "\\x16\\x03\\x01", "\\x16\\x03\\x01\\x00\\xa5\\x01\\x00\\x00\\xa1\\x03\\x03"),
            ("global_common.log", "\\x16\\x03\\x01", "\\x16\\x03\\x01\\x00\\xa5\\x01\\x00\\x00\\xa1\\x03\\x03"),
        ],
    },
    KnownCase {
        case: "te and cl",
        why: "Transfer-Encoding with Content-Length: httpd serves it (spoor refuses, documented deviation)",
        logs: &[
            ("clf_builtin.log", "200 33", "400 266"),
            ("combined.log", "200 33", "400 266"),
            ("common.log", "200 33", "400 266"),
            ("env_global.log", "|1|1", "-|-|-"),
            ("f_bytes.log", "33\t33\t33\t33", "266\t266\t266\t266"),
            ("f_clf_like.log", "200 33", "400 266"),
            ("f_combined_like.log", "200 33", "400 266"),
            ("f_cond_items.log", "33", "-"),
            ("f_cond_status.log", "-\t-\t-\t200\t200\t200", "400\t-\t-\t400\t-\t-"),
            ("f_env.log", "env \\\"value\\\" \\\\ x\t\t-\t-\t-\t1", "-\t-\t-\t-\t-\t-"),
            ("f_errdoc.log", "200\t200\t/index.html\t/index.html\t\t\t<ROOT>/htdocs/index.html\t<ROOT>/htdocs/index.html\tPOST\tPOST\t-\t-\t-\tenv \\\"value\\\" \\\\ x\t-\t-\t33\t33\t33\t33\ttext/html\ttext/html\t33\t33", "400\t400\t/index.html\t/index.html\t\t\t-\t-\tPOST\tPOST\t-\t-\t-\t-\t-\t-\t266\t266\t266\t266\ttext/html\ttext/html\t266\t266"),
            ("f_file.log", "<ROOT>/htdocs/index.html\t<ROOT>/htdocs/index.html\t<ROOT>/htdocs/index.html", "-\t-\t-"),
            ("f_forensic.log", "<FID1:uid>\t<FID1:uid>\t<FID1:uid>\t<FID1:uid>\t200", "-\t-\t-\t-\t400"),
            ("f_hdr_in2.log", "-", "3"),
            ("f_hdr_out.log", "33\tbytes", "266\t-"),
            ("f_hdr_out_cond.log", "Fri, 02 Jan 2026 03:04:05 GMT", "-"),
            ("f_hdr_out_extra.log", "\\\"21-6475ef64cf340\\\"", "-"),
            ("f_io_masked.log", "200", "400"),
            ("f_json_like.log", ":200,", ":400,"),
            ("f_literal.log", "a\\200\\|%|%200", "a\\400\\|%|%400"),
            ("f_literal_cr.log", "200", "400"),
            ("f_literal_nl.log", "200", "400"),
            ("f_log_ids.log", "200", "400"),
            ("f_mixed_mods.log", "200\t200\t200\tb\tmain.test\tmain.test\t-", "400\t400\t400\tb\t-\t-\tmain.test"),
            ("f_orig_final.log", "<ROOT>/htdocs/index.html\t<ROOT>/htdocs/index.html", "-\t-"),
            ("f_perdir.log", "200\t/index.html\t<ROOT>/htdocs/index.html", "400\t/index.html\t-"),
            ("f_status.log", "200\t200\t200\t200\t-", "400\t400\t400\t400\t400"),
            ("f_uri.log", "<ROOT>/htdocs/index.html", "-"),
            ("f_vhost_combined_like.log", "200", "400"),
            ("forensic.log", "+<FID1:uid>|POST /index.html HTTP/1.1|Host:main.test|Transfer-Encoding:chunked\n-<FID1:uid>", ""),
            ("global_common.log", "200 33", "400 266"),
            ("inline.log", "200", "400"),
            ("never_unset.log", "200", "400"),
            ("sync.log", "200", "400"),
            ("transfer.log", "200", "400"),
        ],
    },
];
