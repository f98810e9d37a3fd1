//! Step 3: the body of every published article, reused while everything it
//! read is unchanged, and the site index made from the results.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::cache::{shard_of, Bodies, BodyEntry, Cache};
use super::memo::Slugged;
use super::steps::{url_of, Run};
use super::Progress;
use crate::article::{self, Env, Front};
use crate::diag::Diagnostic;
use crate::load::{self, ContentFiles, FileRead, Inputs};
use crate::model::Source;
use crate::render::{self, Indexed};
use crate::store::BodyStore;

/// Records what the body stage read, so its result can be reused exactly
/// while those reads would give the same answers.
struct Recorder<'a> {
    inputs: &'a Inputs,
    files: Mutex<Vec<(PathBuf, u128)>>,
}

impl ContentFiles for Recorder<'_> {
    fn read(&self, rel: &Path) -> FileRead {
        let r = self.inputs.read(rel);
        self.files
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((rel.to_path_buf(), r.fingerprint()));
        r
    }
}
/// What the body step reads besides the cache.
pub(super) struct BodyInputs<'a> {
    pub run: Run<'a>,
    pub fronts: &'a [Arc<Front>],
    /// The published articles, as indices into `sources`.
    pub items: &'a [usize],
    pub slug_of: &'a [Option<&'a Slugged>],
    pub slugs: &'a FxHashMap<PathBuf, Slugged>,
    /// Whether any article URL changed since the last run (else a kept
    /// body's URL look-ups need not be checked).
    pub urls_moved: bool,
    /// The output paths of the static files, which the thumbnail check asks.
    pub statics: &'a FxHashSet<&'a Path>,
    pub progress: Option<&'a Progress>,
}

/// The key of an article's bundle folder and asset list, which its body's
/// image and link rewriting read.
pub(super) fn assets_key(source: &Source) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    match &source.bundle_dir {
        Some(d) => {
            h.update(&[1]);
            h.update(d.as_os_str().as_encoded_bytes());
        }
        None => h.update(&[0]),
    }
    for a in &source.assets {
        let a = a.as_os_str().as_encoded_bytes();
        h.update(&(a.len() as u64).to_le_bytes());
        h.update(a);
    }
    h.digest128()
}

impl BodyInputs<'_> {
    fn slugged(&self, i: usize) -> &Slugged {
        self.slug_of[i].expect("every item has a slug")
    }

    /// The last result for article `i`, when every read it made would give
    /// the same answer now.
    fn reusable(
        &self,
        i: usize,
        assets: u128,
        old: &Bodies,
        store: &BodyStore,
    ) -> Option<Arc<BodyEntry>> {
        let source = &self.run.sources[i];
        let Slugged { slug, url, .. } = self.slugged(i);
        let old = old.get(&source.path)?;
        let fresh = old.source_hash == source.hash
            && old.settings == self.run.settings
            && old.assets == assets
            && old.slug == *slug
            && old.url == *url
            && old.files.iter().all(|(p, fp)| self.run.inputs.read(p).fingerprint() == *fp)
            && (!self.urls_moved
                || old.urls.iter().all(|(p, u)| url_of(self.slugs, p) == u.as_deref()))
            && old.statics.iter().all(|(p, found)| self.statics.contains(p.as_path()) == *found)
            && store.has(old.body_key);
        fresh.then(|| Arc::clone(old))
    }

    /// Article `i`'s body result, made again (and `true`) or the last one.
    fn body(
        &self,
        i: usize,
        old: &Bodies,
        store: &BodyStore,
        done: &AtomicUsize,
    ) -> anyhow::Result<(Arc<BodyEntry>, bool)> {
        let source = &self.run.sources[i];
        let front = &self.fronts[i];
        let Slugged { slug, url, .. } = self.slugged(i);
        let assets = assets_key(source);
        if let Some(old) = self.reusable(i, assets, old, store) {
            return Ok((old, false));
        }
        let recorder = Recorder { inputs: self.run.inputs, files: Mutex::default() };
        let looked_up: Mutex<Vec<(PathBuf, Option<String>)>> = Mutex::default();
        let lookup = |p: &Path| {
            let u = url_of(self.slugs, p).map(str::to_string);
            looked_up.lock().unwrap_or_else(|e| e.into_inner()).push((p.to_path_buf(), u.clone()));
            u
        };
        let statics_read: Mutex<Vec<(PathBuf, bool)>> = Mutex::default();
        let is_static = |p: &Path| {
            let found = self.statics.contains(p);
            statics_read.lock().unwrap_or_else(|e| e.into_inner()).push((p.to_path_buf(), found));
            found
        };
        let (root, config) = (self.run.root, self.run.config);
        let env = Env { root, config, urls: &lookup, files: &recorder, statics: &is_static };
        if let Some(p) = self.progress {
            p(done.fetch_add(1, Ordering::Relaxed) + 1, self.items.len());
        }
        let meta = front.meta.as_ref().expect("items have front matter");
        let (mut article, diags, ignores) =
            article::body(&*load::with_text(source)?, meta, front.body_offset, slug, url, &env);
        let html = std::mem::take(&mut article.html);
        let body_key = crate::fingerprint::hash(html.as_bytes());
        store.put(body_key, &html)?;
        let facts = Arc::new(render::BodyFacts::of(&article, &html, config.search));
        let mut files = recorder.files.into_inner().unwrap_or_else(|e| e.into_inner());
        files.sort();
        files.dedup();
        let mut urls_read = looked_up.into_inner().unwrap_or_else(|e| e.into_inner());
        urls_read.sort();
        urls_read.dedup();
        let mut statics = statics_read.into_inner().unwrap_or_else(|e| e.into_inner());
        statics.sort();
        statics.dedup();
        let entry = BodyEntry {
            source_hash: source.hash,
            settings: self.run.settings,
            assets,
            slug: slug.clone(),
            url: url.clone(),
            files,
            urls: urls_read,
            statics,
            article: Arc::new(article),
            body_key,
            facts,
            diags,
            ignores,
        };
        Ok((Arc::new(entry), true))
    }
}

/// Articles whose body results are made between two copies into the
/// engine's heap: big enough that the workers rarely wait at a chunk's end,
/// small enough that the uncopied results stay a few MB.
const BODY_CHUNK: usize = 256;

/// What the body step makes: the site index (in the order of the items) and
/// whether any body result came, went or changed.
pub(super) struct BodiesMade {
    pub indexed: Vec<Arc<Indexed>>,
    pub changed: bool,
}

/// Step 3: every published article's body, and its index entry. The
/// previous index entry of an article is kept while its body result is the
/// same one. Articles usually keep their place, so the previous index is
/// looked up by position first, by path only when articles came or went.
pub(super) fn bodies(
    b: &BodyInputs<'_>,
    cache: &mut Cache,
    previous: Vec<Arc<Indexed>>,
    one_shot: bool,
    diags: &mut Vec<Diagnostic>,
) -> anyhow::Result<BodiesMade> {
    let done = AtomicUsize::new(0);
    let mut fresh_count = 0;
    let mut by_path: Option<HashMap<&Path, &Arc<Indexed>>> = None;
    let mut indexed: Vec<Arc<Indexed>> = Vec::with_capacity(b.items.len());
    let mut fresh_entries: Vec<Arc<BodyEntry>> = Vec::new();
    // In chunks: a chunk's results are copied (see `copied_here`) and
    // the workers' originals freed before the next chunk is made, so the
    // originals of the whole site are never resident at once.
    for (c, chunk) in b.items.chunks(BODY_CHUNK).enumerate() {
        let (old, store) = (&cache.bodies, &cache.store);
        let results: Vec<anyhow::Result<(Arc<BodyEntry>, bool)>> =
            chunk.par_iter().map(|&i| b.body(i, old, store, &done)).collect();
        for (n, r) in results.into_iter().enumerate() {
            let k = c * BODY_CHUNK + n;
            let (entry, fresh) = r?;
            let entry = if fresh { Arc::new(entry.copied_here()) } else { entry };
            diags.extend(entry.diags.iter().cloned());
            let path = entry.article.source.as_path();
            let old = match previous.get(k) {
                Some(x) if x.article.source == path => Some(x),
                _ => by_path
                    .get_or_insert_with(|| {
                        previous.iter().map(|x| (x.article.source.as_path(), x)).collect()
                    })
                    .get(path)
                    .copied(),
            };
            let reuse = old.filter(|x| !fresh && Arc::ptr_eq(&x.article, &entry.article));
            indexed.push(match reuse {
                Some(x) => Arc::clone(x),
                None => Arc::new(Indexed::new(
                    b.run.config,
                    Arc::clone(&entry.article),
                    entry.body_key,
                    Arc::clone(&entry.facts),
                )),
            });
            if fresh {
                fresh_count += 1;
                cache.dirty |= 1 << shard_of(path);
                fresh_entries.push(entry);
            }
        }
    }
    for entry in fresh_entries {
        cache.bodies.insert(entry.article.source.clone(), entry);
    }
    drop(by_path);
    drop(previous);
    if one_shot {
        rayon::broadcast(|_| crate::highlight::forget_memo());
        crate::highlight::forget_memo();
    }
    let changed = forget_gone(cache, &indexed) || fresh_count > 0;
    Ok(BodiesMade { indexed, changed })
}

/// Drops the body results of articles no longer published; `true` if any.
fn forget_gone(cache: &mut Cache, indexed: &[Arc<Indexed>]) -> bool {
    if cache.bodies.len() == indexed.len() {
        return false;
    }
    let live: HashSet<&Path> = indexed.iter().map(|x| x.article.source.as_path()).collect();
    let mut dirty = 0;
    cache.bodies.retain(|p, _| {
        let keep = live.contains(p.as_path());
        if !keep {
            dirty |= 1 << shard_of(p);
        }
        keep
    });
    cache.dirty |= dirty;
    true
}
