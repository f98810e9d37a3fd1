//! Stage 6 (check): read-only proofing of the site, and the last word on every
//! finding's severity.
//!
//! Two kinds of checks, so the incremental engine can cache the first kind per
//! source file and rerun only the second on every change:
//! 1. **per-article** ([`article`]): a pure function of one source file, its
//!    parsed front matter and its final HTML → findings for that file. It runs
//!    for articles whose front matter failed too (on the body alone), so one
//!    bad `date:` never hides the body's broken links and images;
//! 2. **site-wide**: internal links and anchors against every published file
//!    ([`links`]), duplicate titles, the rendered pages ([`output`]), and,
//!    when asked for, external links over the network ([`external`]).
//!
//! Then [`finalize`] applies the site's `checks:` severities and the articles'
//! `inkproof-ignore` comments to every finding of the build (not only to the
//! ones made here), and reports suppressions that silenced nothing.
//! Every id used is in [`crate::registry`].

pub mod external;
pub mod facts;
pub mod front_matter;
pub mod links;
pub mod output;
pub mod safety;
pub mod spelling;
pub mod structure;
pub mod suppress;
pub mod writing;

use std::collections::HashMap;

pub use links::ids;
use std::path::{Path, PathBuf};

use crate::config::{Config, Level};
use crate::diag::{Diagnostic, LineIndex, Location};
use crate::model::{Article, Source};
use crate::registry;
use crate::registry::ids;

/// One article as the per-article checks see it.
pub struct ArticleInput<'a> {
    pub source: &'a Source,
    /// `None` when the front matter failed: only the body is checked.
    pub article: Option<&'a Article>,
    /// Where the body starts in `source.text`.
    pub body_offset: usize,
    /// What the body stage already worked out, so the body is not cut and
    /// parsed a second time; `None` makes the checks work it out themselves.
    pub prepared: Option<Prepared<'a>>,
    /// Whether a static file is published at an output path (see
    /// [`crate::article::Env::statics`]).
    pub statics: &'a dyn Fn(&Path) -> bool,
}

/// The body stage's view of the body, handed to the checks.
pub struct Prepared<'a> {
    /// Facts of the marker-stripped body, recorded on the renderer's parse.
    pub facts: facts::Facts,
    /// An ad marker was left unclosed.
    pub unclosed_markers: bool,
    /// Line index of `source.text`.
    pub index: &'a LineIndex<'a>,
}

/// What the per-article pass found, keyed by the source file.
#[derive(Debug, Default)]
pub struct ArticleFindings {
    pub diagnostics: Vec<Diagnostic>,
    /// Links as written in the body, for the site-wide link check of articles
    /// whose front matter failed (the others have `Article::links`).
    pub body_links: Vec<facts::LinkFact>,
    pub ignores: Vec<facts::Ignore>,
}

/// The per-article checks: a pure function of one source and its article.
pub fn article(config: &Config, input: ArticleInput<'_>) -> ArticleFindings {
    let source = input.source;
    let path = source.path.as_path();
    let text = source.text.as_str();
    let body = &text[input.body_offset.min(text.len())..];
    let own_index;
    let mut marker_diags = Vec::new();
    let (facts, unclosed_markers, index) = match input.prepared {
        Some(p) => (p.facts, p.unclosed_markers, p.index),
        None => {
            own_index = LineIndex::new(text);
            let stripped = crate::strip::strip_markers(
                body,
                input.body_offset,
                &own_index,
                path,
                &config.strip,
                &mut marker_diags,
            );
            let mapper = facts::Mapper {
                index: &own_index,
                body_offset: input.body_offset,
                map: &stripped.map,
            };
            let facts = facts::collect(&stripped.body, &mapper);
            (facts, !marker_diags.is_empty(), &own_index)
        }
    };

    let mut out = Vec::new();
    if input.article.is_none() {
        // The pipeline skipped this body, so its marker findings are new.
        out.extend(marker_diags);
    }
    if let Some(a) = input.article {
        front_matter::check(config, source, a, &facts, input.statics, &mut out);
        writing::title_repeated(path, a, &facts, &mut out);
    }
    structure::check(path, &facts, &mut out);
    writing::check(path, &facts, &mut out);
    let spelling = spelling::Input { config, path, text, index, article: input.article };
    spelling::check(&spelling, &facts, &mut out);
    let final_html = input.article.map(|a| a.html.as_str());
    safety::check(config, path, &facts, final_html, &mut out);
    safety::control_chars(path, body, input.body_offset, index, &mut out);
    safety::invisible_chars(path, text, input.body_offset, index, &mut out);
    if let Some(a) = input.article {
        safety::leftover_ads(config, a, text, unclosed_markers, &mut out);
    }
    ArticleFindings {
        diagnostics: out,
        body_links: if input.article.is_none() { facts.links } else { Vec::new() },
        ignores: facts.ignores,
    }
}

/// Applies `checks:` severities and suppression comments to `diags`, and adds
/// findings for suppressions that silenced nothing. Ids in `not_run` (checks
/// that did not run this time, e.g. an opt-in check left off) are never
/// reported as unused.
pub fn finalize(
    config: &Config,
    diags: Vec<Diagnostic>,
    ignores: &HashMap<PathBuf, Vec<facts::Ignore>>,
    texts: &HashMap<&Path, &str>,
    not_run: &[crate::registry::CheckId],
) -> Vec<Diagnostic> {
    let mut diags = suppress::apply(diags, ignores, texts, not_run);
    drop_restated_escapes(&mut diags);
    diags.retain_mut(|d| match config.checks.get(d.code.as_str()) {
        Some(Level::Off) => false,
        Some(Level::Error) => {
            d.severity = crate::diag::Severity::Error;
            true
        }
        Some(Level::Warning) => {
            d.severity = crate::diag::Severity::Warning;
            true
        }
        None => true,
    });
    crate::diag::sort(&mut diags);
    diags
}

/// `checks:` keys of the site config must be registered ids: a typo would
/// silently keep the default. Here, not in `config`, so the config (which
/// every stage reads) does not import the checks.
pub fn unknown_check_ids(config: &Config, file: &str, text: &str) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for id in config.checks.keys() {
        if registry::get(id).is_some() {
            continue;
        }
        // The id's line: the first line that mentions it as a key.
        let at = text.lines().enumerate().find_map(|(i, l)| {
            let col = l.find(id.as_str())?;
            l[col + id.len()..].trim_start().starts_with(':').then_some((i + 1, col + 1))
        });
        let loc = at.map_or_else(
            || Location::file(file),
            |(line, col)| Location::new(file, line, Some(col)),
        );
        let help = match crate::suggest::closest_id(id) {
            Some(near) => format!("did you mean `{near}`? `inkproof check --list` shows every id"),
            None => "`inkproof check --list` shows every id".to_string(),
        };
        diags.push(
            Diagnostic::error(
                ids::CONFIG_INVALID,
                loc,
                format!("`checks`: unknown check id `{id}`"),
            )
            .with_help(help),
        );
    }
    diags
}

/// One cause, one finding: a symlink out of `content/` that an article embeds
/// as a snippet is reported at the article's fence line (`snippet/path-escape`,
/// which names the file); the loader's finding at the link itself says the
/// same thing without a line, so it goes.
fn drop_restated_escapes(diags: &mut Vec<Diagnostic>) {
    let named: std::collections::HashSet<String> = diags
        .iter()
        .filter(|d| d.code == ids::SNIPPET_PATH_ESCAPE)
        .filter_map(|d| crate::snippet::escaped_path(&d.message))
        .collect();
    if named.is_empty() {
        return;
    }
    diags.retain(|d| {
        d.code != ids::LOAD_PATH_ESCAPE
            || !named.contains(d.location.path.to_string_lossy().replace('\\', "/").as_str())
    });
}

/// A location in a file from a [`facts::Pos`].
pub(crate) fn loc(path: &Path, at: facts::Pos) -> Location {
    Location::new(path, at.line, Some(at.col))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_map_takes_levels_and_rejects_unknown_ids_with_a_suggestion() {
        let mut parse_diags = Vec::new();
        let text = "checks:\n  seo/description-length: off\n  link/brokn: error\n";
        let config = crate::config::parse("inkproof.yaml", text, &mut parse_diags);
        assert!(parse_diags.is_empty(), "{parse_diags:?}");
        let diags = unknown_check_ids(&config, "inkproof.yaml", text);
        assert_eq!(config.checks.get("seo/description-length"), Some(&crate::config::Level::Off));
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].code, "config/invalid");
        assert_eq!((diags[0].location.line, diags[0].location.col), (3, Some(3)));
        assert!(diags[0].help.as_deref().unwrap().contains("`link/broken`"), "{diags:?}");
    }
}
