//! What templates see: an article, a page's meta, its JSON-LD, and what every page shares.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{LazyLock, Mutex};

use serde_json::{json, Value};

use crate::assets;
use crate::config::Config;
use crate::model::{Article, Stamp, Timestamp};
use crate::slug::slugify;

/// Tags shown on a card: a card is repeated on every term page of its article,
/// so a card with all of 1,000 tags would make term pages quadratic in size.
pub(super) const CARD_TAGS: usize = 8;

pub(super) struct Common<'a> {
    pub(super) config: &'a Config,
    pub(super) nav: &'a [Value],
    pub(super) theme: &'a assets::Theme,
}

impl Common<'_> {
    pub(super) fn context(&self, meta: Value) -> tera::Context {
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
pub(super) fn put(ctx: &mut tera::Context, key: &str, value: Value) {
    let mut one = serde_json::Map::new();
    one.insert(key.to_string(), value);
    if let Ok(c) = tera::Context::from_value(Value::Object(one)) {
        ctx.extend(c); // an object always converts
    }
}

/// A thumbnail file's size (`None`: not an image) by file and stamp.
type SizeMemo = HashMap<(PathBuf, Stamp), Option<(u32, u32)>>;

/// Sizes of thumbnail files already read, by file and stamp: a card is made
/// again on every list page and related link that shows it, and the file is
/// read once per version.
static THUMB_SIZES: LazyLock<Mutex<SizeMemo>> = LazyLock::new(Mutex::default);

/// Gives an article's (or card's) thumbnail its `width` and `height`, read
/// from the file: the box is kept before the image loads, so the list and
/// the page do not move under the reader (CLS). An SVG's size is its
/// `width`/`height`, else its `viewBox`; a raster's is read from its header.
pub(super) fn put_thumbnail_size(v: &mut Value, site: &super::site::Site<'_>, i: usize) {
    let Some((from, _, stamp)) = super::site::thumbnail_file(site, i) else { return };
    let key = (from.to_path_buf(), stamp);
    let cached = THUMB_SIZES.lock().ok().and_then(|m| m.get(&key).copied());
    let size = cached.unwrap_or_else(|| {
        let size = std::fs::read(from).ok().and_then(|b| assets::image_size(from, &b));
        if let Ok(mut m) = THUMB_SIZES.lock() {
            m.insert(key, size);
        }
        size
    });
    if let Some((w, h)) = size {
        v["thumbnail_width"] = w.into();
        v["thumbnail_height"] = h.into();
    }
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

pub(super) fn page_meta(config: &Config, a: &Article) -> Value {
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
pub(super) fn json_ld(config: &Config, a: &Article) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FrontMatter;
    use std::path::PathBuf;

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
