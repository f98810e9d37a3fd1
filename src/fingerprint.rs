//! The content hash every cache and change check keys on. A leaf, so `search`,
//! `store`, `write` and `render` can key their caches alike without importing
//! `load` (which would tie the output stages back to the input stage).

/// Hash of bytes, for change detection (not for security: the SHA-256 shown
/// with snippets is computed separately).
pub fn hash(bytes: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(bytes)
}
