//! Fuzzes the WASD `!` format compiler and the renderer. Input: format
//! bytes (UTF-8, as configuration text is), a NUL, then record field bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spoor_log::Format;

mod common;

fuzz_target!(|data: &[u8]| {
    let (fmt, rest) = common::split(data);
    let Ok(fmt) = std::str::from_utf8(fmt) else {
        return;
    };
    if let Ok(f) = Format::wasd(fmt) {
        common::render(&f, rest);
    }
});
