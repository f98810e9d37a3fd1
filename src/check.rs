//! Stage 6 (check): read-only proofing passes over the rendered site.
//!
//! Findings are diagnostics located at the line where the author wrote the
//! thing (links and images carry their line from the Markdown pass):
//! - `link/broken`, `link/broken-anchor`: internal links to pages or headings
//!   that the build does not produce;
//! - `image/missing`, `image/missing-alt`: local images that are not published,
//!   images without alt text;
//! - `ads/leftover`: ad markup that survived stripping (a rule to add).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::diag::{Diagnostic, Location};
use crate::model::Article;

/// Checks of one article that need its final HTML: they run in the
/// per-article stage, so their findings are cached with the article.
pub fn article(a: &Article) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    leftover_ads(a, &mut diags);
    diags
}

/// Site-wide checks over the index: links and anchors against every output
/// path (`files`) and every page's ids.
pub fn run<'a>(
    config: &Config,
    articles: impl Iterator<Item = &'a Article> + Clone,
    files: &HashSet<&Path>,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let base = config.base_path();
    // Anchors of every page, by output path.
    let anchors: HashMap<PathBuf, HashSet<&str>> = articles
        .clone()
        .map(|a| {
            (crate::render::page_path(base, &a.url), a.ids.iter().map(String::as_str).collect())
        })
        .collect();

    for a in articles {
        for link in &a.links {
            let loc = Location::new(&a.source, link.line, Some(link.col));
            if link.is_image && link.href.is_empty() {
                diags.push(Diagnostic::warning(
                    "image/missing",
                    loc.clone(),
                    "image has no source",
                ));
                continue;
            }
            let Some((target, fragment)) = resolve(base, &a.url, &link.href) else { continue };
            let page = if target.as_os_str().is_empty()
                || link.href.split('#').next().is_some_and(|p| p.ends_with('/'))
            {
                target.join("index.html")
            } else if files.contains(target.as_path()) {
                target.clone()
            } else {
                target.join("index.html")
            };
            if !files.contains(page.as_path()) {
                let (code, what) = if link.is_image {
                    ("image/missing", "image")
                } else {
                    ("link/broken", "link")
                };
                diags.push(Diagnostic::warning(
                    code,
                    loc,
                    format!("{what} `{}`: nothing is published at `{}`", link.href, page.display()),
                ));
                continue;
            }
            if let (Some(frag), Some(ids)) = (fragment, anchors.get(&page)) {
                if !frag.is_empty() && !ids.contains(frag) {
                    diags.push(
                        Diagnostic::warning(
                            "link/broken-anchor",
                            loc,
                            format!("link `{}`: the page has no `#{frag}`", link.href),
                        )
                        .with_help("heading ids are the heading text, lowercased, with dashes"),
                    );
                }
            }
        }
    }
    diags
}

/// Resolves an internal link to (output path without `index.html`, fragment).
/// `None` for external links and schemes that are not pages.
fn resolve<'h>(base: &str, page_url: &str, href: &'h str) -> Option<(PathBuf, Option<&'h str>)> {
    if href.contains("://")
        || href.starts_with("//")
        || (href.contains(':') && !href.starts_with('/') && !href.starts_with('.'))
    {
        return None; // http(s), mailto:, tel:, data:, javascript:
    }
    let (path, fragment) = match href.find('#') {
        Some(i) => (&href[..i], Some(&href[i + 1..])),
        None => (href, None),
    };
    let path = path.split('?').next().unwrap_or(path);
    let joined = if path.is_empty() {
        page_url.to_string()
    } else if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{page_url}{path}")
    };
    let rel = joined.strip_prefix(base).unwrap_or(&joined).trim_start_matches('/');
    let rel = rel.replace("%20", " ");
    let norm = crate::load::normalize_within(Path::new(&rel))?;
    Some((norm, fragment))
}

/// Every `id="…"` in a page's content.
pub fn ids(html: &str) -> HashSet<&str> {
    let mut out = HashSet::new();
    let mut rest = html;
    while let Some(i) = rest.find(" id=\"") {
        rest = &rest[i + 5..];
        if let Some(end) = rest.find('"') {
            out.insert(&rest[..end]);
            rest = &rest[end..];
        }
    }
    out
}

fn leftover_ads(a: &Article, diags: &mut Vec<Diagnostic>) {
    // Inside code, markup is escaped (`&lt;ins`), so a literal match is real markup.
    for needle in
        ["<ins class=\"adsbygoogle\"", "<!-- affiliate ads begin", "<!-- affiliate ads end"]
    {
        if a.html.contains(needle) {
            diags.push(
                Diagnostic::warning(
                    "ads/leftover",
                    Location::file(&a.source),
                    format!("ad markup `{needle}` is still in the page"),
                )
                .with_help("add a strip rule (marker pair or selector) in inkproof.yaml"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_absolute_and_external() {
        assert_eq!(
            resolve("", "/guide/", "shot.svg"),
            Some((PathBuf::from("guide/shot.svg"), None))
        );
        assert_eq!(resolve("", "/guide/", "/other/#x"), Some((PathBuf::from("other"), Some("x"))));
        assert_eq!(resolve("", "/guide/", "#step"), Some((PathBuf::from("guide"), Some("step"))));
        assert_eq!(resolve("/docs", "/docs/guide/", "/docs/a/"), Some((PathBuf::from("a"), None)));
        assert_eq!(resolve("", "/guide/", "https://x.org/"), None);
        assert_eq!(resolve("", "/guide/", "mailto:a@b.c"), None);
        assert_eq!(resolve("", "/guide/", "../../../etc/passwd"), None);
    }

    #[test]
    fn collects_ids() {
        let set = ids("<h2 id=\"a\">x</h2><p id=\"b-1\">");
        assert!(set.contains("a") && set.contains("b-1") && set.len() == 2);
    }
}
