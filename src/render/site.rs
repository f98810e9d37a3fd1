//! The site index: every article in the orders pages need, the theme as published, and lookups over them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde_json::{json, Value};
use xxhash_rust::xxh3::Xxh3;

use super::indexed::{HomeIntro, Indexed};
use super::keys::key_of;
use super::related::{related, term_members, Related};
use crate::config::Config;
use crate::href::{self, page_path};
use crate::load::{self, StaticSource};
use crate::model::Stamp;
use crate::{assets, highlight};

/// The site index: metadata of every article, in the orders pages need.
pub struct Site<'a> {
    pub config: &'a Config,
    pub articles: &'a [std::sync::Arc<Indexed>],
    pub home: &'a HomeIntro,
    /// Hash of what every page depends on: config, templates, tool version.
    pub settings: u128,
    /// Static files as loaded.
    pub statics: &'a [(PathBuf, StaticSource)],
    /// Bundle asset stamps (by absolute path).
    pub stamps: &'a HashMap<PathBuf, Stamp>,
    /// Indices of dated articles, newest first.
    pub dated: Vec<usize>,
    pub(super) nav: Vec<Value>,
    pub(super) nav_key: u128,
    /// Place of each article in `dated` (`usize::MAX` when undated).
    pub(super) position: Vec<usize>,
    /// The theme's stylesheets and scripts as published (minified, fingerprinted).
    pub theme: assets::Theme,
    related: OnceLock<Arc<Related>>,
    /// The last run's related articles, used again when their key matches.
    previous_related: Option<Arc<Related>>,
}

impl<'a> Site<'a> {
    pub fn new(
        config: &'a Config,
        articles: &'a [std::sync::Arc<Indexed>],
        home: &'a HomeIntro,
        settings: u128,
        statics: &'a [(PathBuf, StaticSource)],
        stamps: &'a HashMap<PathBuf, Stamp>,
        theme_memo: &mut Option<(u128, assets::Theme)>,
    ) -> Site<'a> {
        let nav: Vec<Value> = articles
            .iter()
            .filter(|a| !a.article.is_dated())
            .map(|a| json!({"title": a.article.meta.title, "url": a.article.url}))
            .collect();
        let nav_key = crate::fingerprint::hash(Value::Array(nav.clone()).to_string().as_bytes());
        // Dated articles, newest first; ties broken by title, then URL, for stable output.
        // Sorted by dates copied beside the indices: comparing through the
        // articles was most of this function (a cache miss per comparison).
        let mut by_date: Vec<(Option<chrono::DateTime<chrono::FixedOffset>>, usize)> = articles
            .iter()
            .enumerate()
            .filter(|(_, x)| x.article.is_dated())
            .map(|(i, x)| (x.article.meta.date.as_ref().map(|d| d.value), i))
            .collect();
        by_date.sort_unstable_by(|(da, x), (db, y)| {
            db.cmp(da).then_with(|| {
                let (a, b) = (&articles[*x].article, &articles[*y].article);
                a.meta.title.cmp(&b.meta.title).then(a.url.cmp(&b.url)).then(x.cmp(y))
            })
        });
        let dated: Vec<usize> = by_date.into_iter().map(|(_, i)| i).collect();
        let mut position = vec![usize::MAX; articles.len()];
        for (pos, &i) in dated.iter().enumerate() {
            position[i] = pos;
        }
        // The theme is made again only when a file of it or the set of
        // highlight classes the site uses may have changed.
        let theme_key = {
            let mut h = Xxh3::new();
            for (rel, src) in statics {
                h.update(rel.as_os_str().as_encoded_bytes());
                match src {
                    StaticSource::Disk { stamp, .. } => {
                        h.update(&stamp.len.to_le_bytes());
                        h.update(&stamp.mtime_ns.to_le_bytes());
                    }
                    StaticSource::Builtin(t) => {
                        h.update(&crate::fingerprint::hash(t.as_bytes()).to_le_bytes())
                    }
                }
            }
            h.update(
                &crate::fingerprint::hash(home.html.as_deref().unwrap_or_default().as_bytes())
                    .to_le_bytes(),
            );
            h.update(&[u8::from(config.search)]);
            for x in articles {
                h.update(&x.highlight_key.to_le_bytes());
            }
            h.digest128()
        };
        let theme = match theme_memo {
            Some((k, t)) if *k == theme_key => t.clone(),
            _ => {
                let t = theme_assets(articles, home, statics, config.search);
                *theme_memo = Some((theme_key, t.clone()));
                t
            }
        };
        // Every page names the theme's files, whose names follow their bytes.
        let settings = key_of(&[
            &settings.to_le_bytes(),
            format!(
                "{:?}",
                (
                    &theme.style,
                    &theme.style_search,
                    &theme.script,
                    &theme.search_js,
                    &theme.search_css
                )
            )
            .as_bytes(),
        ]);
        Site {
            config,
            articles,
            home,
            settings,
            statics,
            stamps,
            dated,
            nav,
            nav_key,
            position,
            theme,
            related: OnceLock::new(),
            previous_related: None,
        }
    }

    /// Offers the last run's related articles: used when nothing they were
    /// chosen from changed.
    pub fn with_previous_related(mut self, previous: Option<Arc<Related>>) -> Self {
        self.previous_related = previous;
        self
    }

    /// Related articles of each dated article (made once per run, for plan and render).
    pub fn related(&self) -> &Arc<Related> {
        self.related.get_or_init(|| {
            let mut h = Xxh3::new();
            h.update(&(self.articles.len() as u64).to_le_bytes());
            for &i in &self.dated {
                h.update(&(i as u64).to_le_bytes());
                h.update(&self.articles[i].terms_key.to_le_bytes());
            }
            let key = h.digest128();
            match &self.previous_related {
                Some(p) if p.key == key => Arc::clone(p),
                _ => Arc::new(Related {
                    key,
                    of: related(self),
                    terms: [term_members(self, true), term_members(self, false)],
                }),
            }
        })
    }

    pub(super) fn base(&self) -> &str {
        self.config.base_path()
    }
}

/// The theme files of this site (its own `static/`, else the built-in ones),
/// with the syntax rules cut to the classes its articles use.
fn theme_assets(
    articles: &[Arc<Indexed>],
    home: &HomeIntro,
    statics: &[(PathBuf, StaticSource)],
    search: bool,
) -> assets::Theme {
    const NAMES: [&str; 4] = ["style.css", "inkproof.js", "search.js", "search.css"];
    let texts: Vec<(&str, std::borrow::Cow<'_, str>)> = statics
        .iter()
        .filter_map(|(rel, src)| {
            let name = NAMES.iter().copied().find(|n| rel.as_os_str() == *n)?;
            if !search && search_file(rel) {
                return None;
            }
            let text = match src {
                StaticSource::Builtin(t) => std::borrow::Cow::Borrowed(*t),
                // Unreadable: the page keeps linking the plain copy, whose
                // unit reports the problem.
                StaticSource::Disk { abs, .. } => std::borrow::Cow::Owned(
                    String::from_utf8(load::read_published(abs).ok()?).ok()?,
                ),
            };
            Some((name, text))
        })
        .collect();
    let home_classes = home.html.as_deref().map(assets::highlight_classes).unwrap_or_default();
    let used: std::collections::HashSet<&str> = articles
        .iter()
        .flat_map(|x| x.body_facts.highlight.iter())
        .chain(&home_classes)
        .map(|c| &**c)
        .collect();
    let syntax = assets::prune_highlight_rules(&highlight::css(), &used);
    let sources: Vec<(&str, &str)> = texts.iter().map(|(n, t)| (*n, &**t)).collect();
    assets::Theme::build(&sources, &syntax)
}

/// The theme's files that only search uses.
pub(super) fn search_file(rel: &Path) -> bool {
    ["search.js", "search.css"].iter().any(|f| rel.as_os_str() == *f)
}

/// The file of an article's thumbnail when it is one of the site's (in its
/// bundle, or in `static/`), as (the file, its output path, its stamp).
pub(super) fn thumbnail_file<'s>(
    site: &'s Site<'_>,
    i: usize,
) -> Option<(&'s Path, &'s Path, Stamp)> {
    let a = &site.articles[i].article;
    let thumb = a.meta.thumbnail.as_deref()?;
    if crate::href::is_external(thumb) {
        return None;
    }
    if let Some(abs) = thumb.strip_prefix('/') {
        let want = href::normalize_within(Path::new(abs))?;
        site.statics.iter().find_map(|(rel, src)| match src {
            StaticSource::Disk { abs, stamp } if *rel == want => {
                Some((abs.as_path(), rel.as_path(), *stamp))
            }
            _ => None,
        })
    } else {
        let want = href::normalize_within(&page_path(site.base(), &a.url).parent()?.join(thumb))?;
        let (from, to) = a.assets.iter().find(|(_, to)| *to == want)?;
        Some((from.as_path(), to.as_path(), site.stamps.get(from).copied().unwrap_or_default()))
    }
}

/// What an article's pages and cards show of its thumbnail file (its size)
/// changes with the file: part of their keys, so a replaced thumbnail is
/// shown at its new size on the next build.
pub(super) fn thumbnail_key(site: &Site<'_>, i: usize) -> u128 {
    thumbnail_file(site, i).map_or(0, |(from, _, stamp)| super::keys::stamp_key(from, stamp))
}

/// The PNG published for an article whose thumbnail is an SVG file of the
/// site (in its bundle, or in `static/`), as (output path, the SVG file, its
/// stamp): social sites show no SVG preview. Remote thumbnails stay as they are.
pub(super) fn og_png<'s>(site: &'s Site<'_>, i: usize) -> Option<(PathBuf, &'s Path, Stamp)> {
    let (from, to, stamp) = thumbnail_file(site, i)?;
    if !to.to_string_lossy().to_ascii_lowercase().ends_with(".svg") {
        return None;
    }
    let stem = to.file_stem()?.to_string_lossy();
    Some((to.with_file_name(format!("{stem}.og.png")), from, stamp))
}

/// The older and newer dated article around `i` ("prev" reads as "the one
/// before this in time").
pub(super) fn neighbours(site: &Site<'_>, i: usize) -> (Option<usize>, Option<usize>) {
    match site.position.get(i).copied().filter(|&p| p != usize::MAX) {
        Some(pos) => {
            let prev = site.dated.get(pos + 1).copied();
            let next = pos.checked_sub(1).and_then(|p| site.dated.get(p)).copied();
            (prev, next)
        }
        None => (None, None),
    }
}
