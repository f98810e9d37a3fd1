//! The dev server's only coupling to the build: [`SiteState`] holds the
//! incremental [`Engine`] (outputs in memory, never the author's `public/`) and
//! answers what the server asks: a published file, the current findings,
//! which source made a page, and what one update changed.
//!
//! The rest of `serve` uses only these methods: [`SiteState::new`],
//! [`SiteState::update`], [`SiteState::get`], [`SiteState::findings`],
//! [`SiteState::source_of`], [`SiteState::is_stale`] and [`SiteState::config`].
//!
//! One rule the server adds on top of `build`: an article whose source now has
//! an error and no longer produces a page keeps its **last good page**, marked
//! stale, so a half-typed front matter doesn't turn the page the author is
//! looking at into a 404. Every other page keeps updating. Only the pages of
//! the sources in an update are copied aside for this, just before it runs.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use axum::body::Bytes;

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::engine::{Engine, EngineOptions, Report};
use crate::pipeline::BuildOptions;

/// The site as served, between two updates.
pub struct SiteState {
    engine: Engine,
    root: PathBuf,
    /// Output path of a page (`guide/index.html`) → the source it was made from.
    sources: HashMap<String, PathBuf>,
    /// Hash of every article's (source, URL) that `sources` was made from:
    /// the map is made again only when one of them changed, not on every save.
    sources_key: u128,
    /// Last good pages of sources that now fail: output path → (bytes, source).
    kept: HashMap<String, (Bytes, PathBuf)>,
    /// The findings of the previous update, to tell which are new.
    findings: Vec<Diagnostic>,
}

/// What one [`SiteState::update`] changed, for the browsers and the terminal.
#[derive(Debug, Default, Clone)]
pub struct Update {
    /// Output paths (`/` separated) whose bytes changed or that are new.
    pub changed_outputs: Vec<String>,
    /// Output paths that are no longer published.
    pub removed_outputs: Vec<String>,
    /// The config changed: every page may have changed.
    pub full_reload: bool,
    pub elapsed: std::time::Duration,
    /// Findings that are new since the previous state, or are in a changed source.
    pub new_findings: Vec<Diagnostic>,
    /// Counts over the whole site after the update.
    pub errors: usize,
    pub warnings: usize,
    /// Findings `inkproof-suppressions.json` accepts as known (counted, not listed).
    pub known: usize,
}

impl SiteState {
    /// First full build, in memory. `Err` only when the tool can't go on
    /// (unreadable root); problems in the site are findings.
    pub fn new(opts: BuildOptions) -> anyhow::Result<(SiteState, Update)> {
        let mut engine = Engine::new(EngineOptions {
            root: opts.root.clone(),
            drafts: opts.drafts,
            base_url: opts.base_url.clone(),
            ..EngineOptions::default()
        })?;
        let report = engine.run()?;
        let mut state = SiteState {
            engine,
            // Real, so the watcher's paths start with it (see `relative`).
            root: opts.root.canonicalize().unwrap_or(opts.root),
            sources: HashMap::new(),
            sources_key: 0,
            kept: HashMap::new(),
            findings: Vec::new(),
        };
        let update = state.after(&BTreeSet::new(), HashMap::new(), report);
        Ok((state, update))
    }

    /// Brings the state up to date after `changed` paths (root-relative or
    /// absolute) changed on disk. A path may be a folder (created, renamed or
    /// deleted): files written into a new folder before the OS watch on it
    /// exists send no event of their own. On `Err` the previous state is kept.
    pub fn update(&mut self, changed: &[PathBuf]) -> anyhow::Result<Update> {
        let rel: BTreeSet<PathBuf> = changed.iter().map(|p| self.relative(p)).collect();
        // The pages these sources make now, in case the edit breaks them.
        let mut before = HashMap::new();
        for (out, source) in &self.sources {
            if rel.iter().any(|c| source.starts_with(c)) {
                if let Some(bytes) = self.get(out) {
                    before.insert(out.clone(), (bytes, source.clone()));
                }
            }
        }
        let report = self.engine.update(changed)?;
        Ok(self.after(&rel, before, report))
    }

    fn after(
        &mut self,
        changed: &BTreeSet<PathBuf>,
        before: HashMap<String, (Bytes, PathBuf)>,
        report: Report,
    ) -> Update {
        let base = self.engine.config().base_path().to_string();
        let key = {
            let mut h = xxhash_rust::xxh3::Xxh3::new();
            h.update(base.as_bytes());
            for a in self.engine.articles() {
                let p = a.source.as_os_str().as_encoded_bytes();
                h.update(&(p.len() as u64).to_le_bytes());
                h.update(p);
                h.update(&(a.url.len() as u64).to_le_bytes());
                h.update(a.url.as_bytes());
            }
            h.digest128()
        };
        if key != self.sources_key {
            self.sources = self
                .engine
                .articles()
                .map(|a| (slash_path(&crate::href::page_path(&base, &a.url)), a.source.clone()))
                .collect();
        }
        let diags = self.engine.diagnostics();
        let failing: BTreeSet<&Path> =
            diags.iter().filter(|d| d.is_error()).map(|d| d.location.path.as_path()).collect();

        // Keep the last good page of an article that now fails to render.
        let was_kept: BTreeSet<String> = self.kept.keys().cloned().collect();
        let mut kept = HashMap::new();
        for (out, (bytes, source)) in std::mem::take(&mut self.kept).into_iter().chain(before) {
            let gone = self.engine.output(Path::new(&out)).is_none();
            if gone && failing.contains(source.as_path()) && self.root.join(&source).is_file() {
                kept.insert(out, (bytes, source));
            }
        }

        let mut changed_outputs: Vec<String> =
            report.changed.iter().map(|p| slash_path(p)).collect();
        // A page that turned stale (or fresh again) changes what the overlay says.
        for out in kept.keys().chain(was_kept.iter()) {
            if kept.contains_key(out) != was_kept.contains(out) {
                changed_outputs.push(out.clone());
            }
        }
        changed_outputs.sort();
        changed_outputs.dedup();
        let removed_outputs: Vec<String> = report
            .removed
            .iter()
            .map(|p| slash_path(p))
            .filter(|p| !kept.contains_key(p))
            .collect();
        for (out, (_, source)) in &kept {
            self.sources.insert(out.clone(), source.clone());
        }
        // A kept page is in `sources` only while it is kept.
        self.sources_key = if kept.is_empty() { key } else { 0 };
        self.kept = kept;

        // A set, not `Vec::contains`: a big site can have thousands of findings.
        let previous: std::collections::HashSet<(&str, &crate::diag::Location, &str)> = self
            .findings
            .iter()
            .map(|d| (d.code.as_str(), &d.location, d.message.as_str()))
            .collect();
        let new_findings: Vec<Diagnostic> = diags
            .iter()
            .filter(|d| {
                changed.contains(&d.location.path)
                    || !previous.contains(&(d.code.as_str(), &d.location, d.message.as_str()))
            })
            .cloned()
            .collect();
        let errors = diags.iter().filter(|d| d.is_error()).count();
        let warnings = diags.len() - errors;
        self.findings = diags.to_vec();
        Update {
            changed_outputs,
            removed_outputs,
            full_reload: report.full_reload,
            elapsed: report.elapsed,
            new_findings,
            errors,
            warnings,
            known: self.engine.suppressed().len(),
        }
    }

    /// How many findings `inkproof-suppressions.json` accepted in the last update.
    pub fn known(&self) -> usize {
        self.engine.suppressed().len()
    }

    /// The site config as of the last update (folders to watch).
    pub fn config(&self) -> &Config {
        self.engine.config()
    }

    /// A published file by output-relative path (`guide/index.html`, `style.css`).
    pub fn get(&self, path: &str) -> Option<Bytes> {
        if let Some((bytes, _)) = self.kept.get(path) {
            return Some(bytes.clone());
        }
        self.engine.output(Path::new(path)).map(Bytes::from)
    }

    /// Every current finding of the site, sorted by file and line.
    pub fn findings(&self) -> &[Diagnostic] {
        self.engine.diagnostics()
    }

    /// The source (site-root relative) a page was made from, for the overlay to
    /// show that page's findings first.
    pub fn source_of(&self, output: &str) -> Option<&Path> {
        self.sources.get(output).map(PathBuf::as_path)
    }

    /// `true` when `source`'s page is the last good copy, not its current text.
    pub fn is_stale(&self, source: &Path) -> bool {
        self.kept.values().any(|(_, s)| s == source)
    }

    fn relative(&self, p: &Path) -> PathBuf {
        p.strip_prefix(&self.root).unwrap_or(p).to_path_buf()
    }
}

/// `a\b` and `a/b` both become `a/b`: output keys are URL-shaped.
fn slash_path(p: &Path) -> String {
    p.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}
