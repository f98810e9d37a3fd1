//! The engine `build`, `check` and `serve` share.
//!
//! [`Engine::run`] is a list of steps, each a function of what it reads (and
//! of the memo it may reuse) that returns what it makes, each timed under its
//! name in [`Report::phases`]:
//!
//! 1. front matter, per article, in parallel ([`steps::front_matter`]);
//! 2. slugs and URLs ([`steps::slugs`]);
//! 3. bodies ([`bodies::bodies`], [`article::body`]). Each result is kept
//!    with what it was made from (the source hash, the config, the snippet
//!    files and article URLs it looked up); the next run reuses it only if all
//!    of those are unchanged. Bodies go to a [`BodyStore`] (a cache folder, or
//!    memory), not into the index. Then, with `--skip-broken`, the articles
//!    whose own errors stop them leave the index ([`skip`]), and the slug
//!    collisions among the rest are found;
//! 4. the home page's intro;
//! 5. the site index ([`render::Site`], rebuilt whole each run: it is small)
//!    and [`render::plan`], which lists every output as a unit with a key;
//! 6. the search index;
//! 7. the site-wide link checks and 8. duplicate titles ([`checks`]);
//! 9. render: a unit whose key matches the last build's manifest is not
//!    rendered again, and a rendered one whose bytes match is not written
//!    again ([`output`]);
//! 10. write and settle the findings.
//!
//! What persists between processes is in [`cache`]; what only a running
//! engine keeps (`serve`) in [`memo`]. Skipping work only ever compares
//! hashes of inputs, so an incremental result equals a clean build by
//! construction; `tests/suite/incremental.rs` checks that against clean
//! builds after long random edit sequences.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::diag::{Diagnostic, Severity};
use crate::load::Inputs;
use crate::model::{Article, BuildStats, Output, Source};
use crate::render::Indexed;
use crate::write::{self, Target};

mod bodies;
mod cache;
mod checks;
mod memo;
mod output;
mod skip;
mod steps;

pub use skip::{SkipBroken, Skipped};

use cache::Cache;
use memo::Memos;

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
    /// Whether articles whose own errors stop them are left out (and the
    /// rest written) instead of stopping the build.
    pub skip_broken: SkipBroken,
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
    /// Articles left out because their own errors stop them (`--skip-broken`),
    /// sorted by path.
    pub skipped: Vec<Skipped>,
}

/// The engine: inputs, cached per-article results, the last index and what
/// was written. `build` makes one and runs it once; `serve` keeps it and calls
/// [`Engine::update`] on every change.
pub struct Engine {
    opts: EngineOptions,
    /// Stage times of [`Engine::new`], reported with the first run.
    startup: Vec<(&'static str, Duration)>,
    inputs: Inputs,
    /// Per-article results and page findings, saved between processes.
    cache: Cache,
    target: Option<Target>,
    /// Outputs kept in memory when there is no output folder.
    memory: BTreeMap<PathBuf, Output>,
    /// In memory mode: the last keys, as the manifest would have them.
    memory_keys: crate::write::Files,
    indexed: Vec<Arc<Indexed>>,
    diagnostics: Vec<Diagnostic>,
    suppressed: Vec<Diagnostic>,
    /// Results of the last run that the next reuses while their keys hold.
    memo: Memos,
    notes: Vec<String>,
    progress: Option<Box<Progress>>,
}

/// Called with (articles done, articles to do) while bodies are rendered.
pub type Progress = dyn Fn(usize, usize) + Send + Sync;

/// The stage times of a run, each measured from the end of the one before.
struct Clock {
    phases: Vec<(&'static str, Duration)>,
    lap: Instant,
}

impl Clock {
    fn new(phases: Vec<(&'static str, Duration)>) -> Clock {
        Clock { phases, lap: Instant::now() }
    }

    /// Ends the stage `name`; the next starts now.
    fn lap(&mut self, name: &'static str) {
        self.phases.push((name, self.lap.elapsed()));
        self.lap = Instant::now();
    }
}

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
        let cache = Cache::open(&mut opts.cache_dir, &mut notes);
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
            cache,
            target,
            memory: BTreeMap::new(),
            memory_keys: crate::write::Files::default(),
            indexed: Vec::new(),
            diagnostics: Vec::new(),
            suppressed: Vec::new(),
            memo: Memos::default(),
            notes,
            progress: None,
        })
    }

    /// Reports body-stage progress to `f` (the CLI's progress bar).
    pub fn set_progress(&mut self, f: Box<Progress>) {
        self.progress = Some(f);
    }

    pub fn config(&self) -> &crate::config::Config {
        &self.inputs.config
    }

    /// Every current finding, sorted by file and line (known ones left out).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The site's `inkproof-suppressions.json`, as last read.
    pub fn known(&self) -> Option<&crate::baseline::Baseline> {
        self.inputs.known.as_ref()
    }

    /// The findings `inkproof-suppressions.json` accepted as known this run.
    pub fn suppressed(&self) -> &[Diagnostic] {
        &self.suppressed
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
        let entry = self.cache.bodies.get(&a.source)?;
        self.cache.store.get(entry.body_key)
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
        self.cache.save(self.opts.cache_dir.as_deref())
    }

    /// Re-reads the changed files (absolute or root-relative paths) and runs again.
    pub fn update(&mut self, changed: &[PathBuf]) -> anyhow::Result<Report> {
        let full_reload = self.inputs.refresh(changed)?;
        let mut report = self.run()?;
        report.full_reload = full_reload;
        Ok(report)
    }

    /// Builds: every step, reusing whatever is unchanged. Writes only when
    /// there are no errors. `Err` only when the tool can't go on.
    pub fn run(&mut self) -> anyhow::Result<Report> {
        let started = Instant::now();
        let Engine { opts, inputs, cache, target, memory, memory_keys, memo, notes, .. } = self;
        let root = opts.root.as_path();
        let mut diags = steps::input_findings(inputs);
        let config = steps::effective_config(&inputs.config, opts.base_url.as_deref());
        let config = &*config;
        let settings = steps::settings_key(inputs, config, root);
        let sources = &inputs.content.sources;
        let run = steps::Run { inputs, root, config, settings, sources };
        let mut clock = Clock::new(std::mem::take(&mut self.startup));

        let fronts = steps::front_matter(run, cache, &mut memo.last_fronts, &mut diags)?;
        clock.lap("front matter");

        let published = steps::slugs(run, &fronts, opts.drafts, memo);
        let slugs = &memo.slugs;
        clock.lap("slugs");

        let slug_of = steps::slug_table(sources, &published.items, slugs);
        let statics = steps::static_paths(inputs);
        let body_inputs = bodies::BodyInputs {
            run,
            fronts: &fronts,
            items: &published.items,
            slug_of: &slug_of,
            slugs,
            urls_moved: published.urls_moved,
            statics: &statics,
            progress: self.progress.as_deref(),
        };
        let previous_index = std::mem::take(&mut self.indexed);
        let bodies_made =
            bodies::bodies(&body_inputs, cache, previous_index, opts.one_shot, &mut diags)?;
        let (mut indexed, bodies_changed) = (bodies_made.indexed, bodies_made.changed);
        memo.bodies_checked = true;
        clock.lap("bodies");

        let ignores = checks::ignores(sources, &fronts, &cache.bodies);
        let texts = checks::suppression_texts(sources, &ignores);
        let known = inputs.known.as_ref();
        let skipped = if opts.skip_broken.on(config) {
            let d = skip::Decide { config, ignores: &ignores, texts: &texts, known };
            skip::broken(&d, inputs, sources, &fronts, &cache.bodies)
        } else {
            Vec::new()
        };
        let left_out = skip::paths(&skipped);
        if !left_out.is_empty() {
            indexed.retain(|x| !left_out.contains(x.article.source.as_path()));
        }
        let kept: Vec<usize> = published
            .items
            .iter()
            .copied()
            .filter(|&i| !left_out.contains(sources[i].path.as_path()))
            .collect();
        steps::slug_findings(sources, &fronts, &kept, slugs, config.base_path(), &mut diags);
        clock.lap("skip broken");

        let home = steps::home(run, slugs, &mut diags);
        clock.lap("home");

        let tera = steps::templates(inputs, config, &mut memo.tera, &mut diags);
        let related = memo.related.take();
        let site = steps::site(run, &indexed, &home, opts.drafts, &mut memo.theme, related);
        let previous = output::previous(target, memory_keys);
        let (findings, check_only) = (&cache.page_findings, opts.check_only);
        let mut units = steps::units(&site, &tera, previous, findings, check_only, &mut diags);
        memo.related = Some(Arc::clone(site.related()));
        clock.lap("index and units");

        steps::search(&site, previous, &mut memo.postings, opts.one_shot, &mut units);
        let files = steps::unit_paths(&units);
        clock.lap("search index");

        let arts = steps::articles(&indexed);
        let failed = checks::failed_fronts(sources, &fronts);
        let links = checks::LinkInputs {
            config,
            indexed: &indexed,
            arts: &arts,
            failed: &failed,
            slugs,
            files: &files,
            units: &units,
        };
        let link_checks = checks::site_links(&links, opts, &mut memo.links, notes, &mut diags);
        clock.lap("link check");

        checks::duplicate_titles(run, &indexed, &arts, &cache.fronts, &mut memo.titles, &mut diags);
        let not_run = link_checks.not_run;
        let suppressions =
            output::Suppressions { ignores: &ignores, texts: &texts, not_run, known };
        let mut report = Report { stats: checks::index_stats(&indexed), ..Report::default() };
        clock.lap("titles, ignores");

        // In memory (tests, tools) pages are made even with errors, to look
        // at; an output folder is never touched by a build with errors.
        let (decided, has_errors) =
            output::decide(config, &suppressions, &diags, opts.deny_warnings, &left_out);
        let mut added: Vec<Diagnostic> = Vec::new();
        if !has_errors || target.is_none() || check_only {
            let writer = output::begin(target, check_only || has_errors)?;
            let r = output::RenderInputs { run, indexed: &indexed, slugs, cache, check_only };
            let rendered = output::render(&r, &site, &tera, &units, previous, writer.as_ref());
            clock.lap("render");

            let mut made = output::made(&units, rendered, previous);
            output::keep_page_findings(cache, std::mem::take(&mut made.page_findings), &units);
            added = output::page_report(config, &units, &cache.page_findings, &indexed);
            report.removed = output::removed(previous, &files);
            let write_nothing = check_only || (has_errors && target.is_some());
            let dest = output::Destination { target, memory, memory_keys, notes };
            let written =
                output::write(made, &report.removed, &units, writer, dest, write_nothing)?;
            if let Some(window) = written.window {
                clock.phases.push(("commit window", window));
            }
            report.changed = written.changed;
            added.splice(0..0, written.failed);
        }
        report.stats.files_written = report.changed.len();

        let diags = output::settle(config, &suppressions, diags, decided, added);
        let known = suppressions.known(diags);
        drop(texts);
        report.count(&known.reported);
        report.stats.suppressed = known.suppressed.len();
        report.stats.prunable = known.fixed;
        let diags = known.reported;
        self.suppressed = known.suppressed;
        drop(site);
        drop(tera);
        self.indexed = indexed;
        self.diagnostics = diags;
        clock.lap("write, findings");

        self.cache.release_unused_bodies(bodies_changed)?;
        clock.lap("bookkeeping");
        report.phases = clock.phases;
        report.notes = std::mem::take(&mut self.notes);
        report.external = link_checks.external;
        report.skipped = skipped;
        report.elapsed = started.elapsed();
        report.stats.elapsed_ms = report.elapsed.as_millis();
        Ok(report)
    }
}

impl Report {
    /// The run's errors and warnings, as counted in its stats.
    fn count(&mut self, diags: &[Diagnostic]) {
        self.stats.errors = diags.iter().filter(|d| d.severity == Severity::Error).count();
        self.stats.warnings = diags.len() - self.stats.errors;
    }

    /// Whether `d` is located in an article this run left out: it did not
    /// stop the build (the article is not published), though it is reported.
    pub fn left_out(&self, d: &Diagnostic) -> bool {
        // `skipped` is sorted by path: one look-up per finding, not a scan.
        self.skipped.binary_search_by(|s| s.path.as_path().cmp(&d.location.path)).is_ok()
    }
}
