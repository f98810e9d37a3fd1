//! The dev server's only coupling to the build: [`SiteState`] holds the site
//! as the browser sees it (published files in memory, current findings, which
//! source made which page) and refreshes it for a set of changed paths.
//!
//! Today it runs a full [`pipeline::build`] in memory on every update and diffs
//! the new outputs against the old ones by bytes, so only pages whose bytes
//! changed are announced to browsers. When the incremental engine lands, only
//! the inside of this file changes; the rest of `serve` uses the five methods:
//! [`SiteState::new`], [`SiteState::update`], [`SiteState::get`],
//! [`SiteState::findings`] and [`SiteState::source_of`] (+ [`SiteState::is_stale`],
//! [`SiteState::config`]).
//!
//! One rule the server adds on top of `build`: an article whose source now has
//! an error and no longer produces a page keeps its **last good page**, marked
//! stale, so a half-typed front matter doesn't turn the page the author is
//! looking at into a 404. Every other page keeps updating.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use axum::body::Bytes;

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::model::{Build, Output};
use crate::pipeline::{self, BuildOptions};
use crate::render;

/// The site as served, between two updates.
pub struct SiteState {
    opts: BuildOptions,
    /// Canonical site root, to refuse files that resolve outside it.
    root_canon: PathBuf,
    /// Output-relative path with `/` separators (`guide/index.html`) → bytes.
    files: HashMap<String, Bytes>,
    /// Output path of a page → the source it was made from (site-root relative).
    sources: HashMap<String, PathBuf>,
    /// Sources whose page is a kept last-good copy (their current text has errors).
    stale: BTreeSet<PathBuf>,
    findings: Vec<Diagnostic>,
    config: Config,
}

/// What one [`SiteState::update`] changed, for the browsers and the terminal.
#[derive(Debug, Default, Clone)]
pub struct Update {
    /// Output paths (`/` separated) whose bytes changed or that are new.
    pub changed_outputs: Vec<String>,
    /// Output paths that are no longer published.
    pub removed_outputs: Vec<String>,
    /// Every page may have changed in ways a diff can't scope (config change).
    pub full_reload: bool,
    pub elapsed: Duration,
    /// Findings that are new since the previous state, or are in a changed source.
    pub new_findings: Vec<Diagnostic>,
    /// Counts over the whole site after the update.
    pub errors: usize,
    pub warnings: usize,
}

impl SiteState {
    /// First full build, in memory. `Err` only when the tool can't go on
    /// (unreadable root); problems in the site are findings.
    pub fn new(opts: BuildOptions) -> anyhow::Result<(SiteState, Update)> {
        let root_canon = opts.root.canonicalize().unwrap_or_else(|_| opts.root.clone());
        let mut state = SiteState {
            opts,
            root_canon,
            files: HashMap::new(),
            sources: HashMap::new(),
            stale: BTreeSet::new(),
            findings: Vec::new(),
            config: Config::default(),
        };
        let update = state.update(&[])?;
        Ok((state, update))
    }

    /// Brings the state up to date after `changed` paths (root-relative or
    /// absolute) changed on disk. On `Err` the previous state is kept whole.
    ///
    /// A path may be a folder (created, renamed or deleted). Files written into a
    /// new folder before the OS watch on it exists send no event of their own,
    /// so a folder means "anything below it may have changed": an incremental
    /// engine must rescan it rather than trust the list of files.
    pub fn update(&mut self, changed: &[PathBuf]) -> anyhow::Result<Update> {
        let started = Instant::now();
        let (config, mut build) = pipeline::build(&self.opts)?;
        let changed_sources: BTreeSet<PathBuf> = changed.iter().map(|p| self.relative(p)).collect();
        let full_reload = changed_sources
            .iter()
            .any(|p| crate::config::CONFIG_FILES.iter().any(|c| p == Path::new(c)));

        let (mut files, mut sources) = self.collect(config.base_path(), &mut build);
        let error_sources: BTreeSet<&Path> = build
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.location.path.as_path())
            .collect();

        // Keep the last good page of an article that now fails to render.
        let mut stale = BTreeSet::new();
        for (out, source) in &self.sources {
            if files.contains_key(out) || !error_sources.contains(source.as_path()) {
                continue;
            }
            if !self.opts.root.join(source).is_file() {
                continue; // deleted: its page goes
            }
            if let Some(bytes) = self.files.get(out) {
                files.insert(out.clone(), bytes.clone());
                sources.insert(out.clone(), source.clone());
                stale.insert(source.clone());
            }
        }

        let mut changed_outputs: Vec<String> = files
            .iter()
            .filter(|(p, b)| self.files.get(*p) != Some(*b))
            .map(|(p, _)| p.clone())
            .collect();
        // A page that turned stale or fresh again changes what the overlay says.
        for (out, source) in &sources {
            if stale.contains(source) != self.stale.contains(source)
                && !changed_outputs.contains(out)
            {
                changed_outputs.push(out.clone());
            }
        }
        changed_outputs.sort();
        let mut removed_outputs: Vec<String> =
            self.files.keys().filter(|p| !files.contains_key(*p)).cloned().collect();
        removed_outputs.sort();

        let new_findings: Vec<Diagnostic> = build
            .diagnostics
            .iter()
            .filter(|d| changed_sources.contains(&d.location.path) || !self.findings.contains(d))
            .cloned()
            .collect();
        let errors = build.diagnostics.iter().filter(|d| d.is_error()).count();
        self.files = files;
        self.sources = sources;
        self.stale = stale;
        self.findings = build.diagnostics;
        self.config = config;
        Ok(Update {
            changed_outputs,
            removed_outputs,
            full_reload,
            elapsed: started.elapsed(),
            new_findings,
            errors,
            warnings: self.findings.len() - errors,
        })
    }

    /// The site config as of the last update (folders to watch).
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// A published file by output-relative path (`guide/index.html`, `style.css`).
    pub fn get(&self, path: &str) -> Option<Bytes> {
        self.files.get(path).cloned()
    }

    /// Every current finding of the site, sorted by file and line.
    pub fn findings(&self) -> &[Diagnostic] {
        &self.findings
    }

    /// The source (site-root relative) a page was made from, for the overlay to
    /// show that page's findings first.
    pub fn source_of(&self, output: &str) -> Option<&Path> {
        self.sources.get(output).map(PathBuf::as_path)
    }

    /// `true` when `source`'s page is the last good copy, not its current text.
    pub fn is_stale(&self, source: &Path) -> bool {
        self.stale.contains(source)
    }

    fn relative(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            for root in [&self.opts.root, &self.root_canon] {
                if let Ok(rel) = p.strip_prefix(root) {
                    return rel.to_path_buf();
                }
            }
        }
        p.to_path_buf()
    }

    /// Published files in memory, and which source made each page. Files to copy
    /// are read now; one that resolves outside the site root is refused (a
    /// symlink must not publish a file from elsewhere on the machine).
    fn collect(
        &self,
        base_path: &str,
        build: &mut Build,
    ) -> (HashMap<String, Bytes>, HashMap<String, PathBuf>) {
        let mut files = HashMap::with_capacity(build.outputs.len());
        for o in std::mem::take(&mut build.outputs) {
            let key = slash_path(o.path());
            match o {
                Output::Bytes { bytes, .. } => {
                    files.insert(key, Bytes::from(bytes));
                }
                Output::Copy { from, .. } => {
                    let inside = from.canonicalize().is_ok_and(|c| c.starts_with(&self.root_canon));
                    if let (true, Ok(bytes)) = (inside, std::fs::read(&from)) {
                        files.insert(key, Bytes::from(bytes));
                    }
                }
            }
        }
        let mut sources = HashMap::with_capacity(build.articles.len());
        for a in &build.articles {
            sources.insert(slash_path(&render::page_path(base_path, &a.url)), a.source.clone());
        }
        (files, sources)
    }
}

/// `a\b` and `a/b` both become `a/b`: output keys are URL-shaped.
fn slash_path(p: &Path) -> String {
    p.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}
