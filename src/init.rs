//! `inkproof init DIR`: a new site that builds as is.
use std::path::Path;

/// Writes a starter site into `dir`.
pub fn scaffold(dir: &Path) -> anyhow::Result<()> {
    anyhow::bail!("init is not available yet: {}", dir.display())
}
