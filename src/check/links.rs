//! Internal links, `#anchors` and local images against what the build publishes
//! (a site-wide check: it needs every page's path and heading ids).
//!
//! Findings sit at the line where the author wrote the link; a near miss gets
//! "did you mean" with the closest published page or heading id.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::diag::{Diagnostic, Location};
use crate::model::{Article, Source};

use super::facts::LinkFact;
use crate::registry::ids;
use crate::suggest::{closest, Nearest};

/// One link as the check sees it: already rewritten from `.md` to a URL.
struct PageLink<'a> {
    href: std::borrow::Cow<'a, str>,
    is_image: bool,
    line: usize,
    col: usize,
}

/// Checks the links of every article, and of the bodies whose front matter
/// failed (`failed`: their source and the links as written).
pub fn check(
    config: &Config,
    articles: &[&Article],
    failed: &[(&Source, Vec<LinkFact>)],
    urls: &HashMap<&Path, &str>,
    files: &rustc_hash::FxHashSet<&Path>,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let base = config.base_path();
    // Anchors of every page, by output path.
    let anchors: HashMap<PathBuf, HashSet<&str>> = articles
        .iter()
        .map(|a| (crate::href::page_path(base, &a.url), a.ids.iter().map(String::as_str).collect()))
        .collect();
    // Headings of every page, for "did you mean" by a heading's text.
    let headings: HashMap<PathBuf, &[crate::model::TocEntry]> =
        articles.iter().map(|a| (crate::href::page_path(base, &a.url), a.toc.as_slice())).collect();
    // Published pages as site paths (`/guide/`), for "did you mean".
    let page_paths: Vec<String> = files
        .iter()
        .filter_map(|p| {
            let s = p.to_str()?;
            Some(match s.strip_suffix("index.html") {
                Some(dir) => format!("/{dir}"),
                None => format!("/{s}"),
            })
        })
        .collect();
    let pages = Nearest::new(page_paths.iter().map(String::as_str));

    let mut pages_links: Vec<(&Path, String, Vec<PageLink<'_>>)> = Vec::new();
    for a in articles {
        let links = a
            .links
            .iter()
            .map(|l| PageLink {
                href: l.href.as_str().into(),
                is_image: l.is_image,
                line: l.line,
                col: l.col,
            })
            .collect();
        pages_links.push((&a.source, a.url.clone(), links));
    }
    for (source, links) in failed {
        let url = format!("{base}/{}/", fallback_slug(source));
        let mut out = Vec::new();
        for l in links {
            match md_link(&l.href, &source.path, &config.content_dir, urls) {
                Some(Ok(url)) => out.push(PageLink {
                    href: url.into(),
                    is_image: l.is_image,
                    line: l.at.line,
                    col: l.at.col,
                }),
                Some(Err(())) => diags.push(
                    Diagnostic::warning(
                        ids::LINK_UNKNOWN_ARTICLE,
                        Location::new(&source.path, l.at.line, Some(l.at.col)),
                        format!("link to `{}`: no article is built from that file", l.href),
                    )
                    .with_help("check the path; it is relative to this article's folder"),
                ),
                None => out.push(PageLink {
                    href: l.href.as_str().into(),
                    is_image: l.is_image,
                    line: l.at.line,
                    col: l.at.col,
                }),
            }
        }
        pages_links.push((&source.path, url, out));
    }

    for (source, page_url, links) in &pages_links {
        for link in links {
            let loc = Location::new(*source, link.line, Some(link.col));
            if link.is_image && link.href.is_empty() {
                diags.push(Diagnostic::warning(ids::IMAGE_MISSING, loc, "image has no source"));
                continue;
            }
            let Some((target, fragment)) = resolve(base, page_url, &link.href) else { continue };
            let dir_link = target.as_os_str().is_empty()
                || link.href.split('#').next().is_some_and(|p| p.ends_with('/'));
            let page = if link.is_image || (!dir_link && files.contains(target.as_path())) {
                target.clone()
            } else {
                target.join("index.html")
            };
            if !files.contains(page.as_path()) {
                diags.push(missing(source, page_url, link, &target, loc, &pages));
                continue;
            }
            if let (Some(frag), Some(ids)) = (fragment, anchors.get(&page)) {
                if !frag.is_empty() && !ids.contains(frag) {
                    // `#fix2` for the heading "Fix 2": the words, not the
                    // spelling, say which one was meant.
                    let named = headings
                        .get(&page)
                        .and_then(|h| crate::strip::heading_named(&crate::href::decode(frag), h));
                    let help = match (named, closest(frag, ids.iter().copied())) {
                        (Some(h), _) => {
                            format!("did you mean `#{}`, the heading \"{}\"?", h.id, h.title)
                        }
                        (None, Some(near)) => format!("did you mean `#{near}`?"),
                        (None, None) => {
                            "heading ids are the heading text, lowercased, with dashes".to_string()
                        }
                    };
                    diags.push(
                        Diagnostic::warning(
                            ids::LINK_BROKEN_ANCHOR,
                            loc,
                            format!("link `{}`: the page has no `#{frag}`", link.href),
                        )
                        .with_help(help),
                    );
                }
            }
        }
    }
    diags
}

fn missing(
    source: &Path,
    page_url: &str,
    link: &PageLink<'_>,
    target: &Path,
    loc: Location,
    pages: &Nearest<'_>,
) -> Diagnostic {
    if link.is_image {
        // Say where the file was looked for, in the author's terms.
        let bundle = source.parent().filter(|_| source.ends_with("index.md"));
        let looked = match bundle {
            Some(dir) if !link.href.starts_with('/') => {
                format!("no file `{}` in the page bundle", dir.join(link.href.as_ref()).display())
            }
            _ => format!("nothing is published at `/{}`", target.display()),
        };
        return Diagnostic::warning(
            ids::IMAGE_MISSING,
            loc,
            format!("image `{}`: {looked}", link.href),
        )
        .with_help(
            "put the image next to the article's index.md, or in static/ and link it from /",
        );
    }
    let wanted = format!("/{}/", target.display()).replace("//", "/");
    let help = match pages.closest(&wanted) {
        Some(near) => format!("did you mean `{near}`?"),
        None => format!("this page is `{page_url}`; relative links start from there"),
    };
    Diagnostic::warning(
        ids::LINK_BROKEN,
        loc,
        format!("link `{}`: no page or file is published at `{wanted}`", link.href),
    )
    .with_help(help)
}

/// The slug an article would get from its file name (used for bodies whose
/// front matter failed, to resolve their relative links).
fn fallback_slug(source: &Source) -> String {
    let name = match &source.bundle_dir {
        Some(dir) => dir.file_name(),
        None => source.path.file_stem(),
    };
    let name = name.map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    crate::slug::slugify(crate::slug::strip_date_prefix(&name))
}

/// `Some(Ok(url))` for a link to an article's `.md` file, `Some(Err(()))` for a
/// `.md` link to no article, `None` for any other link.
fn md_link(
    href: &str,
    from: &Path,
    content_dir: &Path,
    urls: &HashMap<&Path, &str>,
) -> Option<Result<String, ()>> {
    let link = crate::href::md_link(href, from, content_dir)?;
    let target = crate::href::normalize_within(&link.file);
    Some(match target.as_deref().and_then(|t| urls.get(t)) {
        Some(url) => Ok(format!("{url}{}", link.fragment)),
        None => Err(()),
    })
}

/// Resolves an internal link to (output path without `index.html`, fragment).
/// `None` for external links and schemes that are not pages.
fn resolve<'h>(base: &str, page_url: &str, href: &'h str) -> Option<(PathBuf, Option<&'h str>)> {
    if crate::href::is_external(href) {
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
    let rel = crate::href::decode(rel);
    let norm = crate::href::normalize_within(Path::new(&*rel))?;
    Some((norm, fragment))
}

/// Every `id="…"` in a page's content.
pub fn ids(html: &str) -> HashSet<&str> {
    let mut out = HashSet::new();
    let mut rest = html;
    // Byte searches: this runs over every body on every cold build.
    let finder = memchr::memmem::Finder::new(" id=\"");
    while let Some(i) = finder.find(rest.as_bytes()) {
        rest = &rest[i + 5..];
        if let Some(end) = memchr::memchr(b'"', rest.as_bytes()) {
            out.insert(&rest[..end]);
            rest = &rest[end..];
        }
    }
    out
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
