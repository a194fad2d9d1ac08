//! The record a request fills in for the log engine.
//!
//! Everything is borrowed: the HTTP server points the fields at the buffers
//! it already holds (the raw request head, its response header list, its
//! per-connection strings), so building a [`Record`] costs a few pointer
//! copies. A tower middleware fills the same structure from `http` types by
//! collecting `(name, value)` slices into a small vector.
//!
//! The split follows Apache's `request_rec` / `conn_rec`: [`Request`] holds
//! what belongs to one request of an internal-redirect chain, [`Conn`] what
//! belongs to the TCP connection, and [`Record`] ties the original and the
//! final request of a chain to their connection and adds the times.

/// One `(name, value)` entry of a header, environment or note table.
///
/// Names and values are raw bytes; lookups compare names ASCII
/// case-insensitively, as APR tables do.
pub type Field<'a> = (&'a [u8], &'a [u8]);

/// Looks `name` up in a table the way `apr_table_get` does: the first entry
/// whose name matches ASCII case-insensitively.
pub fn table_get<'a>(table: &[Field<'a>], name: &[u8]) -> Option<&'a [u8]> {
    table
        .iter()
        .find(|(n, _)| name_eq(n, name))
        .map(|&(_, v)| v)
}

/// ASCII case-insensitive name comparison, rejecting on length and first
/// byte before comparing the rest (header lookups are on the hot path).
#[inline]
pub(crate) fn name_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() || (!a.is_empty() && (a[0] | 0x20) != (b[0] | 0x20)) {
        return false;
    }
    // Names usually arrive in the case the format spells them: compare
    // bytes exactly and fold case only where they differ.
    a.iter()
        .zip(b)
        .all(|(&x, &y)| x == y || (x.is_ascii_alphabetic() && (x ^ y) == 0x20))
}

/// A table name prepared once, at format compile time, for fast ASCII
/// case-insensitive comparison against the names in a table.
///
/// The name is kept as up to two little-endian words (its first and last
/// 4 or 8 bytes, overlapping for short names), lower-cased, with a mask
/// holding 0x20 on each letter byte. A candidate of the same length matches
/// when its words OR-ed with the mask equal the lower-cased words: OR-ing
/// 0x20 folds exactly the two cases of a letter together and leaves every
/// other byte compared exactly, which is [`name_eq`]'s relation. Names
/// longer than 16 bytes compare their middle bytewise.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct NameKey {
    len: usize,
    head: u64,
    head_fold: u64,
    tail: u64,
    tail_fold: u64,
    name: Box<[u8]>,
}

impl NameKey {
    /// Prepares `name` for lookups.
    pub(crate) fn new(name: &[u8]) -> NameKey {
        let lower: Vec<u8> = name.iter().map(|b| b.to_ascii_lowercase()).collect();
        let fold: Vec<u8> = name
            .iter()
            .map(|b| if b.is_ascii_alphabetic() { 0x20 } else { 0 })
            .collect();
        let n = name.len();
        let (head, head_fold, tail, tail_fold) = if n >= 8 {
            (
                word8(&lower[..8]),
                word8(&fold[..8]),
                word8(&lower[n - 8..]),
                word8(&fold[n - 8..]),
            )
        } else if n >= 4 {
            (
                word4(&lower[..4]),
                word4(&fold[..4]),
                word4(&lower[n - 4..]),
                word4(&fold[n - 4..]),
            )
        } else {
            (0, 0, 0, 0)
        };
        NameKey {
            len: n,
            head,
            head_fold,
            tail,
            tail_fold,
            name: name.into(),
        }
    }

    /// Whether `cand` equals the prepared name, ASCII case-insensitively
    /// (the same relation as [`name_eq`]).
    #[inline(always)]
    pub(crate) fn matches(&self, cand: &[u8]) -> bool {
        let n = self.len;
        if cand.len() != n {
            return false;
        }
        if n >= 8 {
            (word8(&cand[..8]) | self.head_fold) == self.head
                && (word8(&cand[n - 8..]) | self.tail_fold) == self.tail
                && (n <= 16 || name_eq(&cand[8..n - 8], &self.name[8..n - 8]))
        } else if n >= 4 {
            (word4(&cand[..4]) | self.head_fold) == self.head
                && (word4(&cand[n - 4..]) | self.tail_fold) == self.tail
        } else {
            name_eq(cand, &self.name)
        }
    }

    /// The first entry of `table` with this name, as [`table_get`].
    #[inline]
    pub(crate) fn get<'a>(&self, table: &[Field<'a>]) -> Option<&'a [u8]> {
        table.iter().find(|(n, _)| self.matches(n)).map(|&(_, v)| v)
    }
}

#[inline(always)]
fn word8(b: &[u8]) -> u64 {
    u64::from_le_bytes(b[..8].try_into().expect("8 bytes"))
}

#[inline(always)]
fn word4(b: &[u8]) -> u64 {
    u32::from_le_bytes(b[..4].try_into().expect("4 bytes")) as u64
}

/// Per-connection facts (Apache's `conn_rec` plus mod_logio's counters).
#[derive(Clone, Debug, Default)]
pub struct Conn<'a> {
    /// The TCP peer's address as text (`%{c}a`).
    pub client_ip: &'a str,
    /// The TCP peer's port.
    pub client_port: u16,
    /// The peer's resolved host name, when HostnameLookups found one
    /// (`%{c}h`); `None` logs [`Conn::client_ip`].
    pub remote_host: Option<&'a str>,
    /// The local address the connection arrived on (`%A`).
    pub local_ip: &'a str,
    /// The local port the connection arrived on (`%{local}p`).
    pub local_port: u16,
    /// The connection's log id (`%{c}L`), if one was generated.
    pub log_id: Option<&'a [u8]>,
    /// Apache's `conn->keepalives`: incremented each time a response keeps
    /// the connection alive.
    pub keepalives: u32,
    /// The connection was aborted before the response completed (`%X` = `X`).
    pub aborted: bool,
    /// The connection will be kept alive after this response.
    pub keepalive: bool,
    /// MaxKeepAliveRequests in force (0 = unlimited), for `%X`.
    pub keepalive_max: u32,
    /// Bytes read from the network for this request (`%I`), headers included.
    pub bytes_in: u64,
    /// Bytes written to the network for this request (`%O`), headers included.
    pub bytes_out: u64,
    /// The remote log name from an ident lookup (`%l`).
    pub remote_logname: Option<&'a [u8]>,
    /// TLS variables by name (`SSL_PROTOCOL`, `SSL_CIPHER`, …) for `%{VAR}x`
    /// and `%{name}c`; empty on a plain connection.
    pub tls_vars: &'a [Field<'a>],
}

/// One request of an internal-redirect chain (Apache's `request_rec`).
#[derive(Clone, Debug, Default)]
pub struct Request<'a> {
    /// The raw request line (`%r`), as received, without CR LF; a request
    /// whose URI carried a password holds the rebuilt line with the password
    /// masked. `None` when no request line was read (a 408 on an idle
    /// connection).
    pub request_line: Option<&'a [u8]>,
    /// The method (`%m`); `None` when no request line was read, which logs
    /// `-` as httpd does. An empty request line has an empty method, which
    /// logs as an empty string.
    pub method: Option<&'a [u8]>,
    /// The %-decoded path without the query (`%U`); empty when no request
    /// line was read, which logs `-`.
    pub uri: &'a [u8],
    /// The query string without `?`; `Some(b"")` for a bare `?` (`%q`).
    pub query: Option<&'a [u8]>,
    /// The protocol (`%H`), e.g. `HTTP/1.1`.
    pub protocol: &'a [u8],
    /// The HTTP status; 0 or less logs `-` (`%s`).
    pub status: i32,
    /// The authenticated user (`%u`).
    pub user: Option<&'a [u8]>,
    /// The authentication realm (WASD `!AR`).
    pub auth_realm: Option<&'a [u8]>,
    /// The file the request mapped to (`%f`).
    pub filename: Option<&'a [u8]>,
    /// The handler that served the request (`%R`).
    pub handler: Option<&'a [u8]>,
    /// The script name (WASD `!SC`).
    pub script_name: Option<&'a [u8]>,
    /// The response content type with parameters (`%{Content-Type}o`).
    pub content_type: Option<&'a [u8]>,
    /// Request headers in arrival order; repeated names are kept as
    /// separate entries and joined with `", "` on lookup, as Apache's core
    /// merges them.
    pub headers_in: &'a [Field<'a>],
    /// Response headers in the order they were sent.
    pub headers_out: &'a [Field<'a>],
    /// Request trailers (`%{..}^ti`).
    pub trailers_in: &'a [Field<'a>],
    /// Response trailers (`%{..}^to`).
    pub trailers_out: &'a [Field<'a>],
    /// Environment variables (`%{..}e`), Apache's `subprocess_env`.
    pub env: &'a [Field<'a>],
    /// Request notes (`%{..}n`).
    pub notes: &'a [Field<'a>],
    /// The request's log id (`%L`).
    pub log_id: Option<&'a [u8]>,
    /// The canonical name of the virtual host that served the request (`%v`).
    pub server_name: &'a [u8],
    /// The server name as UseCanonicalName makes it (`%V`).
    pub vhost_name: &'a [u8],
    /// The server's port as `%p` prints it (configured port, else 80/443).
    pub server_port: u16,
    /// `http` or `https` (WASD `!SM` prints it with a colon).
    pub scheme: &'static str,
    /// The client address after any proxy rewriting (`%a`).
    pub useragent_ip: &'a str,
    /// The client port (`%{remote}p`).
    pub useragent_port: u16,
    /// The client's resolved host name (`%h`); `None` logs the address.
    pub useragent_host: Option<&'a str>,
    /// Body bytes sent (`%b`, `%B`).
    pub bytes_sent: u64,
    /// Whether any body was sent (Apache's `sent_bodyct`).
    pub body_sent: bool,
    /// The time the request line was read, µs since the Unix epoch.
    pub request_time_us: i64,
    /// The time to first byte in µs (`%^FB`), when LogIOTrackTTFB is on.
    pub ttfb_us: Option<i64>,
    /// The tracking token (WASD `!ID`, and the COMMON remote-ID slot).
    pub track_id: Option<&'a [u8]>,
}

/// What the engine renders one log line from.
#[derive(Clone, Copy, Debug)]
pub struct Record<'a> {
    /// The connection the request came in on.
    pub conn: &'a Conn<'a>,
    /// The first request of the internal-redirect chain.
    pub orig: &'a Request<'a>,
    /// The last request of the chain (the same as `orig` without redirects).
    pub last: &'a Request<'a>,
    /// The request's end time, µs since the Unix epoch (`%D`, `%T`,
    /// `%{end:…}t`): taken once so that all items and all logs agree.
    pub end_time_us: i64,
}

impl<'a> Record<'a> {
    /// A record for a request with no internal redirect.
    pub fn new(conn: &'a Conn<'a>, req: &'a Request<'a>, end_time_us: i64) -> Self {
        Record {
            conn,
            orig: req,
            last: req,
            end_time_us,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_key_agrees_with_name_eq() {
        // Names of every length class, candidates with case flipped, with
        // bytes whose 0x20 bit differs but which are not letters, and with
        // a byte changed anywhere.
        let names: Vec<Vec<u8>> = (0..=20)
            .map(|n| {
                (0..n)
                    .map(|i| b"User-Agent@[X-Forwarded_{}9Referer"[i % 34])
                    .collect()
            })
            .collect();
        for name in &names {
            let key = NameKey::new(name);
            let mut cands: Vec<Vec<u8>> = vec![
                name.clone(),
                name.to_ascii_lowercase(),
                name.to_ascii_uppercase(),
            ];
            for i in 0..name.len() {
                for flip in [0x20u8, 0x01, 0x40] {
                    let mut c = name.clone();
                    c[i] ^= flip;
                    cands.push(c);
                }
            }
            cands.push(name[..name.len().saturating_sub(1)].to_vec());
            let mut longer = name.clone();
            longer.push(b'a');
            cands.push(longer);
            for c in &cands {
                assert_eq!(
                    key.matches(c),
                    name_eq(c, name),
                    "{:?} vs {:?}",
                    String::from_utf8_lossy(c),
                    String::from_utf8_lossy(name)
                );
            }
            let table: [Field<'_>; 2] = [(b"Other", b"1"), (&cands[2], b"2")];
            assert_eq!(key.get(&table), table_get(&table, name));
        }
    }
}
