//! Stage 5 (write): the only stage that touches the output folder.
//!
//! Outputs go into a staging folder beside the output (same filesystem, so the
//! final rename is atomic), which then replaces the old output. A failed or
//! interrupted build leaves the previous site untouched, unlike generators that
//! clean the output first.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use rayon::prelude::*;

use crate::model::Output;

/// Writes `outputs` to `out_dir`, replacing what was there only on success.
/// Returns how many files were written.
pub fn publish(outputs: &[Output], out_dir: &Path) -> anyhow::Result<usize> {
    let parent = match out_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .with_context(|| format!("cannot create `{}`", parent.display()))?;
    let name =
        out_dir.file_name().map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
    recover(&parent, &name, out_dir)?;
    let staging = parent.join(format!(".{name}.staging-{}", std::process::id()));

    let result = fill(outputs, &staging);
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }

    // Swap: old → trash, staging → output, drop trash.
    let trash = parent.join(format!(".{name}.old-{}", std::process::id()));
    let had_old = out_dir.exists();
    if had_old {
        if !out_dir.is_dir() {
            let _ = std::fs::remove_dir_all(&staging);
            bail!("`{}` exists and is not a folder", out_dir.display());
        }
        std::fs::rename(out_dir, &trash)
            .with_context(|| format!("cannot move the old `{}` aside", out_dir.display()))?;
    }
    if let Err(e) = std::fs::rename(&staging, out_dir) {
        if had_old {
            let _ = std::fs::rename(&trash, out_dir);
        }
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e)
            .with_context(|| format!("cannot move the new site into `{}`", out_dir.display()));
    }
    if had_old {
        std::fs::remove_dir_all(&trash)
            .with_context(|| format!("cannot remove `{}`", trash.display()))?;
    }
    Ok(outputs.len())
}

/// Cleans up after a build that was killed: a half-filled staging folder is
/// dropped, and if the kill came between the two renames of the swap (the old
/// site moved aside, the new one not yet in place) the old site is put back.
fn recover(parent: &Path, name: &str, out_dir: &Path) -> anyhow::Result<()> {
    let Ok(entries) = std::fs::read_dir(parent) else { return Ok(()) };
    let staging_prefix = format!(".{name}.staging-");
    let old_prefix = format!(".{name}.old-");
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        let path = entry.path();
        if file_name.starts_with(&staging_prefix) {
            std::fs::remove_dir_all(&path)
                .with_context(|| format!("cannot clear `{}`", path.display()))?;
        } else if file_name.starts_with(&old_prefix) {
            if out_dir.exists() {
                std::fs::remove_dir_all(&path)
                    .with_context(|| format!("cannot remove `{}`", path.display()))?;
            } else {
                std::fs::rename(&path, out_dir)
                    .with_context(|| format!("cannot restore `{}`", out_dir.display()))?;
            }
        }
    }
    Ok(())
}

fn fill(outputs: &[Output], staging: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(staging)
        .with_context(|| format!("cannot create `{}`", staging.display()))?;
    // Create every folder once, up front, so the parallel writes below only write.
    let dirs: BTreeSet<&Path> = outputs.iter().filter_map(|o| o.path().parent()).collect();
    for d in dirs {
        if !d.as_os_str().is_empty() {
            let p = staging.join(d);
            std::fs::create_dir_all(&p)
                .with_context(|| format!("cannot create `{}`", p.display()))?;
        }
    }
    outputs.par_iter().try_for_each(|o| -> anyhow::Result<()> {
        let dest = staging.join(o.path());
        match o {
            Output::Bytes { bytes, .. } => std::fs::write(&dest, bytes)
                .with_context(|| format!("cannot write `{}`", dest.display())),
            Output::Copy { from, .. } => {
                std::fs::copy(from, &dest).map(|_| ()).with_context(|| {
                    format!("cannot copy `{}` to `{}`", from.display(), dest.display())
                })
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_old_output_only_on_success() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let ok = vec![Output::Bytes { path: "a/index.html".into(), bytes: b"new".to_vec() }];
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("stale.html"), "old").unwrap();
        publish(&ok, &out).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("a/index.html")).unwrap(), "new");
        assert!(!out.join("stale.html").exists(), "old files are gone after a good build");

        let bad = vec![
            Output::Bytes { path: "b.html".into(), bytes: b"x".to_vec() },
            Output::Copy { path: "c.png".into(), from: dir.path().join("does-not-exist.png") },
        ];
        assert!(publish(&bad, &out).is_err());
        assert_eq!(
            std::fs::read_to_string(out.join("a/index.html")).unwrap(),
            "new",
            "failed build keeps the last good site"
        );
        let leftovers: Vec<_> =
            std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(
            leftovers,
            [std::ffi::OsString::from("public")],
            "no staging folder left behind"
        );
    }

    #[test]
    fn a_killed_build_is_recovered_from() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        // killed while filling the staging folder
        std::fs::create_dir_all(dir.path().join(".public.staging-99999/x")).unwrap();
        // killed between the two renames: the last good site is aside, no output
        std::fs::create_dir_all(dir.path().join(".public.old-99998")).unwrap();
        std::fs::write(dir.path().join(".public.old-99998/index.html"), "last good").unwrap();
        recover(dir.path(), "public", &out).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("index.html")).unwrap(), "last good");
        assert!(!dir.path().join(".public.staging-99999").exists());
        let ok = vec![Output::Bytes { path: "index.html".into(), bytes: b"new".to_vec() }];
        publish(&ok, &out).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("index.html")).unwrap(), "new");
    }
}
