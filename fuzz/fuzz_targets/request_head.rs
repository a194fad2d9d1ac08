//! Fuzzes the request-head parser (`http::request::Head::parse`). Input:
//! three bytes that choose the limits, then the bytes a client sends.
//!
//! Checks, beyond the absence of panics: every range the parser returns
//! lies inside the head it says it read; a head it accepts keeps to the
//! limits (line length, field count), has no CR or LF inside a value
//! (folded lines are joined), never carries both a `Content-Length` and
//! `chunked`; and the bytes after the head (a body, the next request)
//! never change how the head was read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spoor::http::request::{Head, Limits, Parse, Version};

fn inside(r: &std::ops::Range<usize>, len: usize) -> bool {
    r.start <= r.end && r.end <= len
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    // Small limits reach the refusals; 0 fields is "no limit".
    let limits = Limits {
        line: 1 + data[0] as usize * 8,
        field_size: 1 + data[1] as usize * 8,
        fields: (data[2] % 40) as usize,
    };
    let input = &data[3..];
    let mut buf = input.to_vec();
    let mut head = Head::default();
    let r = head.parse(&mut buf, &limits);
    assert!(head.len <= input.len(), "read past the input");
    let mut ranges = vec![head.line.clone(), head.bad_line.clone()];
    ranges.extend(head.method.clone());
    ranges.extend(head.target.clone());
    ranges.extend(head.protocol.clone());
    ranges.extend(head.host.clone());
    ranges.extend(head.expect.clone());
    for (n, v) in &head.headers {
        ranges.push(n.clone());
        ranges.push(v.clone());
    }
    for r in &ranges {
        assert!(inside(r, buf.len()), "range {r:?} outside {}", buf.len());
    }
    if r != Parse::Done {
        return;
    }
    assert!(head.has_line);
    // httpd's limits let one byte more through than they say.
    assert!(
        head.line.len() <= limits.line + 1,
        "request line over the limit"
    );
    if limits.fields > 0 {
        assert!(head.headers.len() <= limits.fields, "too many fields");
    }
    if head.version != Version::Http09 {
        for (n, v) in &head.headers {
            assert!(
                n.end <= head.len && v.end <= head.len,
                "field past the head"
            );
            assert!(!n.is_empty(), "empty field name");
            let value = &buf[v.clone()];
            assert!(
                !value.contains(&b'\r') && !value.contains(&b'\n'),
                "line break in a value"
            );
        }
    }
    assert!(
        !(head.chunked && head.content_length.is_some()),
        "both Content-Length and chunked"
    );
    // The head alone reads the same.
    let len = head.len;
    let mut alone = input[..len].to_vec();
    let mut again = Head::default();
    assert_eq!(
        again.parse(&mut alone, &limits),
        Parse::Done,
        "head alone not done"
    );
    assert_eq!(again.len, len);
    assert_eq!(again.headers, head.headers);
    assert_eq!(again.content_length, head.content_length);
    assert_eq!(again.chunked, head.chunked);
    assert_eq!(alone[..], buf[..len]);
});
