//! Stage 5 (write): the only stage that touches the output folder.
//!
//! 1. [`Target::open`] refuses folders inkproof did not make (no manifest, not
//!    empty) and folders that hold the site's sources, takes a lock so two
//!    builds can't interleave, and cleans up after a build that was killed.
//! 2. A build writes only files whose bytes changed, each into a staging folder
//!    inside the output (same filesystem, so renames are atomic, and no
//!    need to write beside the output, whose parent may be read-only). A build
//!    with errors, or one killed while rendering, never touches the site.
//! 3. [`Writer::commit`] marks the manifest as in progress, renames each staged
//!    file over its old version (a folder the output does not have yet moves
//!    in whole, in one rename), deletes files of the previous build that are
//!    no longer made (only files the manifest says inkproof wrote), and writes
//!    the new manifest. Killed during these renames, the site holds whole files,
//!    some new and some old; the marker says "in progress", so the next build
//!    checks and rewrites every file.
//!
//! The manifest is a file anyone can edit, so it is never trusted as a list of
//! paths: an entry that is absolute, holds `..`, names inkproof's own files or
//! goes through a symbolic link is never followed. Nothing outside the output
//! folder is ever written or deleted, and a link met inside it is removed as a
//! link (its target is left alone).

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

/// The manifest's file name, inside the output folder. Its presence is how
/// inkproof knows a folder is its own to replace.
pub const MANIFEST: &str = ".inkproof-manifest.json";

/// Present while a build renames files into place.
pub const WRITING: &str = ".inkproof-writing";

/// The lock file, inside the output: the output's parent may be read-only
/// (`-o /srv/ro/public`), the output itself never is.
pub const LOCK: &str = ".inkproof-lock";

/// Every name inkproof keeps for itself in the output starts so: never a
/// page, never a manifest entry, never adopted by `--force`.
const OWN: &str = ".inkproof-";

/// The staging folder's name, before the pid.
const STAGING: &str = ".inkproof-staging-";
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
    /// The last complete build's files; empty when unknown (then everything is rewritten).
    pub manifest: Manifest,
    /// How long the last commit left the folder mixed (from the "writing"
    /// marker to the new manifest): the window a kill can hit.
    pub window: Option<Duration>,
    /// What the person running the build must hear about the output folder
    /// (manifest entries ignored, links replaced, what `--force` takes over);
    /// the engine passes them on as the run's notes.
    pub notes: Vec<String>,
    /// This open made the folder: if no build is ever committed into it, it
    /// goes again, so a failed first build leaves nothing behind.
    made: bool,
    _lock: Lock,
}

impl Drop for Target {
    fn drop(&mut self) {
        if self.made && !self.dir.join(MANIFEST).exists() {
            let _ = std::fs::remove_file(&self._lock.path);
            if let Ok(entries) = std::fs::read_dir(&self.dir) {
                for e in entries.flatten() {
                    if e.file_name().to_string_lossy().starts_with(STAGING) {
                        let _ = std::fs::remove_dir_all(e.path());
                    }
                }
            }
            // Fails (and is ignored) if anything else is in it.
            let _ = std::fs::remove_dir(&self.dir);
        }
    }
}

/// Folders the output must never replace or sit above, each with whether the
/// output may sit inside it: yes for the site root and the home folder, no
/// for the source folders (a build would read its own output back in) and
/// the cache (its files are not pages, and a cache kept in the output would
/// be deleted as stale or published).
pub fn protected(root: &Path, dirs: &[&Path], cache: Option<&Path>) -> Vec<(PathBuf, bool)> {
    let mut out = vec![(root.to_path_buf(), true)];
    out.extend(dirs.iter().map(|d| (root.join(d), false)));
    out.push((root.join(crate::store::CACHE_DIR), false));
    out.extend(cache.map(|c| (c.to_path_buf(), false)));
    out.extend(home_dirs().into_iter().map(|h| (h, true)));
    out
}

/// The home folder as the account database has it (`$HOME` may be unset or
/// wrong, and a shell expands `~` from the database then), and `$HOME` too
/// when it is set: both are someone's life, not a site.
fn home_dirs() -> Vec<PathBuf> {
    let mut out = Vec::new();
    use uzers::os::unix::UserExt as _;
    if let Some(user) = uzers::get_user_by_uid(uzers::get_current_uid()) {
        out.push(user.home_dir().to_path_buf());
    }
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        out.push(PathBuf::from(home));
    }
    out
}

impl Target {
    /// Opens `dir` for a build. `protected` are the site's own folders (root,
    /// content, templates, static, cache) and the home folder: the output may
    /// be none of them nor a parent of one. A folder that exists, is not empty
    /// and has no manifest is refused unless `force`.
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
        recover_beside(&dir);
        let made = !dir.exists();
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create `{}`", dir.display()))?;
        let lock = Lock::take(&dir.join(LOCK))?;
        // Staging folders of builds that were killed.
        for entry in std::fs::read_dir(&dir)
            .with_context(|| format!("cannot read `{}`", dir.display()))?
            .flatten()
        {
            if entry.file_name().to_string_lossy().starts_with(STAGING) {
                let path = entry.path();
                std::fs::remove_dir_all(&path)
                    .with_context(|| format!("cannot clear `{}`", path.display()))?;
            }
        }

        let mut notes = Vec::new();
        let manifest_path = dir.join(MANIFEST);
        let interrupted = dir.join(WRITING).exists();
        let mut manifest = Manifest::default();
        match std::fs::read(&manifest_path) {
            Ok(bytes) => {
                // A manifest that can't be read or is from another version
                // only costs a full rewrite; the folder is still ours.
                if let Ok(mut m) = serde_json::from_slice::<Manifest>(&bytes) {
                    if !m.complete || interrupted || m.tool != tool() {
                        // Still our files (stale ones get deleted), but
                        // none is trusted: every one is made again.
                        m.files.values_mut().for_each(|v| *v = (0, 0));
                    }
                    manifest = m;
                }
            }
            // A first build killed during its renames: all it left is ours.
            Err(_) if interrupted => {
                manifest.files = walk_files(&dir)?.into_iter().map(|p| (p, (0, 0))).collect();
            }
            Err(_) => {
                let foreign = std::fs::read_dir(&dir)
                    .with_context(|| format!("cannot read `{}`", dir.display()))?
                    .flatten()
                    .any(|e| !e.file_name().to_string_lossy().starts_with(OWN));
                if foreign && !force {
                    bail!(
                        "refusing to replace `{}`: it is not empty and inkproof did not make it (no {MANIFEST}); pass --force to replace it, or choose another output folder",
                        dir.display()
                    );
                }
                if foreign {
                    let (adopted, kept) = adopt(&dir)?;
                    notes.push(force_note(&dir, &adopted, &kept));
                    manifest.files = adopted.into_iter().map(|p| (p, (0, 0))).collect();
                }
            }
        }
        distrust(&dir, &manifest_path, &mut manifest.files, &mut notes);
        Ok(Target { dir, manifest, window: None, notes, made, _lock: lock })
    }

    /// Starts writing a build: files go into a fresh staging folder.
    pub fn begin(&self) -> anyhow::Result<Writer> {
        let staging = self.dir.join(format!("{STAGING}{}", std::process::id()));
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

/// Why a manifest entry can't be one of the output's files, if it can't.
fn unsafe_entry(p: &Path) -> Option<&'static str> {
    let mut parts = p.components();
    match parts.next() {
        None => Some("it is empty"),
        Some(Component::Normal(first)) if first.to_string_lossy().starts_with(OWN) => {
            Some("it names inkproof's own bookkeeping")
        }
        Some(Component::Normal(_)) => {
            parts.find(|c| !matches!(c, Component::Normal(_))).map(|c| match c {
                Component::ParentDir => "it holds `..`",
                _ => "it is not a plain relative path",
            })
        }
        Some(Component::RootDir | Component::Prefix(_)) => Some("it is absolute"),
        Some(Component::ParentDir) => Some("it holds `..`"),
        Some(Component::CurDir) => Some("it is not a plain relative path"),
    }
}

/// Drops manifest entries that point anywhere but a file of the output
/// (noted), and entries whose file someone deleted (made again). An entry
/// reached through a symbolic link, or that is one, stays listed but is
/// trusted for nothing: the build makes it again, and the commit replaces or
/// deletes the link itself, never what it points to.
fn distrust(dir: &Path, manifest_path: &Path, files: &mut Files, notes: &mut Vec<String>) {
    let mut bad: Vec<(PathBuf, &str)> =
        files.keys().filter_map(|p| unsafe_entry(p).map(|why| (p.clone(), why))).collect();
    bad.sort();
    for (p, _) in &bad {
        files.remove(p);
    }
    if !bad.is_empty() {
        let shown: Vec<String> =
            bad.iter().take(10).map(|(p, why)| format!("`{}` ({why})", p.display())).collect();
        let more = bad.len().saturating_sub(shown.len());
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        notes.push(format!(
            "ignored {} entries of `{}` that are not files of the output, nothing there was deleted: {}{more}",
            bad.len(),
            manifest_path.display(),
            shown.join(", ")
        ));
    }
    // One `lstat` per listed file and per folder holding them (a folder
    // can be a link out; `stat` would follow it), spread over the cores.
    use rayon::prelude::*;
    let folders: FxHashSet<&Path> = files
        .keys()
        .flat_map(|p| p.ancestors().skip(1).filter(|a| !a.as_os_str().is_empty()))
        .collect();
    let linked: FxHashSet<&Path> =
        folders.into_par_iter().filter(|d| is_link(&dir.join(d))).collect();
    enum Seen {
        Gone,
        Linked,
        File,
    }
    let seen: Vec<(PathBuf, Seen)> = files
        .par_iter()
        .map(|(p, _)| {
            let through_link = p.ancestors().skip(1).any(|a| linked.contains(a));
            let seen = match std::fs::symlink_metadata(dir.join(p)) {
                _ if through_link => Seen::Linked,
                Ok(m) if m.file_type().is_symlink() => Seen::Linked,
                Ok(m) if m.is_file() => Seen::File,
                _ => Seen::Gone,
            };
            (p.clone(), seen)
        })
        .filter(|(_, s)| !matches!(s, Seen::File))
        .collect();
    for (p, s) in seen {
        match s {
            Seen::Gone => {
                files.remove(&p);
            }
            Seen::Linked => {
                files.insert(p, (0, 0));
            }
            Seen::File => {}
        }
    }
}

fn is_link(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
}

/// What `--force` takes over in a folder inkproof did not make: files in
/// its sub-folders, but not its top-level files (a gh-pages checkout's
/// `CNAME`, `.nojekyll`: the build replaces one only by making a file of
/// that name) nor anything in a dot-folder (`.git/`, `.well-known/`).
/// Returns (taken over, kept at the top level).
fn adopt(dir: &Path) -> anyhow::Result<(Vec<PathBuf>, Vec<String>)> {
    let mut adopted = Vec::new();
    let mut kept = Vec::new();
    let walk = walkdir::WalkDir::new(dir).min_depth(1).sort_by_file_name().into_iter();
    for e in walk.filter_entry(|e| {
        let name = e.file_name().to_string_lossy();
        let dot_folder = name.starts_with('.') && e.file_type().is_dir();
        !(name.starts_with(OWN) || dot_folder)
    }) {
        let e = e?;
        if e.depth() == 1 {
            if !e.file_type().is_dir() || e.file_name().to_string_lossy().starts_with('.') {
                kept.push(e.file_name().to_string_lossy().into_owned());
            }
            continue;
        }
        if !e.file_type().is_dir() {
            adopted.push(e.path().strip_prefix(dir).unwrap_or(e.path()).to_path_buf());
        }
    }
    // Dot-folders were not walked; name them among what is kept.
    for e in std::fs::read_dir(dir)?.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.')
            && !name.starts_with(OWN)
            && e.path().is_dir()
            && !is_link(&e.path())
        {
            kept.push(format!("{name}/"));
        }
    }
    kept.sort();
    Ok((adopted, kept))
}

/// The list `--force` prints: what it keeps and every file it may delete.
fn force_note(dir: &Path, adopted: &[PathBuf], kept: &[String]) -> String {
    let mut note = format!(
        "--force: `{}` was not made by inkproof; kept as they are (its top-level files, unless the build writes one of the same name, and its dot-folders): {}",
        dir.display(),
        if kept.is_empty() { "none".to_string() } else { kept.join(", ") }
    );
    note.push_str(&format!(
        "\n  taken over, deleted unless the build makes them again ({} files):",
        adopted.len()
    ));
    for p in adopted {
        note.push_str(&format!("\n    {}", p.display()));
    }
    note
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
        if staged.is_empty() && updates.is_empty() && removed.is_empty() {
            // Nothing changed: the manifest on disk already says all of it.
            let _ = std::fs::remove_dir_all(&self.staging);
            return Ok(());
        }
        let mut files = std::mem::take(&mut target.manifest.files);
        let removed: Vec<&PathBuf> =
            removed.iter().filter(|p| files.remove(*p).is_some()).collect();
        files.extend(updates);
        let manifest = Manifest { tool: tool(), complete: true, files };

        // Mark the folder as being written (a small file, not the manifest):
        // if this process dies during the renames, the next build sees it.
        let marker = target.dir.join(WRITING);
        let opened = Instant::now();
        std::fs::write(&marker, std::process::id().to_string())
            .with_context(|| format!("cannot write `{}`", marker.display()))?;
        let mut folders =
            Folders { root: &target.dir, seen: FxHashMap::default(), notes: Vec::new() };
        // What moves: a staged file, or the staged folder that holds it when
        // the output has no such folder yet (a new page's folder, or all of
        // a first build's, each in one rename).
        let mut moves: Vec<&Path> = Vec::new();
        let mut moved: FxHashSet<&Path> = FxHashSet::default();
        for rel in &staged {
            if rel.ancestors().skip(1).any(|a| moved.contains(a)) {
                continue;
            }
            match folders.first_missing(rel)? {
                Some(folder) => {
                    moved.insert(folder);
                    moves.push(folder);
                }
                None => moves.push(rel),
            }
        }
        // One after another: a rename from the staging folder into another
        // folder takes the filesystem's rename lock, so threads only queue on it.
        for rel in &moves {
            move_in(&self.staging.join(rel), &target.dir.join(rel))?;
        }
        // Stale files: only those the old manifest says inkproof made.
        let mut emptied: BTreeSet<&Path> = BTreeSet::new();
        for old in removed {
            if folders.through_link(old) {
                continue;
            }
            // `remove_file` on a link removes the link.
            if std::fs::remove_file(target.dir.join(old)).is_ok() {
                emptied.extend(old.ancestors().skip(1).filter(|a| !a.as_os_str().is_empty()));
            }
        }
        // Deepest first; `remove_dir` fails (and is ignored) on folders that
        // still hold files and on links. Every entry is a plain relative path
        // (see `distrust`), so this stops at the output folder.
        for d in emptied.iter().rev() {
            let _ = std::fs::remove_dir(target.dir.join(d));
        }
        write_manifest(&target.dir, &manifest)?;
        std::fs::remove_file(&marker)
            .with_context(|| format!("cannot remove `{}`", marker.display()))?;
        target.window = Some(opened.elapsed());
        let _ = std::fs::remove_dir_all(&self.staging);
        target.notes.append(&mut folders.notes);
        target.manifest = manifest;
        Ok(())
    }
}

/// Renames `from` over `to`. A folder of the old build where the new one has a
/// file (or the reverse, a file where the new one has a page folder) is
/// removed first; `remove_dir_all` removes links it meets, never follows them.
fn move_in(from: &Path, to: &Path) -> anyhow::Result<()> {
    if std::fs::rename(from, to).is_ok() {
        return Ok(());
    }
    if let Ok(m) = std::fs::symlink_metadata(to) {
        if m.is_dir() {
            std::fs::remove_dir_all(to)
                .with_context(|| format!("cannot replace the folder `{}`", to.display()))?;
        }
    }
    std::fs::rename(from, to).with_context(|| format!("cannot move `{}` into place", to.display()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Folder {
    /// A real folder (not a link).
    Real,
    /// Nothing there (or nothing any more: a link or a file was removed).
    Missing,
}

/// The output's folders as the commit finds them, each looked at once
/// (`lstat`, never following a link).
struct Folders<'a> {
    root: &'a Path,
    seen: FxHashMap<&'a Path, Folder>,
    notes: Vec<String>,
}

impl<'a> Folders<'a> {
    fn look(&mut self, rel: &'a Path) -> anyhow::Result<Folder> {
        if let Some(f) = self.seen.get(rel) {
            return Ok(*f);
        }
        let path = self.root.join(rel);
        let found = match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => Folder::Real,
            Ok(m) => {
                // A link where a folder of the site goes is replaced by a
                // real folder: removing it removes the link, not its target.
                // A file there is one an old build made (a page folder
                // now replaces it).
                if m.file_type().is_symlink() {
                    let to = std::fs::read_link(&path).unwrap_or_default();
                    self.notes.push(format!(
                        "`{}` in the output was a symbolic link (to `{}`); inkproof never writes or deletes through a link, so the link was removed and the folder made in its place (`{}` was not touched)",
                        rel.display(),
                        to.display(),
                        to.display()
                    ));
                }
                std::fs::remove_file(&path)
                    .with_context(|| format!("cannot remove `{}`", path.display()))?;
                Folder::Missing
            }
            Err(_) => Folder::Missing,
        };
        self.seen.insert(rel, found);
        Ok(found)
    }

    /// The shallowest folder of `rel`'s path that the output does not have
    /// (after removing a link or file in its place), if any.
    fn first_missing(&mut self, rel: &'a Path) -> anyhow::Result<Option<&'a Path>> {
        let mut folders: Vec<&'a Path> =
            rel.ancestors().skip(1).filter(|a| !a.as_os_str().is_empty()).collect();
        folders.reverse();
        for f in folders {
            if self.look(f)? == Folder::Missing {
                return Ok(Some(f));
            }
        }
        Ok(None)
    }

    /// Whether a stale file's path goes through something that is not a real
    /// folder; a link there is removed (as a link), and the file is gone with it.
    fn through_link(&mut self, rel: &'a Path) -> bool {
        // A folder that can't be removed is left; the file is then not deleted either.
        self.first_missing(rel).map_or(true, |f| f.is_some())
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

/// Every file in `dir` but inkproof's own bookkeeping.
fn walk_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let walk = walkdir::WalkDir::new(dir).min_depth(1).into_iter();
    for e in
        walk.filter_entry(|e| e.depth() > 1 || !e.file_name().to_string_lossy().starts_with(OWN))
    {
        let e = e?;
        if !e.file_type().is_dir() {
            out.push(e.path().strip_prefix(dir).unwrap_or(e.path()).to_path_buf());
        }
    }
    Ok(out)
}

/// Cleans up after a build of an older version that was killed: it staged
/// beside the output (`.public.staging-PID`), and older still moved the last
/// site aside (`.public.old-PID`), which is put back. Best effort: the
/// parent may be read-only, and then there is nothing of ours in it.
fn recover_beside(out_dir: &Path) {
    let parent = match out_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let Some(name) = out_dir.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    let staging_prefix = format!(".{name}.staging-");
    let old_prefix = format!(".{name}.old-");
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        let path = entry.path();
        if file_name.starts_with(&staging_prefix) {
            let _ = std::fs::remove_dir_all(&path);
        } else if file_name.starts_with(&old_prefix) {
            if out_dir.exists() {
                let _ = std::fs::remove_dir_all(&path);
            } else {
                let _ = std::fs::rename(&path, out_dir);
            }
        }
    }
    let _ = std::fs::remove_file(parent.join(format!(".{name}.lock")));
}

/// An OS lock (`flock`) on a file in the output, so two builds of one output
/// wait for nothing and corrupt nothing: the second one stops and says who
/// holds it. The kernel drops the lock when its holder dies, so a killed
/// build never blocks the next one, whatever now runs under its pid.
#[derive(Debug)]
struct Lock {
    path: PathBuf,
    _file: std::fs::File,
}

impl Lock {
    fn take(path: &Path) -> anyhow::Result<Lock> {
        use std::os::unix::fs::MetadataExt as _;
        for _ in 0..3 {
            let mut file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)
                .with_context(|| format!("cannot create the lock file `{}`", path.display()))?;
            match file.try_lock() {
                Ok(()) => {
                    // A holder that just finished removes the file before
                    // unlocking it; a lock on that removed file guards nothing.
                    let mine = file.metadata()?;
                    let same = std::fs::symlink_metadata(path)
                        .is_ok_and(|m| m.ino() == mine.ino() && m.dev() == mine.dev());
                    if !same {
                        continue;
                    }
                    file.set_len(0)?;
                    write!(file, "{}", std::process::id())?;
                    return Ok(Lock { path: path.to_path_buf(), _file: file });
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    let holder = std::fs::read_to_string(path).unwrap_or_default();
                    let holder = holder.trim();
                    bail!(
                        "another inkproof build (pid {}) is writing this output; lock file `{}`",
                        if holder.is_empty() { "unknown" } else { holder },
                        path.display()
                    );
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(e).with_context(|| format!("cannot lock `{}`", path.display()))
                }
            }
        }
        bail!("cannot take the lock `{}`", path.display())
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still locked (the file closes after this), so the
        // output holds nothing of the build once it is done.
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
            m.push((PathBuf::from(p), (1, crate::fingerprint::hash(t.as_bytes()))));
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

    /// Adds `entries` to the manifest on disk, as someone editing it would
    /// (by text: a JSON value would turn the 128-bit hashes into floats).
    fn tamper(out: &Path, entries: &[&str]) {
        let path = out.join(MANIFEST);
        let text = std::fs::read_to_string(&path).unwrap();
        let added: String =
            entries.iter().map(|e| format!("{}:[1,1],", serde_json::json!(e))).collect();
        let text = text.replacen("\"files\":{", &format!("\"files\":{{{added}"), 1);
        std::fs::write(&path, text).unwrap();
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
        drop(t);
        let left: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(OWN))
            .collect();
        assert_eq!(left, [MANIFEST], "no lock, marker or staging folder left behind");
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
        let err = Target::open(&site, &protected(&site, &[Path::new("content")], None), true)
            .unwrap_err()
            .to_string();
        assert!(err.contains("refusing"), "{err}");
        let err =
            Target::open(dir.path(), &protected(&site, &[], None), true).unwrap_err().to_string();
        assert!(err.contains("refusing"), "a parent of the site is refused: {err}");
    }

    // Issue 21: the cache folder is never an output, even with --force.
    #[test]
    fn the_cache_folder_is_never_an_output() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        let cache = site.join(crate::store::CACHE_DIR);
        std::fs::create_dir_all(cache.join("bodies")).unwrap();
        std::fs::write(cache.join("bodies/index.bin"), "bodies").unwrap();
        let err = Target::open(&cache, &protected(&site, &[], None), true).unwrap_err().to_string();
        assert!(err.contains("refusing") && err.contains(".inkproof-cache"), "{err}");
        let elsewhere = dir.path().join("cache");
        let err =
            Target::open(&elsewhere.join("public"), &protected(&site, &[], Some(&elsewhere)), true)
                .unwrap_err()
                .to_string();
        assert!(err.contains("refusing"), "nor a folder inside a cache set elsewhere: {err}");
        assert!(cache.join("bodies/index.bin").is_file());
    }

    // Issue 21: a lock left by a killed build named a pid that another program
    // now had, and every build stopped. The lock is the kernel's now.
    #[test]
    fn a_second_build_waits_for_nobody_and_says_who_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        // A killed build's lock file, naming a pid that is alive (pid 1 always
        // is), that nobody holds: not a reason to stop.
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join(LOCK), "1").unwrap();
        let held = Target::open(&out, &[], false).unwrap();
        // Held for real: the second build stops and names the holder.
        let err = Target::open(&out, &[], false).unwrap_err().to_string();
        assert!(err.contains(&format!("pid {}", std::process::id())), "{err}");
        drop(held);
        assert!(Target::open(&out, &[], false).is_ok(), "free again once the holder is done");
    }

    #[test]
    fn a_killed_build_is_recovered_from() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        // killed while filling the staging folder, by an older version (beside the output)
        std::fs::create_dir_all(dir.path().join(".public.staging-99997/x")).unwrap();
        // an old version's swap: the last good site moved aside, no output
        std::fs::create_dir_all(dir.path().join(".public.old-99998")).unwrap();
        std::fs::write(dir.path().join(".public.old-99998/index.html"), "last good").unwrap();
        std::fs::write(dir.path().join(".public.old-99998").join(MANIFEST), "{}").unwrap();
        let mut t = Target::open(&out, &[], false).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("index.html")).unwrap(), "last good");
        assert!(!dir.path().join(".public.staging-99997").exists());
        commit(&mut t, &[("index.html", "new")]);
        assert_eq!(std::fs::read_to_string(out.join("index.html")).unwrap(), "new");
        drop(t);
        // killed while filling the staging folder (this version's, inside the output)
        std::fs::create_dir_all(out.join(".inkproof-staging-99999/x")).unwrap();
        let _t = Target::open(&out, &[], false).unwrap();
        assert!(!out.join(".inkproof-staging-99999").exists());
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
        drop(t);
        // A first build killed during its renames (no manifest yet): the
        // folder is still ours, not refused as foreign.
        std::fs::remove_file(out.join(MANIFEST)).unwrap();
        let t = Target::open(&out, &[], false).unwrap();
        assert!(t.manifest.files.contains_key(Path::new("index.html")));
    }

    // Issue 21: manifest entries were deleted wherever they pointed.
    #[test]
    fn manifest_entries_outside_the_output_are_ignored_with_a_note() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site/public");
        let victim = dir.path().join("site/content/guide");
        std::fs::create_dir_all(&victim).unwrap();
        std::fs::write(victim.join("index.md"), "years of work").unwrap();
        let mut t = Target::open(&out, &[], false).unwrap();
        commit(&mut t, &[("index.html", "x")]);
        drop(t);
        let abs = victim.join("index.md");
        tamper(
            &out,
            &[
                "../content/guide/index.md",
                abs.to_str().unwrap(),
                "a/../../content/guide/index.md",
                LOCK,
            ],
        );
        let mut t = Target::open(&out, &[], false).unwrap();
        let notes = t.notes.join("\n");
        assert!(
            notes.contains("../content/guide/index.md") && notes.contains("holds `..`"),
            "{notes}"
        );
        assert!(notes.contains("is absolute"), "{notes}");
        commit(&mut t, &[("index.html", "y")]);
        assert_eq!(std::fs::read_to_string(victim.join("index.md")).unwrap(), "years of work");
        assert!(out.join("index.html").is_file());
    }

    // Issue 21: a link inside the output was written and deleted through.
    #[test]
    fn links_inside_the_output_are_replaced_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("index.html"), "not the site's").unwrap();
        std::fs::write(outside.join("old.html"), "not the site's either").unwrap();
        let mut t = Target::open(&out, &[], false).unwrap();
        commit(&mut t, &[("tags/index.html", "t"), ("tags/old.html", "o"), ("gone/x.html", "g")]);
        drop(t);
        std::fs::remove_dir_all(out.join("tags")).unwrap();
        std::os::unix::fs::symlink(&outside, out.join("tags")).unwrap();
        std::fs::remove_dir_all(out.join("gone")).unwrap();
        std::os::unix::fs::symlink(&outside, out.join("gone")).unwrap();
        let mut t = Target::open(&out, &[], false).unwrap();
        // tags/index.html is made again; tags/old.html and gone/x.html are stale.
        commit(&mut t, &[("tags/index.html", "t2")]);
        assert_eq!(std::fs::read_to_string(outside.join("index.html")).unwrap(), "not the site's");
        assert!(outside.join("old.html").is_file(), "deleted through a link");
        let tags = std::fs::symlink_metadata(out.join("tags")).unwrap();
        assert!(tags.is_dir(), "the link is replaced by a real folder");
        assert_eq!(std::fs::read_to_string(out.join("tags/index.html")).unwrap(), "t2");
        assert!(
            std::fs::symlink_metadata(out.join("gone")).is_err(),
            "a stale link goes, as a link"
        );
        assert!(t.notes.join("\n").contains("symbolic link"), "{:?}", t.notes);
    }

    // Issue 21: --force deleted a gh-pages checkout's .git and CNAME.
    #[test]
    fn force_keeps_dot_folders_and_top_level_files_and_lists_what_it_takes() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("gh-pages");
        for (p, t) in [
            (".git/HEAD", "ref: refs/heads/gh-pages"),
            (".git/objects/ab/cdef", "blob"),
            ("CNAME", "guides.example.org"),
            (".nojekyll", ""),
            ("old-guide/index.html", "old"),
        ] {
            std::fs::create_dir_all(out.join(p).parent().unwrap()).unwrap();
            std::fs::write(out.join(p), t).unwrap();
        }
        let mut t = Target::open(&out, &[], true).unwrap();
        let note = t.notes.join("\n");
        assert!(note.contains("old-guide/index.html"), "{note}");
        assert!(note.contains(".git/") && note.contains("CNAME"), "{note}");
        commit(&mut t, &[("index.html", "new")]);
        for kept in [".git/HEAD", ".git/objects/ab/cdef", "CNAME", ".nojekyll"] {
            assert!(out.join(kept).is_file(), "{kept} was deleted");
        }
        assert!(!out.join("old-guide").exists(), "listed, and removed");
    }
}
