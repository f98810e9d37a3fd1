//! The plan: every output of the site as a unit with a key.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::{json, Value};
use xxhash_rust::xxh3::Xxh3;

use super::collisions::collisions;
use super::keys::{key_of, stamp_key};
use super::site::{neighbours, og_png, search_file, thumbnail_key, Site};
use super::sitemap::sitemap;
use super::unit::{FeedJob, Job, ListKind, ListPage, Pager, Unit};
use super::values::xml_escape;
use crate::config::Config;
use crate::diag::{Diagnostic, Location};
use crate::href::{self, page_path, url_path};
use crate::load::StaticSource;
use crate::registry::ids;
use crate::{assets, feeds, highlight, snippet};

/// How many cards a list page shows before it is split into pages.
pub(super) fn page_size(config: &Config) -> usize {
    config.paginate_by.max(1)
}

/// Lists every output of the site with its key. Small generated files are made
/// here (their bytes are their key); pages are only described.
/// The search index's units are added by [`plan_search`](super::plan_search).
pub fn plan(site: &Site<'_>, diags: &mut Vec<Diagnostic>) -> Vec<Unit> {
    let mut units: Vec<Unit> = Vec::with_capacity(site.articles.len() * 2 + 16);
    units.extend(article_pages(site));
    units.extend(home_pages(site));
    let terms = taxonomies(site);
    units.extend(terms.units);
    units.extend(search_page(site));
    units.push(not_found_page(site));
    units.extend(aliases(site, diags));
    units.extend(site_feeds(site));
    units.extend(sitemap_and_robots(site, &terms.sitemap));
    push_bytes(&mut units, "syntax.css", highlight::css().into_bytes());
    let snippets = snippets(site);
    units.extend(snippets.units);
    units.extend(bundle_assets(site, &snippets.published));
    units.extend(theme_files(site, snippets.headers));
    units.extend(static_files(site));
    collisions(&units, site, diags);
    units
}

/// Article pages, each after the PNG `og:image` made from its SVG thumbnail.
/// Made in parallel (a loop over every article on every save); PNG
/// `og:image`s are then published once each (articles may share a
/// thumbnail in static/).
fn article_pages(site: &Site<'_>) -> Vec<Unit> {
    let settings = site.settings.to_le_bytes();
    let related = site.related();
    let made: Vec<(Option<Unit>, Unit)> = site
        .articles
        .par_iter()
        .enumerate()
        .map(|(i, a)| {
            let mut rel = Xxh3::new();
            for &j in related.of(i) {
                rel.update(&site.articles[j].card_key.to_le_bytes());
                rel.update(&thumbnail_key(site, j).to_le_bytes());
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
            h.update(&thumbnail_key(site, i).to_le_bytes());
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
    let mut units = Vec::with_capacity(made.len());
    let mut og_done: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    for (og, page) in made {
        if let Some(og) = og.filter(|u| og_done.insert(u.path.clone())) {
            units.push(og);
        }
        units.push(page);
    }
    units
}

/// The key of one list page. `page`: the list's folder, this page's number
/// and the number of pages (what its paginator is made from), when it has
/// more than one.
fn list_key(
    site: &Site<'_>,
    name: &str,
    extra: &[u8],
    members: &[usize],
    page: Option<(&str, usize, usize)>,
) -> u128 {
    let mut h = Xxh3::new();
    h.update(name.as_bytes());
    h.update(&site.settings.to_le_bytes());
    h.update(&site.nav_key.to_le_bytes());
    h.update(extra);
    for &m in members {
        h.update(&site.articles[m].card_key.to_le_bytes());
        h.update(&thumbnail_key(site, m).to_le_bytes());
    }
    if let Some((dir, n, pages)) = page {
        h.update(&[1]);
        h.update(dir.as_bytes());
        h.update(&(n as u64).to_le_bytes());
        h.update(&(pages as u64).to_le_bytes());
    }
    h.digest128()
}

/// The pages of one list at `dir`, split when it is longer than a page.
fn list_pages(
    site: &Site<'_>,
    dir: String,
    template: &'static str,
    kind: ListKind,
    members: &[usize],
    extra: &[u8],
) -> Vec<Unit> {
    let base = site.base();
    let size = page_size(site.config);
    let pages = members.len().div_ceil(size).max(1);
    let kind = Arc::new(kind);
    let source = PathBuf::from("templates").join(template);
    // In parallel: a site's lists have thousands of pages between them.
    (1..=pages)
        .into_par_iter()
        .map(|n| {
            let slice =
                &members[((n - 1) * size).min(members.len())..(n * size).min(members.len())];
            let pager = Pager { dir: dir.clone(), n, pages };
            let url = pager.url(base, n);
            let key =
                list_key(site, template, extra, slice, (pages > 1).then_some((&*dir, n, pages)));
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
        })
        .collect()
}

/// The home page and its pages, newest first, under the intro.
fn home_pages(site: &Site<'_>) -> Vec<Unit> {
    let intro_key = crate::fingerprint::hash(format!("{:?}", site.home).as_bytes());
    list_pages(
        site,
        "/".into(),
        "index.html",
        ListKind::Home,
        &site.dated,
        &intro_key.to_le_bytes(),
    )
}

/// What [`taxonomies`] makes: its units, and the taxonomy and term page URLs
/// with their newest article (for the sitemap).
struct Taxonomies {
    units: Vec<Unit>,
    sitemap: Vec<(String, Option<usize>)>,
}

/// Each taxonomy's page, then each of its terms' feeds and pages.
fn taxonomies(site: &Site<'_>) -> Taxonomies {
    let config = site.config;
    let base = site.base();
    let related = site.related();
    let mut units = Vec::new();
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
        let tax_extra = {
            let mut h = Xxh3::new();
            for (slug, (name, arts)) in terms {
                h.update(&term_key(name, slug, arts.len()).to_le_bytes());
            }
            h.digest128().to_le_bytes()
        };
        units.extend(list_pages(
            site,
            format!("/{kind}/"),
            "taxonomy.html",
            ListKind::Taxonomy { kind, title, terms: term_list.clone() },
            &[],
            &tax_extra,
        ));
        for (term, (slug, (term_name, arts))) in term_list.into_iter().zip(terms) {
            let extra = term_key(term_name, slug, arts.len()).to_le_bytes();
            // The term's own feeds, beside its page.
            units.extend(term_feeds(site, kind, slug, &term, arts, &extra));
            term_pages.push((
                term["url"].as_str().unwrap_or_default().to_string(),
                arts.first().copied(),
            ));
            units.extend(list_pages(
                site,
                format!("/{kind}/{slug}/"),
                "term.html",
                ListKind::Term { kind, title, term },
                arts,
                &extra,
            ));
        }
    }
    Taxonomies { units, sitemap: term_pages }
}

/// The key of a term page from what its value is made of (name, slug and
/// count; the URLs follow from the slug and the settings).
fn term_key(name: &str, slug: &str, count: usize) -> u128 {
    key_of(&[name.as_bytes(), slug.as_bytes(), &(count as u64).to_le_bytes()])
}

/// A term's Atom and JSON feeds, of its newest `feed_limit` articles.
fn term_feeds(
    site: &Site<'_>,
    kind: &str,
    slug: &str,
    term: &Value,
    arts: &[usize],
    extra: &[u8],
) -> Vec<Unit> {
    let mut units = Vec::new();
    if site.config.feeds {
        let (atom, json) = feeds::term_feed_paths(kind, slug);
        let members: Vec<usize> = arts.iter().take(site.config.feed_limit).copied().collect();
        for (path, is_json) in [(atom, false), (json, true)] {
            let term = Some(term.clone());
            push_feed(&mut units, site, path, is_json, members.clone(), term, extra);
        }
    }
    units
}

/// The page that lists every guide without JS, beside the chunked full-text
/// index ([`plan_search`](super::plan_search)).
fn search_page(site: &Site<'_>) -> Option<Unit> {
    if !site.config.search {
        return None;
    }
    let all: Vec<usize> = site.dated.clone();
    Some(Unit {
        path: PathBuf::from("search/index.html"),
        key: list_key(site, "search.html", b"", &all, None),
        job: Job::List(ListPage {
            template: "search.html",
            kind: Arc::new(ListKind::Search),
            members: all,
            paginator: None,
        }),
        source: PathBuf::from("templates/search.html"),
    })
}

fn not_found_page(site: &Site<'_>) -> Unit {
    Unit {
        path: PathBuf::from("404.html"),
        key: list_key(site, "404.html", b"", &[], None),
        job: Job::List(ListPage {
            template: "404.html",
            kind: Arc::new(ListKind::NotFound),
            members: Vec::new(),
            paginator: None,
        }),
        source: PathBuf::from("templates/404.html"),
    }
}

/// Aliases: tiny redirect pages from old URLs.
fn aliases(site: &Site<'_>, diags: &mut Vec<Diagnostic>) -> Vec<Unit> {
    let mut units = Vec::new();
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
    units
}

/// The site's Atom and JSON feeds, of its newest `feed_limit` articles.
fn site_feeds(site: &Site<'_>) -> Vec<Unit> {
    let mut units = Vec::new();
    if site.config.feeds {
        let feed: Vec<usize> = site.dated.iter().take(site.config.feed_limit).copied().collect();
        push_feed(&mut units, site, "atom.xml".into(), false, feed.clone(), None, b"");
        push_feed(&mut units, site, "feed.json".into(), true, feed, None, b"");
    }
    units
}

/// `sitemap.xml`, and the `robots.txt` that names it.
fn sitemap_and_robots(site: &Site<'_>, term_pages: &[(String, Option<usize>)]) -> Vec<Unit> {
    let mut units = Vec::new();
    push_bytes(&mut units, "sitemap.xml", sitemap(site, term_pages).into_bytes());
    let robots = format!(
        "User-agent: *\nAllow: /\nSitemap: {}\n",
        site.config.permalink(&format!("{}/sitemap.xml", site.base()))
    );
    push_bytes(&mut units, "robots.txt", robots.into_bytes());
    units
}

/// What [`snippets`] makes: its units, the `_headers` lines giving their
/// types, and where each was published from (bundle assets at those paths
/// are the snippets themselves).
struct Snippets<'s> {
    units: Vec<Unit>,
    headers: String,
    published: HashMap<&'s Path, &'s Path>,
}

/// Snippets, shared ones once.
fn snippets<'s>(site: &Site<'s>) -> Snippets<'s> {
    let base = site.base();
    let mut units = Vec::new();
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
    Snippets { units, headers, published }
}

/// Bundle assets that are not snippets, copied as they are.
fn bundle_assets(site: &Site<'_>, snippets: &HashMap<&Path, &Path>) -> Vec<Unit> {
    let mut units = Vec::new();
    for x in site.articles {
        for (from, to) in &x.article.assets {
            if !snippets.contains_key(to.as_path()) {
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
    units
}

/// The theme's minified, fingerprinted files: cached for a year, since a
/// new version has a new name. Then `_headers` (Netlify / Cloudflare Pages):
/// serve snippets with the right type (`headers`), and theme files with a
/// long cache life.
fn theme_files(site: &Site<'_>, mut headers: String) -> Vec<Unit> {
    let mut units = Vec::new();
    for (path, bytes) in &site.theme.files {
        push_bytes(&mut units, path, bytes.clone());
    }
    let fingerprinted: Vec<&str> = site.theme.files.iter().map(|(p, _)| p.as_str()).collect();
    headers.push_str(&assets::immutable_headers(site.base(), &fingerprinted));
    if !headers.is_empty() {
        push_bytes(&mut units, "_headers", headers.into_bytes());
    }
    units
}

/// Static files (the site's own, else the default theme's).
fn static_files(site: &Site<'_>) -> Vec<Unit> {
    let mut units = Vec::new();
    for (rel, src) in site.statics {
        let theirs = matches!(src, StaticSource::Disk { .. });
        if !site.config.search && !theirs && search_file(rel) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Article, FrontMatter, Stamp, Timestamp};
    use crate::render::{BodyFacts, HomeIntro, Indexed};

    /// A dated article (day `day` of January 2024) at `/slug/` with `tags`.
    fn article(
        config: &Config,
        slug: &str,
        day: u32,
        tags: &[&str],
        aliases: &[&str],
    ) -> Arc<Indexed> {
        let date = chrono::DateTime::parse_from_rfc3339(&format!("2024-01-{day:02}T10:00:00Z"));
        let meta = FrontMatter {
            title: format!("Guide {slug}"),
            date: Some(Timestamp { value: date.unwrap(), has_time: true }),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            aliases: aliases.iter().map(|t| t.to_string()).collect(),
            ..FrontMatter::default()
        };
        let a = Article {
            source: PathBuf::from(format!("content/{slug}.md")),
            meta: Arc::new(meta),
            slug: slug.into(),
            url: format!("/{slug}/"),
            html: String::new(),
            toc: Vec::new(),
            ids: Vec::new(),
            summary: String::new(),
            word_count: 10,
            links: Vec::new(),
            stripped: Vec::new(),
            assets: Vec::new(),
            snippets: Vec::new(),
        };
        Arc::new(Indexed::new(config, Arc::new(a), 0, Arc::new(BodyFacts::default())))
    }

    /// The plan of a site of `articles`, with its findings.
    fn plan_of(config: &Config, articles: &[Arc<Indexed>]) -> (Vec<Unit>, Vec<Diagnostic>) {
        let home = HomeIntro::default();
        let stamps: HashMap<PathBuf, Stamp> = HashMap::new();
        let site = Site::new(config, articles, &home, 0, &[], &stamps, &mut None);
        let mut diags = Vec::new();
        let units = plan(&site, &mut diags);
        (units, diags)
    }

    fn paths(units: &[Unit], pick: impl Fn(&Unit) -> bool) -> Vec<String> {
        units.iter().filter(|u| pick(u)).map(|u| url_path(&u.path)).collect()
    }

    fn key_of_path(units: &[Unit], path: &str) -> u128 {
        units.iter().find(|u| u.path == Path::new(path)).map(|u| u.key).expect(path)
    }

    #[test]
    fn each_tag_gets_an_atom_and_a_json_feed_beside_the_sites_own() {
        let config = Config::default();
        let articles = [
            article(&config, "a", 1, &["Rust", "CLI"], &[]),
            article(&config, "b", 2, &["Rust"], &[]),
            article(&config, "c", 3, &["Windows 11"], &[]),
        ];
        let (units, _) = plan_of(&config, &articles);
        let feeds = paths(&units, |u| matches!(u.job, Job::Feed(_)));
        assert_eq!(
            feeds,
            [
                "tags/cli/atom.xml",
                "tags/cli/feed.json",
                "tags/rust/atom.xml",
                "tags/rust/feed.json",
                "tags/windows-11/atom.xml",
                "tags/windows-11/feed.json",
                "atom.xml",
                "feed.json",
            ]
        );
        // A term's feed lists its own articles, newest first.
        let rust = units.iter().find(|u| u.path == Path::new("tags/rust/atom.xml")).unwrap();
        let Job::Feed(f) = &rust.job else { unreachable!() };
        assert_eq!(f.members, [1, 0]);
        assert_eq!(f.url, "/tags/rust/atom.xml");

        let quiet = Config { feeds: false, ..Config::default() };
        let (units, _) = plan_of(&quiet, &articles);
        assert!(paths(&units, |u| matches!(u.job, Job::Feed(_))).is_empty());
    }

    #[test]
    fn the_site_feed_holds_the_newest_feed_limit_articles() {
        let config = Config { feed_limit: 2, ..Config::default() };
        let articles: Vec<_> =
            (1..=4).map(|d| article(&config, &format!("a{d}"), d, &[], &[])).collect();
        let (units, _) = plan_of(&config, &articles);
        let atom = units.iter().find(|u| u.path == Path::new("atom.xml")).unwrap();
        let Job::Feed(f) = &atom.job else { unreachable!() };
        assert_eq!(f.members, [3, 2]);
    }

    #[test]
    fn a_long_home_list_is_split_into_pages() {
        let config = Config { paginate_by: 2, ..Config::default() };
        let articles: Vec<_> =
            (1..=5).map(|d| article(&config, &format!("a{d}"), d, &[], &[])).collect();
        let (units, _) = plan_of(&config, &articles);
        let home = paths(&units, |u| matches!(&u.job, Job::List(l) if l.template == "index.html"));
        assert_eq!(home, ["index.html", "page/2/index.html", "page/3/index.html"]);
    }

    #[test]
    fn an_alias_is_a_redirect_page_and_one_outside_the_site_a_finding() {
        let config = Config::default();
        let articles = [article(&config, "new", 1, &[], &["/old/", "/gone.html", "../../etc"])];
        let (units, diags) = plan_of(&config, &articles);
        let redirect = |path: &str| {
            let u = units.iter().find(|u| u.path == Path::new(path)).expect(path);
            let Job::Bytes(b) = &u.job else { unreachable!() };
            String::from_utf8(b.clone()).unwrap()
        };
        assert!(redirect("old/index.html").contains("url=/new/"));
        assert!(redirect("gone.html").contains("href=\"/new/\""));
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(diags[0].message.contains("`../../etc`"), "{:?}", diags[0]);
    }

    #[test]
    fn retitling_an_article_changes_the_pages_that_show_it_and_no_other() {
        let config = Config::default();
        let before =
            [article(&config, "a", 1, &["Rust"], &[]), article(&config, "b", 2, &["Windows"], &[])];
        let mut after = before.clone();
        let mut retitled = (*after[0].article).clone();
        Arc::make_mut(&mut retitled.meta).title = "Another title".into();
        after[0] =
            Arc::new(Indexed::new(&config, Arc::new(retitled), 0, Arc::new(BodyFacts::default())));
        let (was, _) = plan_of(&config, &before);
        let (now, _) = plan_of(&config, &after);
        for path in [
            "a/index.html",
            "index.html",
            "tags/rust/index.html",
            "tags/rust/atom.xml",
            "b/index.html",
        ] {
            // `b` names `a` as its neighbour.
            assert_ne!(key_of_path(&was, path), key_of_path(&now, path), "{path}");
        }
        for path in ["tags/windows/index.html", "tags/windows/atom.xml", "404.html"] {
            assert_eq!(key_of_path(&was, path), key_of_path(&now, path), "{path}");
        }
    }

    #[test]
    fn robots_names_the_sitemap_at_its_permalink() {
        let config = Config { base_url: "https://example.org/docs".into(), ..Config::default() };
        let (units, _) = plan_of(&config, &[]);
        let robots = units.iter().find(|u| u.path == Path::new("robots.txt")).unwrap();
        let Job::Bytes(b) = &robots.job else { unreachable!() };
        assert_eq!(
            String::from_utf8_lossy(b),
            "User-agent: *\nAllow: /\nSitemap: https://example.org/docs/sitemap.xml\n"
        );
    }
}
