//! What spoor knows of request methods before any configuration.

/// The `Allow` value Apache sends for static content.
pub const ALLOW: &[u8] = b"GET,POST,OPTIONS,HEAD,TRACE";
/// Methods Apache knows, which get 405 instead of 501 on static content.
pub const KNOWN_METHODS: &[&[u8]] = &[
    b"PUT",
    b"DELETE",
    b"CONNECT",
    b"PATCH",
    b"PROPFIND",
    b"PROPPATCH",
    b"MKCOL",
    b"COPY",
    b"MOVE",
    b"LOCK",
    b"UNLOCK",
    b"VERSION-CONTROL",
    b"CHECKOUT",
    b"UNCHECKOUT",
    b"CHECKIN",
    b"UPDATE",
    b"LABEL",
    b"REPORT",
    b"MKWORKSPACE",
    b"MKACTIVITY",
    b"BASELINE-CONTROL",
    b"MERGE",
];
