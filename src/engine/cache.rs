//! The persistent cache of article results (`.inkproof-cache/`): its
//! format, and reading and writing it. Every entry carries the hashes of what
//! it was made from, so a stale or foreign entry is only ever a miss.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

use crate::article::Front;
use crate::diag::Diagnostic;
use crate::model::Article;
use crate::render;
use crate::store::{BodyStore, Pack};

/// Bumped when the cached data's shape or meaning changes; part of every key.
pub(super) const CACHE_VERSION: &str = concat!("inkproof-cache-8 ", env!("CARGO_PKG_VERSION"));

/// The article cache is split into this many files by a hash of the source
/// path, so saving after one edit rewrites one of them, not the whole cache.
const SHARDS: usize = 32;

pub(super) fn shard_of(path: &Path) -> usize {
    (crate::fingerprint::hash(path.as_os_str().as_encoded_bytes()) % SHARDS as u128) as usize
}

/// A cached body-stage result and what it was made from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct BodyEntry {
    pub(super) source_hash: u128,
    pub(super) settings: u128,
    pub(super) assets: u128,
    pub(super) slug: String,
    pub(super) url: String,
    /// Files read (snippets) and the fingerprint of what was found.
    pub(super) files: Vec<(PathBuf, u128)>,
    /// Article URLs looked up (`.md` links) and what they were.
    pub(super) urls: Vec<(PathBuf, Option<String>)>,
    /// Static output paths looked up (a `thumbnail:` site path) and whether
    /// each was there: `static/` changing redoes only the articles whose
    /// answer changed.
    pub(super) statics: Vec<(PathBuf, bool)>,
    /// The article with `html` empty (shared with the index).
    pub(super) article: Arc<Article>,
    pub(super) body_key: u128,
    /// Search words and code classes of the body.
    pub(super) facts: Arc<render::BodyFacts>,
    pub(super) diags: Vec<Diagnostic>,
    /// `inkproof-ignore` comments, applied to the site's findings at the end.
    pub(super) ignores: Vec<crate::check::facts::Ignore>,
}

impl BodyEntry {
    /// A deep copy made on the calling thread. The body stage's workers
    /// allocate what an entry keeps between many more short-lived strings
    /// (Markdown events, highlight spans); kept there, the entries pin those
    /// pages and a cold build's resident memory grew ~2.8x faster than the
    /// live data. Copied into the engine thread's heap, the workers' pages
    /// empty out and go back to the OS.
    pub(super) fn copied_here(&self) -> BodyEntry {
        let facts = render::BodyFacts {
            words: Arc::new((*self.facts.words).clone()),
            highlight: self.facts.highlight.clone(),
        };
        BodyEntry {
            article: Arc::new((*self.article).clone()),
            facts: Arc::new(facts),
            ..self.clone()
        }
    }
}

/// One shard of the persistent article cache (`articles-NN.json`).
#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheShard {
    version: String,
    fronts: Vec<(PathBuf, u128, Arc<Front>)>,
    bodies: Vec<(PathBuf, Arc<BodyEntry>)>,
}

/// The persistent cache of page findings (`pages.json`).
#[derive(Debug, Default, Serialize, Deserialize)]
struct CachePages {
    version: String,
    pages: Vec<(u128, Vec<(crate::registry::WarningId, String)>)>,
}

// Fx-hashed maps by source path: each is looked up once per article on every
// run, and the paths are the site's own.
pub(super) type Fronts = FxHashMap<PathBuf, (u128, Arc<Front>)>;
pub(super) type Bodies = FxHashMap<PathBuf, Arc<BodyEntry>>;
pub(super) type PageFindings = FxHashMap<u128, Vec<(crate::registry::WarningId, String)>>;

fn shard_path(dir: &Path, k: usize) -> PathBuf {
    dir.join(format!("articles-{k:02}.json"))
}

/// Reads the cache: the shards in parallel. A missing shard is an empty one
/// (its articles are made again); an unreadable or foreign one is noted.
fn read_cache(dir: &Path, notes: &mut Vec<String>) -> (Fronts, Bodies, PageFindings) {
    let note =
        |path: &Path, why: String| format!("the cache `{}` {why}; it is rebuilt", path.display());
    let shards: Vec<Result<Option<CacheShard>, String>> = (0..SHARDS)
        .into_par_iter()
        .map(|k| {
            let path = shard_path(dir, k);
            let Ok(bytes) = std::fs::read(&path) else { return Ok(None) };
            match serde_json::from_slice::<CacheShard>(&bytes) {
                Ok(c) if c.version == CACHE_VERSION => Ok(Some(c)),
                Ok(c) => Err(note(&path, format!("is from {}", c.version))),
                Err(e) => Err(note(&path, format!("is unreadable ({e})"))),
            }
        })
        .collect();
    let mut fronts = Fronts::default();
    let mut bodies = Bodies::default();
    for shard in shards {
        match shard {
            Ok(Some(c)) => {
                fronts.extend(c.fronts.into_iter().map(|(p, h, f)| (p, (h, f))));
                bodies.extend(c.bodies);
            }
            Ok(None) => {}
            Err(n) => {
                if notes.len() < 3 {
                    notes.push(n);
                }
            }
        }
    }
    let path = dir.join("pages.json");
    let pages = match std::fs::read(&path) {
        Err(_) => PageFindings::default(),
        Ok(bytes) => match serde_json::from_slice::<CachePages>(&bytes) {
            Ok(c) if c.version == CACHE_VERSION => c.pages.into_iter().collect(),
            Ok(c) => {
                notes.push(note(&path, format!("is from {}", c.version)));
                PageFindings::default()
            }
            Err(e) => {
                notes.push(note(&path, format!("is unreadable ({e})")));
                PageFindings::default()
            }
        },
    };
    (fronts, bodies, pages)
}

/// Writes the shards in `dirty` (a bit per shard) and, when `pages` is given,
/// the page findings. Each file is written then renamed, with the pid in the
/// temporary name: two builds saving at once each replace a file whole, and
/// every entry carries the hashes it was made from, so a mix of shards from
/// two builds is still right.
fn write_cache(
    dir: &Path,
    dirty: u64,
    fronts: &Fronts,
    bodies: &Bodies,
    pages: Option<&PageFindings>,
) -> anyhow::Result<()> {
    let write = |path: &Path,
                 value: &dyn Fn(&mut dyn std::io::Write) -> serde_json::Result<()>|
     -> anyhow::Result<()> {
        let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        value(&mut out)?;
        std::io::Write::flush(&mut out)?;
        drop(out);
        std::fs::rename(&tmp, path)?;
        Ok(())
    };
    let mut by_shard: Vec<CacheShard> = (0..SHARDS).map(|_| CacheShard::default()).collect();
    for (p, (h, f)) in fronts {
        let k = shard_of(p);
        if dirty & (1 << k) != 0 {
            by_shard[k].fronts.push((p.clone(), *h, Arc::clone(f)));
        }
    }
    for (p, b) in bodies {
        let k = shard_of(p);
        if dirty & (1 << k) != 0 {
            by_shard[k].bodies.push((p.clone(), Arc::clone(b)));
        }
    }
    by_shard
        .into_par_iter()
        .enumerate()
        .filter(|(k, _)| dirty & (1 << k) != 0)
        .map(|(k, mut shard)| {
            shard.version = CACHE_VERSION.to_string();
            shard.fronts.sort_by(|a, b| a.0.cmp(&b.0));
            shard.bodies.sort_by(|a, b| a.0.cmp(&b.0));
            write(&shard_path(dir, k), &|w| serde_json::to_writer(w, &shard))
        })
        .collect::<anyhow::Result<()>>()?;
    if let Some(pages) = pages {
        let mut file = CachePages { version: CACHE_VERSION.to_string(), pages: Vec::new() };
        file.pages = pages.iter().map(|(k, f)| (*k, f.clone())).collect();
        file.pages.sort_by_key(|p| p.0);
        write(&dir.join("pages.json"), &|w| serde_json::to_writer(w, &file))?;
    }
    // The single file of the previous cache format.
    let _ = std::fs::remove_file(dir.join("articles.json"));
    Ok(())
}

/// The persistent results of one engine and what of them changed since they
/// were last saved, so a save rewrites only those shards.
pub(super) struct Cache {
    pub fronts: Fronts,
    pub bodies: Bodies,
    /// Findings of rendered pages (`check::output::page`), by unit key.
    pub page_findings: PageFindings,
    pub store: BodyStore,
    /// Cache shards (a bit each) whose entries changed since the last save.
    pub dirty: u64,
    /// The page findings changed since the last save.
    pub pages_dirty: bool,
}

impl Cache {
    /// Opens the cache in `dir`. A cache folder that can't be used
    /// (unreadable, a file in its place) costs speed, not the build: it is
    /// noted, `dir` is cleared and this engine goes without it.
    pub fn open(dir: &mut Option<PathBuf>, notes: &mut Vec<String>) -> Cache {
        let pack = dir.as_ref().map(|dir| {
            Pack::open(&dir.join("bodies"), CACHE_VERSION, notes).map_err(|e| {
                notes.push(format!(
                    "the cache folder `{}` cannot be used ({e:#}); this build runs without it",
                    dir.display()
                ))
            })
        });
        if matches!(pack, Some(Err(()))) {
            *dir = None;
        }
        let (store, fronts, bodies, page_findings) = match (pack, &*dir) {
            (Some(Ok(store)), Some(dir)) => {
                let (fronts, bodies, pages) = read_cache(dir, notes);
                (BodyStore::Pack(store), fronts, bodies, pages)
            }
            _ => {
                (BodyStore::memory(), Fronts::default(), Bodies::default(), PageFindings::default())
            }
        };
        Cache { fronts, bodies, page_findings, store, dirty: 0, pages_dirty: false }
    }

    /// Writes what changed since the last save into `dir` (nothing without one).
    pub fn save(&mut self, dir: Option<&Path>) -> anyhow::Result<()> {
        if self.dirty == 0 && !self.pages_dirty && !self.store.is_dirty() {
            return Ok(());
        }
        if let Some(dir) = dir {
            if self.dirty != 0 {
                let live: FxHashSet<u128> = self.bodies.values().map(|b| b.body_key).collect();
                self.store.retain(&live)?;
            }
            self.store.save()?;
            write_cache(
                dir,
                self.dirty,
                &self.fronts,
                &self.bodies,
                self.pages_dirty.then_some(&self.page_findings),
            )?;
        }
        self.dirty = 0;
        self.pages_dirty = false;
        Ok(())
    }

    /// Bodies kept in memory that no article names any more are let go
    /// (only when a body changed: otherwise every one is still named).
    pub fn release_unused_bodies(&self, bodies_changed: bool) -> anyhow::Result<()> {
        if matches!(self.store, BodyStore::Memory(_)) && bodies_changed {
            let live: FxHashSet<u128> = self.bodies.values().map(|b| b.body_key).collect();
            self.store.retain(&live)?;
        }
        Ok(())
    }

    /// Marks the shard of `path` as changed.
    pub fn touch(&mut self, path: &Path) {
        self.dirty |= 1 << shard_of(path);
    }
}
