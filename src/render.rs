//! Stage 4 (render): the site index → render units → bytes.
//!
//! Every output file is one [`Unit`]: an article page, a list page (home and
//! its pages, a taxonomy, a term page), a feed (the site's or a term's, Atom
//! or JSON), the sitemap, one file of the chunked search index, a theme file
//! (minified, fingerprinted), a PNG `og:image`, a static file, a snippet or
//! bundle asset. [`plan`] lists them with a key: a
//! hash of everything the unit's bytes are made from. The engine renders a unit
//! only when its key differs from the last build's, so an incremental build
//! equals a clean one by construction. [`render`] makes one unit's bytes; it
//! asks for article bodies through a callback, so bodies need not stay in memory.
//!
//! Tera renders pages; feeds ([`crate::feeds`]), the sitemap and `robots.txt`
//! are written without a theme (XML needs exact escaping). Nothing touches the
//! disk but the reads of theme files and SVG thumbnails (`static/`, bundles).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;
use serde_json::{json, Value};
use xxhash_rust::xxh3::Xxh3;

use crate::config::Config;
use crate::diag::{Diagnostic, Location};
use crate::href::{page_path, url_path};
use crate::load::StaticSource;
use crate::model::{Article, Stamp, Timestamp};
use crate::registry::ids;
use crate::search::{DocWords, SearchDoc};
use crate::slug::slugify;
use crate::theme::DEFAULT_TEMPLATES;
use crate::{assets, feeds, highlight, href, load, og_image, search, snippet};

/// Builds the Tera instance from the loaded templates (the built-in theme
/// overlaid with the site's). Syntax errors are diagnostics on the template
/// folder, and the built-in theme is used instead.
pub fn templates(
    files: &[(String, String)],
    config: &Config,
    diags: &mut Vec<Diagnostic>,
) -> tera::Tera {
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![".html", ".htm", ".xml"]);
    // Tera's default escaper also escapes `/`, which makes every URL in the
    // source read `&#x2F;`; quotes, `<`, `>` and `&` are all HTML needs.
    tera.set_escape_fn(crate::escape::escape_attr);
    if let Err(e) = tera.add_raw_templates(files.iter().map(|(n, t)| (n.as_str(), t.as_str()))) {
        diags.push(parse_error(&error_chain(&e), files, &config.templates_dir));
        let _ = tera.add_raw_templates(DEFAULT_TEMPLATES.iter().copied());
    }
    tera
}

/// A Tera syntax error as a finding at `templates/NAME:LINE:COL`. Tera puts
/// the template's name (`Failed to parse 'NAME'`) and a pest-style excerpt
/// (`--> LINE:COL`, `= what was expected`) in its message; the location is
/// taken from there so editors and CI annotations jump to the line.
fn parse_error(msg: &str, files: &[(String, String)], dir: &Path) -> Diagnostic {
    let name = files.iter().map(|(n, _)| n.as_str()).find(|n| msg.contains(&format!("'{n}'")));
    let pos = msg.split("--> ").nth(1).and_then(|rest| {
        let (line, rest) = rest.split_once(':')?;
        let col: String = rest.chars().take_while(char::is_ascii_digit).collect();
        Some((line.trim().parse::<usize>().ok()?, col.parse::<usize>().ok()?))
    });
    let what = msg
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("= "))
        .map_or_else(|| msg.lines().next().unwrap_or(msg).to_string(), str::to_string);
    let (loc, message) = match (name, pos) {
        (Some(n), Some((line, col))) => {
            (Location::new(dir.join(n), line, Some(col)), format!("`{n}` does not parse: {what}"))
        }
        (Some(n), None) => (Location::file(dir.join(n)), format!("`{n}` does not parse: {what}")),
        _ => (Location::file(dir), msg.to_string()),
    };
    Diagnostic::error(ids::TEMPLATE_INVALID, loc, message)
        .with_help("fix the Tera syntax there; the built-in theme is used until then")
}

/// Flattens an error and its causes into one line (Tera keeps the useful part in `source()`).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let _ = write!(msg, ": {s}");
        cur = s.source();
    }
    msg
}

/// What the home page shows above the article list (`content/_index.md`).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct HomeIntro {
    pub title: Option<String>,
    pub html: Option<String>,
}

/// One article in the site index: its metadata (body left in the body store)
/// and the keys render units are made from.
#[derive(Debug, Clone)]
pub struct Indexed {
    pub article: std::sync::Arc<Article>,
    /// Hash of its card (the article as list pages show it, [`Indexed::card`]):
    /// list pages change only when a card they show changes. The card itself
    /// is made again where a page shows it: kept for every article it was
    /// ~7 KB each (70 MB of a 10,000-article build's resident memory).
    pub card_key: u128,
    /// Hash of the whole article, body included: its own page's input.
    pub page_key: u128,
    /// Its `<url>` line in the sitemap, made once per article result instead
    /// of once per build.
    pub sitemap_entry: String,
    /// Hash of the body HTML (the body store's key).
    pub body_key: u128,
    /// What site-wide outputs need from its body, made in the body stage.
    pub body_facts: Arc<BodyFacts>,
    /// Hash of what the search index reads of this article.
    pub search_key: u128,
    /// Its page's output path (made once, not on every plan).
    pub page_path: PathBuf,
    /// Slugs of its tags and categories, as term pages group them (slugging
    /// transliterates, so it is done once per article result, not per plan).
    pub tag_slugs: Vec<String>,
    pub category_slugs: Vec<String>,
    /// Hash of what the site-wide link check reads of this article (source,
    /// URL, links, heading ids), and of what other articles' links read of it
    /// (URL, heading ids).
    pub links_key: u128,
    pub anchors_key: u128,
    /// Hash of its term slugs (tags, then categories): what related
    /// articles are chosen from.
    pub terms_key: u128,
    /// Hash of the highlight classes its code uses (the theme's syntax rules
    /// are cut to the site's classes).
    pub highlight_key: u64,
}

/// What the search index and the syntax stylesheet need from one body. Made
/// with the body (a pure function of it) and cached with it, so a build that
/// reuses an article's body never reads or splits that body again.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BodyFacts {
    /// Its words for the search index, body included.
    pub words: Arc<DocWords>,
    /// The `hl-*` classes its code uses.
    pub highlight: Vec<Box<str>>,
}

impl BodyFacts {
    /// The facts of `article` whose content HTML is `html`; its words only
    /// when the site has a search index (`search`).
    pub fn of(article: &Article, html: &str, search: bool) -> BodyFacts {
        let words = if search {
            DocWords::of(&SearchDoc { html: html.to_string(), ..search_doc(article) })
        } else {
            DocWords::default()
        };
        BodyFacts { words: Arc::new(words), highlight: assets::highlight_classes(html) }
    }
}

/// What the search index knows of an article, without its body (the body is
/// read from the body store only when the index needs its words).
pub fn search_doc(a: &Article) -> SearchDoc {
    SearchDoc {
        url: a.url.clone(),
        title: a.meta.title.clone(),
        date: a.meta.date.as_ref().map(Timestamp::human),
        summary: a.summary.clone(),
        terms: a
            .meta
            .tags
            .iter()
            .chain(&a.meta.categories)
            .chain(&a.meta.keywords)
            .cloned()
            .collect(),
        headings: a.toc.iter().map(|t| t.title.clone()).collect(),
        html: String::new(),
    }
}

impl Indexed {
    /// The article as list pages and related links show it.
    pub fn card(&self, config: &Config) -> Value {
        article_value(config, &self.article, false)
    }

    pub fn new(
        config: &Config,
        article: std::sync::Arc<Article>,
        body_key: u128,
        body_facts: Arc<BodyFacts>,
    ) -> Indexed {
        let card_key =
            crate::fingerprint::hash(article_value(config, &article, false).to_string().as_bytes());
        let mut h = Xxh3::new();
        h.update(&card_key.to_le_bytes());
        h.update(&body_key.to_le_bytes());
        h.update(serde_json::to_string(&article.toc).unwrap_or_default().as_bytes());
        // The card shows the first CARD_TAGS tags; the page and the feeds show
        // them all, so the rest is part of the page's key too.
        for t in article.meta.tags.iter().skip(CARD_TAGS) {
            h.update(&(t.len() as u64).to_le_bytes());
            h.update(t.as_bytes());
        }
        let page_key = h.digest128();
        let a = &article;
        let search = search_doc(a);
        let sitemap_entry = sitemap_url(
            &config.permalink(&a.url),
            a.meta.updated.as_ref().or(a.meta.date.as_ref()),
        );
        let page_path = page_path(config.base_path(), &a.url);
        let tag_slugs: Vec<String> = a.meta.tags.iter().map(|t| slugify(t)).collect();
        let category_slugs: Vec<String> = a.meta.categories.iter().map(|t| slugify(t)).collect();
        let mut h = Xxh3::new();
        h.update(a.url.as_bytes());
        h.update(&[0]);
        for id in &a.ids {
            h.update(&(id.len() as u64).to_le_bytes());
            h.update(id.as_bytes());
        }
        let anchors_key = h.digest128();
        // Names too: a term is listed under the name its newest article gives it.
        let mut h = Xxh3::new();
        for terms in [&tag_slugs, &category_slugs, &a.meta.tags, &a.meta.categories] {
            for t in terms {
                h.update(&(t.len() as u64).to_le_bytes());
                h.update(t.as_bytes());
            }
            h.update(&[0xff]);
        }
        let terms_key = h.digest128();
        let mut h = Xxh3::new();
        for c in &body_facts.highlight {
            h.update(c.as_bytes());
            h.update(&[0]);
        }
        let highlight_key = h.digest();
        let mut h = Xxh3::new();
        h.update(&anchors_key.to_le_bytes());
        h.update(a.source.as_os_str().as_encoded_bytes());
        h.update(&[0]);
        for l in &a.links {
            h.update(&(l.href.len() as u64).to_le_bytes());
            h.update(l.href.as_bytes());
            h.update(&(l.line as u64).to_le_bytes());
            h.update(&(l.col as u64).to_le_bytes());
            h.update(&[u8::from(l.is_image)]);
        }
        let links_key = h.digest128();
        // The words come from the body and the fields below, so the body's
        // key stands for them.
        let search_key = key_of(&[
            &body_key.to_le_bytes(),
            serde_json::to_string(&(&search.url, &search.title, &search.date, &search.summary))
                .unwrap_or_default()
                .as_bytes(),
            serde_json::to_string(&(&search.headings, &search.terms))
                .unwrap_or_default()
                .as_bytes(),
        ]);
        Indexed {
            article,
            card_key,
            page_key,
            sitemap_entry,
            body_key,
            body_facts,
            search_key,
            page_path,
            tag_slugs,
            category_slugs,
            links_key,
            anchors_key,
            terms_key,
            highlight_key,
        }
    }
}

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
    nav: Vec<Value>,
    nav_key: u128,
    /// Place of each article in `dated` (`usize::MAX` when undated).
    position: Vec<usize>,
    /// The theme's stylesheets and scripts as published (minified, fingerprinted).
    pub theme: assets::Theme,
    related: OnceLock<Arc<Related>>,
    /// The last run's related articles, used again when their key matches.
    previous_related: Option<Arc<Related>>,
}

/// What follows from the dated order and each dated article's terms alone:
/// the related articles of every article (by index; empty for undated ones)
/// and the members of every tag and category. A save that changes neither
/// (most edits) reuses them.
#[derive(Debug, Default)]
pub struct Related {
    key: u128,
    of: Vec<Vec<usize>>,
    /// Tags, then categories: by slug, the term's name and its articles
    /// (newest first).
    terms: [BTreeMap<String, (String, Vec<usize>)>; 2],
}

impl Related {
    fn of(&self, i: usize) -> &[usize] {
        self.of.get(i).map_or(&[][..], Vec::as_slice)
    }
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

    fn base(&self) -> &str {
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

/// What a unit is made from.
#[derive(Debug, Clone)]
pub enum Job {
    /// The page of `articles[i]`.
    Article(usize),
    /// A list page; `members` are article indices in display order.
    List(ListPage),
    /// An Atom or JSON feed (needs the bodies of its entries).
    Feed(FeedJob),
    /// A PNG rendered from an SVG thumbnail (the `og:image`).
    OgPng(PathBuf),
    /// Bytes already made (small generated files, snippets).
    Bytes(Vec<u8>),
    /// An output whose key says it is the one the last build made (planned
    /// from the last build's keys; never rendered).
    Unchanged,
    /// A file copied as is.
    Copy(PathBuf),
    /// A built-in static file.
    Builtin(&'static str),
}

/// A feed of the site or of one tag or category.
#[derive(Debug, Clone)]
pub struct FeedJob {
    pub json: bool,
    /// Article indices, newest first.
    pub members: Vec<usize>,
    /// The term (`{name, url, …}`) for a term feed; `None` for the site's.
    pub term: Option<Value>,
    /// Site-relative URL of the feed itself.
    pub url: String,
}

#[derive(Debug, Clone)]
pub struct ListPage {
    pub template: &'static str,
    /// Shared by every page of one list (a term's value is a JSON object).
    pub kind: Arc<ListKind>,
    pub members: Vec<usize>,
    /// Which page of a list split over several (none when it fits on one).
    pub paginator: Option<Pager>,
}

/// Page `n` of `pages` of the list at `dir` (site-relative, `/tags/x/`). The
/// template's `paginator` is made from it when the page is rendered, not for
/// every page on every run.
#[derive(Debug, Clone)]
pub struct Pager {
    pub dir: String,
    pub n: usize,
    pub pages: usize,
}

impl Pager {
    fn url(&self, base: &str, n: usize) -> String {
        if n == 1 {
            format!("{base}{}", self.dir)
        } else {
            format!("{base}{}page/{n}/", self.dir)
        }
    }

    /// What templates see as `paginator`.
    fn value(&self, base: &str) -> Value {
        let (n, pages) = (self.n, self.pages);
        // A window of page numbers (first, last, and two either side of this
        // one): listing all of them on every page is quadratic.
        let mut shown: Vec<usize> = vec![1];
        shown.extend((n.saturating_sub(2).max(2)..=(n + 2).min(pages)).filter(|&k| k < pages));
        if pages > 1 {
            shown.push(pages);
        }
        json!({
            "current": n,
            "total": pages,
            "prev_url": (n > 1).then(|| self.url(base, n - 1)),
            "next_url": (n < pages).then(|| self.url(base, n + 1)),
            "pages": shown.iter().map(|&k| json!({"n": k, "url": self.url(base, k)})).collect::<Vec<_>>(),
        })
    }
}

#[derive(Debug, Clone)]
pub enum ListKind {
    Home,
    Taxonomy { kind: &'static str, title: &'static str, terms: Vec<Value> },
    Term { kind: &'static str, title: &'static str, term: Value },
    Search,
    NotFound,
}

/// One output file: where it goes, the key of its inputs, and how to make it.
#[derive(Debug, Clone)]
pub struct Unit {
    pub path: PathBuf,
    pub key: u128,
    pub job: Job,
    /// The source a problem with this unit is reported on.
    pub source: PathBuf,
}

/// Renders ahead, and keeps as bytes, the unpaginated list pages longer than
/// a page (the search page, which lists every guide: 10,000 cards are ~70 MB
/// of template values while it renders) that `needed` says the render stage
/// would make. Made here, before the search index is built and while little
/// else is held, the two peaks do not stack. Rendering is pure, so the bytes
/// are the ones the render stage would make; a page that fails is left for
/// that stage to report.
pub fn render_long_lists(
    site: &Site<'_>,
    tera: &tera::Tera,
    units: &mut [Unit],
    needed: &dyn Fn(&Unit) -> bool,
) {
    let size = page_size(site.config);
    for u in units.iter_mut() {
        let long =
            matches!(&u.job, Job::List(l) if l.paginator.is_none() && l.members.len() > size);
        if long && needed(u) {
            if let Ok(bytes) = render(site, tera, u, &|_| None) {
                u.job = Job::Bytes(bytes);
            }
        }
    }
}

/// The theme's files that only search uses.
fn search_file(rel: &Path) -> bool {
    ["search.js", "search.css"].iter().any(|f| rel.as_os_str() == *f)
}

/// How many cards a list page shows before it is split into pages.
fn page_size(config: &Config) -> usize {
    config.paginate_by.max(1)
}

/// Tags shown on a card: a card is repeated on every term page of its article,
/// so a card with all of 1,000 tags would make term pages quadratic in size.
const CARD_TAGS: usize = 8;

fn key_of(parts: &[&[u8]]) -> u128 {
    let mut h = Xxh3::new();
    for p in parts {
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p);
    }
    h.digest128()
}

/// Lists every output of the site with its key. Small generated files are made
/// here (their bytes are their key); pages are only described.
/// The search index's units are added by [`plan_search`].
pub fn plan(site: &Site<'_>, diags: &mut Vec<Diagnostic>) -> Vec<Unit> {
    let config = site.config;
    let base = site.base();
    let settings = site.settings.to_le_bytes();
    let mut units: Vec<Unit> = Vec::with_capacity(site.articles.len() * 2 + 16);

    // Article pages.
    let related = site.related();
    // Made in parallel (a loop over every article on every save); PNG
    // `og:image`s are then published once each (articles may share a
    // thumbnail in static/).
    let made: Vec<(Option<Unit>, Unit)> = site
        .articles
        .par_iter()
        .enumerate()
        .map(|(i, a)| {
            let mut rel = Xxh3::new();
            for &j in related.of(i) {
                rel.update(&site.articles[j].card_key.to_le_bytes());
            }
            let og = og_png(site, i);
            let og_unit = og.as_ref().map(|(path, from, stamp)| Unit {
                path: path.clone(),
                key: key_of(&[b"og-png", &stamp_key(from, *stamp).to_le_bytes()]),
                job: Job::OgPng(from.to_path_buf()),
                source: a.article.source.clone(),
            });
            let (prev, next) = neighbours(site, i);
            let mut h = Xxh3::new();
            h.update(b"article");
            h.update(&settings);
            h.update(&a.page_key.to_le_bytes());
            for n in [prev, next] {
                match n {
                    Some(j) => {
                        let a = &site.articles[j].article;
                        h.update(&[1]);
                        h.update(&(a.meta.title.len() as u64).to_le_bytes());
                        h.update(a.meta.title.as_bytes());
                        h.update(&(a.url.len() as u64).to_le_bytes());
                        h.update(a.url.as_bytes());
                    }
                    None => h.update(&[0]),
                }
            }
            h.update(&site.nav_key.to_le_bytes());
            h.update(&rel.digest128().to_le_bytes());
            h.update(&[u8::from(og.is_some())]);
            let page = Unit {
                path: a.page_path.clone(),
                key: h.digest128(),
                job: Job::Article(i),
                source: a.article.source.clone(),
            };
            (og_unit, page)
        })
        .collect();
    let mut og_done: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    for (og, page) in made {
        if let Some(og) = og.filter(|u| og_done.insert(u.path.clone())) {
            units.push(og);
        }
        units.push(page);
    }

    // List pages: home (paginated), taxonomies, terms (paginated), search, 404.
    let intro_key = crate::fingerprint::hash(format!("{:?}", site.home).as_bytes());
    // `page`: the list's folder, this page's number and the number of pages
    // (what its paginator is made from), when it has more than one.
    let list_key =
        |name: &str, extra: &[u8], members: &[usize], page: Option<(&str, usize, usize)>| {
            let mut h = Xxh3::new();
            h.update(name.as_bytes());
            h.update(&settings);
            h.update(&site.nav_key.to_le_bytes());
            h.update(extra);
            for &m in members {
                h.update(&site.articles[m].card_key.to_le_bytes());
            }
            if let Some((dir, n, pages)) = page {
                h.update(&[1]);
                h.update(dir.as_bytes());
                h.update(&(n as u64).to_le_bytes());
                h.update(&(pages as u64).to_le_bytes());
            }
            h.digest128()
        };
    let push_list = |units: &mut Vec<Unit>,
                     dir: String,
                     template: &'static str,
                     kind: ListKind,
                     members: &[usize],
                     extra: &[u8]| {
        let size = page_size(config);
        let pages = members.len().div_ceil(size).max(1);
        let kind = Arc::new(kind);
        let source = PathBuf::from("templates").join(template);
        // In parallel: a site's lists have thousands of pages between them.
        let made = (1..=pages).into_par_iter().map(|n| {
            let slice =
                &members[((n - 1) * size).min(members.len())..(n * size).min(members.len())];
            let pager = Pager { dir: dir.clone(), n, pages };
            let url = pager.url(base, n);
            let key = list_key(template, extra, slice, (pages > 1).then_some((&*dir, n, pages)));
            let paginator = (pages > 1).then_some(pager);
            Unit {
                path: page_path(base, &url),
                key,
                job: Job::List(ListPage {
                    template,
                    kind: Arc::clone(&kind),
                    members: slice.to_vec(),
                    paginator,
                }),
                source: source.clone(),
            }
        });
        units.par_extend(made);
    };
    push_list(
        &mut units,
        "/".into(),
        "index.html",
        ListKind::Home,
        &site.dated,
        &intro_key.to_le_bytes(),
    );

    // Taxonomy and term pages for the sitemap, with their newest article.
    let mut term_pages: Vec<(String, Option<usize>)> = Vec::new();
    let kinds: &[(&'static str, &'static str)] =
        if config.taxonomies { &[("tags", "Tags"), ("categories", "Categories")] } else { &[] };
    for &(kind, title) in kinds {
        term_pages.push((format!("{base}/{kind}/"), site.dated.first().copied()));
        let terms = &related.terms[usize::from(kind != "tags")];
        let tax_url = format!("{base}/{kind}/");
        let term_list: Vec<Value> = terms
            .iter()
            .map(|(slug, (name, arts))| {
                let (atom, json) = feeds::term_feed_paths(kind, slug);
                let feed = |p: &Path| config.feeds.then(|| format!("{base}/{}", url_path(p)));
                json!({"name": name, "slug": slug, "url": format!("{tax_url}{slug}/"), "count": arts.len(),
                       "feed_url": feed(&atom), "json_feed_url": feed(&json)})
            })
            .collect();
        // Keys of the term pages from what their values are made of (names,
        // slugs and counts; the URLs follow from the slugs and the settings).
        let term_key = |name: &str, slug: &str, count: usize| {
            key_of(&[name.as_bytes(), slug.as_bytes(), &(count as u64).to_le_bytes()])
        };
        let tax_extra = {
            let mut h = Xxh3::new();
            for (slug, (name, arts)) in terms {
                h.update(&term_key(name, slug, arts.len()).to_le_bytes());
            }
            h.digest128().to_le_bytes()
        };
        push_list(
            &mut units,
            format!("/{kind}/"),
            "taxonomy.html",
            ListKind::Taxonomy { kind, title, terms: term_list.clone() },
            &[],
            &tax_extra,
        );
        for (term, (slug, (term_name, arts))) in term_list.into_iter().zip(terms) {
            // The term's own feeds, beside its page.
            let (atom, json) = feeds::term_feed_paths(kind, slug);
            let members: Vec<usize> = arts.iter().take(config.feed_limit).copied().collect();
            let extra = term_key(term_name, slug, arts.len()).to_le_bytes();
            if config.feeds {
                for (path, is_json) in [(atom, false), (json, true)] {
                    let term = Some(term.clone());
                    push_feed(&mut units, site, path, is_json, members.clone(), term, &extra);
                }
            }
            term_pages.push((
                term["url"].as_str().unwrap_or_default().to_string(),
                arts.first().copied(),
            ));
            push_list(
                &mut units,
                format!("/{kind}/{slug}/"),
                "term.html",
                ListKind::Term { kind, title, term },
                arts,
                &extra,
            );
        }
    }

    // Search: the chunked full-text index ([`plan_search`]) and a page that
    // lists every guide without JS.
    if config.search {
        let all: Vec<usize> = site.dated.clone();
        units.push(Unit {
            path: PathBuf::from("search/index.html"),
            key: list_key("search.html", b"", &all, None),
            job: Job::List(ListPage {
                template: "search.html",
                kind: Arc::new(ListKind::Search),
                members: all,
                paginator: None,
            }),
            source: PathBuf::from("templates/search.html"),
        });
    }
    units.push(Unit {
        path: PathBuf::from("404.html"),
        key: list_key("404.html", b"", &[], None),
        job: Job::List(ListPage {
            template: "404.html",
            kind: Arc::new(ListKind::NotFound),
            members: Vec::new(),
            paginator: None,
        }),
        source: PathBuf::from("templates/404.html"),
    });

    // Aliases: tiny redirect pages from old URLs.
    for x in site.articles {
        let a = &x.article;
        for alias in &a.meta.aliases {
            match href::normalize_within(Path::new(alias.trim_start_matches('/'))) {
                Some(p) if !p.as_os_str().is_empty() => {
                    let path = if p.extension().is_some_and(|e| e == "html") {
                        p
                    } else {
                        p.join("index.html")
                    };
                    let target = xml_escape(&a.url);
                    let html = format!("<!doctype html><html><head><meta charset=\"utf-8\"><title>Redirect</title><link rel=\"canonical\" href=\"{target}\"><meta http-equiv=\"refresh\" content=\"0; url={target}\"></head><body><a href=\"{target}\">{target}</a></body></html>\n");
                    let key = crate::fingerprint::hash(html.as_bytes());
                    units.push(Unit {
                        path,
                        key,
                        job: Job::Bytes(html.into_bytes()),
                        source: a.source.clone(),
                    });
                }
                _ => diags.push(Diagnostic::error(
                    ids::FRONT_MATTER_BAD_ALIAS,
                    Location::file(&a.source),
                    format!("alias `{alias}` is not a path inside the site"),
                )),
            }
        }
    }

    // Feeds, sitemap, robots, highlight CSS.
    if config.feeds {
        let feed: Vec<usize> = site.dated.iter().take(config.feed_limit).copied().collect();
        push_feed(&mut units, site, "atom.xml".into(), false, feed.clone(), None, b"");
        push_feed(&mut units, site, "feed.json".into(), true, feed, None, b"");
    }
    push_bytes(&mut units, "sitemap.xml", sitemap(site, &term_pages).into_bytes());
    let robots = format!(
        "User-agent: *\nAllow: /\nSitemap: {}\n",
        config.permalink(&format!("{base}/sitemap.xml"))
    );
    push_bytes(&mut units, "robots.txt", robots.into_bytes());
    push_bytes(&mut units, "syntax.css", highlight::css().into_bytes());

    // Snippets (shared ones once), then bundle assets that are not snippets.
    let mut headers = String::new();
    let mut published: HashMap<&Path, &Path> = HashMap::new();
    for x in site.articles {
        for s in &x.article.snippets {
            if published.insert(&s.out_path, &s.source).is_none() {
                let _ = writeln!(
                    headers,
                    "{base}/{}\n  Content-Type: {}",
                    url_path(&s.out_path),
                    snippet::mime_type(&s.out_path)
                );
                units.push(Unit {
                    path: s.out_path.clone(),
                    key: crate::fingerprint::hash(&s.bytes),
                    job: Job::Bytes(s.bytes.clone()),
                    source: s.source.clone(),
                });
            }
        }
    }
    for x in site.articles {
        for (from, to) in &x.article.assets {
            if !published.contains_key(to.as_path()) {
                let stamp = site.stamps.get(from).copied().unwrap_or_default();
                units.push(Unit {
                    path: to.clone(),
                    key: stamp_key(from, stamp),
                    job: Job::Copy(from.clone()),
                    source: x.article.source.clone(),
                });
            }
        }
    }
    // The theme's minified, fingerprinted files: cached for a year, since a
    // new version has a new name.
    for (path, bytes) in &site.theme.files {
        push_bytes(&mut units, path, bytes.clone());
    }
    let fingerprinted: Vec<&str> = site.theme.files.iter().map(|(p, _)| p.as_str()).collect();
    headers.push_str(&assets::immutable_headers(base, &fingerprinted));
    if !headers.is_empty() {
        // Netlify / Cloudflare Pages `_headers`: serve snippets with the right
        // type, and theme files with a long cache life.
        push_bytes(&mut units, "_headers", headers.into_bytes());
    }

    // Static files (the site's own, else the default theme's).
    for (rel, src) in site.statics {
        let theirs = matches!(src, StaticSource::Disk { .. });
        if !config.search && !theirs && search_file(rel) {
            // The theme's search files, on a site without search.
            continue;
        }
        let (key, job) = match src {
            StaticSource::Disk { abs, stamp } => (stamp_key(abs, *stamp), Job::Copy(abs.clone())),
            StaticSource::Builtin(text) => {
                (crate::fingerprint::hash(text.as_bytes()), Job::Builtin(text))
            }
        };
        units.push(Unit { path: rel.clone(), key, job, source: PathBuf::from("static").join(rel) });
    }

    collisions(&units, site, diags);
    units
}

/// A feed unit: its key covers the feed's entries (pages, bodies included)
/// and its term, so a feed is made again only when one of them changes.
fn push_feed(
    units: &mut Vec<Unit>,
    site: &Site<'_>,
    path: PathBuf,
    json: bool,
    members: Vec<usize>,
    term: Option<Value>,
    term_key: &[u8],
) {
    let mut h = Xxh3::new();
    h.update(if json { b"feed-json" } else { b"feed-atom" });
    h.update(&site.settings.to_le_bytes());
    h.update(&[u8::from(term.is_some())]);
    h.update(term_key);
    for &i in &members {
        h.update(&site.articles[i].page_key.to_le_bytes());
        // The image of an entry is the page's `og:image`.
        h.update(&[u8::from(og_png(site, i).is_some())]);
    }
    let url = format!("{}/{}", site.base(), url_path(&path));
    units.push(Unit {
        path,
        key: h.digest128(),
        job: Job::Feed(FeedJob { json, members, term, url }),
        source: PathBuf::new(),
    });
}

fn push_bytes(units: &mut Vec<Unit>, path: &str, bytes: Vec<u8>) {
    units.push(Unit {
        path: path.into(),
        key: crate::fingerprint::hash(&bytes),
        job: Job::Bytes(bytes),
        source: PathBuf::new(),
    });
}

fn stamp_key(from: &Path, stamp: Stamp) -> u128 {
    key_of(&[
        b"copy",
        from.as_os_str().as_encoded_bytes(),
        &stamp.len.to_le_bytes(),
        &stamp.mtime_ns.to_le_bytes(),
    ])
}

/// The PNG published for an article whose thumbnail is an SVG file of the
/// site (in its bundle, or in `static/`), as (output path, the SVG file, its
/// stamp): social sites show no SVG preview. Remote thumbnails stay as they are.
fn og_png<'s>(site: &'s Site<'_>, i: usize) -> Option<(PathBuf, &'s Path, Stamp)> {
    let a = &site.articles[i].article;
    let thumb = a.meta.thumbnail.as_deref()?;
    if crate::href::is_external(thumb) || !thumb.to_ascii_lowercase().ends_with(".svg") {
        return None;
    }
    let (from, to, stamp) = if let Some(abs) = thumb.strip_prefix('/') {
        let want = href::normalize_within(Path::new(abs))?;
        site.statics.iter().find_map(|(rel, src)| match src {
            StaticSource::Disk { abs, stamp } if *rel == want => Some((abs.as_path(), rel, *stamp)),
            _ => None,
        })?
    } else {
        let want = href::normalize_within(&page_path(site.base(), &a.url).parent()?.join(thumb))?;
        let (from, to) = a.assets.iter().find(|(_, to)| *to == want)?;
        (from.as_path(), to, site.stamps.get(from).copied().unwrap_or_default())
    };
    let stem = to.file_stem()?.to_string_lossy();
    Some((to.with_file_name(format!("{stem}.og.png")), from, stamp))
}

/// Each tag's (or category's) name and articles, newest first, by slug.
fn term_members(site: &Site<'_>, tags: bool) -> BTreeMap<String, (String, Vec<usize>)> {
    let mut terms: BTreeMap<String, (String, Vec<usize>)> = BTreeMap::new();
    for &i in &site.dated {
        let x = &site.articles[i];
        let a = &x.article;
        let (names, slugs) = if tags {
            (&a.meta.tags, &x.tag_slugs)
        } else {
            (&a.meta.categories, &x.category_slugs)
        };
        for (name, slug) in names.iter().zip(slugs) {
            if slug.is_empty() {
                continue;
            }
            let entry = match terms.get_mut(slug.as_str()) {
                Some(e) => e,
                None => terms.entry(slug.clone()).or_insert_with(|| (name.clone(), Vec::new())),
            };
            // `windows 11` and `Windows-11` on one article: list it once.
            if entry.1.last() != Some(&i) {
                entry.1.push(i);
            }
        }
    }
    terms
}

/// Up to [`RELATED`] dated articles sharing the most tags and categories with
/// each dated article; ties go to the nearest in date, then the newer.
/// Counted through a window of each term's member list (see
/// [`RELATED_WINDOW`]), so the cost follows the number of (article, term)
/// pairs, not the square of the site.
fn related(site: &Site<'_>) -> Vec<Vec<usize>> {
    // Terms as numbers (tag or category, by slug), so counting shared terms
    // compares integers.
    let mut ids: HashMap<(bool, &str), u32> = HashMap::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    let mut terms_of: Vec<Vec<u32>> = vec![Vec::new(); site.articles.len()];
    for &i in &site.dated {
        let x = &site.articles[i];
        let mut mine: Vec<u32> = x
            .tag_slugs
            .iter()
            .map(|s| (true, s.as_str()))
            .chain(x.category_slugs.iter().map(|s| (false, s.as_str())))
            .filter(|(_, s)| !s.is_empty())
            .map(|k| {
                let next = ids.len() as u32;
                *ids.entry(k).or_insert(next)
            })
            .collect();
        mine.sort_unstable();
        mine.dedup();
        members.resize_with(ids.len(), Vec::new);
        for &t in &mine {
            members[t as usize].push(i);
        }
        terms_of[i] = mine;
    }
    // Date positions by article index: looked up millions of times below.
    let pos = &site.position;
    site.dated
        .par_iter()
        .map_init(
            || vec![false; site.articles.len()],
            |seen, &i| {
                let mut touched = Vec::new();
                let here = pos[i];
                for &t in &terms_of[i] {
                    // Members are in date order: the window around this
                    // article is the nearest in time.
                    let list = &members[t as usize];
                    let at = list.partition_point(|&j| pos[j] < here);
                    let window = &list
                        [at.saturating_sub(RELATED_WINDOW)..(at + RELATED_WINDOW).min(list.len())];
                    for &j in window {
                        if j != i && !seen[j] {
                            seen[j] = true;
                            touched.push(j);
                        }
                    }
                }
                // A candidate's count is exact (all shared terms, not only
                // those whose window it was in): an article sharing a rare
                // tag and a big category counts both, however far in time.
                let mine = &terms_of[i];
                let mut best: Vec<(u32, usize, usize, usize)> = touched
                    .iter()
                    .map(|&j| {
                        let there = pos[j];
                        (shared_count(mine, &terms_of[j]), here.abs_diff(there), there, j)
                    })
                    .collect();
                for &j in &touched {
                    seen[j] = false;
                }
                let cmp = |a: &(u32, usize, usize, usize), b: &(u32, usize, usize, usize)| {
                    b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2))
                };
                if best.len() > RELATED {
                    best.select_nth_unstable_by(RELATED - 1, cmp);
                    best.truncate(RELATED);
                }
                best.sort_by(cmp);
                // A new list, not `into_iter().map().collect()`: that reuses
                // the candidates' allocation (hundreds of 32-byte entries)
                // for a few indices, ~3.6 KB kept per article (36 MB at 10,000).
                let mut of = Vec::with_capacity(best.len());
                of.extend(best.iter().map(|b| b.3));
                (i, of)
            },
        )
        .collect::<Vec<_>>()
        .into_iter()
        .fold(vec![Vec::new(); site.articles.len()], |mut of, (i, r)| {
            of[i] = r;
            of
        })
}

/// Adds the units of the chunked full-text index: each file a unit whose
/// bytes are its key, except `meta.json`, keyed by everything the index
/// reads. Apart from [`plan`] so a run can time it (it is the one site-wide
/// output whose cost grows with every word of every article).
pub fn plan_search(
    site: &Site<'_>,
    previous: &crate::write::Files,
    postings: &mut search::Postings,
    units: &mut Vec<Unit>,
) {
    if !site.config.search {
        return;
    }
    // `previous` has the keys of the last build's outputs (path → key, bytes
    // hash): the index's files are listed from it when nothing the index
    // reads changed.
    let search_key = {
        let mut h = Xxh3::new();
        h.update(b"search-index");
        for x in site.articles {
            h.update(&x.search_key.to_le_bytes());
        }
        h.digest128()
    };
    let meta_path = Path::new(search::DIR).join("meta.json");
    if previous.get(&meta_path).is_some_and(|(k, _)| *k == search_key) {
        // Nothing the index reads changed: its files stay as the last build
        // made them, and the words of 10,000 articles are not grouped again.
        for (path, (key, _)) in previous.iter().filter(|(p, _)| p.starts_with(search::DIR)) {
            units.push(Unit {
                path: path.clone(),
                key: *key,
                job: Job::Unchanged,
                source: PathBuf::new(),
            });
        }
    } else {
        let docs: Vec<(u128, &Arc<DocWords>)> =
            site.articles.iter().map(|x| (x.search_key, &x.body_facts.words)).collect();
        postings.update(&docs);
        // Made when a chunk of them is, not kept per article: only the index
        // reads them.
        let doc = |i: usize| search_doc(&site.articles[i].article);
        let keys: Vec<u128> = site.articles.iter().map(|x| x.search_key).collect();
        let mut files = postings.files_since(&doc, &keys);
        // A file made last time is kept only if the last build's output
        // has it; else (a new output folder) every file is made again.
        let kept = |f: &search::IndexFile| {
            f.bytes.is_some() || previous.get(&f.path).is_some_and(|(k, _)| *k == f.hash)
        };
        if !files.iter().all(kept) {
            postings.forget_files();
            files = postings.files_since(&doc, &keys);
        }
        for f in files {
            // `meta.json` carries the key of the whole index, which is what
            // lets the next build know the rest is unchanged.
            let key = if f.path == meta_path { search_key } else { f.hash };
            let job = match f.bytes {
                Some(bytes) => Job::Bytes(bytes),
                None => Job::Unchanged,
            };
            units.push(Unit { path: f.path, key, job, source: PathBuf::new() });
        }
    }
}

/// How many terms two sorted, deduplicated term lists have in common.
fn shared_count(a: &[u32], b: &[u32]) -> u32 {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// How many related articles a page lists.
const RELATED: usize = 3;
/// Per shared tag or category, only this many articles on each side in time
/// are candidates. Without the bound the work is quadratic where a category
/// holds most of the site (10,000 articles in 8 categories took seconds on
/// every build); with it the only article missed is one whose every shared
/// term has over this many articles between it and this one in time.
const RELATED_WINDOW: usize = 16;

/// The older and newer dated article around `i` ("prev" reads as "the one
/// before this in time").
fn neighbours(site: &Site<'_>, i: usize) -> (Option<usize>, Option<usize>) {
    match site.position.get(i).copied().filter(|&p| p != usize::MAX) {
        Some(pos) => {
            let prev = site.dated.get(pos + 1).copied();
            let next = pos.checked_sub(1).and_then(|p| site.dated.get(p)).copied();
            (prev, next)
        }
        None => (None, None),
    }
}

/// Makes one unit's bytes. `body(i)` gives the content HTML of `articles[i]`.
pub fn render(
    site: &Site<'_>,
    tera: &tera::Tera,
    unit: &Unit,
    body: &(dyn Fn(usize) -> Option<String> + Sync),
) -> Result<Vec<u8>, Diagnostic> {
    let config = site.config;
    let common = Common { config, nav: &site.nav, theme: &site.theme };
    match &unit.job {
        Job::Bytes(b) => Ok(b.clone()),
        Job::Unchanged => Err(Diagnostic::error(
            ids::OUTPUT_UNWRITABLE,
            Location::file(&unit.path),
            "internal: an output planned as unchanged was asked for again; run `inkproof build --no-cache`".to_string(),
        )),
        Job::Builtin(text) => Ok(text.as_bytes().to_vec()),
        Job::Copy(from) => load::read_published(from).map_err(|e| {
            Diagnostic::error(
                ids::OUTPUT_UNREADABLE,
                Location::file(&unit.source),
                format!("cannot read `{}`: {e}", from.display()),
            )
        }),
        Job::Feed(f) => Ok(feed(site, f, body).into_bytes()),
        Job::OgPng(from) => {
            let svg = load::read_published(from).map_err(|e| {
                Diagnostic::error(
                    ids::OUTPUT_UNREADABLE,
                    Location::file(&unit.source),
                    format!("cannot read `{}`: {e}", from.display()),
                )
            })?;
            og_image::svg_to_png(&svg).ok_or_else(|| {
                Diagnostic::error(
                    ids::IMAGE_UNRENDERABLE,
                    Location::file(&unit.source),
                    format!("the thumbnail `{}` does not parse as SVG, so no PNG `og:image` can be made from it", from.display()),
                )
            })
        }
        Job::Article(i) => {
            let a = &site.articles[*i].article;
            let mut meta = page_meta(config, a);
            if let Some((png, _, _)) = og_png(site, *i) {
                meta["image"] =
                    Value::String(config.permalink(&format!("{}/{}", site.base(), url_path(&png))));
            }
            let mut ctx = common.context(meta);
            let mut value = article_value(config, a, true);
            value["content"] = Value::String(body(*i).unwrap_or_default());
            let related: Vec<Value> =
                site.related().of(*i).iter().map(|&j| site.articles[j].card(config)).collect();
            put(&mut ctx, "related", Value::Array(related));
            let (prev, next) = neighbours(site, *i);
            let link = |n: Option<usize>| {
                n.map_or(Value::Null, |j| {
                    let p = &site.articles[j].article;
                    json!({"title": p.meta.title, "url": p.url})
                })
            };
            put(&mut ctx, "prev", link(prev));
            put(&mut ctx, "next", link(next));
            put(&mut ctx, "json_ld", json_ld(config, a).map_or(Value::Null, Value::String));
            put(&mut ctx, "article", value);
            render_page(tera, "article.html", &ctx, &a.source)
        }
        Job::List(list) => {
            let base = site.base();
            // A long list's cards are made on the worker threads: besides
            // the time, their memory is then freed back to the workers'
            // heaps, which the search index (built next, in parallel) reuses
            // instead of growing the process by as much again.
            let card = |&i: &usize| site.articles[i].card(config);
            let cards: Vec<Value> = if list.members.len() > 256 {
                list.members.par_iter().map(card).collect()
            } else {
                list.members.iter().map(card).collect()
            };
            let list_meta = |t: &str, url: &str| {
                json!({"title": t, "description": config.description, "keywords": "", "canonical": config.permalink(url),
                       "image": null, "kind": "website", "published": null, "modified": null})
            };
            let url = format!("/{}", url_path(&unit.path).trim_end_matches("index.html"));
            let url = format!("{base}{url}");
            let mut ctx = match &*list.kind {
                ListKind::Home => {
                    let mut ctx = common.context(list_meta(&config.title, &url));
                    ctx.insert("intro_title", &site.home.title);
                    ctx.insert("intro", &site.home.html);
                    ctx
                }
                ListKind::Taxonomy { kind, title, terms } => {
                    let mut ctx = common.context(list_meta(title, &url));
                    ctx.insert(
                        "taxonomy",
                        &json!({"kind": kind, "title": title, "url": format!("{base}/{kind}/")}),
                    );
                    ctx.insert("terms", terms);
                    ctx
                }
                ListKind::Term { kind, title, term } => {
                    let name = term["name"].as_str().unwrap_or_default();
                    let mut ctx = common.context(list_meta(&format!("{title}: {name}"), &url));
                    ctx.insert(
                        "taxonomy",
                        &json!({"kind": kind, "title": title, "url": format!("{base}/{kind}/")}),
                    );
                    ctx.insert("term", term);
                    ctx
                }
                ListKind::Search => {
                    let mut ctx = common.context(list_meta("Search", &url));
                    ctx.insert("index_url", &format!("{base}/{}/meta.json", search::DIR));
                    let p = site.theme.style_search.as_ref().map(|p| format!("{base}/{p}"));
                    ctx.insert("stylesheet", &p);
                    ctx
                }
                ListKind::NotFound => {
                    common.context(list_meta("Page not found", &format!("{base}/404.html")))
                }
            };
            // Moved in, not serialised again: the search page's 10,000 cards
            // were held twice while it rendered (~70 MB each).
            put(&mut ctx, "articles", Value::Array(cards));
            ctx.insert("paginator", &list.paginator.as_ref().map(|p| p.value(base)));
            render_page(tera, list.template, &ctx, &unit.source)
        }
    }
}

/// Two outputs at one path: the later one would silently replace the earlier.
fn collisions(units: &[Unit], site: &Site<'_>, diags: &mut Vec<Diagnostic>) {
    // Which article a page path belongs to: made only when there is a collision.
    let mut owner: Option<HashMap<&Path, &Path>> = None;
    let describe = |u: &Unit| match &u.job {
        Job::Copy(from) => from.display().to_string(),
        Job::Article(i) => site.articles[*i].article.source.display().to_string(),
        _ if !u.source.as_os_str().is_empty() => u.source.display().to_string(),
        _ => "a generated page".to_string(),
    };
    // Article pages whose slug already has its located finding (`slug/collision`,
    // `slug/reserved`): their output collision is the same cause told again,
    // without a line (issue 21). Made only when there is a collision.
    let mut slug_reported: Option<HashSet<(&Path, &Path)>> = None;
    let mut seen: HashMap<&Path, usize> = HashMap::with_capacity(units.len());
    for (i, u) in units.iter().enumerate() {
        if let Some(prev) = seen.insert(&u.path, i) {
            let reported = slug_reported.get_or_insert_with(|| {
                let mut pages: HashMap<&Path, usize> = HashMap::new();
                for a in site.articles {
                    *pages.entry(a.page_path.as_path()).or_default() += 1;
                }
                site.articles
                    .iter()
                    .filter(|a| {
                        pages[a.page_path.as_path()] > 1
                            || crate::slug::RESERVED_SECTIONS.contains(&a.article.slug.as_str())
                    })
                    .map(|a| (a.page_path.as_path(), a.article.source.as_path()))
                    .collect()
            });
            if [u, &units[prev]]
                .iter()
                .any(|x| reported.contains(&(x.path.as_path(), x.source.as_path())))
            {
                continue;
            }
            let first = describe(&units[prev]);
            // Blame the source that asked for the second copy (an alias names
            // the article declaring it, not the page it lands on).
            let at = match &u.job {
                Job::Article(i) => site.articles[*i].article.source.as_path(),
                _ if !u.source.as_os_str().is_empty() => u.source.as_path(),
                _ => {
                    let owner = owner.get_or_insert_with(|| {
                        site.articles
                            .iter()
                            .map(|a| (a.page_path.as_path(), a.article.source.as_path()))
                            .collect()
                    });
                    owner.get(u.path.as_path()).copied().unwrap_or(&u.source)
                }
            };
            diags.push(Diagnostic::error(
                ids::OUTPUT_COLLISION,
                Location::file(at),
                format!(
                    "`{}` would be written twice: by {first} and by {}",
                    u.path.display(),
                    describe(u)
                ),
            ));
        }
    }
}

struct Common<'a> {
    config: &'a Config,
    nav: &'a [Value],
    theme: &'a assets::Theme,
}

impl Common<'_> {
    fn context(&self, meta: Value) -> tera::Context {
        let c = self.config;
        let mut ctx = tera::Context::new();
        put(
            &mut ctx,
            "site",
            json!({"title": c.title, "description": c.description, "language": c.language, "author": c.author,
                    "base_path": c.base_path(), "base_url": c.base_url,
                    "taxonomies": c.taxonomies, "search": c.search, "feeds": c.feeds}),
        );
        put(&mut ctx, "meta", meta);
        put(&mut ctx, "nav", Value::Array(self.nav.to_vec()));
        ctx.insert("json_ld", &Value::Null);
        let feed = |name: &str| c.feeds.then(|| format!("{}/{name}", c.base_path()));
        ctx.insert("feed_url", &feed("atom.xml"));
        ctx.insert("json_feed_url", &feed("feed.json"));
        ctx.insert("search_chunked", &true);
        let t = self.theme;
        let url = |p: &Option<String>| p.as_ref().map(|p| format!("{}/{p}", c.base_path()));
        ctx.insert(
            "assets",
            &json!({"style": url(&t.style), "style_search": url(&t.style_search), "script": url(&t.script),
                    "search_js": url(&t.search_js), "search_css": url(&t.search_css)}),
        );
        // The one stylesheet of the page (the search page has its own).
        ctx.insert("stylesheet", &url(&t.style));
        ctx.insert("generator", concat!("inkproof ", env!("CARGO_PKG_VERSION")));
        ctx
    }
}

/// Puts `value` into `ctx` as it is. `Context::insert` serialises its
/// argument into a new value: for a `Value` that is a deep copy, which on an
/// article page is the whole body HTML and every related card, on a list page
/// every card (the search page's 10,000 were held twice, ~70 MB each).
fn put(ctx: &mut tera::Context, key: &str, value: Value) {
    let mut one = serde_json::Map::new();
    one.insert(key.to_string(), value);
    if let Ok(c) = tera::Context::from_value(Value::Object(one)) {
        ctx.extend(c); // an object always converts
    }
}

fn render_page(
    tera: &tera::Tera,
    template: &str,
    ctx: &tera::Context,
    source: &Path,
) -> Result<Vec<u8>, Diagnostic> {
    tera.render(template, ctx).map(String::into_bytes).map_err(|e| {
        Diagnostic::error(
            ids::TEMPLATE_RENDER,
            Location::file(source),
            format!("cannot render `{template}`: {}", error_chain(&e)),
        )
    })
}

fn ts(t: &Option<Timestamp>) -> Value {
    t.as_ref()
        .map_or(Value::Null, |t| object([("iso", t.iso().into()), ("human", t.human().into())]))
}

/// Resolves a thumbnail as written (`thumb.svg`, `/img/x.png`, `https://…`) to a
/// site-relative or absolute URL.
fn resolve_url(config: &Config, page_url: &str, href: &str) -> String {
    if crate::href::is_external(href) {
        href.to_string()
    } else if let Some(abs) = href.strip_prefix('/') {
        format!("{}/{abs}", config.base_path())
    } else {
        format!("{page_url}{href}")
    }
}

fn absolute(config: &Config, url: &str) -> String {
    if let Some(rest) = url.strip_prefix("//") {
        format!("https://{rest}")
    } else if crate::href::is_external(url) {
        url.to_string()
    } else {
        config.permalink(url)
    }
}

/// A card's or page's terms; `url` is null on a site without term pages.
fn terms(config: &Config, kind: &str, names: &[String]) -> Vec<Value> {
    names
        .iter()
        .filter_map(|n| {
            let slug = slugify(n);
            (!slug.is_empty()).then(|| {
                let url =
                    config.taxonomies.then(|| format!("{}/{kind}/{slug}/", config.base_path()));
                object([("name", n.as_str().into()), ("slug", slug.into()), ("url", url.into())])
            })
        })
        .collect()
}

/// A JSON object of `fields`, built directly: `json!` serialises every field
/// into a value first, and these objects are made for every card on every
/// list page and every related link (~100,000 times at 10,000 articles).
fn object<const N: usize>(fields: [(&str, Value); N]) -> Value {
    Value::Object(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// An article as templates see it.
pub fn article_value(config: &Config, a: &Article, full: bool) -> Value {
    let m = &a.meta;
    let shown = if full { &m.tags[..] } else { &m.tags[..m.tags.len().min(CARD_TAGS)] };
    let mut v = object([
        ("title", m.title.as_str().into()),
        ("url", a.url.as_str().into()),
        ("permalink", config.permalink(&a.url).into()),
        ("slug", a.slug.as_str().into()),
        ("date", ts(&m.date)),
        ("updated", ts(&m.updated)),
        ("tags", terms(config, "tags", shown).into()),
        ("more_tags", if full { 0 } else { m.tags.len().saturating_sub(CARD_TAGS) }.into()),
        ("categories", terms(config, "categories", &m.categories).into()),
        ("description", m.description.as_deref().into()),
        ("excerpt", m.excerpt.as_deref().into()),
        ("summary", a.summary.as_str().into()),
        ("keywords", m.keywords.as_slice().into()),
        ("thumbnail", m.thumbnail.as_deref().map(|t| resolve_url(config, &a.url, t)).into()),
        ("reading_minutes", a.word_count.div_ceil(220).max(1).into()),
        ("extra", Value::Object(m.extra.clone())),
        ("is_page", (!a.is_dated()).into()),
    ]);
    if full {
        // Only the article's own page sees the exact count: a card (list
        // pages, the search page) changes with the reading time, not with
        // every word typed, so an edit does not redo every list it is on.
        v["word_count"] = json!(a.word_count);
        v["content"] = Value::String(a.html.clone());
        v["toc"] = serde_json::to_value(&a.toc).unwrap_or(Value::Null);
    }
    v
}

fn page_meta(config: &Config, a: &Article) -> Value {
    let m = &a.meta;
    let description =
        m.description.clone().or_else(|| m.excerpt.clone()).unwrap_or_else(|| a.summary.clone());
    json!({
        "title": m.title,
        "description": description,
        "keywords": m.keywords.join(", "),
        "canonical": config.permalink(&a.url),
        "image": m.thumbnail.as_deref().map(|t| absolute(config, &resolve_url(config, &a.url, t))),
        "kind": if a.is_dated() { "article" } else { "website" },
        "published": m.date.as_ref().map(Timestamp::iso),
        "modified": m.updated.as_ref().or(m.date.as_ref()).map(Timestamp::iso),
    })
}

/// JSON-LD `Article`, serialised here so it is valid JSON whatever the theme does;
/// `<`, `>` and `&` are written as `\u003c`-style escapes so a title can never
/// close the script element or open a comment inside it.
fn json_ld(config: &Config, a: &Article) -> Option<String> {
    if !a.is_dated() {
        return None;
    }
    let m = &a.meta;
    let mut v = json!({
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": m.title,
        "url": config.permalink(&a.url),
        "mainEntityOfPage": config.permalink(&a.url),
        "datePublished": m.date.as_ref().map(Timestamp::iso),
        "dateModified": m.updated.as_ref().or(m.date.as_ref()).map(Timestamp::iso),
        "description": m.description.clone().unwrap_or_else(|| a.summary.clone()),
        "keywords": m.keywords.join(", "),
        "wordCount": a.word_count,
    });
    if let Some(t) = &m.thumbnail {
        v["image"] = Value::String(absolute(config, &resolve_url(config, &a.url, t)));
    }
    if let Some(author) = &config.author {
        v["author"] = json!({"@type": "Person", "name": author});
    }
    Some(v.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026"))
}

/// Escapes text for XML (feeds, sitemaps, redirect pages).
pub fn xml_escape(s: &str) -> String {
    crate::escape::escape_attr(s)
}

/// A feed's bytes: entries carry the page's body with absolute URLs and no
/// UI chrome (`feeds::feed_html`), and the page's `og:image`.
fn feed(site: &Site<'_>, f: &FeedJob, body: &(dyn Fn(usize) -> Option<String> + Sync)) -> String {
    let config = site.config;
    let base = site.base();
    struct Entry {
        permalink: String,
        html: String,
        published: Option<String>,
        updated: Option<String>,
        image: Option<String>,
    }
    let entries: Vec<Entry> = f
        .members
        .iter()
        .map(|&i| {
            let a = &site.articles[i].article;
            let image = match og_png(site, i) {
                Some((png, _, _)) => Some(config.permalink(&format!("{base}/{}", url_path(&png)))),
                None => page_meta(config, a)["image"].as_str().map(str::to_string),
            };
            Entry {
                permalink: config.permalink(&a.url),
                // Term feeds are summaries (see `feeds::FeedItem`).
                html: if f.term.is_some() { String::new() } else { body(i).unwrap_or_default() },
                published: a.meta.date.as_ref().map(Timestamp::iso),
                updated: a.meta.updated.as_ref().map(Timestamp::iso),
                image,
            }
        })
        .collect();
    let items: Vec<feeds::FeedItem<'_>> = f
        .members
        .iter()
        .zip(&entries)
        .map(|(&i, e)| {
            let a = &site.articles[i].article;
            feeds::FeedItem {
                title: &a.meta.title,
                permalink: &e.permalink,
                summary: &a.summary,
                html: &e.html,
                published: e.published.as_deref(),
                updated: e.updated.as_deref(),
                tags: &a.meta.tags,
                image: e.image.as_deref(),
            }
        })
        .collect();
    let (title, home) = match &f.term {
        Some(t) => (
            format!("{}: {}", config.title, t["name"].as_str().unwrap_or_default()),
            config.permalink(t["url"].as_str().unwrap_or_default()),
        ),
        None => (config.title.clone(), config.permalink(&format!("{base}/"))),
    };
    let feed_url = config.permalink(&f.url);
    let meta = feeds::FeedMeta {
        title: &title,
        description: &config.description,
        language: &config.language,
        author: config.author.as_deref(),
        home_url: &home,
        feed_url: &feed_url,
    };
    if f.json {
        feeds::json_feed(&meta, &items)
    } else {
        feeds::atom(&meta, &items)
    }
}

/// `term_pages`: taxonomy and term page URLs with their newest article.
fn sitemap(site: &Site<'_>, term_pages: &[(String, Option<usize>)]) -> String {
    let config = site.config;
    let base = config.base_path();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    let newest = site
        .dated
        .iter()
        .filter_map(|&i| {
            let a = &site.articles[i].article;
            a.meta.updated.as_ref().or(a.meta.date.as_ref())
        })
        .max_by_key(|t| t.value);
    x.push_str(&sitemap_url(&config.permalink(&format!("{base}/")), newest));
    for a in site.articles {
        x.push_str(&a.sitemap_entry);
    }
    for (url, newest) in term_pages {
        let lastmod = newest.and_then(|i| {
            let a = &site.articles[i].article;
            a.meta.updated.as_ref().or(a.meta.date.as_ref())
        });
        x.push_str(&sitemap_url(&config.permalink(url), lastmod));
    }
    x.push_str("</urlset>\n");
    x
}

/// One `<url>` line. Articles make theirs once, with their render result, so a
/// warm build that re-renders one article does not rebuild the others' lines.
fn sitemap_url(loc: &str, lastmod: Option<&Timestamp>) -> String {
    let mut x = format!("<url><loc>{}</loc>", xml_escape(loc));
    if let Some(t) = lastmod {
        let _ = write!(x, "<lastmod>{}</lastmod>", t.iso());
    }
    x.push_str("</url>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FrontMatter;

    #[test]
    fn sitemap_lines_escape_the_url_and_give_the_last_change_in_rfc_3339() {
        let t = chrono::DateTime::parse_from_rfc3339("2024-01-02T10:00:00+02:00").unwrap();
        let line = sitemap_url("https://x.org/", Some(&Timestamp { value: t, has_time: true }));
        assert_eq!(
            line,
            "<url><loc>https://x.org/</loc><lastmod>2024-01-02T10:00:00+02:00</lastmod></url>\n"
        );
        assert_eq!(
            sitemap_url("https://x.org/tags/a&b/", None),
            "<url><loc>https://x.org/tags/a&amp;b/</loc></url>\n"
        );
    }

    /// What templates read of an article, spelled out as `json!` would make
    /// it: the direct construction must give the same keys, types and values.
    #[test]
    fn an_article_as_templates_see_it() {
        let date = chrono::DateTime::parse_from_rfc3339("2024-08-22T21:32:44Z").unwrap();
        let mut extra = serde_json::Map::new();
        extra.insert("series".into(), json!({"part": 2, "of": [1, 2]}));
        let tags: Vec<String> = (0..10).map(|i| format!("Tag É{i}")).collect();
        let meta = FrontMatter {
            title: "Link a key".into(),
            date: Some(Timestamp { value: date, has_time: true }),
            tags: tags.clone(),
            categories: vec!["Windows".into(), "!!!".into()],
            description: Some("What it does".into()),
            keywords: vec!["key".into(), "account".into()],
            thumbnail: Some("thumb.png".into()),
            extra,
            ..FrontMatter::default()
        };
        let a = Article {
            source: PathBuf::from("content/link.md"),
            meta: std::sync::Arc::new(meta),
            slug: "link".into(),
            url: "/link/".into(),
            html: "<p>x</p>".into(),
            toc: Vec::new(),
            ids: Vec::new(),
            summary: "Sum".into(),
            word_count: 450,
            links: Vec::new(),
            stripped: Vec::new(),
            assets: Vec::new(),
            snippets: Vec::new(),
        };
        let config = Config { base_url: "https://example.org".into(), ..Config::default() };
        let term = |kind: &str, n: &String| {
            let slug = slugify(n);
            json!({"name": n, "slug": slug, "url": format!("/{kind}/{slug}/")})
        };
        let expected = |full: bool| {
            let shown = if full { 10 } else { CARD_TAGS };
            json!({
                "title": "Link a key", "url": "/link/", "permalink": "https://example.org/link/",
                "slug": "link",
                "date": {"iso": "2024-08-22T21:32:44Z", "human": "22 August 2024"},
                "updated": null,
                "tags": tags[..shown].iter().map(|t| term("tags", t)).collect::<Vec<_>>(),
                "more_tags": if full { 0 } else { 10 - CARD_TAGS },
                "categories": [term("categories", &"Windows".to_string())],
                "description": "What it does", "excerpt": null, "summary": "Sum",
                "keywords": ["key", "account"], "thumbnail": "/link/thumb.png",
                "reading_minutes": 3, "extra": {"series": {"part": 2, "of": [1, 2]}},
                "is_page": false,
            })
        };
        assert_eq!(article_value(&config, &a, false), expected(false));
        let mut full = expected(true);
        full["word_count"] = json!(450);
        full["content"] = json!("<p>x</p>");
        full["toc"] = json!([]);
        assert_eq!(article_value(&config, &a, true), full);
    }
}
