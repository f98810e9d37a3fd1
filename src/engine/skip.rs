//! `build --skip-broken`: a site of thousands of pasted guides always has a
//! few that are broken, and one of them must not keep the rest unpublished.
//!
//! Only an article's *own* errors leave it out: those its file alone decides
//! (reading it, its front matter, its body), known before the site is put
//! together. Findings of the site-wide checks (links, titles, slug
//! collisions, rendered pages) are not an article's own: leaving an article
//! out for them would turn a link into a broken one elsewhere, and that page
//! out too, and so on. Config, template, output and home page errors still
//! stop the build.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustc_hash::FxHashSet;

use super::cache::Bodies;
use super::output::Suppressions;
use crate::article::Front;
use crate::check::facts::Ignore;
use crate::config::{Config, Level};
use crate::diag::Diagnostic;
use crate::load::Inputs;
use crate::model::Source;
use crate::registry::CheckId;

/// Whether a run leaves broken articles out. Off unless asked: `check`
/// reports and `serve` already keeps the last good page of a broken article.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SkipBroken {
    #[default]
    Off,
    /// As the site's `publish.skip_broken` says (`build`).
    FromConfig,
    /// Yes, whatever the config says (`build --skip-broken`).
    On,
}

impl SkipBroken {
    pub(super) fn on(self, config: &Config) -> bool {
        match self {
            SkipBroken::Off => false,
            SkipBroken::FromConfig => config.publish.skip_broken,
            SkipBroken::On => true,
        }
    }
}

/// An article left out of the site, and the ids of the errors that stopped it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Relative to the site root, as findings name it.
    pub path: PathBuf,
    pub ids: Vec<CheckId>,
}

/// Whether a finding is an error once the site's `checks:` has its say,
/// before suppressions: a cheap first cut, so the full pass below reads a
/// few findings, not every warning of a large site.
fn may_be_error(config: &Config, d: &Diagnostic) -> bool {
    match config.checks.get(d.code.as_str()) {
        Some(Level::Error) => true,
        Some(Level::Warning | Level::Off) => false,
        None => d.is_error(),
    }
}

/// Whether `path` names an article file: a Markdown file of the content
/// folder other than the home page's intro (which is the site's own page).
fn is_article_file(config: &Config, path: &Path) -> bool {
    let markdown = path.extension().is_some_and(|e| e == "md" || e == "markdown");
    markdown
        && path.starts_with(&config.content_dir)
        && path.file_name() != Some("_index.md".as_ref())
}

/// The suppression comments and texts the decision reads (the same as the
/// final pass over the findings reads).
pub(super) struct Decide<'a> {
    pub config: &'a Config,
    pub ignores: &'a HashMap<PathBuf, Vec<Ignore>>,
    pub texts: &'a HashMap<&'a Path, Cow<'a, str>>,
    pub known: Option<&'a crate::baseline::Baseline>,
}

/// The articles whose own errors, after the site's severities, suppression
/// comments and accepted findings, stop them; sorted by path.
pub(super) fn broken(
    d: &Decide<'_>,
    inputs: &Inputs,
    sources: &[Arc<Source>],
    fronts: &[Arc<Front>],
    bodies: &Bodies,
) -> Vec<Skipped> {
    let config = d.config;
    let mut own: Vec<Diagnostic> = Vec::new();
    let mut keep = |found: &[Diagnostic], at: &Path| {
        own.extend(
            found.iter().filter(|f| f.location.path == at && may_be_error(config, f)).cloned(),
        );
    };
    // Files that could not be read at all are articles never published.
    for f in &inputs.content_diags {
        if is_article_file(config, &f.location.path) {
            keep(std::slice::from_ref(f), &f.location.path);
        }
    }
    for (s, f) in sources.iter().zip(fronts) {
        keep(&f.diags, &s.path);
        if let Some(b) = bodies.get(&s.path) {
            keep(&b.diags, &s.path);
        }
    }
    if own.is_empty() {
        return Vec::new();
    }
    // Every check counts as not run: a comment for a site-wide check is
    // not unused just because this pass does not look at its findings.
    let all: Vec<CheckId> = crate::registry::CHECKS.iter().map(|c| c.id).collect();
    let s = Suppressions { ignores: d.ignores, texts: d.texts, not_run: &all, known: d.known };
    let decided = s.finalize(config, own);
    let reported = s.known(decided).reported;
    let mut by_path: BTreeMap<PathBuf, Vec<CheckId>> = BTreeMap::new();
    for f in
        reported.into_iter().filter(|f| f.is_error() && is_article_file(config, &f.location.path))
    {
        by_path.entry(f.location.path).or_default().push(f.code);
    }
    by_path
        .into_iter()
        .map(|(path, mut ids)| {
            ids.sort_by_key(|id| id.as_str());
            ids.dedup();
            Skipped { path, ids }
        })
        .collect()
}

/// The paths of `skipped`, to look findings up by.
pub(super) fn paths(skipped: &[Skipped]) -> FxHashSet<&Path> {
    skipped.iter().map(|s| s.path.as_path()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_skip_only_article_files_are_articles() {
        let config = Config::default();
        assert!(is_article_file(&config, Path::new("content/a.md")));
        assert!(is_article_file(&config, Path::new("content/guide/index.md")));
        assert!(!is_article_file(&config, Path::new("content/_index.md")), "the home page");
        assert!(!is_article_file(&config, Path::new("inkproof.yaml")));
        assert!(!is_article_file(&config, Path::new("templates/page.md")));
        assert!(!is_article_file(&config, Path::new("content/snippets/x.ps1")));
    }
}
