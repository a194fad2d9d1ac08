//! Differences from httpd 2.4.71 the suite knows about and spoor still has.
//!
//! Each entry names a case (exactly as in `cases.rs`) whose logs differ,
//! with the reason. A mismatch in a listed case is reported as known and
//! does not fail the run; an entry whose case now matches fails it, so the
//! list only shrinks. Every entry is a bug to fix (or a deviation listed in
//! ARCHITECTURE.md): fix it, then delete the entry.

/// `(case name, why it differs)`.
pub const KNOWN: &[(&str, &str)] = &[
    (
        "lengths framing two codings host first",
        "Transfer-Encoding: gzip, chunked: httpd takes the body as chunked (and refuses this one while reading it, from the Host's server); spoor refuses any coding list but a lone chunked with the head (documented deviation: a smuggling shape for a proxy)",
    ),
    (
        "lengths framing two codings host last",
        "Transfer-Encoding: gzip, chunked: httpd takes the body as chunked (and refuses this one while reading it, from the Host's server); spoor refuses any coding list but a lone chunked with the head (documented deviation: a smuggling shape for a proxy)",
    ),
    (
        "line nul in line",
        "a NUL byte in the request line: httpd cuts %r at it (C string), spoor keeps the bytes escaped (documented deviation)",
    ),
    (
        "line tls hello",
        "a NUL byte in the request line: httpd cuts %r at it (C string), spoor keeps the bytes escaped (documented deviation)",
    ),
    (
        "limits body encoded slash 25",
        "LimitRequestBody with a local ErrorDocument 404 pending: httpd redirects internally first and the final request fails with 413 (orig 404, %b -, Content-Length 0); spoor answers 413 on the original request",
    ),
    (
        "lengths trace nul chunk 2^63",
        "as \"limits body encoded slash 25\": the body's 413 (a chunk-size overflow) comes after httpd's internal redirect to the local ErrorDocument 404; spoor answers it on the original request",
    ),
    (
        "te and cl",
        "Transfer-Encoding with Content-Length: httpd serves it (spoor refuses, documented deviation)",
    ),
];
