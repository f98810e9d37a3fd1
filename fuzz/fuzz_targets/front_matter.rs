#![no_main]
//! See `inkproof_fuzz::front_matter` for what this target checks.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    inkproof_fuzz::front_matter(inkproof_fuzz::fixture(), data);
});
