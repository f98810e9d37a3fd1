//! How keys are hashed from their parts.

use std::path::Path;

use xxhash_rust::xxh3::Xxh3;

use crate::model::Stamp;

pub(super) fn key_of(parts: &[&[u8]]) -> u128 {
    let mut h = Xxh3::new();
    for p in parts {
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p);
    }
    h.digest128()
}

pub(super) fn stamp_key(from: &Path, stamp: Stamp) -> u128 {
    key_of(&[
        b"copy",
        from.as_os_str().as_encoded_bytes(),
        &stamp.len.to_le_bytes(),
        &stamp.mtime_ns.to_le_bytes(),
    ])
}
