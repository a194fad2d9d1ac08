//! Fuzzes the request-target normaliser (`http::uri::process`). Input: a
//! request target.
//!
//! Checks: a path accepted for mapping (`Ok`) starts with `/`, holds no
//! `.` or `..` segment and no `//` once decoded, so joined
//! to a document root it never climbs above it; `..` past the root is
//! refused; the query is a range of the target; and normalising the
//! result again changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spoor::http::uri::{process, UriStatus};

fuzz_target!(|target: &[u8]| {
    let (mut uri, mut scratch) = (Vec::new(), Vec::new());
    let t = process(target, &mut uri, &mut scratch);
    if let Some(q) = &t.query {
        assert!(
            q.start <= q.end && q.end <= target.len(),
            "query outside the target"
        );
    }
    if let Some(h) = &t.host {
        assert!(
            h.start <= h.end && h.end <= target.len(),
            "host outside the target"
        );
    }
    if t.status == UriStatus::Bad || target == b"*" {
        return;
    }
    assert_eq!(
        uri.first(),
        Some(&b'/'),
        "mapped path without a leading slash"
    );
    if t.status != UriStatus::Ok {
        // `NotFound` (an encoded `/` or NUL) is answered 404, never mapped.
        return;
    }
    // Segments between slashes: none is `.` or `..`, none empty but the
    // last (a trailing slash).
    let segs: Vec<&[u8]> = uri[1..].split(|&b| b == b'/').collect();
    for (i, s) in segs.iter().enumerate() {
        assert!(*s != b"." && *s != b"..", "dot segment left in {uri:?}");
        assert!(
            !s.is_empty() || i + 1 == segs.len(),
            "empty segment in {uri:?}"
        );
    }
    // Walking the segments from the root never goes above it.
    let mut depth = 0i64;
    for s in &segs {
        if *s == b".." {
            depth -= 1;
        } else if !s.is_empty() {
            depth += 1;
        }
        assert!(depth >= 0, "climbs above the root");
    }
    // An already normal path stays as it is (when it has nothing that
    // would be decoded again).
    if !uri.contains(&b'%') && !uri.contains(&b'?') && !uri.contains(&b'#') {
        let (mut again, mut scratch2) = (Vec::new(), Vec::new());
        let t2 = process(&uri, &mut again, &mut scratch2);
        assert_eq!(t2.status, UriStatus::Ok, "normal path refused: {uri:?}");
        assert_eq!(again, uri, "not idempotent");
    }
});
