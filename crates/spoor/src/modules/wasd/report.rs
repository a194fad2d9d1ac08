//! WASD server reports: the pages a WASD service sends for every error it
//! generates, in place of Apache's built-in pages.
//!
//! A server loaded from a WASD configuration has
//! [`Server::wasd_report`](crate::config::model::Server::wasd_report) set; its
//! error responses (`modules/core/response.rs`, `error_response`) are then built here,
//! and their length is what `!BY`/`%b` log. A server without it (every
//! Apache-dialect server) keeps Apache's pages.
//!
//! # Directives
//!
//! | HTTPD$CONFIG | value | effect |
//! |---|---|---|
//! | `[ReportBasicOnly]` | `ENABLED`\|`DISABLED` (default) | every report is basic, whatever the map says |
//! | `[ReportMetaInfo]` | `ENABLED`\|`DISABLED` (default) | detailed reports carry `<META>` lines: the software, and the source module and line that raised the error |
//! | `[ServerSignature]` | `ENABLED`\|`EMAIL`\|`DISABLED` (default) | the signature line (WASD's directive, distinct from Apache's `ServerSignature`) |
//! | `[ServerAdmin]` | an e-mail address | the `mailto:` link of `EMAIL` signatures |
//! | `[ServerReportBodyTag]` | HTML (default `<BODY>`) | the body tag of every report, copied as written |
//! | `[ErrorReportPath]` | a URL path, optionally with `!UL` | an internal redirect to a page for every error (below) |
//!
//! In the mapping file, `set PATH report=basic|detailed` chooses the level
//! for requests whose path matches the template (`*` matches any run of
//! characters, `/` included; case is ignored, as WASD matches paths on
//! VMS). Every matching `set` rule applies in file order, so the last one
//! wins: `set /* report=basic` then `set /docs/* report=detailed` gives
//! basic reports everywhere but under `/docs/`. Without a matching rule a
//! report is detailed (WASD's default). `[ReportBasicOnly] ENABLED` is
//! absolute ("only ever supply basic information"): it overrides the
//! rules.
//!
//! # The page
//!
//! WASD's own report text lives in its HTTPD$MSG file, which is not
//! documented byte for byte, so spoor writes its own page in WASD's shape
//! (these are spoor's bytes, not WASD's). Lines end in LF; `{…}` are
//! filled in, `[…]` lines appear only as stated:
//!
//! ```text
//! <!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
//! <HTML>
//! <HEAD>
//! [detailed + ReportMetaInfo:]
//! <META NAME="generator" CONTENT="spoor/{version}">
//! <META NAME="module" CONTENT="{source file stem}">
//! <META NAME="line" CONTENT="{source line}">
//! [always:]
//! <TITLE>{ERROR |}{status} {reason}</TITLE>
//! </HEAD>
//! {ServerReportBodyTag}
//! <FONT SIZE=+1><B>{ERROR |}{status}</B> &nbsp;-&nbsp; {explanation}</FONT>
//! [3xx, both levels:]
//! <P>New location: &nbsp;<A HREF="{location}">{location}</A>
//! [detailed, when the status has a detail line:]
//! <P>{what}[ &nbsp;...&nbsp; {request path}]
//! [detailed, when the status has a hint:]
//! <BR>({hint})
//! [signature ENABLED or EMAIL:]
//! <P><HR WIDTH=85% ALIGN=left SIZE=2 NOSHADE>
//! <ADDRESS>spoor/{version} Server at {host} Port {port}</ADDRESS>
//! [always:]
//! </BODY>
//! </HTML>
//! ```
//!
//! `ERROR ` precedes the status for 4xx and 5xx. With `EMAIL` and a
//! `[ServerAdmin]`, `{host}` is `<A HREF="mailto:{admin}">{host}</A>`
//! (without one it stays plain text). The host and port are the service's
//! (its name and port from `[Service]`); the software is spoor itself
//! (WASD writes `WASD/7.1.1`). Every value taken from the request or the
//! configuration except the body tag is HTML-escaped. The page is sent as
//! `text/html; charset=ISO-8859-1` (the request path may hold any byte).
//!
//! The basic report is the heading line (plus the new location of a
//! redirect): "only the HTTP status code and brief explanation", e.g.
//! `ERROR 404 - The requested resource could not be found.`. The detailed
//! one adds what went wrong, the request path and a hint, e.g.
//! `Document not found ... /a/b.html` / `(document, bookmark, or reference
//! requires revision)`. The explanations for each status are in
//! [`status_text`]. WASD's "Additional information" links point at help
//! pages of its own runtime tree, which spoor does not have: spoor leaves
//! them out (WASD's documented form of a report whose message item was
//! emptied).
//!
//! # `[ErrorReportPath]`
//!
//! For an error (status 400 and up) the request is concluded and
//! internally redirected to the path, with `!UL` replaced by the three
//! digits of the status (`/errors/report!UL.html` becomes
//! `/errors/report404.html`); the page is served with the error status,
//! as Apache serves a local `ErrorDocument`, and logged the same way (the
//! original request for `%<…` items, the final one, a `GET` of the page
//! with the error status, for the rest; WASD's `!RS` is the error
//! status). If the page cannot be served (missing, forbidden, a
//! directory), the redirect is undone and the internal report for the
//! original status goes out instead, logged as if there had been no
//! redirect. Errors met while reading the request head (400, 414 and the
//! like) always get the internal report. spoor serves the page as a
//! static file: no SSI, and no error query string is added.

use crate::http::pages::{self, escape_html, Detail};
use spoor_log::glob;

/// spoor's name and version, as reports and the `Server` header give it.
pub const SOFTWARE: &str = concat!("spoor/", env!("CARGO_PKG_VERSION"));

/// The `Content-Type` of a report.
pub const CONTENT_TYPE: &[u8] = b"text/html; charset=ISO-8859-1";

/// How much a report says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReportLevel {
    /// The status and a brief explanation.
    Basic,
    /// Also what went wrong, the path and a hint.
    #[default]
    Detailed,
}

/// WASD's `[ServerSignature]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WasdSignature {
    /// No signature line.
    #[default]
    Disabled,
    /// The software, host and port.
    Enabled,
    /// As `Enabled`, the host a `mailto:` link to `[ServerAdmin]`.
    Email,
}

/// A mapping-file `set TEMPLATE report=basic|detailed` rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRule {
    /// The path template, lower case; `*` matches any run of characters.
    pub template: String,
    /// The level it sets.
    pub level: ReportLevel,
}

/// One service's report settings (see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WasdReport {
    /// `[ReportBasicOnly]`.
    pub basic_only: bool,
    /// `[ReportMetaInfo]`.
    pub meta_info: bool,
    /// `[ServerSignature]`.
    pub signature: WasdSignature,
    /// `[ServerAdmin]`.
    pub server_admin: Option<String>,
    /// `[ServerReportBodyTag]`, as written.
    pub body_tag: String,
    /// `[ErrorReportPath]`, as written (`!UL` not yet replaced).
    pub error_report_path: Option<String>,
    /// The `set … report=` rules that apply to this service, in file
    /// order.
    pub rules: Vec<ReportRule>,
}

impl Default for WasdReport {
    fn default() -> Self {
        WasdReport {
            basic_only: false,
            meta_info: false,
            signature: WasdSignature::Disabled,
            server_admin: None,
            body_tag: "<BODY>".to_string(),
            error_report_path: None,
            rules: Vec::new(),
        }
    }
}

/// The directives [`WasdReport::directive`] handles (HTTPD$CONFIG
/// spelling; matched ignoring case).
pub const DIRECTIVES: &[&str] = &[
    "ReportBasicOnly",
    "ReportMetaInfo",
    "ServerSignature",
    "ServerAdmin",
    "ServerReportBodyTag",
    "ErrorReportPath",
];

/// `ENABLED`/`DISABLED` (empty: the default, disabled).
fn flag(name: &str, value: &str) -> Result<bool, String> {
    if value.eq_ignore_ascii_case("ENABLED") {
        Ok(true)
    } else if value.is_empty() || value.eq_ignore_ascii_case("DISABLED") {
        Ok(false)
    } else {
        Err(format!(
            "[{name}] takes ENABLED or DISABLED, not \"{value}\""
        ))
    }
}

fn signature(value: &str) -> Result<WasdSignature, String> {
    if value.is_empty() || value.eq_ignore_ascii_case("DISABLED") {
        Ok(WasdSignature::Disabled)
    } else if value.eq_ignore_ascii_case("ENABLED") {
        Ok(WasdSignature::Enabled)
    } else if value.eq_ignore_ascii_case("EMAIL") {
        Ok(WasdSignature::Email)
    } else {
        Err(format!(
            "[ServerSignature] takes ENABLED, EMAIL or DISABLED, not \"{value}\""
        ))
    }
}

fn report_path(value: &str) -> Result<Option<String>, String> {
    if value.is_empty() {
        Ok(None)
    } else if !value.starts_with('/') {
        Err(format!(
            "[ErrorReportPath] must be a URL path starting with \"/\", not \"{value}\""
        ))
    } else if value.bytes().any(|b| b.is_ascii_whitespace()) {
        Err(format!(
            "[ErrorReportPath] must be a single path, not \"{value}\""
        ))
    } else {
        Ok(Some(value.to_string()))
    }
}

impl WasdReport {
    /// Applies one HTTPD$CONFIG directive (`name` without brackets,
    /// `value` trimmed) if it is a report directive: `None` when it is
    /// not one of [`DIRECTIVES`], else whether the value was accepted
    /// (the error text names the directive; the caller adds file and
    /// line). An empty value resets the directive to its default.
    pub fn directive(&mut self, name: &str, value: &str) -> Option<Result<(), String>> {
        let value = value.trim();
        let d = DIRECTIVES.iter().find(|d| d.eq_ignore_ascii_case(name))?;
        let r = match *d {
            "ReportBasicOnly" => flag(d, value).map(|v| self.basic_only = v),
            "ReportMetaInfo" => flag(d, value).map(|v| self.meta_info = v),
            "ServerSignature" => signature(value).map(|v| self.signature = v),
            "ServerAdmin" => {
                self.server_admin = (!value.is_empty()).then(|| value.to_string());
                Ok(())
            }
            "ServerReportBodyTag" => {
                value.clone_into(&mut self.body_tag);
                if value.is_empty() {
                    self.body_tag = "<BODY>".to_string();
                }
                Ok(())
            }
            _ => report_path(value).map(|v| self.error_report_path = v),
        };
        Some(r)
    }

    /// The level for a request whose (decoded) path is `path`.
    pub fn level_for(&self, path: &[u8]) -> ReportLevel {
        if self.basic_only {
            return ReportLevel::Basic;
        }
        self.rules
            .iter()
            .rev()
            .find(|r| glob::matches(glob::WASD, r.template.as_bytes(), path))
            .map_or(ReportLevel::Detailed, |r| r.level)
    }

    /// The `[ErrorReportPath]` page for an error with `status`, `!UL`
    /// (any case) replaced by its three digits; `None` without one, or
    /// for a status below 400.
    pub fn error_page(&self, status: u16) -> Option<String> {
        let p = self.error_report_path.as_deref()?;
        if status < 400 {
            return None;
        }
        let digits = format!("{status:03}");
        let mut out = String::with_capacity(p.len());
        let mut rest = p;
        while let Some(i) = rest.find('!') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            if after.len() >= 2 && after[..2].eq_ignore_ascii_case("UL") {
                out.push_str(&digits);
                rest = &after[2..];
            } else {
                out.push('!');
                rest = after;
            }
        }
        out.push_str(rest);
        Some(out)
    }
}

/// Parses the parameter of a mapping-file `set` rule if it is a report
/// parameter: `None` when it is not `report=…` (another `set`
/// parameter), else the rule for `template` or an error naming the bad
/// value.
pub fn set_rule(template: &str, param: &str) -> Option<Result<ReportRule, String>> {
    let (k, v) = param.split_once('=')?;
    if !k.eq_ignore_ascii_case("report") {
        return None;
    }
    let level = if v.eq_ignore_ascii_case("basic") {
        ReportLevel::Basic
    } else if v.eq_ignore_ascii_case("detailed") {
        ReportLevel::Detailed
    } else {
        return Some(Err(format!(
            "set report= takes basic or detailed, not \"{v}\""
        )));
    };
    if !template.starts_with('/') && !template.starts_with('*') {
        return Some(Err(format!(
            "set rule template must be a path, not \"{template}\""
        )));
    }
    Some(Ok(ReportRule {
        template: template.to_ascii_lowercase(),
        level,
    }))
}

/// A status's texts: the reason phrase for the title, the brief
/// explanation of the heading, and for detailed reports what went wrong
/// (`None`: no detail line) and a hint (`None`: no hint line).
pub struct StatusText {
    /// The title's reason phrase.
    pub reason: &'static str,
    /// The heading's explanation (a sentence).
    pub explanation: &'static str,
    /// The detail line's text, before the path.
    pub what: Option<&'static str>,
    /// Whether the detail line shows the request path.
    pub with_path: bool,
    /// The hint, without its parentheses.
    pub hint: Option<&'static str>,
}

/// The texts for `status`.
pub fn status_text(status: u16) -> StatusText {
    let t = |reason, explanation, what, with_path, hint| StatusText {
        reason,
        explanation,
        what,
        with_path,
        hint,
    };
    match status {
        301 => t(
            "Moved Permanently",
            "The document has moved permanently.",
            None,
            false,
            None,
        ),
        302 => t("Found", "The document has moved.", None, false, None),
        400 => t(
            "Bad Request",
            "The server could not understand the request.",
            Some("Request format not understood"),
            true,
            Some("the request is malformed or exceeds a server limit"),
        ),
        401 => t(
            "Unauthorized",
            "Authorization is required to access this resource.",
            Some("Authorization failed"),
            true,
            Some("a valid username and password are required"),
        ),
        403 => t(
            "Forbidden",
            "The requested action is not permitted.",
            Some("Access denied"),
            true,
            Some("the server configuration does not permit this access"),
        ),
        404 => t(
            "Not Found",
            "The requested resource could not be found.",
            Some("Document not found"),
            true,
            Some("document, bookmark, or reference requires revision"),
        ),
        405 => t(
            "Method Not Allowed",
            "The requested method is not allowed for this resource.",
            Some("Method not allowed"),
            true,
            Some("this resource accepts GET, HEAD, POST, OPTIONS and TRACE"),
        ),
        408 => t(
            "Request Timeout",
            "The server timed out waiting for the request.",
            Some("Request not received in time"),
            false,
            Some("the client did not send a complete request within the time allowed"),
        ),
        409 => t(
            "Conflict",
            "The request conflicts with the current state of the resource.",
            Some("Conflict"),
            true,
            Some("the resource has changed; reload it and try again"),
        ),
        412 => t(
            "Precondition Failed",
            "A precondition of the request was not met.",
            Some("Precondition failed"),
            true,
            Some("the resource does not satisfy the request's conditions"),
        ),
        413 => t(
            "Request Entity Too Large",
            "The request is larger than the server allows.",
            Some("Request body too large"),
            true,
            Some("the request body exceeds the server's limit"),
        ),
        414 => t(
            "Request-URI Too Long",
            "The request URI is longer than the server allows.",
            Some("Request line too long"),
            false,
            Some("the request line exceeds the server's limit"),
        ),
        416 => t(
            "Requested Range Not Satisfiable",
            "The requested range cannot be satisfied.",
            Some("Range not satisfiable"),
            true,
            Some("no requested range overlaps the resource"),
        ),
        417 => t(
            "Expectation Failed",
            "The request's expectation cannot be met.",
            Some("Expectation not supported"),
            false,
            Some("only the 100-continue expectation is supported"),
        ),
        500 => t(
            "Internal Server Error",
            "The server encountered an internal error.",
            Some("Internal error"),
            true,
            Some("the server could not complete the request"),
        ),
        501 => t(
            "Not Implemented",
            "The requested action is not supported by the server.",
            Some("Method not implemented"),
            true,
            Some("the server does not support this method"),
        ),
        502 => t(
            "Bad Gateway",
            "The server received an invalid response from an upstream server.",
            Some("Upstream response not understood"),
            false,
            Some("an upstream server sent an invalid response"),
        ),
        503 => t(
            "Service Unavailable",
            "The service is temporarily unavailable.",
            Some("Service unavailable"),
            false,
            Some("the server is temporarily unable to handle the request; try again later"),
        ),
        s => t(pages::reason(s), pages::reason(s), None, false, None),
    }
}

/// What a report is about.
#[derive(Clone, Copy, Debug)]
pub struct Report<'a> {
    /// The response status.
    pub status: u16,
    /// Extra detail (method, location, `Expect` value, which limit).
    pub detail: Detail<'a>,
    /// The request path (decoded), empty when there is none.
    pub path: &'a [u8],
    /// The service's host name and port, for the signature.
    pub host: &'a str,
    /// The service's port.
    pub port: u16,
    /// The source module and line that raised the error (META).
    pub source: (&'a str, u32),
}

impl WasdReport {
    /// Appends the report page for `r` to `out` (see the module
    /// documentation for its bytes).
    pub fn render(&self, r: &Report<'_>, out: &mut Vec<u8>) {
        let level = self.level_for(r.path);
        let text = status_text(r.status);
        let mut num = itoa::Buffer::new();
        let status = num.format(r.status).as_bytes().to_vec();
        let error = if r.status >= 400 { "ERROR " } else { "" };
        out.extend_from_slice(
            b"<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<HTML>\n<HEAD>\n",
        );
        if level == ReportLevel::Detailed && self.meta_info {
            out.extend_from_slice(b"<META NAME=\"generator\" CONTENT=\"");
            out.extend_from_slice(SOFTWARE.as_bytes());
            out.extend_from_slice(b"\">\n<META NAME=\"module\" CONTENT=\"");
            escape_html(r.source.0.as_bytes(), out);
            out.extend_from_slice(b"\">\n<META NAME=\"line\" CONTENT=\"");
            out.extend_from_slice(num.format(r.source.1).as_bytes());
            out.extend_from_slice(b"\">\n");
        }
        out.extend_from_slice(b"<TITLE>");
        out.extend_from_slice(error.as_bytes());
        out.extend_from_slice(&status);
        out.push(b' ');
        out.extend_from_slice(text.reason.as_bytes());
        out.extend_from_slice(b"</TITLE>\n</HEAD>\n");
        out.extend_from_slice(self.body_tag.as_bytes());
        out.extend_from_slice(b"\n<FONT SIZE=+1><B>");
        out.extend_from_slice(error.as_bytes());
        out.extend_from_slice(&status);
        out.extend_from_slice(b"</B> &nbsp;-&nbsp; ");
        out.extend_from_slice(text.explanation.as_bytes());
        out.extend_from_slice(b"</FONT>\n");
        if let Detail::Location(loc) = r.detail {
            out.extend_from_slice(b"<P>New location: &nbsp;<A HREF=\"");
            escape_html(loc, out);
            out.extend_from_slice(b"\">");
            escape_html(loc, out);
            out.extend_from_slice(b"</A>\n");
        }
        if level == ReportLevel::Detailed {
            if let Some(what) = text.what {
                out.extend_from_slice(b"<P>");
                out.extend_from_slice(what.as_bytes());
                match r.detail {
                    Detail::Method(m) => {
                        out.extend_from_slice(b" (");
                        escape_html(m, out);
                        out.push(b')');
                    }
                    Detail::Expect(e) => {
                        out.extend_from_slice(b": ");
                        escape_html(e, out);
                    }
                    Detail::FieldTooLong => {
                        out.extend_from_slice(b": a header field exceeds the size limit")
                    }
                    Detail::TooManyFields => out.extend_from_slice(b": too many header fields"),
                    _ => {}
                }
                if text.with_path && !r.path.is_empty() {
                    out.extend_from_slice(b" &nbsp;...&nbsp; ");
                    escape_html(r.path, out);
                }
                out.push(b'\n');
            }
            if let Some(hint) = text.hint {
                out.extend_from_slice(b"<BR>(");
                out.extend_from_slice(hint.as_bytes());
                out.extend_from_slice(b")\n");
            }
        }
        if self.signature != WasdSignature::Disabled {
            out.extend_from_slice(b"<P><HR WIDTH=85% ALIGN=left SIZE=2 NOSHADE>\n<ADDRESS>");
            out.extend_from_slice(SOFTWARE.as_bytes());
            out.extend_from_slice(b" Server at ");
            match (&self.signature, &self.server_admin) {
                (WasdSignature::Email, Some(admin)) => {
                    out.extend_from_slice(b"<A HREF=\"mailto:");
                    escape_html(admin.as_bytes(), out);
                    out.extend_from_slice(b"\">");
                    escape_html(r.host.as_bytes(), out);
                    out.extend_from_slice(b"</A>");
                }
                _ => escape_html(r.host.as_bytes(), out),
            }
            out.extend_from_slice(b" Port ");
            out.extend_from_slice(num.format(r.port).as_bytes());
            out.extend_from_slice(b"</ADDRESS>\n");
        }
        out.extend_from_slice(b"</BODY>\n</HTML>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(rep: &WasdReport, status: u16, detail: Detail<'_>, path: &str) -> String {
        let r = Report {
            status,
            detail,
            path: path.as_bytes(),
            host: "wasd.example.test",
            port: 8080,
            source: ("server", 42),
        };
        let mut out = Vec::new();
        rep.render(&r, &mut out);
        String::from_utf8(out).unwrap()
    }

    fn rep(lines: &[(&str, &str)]) -> WasdReport {
        let mut r = WasdReport::default();
        for (n, v) in lines {
            r.directive(n, v).expect("a report directive").unwrap();
        }
        r
    }

    const HEAD: &str =
        "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<HTML>\n<HEAD>\n";

    #[test]
    fn detailed_404_without_signature() {
        let got = page(&WasdReport::default(), 404, Detail::None, "/a/<b>.html");
        let want = format!(
            "{HEAD}<TITLE>ERROR 404 Not Found</TITLE>\n</HEAD>\n<BODY>\n\
             <FONT SIZE=+1><B>ERROR 404</B> &nbsp;-&nbsp; The requested resource could not be found.</FONT>\n\
             <P>Document not found &nbsp;...&nbsp; /a/&lt;b&gt;.html\n\
             <BR>(document, bookmark, or reference requires revision)\n\
             </BODY>\n</HTML>\n"
        );
        assert_eq!(got, want);
    }

    #[test]
    fn basic_404_with_signature() {
        let r = rep(&[
            ("ReportBasicOnly", "ENABLED"),
            ("ServerSignature", "enabled"),
        ]);
        let got = page(&r, 404, Detail::None, "/x");
        let want = format!(
            "{HEAD}<TITLE>ERROR 404 Not Found</TITLE>\n</HEAD>\n<BODY>\n\
             <FONT SIZE=+1><B>ERROR 404</B> &nbsp;-&nbsp; The requested resource could not be found.</FONT>\n\
             <P><HR WIDTH=85% ALIGN=left SIZE=2 NOSHADE>\n\
             <ADDRESS>spoor/{v} Server at wasd.example.test Port 8080</ADDRESS>\n\
             </BODY>\n</HTML>\n",
            v = env!("CARGO_PKG_VERSION")
        );
        assert_eq!(got, want);
    }

    #[test]
    fn email_signature_links_the_host() {
        let r = rep(&[
            ("ServerSignature", "EMAIL"),
            ("ServerAdmin", "web&master@example.test"),
            ("ReportBasicOnly", "enabled"),
        ]);
        let got = page(&r, 403, Detail::None, "/x");
        let v = env!("CARGO_PKG_VERSION");
        assert!(got.contains(&format!(
            "<ADDRESS>spoor/{v} Server at <A HREF=\"mailto:web&amp;master@example.test\">wasd.example.test</A> Port 8080</ADDRESS>\n"
        )));
        // Without [ServerAdmin] the host stays plain text.
        let r = rep(&[("ServerSignature", "email")]);
        assert!(page(&r, 403, Detail::None, "/x").contains(&format!(
            "<ADDRESS>spoor/{v} Server at wasd.example.test Port 8080</ADDRESS>"
        )));
    }

    #[test]
    fn body_tag_and_meta_info() {
        let r = rep(&[
            (
                "ServerReportBodyTag",
                "<BODY BGCOLOR=\"#ffffff\" TEXT=\"#000000\">",
            ),
            ("ReportMetaInfo", "ENABLED"),
        ]);
        let got = page(&r, 500, Detail::None, "/cgi/x");
        let want = format!(
            "{HEAD}<META NAME=\"generator\" CONTENT=\"spoor/{v}\">\n\
             <META NAME=\"module\" CONTENT=\"server\">\n\
             <META NAME=\"line\" CONTENT=\"42\">\n\
             <TITLE>ERROR 500 Internal Server Error</TITLE>\n</HEAD>\n\
             <BODY BGCOLOR=\"#ffffff\" TEXT=\"#000000\">\n\
             <FONT SIZE=+1><B>ERROR 500</B> &nbsp;-&nbsp; The server encountered an internal error.</FONT>\n\
             <P>Internal error &nbsp;...&nbsp; /cgi/x\n\
             <BR>(the server could not complete the request)\n\
             </BODY>\n</HTML>\n",
            v = env!("CARGO_PKG_VERSION")
        );
        assert_eq!(got, want);
        // Basic reports carry no META.
        let r = rep(&[
            ("ReportMetaInfo", "ENABLED"),
            ("ReportBasicOnly", "ENABLED"),
        ]);
        assert!(!page(&r, 500, Detail::None, "/").contains("<META"));
    }

    #[test]
    fn details_per_status() {
        let d = WasdReport::default();
        let p = page(&d, 405, Detail::Method(b"PUT"), "/f");
        assert!(
            p.contains("<P>Method not allowed (PUT) &nbsp;...&nbsp; /f\n"),
            "{p}"
        );
        let p = page(&d, 501, Detail::Method(b"<X>"), "/f");
        assert!(
            p.contains("<P>Method not implemented (&lt;X&gt;) &nbsp;...&nbsp; /f\n"),
            "{p}"
        );
        let p = page(&d, 417, Detail::Expect(b"bogus"), "/f");
        assert!(p.contains("<P>Expectation not supported: bogus\n"), "{p}");
        let p = page(&d, 400, Detail::FieldTooLong, "/f");
        assert!(p.contains(
            "<P>Request format not understood: a header field exceeds the size limit &nbsp;...&nbsp; /f\n"
        ), "{p}");
        let p = page(&d, 414, Detail::None, "/f");
        assert!(p.contains("<P>Request line too long\n<BR>("), "{p}");
        // No path: no dots.
        let p = page(&d, 400, Detail::None, "");
        assert!(p.contains("<P>Request format not understood\n"), "{p}");
        // A redirect is not an error, and shows its location at any level.
        let r = rep(&[("ReportBasicOnly", "ENABLED")]);
        let p = page(&r, 301, Detail::Location(b"http://h/d/?a=1&b=2"), "/d");
        assert!(p.contains("<TITLE>301 Moved Permanently</TITLE>"), "{p}");
        assert!(p.contains("<B>301</B> &nbsp;-&nbsp; The document has moved permanently.</FONT>\n<P>New location: &nbsp;<A HREF=\"http://h/d/?a=1&amp;b=2\">http://h/d/?a=1&amp;b=2</A>\n</BODY>"), "{p}");
        // Every status the brief names has its own texts.
        for s in [400, 401, 403, 404, 405, 409, 413, 414, 500, 501, 502, 503] {
            let t = status_text(s);
            assert_ne!(t.reason, "Unknown", "{s}");
            assert!(t.explanation.ends_with('.'), "{s}");
            assert!(t.what.is_some() && t.hint.is_some(), "{s}");
        }
    }

    #[test]
    fn set_rules_last_match_wins() {
        let mut r = WasdReport::default();
        for (t, p) in [
            ("/*", "report=basic"),
            ("/internal-documents/*", "REPORT=Detailed"),
            ("/other/path/*", "report=detailed"),
        ] {
            r.rules.push(set_rule(t, p).unwrap().unwrap());
        }
        assert_eq!(r.level_for(b"/index.html"), ReportLevel::Basic);
        assert_eq!(
            r.level_for(b"/Internal-Documents/a.txt"),
            ReportLevel::Detailed
        );
        assert_eq!(r.level_for(b"/other/path/x/y"), ReportLevel::Detailed);
        assert_eq!(r.level_for(b"/other/pathx"), ReportLevel::Basic);
        // No rule: detailed; ReportBasicOnly overrides every rule.
        assert_eq!(
            WasdReport::default().level_for(b"/a"),
            ReportLevel::Detailed
        );
        r.basic_only = true;
        assert_eq!(r.level_for(b"/internal-documents/a"), ReportLevel::Basic);
        // The converse default.
        let mut r = WasdReport::default();
        r.rules
            .push(set_rule("/web/*", "report=basic").unwrap().unwrap());
        assert_eq!(r.level_for(b"/web/a"), ReportLevel::Basic);
        assert_eq!(r.level_for(b"/docs/a"), ReportLevel::Detailed);
        assert!(set_rule("/x*", "cache=none").is_none());
        assert!(set_rule("/x*", "report=verbose").unwrap().is_err());
        assert!(set_rule("x*", "report=basic").unwrap().is_err());
    }

    #[test]
    fn glob_matches_like_wasd_templates() {
        let glob = |p: &[u8], s: &[u8]| glob::matches(glob::WASD, p, s);
        assert!(glob(b"/*", b"/"));
        assert!(glob(b"/a*b", b"/a/x/b"));
        assert!(!glob(b"/a*b", b"/a/x/bc"));
        assert!(glob(b"/a*b*", b"/a/x/bc"));
        assert!(glob(b"*", b""));
        assert!(!glob(b"/a", b"/ab"));
        assert!(glob(b"/abc", b"/ABC"));
    }

    #[test]
    fn error_report_path_ul() {
        let r = rep(&[("ErrorReportPath", "/ht_root/local/reporterror!UL.html")]);
        assert_eq!(
            r.error_page(404).as_deref(),
            Some("/ht_root/local/reporterror404.html")
        );
        assert_eq!(r.error_page(302), None);
        let r = rep(&[("ErrorReportPath", "/e/!ul/x!UL!y")]);
        assert_eq!(r.error_page(503).as_deref(), Some("/e/503/x503!y"));
        let r = rep(&[("ErrorReportPath", "/errorreport.html")]);
        assert_eq!(r.error_page(400).as_deref(), Some("/errorreport.html"));
        assert_eq!(WasdReport::default().error_page(404), None);
    }

    #[test]
    fn directive_values() {
        let mut r = WasdReport::default();
        assert!(r.directive("AddType", ".x a/b - x").is_none());
        let e = r.directive("reportbasiconly", "yes").unwrap().unwrap_err();
        assert_eq!(
            e,
            "[ReportBasicOnly] takes ENABLED or DISABLED, not \"yes\""
        );
        let e = r.directive("ServerSignature", "On").unwrap().unwrap_err();
        assert_eq!(
            e,
            "[ServerSignature] takes ENABLED, EMAIL or DISABLED, not \"On\""
        );
        assert!(r
            .directive("ErrorReportPath", "errors/x.html")
            .unwrap()
            .is_err());
        assert!(r.directive("ErrorReportPath", "/a b").unwrap().is_err());
        r.directive("ServerReportBodyTag", "<BODY BGCOLOR=red>")
            .unwrap()
            .unwrap();
        assert_eq!(r.body_tag, "<BODY BGCOLOR=red>");
        r.directive("ServerReportBodyTag", "").unwrap().unwrap();
        assert_eq!(r.body_tag, "<BODY>");
        r.directive("ServerSignature", "Email").unwrap().unwrap();
        assert_eq!(r.signature, WasdSignature::Email);
    }
}
