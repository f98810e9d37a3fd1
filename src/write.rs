//! Stage 5 (write): the only stage that touches the output folder.
//!
//! 1. [`Target::open`] refuses folders inkproof did not make (no manifest, not
//!    empty) and folders that hold the site's sources, takes a lock so two
//!    builds can't interleave, and cleans up after a build that was killed.
//! 2. A build writes only files whose bytes changed, each into a staging folder
//!    beside the output (same filesystem, so renames are atomic). A build with
//!    errors, or one killed while rendering, never touches the output.
//! 3. [`Writer::commit`] marks the manifest as in progress, renames each staged
//!    file over its old version, deletes files of the previous build that are
//!    no longer made (only files the manifest says inkproof wrote), and writes
//!    the new manifest. Killed during these renames, the site holds whole files,
//!    some new and some old; the manifest still says "in progress", so the next
//!    build checks and rewrites every file.
//!
//! A first build into a folder that does not exist yet fills the staging
//! folder and renames it into place in one step.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use serde::{Deserialize, Serialize};

/// The manifest's file name, inside the output folder. Its presence is how
/// inkproof knows a folder is its own to replace.
pub const MANIFEST: &str = ".inkproof-manifest.json";

/// Present while a build renames files into place.
pub const WRITING: &str = ".inkproof-writing";

/// Output path → (key of its inputs, hash of its bytes). Fx-hashed: every
/// run looks up each of the site's outputs (12,000 at 10,000 articles), and
/// the paths are the site's own, not an attacker's.
pub type Files = rustc_hash::FxHashMap<PathBuf, (u128, u128)>;

/// What a build wrote. A hash map (looked up once per output on every
/// build); written sorted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Manifest {
    pub tool: String,
    /// `false` while a build is renaming files into place.
    pub complete: bool,
    pub files: Files,
}

impl Serialize for Manifest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        // Sorted by bytes (a plain memcmp, not `Path`'s component order), so
        // the file is the same for the same site.
        let mut files: Vec<(&PathBuf, &(u128, u128))> = self.files.iter().collect();
        files.sort_unstable_by(|a, b| {
            a.0.as_os_str().as_encoded_bytes().cmp(b.0.as_os_str().as_encoded_bytes())
        });
        struct Files<'a>(Vec<(&'a PathBuf, &'a (u128, u128))>);
        impl Serialize for Files<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_map(self.0.iter().copied())
            }
        }
        let mut st = s.serialize_struct("Manifest", 3)?;
        st.serialize_field("tool", &self.tool)?;
        st.serialize_field("complete", &self.complete)?;
        st.serialize_field("files", &Files(files))?;
        st.end()
    }
}

/// The output folder of a build, opened for writing.
#[derive(Debug)]
pub struct Target {
    pub dir: PathBuf,
    parent: PathBuf,
    name: String,
    /// The last complete build's files; empty when unknown (then everything is rewritten).
    pub manifest: Manifest,
    _lock: Lock,
}

/// Folders the output must never replace or sit above, each with whether the
/// output may sit inside it: yes for the site root and the home folder, no
/// for the source folders (a build would read its own output back in).
pub fn protected(root: &Path, dirs: &[&Path]) -> Vec<(PathBuf, bool)> {
    let mut out = vec![(root.to_path_buf(), true)];
    out.extend(dirs.iter().map(|d| (root.join(d), false)));
    if let Some(home) = std::env::var_os("HOME") {
        out.push((PathBuf::from(home), true));
    }
    out
}

impl Target {
    /// Opens `dir` for a build. `protected` are the site's own folders (root,
    /// content, templates, static) and the home folder: the output may be none
    /// of them nor a parent of one. A folder that exists, is not empty and has
    /// no manifest is refused unless `force`.
    pub fn open(dir: &Path, protected: &[(PathBuf, bool)], force: bool) -> anyhow::Result<Target> {
        // A `public` that is a symlink (to a deploy folder) is published into:
        // the link stays, its target gets the files.
        let dir = match std::fs::symlink_metadata(dir) {
            Ok(m) if m.file_type().is_symlink() => dir
                .canonicalize()
                .with_context(|| format!("`{}` is a symlink to nowhere", dir.display()))?,
            _ => dir.to_path_buf(),
        };
        let canon = |p: &Path| p.canonicalize().unwrap_or_else(|_| absolute(p));
        let dir_c = canon(&dir);
        for (p, may_hold) in protected {
            let p = canon(p);
            let inside = !may_hold && dir_c.starts_with(&p);
            if dir_c == p || p.starts_with(&dir_c) || inside {
                bail!(
                    "refusing to write the site into `{}`: it is or contains `{}`, which the build reads or which is not the build's",
                    dir.display(),
                    p.display()
                );
            }
        }
        if dir.exists() && !dir.is_dir() {
            bail!("`{}` exists and is not a folder", dir.display());
        }
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create `{}`", parent.display()))?;
        let name =
            dir.file_name().map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
        let lock = Lock::take(&parent.join(format!(".{name}.lock")))?;
        recover(&parent, &name, &dir)?;

        let manifest_path = dir.join(MANIFEST);
        let mut manifest = Manifest::default();
        if dir.is_dir() {
            match std::fs::read(&manifest_path) {
                Ok(bytes) => {
                    // A manifest that can't be read or is from another version
                    // only costs a full rewrite; the folder is still ours.
                    if let Ok(mut m) = serde_json::from_slice::<Manifest>(&bytes) {
                        let interrupted = dir.join(WRITING).exists();
                        if !m.complete || interrupted || m.tool != tool() {
                            // Still our files (stale ones get deleted), but
                            // none is trusted: every one is made again.
                            m.files.values_mut().for_each(|v| *v = (0, 0));
                        }
                        manifest = m;
                    }
                }
                Err(_) => {
                    let empty = std::fs::read_dir(&dir)
                        .with_context(|| format!("cannot read `{}`", dir.display()))?
                        .next()
                        .is_none();
                    if !empty && !force {
                        bail!(
                            "refusing to replace `{}`: it is not empty and inkproof did not make it (no {MANIFEST}); pass --force to replace it, or choose another output folder",
                            dir.display()
                        );
                    }
                    if !empty {
                        // --force on a foreign folder: its files become ours to replace.
                        manifest.files =
                            walk_files(&dir)?.into_iter().map(|p| (p, (0, 0))).collect();
                    }
                }
            }
            // Files the manifest lists but that someone deleted are made again
            // (one `stat` per file, spread over the cores).
            use rayon::prelude::*;
            let gone: Vec<PathBuf> = manifest
                .files
                .par_iter()
                .filter(|(p, _)| !dir.join(p).is_file())
                .map(|(p, _)| p.clone())
                .collect();
            for p in gone {
                manifest.files.remove(&p);
            }
        }
        Ok(Target { dir, parent, name, manifest, _lock: lock })
    }

    /// Starts writing a build: files go into a fresh staging folder.
    pub fn begin(&self) -> anyhow::Result<Writer> {
        let staging = self.parent.join(format!(".{}.staging-{}", self.name, std::process::id()));
        if staging.exists() {
            std::fs::remove_dir_all(&staging)
                .with_context(|| format!("cannot clear `{}`", staging.display()))?;
        }
        std::fs::create_dir_all(&staging)
            .with_context(|| format!("cannot create `{}`", staging.display()))?;
        Ok(Writer {
            staging,
            staged: std::sync::Mutex::default(),
            dirs: std::sync::Mutex::default(),
        })
    }
}

/// One build's writes, staged until [`Writer::commit`].
#[derive(Debug)]
pub struct Writer {
    staging: PathBuf,
    staged: std::sync::Mutex<Vec<PathBuf>>,
    /// Folders made in the staging folder so far. Asking the kernel again
    /// for each file of a folder (`mkdir`, "exists") takes the parent's lock
    /// that the threads creating files there wait on: 3,000 such calls at
    /// 10,000 articles, most in the search index's two folders.
    dirs: std::sync::Mutex<rustc_hash::FxHashSet<PathBuf>>,
}

impl Writer {
    /// Stages `bytes` for `path` (relative to the output). Safe to call in parallel.
    pub fn put(&self, path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
        let dest = self.staging.join(path);
        if let Some(parent) = dest.parent().filter(|p| *p != self.staging) {
            let known = self.dirs.lock().unwrap_or_else(|e| e.into_inner()).contains(parent);
            if !known {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create `{}`", parent.display()))?;
                self.dirs.lock().unwrap_or_else(|e| e.into_inner()).insert(parent.to_path_buf());
            }
        }
        std::fs::write(&dest, bytes)
            .with_context(|| format!("cannot write `{}`", dest.display()))?;
        self.staged.lock().unwrap_or_else(|e| e.into_inner()).push(path.to_path_buf());
        Ok(())
    }

    /// Drops everything staged; the output is untouched.
    pub fn abort(self) {
        let _ = std::fs::remove_dir_all(&self.staging);
    }

    /// Moves the staged files into the output, deletes `removed` (files of the
    /// previous build this one does not make: only those the manifest says
    /// inkproof made are touched) and records the manifest: the previous one
    /// with `updates` applied and `removed` taken out. Costs the changes plus
    /// one write of the manifest, not a pass over the output.
    pub fn commit(
        self,
        target: &mut Target,
        updates: Vec<(PathBuf, (u128, u128))>,
        removed: &[PathBuf],
    ) -> anyhow::Result<()> {
        let mut staged =
            std::mem::take(&mut *self.staged.lock().unwrap_or_else(|e| e.into_inner()));
        staged.sort();
        if staged.is_empty() && updates.is_empty() && removed.is_empty() && target.dir.exists() {
            // Nothing changed: the manifest on disk already says all of it.
            let _ = std::fs::remove_dir_all(&self.staging);
            return Ok(());
        }
        let mut files = std::mem::take(&mut target.manifest.files);
        let removed: Vec<&PathBuf> =
            removed.iter().filter(|p| files.remove(*p).is_some()).collect();
        files.extend(updates);
        let manifest = Manifest { tool: tool(), complete: true, files };
        if !target.dir.exists() {
            // First build: the staging folder becomes the output in one rename.
            write_manifest(&self.staging, &manifest)?;
            std::fs::rename(&self.staging, &target.dir).with_context(|| {
                format!("cannot move the new site into `{}`", target.dir.display())
            })?;
            target.manifest = manifest;
            return Ok(());
        }

        // Mark the folder as being written (a small file, not the manifest):
        // if this process dies during the renames, the next build sees it.
        let marker = target.dir.join(WRITING);
        std::fs::write(&marker, std::process::id().to_string())
            .with_context(|| format!("cannot write `{}`", marker.display()))?;
        for rel in &staged {
            let dest = target.dir.join(rel);
            if let Some(parent) = dest.parent() {
                if parent.is_file() {
                    // A page folder replaces a file the old build wrote there.
                    std::fs::remove_file(parent).ok();
                }
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create `{}`", parent.display()))?;
            }
            if dest.is_dir() {
                std::fs::remove_dir_all(&dest).ok();
            }
            std::fs::rename(self.staging.join(rel), &dest)
                .with_context(|| format!("cannot move `{}` into place", dest.display()))?;
        }
        // Stale files: only those the old manifest says inkproof made.
        let mut emptied: BTreeSet<PathBuf> = BTreeSet::new();
        for old in removed {
            let p = target.dir.join(old);
            if std::fs::remove_file(&p).is_ok() {
                emptied.extend(old.ancestors().skip(1).map(Path::to_path_buf));
            }
        }
        // Deepest first; `remove_dir` fails (and is ignored) on folders that still hold files.
        for d in emptied.iter().rev() {
            if !d.as_os_str().is_empty() {
                let _ = std::fs::remove_dir(target.dir.join(d));
            }
        }
        write_manifest(&target.dir, &manifest)?;
        std::fs::remove_file(&marker)
            .with_context(|| format!("cannot remove `{}`", marker.display()))?;
        let _ = std::fs::remove_dir_all(&self.staging);
        target.manifest = manifest;
        Ok(())
    }
}

fn tool() -> String {
    concat!("inkproof ", env!("CARGO_PKG_VERSION")).to_string()
}

fn write_manifest(dir: &Path, m: &Manifest) -> anyhow::Result<()> {
    let tmp = dir.join(format!("{MANIFEST}.tmp"));
    let bytes = serde_json::to_vec(m)?;
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write `{}`", tmp.display()))?;
    std::fs::rename(&tmp, dir.join(MANIFEST))
        .with_context(|| format!("cannot write the manifest in `{}`", dir.display()))
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

fn walk_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(dir).min_depth(1) {
        let e = e?;
        if !e.file_type().is_dir() {
            out.push(e.path().strip_prefix(dir).unwrap_or(e.path()).to_path_buf());
        }
    }
    Ok(out)
}

/// Cleans up after a build that was killed: a half-filled staging folder is
/// dropped, and an old site a previous version moved aside is put back.
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

/// A lock file holding the builder's pid, so two builds of one output wait
/// for nothing and corrupt nothing: the second one stops and says who holds it.
#[derive(Debug)]
struct Lock {
    path: PathBuf,
}

impl Lock {
    fn take(path: &Path) -> anyhow::Result<Lock> {
        for _ in 0..2 {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(path) {
                Ok(mut f) => {
                    let _ = write!(f, "{}", std::process::id());
                    return Ok(Lock { path: path.to_path_buf() });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(path).unwrap_or_default();
                    let pid: Option<u32> = holder.trim().parse().ok();
                    let alive = pid.is_some_and(|p| Path::new(&format!("/proc/{p}")).exists());
                    if alive && pid != Some(std::process::id()) {
                        bail!(
                            "another inkproof build (pid {}) is writing this output; lock file `{}`",
                            holder.trim(),
                            path.display()
                        );
                    }
                    // The holder is gone (killed): the lock is stale.
                    let _ = std::fs::remove_file(path);
                }
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot create `{}`", path.display()))
                }
            }
        }
        bail!("cannot take the lock `{}`", path.display())
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(target: &mut Target, files: &[(&str, &str)]) {
        let w = target.begin().unwrap();
        let mut m = Vec::new();
        for (p, t) in files {
            w.put(Path::new(p), t.as_bytes()).unwrap();
            m.push((PathBuf::from(p), (1, crate::load::hash(t.as_bytes()))));
        }
        let removed: Vec<PathBuf> = target
            .manifest
            .files
            .keys()
            .filter(|k| !m.iter().any(|(p, _)| p == *k))
            .cloned()
            .collect();
        w.commit(target, m, &removed).unwrap();
    }

    #[test]
    fn stale_files_go_and_foreign_files_stay() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let mut t = Target::open(&out, &[], false).unwrap();
        commit(&mut t, &[("a/index.html", "a"), ("b/index.html", "b")]);
        std::fs::write(out.join("CNAME"), "mine").unwrap();
        drop(t);
        let mut t = Target::open(&out, &[], false).unwrap();
        assert_eq!(t.manifest.files.len(), 2);
        commit(&mut t, &[("a/index.html", "a2")]);
        assert_eq!(std::fs::read_to_string(out.join("a/index.html")).unwrap(), "a2");
        assert!(!out.join("b").exists(), "stale page and its folder removed");
        assert_eq!(std::fs::read_to_string(out.join("CNAME")).unwrap(), "mine", "not ours: kept");
    }

    #[test]
    fn refuses_folders_it_did_not_make() {
        let dir = tempfile::tempdir().unwrap();
        let photos = dir.path().join("photos");
        std::fs::create_dir_all(&photos).unwrap();
        std::fs::write(photos.join("thesis.pdf"), "years of work").unwrap();
        let err = Target::open(&photos, &[], false).unwrap_err().to_string();
        assert!(err.contains("inkproof did not make it"), "{err}");
        assert!(photos.join("thesis.pdf").exists());
        let site = dir.path().join("site");
        std::fs::create_dir_all(site.join("content")).unwrap();
        let err = Target::open(&site, &protected(&site, &[Path::new("content")]), true)
            .unwrap_err()
            .to_string();
        assert!(err.contains("refusing"), "{err}");
        let err = Target::open(dir.path(), &protected(&site, &[]), true).unwrap_err().to_string();
        assert!(err.contains("refusing"), "a parent of the site is refused: {err}");
    }

    #[test]
    fn a_second_build_waits_for_nobody_and_says_who_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let lock = dir.path().join(".public.lock");
        // pid 1 is always alive
        std::fs::write(&lock, "1").unwrap();
        let err = Target::open(&out, &[], false).unwrap_err().to_string();
        assert!(err.contains("pid 1"), "{err}");
        // a dead holder's lock is taken over
        std::fs::write(&lock, "999999999").unwrap();
        assert!(Target::open(&out, &[], false).is_ok());
    }

    #[test]
    fn a_killed_build_is_recovered_from() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        // killed while filling the staging folder
        std::fs::create_dir_all(dir.path().join(".public.staging-99999/x")).unwrap();
        // an old version's swap: the last good site moved aside, no output
        std::fs::create_dir_all(dir.path().join(".public.old-99998")).unwrap();
        std::fs::write(dir.path().join(".public.old-99998/index.html"), "last good").unwrap();
        std::fs::write(dir.path().join(".public.old-99998").join(MANIFEST), "{}").unwrap();
        let mut t = Target::open(&out, &[], false).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("index.html")).unwrap(), "last good");
        assert!(!dir.path().join(".public.staging-99999").exists());
        commit(&mut t, &[("index.html", "new")]);
        assert_eq!(std::fs::read_to_string(out.join("index.html")).unwrap(), "new");
    }

    #[test]
    fn an_interrupted_commit_makes_the_next_build_rewrite_everything() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let mut t = Target::open(&out, &[], false).unwrap();
        commit(&mut t, &[("index.html", "x")]);
        drop(t);
        // killed between the first and the last rename
        std::fs::write(out.join(WRITING), "99999").unwrap();
        let t = Target::open(&out, &[], false).unwrap();
        assert!(
            t.manifest.files.values().all(|v| *v == (0, 0)),
            "nothing trusted after an interrupted commit"
        );
    }
}
