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
        "header 101 fields",
        "a refused header: httpd keeps the headers read so far (%{Host}i), sets error-notes, counts %I differently; obs-fold accepted by httpd",
    ),
    (
        "header bad name",
        "a refused header: httpd keeps the headers read so far (%{Host}i), sets error-notes, counts %I differently; obs-fold accepted by httpd",
    ),
    (
        "header connection keep-alive",
        "%{Connection}o/%{Keep-Alive}o are not recorded by spoor",
    ),
    (
        "header ctl in value",
        "a refused header: httpd keeps the headers read so far (%{Host}i), sets error-notes, counts %I differently; obs-fold accepted by httpd",
    ),
    (
        "header del in value",
        "a refused header: httpd keeps the headers read so far (%{Host}i), sets error-notes, counts %I differently; obs-fold accepted by httpd",
    ),
    (
        "header expect",
        "Expect handling: %X differs",
    ),
    (
        "header expect bad",
        "Expect handling: %X differs",
    ),
    (
        "header no colon",
        "a refused header: httpd keeps the headers read so far (%{Host}i), sets error-notes, counts %I differently; obs-fold accepted by httpd",
    ),
    (
        "header obs fold",
        "a refused header: httpd keeps the headers read so far (%{Host}i), sets error-notes, counts %I differently; obs-fold accepted by httpd",
    ),
    (
        "header space before colon",
        "a refused header: httpd keeps the headers read so far (%{Host}i), sets error-notes, counts %I differently; obs-fold accepted by httpd",
    ),
    (
        "header too long",
        "a refused header: httpd keeps the headers read so far (%{Host}i), sets error-notes, counts %I differently; obs-fold accepted by httpd",
    ),
    (
        "forensic bad chunk",
        "a malformed chunked body: httpd maps the file first (%f), runs SetEnv and sends its 400 without Content-Length, and counts %I differently (the forensic records match)",
    ),
    (
        "forensic http/0.9",
        "HTTP/0.9: httpd records the response headers it did not send (%{..}o) (the forensic records match)",
    ),
    (
        "forensic pipelined pairs",
        "pipelined requests: httpd counts 1-2 more bytes in %I (the forensic records match)",
    ),
    (
        "line 1500 bytes",
        "request-line shapes: lower-case protocol, extra tokens, tabs, NUL bytes, over-long lines are logged differently (%r, %H, %I)",
    ),
    (
        "line extra token",
        "request-line shapes: lower-case protocol, extra tokens, tabs, NUL bytes, over-long lines are logged differently (%r, %H, %I)",
    ),
    (
        "line http/0.9 file",
        "HTTP/0.9: httpd records the response headers it did not send (%{..}o), HEAD without version is 400",
    ),
    (
        "line http/0.9 head",
        "HTTP/0.9: httpd records the response headers it did not send (%{..}o), HEAD without version is 400",
    ),
    (
        "line http/0.9 root",
        "HTTP/0.9: httpd records the response headers it did not send (%{..}o), HEAD without version is 400",
    ),
    (
        "line lowercase protocol",
        "request-line shapes: lower-case protocol, extra tokens, tabs, NUL bytes, over-long lines are logged differently (%r, %H, %I)",
    ),
    (
        "line nul in line",
        "request-line shapes: lower-case protocol, extra tokens, tabs, NUL bytes, over-long lines are logged differently (%r, %H, %I)",
    ),
    (
        "line space in target",
        "request-line shapes: lower-case protocol, extra tokens, tabs, NUL bytes, over-long lines are logged differently (%r, %H, %I)",
    ),
    (
        "line tab separator",
        "request-line shapes: lower-case protocol, extra tokens, tabs, NUL bytes, over-long lines are logged differently (%r, %H, %I)",
    ),
    (
        "line tls hello",
        "request-line shapes: lower-case protocol, extra tokens, tabs, NUL bytes, over-long lines are logged differently (%r, %H, %I)",
    ),
    (
        "line too long",
        "request-line shapes: lower-case protocol, extra tokens, tabs, NUL bytes, over-long lines are logged differently (%r, %H, %I)",
    ),
    (
        "method CONNECT",
        "other methods: httpd fills %f (and 405 for CONNECT with the URI mapped); spoor logs -",
    ),
    (
        "method OPTIONS",
        "other methods: httpd fills %f (and 405 for CONNECT with the URI mapped); spoor logs -",
    ),
    (
        "method OPTIONS *",
        "other methods: httpd fills %f (and 405 for CONNECT with the URI mapped); spoor logs -",
    ),
    (
        "method TRACE",
        "other methods: httpd fills %f (and 405 for CONNECT with the URI mapped); spoor logs -",
    ),
    (
        "pipeline first 404",
        "pipelined requests: httpd counts 1-2 more bytes in %I, and the requests inside inherit the differences above",
    ),
    (
        "pipeline five",
        "pipelined requests: httpd counts 1-2 more bytes in %I, and the requests inside inherit the differences above",
    ),
    (
        "pipeline get head get",
        "pipelined requests: httpd counts 1-2 more bytes in %I, and the requests inside inherit the differences above",
    ),
    (
        "pipeline hosts differ",
        "pipelined requests: httpd counts 1-2 more bytes in %I, and the requests inside inherit the differences above",
    ),
    (
        "pipeline malformed second",
        "pipelined requests: httpd counts 1-2 more bytes in %I, and the requests inside inherit the differences above",
    ),
    (
        "pipeline post then get",
        "pipelined requests: httpd counts 1-2 more bytes in %I, and the requests inside inherit the differences above",
    ),
    (
        "pipeline range then cond",
        "pipelined requests: httpd counts 1-2 more bytes in %I, and the requests inside inherit the differences above",
    ),
    (
        "pipeline three, last close",
        "pipelined requests: httpd counts 1-2 more bytes in %I, and the requests inside inherit the differences above",
    ),
    (
        "post chunked",
        "a chunked body: request trailers (%{..}^ti) not recorded by spoor",
    ),
    (
        "te and cl",
        "Transfer-Encoding with Content-Length: httpd serves it (spoor refuses, documented deviation)",
    ),
    ("CONFIG DIFF_LIMITS", "non-default LimitRequest* are not carried out by spoor yet"),
];
