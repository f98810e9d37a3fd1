//! Where article bodies (content HTML) wait between the body stage and the
//! pages that show them, and between runs: in memory, or packed in the cache.
//!
//! On disk, bodies are appended to a few *pack* files in `.inkproof-cache/bodies/`,
//! and an index file says where each body's bytes are. One file per body
//! was the first design; at 10,000 articles a cold build created 10,000
//! files and read them back, and deleting the cache deleted them again. On
//! an ext4 volume without a journal (this project's benchmark machine),
//! every file created soon after many were deleted walks past the inode
//! slots they freed, so those creations cost seconds of system time; a
//! pack costs one file per run that makes bodies.
//!
//! 1. [`Pack::open`] reads the index (its version and checksum checked: a
//!    foreign or damaged index is noted and every body is made again), opens
//!    the packs it names, and drops entries that lie past a pack's end.
//! 2. [`BodyStore::put`] appends a body to this process's own pack (created
//!    at the first put, so two processes never write one file) at an offset
//!    taken from an atomic counter, so threads write side by side.
//! 3. [`BodyStore::get`] reads the bytes back and checks them against their
//!    key, the hash of the body: damaged bytes are never a page; the entry
//!    is forgotten and the caller makes the body again.
//! 4. [`BodyStore::retain`] forgets bodies no article uses, deletes packs
//!    that hold none, and copies live bodies into a new pack when the packs
//!    are mostly dead bytes or too many; [`BodyStore::save`] writes the index
//!    (to a temporary name, then renamed) and deletes files nobody indexes.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use anyhow::Context as _;
use rustc_hash::{FxHashMap, FxHashSet};

/// The persistent cache of article results, inside the site root. Named
/// here, not only in the binary, because the output must never be it.
pub const CACHE_DIR: &str = ".inkproof-cache";

/// The index's file name, in the bodies folder.
const INDEX: &str = "index.bin";
const MAGIC: &[u8] = b"inkproof-bodies\n";
/// More packs than this are merged on the next save (each run that makes
/// bodies adds one; a site edited one article at a time would collect them).
const MAX_PACKS: usize = 8;
/// Dead bytes tolerated before live bodies are copied out of their packs.
const MIN_DEAD_BYTES: u64 = 4 << 20;

/// Article bodies by key (the hash of the HTML).
#[derive(Debug)]
pub enum BodyStore {
    /// No cache folder (`--no-cache`, tests, tools): kept in memory.
    Memory(RwLock<FxHashMap<u128, Arc<str>>>),
    /// In the cache folder's packs.
    Pack(Pack),
}

/// Where one body's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Loc {
    pack: u32,
    offset: u64,
    len: u64,
}

#[derive(Debug)]
struct PackFile {
    name: String,
    /// `None` once deleted.
    file: Option<Arc<File>>,
}

/// Packed bodies in a cache folder (see the module's doc).
#[derive(Debug)]
pub struct Pack {
    dir: PathBuf,
    /// Whose version the index must carry.
    version: String,
    index: RwLock<FxHashMap<u128, Loc>>,
    packs: RwLock<Vec<PackFile>>,
    /// This process's pack (its number), made at the first put.
    writing: Mutex<Option<(u32, Arc<File>)>>,
    /// The end of this process's pack: the next body's offset.
    end: AtomicU64,
    /// The index changed since it was read or saved.
    dirty: AtomicBool,
    /// Files in the folder that no index entry uses (deleted on save).
    strays: Mutex<Vec<PathBuf>>,
}

impl BodyStore {
    pub fn memory() -> BodyStore {
        BodyStore::Memory(RwLock::default())
    }

    pub fn put(&self, key: u128, html: &str) -> anyhow::Result<()> {
        match self {
            BodyStore::Memory(m) => {
                m.write().unwrap_or_else(|e| e.into_inner()).insert(key, Arc::from(html));
                Ok(())
            }
            BodyStore::Pack(p) => p.put(key, html.as_bytes()),
        }
    }

    /// The body with this key, if present and intact. Owned: every caller
    /// puts it into a page, and bytes read from a pack are a fresh `String`.
    pub fn get(&self, key: u128) -> Option<String> {
        match self {
            BodyStore::Memory(m) => {
                m.read().unwrap_or_else(|e| e.into_inner()).get(&key).map(|b| b.to_string())
            }
            BodyStore::Pack(p) => p.get(key),
        }
    }

    pub fn has(&self, key: u128) -> bool {
        match self {
            BodyStore::Memory(m) => m.read().unwrap_or_else(|e| e.into_inner()).contains_key(&key),
            BodyStore::Pack(p) => {
                p.index.read().unwrap_or_else(|e| e.into_inner()).contains_key(&key)
            }
        }
    }

    /// Drops bodies no article uses any more.
    pub fn retain(&self, live: &FxHashSet<u128>) -> anyhow::Result<()> {
        match self {
            BodyStore::Memory(m) => {
                m.write().unwrap_or_else(|e| e.into_inner()).retain(|k, _| live.contains(k));
                Ok(())
            }
            BodyStore::Pack(p) => p.retain(live),
        }
    }

    /// Makes what was put lasting: writes the index when it changed.
    pub fn save(&self) -> anyhow::Result<()> {
        match self {
            BodyStore::Memory(_) => Ok(()),
            BodyStore::Pack(p) => p.save(),
        }
    }

    /// Whether [`BodyStore::save`] has something to write.
    pub fn is_dirty(&self) -> bool {
        match self {
            BodyStore::Memory(_) => false,
            BodyStore::Pack(p) => p.dirty.load(Ordering::Relaxed),
        }
    }
}

impl Pack {
    /// Opens the bodies folder `dir` (made if missing). Why an index was not
    /// used goes to `notes`; the store is then empty and everything works.
    pub fn open(dir: &Path, version: &str, notes: &mut Vec<String>) -> anyhow::Result<Pack> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot make the cache folder `{}`", dir.display()))?;
        let (names, entries) = match std::fs::read(dir.join(INDEX)) {
            Err(_) => (Vec::new(), Vec::new()),
            Ok(bytes) => match parse_index(&bytes, version) {
                Ok(x) => x,
                Err(why) => {
                    notes.push(format!(
                        "the cache `{}` {why}; its bodies are made again",
                        dir.join(INDEX).display()
                    ));
                    (Vec::new(), Vec::new())
                }
            },
        };
        // Every referenced pack is opened now: a file another process deletes
        // later stays readable through its handle.
        let packs: Vec<PackFile> = names
            .into_iter()
            .map(|name| {
                let file = File::open(dir.join(&name)).ok().map(Arc::new);
                PackFile { name, file }
            })
            .collect();
        let sizes: Vec<u64> = packs
            .iter()
            .map(|p| p.file.as_ref().and_then(|f| f.metadata().ok()).map_or(0, |m| m.len()))
            .collect();
        let mut index = FxHashMap::default();
        let mut lost = false;
        for (key, loc) in entries {
            match sizes.get(loc.pack as usize) {
                Some(&size) if loc.offset.checked_add(loc.len).is_some_and(|e| e <= size) => {
                    index.insert(key, loc);
                }
                _ => lost = true,
            }
        }
        let known: FxHashSet<&str> = packs.iter().map(|p| p.name.as_str()).collect();
        let strays = std::fs::read_dir(dir)?
            .flatten()
            .filter(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                name != INDEX && !known.contains(&*name)
            })
            .map(|e| e.path())
            .collect();
        Ok(Pack {
            dir: dir.to_path_buf(),
            version: version.to_string(),
            index: RwLock::new(index),
            packs: RwLock::new(packs),
            writing: Mutex::new(None),
            end: AtomicU64::new(0),
            dirty: AtomicBool::new(lost),
            strays: Mutex::new(strays),
        })
    }

    /// This process's pack, made on first use.
    fn writer(&self) -> anyhow::Result<(u32, Arc<File>)> {
        let mut w = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((n, f)) = &*w {
            return Ok((*n, Arc::clone(f)));
        }
        let (name, file) = self.new_pack_file()?;
        let file = Arc::new(file);
        let mut packs = self.packs.write().unwrap_or_else(|e| e.into_inner());
        let n = packs.len() as u32;
        packs.push(PackFile { name, file: Some(Arc::clone(&file)) });
        self.end.store(0, Ordering::Relaxed);
        *w = Some((n, Arc::clone(&file)));
        Ok((n, file))
    }

    /// A new, empty pack file with a name no other process or call uses.
    fn new_pack_file(&self) -> anyhow::Result<(String, File)> {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let seq = SEQ.fetch_add(1, Ordering::Relaxed);
        let name = format!("{nanos:x}-{}-{seq}.pack", std::process::id());
        let path = self.dir.join(&name);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        Ok((name, file))
    }

    fn put(&self, key: u128, bytes: &[u8]) -> anyhow::Result<()> {
        if self.index.read().unwrap_or_else(|e| e.into_inner()).contains_key(&key) {
            return Ok(());
        }
        let (pack, file) = self.writer()?;
        let len = bytes.len() as u64;
        let offset = self.end.fetch_add(len, Ordering::Relaxed);
        write_at(&file, bytes, offset).with_context(|| {
            format!("cannot write `{}`", self.dir.join(self.name_of(pack)).display())
        })?;
        self.index
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, Loc { pack, offset, len });
        self.dirty.store(true, Ordering::Relaxed);
        Ok(())
    }

    fn name_of(&self, pack: u32) -> String {
        let packs = self.packs.read().unwrap_or_else(|e| e.into_inner());
        packs.get(pack as usize).map(|p| p.name.clone()).unwrap_or_default()
    }

    fn read(&self, loc: Loc) -> Option<Vec<u8>> {
        let file = {
            let packs = self.packs.read().unwrap_or_else(|e| e.into_inner());
            Arc::clone(packs.get(loc.pack as usize)?.file.as_ref()?)
        };
        let mut buf = vec![0; usize::try_from(loc.len).ok()?];
        read_at(&file, &mut buf, loc.offset).ok()?;
        Some(buf)
    }

    fn get(&self, key: u128) -> Option<String> {
        let loc = *self.index.read().unwrap_or_else(|e| e.into_inner()).get(&key)?;
        let text = self
            .read(loc)
            .filter(|b| crate::fingerprint::hash(b) == key)
            .and_then(|b| String::from_utf8(b).ok());
        if text.is_none() {
            // Damaged or gone: forgotten, so the body made again is stored.
            let mut index = self.index.write().unwrap_or_else(|e| e.into_inner());
            if index.get(&key) == Some(&loc) {
                index.remove(&key);
                self.dirty.store(true, Ordering::Relaxed);
            }
        }
        text
    }

    fn retain(&self, live: &FxHashSet<u128>) -> anyhow::Result<()> {
        // Taken before the other locks, in the order `writer` takes them.
        let writing = self.writing.lock().unwrap_or_else(|e| e.into_inner()).as_ref().map(|w| w.0);
        let mut index = self.index.write().unwrap_or_else(|e| e.into_inner());
        let before = index.len();
        index.retain(|k, _| live.contains(k));
        if index.len() != before {
            self.dirty.store(true, Ordering::Relaxed);
        }
        let mut packs = self.packs.write().unwrap_or_else(|e| e.into_inner());
        let mut live_bytes = vec![0u64; packs.len()];
        for loc in index.values() {
            live_bytes[loc.pack as usize] += loc.len;
        }
        let size =
            |p: &PackFile| p.file.as_ref().and_then(|f| f.metadata().ok()).map_or(0, |m| m.len());
        // Packs without a live body go (this process's own too: a put after
        // this starts a new one).
        let mut strays = self.strays.lock().unwrap_or_else(|e| e.into_inner());
        let mut dropped_writer = false;
        for (n, p) in packs.iter_mut().enumerate() {
            if live_bytes[n] == 0 && p.file.is_some() {
                p.file = None;
                strays.push(self.dir.join(&p.name));
                dropped_writer |= writing == Some(n as u32);
                self.dirty.store(true, Ordering::Relaxed);
            }
        }
        let open: Vec<usize> = (0..packs.len()).filter(|&n| packs[n].file.is_some()).collect();
        let total: u64 = open.iter().map(|&n| size(&packs[n])).sum();
        let live_total: u64 = live_bytes.iter().sum();
        let dead = total.saturating_sub(live_total);
        // Mostly dead bytes: every pack is copied; too many packs: all but
        // the largest (a site's first build) are merged.
        let merge: Vec<usize> = if dead > live_total && dead > MIN_DEAD_BYTES {
            open
        } else if open.len() > MAX_PACKS {
            let largest = open.iter().copied().max_by_key(|&n| live_bytes[n]);
            open.into_iter().filter(|&n| Some(n) != largest).collect()
        } else {
            Vec::new()
        };
        if !merge.is_empty() {
            let (name, file) = self.new_pack_file()?;
            let target = packs.len() as u32;
            let mut offset = 0;
            let mut moved = Vec::new();
            for (key, loc) in index.iter() {
                if !merge.contains(&(loc.pack as usize)) {
                    continue;
                }
                let Some(from) = packs[loc.pack as usize].file.clone() else { continue };
                let mut buf = vec![0; loc.len as usize];
                if read_at(&from, &mut buf, loc.offset).is_err()
                    || crate::fingerprint::hash(&buf) != *key
                {
                    moved.push((*key, None));
                    continue;
                }
                write_at(&file, &buf, offset).with_context(|| {
                    format!("cannot write `{}`", self.dir.join(&name).display())
                })?;
                moved.push((*key, Some(Loc { pack: target, offset, len: loc.len })));
                offset += loc.len;
            }
            for (key, loc) in moved {
                match loc {
                    Some(loc) => index.insert(key, loc),
                    None => index.remove(&key),
                };
            }
            packs.push(PackFile { name, file: Some(Arc::new(file)) });
            for n in merge {
                packs[n].file = None;
                strays.push(self.dir.join(&packs[n].name));
                dropped_writer |= writing == Some(n as u32);
            }
            self.dirty.store(true, Ordering::Relaxed);
        }
        drop((index, packs, strays));
        if dropped_writer {
            *self.writing.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
        Ok(())
    }

    fn save(&self) -> anyhow::Result<()> {
        if !self.dirty.load(Ordering::Relaxed) {
            return Ok(());
        }
        let index = self.index.read().unwrap_or_else(|e| e.into_inner());
        let packs = self.packs.read().unwrap_or_else(|e| e.into_inner());
        // Only packs still open and used are named; numbers are renumbered.
        let mut renumber = vec![u32::MAX; packs.len()];
        let mut names = Vec::new();
        for loc in index.values() {
            let n = loc.pack as usize;
            if renumber[n] == u32::MAX {
                renumber[n] = names.len() as u32;
                names.push(packs[n].name.as_str());
            }
        }
        let mut entries: Vec<(u128, Loc)> = index
            .iter()
            .map(|(k, l)| (*k, Loc { pack: renumber[l.pack as usize], ..*l }))
            .collect();
        entries.sort_unstable_by_key(|e| e.0);
        let bytes = write_index(&self.version, &names, &entries);
        let path = self.dir.join(INDEX);
        let tmp = self.dir.join(format!("{INDEX}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, &bytes)
            .with_context(|| format!("cannot write `{}`", tmp.display()))?;
        std::fs::rename(&tmp, &path)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        drop((index, packs));
        for p in std::mem::take(&mut *self.strays.lock().unwrap_or_else(|e| e.into_inner())) {
            let _ = std::fs::remove_file(p);
        }
        self.dirty.store(false, Ordering::Relaxed);
        Ok(())
    }
}

/// The index: magic, version line, pack names, entries sorted by key, and an
/// xxh3 checksum of all of it (a truncated or damaged file fails it).
fn write_index(version: &str, names: &[&str], entries: &[(u128, Loc)]) -> Vec<u8> {
    let mut b = Vec::with_capacity(64 + names.len() * 48 + entries.len() * 36);
    b.extend_from_slice(MAGIC);
    b.extend_from_slice(version.as_bytes());
    b.push(b'\n');
    b.extend_from_slice(&(names.len() as u32).to_le_bytes());
    for n in names {
        b.extend_from_slice(&(n.len() as u32).to_le_bytes());
        b.extend_from_slice(n.as_bytes());
    }
    b.extend_from_slice(&(entries.len() as u64).to_le_bytes());
    for (key, loc) in entries {
        b.extend_from_slice(&key.to_le_bytes());
        b.extend_from_slice(&loc.pack.to_le_bytes());
        b.extend_from_slice(&loc.offset.to_le_bytes());
        b.extend_from_slice(&loc.len.to_le_bytes());
    }
    let sum = crate::fingerprint::hash(&b);
    b.extend_from_slice(&sum.to_le_bytes());
    b
}

type Parsed = (Vec<String>, Vec<(u128, Loc)>);

fn parse_index(bytes: &[u8], version: &str) -> Result<Parsed, String> {
    let damaged = || "is damaged".to_string();
    let (body, sum) = bytes.split_at_checked(bytes.len().saturating_sub(16)).ok_or_else(damaged)?;
    let rest = body.strip_prefix(MAGIC).ok_or_else(damaged)?;
    let eol = rest.iter().position(|&c| c == b'\n').ok_or_else(damaged)?;
    let found = String::from_utf8_lossy(&rest[..eol]);
    if found != version {
        return Err(format!("is from {found}"));
    }
    if sum.len() != 16 || crate::fingerprint::hash(body).to_le_bytes() != sum {
        return Err(damaged());
    }
    let mut r = Reader(&rest[eol + 1..]);
    let mut names = Vec::new();
    for _ in 0..r.u32().ok_or_else(damaged)? {
        let len = r.u32().ok_or_else(damaged)? as usize;
        let name = std::str::from_utf8(r.take(len).ok_or_else(damaged)?).map_err(|_| damaged())?;
        // A name is a plain file name in the folder, never a path.
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(damaged());
        }
        names.push(name.to_string());
    }
    let count = r.u64().ok_or_else(damaged)?;
    let mut entries = Vec::new();
    for _ in 0..count {
        let key =
            u128::from_le_bytes(r.take(16).ok_or_else(damaged)?.try_into().map_err(|_| damaged())?);
        let pack = r.u32().ok_or_else(damaged)?;
        let offset = r.u64().ok_or_else(damaged)?;
        let len = r.u64().ok_or_else(damaged)?;
        if pack as usize >= names.len() {
            return Err(damaged());
        }
        entries.push((key, Loc { pack, offset, len }));
    }
    Ok((names, entries))
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (a, b) = self.0.split_at_checked(n)?;
        self.0 = b;
        Some(a)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
}

#[cfg(unix)]
fn write_at(f: &File, bytes: &[u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(f, bytes, offset)
}

#[cfg(unix)]
fn read_at(f: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(f, buf, offset)
}

#[cfg(windows)]
fn write_at(f: &File, mut bytes: &[u8], mut offset: u64) -> std::io::Result<()> {
    while !bytes.is_empty() {
        let n = std::os::windows::fs::FileExt::seek_write(f, bytes, offset)?;
        bytes = &bytes[n..];
        offset += n as u64;
    }
    Ok(())
}

#[cfg(windows)]
fn read_at(f: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        let n = std::os::windows::fs::FileExt::seek_read(f, buf, offset)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf = &mut buf[n..];
        offset += n as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: &str = "test-version";

    fn open(dir: &Path) -> (BodyStore, Vec<String>) {
        let mut notes = Vec::new();
        let p = Pack::open(dir, V, &mut notes).unwrap();
        (BodyStore::Pack(p), notes)
    }

    fn put(s: &BodyStore, text: &str) -> u128 {
        let key = crate::fingerprint::hash(text.as_bytes());
        s.put(key, text).unwrap();
        key
    }

    fn files(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn bodies_outlive_the_process_in_one_pack() {
        let dir = tempfile::tempdir().unwrap();
        let (s, _) = open(dir.path());
        let keys: Vec<u128> = (0..50).map(|i| put(&s, &format!("<p>body {i}</p>"))).collect();
        assert_eq!(s.get(keys[7]).as_deref(), Some("<p>body 7</p>"), "readable in the same run");
        s.save().unwrap();
        assert_eq!(files(dir.path()).len(), 2, "one pack and the index: {:?}", files(dir.path()));
        let (s, notes) = open(dir.path());
        assert!(notes.is_empty(), "{notes:?}");
        for (i, k) in keys.iter().enumerate() {
            assert!(s.has(*k));
            assert_eq!(s.get(*k).as_deref(), Some(&*format!("<p>body {i}</p>")));
        }
        assert!(!s.has(crate::fingerprint::hash(b"never put")));
    }

    /// A store saved with two bodies: their keys and the pack's path.
    fn two_saved(dir: &Path, first: &str, second: &str) -> (u128, u128, PathBuf) {
        let (s, _) = open(dir);
        let (a, b) = (put(&s, first), put(&s, second));
        s.save().unwrap();
        let pack = files(dir).into_iter().find(|n| n.ends_with(".pack")).unwrap();
        (a, b, dir.join(pack))
    }

    #[test]
    fn damaged_bytes_are_never_returned_and_are_made_again() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, path) = two_saved(dir.path(), "<p>first</p>", "<p>second</p>");
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[4] ^= 1; // inside the first body
        std::fs::write(&path, &bytes).unwrap();
        let (s, _) = open(dir.path());
        assert_eq!(s.get(a), None, "a body that fails its hash is not returned");
        assert!(!s.has(a), "and is forgotten, so the next put stores it");
        assert_eq!(s.get(b).as_deref(), Some("<p>second</p>"));
        put(&s, "<p>first</p>");
        assert_eq!(s.get(a).as_deref(), Some("<p>first</p>"));
    }

    #[test]
    fn a_truncated_pack_or_index_or_another_version_loses_bodies_not_correctness() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, pack) = two_saved(dir.path(), "<p>alpha</p>", "<p>beta</p>");
        let bytes = std::fs::read(&pack).unwrap();
        std::fs::write(&pack, &bytes[..bytes.len() - 3]).unwrap();
        let (s, _) = open(dir.path());
        assert!(s.has(a) && !s.has(b), "the body past the end is dropped, the other kept");

        let index = dir.path().join(INDEX);
        let bytes = std::fs::read(&index).unwrap();
        std::fs::write(&index, &bytes[..bytes.len() - 1]).unwrap();
        let (s, notes) = open(dir.path());
        assert!(!s.has(a), "a damaged index is not used");
        assert!(notes.iter().any(|n| n.contains("is damaged")), "{notes:?}");

        let mut notes = Vec::new();
        std::fs::write(&index, &bytes).unwrap();
        let p = Pack::open(dir.path(), "another-version", &mut notes).unwrap();
        assert!(p.index.read().unwrap().is_empty());
        assert!(notes.iter().any(|n| n.contains("is from test-version")), "{notes:?}");
    }

    #[test]
    fn dead_bodies_and_extra_packs_are_cleaned_up_on_save() {
        let dir = tempfile::tempdir().unwrap();
        // Nine runs, each making one body: nine packs.
        let mut keys = Vec::new();
        for i in 0..9 {
            let (s, _) = open(dir.path());
            keys.push(put(&s, &format!("<p>run {i}</p>")));
            let live: FxHashSet<u128> = keys.iter().copied().collect();
            s.retain(&live).unwrap();
            s.save().unwrap();
        }
        let packs = files(dir.path()).iter().filter(|n| n.ends_with(".pack")).count();
        assert!(packs <= MAX_PACKS, "{packs} packs: merged past {MAX_PACKS}");
        let (s, _) = open(dir.path());
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(s.get(*k).as_deref(), Some(&*format!("<p>run {i}</p>")), "run {i}");
        }
        // A body no longer used goes; a pack left with none is deleted.
        let live: FxHashSet<u128> = keys[1..].iter().copied().collect();
        s.retain(&live).unwrap();
        s.save().unwrap();
        let (s, _) = open(dir.path());
        assert!(!s.has(keys[0]));
        assert_eq!(s.get(keys[8]).as_deref(), Some("<p>run 8</p>"));
        s.retain(&FxHashSet::default()).unwrap();
        s.save().unwrap();
        assert_eq!(files(dir.path()), vec![INDEX.to_string()], "no body left, no pack left");
    }

    #[test]
    fn files_of_the_former_layout_and_killed_runs_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path()).unwrap();
        std::fs::write(dir.path().join("0123abcd.html"), "<p>old layout</p>").unwrap();
        std::fs::write(dir.path().join("dead.pack"), "never indexed").unwrap();
        let (s, _) = open(dir.path());
        let a = put(&s, "<p>new</p>");
        s.save().unwrap();
        let left = files(dir.path());
        assert_eq!(left.len(), 2, "{left:?}");
        assert!(!left.iter().any(|n| n == "dead.pack" || n.ends_with(".html")));
        assert_eq!(open(dir.path()).0.get(a).as_deref(), Some("<p>new</p>"));
    }
}
