//! What the engine keeps from one run to the next in memory, so an edit
//! costs what it touched: each memo holds a result with the key of what it
//! was made from, and is used only while that key is unchanged.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::article::Front;
use crate::diag::Diagnostic;
use crate::model::{Link, Source};
use crate::render;

/// The memos of one engine. None of them is saved: a new process starts
/// from the persistent cache ([`super::cache`]) and makes these again.
#[derive(Default)]
pub(super) struct Memos {
    /// The sources and front matter of the last run, in order, with their key.
    pub last_fronts: Vec<(Arc<Source>, Arc<Front>, u128)>,
    /// Slug and URL of each article, with the front matter they came from.
    pub slugs: FxHashMap<PathBuf, Slugged>,
    /// The duplicate-title findings and the key of what they were made from.
    pub titles: Option<(u128, Vec<PathBuf>, Vec<Diagnostic>)>,
    /// The link check's findings per article, with what they were made from.
    pub links: Option<LinksMemo>,
    /// The search index's word lists of the last run, patched on the next.
    pub postings: crate::search::Postings,
    /// Compiled templates and the hash of the texts they came from.
    pub tera: Option<(u128, Arc<tera::Tera>, Vec<Diagnostic>)>,
    /// Whether the last run checked every kept body against its URLs.
    pub bodies_checked: bool,
    /// The last run's related articles (most saves don't change them).
    pub related: Option<Arc<render::Related>>,
    /// The theme's files as the last run made them, with their key.
    pub theme: Option<(u128, crate::assets::Theme)>,
}

/// An article's slug and URL, kept with the front matter (shared, so
/// `Arc::ptr_eq` says it is the same) and the settings they were made from.
#[derive(Debug)]
pub(super) struct Slugged {
    pub front: Arc<Front>,
    pub bundle_dir: Option<PathBuf>,
    pub settings: u128,
    pub slug: String,
    pub url: String,
    /// The permalink pattern wanted a date the article does not have (its
    /// URL falls back to `/:slug/`; the build reports it).
    pub undated: bool,
}

/// The site-wide link check, kept per article. An article's link findings
/// are a function of its links, URL and path (`Indexed::links_key`) and of
/// what links can land on: the published paths and every article's URL and
/// heading ids (`global`). While `global` is the same, only articles whose
/// `links_key` changed are checked again.
#[derive(Debug)]
pub(super) struct LinksMemo {
    pub global: u128,
    /// In index order: source, `links_key`, findings.
    pub per: Vec<(PathBuf, u128, Vec<Diagnostic>)>,
}

/// Indices (into `indexed`) of the articles whose heading ids `links` (of
/// one article) can read: a link with a `#fragment` to an article page names that
/// page's slug as its last path segment. `false` when a link's target can't
/// be told that way (`..`, `.`, an encoded name, the site root): then the
/// whole site is checked.
pub(super) fn link_targets(
    links: &[Link],
    by_slug: &HashMap<&str, Vec<usize>>,
    out: &mut Vec<usize>,
) -> bool {
    for l in links {
        let href = l.href.as_str();
        if crate::href::is_external(href) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn links(hrefs: &[&str]) -> Vec<Link> {
        hrefs
            .iter()
            .map(|h| Link { href: h.to_string(), line: 1, col: 1, is_image: false })
            .collect()
    }

    #[test]
    fn engine_link_targets_are_the_slugs_named_before_an_anchor() {
        let by_slug: HashMap<&str, Vec<usize>> =
            [("setup", vec![2]), ("faq", vec![0, 5])].into_iter().collect();
        let mut out = Vec::new();
        let known = link_targets(
            &links(&[
                "/setup/#install",
                "../faq/index.html#top",
                "/setup/",                // no anchor: no heading read
                "https://example.com/#x", // not the site
                "#here",                  // this page
                "/unknown/#x",            // no such article: nothing to recheck
            ]),
            &by_slug,
            &mut out,
        );
        assert!(known);
        assert_eq!(out, vec![2, 0, 5]);
    }

    #[test]
    fn engine_link_targets_give_up_on_targets_not_named_by_a_slug() {
        let by_slug: HashMap<&str, Vec<usize>> = HashMap::new();
        for href in ["../#x", "./#x", "/#x", "/caf%C3%A9/#x"] {
            let mut out = Vec::new();
            assert!(!link_targets(&links(&[href]), &by_slug, &mut out), "{href}");
        }
    }
}
