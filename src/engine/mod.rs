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

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::article::{self, Env, Front};
use crate::diag::{self, Diagnostic, Location, Severity};
use crate::load::{self, ContentFiles, FileRead, Inputs};
use crate::model::{Article, BuildStats, Output, Source, StrippedKind};
use crate::render::{self, HomeIntro, Indexed, Job, Site};
use crate::store::{BodyStore, Pack};
use crate::write::{self, Target};

mod cache;

use cache::{
    read_cache, shard_of, write_cache, Bodies, BodyEntry, Fronts, PageFindings, CACHE_VERSION,
};

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
    /// The engine runs once (`build`, `check`): what only a next run would
    /// reuse, such as the search index's word lists, is let go as soon as
    /// this run is done with it, which lowers a cold build's peak memory.
    pub one_shot: bool,
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

/// Articles whose body results are made between two copies into the
/// engine's heap: big enough that the workers rarely wait at a chunk's end,
/// small enough that the uncopied results stay a few MB.
const BODY_CHUNK: usize = 256;

/// Whether the render stage makes `u` (and so whether it is worth making
/// ahead): not when the last build made it with the same key, unless it is a
/// page whose own findings are not known yet (known only once rendered).
fn must_render(
    u: &render::Unit,
    previous: &crate::write::Files,
    page_findings: &PageFindings,
    check_only: bool,
) -> bool {
    let is_page = u.path.extension().is_some_and(|e| e == "html");
    let known = !is_page || page_findings.contains_key(&u.key);
    let unchanged = previous.get(&u.path).is_some_and(|(k, _)| *k == u.key && *k != 0);
    !(known && (unchanged || check_only))
}

/// An article's slug and URL, kept with the front matter (shared, so
/// `Arc::ptr_eq` says it is the same) and the settings they were made from.
#[derive(Debug)]
struct Slugged {
    front: Arc<Front>,
    bundle_dir: Option<PathBuf>,
    settings: u128,
    slug: String,
    url: String,
}

/// The site-wide link check, kept per article. An article's link findings
/// are a function of its links, URL and path (`Indexed::links_key`) and of
/// what links can land on: the published paths and every article's URL and
/// heading ids (`global`). While `global` is the same, only articles whose
/// `links_key` changed are checked again.
#[derive(Debug)]
struct LinksMemo {
    global: u128,
    /// In index order: source, `links_key`, findings.
    per: Vec<(PathBuf, u128, Vec<Diagnostic>)>,
}

/// Indices (into `indexed`) of the articles whose heading ids the links of
/// `a` can read: a link with a `#fragment` to an article page names that
/// page's slug as its last path segment. `false` when a link's target can't
/// be told that way (`..`, `.`, an encoded name, the site root): then the
/// whole site is checked.
fn link_targets(a: &Article, by_slug: &HashMap<&str, Vec<usize>>, out: &mut Vec<usize>) -> bool {
    for l in &a.links {
        let href = l.href.as_str();
        if href.contains("://")
            || href.starts_with("//")
            || (href.contains(':') && !href.starts_with('/') && !href.starts_with('.'))
        {
            continue; // not a page of the site
        }
        let Some(at) = href.find('#') else { continue }; // no anchor read
        let path = &href[..at];
        let path = path.split('?').next().unwrap_or(path);
        if path.is_empty() {
            continue; // this page: `a` is checked itself
        }
        let mut segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        if segments.last() == Some(&"index.html") {
            segments.pop();
        }
        match segments.last() {
            Some(&s) if s != "." && s != ".." && !s.contains('%') => {
                if let Some(v) = by_slug.get(s) {
                    out.extend(v);
                }
            }
            _ => return false,
        }
    }
    true
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
    /// Stage times of [`Engine::new`], reported with the first run.
    startup: Vec<(&'static str, Duration)>,
    inputs: Inputs,
    fronts: Fronts,
    /// Findings of rendered pages (`check::output::page`), by unit key.
    page_findings: PageFindings,
    bodies: Bodies,
    store: BodyStore,
    target: Option<Target>,
    /// Outputs kept in memory when there is no output folder.
    memory: BTreeMap<PathBuf, Output>,
    /// In memory mode: the last keys, as the manifest would have them.
    memory_keys: crate::write::Files,
    indexed: Vec<Arc<Indexed>>,
    diagnostics: Vec<Diagnostic>,
    /// Cache shards (a bit each) whose entries changed since the last save.
    dirty: u64,
    /// The page findings changed since the last save.
    pages_dirty: bool,
    /// The sources and front matter of the last run, in order, with their key.
    last_fronts: Vec<(Arc<Source>, Arc<Front>, u128)>,
    /// Slug and URL of each article, with the front matter they came from.
    slugs: FxHashMap<PathBuf, Slugged>,
    /// The duplicate-title findings and the key of what they were made from.
    titles: Option<(u128, Vec<PathBuf>, Vec<Diagnostic>)>,
    /// The link check's findings per article, with what they were made from.
    links: Option<LinksMemo>,
    notes: Vec<String>,
    progress: Option<Box<Progress>>,
    /// The search index's word lists of the last run, patched on the next.
    postings: crate::search::Postings,
    /// Compiled templates and the hash of the texts they came from.
    tera: Option<(u128, Arc<tera::Tera>, Vec<Diagnostic>)>,
    /// Whether the last run checked every kept body against its URLs.
    bodies_checked: bool,
    /// The last run's related articles (most saves don't change them).
    related: Option<Arc<render::Related>>,
    /// The theme's files as the last run made them, with their key.
    theme: Option<(u128, crate::assets::Theme)>,
}

/// Called with (articles done, articles to do) while bodies are rendered.
pub type Progress = dyn Fn(usize, usize) + Send + Sync;

impl Engine {
    /// Loads the site and opens the output (without building: call [`Engine::run`]).
    pub fn new(opts: EngineOptions) -> anyhow::Result<Engine> {
        let exclude: Vec<PathBuf> =
            opts.output.iter().filter(|p| !p.as_os_str().is_empty()).cloned().collect();
        let lap = Instant::now();
        let inputs = if opts.one_shot {
            Inputs::load_released(&opts.root, &exclude)?
        } else {
            Inputs::load(&opts.root, &exclude)?
        };
        let mut startup = vec![("load", lap.elapsed())];
        let lap = Instant::now();
        let mut opts = opts;
        if opts.output.as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
            opts.output = Some(opts.root.join(&inputs.config.output_dir));
        }
        let mut notes = Vec::new();
        // A cache folder that can't be used (unreadable, a file in its place)
        // costs speed, not the build: noted, and this run goes without it.
        let pack = opts.cache_dir.as_ref().map(|dir| {
            Pack::open(&dir.join("bodies"), CACHE_VERSION, &mut notes).map_err(|e| {
                notes.push(format!(
                    "the cache folder `{}` cannot be used ({e:#}); this build runs without it",
                    dir.display()
                ))
            })
        });
        if matches!(pack, Some(Err(()))) {
            opts.cache_dir = None;
        }
        let (store, fronts, bodies, page_findings) = match (pack, &opts.cache_dir) {
            (Some(Ok(store)), Some(dir)) => {
                let (fronts, bodies, pages) = read_cache(dir, &mut notes);
                (BodyStore::Pack(store), fronts, bodies, pages)
            }
            _ => {
                (BodyStore::memory(), Fronts::default(), Bodies::default(), PageFindings::default())
            }
        };
        startup.push(("cache read", lap.elapsed()));
        let lap = Instant::now();
        let target = match (&opts.output, opts.check_only) {
            (Some(dir), false) => {
                let c = &inputs.config;
                let protected = write::protected(
                    &opts.root,
                    &[&c.content_dir, &c.templates_dir, &c.static_dir],
                    opts.cache_dir.as_deref(),
                );
                let mut target = Target::open(dir, &protected, opts.force)?;
                notes.append(&mut target.notes);
                Some(target)
            }
            _ => None,
        };
        startup.push(("output open", lap.elapsed()));
        Ok(Engine {
            startup,
            opts,
            inputs,
            fronts,
            bodies,
            store,
            target,
            memory: BTreeMap::new(),
            page_findings,
            memory_keys: crate::write::Files::default(),
            indexed: Vec::new(),
            diagnostics: Vec::new(),
            dirty: 0,
            pages_dirty: false,
            last_fronts: Vec::new(),
            slugs: FxHashMap::default(),
            titles: None,
            links: None,
            notes,
            progress: None,
            postings: crate::search::Postings::default(),
            tera: None,
            related: None,
            theme: None,
            bodies_checked: false,
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

    /// Ends a one-shot command (`build`, `check`): releases the output
    /// folder's lock and leaves the rest to the operating system. Freeing
    /// every article's entries one by one was an eighth of a no-change build
    /// at 10,000 articles, for a process about to exit.
    pub fn finish(mut self) {
        drop(self.target.take());
        std::mem::forget(self);
    }

    /// Articles of the last run (bodies not included: see [`Engine::body`]).
    pub fn articles(&self) -> impl Iterator<Item = &Article> {
        self.indexed.iter().map(|x| &*x.article)
    }

    /// The files the build read (articles, the home page) and the config's
    /// name and text, for showing source lines under findings. An article's
    /// text may have been released: read it with [`load::text_of`].
    pub fn sources(&self) -> (impl Iterator<Item = &Source>, Option<(&Path, &str)>) {
        let c = &self.inputs.content;
        let config =
            self.inputs.config_file.as_ref().map(|(name, text)| (Path::new(*name), &**text));
        (c.sources.iter().map(|s| &**s).chain(c.home.as_ref()), config)
    }

    /// The content HTML of an article of the last run.
    pub fn body(&self, a: &Article) -> Option<String> {
        let entry = self.bodies.get(&a.source)?;
        self.store.get(entry.body_key)
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
        if self.dirty == 0 && !self.pages_dirty && !self.store.is_dirty() {
            return Ok(());
        }
        if let Some(dir) = &self.opts.cache_dir {
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
        diags.extend(inputs.static_diags.iter().cloned());

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

        let mut phases: Vec<(&'static str, Duration)> = std::mem::take(&mut self.startup);
        let lap = Instant::now();
        // 1. Front matter, reused by source hash. The map is updated in
        // place: a save costs the entries that changed, not a new map.
        let sources = &inputs.content.sources;
        // The same `Source` (shared, unchanged since it was read) at the same
        // place as in the last run, with the same settings: its front matter
        // is the one of the last run, found without a lookup.
        let last = std::mem::take(&mut self.last_fronts);
        let unchanged = |i: usize, s: &Arc<Source>| {
            last.get(i).filter(|(ls, _, k)| Arc::ptr_eq(ls, s) && *k == s.hash ^ settings)
        };
        let fronts: Vec<Arc<Front>> = sources
            .par_iter()
            .enumerate()
            .map(|(i, s)| {
                if let Some((_, f, _)) = unchanged(i, s) {
                    return Ok(Arc::clone(f));
                }
                Ok(match self.fronts.get(&s.path) {
                    Some((h, f)) if *h == s.hash ^ settings => Arc::clone(f),
                    _ => Arc::new(article::front(&*load::with_text(s)?, config)),
                })
            })
            .collect::<anyhow::Result<_>>()?;
        for (i, (s, f)) in sources.iter().zip(&fronts).enumerate() {
            diags.extend(f.diags.iter().cloned());
            if unchanged(i, s).is_some() {
                continue; // in the map as it was
            }
            let key = s.hash ^ settings;
            let same =
                self.fronts.get(&s.path).is_some_and(|(h, old)| *h == key && Arc::ptr_eq(old, f));
            if !same {
                self.dirty |= 1 << shard_of(&s.path);
                self.fronts.insert(s.path.clone(), (key, Arc::clone(f)));
            }
        }
        if self.fronts.len() != sources.len() {
            let live: HashSet<&Path> = sources.iter().map(|s| s.path.as_path()).collect();
            let mut dirty = 0;
            self.fronts.retain(|p, _| {
                let keep = live.contains(p.as_path());
                if !keep {
                    dirty |= 1 << shard_of(p);
                }
                keep
            });
            self.dirty |= dirty;
        }

        drop(last);
        self.last_fronts = sources
            .iter()
            .zip(&fronts)
            .map(|(s, f)| (Arc::clone(s), Arc::clone(f), s.hash ^ settings))
            .collect();

        phases.push(("front matter", lap.elapsed()));
        let lap = Instant::now();
        // 2. Slugs and URLs (kept per article while its front matter, bundle
        // and the settings are the same); two articles at one URL is an error
        // naming both.
        let base = config.base_path().to_string();
        let mut items: Vec<usize> = Vec::with_capacity(sources.len());
        // Whether any article's URL came, went or changed since the last run:
        // if not, every kept body's URL look-ups still give what they gave.
        // (A run that stopped before its bodies were checked leaves this set.)
        let mut urls_moved = !std::mem::take(&mut self.bodies_checked);
        for (i, (source, front)) in sources.iter().zip(&fronts).enumerate() {
            let Some(meta) = &front.meta else { continue };
            if meta.draft && !self.opts.drafts {
                continue;
            }
            let fresh = self.slugs.get(&source.path).is_some_and(|e| {
                Arc::ptr_eq(&e.front, front)
                    && e.bundle_dir == source.bundle_dir
                    && e.settings == settings
            });
            if !fresh {
                let slug = article::slug_for(source, meta);
                let url = format!("{base}/{slug}/");
                urls_moved |= self.slugs.get(&source.path).is_none_or(|e| e.url != url);
                let entry = Slugged {
                    front: Arc::clone(front),
                    bundle_dir: source.bundle_dir.clone(),
                    settings,
                    slug,
                    url,
                };
                self.slugs.insert(source.path.clone(), entry);
            }
            items.push(i);
        }
        if self.slugs.len() != items.len() {
            urls_moved = true;
            let live: HashSet<&Path> = items.iter().map(|&i| sources[i].path.as_path()).collect();
            self.slugs.retain(|p, _| live.contains(p.as_path()));
        }
        let slugs = &self.slugs;
        // One lookup per article; used by index below.
        let mut slug_of: Vec<Option<&Slugged>> = vec![None; sources.len()];
        for &i in &items {
            slug_of[i] = slugs.get(&sources[i].path);
        }
        let slugged = |i: usize| slug_of[i].expect("every item has a slug");
        let mut by_slug: HashMap<&str, &Path> = HashMap::with_capacity(items.len());
        for &i in &items {
            let source = &sources[i];
            let slug = slugged(i).slug.as_str();
            // Where the author changes the slug (only looked up for a finding).
            let at = || match &fronts[i].meta {
                Some(meta) => crate::check::front_matter::slug_location(source, meta),
                None => Location::file(&source.path),
            };
            if let Some(other) = by_slug.get(slug) {
                diags.push(
                    Diagnostic::error(
                        "slug/collision",
                        at(),
                        format!(
                            "`{}` and `{}` would both be written to `{slug}/index.html`",
                            other.display(),
                            source.path.display()
                        ),
                    )
                    .with_help("give one of them a different `slug:` in its front matter"),
                );
            } else if crate::slug::RESERVED_SECTIONS.contains(&slug) {
                diags.push(Diagnostic::error(
                    "slug/reserved",
                    at(),
                    format!("the slug `{slug}` is used by the site itself; choose another `slug:`"),
                ));
            } else {
                by_slug.insert(slug, &source.path);
            }
        }
        drop(by_slug);
        // Article URLs by source path (every article, colliding ones too).
        let url_of = |p: &Path| slugs.get(p).map(|e| e.url.as_str());

        phases.push(("slugs", lap.elapsed()));
        let lap = Instant::now();
        // 3. Bodies, reused when everything they read is unchanged.
        let store = &self.store;
        let old_bodies = &self.bodies;
        let progress = self.progress.as_deref();
        let done = std::sync::atomic::AtomicUsize::new(0);
        let total = items.len();
        let work = |&i: &usize| -> anyhow::Result<(Arc<BodyEntry>, bool)> {
            let source = &sources[i];
            let front = &fronts[i];
            let Slugged { slug, url, .. } = slugged(i);
            let assets = {
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
            };
            if let Some(old) = old_bodies.get(&source.path) {
                let fresh = old.source_hash == source.hash
                    && old.settings == settings
                    && old.assets == assets
                    && old.slug == *slug
                    && old.url == *url
                    && old.files.iter().all(|(p, fp)| inputs.read(p).fingerprint() == *fp)
                    && (!urls_moved || old.urls.iter().all(|(p, u)| url_of(p) == u.as_deref()))
                    && store.has(old.body_key);
                if fresh {
                    return Ok((Arc::clone(old), false));
                }
            }
            let recorder = Recorder { inputs, files: Mutex::default() };
            let looked_up: Mutex<Vec<(PathBuf, Option<String>)>> = Mutex::default();
            let lookup = |p: &Path| {
                let u = url_of(p).map(str::to_string);
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
                article::body(&*load::with_text(source)?, meta, front.body_offset, slug, url, &env);
            let html = std::mem::take(&mut article.html);
            let body_key = load::hash(html.as_bytes());
            store.put(body_key, &html)?;
            let facts = Arc::new(render::BodyFacts::of(&article, &html, config.search));
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
                    facts,
                    diags,
                    ignores,
                }),
                true,
            ))
        };
        // The index: the previous entry of an article is kept while its body
        // result is the same one. Articles usually keep their place, so the
        // previous index is looked up by position first, by path only when
        // articles came or went.
        let mut fresh_count = 0;
        let previous = std::mem::take(&mut self.indexed);
        let mut by_path: Option<HashMap<&Path, &Arc<Indexed>>> = None;
        let mut indexed: Vec<Arc<Indexed>> = Vec::with_capacity(items.len());
        let mut fresh_entries: Vec<Arc<BodyEntry>> = Vec::new();
        // In chunks: a chunk's results are copied (see `copied_here`) and
        // the workers' originals freed before the next chunk is made, so the
        // originals of the whole site are never resident at once.
        for (c, chunk) in items.chunks(BODY_CHUNK).enumerate() {
            let results: Vec<anyhow::Result<(Arc<BodyEntry>, bool)>> =
                chunk.par_iter().map(work).collect();
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
                        config,
                        Arc::clone(&entry.article),
                        entry.body_key,
                        Arc::clone(&entry.facts),
                    )),
                });
                if fresh {
                    fresh_count += 1;
                    self.dirty |= 1 << shard_of(path);
                    fresh_entries.push(entry);
                }
            }
        }
        for entry in fresh_entries {
            self.bodies.insert(entry.article.source.clone(), entry);
        }
        drop(by_path);
        drop(previous);
        if self.opts.one_shot {
            rayon::broadcast(|_| crate::highlight::forget_memo());
            crate::highlight::forget_memo();
        }
        self.bodies_checked = true;
        let mut bodies_changed = fresh_count > 0;
        if self.bodies.len() != indexed.len() {
            bodies_changed = true;
            let live: HashSet<&Path> = indexed.iter().map(|x| x.article.source.as_path()).collect();
            let mut dirty = 0;
            self.bodies.retain(|p, _| {
                let keep = live.contains(p.as_path());
                if !keep {
                    dirty |= 1 << shard_of(p);
                }
                keep
            });
            self.dirty |= dirty;
        }

        phases.push(("bodies", lap.elapsed()));
        let lap = Instant::now();
        // 4. Home intro (one small page; always redone).
        let home = match &inputs.content.home {
            Some(source) => {
                let lookup = |p: &Path| url_of(p).map(str::to_string);
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
        let site = Site::new(
            config,
            &indexed,
            &home,
            page_settings,
            &inputs.statics,
            &inputs.content.stamps,
            &mut self.theme,
        )
        .with_previous_related(self.related.take());
        let previous = match &self.target {
            Some(t) => &t.manifest.files,
            None => &self.memory_keys,
        };
        let mut units = render::plan(&site, &mut diags);
        self.related = Some(Arc::clone(site.related()));
        {
            let (findings, check_only) = (&self.page_findings, self.opts.check_only);
            let needed = |u: &render::Unit| must_render(u, previous, findings, check_only);
            render::render_long_lists(&site, &tera, &mut units, &needed);
        }
        phases.push(("index and units", lap.elapsed()));
        let lap = Instant::now();
        render::plan_search(&site, previous, &mut self.postings, &mut units);
        if self.opts.one_shot {
            // ~60 MB at 10,000 articles, freed before pages are rendered.
            self.postings = crate::search::Postings::default();
        }
        let files: FxHashSet<&Path> = units.iter().map(|u| u.path.as_path()).collect();
        phases.push(("search index", lap.elapsed()));
        let lap = Instant::now();
        let arts: Vec<&Article> = indexed.iter().map(|x| &*x.article).collect();
        let failed: Vec<(&crate::model::Source, Vec<crate::check::facts::LinkFact>)> = sources
            .iter()
            .zip(&fronts)
            .filter(|(_, f)| f.meta.is_none())
            .map(|(s, f)| (&**s, f.body_links.clone()))
            .collect();
        // Only the links of bodies whose front matter failed are looked up here.
        let url_map: HashMap<&Path, &str> = if failed.is_empty() {
            HashMap::new()
        } else {
            slugs.iter().map(|(p, e)| (p.as_path(), e.url.as_str())).collect()
        };
        let global = {
            let mut h = xxhash_rust::xxh3::Xxh3::new();
            h.update(config.base_path().as_bytes());
            h.update(&[0]);
            for u in &units {
                let p = u.path.as_os_str().as_encoded_bytes();
                h.update(&(p.len() as u64).to_le_bytes());
                h.update(p);
            }
            for x in &indexed {
                h.update(&x.anchors_key.to_le_bytes());
            }
            h.digest128()
        };
        // The articles to check again, when the rest can be kept.
        let partial: Option<Vec<usize>> = match &self.links {
            Some(m)
                if failed.is_empty()
                    && m.global == global
                    && m.per.len() == indexed.len()
                    && m.per.iter().zip(&indexed).all(|(p, x)| p.0 == x.article.source) =>
            {
                let changed: Vec<usize> =
                    (0..indexed.len()).filter(|&i| m.per[i].1 != indexed[i].links_key).collect();
                let mut subset = changed.clone();
                let mut by_slug: Option<HashMap<&str, Vec<usize>>> = None;
                let mut known = true;
                for &i in &changed {
                    let by_slug = by_slug.get_or_insert_with(|| {
                        let mut map: HashMap<&str, Vec<usize>> = HashMap::new();
                        for (k, x) in indexed.iter().enumerate() {
                            map.entry(x.article.slug.as_str()).or_default().push(k);
                        }
                        map
                    });
                    known &= link_targets(&indexed[i].article, by_slug, &mut subset);
                }
                subset.sort_unstable();
                subset.dedup();
                known.then_some(subset)
            }
            _ => None,
        };
        match partial {
            Some(subset) => {
                let memo = self.links.as_mut().expect("checked above");
                if !subset.is_empty() {
                    let some: Vec<&Article> = subset.iter().map(|&i| arts[i]).collect();
                    let found = crate::check::links::check(config, &some, &[], &url_map, &files);
                    let mut by_source: HashMap<PathBuf, Vec<Diagnostic>> = HashMap::new();
                    for d in found {
                        by_source.entry(d.location.path.clone()).or_default().push(d);
                    }
                    for (i, x) in indexed.iter().enumerate() {
                        if memo.per[i].1 != x.links_key {
                            memo.per[i].1 = x.links_key;
                            memo.per[i].2 =
                                by_source.remove(x.article.source.as_path()).unwrap_or_default();
                        }
                    }
                }
                for (_, _, found) in &memo.per {
                    diags.extend(found.iter().cloned());
                }
            }
            None => {
                let found = crate::check::links::check(config, &arts, &failed, &url_map, &files);
                if failed.is_empty() {
                    let mut by_source: HashMap<&Path, Vec<Diagnostic>> = HashMap::new();
                    for d in &found {
                        by_source.entry(d.location.path.as_path()).or_default().push(d.clone());
                    }
                    let per = indexed
                        .iter()
                        .map(|x| {
                            let p = x.article.source.as_path();
                            (p.to_path_buf(), x.links_key, by_source.remove(p).unwrap_or_default())
                        })
                        .collect();
                    // Every finding belongs to an article: else nothing is kept.
                    self.links = by_source.is_empty().then_some(LinksMemo { global, per });
                } else {
                    self.links = None;
                }
                diags.extend(found);
            }
        }
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
        phases.push(("link check", lap.elapsed()));
        let lap = Instant::now();
        // Duplicate titles: a function of every article's (path, title) and of
        // the text of the articles it reports (for the line of `title:`). Kept
        // while those hash the same.
        let titles_base = {
            let mut h = xxhash_rust::xxh3::Xxh3::new();
            for x in &indexed {
                let a = &x.article;
                let p = a.source.as_os_str().as_encoded_bytes();
                h.update(&(p.len() as u64).to_le_bytes());
                h.update(p);
                h.update(&(a.meta.title.len() as u64).to_le_bytes());
                h.update(a.meta.title.as_bytes());
            }
            h.digest128()
        };
        let fronts_map = &self.fronts;
        let titles_key = |members: &[PathBuf]| {
            let mut h = xxhash_rust::xxh3::Xxh3::new();
            h.update(&titles_base.to_le_bytes());
            for m in members {
                h.update(&fronts_map.get(m).map_or(0, |f| f.0).to_le_bytes());
            }
            h.digest128()
        };
        match &self.titles {
            Some((key, members, found)) if *key == titles_key(members) => {
                diags.extend(found.iter().cloned());
            }
            _ => {
                let mut found = Vec::new();
                crate::check::front_matter::duplicate_titles(sources, &arts, &mut found);
                let mut members: Vec<PathBuf> =
                    found.iter().map(|d| d.location.path.clone()).collect();
                members.sort();
                members.dedup();
                diags.extend(found.iter().cloned());
                self.titles = Some((titles_key(&members), members, found));
            }
        }
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
        // Suppressions need the text of the files that have them, only.
        let read: HashMap<&Path, std::borrow::Cow<'_, str>> = if ignores.is_empty() {
            HashMap::new()
        } else {
            sources
                .iter()
                .filter(|s| ignores.contains_key(&s.path))
                .filter_map(|s| Some((s.path.as_path(), load::text_of(s)?)))
                .collect()
        };
        let texts: HashMap<&Path, &str> = read.iter().map(|(p, t)| (*p, &**t)).collect();

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

        phases.push(("titles, ignores", lap.elapsed()));
        let mut lap = Instant::now();
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
            let body = |i: usize| -> Option<String> {
                let x = &indexed[i];
                let entry = self.bodies.get(&x.article.source)?;
                if let Some(b) = self.store.get(entry.body_key) {
                    return Some(b);
                }
                // The stored body is gone or damaged: the stage is pure, so
                // doing it again gives the same HTML.
                let source = sources.iter().find(|s| s.path == x.article.source)?;
                let (_, front) = self.fronts.get(&x.article.source)?;
                let lookup = |p: &Path| url_of(p).map(str::to_string);
                let env = Env { root, config, urls: &lookup, files: inputs };
                let (a, _, _) = article::body(
                    &*load::with_text(source).ok()?,
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
            type Rendered = Result<Option<(u128, Option<Vec<u8>>, Found)>, Diagnostic>;
            let rendered: Vec<Rendered> = units
                .par_iter()
                .map(|u| {
                    if !must_render(u, previous, page_findings, check_only) {
                        return Ok(None);
                    }
                    let old = previous.get(&u.path);
                    let bytes = render::render(&site, &tera, u, &body)?;
                    let found = is_page(u).then(|| crate::check::output::page(config, &bytes));
                    let hash = load::hash(&bytes);
                    if check_only {
                        return Ok(Some((hash, None, found)));
                    }
                    if old.is_some_and(|(_, h)| *h == hash) {
                        // Same bytes: record the new key, write nothing.
                        return Ok(Some((hash, None, found)));
                    }
                    if let Some(w) = &writer {
                        w.put(&u.path, &bytes).map_err(|e| {
                            Diagnostic::error(
                                "output/unwritable",
                                Location::file(&u.path),
                                format!("{e:#}"),
                            )
                        })?;
                        return Ok(Some((hash, None, found)));
                    }
                    Ok(Some((hash, Some(bytes), found)))
                })
                .collect();
            phases.push(("render", lap.elapsed()));
            lap = Instant::now();
            // The manifest changes only where a unit was made again: those
            // entries are updated, and entries of outputs no longer made are
            // removed; the rest stays as it is.
            let mut updates: Vec<(PathBuf, (u128, u128))> = Vec::new();
            let mut failed = Vec::new();
            let mut written: Vec<(PathBuf, Option<Vec<u8>>)> = Vec::new();
            let mut new_findings: Vec<(u128, Vec<(String, String)>)> = Vec::new();
            for (u, r) in units.iter().zip(rendered) {
                match r {
                    Ok(None) => {}
                    Ok(Some((hash, bytes, found))) => {
                        if let Some(found) = found {
                            new_findings.push((u.key, found));
                        }
                        let old = previous.get(&u.path);
                        if old != Some(&(u.key, hash)) {
                            updates.push((u.path.clone(), (u.key, hash)));
                        }
                        if old.is_none_or(|(_, h)| *h != hash) {
                            written.push((u.path.clone(), bytes));
                        }
                    }
                    Err(d) => failed.push(d),
                }
            }
            for (k, f) in new_findings {
                if self.page_findings.get(&k) != Some(&f) {
                    self.page_findings.insert(k, f);
                    self.pages_dirty = true;
                }
            }
            let live: FxHashSet<u128> = units.iter().map(|u| u.key).collect();
            let before = self.page_findings.len();
            self.page_findings.retain(|k, _| live.contains(k));
            self.pages_dirty |= self.page_findings.len() != before;
            page_diags = crate::check::output::report(
                config,
                units.iter().filter(|u| is_page(u)).filter_map(|u| {
                    let found = self.page_findings.get(&u.key)?;
                    let source = match u.job {
                        Job::Article(i) => Some(indexed[i].article.source.as_path()),
                        _ => None,
                    };
                    Some((u.path.as_path(), source, found.as_slice()))
                }),
            );
            // Outputs of the previous run that are no longer made: none when
            // every one of them is still a unit (the unit paths are distinct).
            let all_kept = files.len() >= previous.len()
                && previous.keys().all(|p| files.contains(p.as_path()));
            report.removed = if all_kept {
                Vec::new()
            } else {
                previous.keys().filter(|p| !files.contains(p.as_path())).cloned().collect()
            };
            report.removed.sort();
            if check_only || (has_errors && self.target.is_some()) {
                // Nothing is written.
            } else if failed.is_empty() {
                match (writer, &mut self.target) {
                    (Some(w), Some(t)) => {
                        w.commit(t, updates, &report.removed)?;
                        self.notes.append(&mut t.notes);
                        if let Some(window) = t.window.take() {
                            phases.push(("commit window", window));
                        }
                    }
                    _ => {
                        for p in &report.removed {
                            self.memory.remove(p);
                            self.memory_keys.remove(p);
                        }
                        self.memory_keys.extend(updates);
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
                                let same = matches!(
                                    self.memory.get(&u.path),
                                    Some(Output::Copy { from: f, .. }) if f == from
                                );
                                if !same {
                                    self.memory.insert(
                                        u.path.clone(),
                                        Output::Copy { path: u.path.clone(), from: from.clone() },
                                    );
                                }
                            }
                        }
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

        phases.push(("write, findings", lap.elapsed()));
        let lap = Instant::now();
        if matches!(self.store, BodyStore::Memory(_)) && bodies_changed {
            let live: FxHashSet<u128> = self.bodies.values().map(|b| b.body_key).collect();
            self.store.retain(&live)?;
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
