//! What a compiled format reads of a record ([`Needs`], found per item
//! kind by [`kind_reads`] when the format is compiled), so a caller
//! gathers only those parts.

use super::Kind;

/// The parts of a [`Record`](crate::Record) that a compiled format reads,
/// as a small bit set ([`Format::needs`](super::Format::needs)).
///
/// A caller that builds records by hand can leave every part a format
/// does not need empty (an empty table, `None`, an empty name) and get the
/// same line: the parts listed here are the ones whose gathering costs
/// something (a table to fill, a name to look up, a line to rebuild).
/// Fields not covered by a bit (status, method, byte counts, times, …) must
/// always be filled. Sets combine with `|` to cover several formats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Needs(u32);

impl Needs {
    /// Nothing beyond the always-filled fields.
    pub const NONE: Needs = Needs(0);
    /// [`Request::headers_in`](crate::Request::headers_in): `%{..}i`,
    /// `%{..}C`.
    pub const HEADERS_IN: Needs = Needs(1);
    /// [`Request::headers_out`](crate::Request::headers_out) and
    /// [`Request::content_type`](crate::Request::content_type): `%{..}o`.
    pub const HEADERS_OUT: Needs = Needs(1 << 1);
    /// [`Request::notes`](crate::Request::notes): `%{..}n`.
    pub const NOTES: Needs = Needs(1 << 2);
    /// [`Request::env`](crate::Request::env): `%{..}e`. (A log's `env=`
    /// condition is the caller's business, not the format's.)
    pub const ENV: Needs = Needs(1 << 3);
    /// [`Request::trailers_in`](crate::Request::trailers_in): `%{..}^ti`.
    pub const TRAILERS_IN: Needs = Needs(1 << 4);
    /// [`Request::trailers_out`](crate::Request::trailers_out): `%{..}^to`.
    pub const TRAILERS_OUT: Needs = Needs(1 << 5);
    /// [`Record::orig`](crate::Record::orig) as a request of its own: some
    /// item that reads the request reads the original of a redirect chain
    /// (`%<s`, and `%s %U %T %D %r %L %R` by default). Without it,
    /// `orig` may be the same request as `last`.
    pub const ORIG: Needs = Needs(1 << 6);
    /// [`Request::request_line`](crate::Request::request_line): `%r`.
    pub const REQUEST_LINE: Needs = Needs(1 << 7);
    /// [`Request::vhost_name`](crate::Request::vhost_name): `%V`.
    pub const VHOST_NAME: Needs = Needs(1 << 8);
    /// [`Request::log_id`](crate::Request::log_id): `%L`.
    pub const LOG_ID: Needs = Needs(1 << 9);
    /// [`Conn::log_id`](crate::Conn::log_id): `%{c}L`.
    pub const CONN_LOG_ID: Needs = Needs(1 << 10);
    /// [`Request::track_id`](crate::Request::track_id): WASD `!ID`.
    pub const TRACK_ID: Needs = Needs(1 << 11);
    /// [`Request::filename`](crate::Request::filename): `%f`.
    pub const FILENAME: Needs = Needs(1 << 12);
    /// [`Conn::tls_vars`](crate::Conn::tls_vars): `%{..}x`, `%{..}c`.
    pub const TLS: Needs = Needs(1 << 13);
    /// Every part.
    pub const ALL: Needs = Needs((1 << 14) - 1);

    /// Whether every part of `other` is in `self`.
    #[inline]
    pub const fn contains(self, other: Needs) -> bool {
        self.0 & other.0 == other.0
    }

    /// The parts of either set.
    #[inline]
    pub const fn union(self, other: Needs) -> Needs {
        Needs(self.0 | other.0)
    }
}

impl std::ops::BitOr for Needs {
    type Output = Needs;
    fn bitor(self, other: Needs) -> Needs {
        self.union(other)
    }
}

impl std::ops::BitOrAssign for Needs {
    fn bitor_assign(&mut self, other: Needs) {
        *self = self.union(other);
    }
}

/// The part of the record an item of `kind` reads beyond the always-filled
/// fields, and whether it reads the request at all (rather than only the
/// connection, the process or the record's end time). Every kind is
/// listed, so a new kind must be placed here.
pub(super) fn kind_reads(kind: Kind) -> (Needs, bool) {
    match kind {
        Kind::HeaderIn | Kind::Cookie => (Needs::HEADERS_IN, true),
        Kind::HeaderOut | Kind::ContentType | Kind::SetCookies => (Needs::HEADERS_OUT, true),
        Kind::Note => (Needs::NOTES, true),
        Kind::Env => (Needs::ENV, true),
        Kind::TrailerIn => (Needs::TRAILERS_IN, true),
        Kind::TrailerOut => (Needs::TRAILERS_OUT, true),
        Kind::RequestLine => (Needs::REQUEST_LINE, true),
        Kind::VhostName => (Needs::VHOST_NAME, true),
        Kind::LogId => (Needs::LOG_ID, true),
        Kind::TrackId => (Needs::TRACK_ID, true),
        Kind::Filename => (Needs::FILENAME, true),
        Kind::ConnLogId => (Needs::CONN_LOG_ID, false),
        Kind::TlsVar | Kind::TlsConn => (Needs::TLS, false),
        Kind::Time { end, .. } => (Needs::NONE, !end),
        Kind::UserAgentIp
        | Kind::BytesClf
        | Kind::Bytes
        | Kind::DurationUs
        | Kind::DurationMs
        | Kind::DurationS
        | Kind::DurationFrac
        | Kind::UserAgentHost
        | Kind::Protocol
        | Kind::Method
        | Kind::ServerPort
        | Kind::RemotePort
        | Kind::Query
        | Kind::QueryBare
        | Kind::Handler
        | Kind::Status
        | Kind::User
        | Kind::Uri
        | Kind::ServerName
        | Kind::Ttfb
        | Kind::AuthRealm
        | Kind::ScriptName
        | Kind::Scheme => (Needs::NONE, true),
        Kind::Literal
        | Kind::Arg
        | Kind::ClientIp
        | Kind::LocalIp
        | Kind::ClientHost
        | Kind::KeepAlives
        | Kind::Logname
        | Kind::LocalPort
        | Kind::Pid
        | Kind::Tid
        | Kind::HexTid
        | Kind::ConnStatus
        | Kind::BytesIn
        | Kind::BytesOut
        | Kind::BytesInOut => (Needs::NONE, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{Escaping, Format, CLF, COMBINED};
    use crate::record::Field;
    use crate::Request;

    #[test]
    fn each_item_reports_its_need() {
        let n = |s: &str| Format::apache(s).unwrap().needs();
        let none = Needs::NONE;
        for (f, want) in [
            ("text only", none),
            (
                "%h %l %u %>s %b %a %{c}a %A %B %H %m %q %>U %v %p %P %k %X %I %O %S",
                none,
            ),
            (
                "%{end}t %{c}h %{local}p %{remote}p %{tid}P %{hextid}P %>T %>D",
                none,
            ),
            ("%t %{sec}t %>R %^FB", none),
            ("%{X}i", Needs::HEADERS_IN),
            ("%{n}C", Needs::HEADERS_IN),
            ("%{X}o", Needs::HEADERS_OUT),
            ("%{Content-Type}o", Needs::HEADERS_OUT),
            ("%{Set-Cookie}o", Needs::HEADERS_OUT),
            ("%{n}n", Needs::NOTES),
            ("%{V}e", Needs::ENV),
            ("%{V}^ti", Needs::TRAILERS_IN),
            ("%{V}^to", Needs::TRAILERS_OUT),
            ("%>r", Needs::REQUEST_LINE),
            ("%V", Needs::VHOST_NAME),
            ("%>L", Needs::LOG_ID),
            ("%{c}L", Needs::CONN_LOG_ID),
            ("%f", Needs::FILENAME),
            ("%{SSL_PROTOCOL}x", Needs::TLS),
            ("%{version}c", Needs::TLS),
            // The original request: by default for `%s %U %T %D %L %R`,
            // with `<` for any item that reads the request.
            ("%s", Needs::ORIG),
            ("%U", Needs::ORIG),
            ("%T", Needs::ORIG),
            ("%D", Needs::ORIG),
            ("%R", Needs::ORIG),
            ("%<m", Needs::ORIG),
            ("%<t", Needs::ORIG),
            ("%L", Needs::ORIG | Needs::LOG_ID),
            ("%r", Needs::ORIG | Needs::REQUEST_LINE),
            ("%<{X}i", Needs::ORIG | Needs::HEADERS_IN),
            // `<` on items that read only the connection, the process or
            // the end time has nothing to read in the original.
            ("%<{c}a %<A %<k %<X %<P %<{end}t %<{c}L", Needs::CONN_LOG_ID),
            (
                COMBINED,
                Needs::ORIG | Needs::REQUEST_LINE | Needs::HEADERS_IN,
            ),
            ("%>s %b", none),
        ] {
            assert_eq!(n(f), want, "{f}");
        }
        let w = |s: &str| Format::wasd(s).unwrap().needs();
        assert_eq!(w("-!CN !AU [!TC] !RS !BY !SN !SM !SP !AR !SC"), none);
        assert_eq!(w("-!ID"), Needs::TRACK_ID);
        assert_eq!(w("-!RF !UA"), Needs::HEADERS_IN);
        assert_eq!(w("-!ME !PA !QS !EM !ES"), Needs::ORIG);
        assert_eq!(w("-!RQ"), Needs::ORIG | Needs::REQUEST_LINE);
        assert!(Needs::ALL.contains(n(
            "%{X}i %{X}o %{n}n %{V}e %{V}^ti %{V}^to %r %V %L %{c}L %f %{V}x"
        )));
        assert_eq!(
            Needs::HEADERS_IN | Needs::ENV,
            Needs::HEADERS_IN.union(Needs::ENV)
        );
        assert!(!Needs::HEADERS_IN.contains(Needs::HEADERS_IN | Needs::ENV));
    }

    /// A record whose parts not in `needs` are left empty, as a caller
    /// that trusts [`Format::needs`] builds it.
    fn pruned<'a>(r: &Request<'a>, needs: Needs) -> Request<'a> {
        let mut p = r.clone();
        if !needs.contains(Needs::HEADERS_IN) {
            p.headers_in = &[];
        }
        if !needs.contains(Needs::HEADERS_OUT) {
            p.headers_out = &[];
            p.content_type = None;
        }
        if !needs.contains(Needs::NOTES) {
            p.notes = &[];
        }
        if !needs.contains(Needs::ENV) {
            p.env = &[];
        }
        if !needs.contains(Needs::TRAILERS_IN) {
            p.trailers_in = &[];
        }
        if !needs.contains(Needs::TRAILERS_OUT) {
            p.trailers_out = &[];
        }
        if !needs.contains(Needs::REQUEST_LINE) {
            p.request_line = None;
        }
        if !needs.contains(Needs::VHOST_NAME) {
            p.vhost_name = b"";
        }
        if !needs.contains(Needs::LOG_ID) {
            p.log_id = None;
        }
        if !needs.contains(Needs::TRACK_ID) {
            p.track_id = None;
        }
        if !needs.contains(Needs::FILENAME) {
            p.filename = None;
        }
        p
    }

    #[test]
    fn records_built_from_needs_render_the_same() {
        use crate::{Conn, Record, Renderer, Request};
        let tls: &[Field<'_>] = &[(b"SSL_PROTOCOL", b"TLSv1.3"), (b"V", b"tv")];
        let conn = Conn {
            client_ip: "192.0.2.1",
            client_port: 4711,
            remote_host: Some("client.test"),
            local_ip: "192.0.2.2",
            local_port: 8080,
            log_id: Some(b"connid"),
            keepalives: 3,
            keepalive: true,
            keepalive_max: 100,
            bytes_in: 120,
            bytes_out: 340,
            remote_logname: Some(b"ident"),
            tls_vars: tls,
            ..Conn::default()
        };
        let hin: &[Field<'_>] = &[
            (b"Host", b"h.test"),
            (b"X", b"x1"),
            (b"Cookie", b"n=c1; m=c2"),
            (b"X", b"x2"),
            (b"Referer", b"http://r.test/"),
            (b"User-Agent", b"ua/1"),
        ];
        let hout: &[Field<'_>] = &[
            (b"X", b"xo"),
            (b"Set-Cookie", b"a=1"),
            (b"Set-Cookie", b"b=2"),
            (b"Content-Type", b"text/x; charset=y"),
        ];
        let env: &[Field<'_>] = &[(b"V", b"env-v")];
        let notes: &[Field<'_>] = &[(b"n", b"note-n")];
        let tin: &[Field<'_>] = &[(b"V", b"ti-v")];
        let tout: &[Field<'_>] = &[(b"V", b"to-v")];
        let last = Request {
            request_line: Some(b"GET /last?q HTTP/1.1"),
            method: Some(b"GET"),
            uri: b"/last",
            query: Some(b"q"),
            protocol: b"HTTP/1.1",
            status: 404,
            user: Some(b"user"),
            auth_realm: Some(b"realm"),
            filename: Some(b"/srv/last"),
            handler: Some(b"handler-last"),
            script_name: Some(b"/script"),
            content_type: Some(b"text/last; q=1"),
            headers_in: hin,
            headers_out: hout,
            trailers_in: tin,
            trailers_out: tout,
            env,
            notes,
            log_id: Some(b"reqid-last"),
            server_name: b"s.test",
            vhost_name: b"v.test",
            server_port: 8080,
            scheme: "http",
            useragent_ip: "198.51.100.1",
            useragent_port: 4712,
            useragent_host: Some("ua.test"),
            bytes_sent: 1234,
            body_sent: true,
            request_time_us: 1_795_320_544_123_456,
            ttfb_us: Some(777),
            track_id: Some(b"track"),
        };
        let orig_env: &[Field<'_>] = &[(b"V", b"orig-env")];
        let orig_notes: &[Field<'_>] = &[(b"n", b"orig-note")];
        let orig_out: &[Field<'_>] = &[(b"X", b"orig-xo")];
        let orig = Request {
            request_line: Some(b"POST /orig HTTP/1.0"),
            method: Some(b"POST"),
            uri: b"/orig",
            query: None,
            status: 500,
            filename: Some(b"/srv/orig"),
            handler: Some(b"handler-orig"),
            content_type: Some(b"text/orig"),
            headers_out: orig_out,
            env: orig_env,
            notes: orig_notes,
            log_id: Some(b"reqid-orig"),
            bytes_sent: 9,
            request_time_us: last.request_time_us - 5_000_000,
            ..last.clone()
        };
        let end = last.request_time_us + 2_345_678;
        let full = Record {
            conn: &conn,
            orig: &orig,
            last: &last,
            end_time_us: end,
        };
        let mut apache: Vec<String> = Vec::new();
        // Every item letter, with its arguments, on the final request
        // (`>`) and on the original (`<`).
        let items = [
            "a",
            "{c}a",
            "A",
            "b",
            "B",
            "{n}C",
            "{m}C",
            "D",
            "{V}e",
            "f",
            "h",
            "{c}h",
            "H",
            "{X}i",
            "{Host}i",
            "k",
            "l",
            "L",
            "{c}L",
            "m",
            "{n}n",
            "{X}o",
            "{Content-Type}o",
            "{Set-Cookie}o",
            "p",
            "{local}p",
            "{remote}p",
            "P",
            "{tid}P",
            "q",
            "r",
            "R",
            "s",
            "t",
            "{end}t",
            "{sec}t",
            "{%H}t",
            "T",
            "{ms}T",
            "u",
            "U",
            "v",
            "V",
            "X",
            "I",
            "O",
            "S",
            "^FB",
            "{V}^ti",
            "{V}^to",
            "{V}x",
            "{version}c",
        ];
        for it in items {
            for m in ["", "<", ">", "404", "!404"] {
                apache.push(format!("[%{m}{it}]"));
            }
        }
        apache.push(COMBINED.to_string());
        apache.push(CLF.to_string());
        apache.push(
            items
                .iter()
                .map(|i| format!("%<{i} %>{i}"))
                .collect::<Vec<_>>()
                .join(" "),
        );
        let mut formats: Vec<Format> = apache.iter().map(|s| Format::apache(s).unwrap()).collect();
        for s in ["COMMON", "COMMON_SERVER", "COMBINED"] {
            formats.push(Format::wasd(s).unwrap());
        }
        for c in [
            "AR", "AU", "BB", "BY", "CA", "CN", "EM", "ES", "ID", "ME", "PA", "QS", "RF", "RQ",
            "RS", "SN", "SC", "SM", "SP", "TC", "TG", "TV", "UA",
        ] {
            formats.push(Format::wasd(&format!("-[!{c}]")).unwrap());
        }
        formats.push(
            Format::apache_with(
                b"{\"u\": \"%U\", \"h\": %{X}i, \"n\": %{n}n}",
                Escaping::Json,
            )
            .unwrap(),
        );
        let mut r = Renderer::with_time_zone(crate::TimeZone::UTC);
        let (mut want, mut got) = (Vec::new(), Vec::new());
        for f in &formats {
            let needs = f.needs();
            let last_p = pruned(&last, needs);
            let orig_p = pruned(&orig, needs);
            let conn_p = Conn {
                log_id: conn.log_id.filter(|_| needs.contains(Needs::CONN_LOG_ID)),
                tls_vars: if needs.contains(Needs::TLS) { tls } else { &[] },
                ..conn.clone()
            };
            let rec = Record {
                conn: &conn_p,
                orig: if needs.contains(Needs::ORIG) {
                    &orig_p
                } else {
                    &last_p
                },
                last: &last_p,
                end_time_us: end,
            };
            want.clear();
            got.clear();
            r.render(f, &full, &mut want);
            r.render(f, &rec, &mut got);
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&want),
                "{f:?}"
            );
        }
        // The test has teeth: with every part left out, each part-reading
        // item renders differently from the full record.
        for f in [
            "%{X}i", "%{X}o", "%{n}n", "%{V}e", "%{V}^ti", "%{V}^to", "%r", "%V", "%L", "%{c}L",
            "%f", "%{V}x", "%<m",
        ] {
            let f = Format::apache(f).unwrap();
            let last_p = pruned(&last, Needs::NONE);
            let conn_p = Conn {
                log_id: None,
                tls_vars: &[],
                ..conn.clone()
            };
            let rec = Record::new(&conn_p, &last_p, end);
            want.clear();
            got.clear();
            r.render(&f, &full, &mut want);
            r.render(&f, &rec, &mut got);
            assert_ne!(got, want, "{f:?}");
        }
        let f = Format::wasd("-!ID").unwrap();
        let last_p = pruned(&last, Needs::NONE);
        want.clear();
        got.clear();
        r.render(&f, &full, &mut want);
        r.render(&f, &Record::new(&conn, &last_p, end), &mut got);
        assert_ne!(got, want);
    }
}
