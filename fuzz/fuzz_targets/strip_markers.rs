#![no_main]
//! See `inkproof_fuzz::strip_markers` for what this target checks.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    inkproof_fuzz::strip_markers(inkproof_fuzz::fixture(), data);
});
