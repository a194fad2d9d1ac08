//! `multipart/byteranges` answers: the one place where httpd's response
//! length is random.
//!
//! httpd's boundary is one random 64-bit number per process, printed in
//! hex without leading zeros, so in one run in 16 it is shorter than 16
//! digits; the body holds the boundary once per part and once at the end,
//! so `Content-Length`, `%b` and `%B` move with it (233 instead of 236
//! bytes for two parts when the boundary has 15 digits). spoor draws its
//! boundary the same way, so each side is on its own.
//!
//! The harness keeps the bytes each server sent in a case, finds every
//! multipart answer in them and normalises that side's numbers to a
//! 16-digit boundary: the answer's length `C` (its `Content-Length`) with a
//! boundary of `L` digits seen `k` times in the body becomes
//! `C + (16 - L) * k`, wherever `C` stands as a whole number in that side's
//! lines of the case. An answer of more than 32 parts has no
//! `Content-Length` (httpd streams it): `C` is then the length of its
//! decoded chunked body, or of the bytes up to the close. Any other difference in the length still shows. A
//! HEAD answer has no body to count `k` in: when either side's boundary
//! is short in such a case, the length is masked as `<MULTIPART-LENGTH>`
//! on both sides (the same length is compared normalised in the matching
//! GET case).

/// The length every boundary is normalised to.
const FULL: usize = 16;

/// One multipart answer as the client received it.
#[derive(Clone, Debug)]
pub struct Answer {
    /// Digits in the boundary.
    boundary_len: usize,
    /// Its `Content-Length`.
    length: Option<u64>,
    /// How often `CRLF--boundary` occurs in the body (0 for HEAD).
    lines: usize,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn count(hay: &[u8], needle: &[u8]) -> usize {
    let mut n = 0;
    let mut from = 0;
    while let Some(p) = find(&hay[from..], needle) {
        n += 1;
        from += p + needle.len();
    }
    n
}

/// The data of a chunked body (up to the last chunk, or as far as it
/// goes).
fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = find(b, b"\r\n") {
        let size = std::str::from_utf8(&b[..eol])
            .ok()
            .and_then(|h| usize::from_str_radix(h.trim(), 16).ok());
        let Some(size) = size.filter(|&n| n > 0) else {
            break;
        };
        let data = &b[eol + 2..];
        let take = size.min(data.len());
        out.extend_from_slice(&data[..take]);
        b = data.get(take + 2..).unwrap_or(&[]);
    }
    out
}

/// Every multipart/byteranges answer in the bytes a case received.
pub fn answers(resp: &[u8]) -> Vec<Answer> {
    const CT: &[u8] = b"multipart/byteranges; boundary=";
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = find(&resp[from..], CT) {
        let start = from + p + CT.len();
        let end = start
            + resp[start..]
                .iter()
                .position(|&c| c == b'\r' || c == b'\n')
                .unwrap_or(resp.len() - start);
        let boundary = &resp[start..end];
        let head_start = (0..start)
            .rev()
            .find(|&i| resp[i..].starts_with(b"HTTP/1."))
            .unwrap_or(0);
        let head_end = find(&resp[start..], b"\r\n\r\n").map_or(resp.len(), |q| start + q + 4);
        let head = resp[head_start..head_end].to_ascii_lowercase();
        let mut length = find(&head, b"\r\ncontent-length: ").and_then(|q| {
            let v = &head[q + 18..];
            let e = v
                .iter()
                .position(|c| !c.is_ascii_digit())
                .unwrap_or(v.len());
            std::str::from_utf8(&v[..e]).ok()?.parse().ok()
        });
        // Past 32 parts the answer has no length: chunked (the length is
        // the decoded body's) or up to the close (the rest of the case).
        let body = if find(&head, b"\r\ntransfer-encoding: chunked").is_some() {
            let b = dechunk(&resp[head_end..]);
            length = length.or(Some(b.len() as u64));
            b
        } else {
            let b = resp[head_end..].to_vec();
            if length.is_none() && !b.is_empty() {
                length = Some(b.len() as u64);
            }
            b
        };
        let mut marker = b"\r\n--".to_vec();
        marker.extend_from_slice(boundary);
        out.push(Answer {
            boundary_len: boundary.len(),
            length,
            lines: count(&body, &marker),
        });
        from = head_end;
    }
    out
}

/// The replacements for one side's lines of a case: (whole number, text).
pub fn fixes(side: &[Answer], other: &[Answer]) -> Vec<(u64, String)> {
    let short = side.iter().chain(other).any(|a| a.boundary_len != FULL);
    let mut v = Vec::new();
    for a in side {
        let Some(c) = a.length else { continue };
        if a.lines > 0 {
            let full = c as i64 + (FULL as i64 - a.boundary_len as i64) * a.lines as i64;
            if full != c as i64 {
                v.push((c, full.to_string()));
            }
        } else if short {
            v.push((c, "<MULTIPART-LENGTH>".to_string()));
        }
    }
    v
}

/// Applies `fixes` to one line: each number replaced where it stands as a
/// whole decimal number.
pub fn apply(line: &[u8], fixes: &[(u64, String)]) -> Vec<u8> {
    let mut l = line.to_vec();
    for (n, with) in fixes {
        let needle = n.to_string();
        let needle = needle.as_bytes();
        let mut out = Vec::with_capacity(l.len());
        let mut i = 0;
        while i < l.len() {
            let before_ok = i == 0 || !l[i - 1].is_ascii_digit();
            if before_ok && l[i..].starts_with(needle) {
                let j = i + needle.len();
                if j == l.len() || !l[j].is_ascii_digit() {
                    out.extend_from_slice(with.as_bytes());
                    i = j;
                    continue;
                }
            }
            out.push(l[i]);
            i += 1;
        }
        l = out;
    }
    l
}

#[test]
fn chunked_answers() {
    let b = "abcdef0123456789";
    let mut resp = format!(
        "HTTP/1.1 206 Partial Content\r\nTransfer-Encoding: chunked\r\nContent-Type: multipart/byteranges; boundary={b}\r\n\r\n"
    )
    .into_bytes();
    // A chunk boundary inside the second marker.
    let body = format!("\r\n--{b}\r\nx\r\n--{b}--\r\n");
    let (one, two) = body.as_bytes().split_at(25);
    for part in [one, two] {
        resp.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
        resp.extend_from_slice(part);
        resp.extend_from_slice(b"\r\n");
    }
    resp.extend_from_slice(b"0\r\n\r\n");
    let a = answers(&resp);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].length, Some(body.len() as u64));
    assert_eq!(a[0].lines, 2);
}

#[test]
fn boundary_normalised() {
    let body = |b: &str, head: bool| {
        let ct = format!(
            "HTTP/1.1 206 Partial Content\r\nContent-Length: {}\r\nContent-Type: multipart/byteranges; boundary={b}\r\n\r\n",
            188 + 3 * b.len()
        );
        let mut v = ct.into_bytes();
        if !head {
            for _ in 0..3 {
                v.extend_from_slice(format!("\r\n--{b}\r\nx").as_bytes());
            }
        }
        v
    };
    let a = answers(&body("abcdef0123456789", false));
    let s = answers(&body("bcdef0123456789", false));
    assert_eq!(fixes(&a, &s), vec![]);
    assert_eq!(fixes(&s, &a), vec![(233, "236".to_string())]);
    assert_eq!(apply(b"233 1233 233", &fixes(&s, &a)), b"236 1233 236");
    let ah = answers(&body("abcdef0123456789", true));
    let sh = answers(&body("bcdef0123456789", true));
    assert_eq!(
        fixes(&ah, &sh),
        vec![(236, "<MULTIPART-LENGTH>".to_string())]
    );
    assert_eq!(fixes(&ah, &ah), vec![]);
}
