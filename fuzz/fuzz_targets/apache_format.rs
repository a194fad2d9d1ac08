//! Fuzzes the Apache `%` format compiler and the renderer, in Apache and
//! JSON escaping. Input: format bytes, a NUL, then record field bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spoor_log::{Escaping, Format};

mod common;

fuzz_target!(|data: &[u8]| {
    let (fmt, rest) = common::split(data);
    if let Ok(f) = Format::apache_with(fmt, Escaping::Apache) {
        common::render(&f, rest);
    }
    if let Ok(f) = Format::apache_with(fmt, Escaping::Json) {
        common::render(&f, rest);
    }
});
