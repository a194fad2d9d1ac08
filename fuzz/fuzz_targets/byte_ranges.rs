//! Fuzzes the `Range` reader (`static_files::byte_ranges`). Input: eight
//! bytes for the entity length, three bytes choosing `MaxRanges`,
//! `MaxRangeOverlaps`, `MaxRangeReversals`, then the field value.
//!
//! Checks: every range lies inside the entity and is not empty; the
//! ranges add up to no more than the entity; their count never exceeds
//! `MaxRanges`, nor the merges the other two limits; `Full` and
//! `Unsatisfiable` leave no range; and a looser limit never turns ranges
//! into the whole entity.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spoor::static_files::{byte_ranges, range_spec, ByteRange, RangeLimit, RangeLimits, RangeSpec};

fn limit(b: u8) -> Option<RangeLimit> {
    match b % 8 {
        0 => None,
        1 => Some(RangeLimit::Default),
        2 => Some(RangeLimit::Unlimited),
        3 => Some(RangeLimit::Max(0)),
        _ => Some(RangeLimit::Max((b / 8) as u32 + 1)),
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 11 {
        return;
    }
    let mut n = [0u8; 8];
    n.copy_from_slice(&data[..8]);
    // Mostly small entities, sometimes huge ones.
    let raw = u64::from_le_bytes(n);
    let len = if raw & 1 == 0 { raw % 5000 } else { raw >> 1 };
    let limits = RangeLimits::new(limit(data[8]), limit(data[9]), limit(data[10]));
    let value = &data[11..];
    let mut parts = Vec::new();
    let got = byte_ranges(value, len, &limits, &mut parts);
    match got {
        ByteRange::Full | ByteRange::Unsatisfiable => assert!(parts.is_empty()),
        ByteRange::Parts => {
            assert!(!parts.is_empty());
            if let Some(max) = limits.ranges {
                assert!(parts.len() as u64 <= max, "more ranges than MaxRanges");
            }
            let mut sum = 0u64;
            for &(a, b) in &parts {
                assert!(a <= b && b < len, "range {a}-{b} outside {len}");
                sum += b - a + 1;
            }
            assert!(sum <= len, "ranges add up to more than the entity");
        }
    }
    // The counts behind the decision, and the limits on them.
    let mut again = Vec::new();
    let spec = range_spec(value, len, &mut again);
    match spec {
        RangeSpec::Ignore => assert_eq!(got, ByteRange::Full),
        RangeSpec::Unsatisfiable => assert_eq!(got, ByteRange::Unsatisfiable),
        RangeSpec::Ranges {
            overlaps,
            reversals,
        } => {
            assert!(reversals <= overlaps);
            let within = |n: u64, m: Option<u64>| m.is_none_or(|m| n <= m);
            let ok = within(again.len() as u64, limits.ranges)
                && within(overlaps, limits.overlaps)
                && within(reversals, limits.reversals);
            assert_eq!(got == ByteRange::Parts, ok);
            if ok {
                assert_eq!(again, parts);
            }
        }
    }
    // No limit at all: the same ranges whenever the limited read had some.
    let unl = Some(RangeLimit::Unlimited);
    let mut free = Vec::new();
    let loose = byte_ranges(value, len, &RangeLimits::new(unl, unl, unl), &mut free);
    if got == ByteRange::Parts {
        assert_eq!(loose, ByteRange::Parts);
        assert_eq!(free, parts);
    }
});
