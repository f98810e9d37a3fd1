#![no_main]
//! See `inkproof_fuzz::article` for what this target checks.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    inkproof_fuzz::article(inkproof_fuzz::fixture(), data);
});
