//! The engine `build`, `check` and `serve` share.
//!
//! 1. [`load::Inputs`] reads the site (and re-reads what changed).
//! 2. Per article, in parallel: front matter, then the body stage
//!    ([`article::body`]). Each result is kept with what it was made from (the
//!    source hash, the config, the snippet files and article URLs it looked
//!    up); the next run reuses it only if all of those are unchanged. Bodies go
//!    to a [`BodyStore`] (a cache folder, or memory), not into the index.
//! 3. The site index ([`render::Site`]): metadata of every article, rebuilt
//!    whole each run (it is small). Site-wide checks run on it.
//! 4. [`render::plan`] lists every output as a unit with a key; a unit whose
//!    key matches the last build's manifest is not rendered again, and a
//!    rendered one whose bytes match is not written again.
//!
//! Skipping work only ever compares hashes of inputs, so an incremental
//! result equals a clean build by construction; `tests/suite/incremental.rs`
//! checks that against clean builds after long random edit sequences.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::article::{self, Env, Front};
use crate::diag::{self, Diagnostic, Location, Severity};
use crate::load::{self, ContentFiles, FileRead, Inputs};
use crate::model::{Article, BuildStats, Output, StrippedKind};
use crate::render::{self, HomeIntro, Indexed, Job, Site};
use crate::write::{self, Target};

/// Bumped when the cached data's shape or meaning changes; part of every key.
const CACHE_VERSION: &str = concat!("inkproof-cache-1 ", env!("CARGO_PKG_VERSION"));

/// Output folders the site itself uses; an article can't take these slugs.
const RESERVED: &[&str] = &["tags", "categories", "snippets", "search", "page"];

/// How an engine is set up.
#[derive(Debug, Clone, Default)]
pub struct EngineOptions {
    /// Site root (holds `content/`, `templates/`, `static/`, `inkproof.yaml`).
    pub root: PathBuf,
    /// Include articles with `draft: true`.
    pub drafts: bool,
    /// Override `base_url` from the config (the dev server uses its own address).
    pub base_url: Option<String>,
    /// Where outputs go: a folder (an empty path: the config's `output_dir`),
    /// or `None` to keep them in memory ([`Engine::outputs`]).
    pub output: Option<PathBuf>,
    /// Replace an output folder inkproof did not make.
    pub force: bool,
    /// Folder for the persistent cache of article results; `None`: no cache.
    pub cache_dir: Option<PathBuf>,
    /// Only check: write nothing (pages are rendered only when their own
    /// findings are not known from the cache).
    pub check_only: bool,
    /// Treat warnings as errors: nothing is written when there are any.
    pub deny_warnings: bool,
    /// Whether external links are checked over the network.
    pub external: ExternalLinks,
}

/// Whether a run checks external links. Off unless asked: the dev server and
/// library builds must not wait on other people's servers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ExternalLinks {
    #[default]
    Off,
    /// As the site's `check.external` says (`build` and `check`).
    FromConfig,
    /// Yes, whatever the config says (`--external`).
    On,
}

/// What one run did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub stats: BuildStats,
    /// Output paths whose bytes changed (written) in this run.
    pub changed: Vec<PathBuf>,
    /// Output paths of the previous run that are gone.
    pub removed: Vec<PathBuf>,
    /// `true` when the config changed (everything was reloaded).
    pub full_reload: bool,
    /// Notes for the person running the tool (cache ignored, …), not findings.
    pub notes: Vec<String>,
    /// Wall time of each stage of the run, for benchmarks.
    pub phases: Vec<(&'static str, Duration)>,
    pub elapsed: Duration,
    /// How the external-link check went, when it ran.
    pub external: Option<crate::check::external::Stats>,
}

/// A cached body-stage result and what it was made from.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct BodyEntry {
    source_hash: u128,
    settings: u128,
    assets: u128,
    slug: String,
    url: String,
    /// Files read (snippets) and the fingerprint of what was found.
    files: Vec<(PathBuf, u128)>,
    /// Article URLs looked up (`.md` links) and what they were.
    urls: Vec<(PathBuf, Option<String>)>,
    /// The article with `html` empty (shared with the index).
    article: Arc<Article>,
    body_key: u128,
    diags: Vec<Diagnostic>,
    /// `inkproof-ignore` comments, applied to the site's findings at the end.
    ignores: Vec<crate::check::facts::Ignore>,
}

/// The persistent cache file.
#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheFile {
    version: String,
    fronts: Vec<(PathBuf, u128, Arc<Front>)>,
    bodies: Vec<(PathBuf, Arc<BodyEntry>)>,
    pages: Vec<(u128, Vec<(String, String)>)>,
}

/// Where article bodies (content HTML) live between the body stage and rendering.
#[derive(Debug)]
enum BodyStore {
    Memory(Mutex<HashMap<u128, Arc<str>>>),
    /// The folder and the keys known to be in it (listed once, then kept up
    /// to date), so checking a body costs no system call.
    Disk(PathBuf, Mutex<HashSet<u128>>),
}

impl BodyStore {
    fn put(&self, key: u128, html: &str) -> anyhow::Result<()> {
        match self {
            BodyStore::Memory(m) => {
                m.lock().unwrap_or_else(|e| e.into_inner()).insert(key, Arc::from(html));
                Ok(())
            }
            BodyStore::Disk(dir, known) => {
                let path = dir.join(format!("{key:032x}.html"));
                if std::fs::metadata(&path).is_ok_and(|m| m.len() == html.len() as u64) {
                    return Ok(());
                }
                // Write then rename: a concurrent build never sees half a body.
                // Two articles with the same body share a key, and threads of
                // one process put them at once: the temp name is per call.
                static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
                let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let tmp = dir.join(format!("{key:032x}.{}-{seq}.tmp", std::process::id()));
                std::fs::write(&tmp, html)
                    .with_context(|| format!("cannot write `{}`", tmp.display()))?;
                std::fs::rename(&tmp, &path)
                    .with_context(|| format!("cannot write `{}`", path.display()))?;
                known.lock().unwrap_or_else(|e| e.into_inner()).insert(key);
                Ok(())
            }
        }
    }

    /// The body with this key, if present and intact (its hash is its name).
    fn get(&self, key: u128) -> Option<Arc<str>> {
        match self {
            BodyStore::Memory(m) => m.lock().unwrap_or_else(|e| e.into_inner()).get(&key).cloned(),
            BodyStore::Disk(dir, _) => {
                let text = std::fs::read_to_string(dir.join(format!("{key:032x}.html"))).ok()?;
                (load::hash(text.as_bytes()) == key).then(|| Arc::from(text))
            }
        }
    }

    fn has(&self, key: u128) -> bool {
        match self {
            BodyStore::Memory(m) => m.lock().unwrap_or_else(|e| e.into_inner()).contains_key(&key),
            BodyStore::Disk(_, known) => {
                known.lock().unwrap_or_else(|e| e.into_inner()).contains(&key)
            }
        }
    }

    /// Drops bodies no article uses any more.
    fn retain(&self, live: &HashSet<u128>) {
        match self {
            BodyStore::Memory(m) => {
                m.lock().unwrap_or_else(|e| e.into_inner()).retain(|k, _| live.contains(k))
            }
            BodyStore::Disk(dir, known) => {
                known.lock().unwrap_or_else(|e| e.into_inner()).retain(|k| live.contains(k));
                let Ok(entries) = std::fs::read_dir(dir) else { return };
                for e in entries.flatten() {
                    let name = e.file_name();
                    let name = name.to_string_lossy();
                    let keep = name
                        .strip_suffix(".html")
                        .and_then(|h| u128::from_str_radix(h, 16).ok())
                        .is_some_and(|k| live.contains(&k));
                    if !keep {
                        let _ = std::fs::remove_file(e.path());
                    }
                }
            }
        }
    }
}

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

/// The engine: inputs, cached per-article results, the last index and what
/// was written. `build` makes one and runs it once; `serve` keeps it and calls
/// [`Engine::update`] on every change.
pub struct Engine {
    opts: EngineOptions,
    inputs: Inputs,
    fronts: HashMap<PathBuf, (u128, Arc<Front>)>,
    /// Findings of rendered pages (`check::output::page`), by unit key.
    page_findings: HashMap<u128, Vec<(String, String)>>,
    bodies: HashMap<PathBuf, Arc<BodyEntry>>,
    store: BodyStore,
    target: Option<Target>,
    /// Outputs kept in memory when there is no output folder.
    memory: BTreeMap<PathBuf, Output>,
    /// In memory mode: the last keys, as the manifest would have them.
    memory_keys: BTreeMap<PathBuf, (u128, u128)>,
    indexed: Vec<Arc<Indexed>>,
    diagnostics: Vec<Diagnostic>,
    cache_dirty: bool,
    notes: Vec<String>,
    progress: Option<Box<Progress>>,
    /// Compiled templates and the hash of the texts they came from.
    tera: Option<(u128, Arc<tera::Tera>, Vec<Diagnostic>)>,
}

/// Called with (articles done, articles to do) while bodies are rendered.
pub type Progress = dyn Fn(usize, usize) + Send + Sync;

impl Engine {
    /// Loads the site and opens the output (without building: call [`Engine::run`]).
    pub fn new(opts: EngineOptions) -> anyhow::Result<Engine> {
        let exclude: Vec<PathBuf> =
            opts.output.iter().filter(|p| !p.as_os_str().is_empty()).cloned().collect();
        let inputs = Inputs::load(&opts.root, &exclude)?;
        let mut opts = opts;
        if opts.output.as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
            opts.output = Some(opts.root.join(&inputs.config.output_dir));
        }
        let mut notes = Vec::new();
        let (store, fronts, bodies, page_findings) = match &opts.cache_dir {
            Some(dir) => {
                let bodies_dir = dir.join("bodies");
                std::fs::create_dir_all(&bodies_dir)?;
                let (fronts, bodies, pages) = read_cache(&dir.join("articles.json"), &mut notes);
                let known = std::fs::read_dir(&bodies_dir)?
                    .flatten()
                    .filter_map(|e| {
                        let name = e.file_name();
                        let hex = name.to_str()?.strip_suffix(".html")?.to_string();
                        u128::from_str_radix(&hex, 16).ok()
                    })
                    .collect();
                (BodyStore::Disk(bodies_dir, Mutex::new(known)), fronts, bodies, pages)
            }
            None => (
                BodyStore::Memory(Mutex::default()),
                HashMap::new(),
                HashMap::new(),
                HashMap::new(),
            ),
        };
        let target = match (&opts.output, opts.check_only) {
            (Some(dir), false) => {
                let c = &inputs.config;
                let protected = write::protected(
                    &opts.root,
                    &[&c.content_dir, &c.templates_dir, &c.static_dir],
                );
                Some(Target::open(dir, &protected, opts.force)?)
            }
            _ => None,
        };
        Ok(Engine {
            opts,
            inputs,
            fronts,
            bodies,
            store,
            target,
            memory: BTreeMap::new(),
            page_findings,
            memory_keys: BTreeMap::new(),
            indexed: Vec::new(),
            diagnostics: Vec::new(),
            cache_dirty: false,
            notes,
            progress: None,
            tera: None,
        })
    }

    /// Reports body-stage progress to `f` (the CLI's progress bar).
    pub fn set_progress(&mut self, f: Box<Progress>) {
        self.progress = Some(f);
    }

    pub fn config(&self) -> &crate::config::Config {
        &self.inputs.config
    }

    /// Every current finding, sorted by file and line.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Articles of the last run (bodies not included: see [`Engine::body`]).
    pub fn articles(&self) -> impl Iterator<Item = &Article> {
        self.indexed.iter().map(|x| &*x.article)
    }

    /// The text of a file the build read (an article, the config), for
    /// showing source lines under findings.
    pub fn source_text(&self, path: &Path) -> Option<&str> {
        let c = &self.inputs.content;
        if let Some(s) =
            c.sources.iter().map(|s| &**s).chain(c.home.as_ref()).find(|s| s.path == path)
        {
            return Some(&s.text);
        }
        match &self.inputs.config_file {
            Some((name, text)) if Path::new(name) == path => Some(text),
            _ => None,
        }
    }

    /// The content HTML of an article of the last run.
    pub fn body(&self, a: &Article) -> Option<String> {
        let entry = self.bodies.get(&a.source)?;
        self.store.get(entry.body_key).map(|b| b.to_string())
    }

    /// In memory mode, every output of the last successful run.
    pub fn outputs(&self) -> impl Iterator<Item = &Output> {
        self.memory.values()
    }

    /// The output folder, when there is one.
    pub fn output_dir(&self) -> Option<&Path> {
        self.target.as_ref().map(|t| t.dir.as_path())
    }

    /// Bytes of a published file by its path in the output.
    pub fn output(&self, path: &Path) -> Option<Vec<u8>> {
        match &self.target {
            Some(t) => {
                if !t.manifest.files.contains_key(path) {
                    return None;
                }
                std::fs::read(t.dir.join(path)).ok()
            }
            None => match self.memory.get(path)? {
                Output::Bytes { bytes, .. } => Some(bytes.clone()),
                Output::Copy { from, .. } => std::fs::read(from).ok(),
            },
        }
    }

    /// Writes the persistent cache if anything in it changed. `build` calls
    /// it once at the end; `serve` when it stops (not on every save: the file
    /// holds every article's result, and an edit should cost one article).
    pub fn save_cache(&mut self) -> anyhow::Result<()> {
        if !self.cache_dirty {
            return Ok(());
        }
        if let Some(dir) = &self.opts.cache_dir {
            let live: HashSet<u128> = self.bodies.values().map(|b| b.body_key).collect();
            self.store.retain(&live);
            write_cache(
                &dir.join("articles.json"),
                &self.fronts,
                &self.bodies,
                &self.page_findings,
            )?;
        }
        self.cache_dirty = false;
        Ok(())
    }

    /// Re-reads the changed files (absolute or root-relative paths) and runs again.
    pub fn update(&mut self, changed: &[PathBuf]) -> anyhow::Result<Report> {
        let full_reload = self.inputs.refresh(changed)?;
        let mut report = self.run()?;
        report.full_reload = full_reload;
        Ok(report)
    }

    /// Builds: every stage, reusing whatever is unchanged. Writes only when
    /// there are no errors. `Err` only when the tool can't go on.
    pub fn run(&mut self) -> anyhow::Result<Report> {
        let started = Instant::now();
        let inputs = &self.inputs;
        let config = &inputs.config;
        let root = self.opts.root.as_path();
        let mut diags: Vec<Diagnostic> = Vec::new();
        diags.extend(inputs.config_diags.iter().cloned());
        diags.extend(inputs.content_diags.iter().cloned());
        diags.extend(inputs.template_diags.iter().cloned());

        let mut config_owned;
        let config = match &self.opts.base_url {
            Some(url) => {
                config_owned = config.clone();
                config_owned.base_url.clone_from(url);
                &config_owned
            }
            None => config,
        };
        let settings = {
            let mut h = xxhash_rust::xxh3::Xxh3::new();
            h.update(CACHE_VERSION.as_bytes());
            h.update(&inputs.config_hash().to_le_bytes());
            h.update(config.base_url.as_bytes());
            h.update(root.as_os_str().as_encoded_bytes());
            h.digest128()
        };

        let mut phases: Vec<(&'static str, Duration)> = Vec::new();
        let lap = Instant::now();
        // 1. Front matter, reused by source hash.
        let sources = &inputs.content.sources;
        let fronts: Vec<Arc<Front>> = sources
            .par_iter()
            .map(|s| match self.fronts.get(&s.path) {
                Some((h, f)) if *h == s.hash ^ settings => Arc::clone(f),
                _ => Arc::new(article::front(s, config)),
            })
            .collect();
        let mut new_fronts = HashMap::with_capacity(fronts.len());
        for (s, f) in sources.iter().zip(&fronts) {
            if self.fronts.get(&s.path).is_none_or(|(h, _)| *h != s.hash ^ settings) {
                self.cache_dirty = true;
            }
            diags.extend(f.diags.iter().cloned());
            new_fronts.insert(s.path.clone(), (s.hash ^ settings, Arc::clone(f)));
        }
        if new_fronts.len() != self.fronts.len() {
            self.cache_dirty = true;
        }
        self.fronts = new_fronts;

        phases.push(("front matter", lap.elapsed()));
        let lap = Instant::now();
        // 2. Slugs and URLs; two articles at one URL is an error naming both.
        let base = config.base_path().to_string();
        let mut items: Vec<(usize, String, String)> = Vec::new();
        let mut by_slug: HashMap<String, &Path> = HashMap::new();
        let mut urls: HashMap<PathBuf, String> = HashMap::new();
        for (i, (source, front)) in sources.iter().zip(&fronts).enumerate() {
            let Some(meta) = &front.meta else { continue };
            if meta.draft && !self.opts.drafts {
                continue;
            }
            let slug = article::slug_for(source, meta);
            if let Some(other) = by_slug.get(&slug) {
                diags.push(
                    Diagnostic::error(
                        "slug/collision",
                        Location::file(&source.path),
                        format!(
                            "`{}` and `{}` would both be written to `{slug}/index.html`",
                            other.display(),
                            source.path.display()
                        ),
                    )
                    .with_help("give one of them a different `slug:` in its front matter"),
                );
            } else if RESERVED.contains(&slug.as_str()) {
                diags.push(Diagnostic::error(
                    "slug/reserved",
                    Location::file(&source.path),
                    format!("the slug `{slug}` is used by the site itself; choose another `slug:`"),
                ));
            } else {
                by_slug.insert(slug.clone(), &source.path);
            }
            let url = format!("{base}/{slug}/");
            urls.insert(source.path.clone(), url.clone());
            items.push((i, slug, url));
        }

        phases.push(("slugs", lap.elapsed()));
        let lap = Instant::now();
        // 3. Bodies, reused when everything they read is unchanged.
        let store = &self.store;
        let old_bodies = &self.bodies;
        let progress = self.progress.as_deref();
        let done = std::sync::atomic::AtomicUsize::new(0);
        let total = items.len();
        let results: Vec<anyhow::Result<(Arc<BodyEntry>, bool)>> = items
            .par_iter()
            .map(|(i, slug, url)| {
                let source = &sources[*i];
                let front = &fronts[*i];
                let assets =
                    load::hash(format!("{:?}{:?}", source.bundle_dir, source.assets).as_bytes());
                if let Some(old) = old_bodies.get(&source.path) {
                    let fresh = old.source_hash == source.hash
                        && old.settings == settings
                        && old.assets == assets
                        && old.slug == *slug
                        && old.url == *url
                        && old.files.iter().all(|(p, fp)| inputs.read(p).fingerprint() == *fp)
                        && old.urls.iter().all(|(p, u)| urls.get(p) == u.as_ref())
                        && store.has(old.body_key);
                    if fresh {
                        return Ok((Arc::clone(old), false));
                    }
                }
                let recorder = Recorder { inputs, files: Mutex::default() };
                let looked_up: Mutex<Vec<(PathBuf, Option<String>)>> = Mutex::default();
                let lookup = |p: &Path| {
                    let u = urls.get(p).cloned();
                    looked_up
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((p.to_path_buf(), u.clone()));
                    u
                };
                let env = Env { root, config, urls: &lookup, files: &recorder };
                if let Some(p) = progress {
                    p(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1, total);
                }
                let meta = front.meta.as_ref().expect("items have front matter");
                let (mut article, diags, ignores) =
                    article::body(source, meta, front.body_offset, slug, url, &env);
                let html = std::mem::take(&mut article.html);
                let body_key = load::hash(html.as_bytes());
                store.put(body_key, &html)?;
                let mut files = recorder.files.into_inner().unwrap_or_else(|e| e.into_inner());
                files.sort();
                files.dedup();
                let mut urls_read = looked_up.into_inner().unwrap_or_else(|e| e.into_inner());
                urls_read.sort();
                urls_read.dedup();
                Ok((
                    Arc::new(BodyEntry {
                        source_hash: source.hash,
                        settings,
                        assets,
                        slug: slug.clone(),
                        url: url.clone(),
                        files,
                        urls: urls_read,
                        article: Arc::new(article),
                        body_key,
                        diags,
                        ignores,
                    }),
                    true,
                ))
            })
            .collect();
        let mut new_bodies: HashMap<PathBuf, Arc<BodyEntry>> =
            HashMap::with_capacity(results.len());
        let old_indexed: HashMap<&Path, &Arc<Indexed>> =
            self.indexed.iter().map(|x| (x.article.source.as_path(), x)).collect();
        let mut indexed: Vec<Arc<Indexed>> = Vec::with_capacity(results.len());
        let mut fresh_count = 0;
        for r in results {
            let (entry, fresh) = r?;
            fresh_count += usize::from(fresh);
            diags.extend(entry.diags.iter().cloned());
            let reuse = old_indexed
                .get(entry.article.source.as_path())
                .filter(|x| !fresh && Arc::ptr_eq(&x.article, &entry.article))
                .filter(|_| {
                    self.bodies.get(&entry.article.source).is_some_and(|b| {
                        b.body_key == entry.body_key && b.settings == entry.settings
                    })
                });
            indexed.push(match reuse {
                Some(x) => Arc::clone(x),
                None => Arc::new(Indexed::new(config, Arc::clone(&entry.article), entry.body_key)),
            });
            new_bodies.insert(entry.article.source.clone(), entry);
        }
        if fresh_count > 0 || new_bodies.len() != self.bodies.len() {
            self.cache_dirty = true;
        }
        drop(old_indexed);
        self.bodies = new_bodies;

        phases.push(("bodies", lap.elapsed()));
        let lap = Instant::now();
        // 4. Home intro (one small page; always redone).
        let home = match &inputs.content.home {
            Some(source) => {
                let lookup = |p: &Path| urls.get(p).cloned();
                let env = Env { root, config, urls: &lookup, files: inputs };
                article::home_intro(source, &env, &mut diags)
            }
            None => HomeIntro::default(),
        };

        phases.push(("home", lap.elapsed()));
        let lap = Instant::now();
        // 5. The index, the units, the site-wide checks.
        let page_settings = {
            let mut h = xxhash_rust::xxh3::Xxh3::new();
            h.update(&settings.to_le_bytes());
            h.update(&inputs.templates_hash().to_le_bytes());
            h.update(&[u8::from(self.opts.drafts)]);
            h.digest128()
        };
        let templates_hash = inputs.templates_hash()
            ^ load::hash(config.templates_dir.as_os_str().as_encoded_bytes());
        let tera = match &self.tera {
            Some((h, t, d)) if *h == templates_hash => {
                diags.extend(d.iter().cloned());
                Arc::clone(t)
            }
            _ => {
                let mut d = Vec::new();
                let t = Arc::new(render::templates(&inputs.templates, config, &mut d));
                diags.extend(d.iter().cloned());
                self.tera = Some((templates_hash, Arc::clone(&t), d));
                t
            }
        };
        // Search words and code classes need bodies; only articles new since the last run pay.
        render::prepare_bodies(&indexed, &|key| self.store.get(key));
        let site = Site::new(
            config,
            &indexed,
            &home,
            page_settings,
            &inputs.statics,
            &inputs.content.stamps,
        );
        let units = render::plan(&site, &mut diags);
        let files: HashSet<&Path> = units.iter().map(|u| u.path.as_path()).collect();
        let arts: Vec<&Article> = indexed.iter().map(|x| &*x.article).collect();
        let failed: Vec<(&crate::model::Source, Vec<crate::check::facts::LinkFact>)> = sources
            .iter()
            .zip(&fronts)
            .filter(|(_, f)| f.meta.is_none())
            .map(|(s, f)| (&**s, f.body_links.clone()))
            .collect();
        let url_map: HashMap<&Path, &str> =
            urls.iter().map(|(p, u)| (p.as_path(), u.as_str())).collect();
        diags.extend(crate::check::links::check(config, &arts, &failed, &url_map, &files));
        let external_on = match self.opts.external {
            ExternalLinks::Off => false,
            ExternalLinks::FromConfig => config.check.external,
            ExternalLinks::On => true,
        };
        let mut external_stats = None;
        if external_on {
            let cache_dir = self.opts.cache_dir.as_deref();
            let (found, stats) =
                crate::check::external::check(config, &arts, &failed, cache_dir, &mut self.notes);
            diags.extend(found);
            external_stats = Some(stats);
        }
        let not_run: &[&str] = if external_on { &[] } else { crate::check::external::IDS };
        crate::check::front_matter::duplicate_titles(sources, &arts, &mut diags);
        let mut ignores: HashMap<PathBuf, Vec<crate::check::facts::Ignore>> = HashMap::new();
        for (s, f) in sources.iter().zip(&fronts) {
            if !f.ignores.is_empty() {
                ignores.insert(s.path.clone(), f.ignores.clone());
            }
        }
        for (p, b) in &self.bodies {
            if !b.ignores.is_empty() {
                ignores.insert(p.clone(), b.ignores.clone());
            }
        }
        let texts: HashMap<&Path, &str> =
            sources.iter().map(|s| (s.path.as_path(), s.text.as_str())).collect();

        let mut report = Report::default();
        report.stats.articles = indexed.iter().filter(|a| a.article.is_dated()).count();
        report.stats.pages = indexed.len();
        for x in &indexed {
            for s in &x.article.stripped {
                match s.kind {
                    StrippedKind::Block => report.stats.stripped_blocks += 1,
                    StrippedKind::Element => report.stats.stripped_elements += 1,
                }
            }
        }

        phases.push(("index, units, checks", lap.elapsed()));
        let lap = Instant::now();
        // 6. Render and write what changed, unless there are errors.
        // In memory (tests, tools) pages are made even with errors, to look at;
        // an output folder is never touched by a build with errors.
        // Whether to write is decided on the findings as the site's `checks:`
        // severities and suppression comments make them.
        let decided = crate::check::finalize(config, diags.clone(), &ignores, &texts, not_run);
        let has_errors = decided.iter().any(Diagnostic::is_error)
            || (self.opts.deny_warnings && !decided.is_empty());
        drop(decided);
        let check_only = self.opts.check_only;
        let mut page_diags: Vec<Diagnostic> = Vec::new();
        if !has_errors || self.target.is_none() || check_only {
            let previous = match &self.target {
                Some(t) => &t.manifest.files,
                None => &self.memory_keys,
            };
            let by_path: HashMap<&Path, &crate::model::Source> =
                sources.iter().map(|s| (s.path.as_path(), &**s)).collect();
            let body = |i: usize| -> Option<String> {
                let x = &indexed[i];
                let entry = self.bodies.get(&x.article.source)?;
                if let Some(b) = self.store.get(entry.body_key) {
                    return Some(b.to_string());
                }
                // The stored body is gone or damaged: the stage is pure, so
                // doing it again gives the same HTML.
                let source = by_path.get(x.article.source.as_path())?;
                let (_, front) = self.fronts.get(&x.article.source)?;
                let lookup = |p: &Path| urls.get(p).cloned();
                let env = Env { root, config, urls: &lookup, files: inputs };
                let (a, _, _) = article::body(
                    source,
                    front.meta.as_ref()?,
                    front.body_offset,
                    &entry.slug,
                    &entry.url,
                    &env,
                );
                let _ = self.store.put(entry.body_key, &a.html);
                Some(a.html)
            };
            let writer = match (&self.target, check_only || has_errors) {
                (Some(t), false) => Some(t.begin()?),
                _ => None,
            };
            let page_findings = &self.page_findings;
            let is_page = |u: &render::Unit| u.path.extension().is_some_and(|e| e == "html");
            type Found = Option<Vec<(String, String)>>;
            type Rendered =
                Result<Option<(PathBuf, u128, u128, Option<Vec<u8>>, Found)>, Diagnostic>;
            let rendered: Vec<Rendered> = units
                .par_iter()
                .map(|u| {
                    let old = previous.get(&u.path);
                    // A page's own findings are known only once it was rendered.
                    let known = !is_page(u) || page_findings.contains_key(&u.key);
                    let unchanged = old.is_some_and(|(k, _)| *k == u.key && *k != 0);
                    if known && (unchanged || check_only) {
                        return Ok(None);
                    }
                    let bytes = render::render(&site, &tera, u, &body)?;
                    let found = is_page(u).then(|| {
                        crate::check::output::page(config, &String::from_utf8_lossy(&bytes))
                    });
                    let hash = load::hash(&bytes);
                    if check_only {
                        return Ok(Some((u.path.clone(), u.key, hash, None, found)));
                    }
                    if old.is_some_and(|(_, h)| *h == hash) {
                        // Same bytes: record the new key, write nothing.
                        return Ok(Some((u.path.clone(), u.key, hash, None, found)));
                    }
                    if let Some(w) = &writer {
                        w.put(&u.path, &bytes).map_err(|e| {
                            Diagnostic::error(
                                "output/unwritable",
                                Location::file(&u.path),
                                format!("{e:#}"),
                            )
                        })?;
                        return Ok(Some((u.path.clone(), u.key, hash, None, found)));
                    }
                    Ok(Some((u.path.clone(), u.key, hash, Some(bytes), found)))
                })
                .collect();
            let mut manifest: BTreeMap<PathBuf, (u128, u128)> = BTreeMap::new();
            let mut failed = Vec::new();
            let mut written: Vec<(PathBuf, Option<Vec<u8>>)> = Vec::new();
            let mut new_findings: Vec<(u128, Vec<(String, String)>)> = Vec::new();
            for (u, r) in units.iter().zip(rendered) {
                match r {
                    Ok(None) => {
                        if let Some(v) = previous.get(&u.path) {
                            manifest.insert(u.path.clone(), *v);
                        }
                    }
                    Ok(Some((path, key, hash, bytes, found))) => {
                        if let Some(found) = found {
                            new_findings.push((key, found));
                        }
                        let changed = previous.get(&path).is_none_or(|(_, h)| *h != hash);
                        manifest.insert(path.clone(), (key, hash));
                        if changed {
                            written.push((path, bytes));
                        }
                    }
                    Err(d) => failed.push(d),
                }
            }
            if !new_findings.is_empty() {
                self.cache_dirty = true;
            }
            self.page_findings.extend(new_findings);
            let live: HashSet<u128> = units.iter().map(|u| u.key).collect();
            self.page_findings.retain(|k, _| live.contains(k));
            let source_of: HashMap<&Path, &Path> = indexed
                .iter()
                .map(|x| (x.article.source.as_path(), x.article.source.as_path()))
                .collect();
            page_diags = crate::check::output::report(
                config,
                units.iter().filter(|u| is_page(u)).filter_map(|u| {
                    let found = self.page_findings.get(&u.key)?;
                    let source = match u.job {
                        Job::Article(i) => {
                            source_of.get(indexed[i].article.source.as_path()).copied()
                        }
                        _ => None,
                    };
                    Some((u.path.as_path(), source, found.as_slice()))
                }),
            );
            report.removed =
                previous.keys().filter(|p| !manifest.contains_key(*p)).cloned().collect();
            if check_only || (has_errors && self.target.is_some()) {
                // Nothing is written.
            } else if failed.is_empty() {
                match (writer, &mut self.target) {
                    (Some(w), Some(t)) => w.commit(t, manifest)?,
                    _ => {
                        for p in &report.removed {
                            self.memory.remove(p);
                        }
                        for (path, bytes) in &mut written {
                            let out = match bytes.take() {
                                Some(bytes) => Output::Bytes { path: path.clone(), bytes },
                                None => continue,
                            };
                            self.memory.insert(path.clone(), out);
                        }
                        // Copies stay copies in memory mode (read on demand).
                        for u in &units {
                            if let Job::Copy(from) = &u.job {
                                self.memory.insert(
                                    u.path.clone(),
                                    Output::Copy { path: u.path.clone(), from: from.clone() },
                                );
                            }
                        }
                        self.memory_keys = manifest;
                    }
                }
                report.changed = written.into_iter().map(|(p, _)| p).collect();
            } else {
                if let Some(w) = writer {
                    w.abort();
                }
                // A disk that is full or read-only is the tool's failure (exit 2), not the site's.
                if let Some(d) = failed.iter().find(|d| d.code == "output/unwritable") {
                    anyhow::bail!("{}: {}", d.location, d.message);
                }
                diags.extend(failed);
            }
        }
        report.stats.files_written = report.changed.len();

        diags.extend(page_diags);
        let mut diags = crate::check::finalize(config, diags, &ignores, &texts, not_run);
        drop(texts);
        diag::sort(&mut diags);
        report.stats.errors = diags.iter().filter(|d| d.severity == Severity::Error).count();
        report.stats.warnings = diags.len() - report.stats.errors;
        drop(site);
        drop(tera);
        self.indexed = indexed;
        self.diagnostics = diags;

        phases.push(("render and write", lap.elapsed()));
        let lap = Instant::now();
        if let BodyStore::Memory(_) = self.store {
            let live: HashSet<u128> = self.bodies.values().map(|b| b.body_key).collect();
            self.store.retain(&live);
        }
        phases.push(("bookkeeping", lap.elapsed()));
        report.phases = phases;
        report.notes = std::mem::take(&mut self.notes);
        report.external = external_stats;
        report.elapsed = started.elapsed();
        report.stats.elapsed_ms = report.elapsed.as_millis();
        Ok(report)
    }
}

type Fronts = HashMap<PathBuf, (u128, Arc<Front>)>;
type PageFindings = HashMap<u128, Vec<(String, String)>>;

fn read_cache(
    path: &Path,
    notes: &mut Vec<String>,
) -> (Fronts, HashMap<PathBuf, Arc<BodyEntry>>, PageFindings) {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(_) => return Default::default(),
    };
    match serde_json::from_slice::<CacheFile>(&bytes) {
        Ok(c) if c.version == CACHE_VERSION => (
            c.fronts.into_iter().map(|(p, h, f)| (p, (h, f))).collect(),
            c.bodies.into_iter().collect(),
            c.pages.into_iter().collect(),
        ),
        Ok(c) => {
            notes.push(format!(
                "the cache `{}` is from {}; it is rebuilt",
                path.display(),
                c.version
            ));
            Default::default()
        }
        Err(e) => {
            notes
                .push(format!("the cache `{}` is unreadable ({e}); it is rebuilt", path.display()));
            Default::default()
        }
    }
}

fn write_cache(
    path: &Path,
    fronts: &Fronts,
    bodies: &HashMap<PathBuf, Arc<BodyEntry>>,
    pages: &PageFindings,
) -> anyhow::Result<()> {
    let mut file = CacheFile { version: CACHE_VERSION.to_string(), ..CacheFile::default() };
    file.fronts = fronts.iter().map(|(p, (h, f))| (p.clone(), *h, Arc::clone(f))).collect();
    file.fronts.sort_by(|a, b| a.0.cmp(&b.0));
    file.bodies = bodies.iter().map(|(p, b)| (p.clone(), Arc::clone(b))).collect();
    file.bodies.sort_by(|a, b| a.0.cmp(&b.0));
    file.pages = pages.iter().map(|(k, f)| (*k, f.clone())).collect();
    file.pages.sort_by_key(|p| p.0);
    // Write then rename, with the pid in the temporary name: two builds
    // saving at once each replace the file whole.
    let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
    let out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    serde_json::to_writer(out, &file)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}
