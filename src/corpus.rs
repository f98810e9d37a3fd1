//! Deterministic benchmark corpus.
use std::path::Path;

/// Writes `n` generated articles into `out/content`.
pub fn write_site(out: &Path, n: usize, seed: u64) -> anyhow::Result<()> {
    anyhow::bail!("not available yet: {} {n} {seed}", out.display())
}
