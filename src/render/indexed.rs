//! One article as the site index holds it: its metadata and the keys its outputs are made from.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use xxhash_rust::xxh3::Xxh3;

use super::keys::key_of;
use super::sitemap::sitemap_url;
use super::values::{article_value, CARD_TAGS};
use crate::assets;
use crate::config::Config;
use crate::href::page_path;
use crate::model::{Article, Timestamp};
use crate::search::{DocWords, SearchDoc};
use crate::slug::slugify;

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
