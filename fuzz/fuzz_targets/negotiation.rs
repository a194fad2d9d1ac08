//! Fuzzes mod_negotiation's readers of untrusted bytes: the `Accept*`
//! lines (`negotiation::accept::line`), the choice over a fixed set of
//! variants with those lines, and type maps (`negotiation::typemap::read`;
//! a map is the administrator's, but its reader must not fail on any
//! bytes). Input: four lines separated by NUL bytes (Accept,
//! Accept-Language, Accept-Charset, Accept-Encoding), then, after a
//! second NUL run, a type map.
//!
//! Checks: every quality is in [0, 1]; at most `MAX_ITEMS` items a
//! line; the choice names a variant that exists; every inline body of a
//! map lies inside it and at most `MAX_VARIANTS` variants come out.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spoor::modules::negotiation::accept::{line, MAX_ITEMS};
use spoor::modules::negotiation::choose::{Neg, Outcome, Variant};
use spoor::modules::negotiation::typemap::{read, MAX_VARIANTS};

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(6, |&b| b == 0);
    let mut field = || parts.next().filter(|p| !p.is_empty());
    let (a, l, c, e) = (field(), field(), field(), field());
    let _ = field();
    let map = field().unwrap_or(b"");
    for v in [a, l, c, e].into_iter().flatten() {
        let items = line(v);
        assert!(items.len() <= MAX_ITEMS);
        for i in &items {
            assert!((0.0..=1.0).contains(&i.q), "quality {}", i.q);
        }
    }
    let mut vars = Vec::new();
    for (name, ct, langs, enc) in [
        ("x.html.en", "text/html", &["en"][..], None),
        ("x.html.de", "text/html; charset=utf-8", &["de"][..], None),
        ("x.txt.fr", "text/plain;level=2", &["fr", "fr-ca"][..], Some("gzip")),
        ("x.png", "image/png; qs=0.5", &[][..], None),
    ] {
        let mut v = Variant::new(name.into(), ct.as_bytes());
        v.languages = langs.iter().map(|s| s.to_string()).collect();
        v.encoding = enc.map(str::to_string);
        v.bytes = Some(name.len() as u64);
        vars.push(v);
    }
    let mut neg = Neg::new(a, e, l, c);
    neg.priority = vec!["de".into(), "en".into()];
    neg.set_transparency(true, false, &vars, None, None);
    neg.add_default_accepts(false);
    if let Outcome::Choice(b) = neg.choose(&mut vars) {
        assert!(b < vars.len());
    }
    let m = read(map, "m.var");
    assert!(m.variants.len() <= MAX_VARIANTS);
    for v in &m.variants {
        if let Some((off, len)) = v.body {
            assert!(off + len <= map.len() as u64, "body outside the map");
        }
    }
});
