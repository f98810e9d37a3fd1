//! A feed's bytes, the site's or a term's, Atom or JSON.

use super::site::{og_png, Site};
use super::unit::FeedJob;
use super::values::page_meta;
use crate::feeds;
use crate::href::url_path;
use crate::model::Timestamp;

/// A feed's bytes: entries carry the page's body with absolute URLs and no
/// UI chrome (`feeds::feed_html`), and the page's `og:image`.
pub(super) fn feed(
    site: &Site<'_>,
    f: &FeedJob,
    body: &(dyn Fn(usize) -> Option<String> + Sync),
) -> String {
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
