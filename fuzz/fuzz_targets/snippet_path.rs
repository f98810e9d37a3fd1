#![no_main]
//! See `inkproof_fuzz::snippet_path` for what this target checks.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    inkproof_fuzz::snippet_path(inkproof_fuzz::fixture(), data);
});
