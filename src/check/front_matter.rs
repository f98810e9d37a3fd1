//! Front matter checks that need the parsed article: keys inkproof doesn't
//! know, dates in the future, description length, the thumbnail, an empty body,
//! and (site-wide) titles shared by two articles.
//!
//! Type and syntax errors are found while parsing (`crate::front_matter`);
//! these are the ones that need the whole file or the whole site.

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::Config;
use crate::diag::{Diagnostic, Location};
use crate::front_matter::{locate_item, locate_key, KNOWN_KEYS};
use crate::model::{Article, FrontMatter, Source};
use crate::slug::SlugFrom;
use crate::slug::{slugify, unportable, unportable_finding};

use super::facts::Facts;
use super::safety::unsafe_scheme;
use crate::registry::ids;
use crate::suggest::closest;

/// Meta descriptions search engines show in full.
const DESCRIPTION_CHARS: std::ops::RangeInclusive<usize> = 50..=160;

/// Where a key's value is in the file; the file start if the key can't be found.
fn value_at(source: &Source, key: &str) -> Location {
    match crate::load::text_of(source) {
        Some(text) => value_in(&source.path, &text, key),
        None => Location::new(&source.path, 1, None),
    }
}

/// [`value_at`] in a text already at hand.
fn value_in(path: &Path, text: &str, key: &str) -> Location {
    match locate_key(text, key) {
        Some((line, col)) => Location::new(path, line, Some(col)),
        None => Location::new(path, 1, None),
    }
}

/// Where the author changes an article's slug: the `slug:` value, the top
/// of the file when its name made the slug, or the `title:` value.
pub fn slug_location(source: &Source, meta: &FrontMatter) -> Location {
    match crate::slug::slug_origin(source, meta) {
        SlugFrom::Key => value_at(source, "slug"),
        SlugFrom::Name => Location::new(&source.path, 1, Some(1)),
        SlugFrom::Title => value_at(source, "title"),
    }
}

/// Article and term slugs become folder names: one that a file system
/// refuses (over 255 bytes) or Windows reserves (`con`) is reported at the
/// front matter that made it, in `check` as in `build`, instead of failing
/// the write with a bare OS error (issue 21).
fn unportable_slugs(config: &Config, source: &Source, a: &Article, out: &mut Vec<Diagnostic>) {
    if let Some(problem) = unportable(&a.slug) {
        let fix = "set a short `slug:` of your own in the front matter";
        out.push(unportable_finding(
            problem,
            "the slug",
            &a.slug,
            slug_location(source, &a.meta),
            fix,
        ));
    }
    if !config.taxonomies {
        return; // no term pages, so no term folders
    }
    for (key, what, names) in [
        ("tags", "the tag's slug", &a.meta.tags),
        ("categories", "the category's slug", &a.meta.categories),
    ] {
        for name in names {
            let slug = slugify(name);
            let Some(problem) = unportable(&slug) else { continue };
            let at = match crate::load::text_of(source).and_then(|t| locate_item(&t, key, name)) {
                Some((line, col)) => Location::new(&source.path, line, Some(col)),
                None => Location::new(&source.path, 1, None),
            };
            out.push(unportable_finding(
                problem,
                what,
                &slug,
                at,
                "rename it; a term is a word or two",
            ));
        }
    }
}

/// The findings about a file's front matter values that need nothing but
/// the values and the file. They are also reported when another field failed
/// to parse (the article is then skipped), so one run shows every field
/// finding of a file, as it does for the body (issue 25: a bad `date:` hid a
/// misspelt `tittle:`).
pub fn fields(path: &Path, text: &str, meta: &FrontMatter, out: &mut Vec<Diagnostic>) {
    for key in meta.extra.keys() {
        // Keys under `extra:` (or TOML's [extra]) are custom on purpose; only
        // top-level ones can be typos.
        let Some((line, _)) = locate_key(text, key) else { continue };
        let d = Diagnostic::warning(
            ids::FRONT_MATTER_UNKNOWN_KEY,
            Location::new(path, line, Some(1)),
            format!("unknown front matter key `{key}`"),
        );
        out.push(match closest(key, KNOWN_KEYS.iter().copied()) {
            Some(near) => d.with_help(format!("did you mean `{near}`?")),
            None => d.with_help(format!(
                "templates still get it as `extra.{key}`; move it under `extra:` to mark it as a custom field"
            )),
        });
    }

    if let Some(date) = &meta.date {
        if date.value > chrono::Utc::now() && locate_key(text, "date").is_some() {
            out.push(
                Diagnostic::warning(
                    ids::FRONT_MATTER_FUTURE_DATE,
                    value_in(path, text, "date"),
                    format!(
                        "`date` {} is in the future, but the page is published now",
                        date.iso()
                    ),
                )
                .with_help("correct the date, or set `draft: true` until it is ready"),
            );
        }
    }

    if let Some(desc) = &meta.description {
        let n = desc.chars().count();
        if !DESCRIPTION_CHARS.contains(&n) {
            let what = if n < *DESCRIPTION_CHARS.start() { "short" } else { "long" };
            out.push(
                Diagnostic::warning(
                    ids::SEO_DESCRIPTION_LENGTH,
                    value_in(path, text, "description"),
                    format!("`description` is {n} characters, too {what} for a search result"),
                )
                .with_help("search engines show 50 to 160 characters"),
            );
        }
    }
}

pub fn check(
    config: &Config,
    source: &Source,
    a: &Article,
    facts: &Facts,
    statics: &dyn Fn(&Path) -> bool,
    out: &mut Vec<Diagnostic>,
) {
    let path = source.path.as_path();
    // The per-article stage hands the source with its text; no second read.
    fields(path, &source.text, &a.meta, out);

    unportable_slugs(config, source, a, out);

    if let Some(thumb) = &a.meta.thumbnail {
        thumbnail(config, source, thumb, statics, out);
    }

    // An article above the size limit has no rendered body to judge;
    // `limits/article-too-big` already says why.
    let skipped = crate::limits::article_too_big(source.text.len() as u64, &config.limits);
    if !facts.has_text && !skipped {
        let line = crate::front_matter::body_offset(&source.text)
            .map_or(1, |off| crate::diag::LineIndex::new(&source.text).line_col(off).0);
        out.push(
            Diagnostic::warning(
                ids::CONTENT_EMPTY_BODY,
                Location::new(path, line, Some(1)),
                "the article has front matter but no text",
            )
            .with_help("write the article, or set `draft: true` until it is ready"),
        );
    }
}

fn thumbnail(
    config: &Config,
    source: &Source,
    thumb: &str,
    statics: &dyn Fn(&Path) -> bool,
    out: &mut Vec<Diagnostic>,
) {
    let at = || value_at(source, "thumbnail");
    if let Some(scheme) = unsafe_scheme(thumb) {
        out.push(
            Diagnostic::error(
                ids::LINK_UNSAFE_SCHEME,
                at(),
                format!("`thumbnail` is a `{scheme}` URL, which runs code in the reader's browser"),
            )
            .with_help("use an image file in the page bundle or an https:// URL"),
        );
        return;
    }
    if crate::href::is_external(thumb) {
        return; // a remote image: the external check fetches it if asked
    }
    let found = if let Some(abs) = thumb.strip_prefix('/') {
        // A site path: a static file, as the loader listed them (a look at
        // the disk here would be a read the engine cannot see change).
        statics(Path::new(abs))
    } else {
        source.bundle_dir.is_some() && source.assets.iter().any(|p| p == Path::new(thumb))
    };
    if !found {
        let where_ = match &source.bundle_dir {
            Some(dir) if !thumb.starts_with('/') => format!("`{}`", dir.join(thumb).display()),
            _ if thumb.starts_with('/') => {
                format!("`{}`", config.static_dir.join(thumb.trim_start_matches('/')).display())
            }
            _ => "a page bundle (this article is a single file)".to_string(),
        };
        out.push(
            Diagnostic::warning(
                ids::FRONT_MATTER_THUMBNAIL,
                at(),
                format!("`thumbnail: {thumb}` is not a URL and there is no such file in {where_}"),
            )
            .with_help("put the image next to index.md in the page bundle, or use an https:// URL"),
        );
    }
}

/// `seo/duplicate-title`: every article after the first with the same title
/// (case and spaces aside) is pointed at the first.
pub fn duplicate_titles(
    sources: &[std::sync::Arc<Source>],
    articles: &[&Article],
    out: &mut Vec<Diagnostic>,
) {
    let texts: BTreeMap<&Path, &Source> =
        sources.iter().map(|s| (s.path.as_path(), &**s)).collect();
    let mut by_title: BTreeMap<String, Vec<&Article>> = BTreeMap::new();
    for &a in articles {
        let key = a.meta.title.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        by_title.entry(key).or_default().push(a);
    }
    for group in by_title.values_mut().filter(|g| g.len() > 1) {
        group.sort_by(|a, b| a.source.cmp(&b.source));
        let first = group[0].source.display().to_string();
        for a in &group[1..] {
            let at = texts
                .get(a.source.as_path())
                .map_or_else(|| Location::file(&a.source), |s| value_at(s, "title"));
            out.push(
                Diagnostic::warning(
                    ids::SEO_DUPLICATE_TITLE,
                    at,
                    format!("`{}` is also the title of `{first}`", a.meta.title),
                )
                .with_help(
                    "readers and search results tell guides apart by title; make each one specific",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    /// A single-file article whose `abs_path` is under a real site root, so
    /// a check that still looked at the disk would find (or miss) files there.
    fn article_at(root: &Path) -> Source {
        let text = "---\ntitle: T\nthumbnail: /img/t.png\n---\nBody.\n".to_string();
        Source {
            path: PathBuf::from("content/t.md"),
            abs_path: root.join("content/t.md"),
            hash: crate::fingerprint::hash(text.as_bytes()),
            text,
            bundle_dir: None,
            assets: Vec::new(),
            stamp: Default::default(),
            released: false,
        }
    }

    #[test]
    fn front_matter_thumbnail_is_looked_up_in_the_loaded_statics_not_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        // On disk but not among the loaded statics: still missing.
        std::fs::create_dir_all(dir.path().join("static/img")).unwrap();
        std::fs::write(dir.path().join("static/img/t.png"), "png").unwrap();
        let source = article_at(dir.path());
        let config = Config::default();
        let asked = std::cell::RefCell::new(Vec::new());
        let mut out = Vec::new();
        let none = |p: &Path| {
            asked.borrow_mut().push(p.to_path_buf());
            false
        };
        thumbnail(&config, &source, "/img/t.png", &none, &mut out);
        assert_eq!(
            asked.into_inner(),
            vec![PathBuf::from("img/t.png")],
            "asked by its output path"
        );
        let codes: Vec<_> =
            out.iter().map(|d| (d.code.as_str(), d.location.line, d.location.col)).collect();
        assert_eq!(codes, vec![("front-matter/thumbnail", 3, Some(12))]);
        assert!(out[0].message.contains("static/img/t.png"), "{}", out[0].message);

        // Loaded (the disk aside): no finding.
        std::fs::remove_file(dir.path().join("static/img/t.png")).unwrap();
        let mut out = Vec::new();
        thumbnail(&config, &source, "/img/t.png", &|p| p == Path::new("img/t.png"), &mut out);
        assert!(out.is_empty(), "{out:?}");
    }
}
