//! Status lines and the small HTML bodies of error responses.
//!
//! The bodies have the same bytes as Apache httpd's built-in error
//! documents (with `ServerSignature Off`), because their length is what
//! `%b` logs.

/// The reason phrase Apache uses for `status`.
pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        410 => "Gone",
        412 => "Precondition Failed",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        416 => "Requested Range Not Satisfiable",
        417 => "Expectation Failed",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// Extra detail some error pages carry.
#[derive(Clone, Copy, Debug, Default)]
pub enum Detail<'a> {
    /// No detail.
    #[default]
    None,
    /// A request header field was longer than the limit (400).
    FieldTooLong,
    /// There were more header fields than the limit (400).
    TooManyFields,
    /// The method, for 405 and 501 pages.
    Method(&'a [u8]),
    /// The redirect target, for 301, 302, 303, 307 and 308 pages.
    Location(&'a [u8]),
    /// The offending `Expect` value, for 417 pages.
    Expect(&'a [u8]),
    /// The `ServerAdmin` address, for 500 pages.
    Admin(&'a [u8]),
    /// mod_negotiation's list of variants, for 300 and 406 pages.
    Variants(&'a [u8]),
}

/// httpd's `ServerAdmin` when none is configured.
pub const DEFAULT_ADMIN: &str = "[no address given]";

/// The server's name and version as `ServerTokens` shows them. httpd
/// names itself (`Apache/2.4.71 (Debian)`); spoor names itself the same
/// way: `Prod` → `spoor`, `Major` → `spoor/0`, `Minor` → `spoor/0.1.0`,
/// `OS` and `Full` → `spoor/0.1.0 (Unix)`.
pub fn banner(tokens: crate::config::values::Tokens) -> String {
    use crate::config::values::Tokens;
    let version = env!("CARGO_PKG_VERSION");
    match tokens {
        Tokens::Prod => "spoor".to_string(),
        Tokens::Major => format!("spoor/{}", version.split('.').next().unwrap_or(version)),
        Tokens::Minor => {
            let minor: Vec<&str> = version.splitn(3, '.').take(2).collect();
            format!("spoor/{}", minor.join("."))
        }
        Tokens::Minimal => format!("spoor/{version}"),
        Tokens::Os | Tokens::Full => format!("spoor/{version} (Unix)"),
    }
}

/// The `ServerSignature` footer of a server-generated page.
#[derive(Clone, Copy, Debug)]
pub struct Footer<'a> {
    /// [`banner`].
    pub banner: &'a [u8],
    /// The server name (`UseCanonicalName` applied).
    pub name: &'a [u8],
    /// The server port as self-referential URLs use it.
    pub port: u16,
    /// `ServerSignature EMail`: the `ServerAdmin` address to link.
    pub admin: Option<&'a [u8]>,
}

impl Footer<'_> {
    /// Appends the footer as httpd's `ap_psignature("<hr>\n", r)` makes it.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"<hr>\n<address>");
        out.extend_from_slice(self.banner);
        out.extend_from_slice(b" Server at ");
        match self.admin {
            Some(admin) => {
                out.extend_from_slice(b"<a href=\"");
                if !is_url(admin) {
                    out.extend_from_slice(b"mailto:");
                }
                escape_html(admin, out);
                out.extend_from_slice(b"\">");
                escape_html(self.name, out);
                out.extend_from_slice(b"</a>");
            }
            None => escape_html(self.name, out),
        }
        out.extend_from_slice(b" Port ");
        out.extend_from_slice(itoa::Buffer::new().format(self.port).as_bytes());
        out.extend_from_slice(b"</address>\n");
    }
}

/// httpd's `ap_is_url`: a scheme (letters, digits, `+ - .`) then `:`.
fn is_url(s: &[u8]) -> bool {
    match memchr::memchr(b':', s) {
        Some(i) if i > 0 => s[..i]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')),
        _ => false,
    }
}

/// Appends `s` HTML-escaped (`<`, `>`, `&`, `"`) as Apache's
/// `ap_escape_html` does.
pub fn escape_html(s: &[u8], out: &mut Vec<u8>) {
    for &b in s {
        match b {
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            b'&' => out.extend_from_slice(b"&amp;"),
            b'"' => out.extend_from_slice(b"&quot;"),
            _ => out.push(b),
        }
    }
}

/// Appends the HTML body of the error page for `status` to `out`.
pub fn error_body(status: u16, detail: Detail<'_>, out: &mut Vec<u8>) {
    let title = reason(status);
    out.extend_from_slice(
        b"<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\" \"http://www.w3.org/TR/html4/strict.dtd\">\n<html><head>\n<title>",
    );
    out.extend_from_slice(itoa::Buffer::new().format(status).as_bytes());
    out.push(b' ');
    out.extend_from_slice(title.as_bytes());
    out.extend_from_slice(b"</title>\n</head><body>\n<h1>");
    out.extend_from_slice(title.as_bytes());
    out.extend_from_slice(b"</h1>\n");
    match (status, detail) {
        (301 | 302 | 307 | 308, Detail::Location(loc)) => {
            out.extend_from_slice(b"<p>The document has moved <a href=\"");
            escape_html(loc, out);
            out.extend_from_slice(b"\">here</a>.</p>\n");
        }
        (303, Detail::Location(loc)) => {
            out.extend_from_slice(b"<p>The answer to your request is located <a href=\"");
            escape_html(loc, out);
            out.extend_from_slice(b"\">here</a>.</p>\n");
        }
        // httpd's 300 page has no paragraph, only the variant list.
        (300, d) => {
            if let Detail::Variants(l) = d {
                out.extend_from_slice(l);
            }
        }
        (406, d) => {
            out.extend_from_slice(
                b"<p>An appropriate representation of the requested resource could not be found on this server.</p>\n",
            );
            if let Detail::Variants(l) = d {
                out.extend_from_slice(l);
            }
        }
        // (httpd's 305 page names no proxy: apache2 2.4.67 sends this.)
        (305, _) => out.extend_from_slice(
            b"<p>This resource is only accessible through the proxy\n<br />\nYou will need to configure your client to use that proxy.</p>\n",
        ),
        (412, _) => out.extend_from_slice(
            b"<p>The precondition on the request for this URL evaluated to false.</p>\n",
        ),
        (410, _) => out.extend_from_slice(
            b"<p>The requested resource is no longer available on this server and there is no forwarding address.\nPlease remove all references to this resource.</p>\n",
        ),
        (400, d) => {
            out.extend_from_slice(
                b"<p>Your browser sent a request that this server could not understand.<br />\n",
            );
            match d {
                Detail::FieldTooLong => out
                    .extend_from_slice(b"Size of a request header field exceeds server limit."),
                Detail::TooManyFields => out.extend_from_slice(
                    b"The number of request header fields exceeds this server's limit.",
                ),
                _ => {}
            }
            out.extend_from_slice(b"</p>\n");
        }
        (401, _) => out.extend_from_slice(
            b"<p>This server could not verify that you\nare authorized to access the document\nrequested.  Either you supplied the wrong\ncredentials (e.g., bad password), or your\nbrowser doesn't understand how to supply\nthe credentials required.</p>\n",
        ),
        (403, _) => {
            out.extend_from_slice(b"<p>You don't have permission to access this resource.</p>\n")
        }
        (404, _) => {
            out.extend_from_slice(b"<p>The requested URL was not found on this server.</p>\n")
        }
        (405, d) => {
            out.extend_from_slice(b"<p>The requested method ");
            if let Detail::Method(m) = d {
                escape_html(m, out);
            }
            out.extend_from_slice(b" is not allowed for this URL.</p>\n");
        }
        (408, _) => out.extend_from_slice(
            b"<p>Server timeout waiting for the HTTP request from the client.</p>\n",
        ),
        (413, d) => {
            out.extend_from_slice(b"The requested resource does not allow request data with ");
            if let Detail::Method(m) = d {
                escape_html(m, out);
            }
            out.extend_from_slice(
                b" requests, or the amount of data provided in\nthe request exceeds the capacity limit.\n",
            );
        }
        (414, _) => out.extend_from_slice(
            b"<p>The requested URL's length exceeds the capacity\nlimit for this server.<br />\n</p>\n",
        ),
        (416, _) => out.extend_from_slice(
            b"<p>None of the range-specifier values in the Range\nrequest-header field overlap the current extent\nof the selected resource.</p>\n",
        ),
        (417, d) => {
            out.extend_from_slice(
                b"<p>The expectation given in the Expect request-header\nfield could not be met by this server.\nThe client sent<pre>\n    Expect: ",
            );
            if let Detail::Expect(e) = d {
                escape_html(e, out);
            }
            out.extend_from_slice(
                b"\n</pre>\n</p><p>Only the 100-continue expectation is supported.</p>\n",
            );
        }
        (501, d) => {
            out.extend_from_slice(b"<p>");
            if let Detail::Method(m) = d {
                escape_html(m, out);
            }
            out.extend_from_slice(b" not supported for current URL.<br />\n</p>\n");
        }
        (500, Detail::Admin(admin)) => {
            out.extend_from_slice(
                b"<p>The server encountered an internal error or\nmisconfiguration and was unable to complete\nyour request.</p>\n<p>Please contact the server administrator at \n ",
            );
            escape_html(admin, out);
            out.extend_from_slice(
                b" to inform them of the time this error occurred,\n and the actions you performed just before this error.</p>\n<p>More information about this error may be available\nin the server error log.</p>\n",
            );
        }
        _ => out.extend_from_slice(
            b"<p>The server encountered an internal error or\nmisconfiguration and was unable to complete\nyour request.</p>\n",
        ),
    }
    out.extend_from_slice(b"</body></html>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn len(status: u16, d: Detail<'_>) -> usize {
        let mut v = Vec::new();
        error_body(status, d, &mut v);
        v.len()
    }

    #[test]
    fn signature_footer() {
        let mut f = Vec::new();
        Footer {
            banner: b"spoor",
            name: b"a<b>.test",
            port: 8080,
            admin: None,
        }
        .write(&mut f);
        assert_eq!(
            f,
            b"<hr>\n<address>spoor Server at a&lt;b&gt;.test Port 8080</address>\n"
        );
        for (admin, href) in [
            (&b"me@x.test"[..], &b"mailto:me@x.test"[..]),
            (b"mailto:me@x.test", b"mailto:me@x.test"),
            (b"http://x.test/?a=1&b=2", b"http://x.test/?a=1&amp;b=2"),
            (b"[no address given]", b"mailto:[no address given]"),
        ] {
            let mut f = Vec::new();
            Footer {
                banner: b"spoor",
                name: b"x",
                port: 80,
                admin: Some(admin),
            }
            .write(&mut f);
            let mut want = b"<hr>\n<address>spoor Server at <a href=\"".to_vec();
            want.extend_from_slice(href);
            want.extend_from_slice(b"\">x</a> Port 80</address>\n");
            assert_eq!(String::from_utf8_lossy(&f), String::from_utf8_lossy(&want));
        }
    }

    #[test]
    fn banners() {
        use crate::config::values::Tokens;
        let v = env!("CARGO_PKG_VERSION");
        assert_eq!(banner(Tokens::Prod), "spoor");
        assert_eq!(
            banner(Tokens::Major),
            format!("spoor/{}", v.split('.').next().unwrap())
        );
        let mut parts = v.split('.');
        let (major, minor) = (parts.next().unwrap(), parts.next().unwrap());
        assert_eq!(banner(Tokens::Minor), format!("spoor/{major}.{minor}"));
        assert_eq!(banner(Tokens::Minimal), format!("spoor/{v}"));
        assert_eq!(banner(Tokens::Full), format!("spoor/{v} (Unix)"));
    }

    /// Lengths observed from Apache httpd 2.4.71.
    #[test]
    fn apache_lengths() {
        assert_eq!(len(400, Detail::None), 266);
        assert_eq!(len(400, Detail::FieldTooLong), 318);
        assert_eq!(len(400, Detail::TooManyFields), 330);
        assert_eq!(len(403, Detail::None), 239);
        assert_eq!(len(404, Detail::None), 236);
        assert_eq!(len(405, Detail::Method(b"DELETE")), 263);
        assert_eq!(len(408, Detail::None), 261);
        assert_eq!(len(413, Detail::Method(b"POST")), 356);
        assert_eq!(len(413, Detail::Method(b"OPTIONS")), 359);
        assert_eq!(len(414, Detail::None), 288);
        assert_eq!(len(416, Detail::None), 354);
        assert_eq!(len(417, Detail::Expect(b"foo")), 395);
        assert_eq!(len(501, Detail::Method(b"FOO")), 242);
        assert_eq!(len(301, Detail::Location(b"http://x/sub/?x=1")), 265);
        assert_eq!(
            len(301, Detail::Location(b"http://x:99/sub/?a=<b>&c=\"d\"")),
            296
        );
    }
}
