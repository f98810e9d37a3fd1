//! Makes one unit's bytes: pages through Tera, feeds and copies without it.

use std::path::Path;

use rayon::prelude::*;
use serde_json::{json, Value};

use super::feed::feed;
use super::plan::page_size;
use super::site::{neighbours, og_png, Site};
use super::templates::error_chain;
use super::unit::{Job, ListKind, ListPage, Unit};
use super::values::{article_value, json_ld, page_meta, put, put_thumbnail_size, Common};
use crate::diag::{Diagnostic, Location};
use crate::href::url_path;
use crate::registry::ids;
use crate::{load, og_image, search};

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

/// Makes one unit's bytes. `body(i)` gives the content HTML of `articles[i]`.
pub fn render(
    site: &Site<'_>,
    tera: &tera::Tera,
    unit: &Unit,
    body: &(dyn Fn(usize) -> Option<String> + Sync),
) -> Result<Vec<u8>, Diagnostic> {
    match &unit.job {
        Job::Bytes(b) => Ok(b.clone()),
        Job::Unchanged => Err(Diagnostic::error(
            ids::OUTPUT_UNWRITABLE,
            Location::file(&unit.path),
            "internal: an output planned as unchanged was asked for again; run `inkproof build --no-cache`".to_string(),
        )),
        Job::Builtin(text) => Ok(text.as_bytes().to_vec()),
        Job::Copy(from) => read(unit, from),
        Job::Feed(f) => Ok(feed(site, f, body).into_bytes()),
        Job::OgPng(from) => og_png_bytes(unit, from),
        Job::Article(i) => article_page(site, tera, *i, body),
        Job::List(list) => list_page(site, tera, unit, list),
    }
}

/// The bytes of a file `unit` publishes from `from` (a copy, an SVG thumbnail).
fn read(unit: &Unit, from: &Path) -> Result<Vec<u8>, Diagnostic> {
    load::read_published(from).map_err(|e| {
        Diagnostic::error(
            ids::OUTPUT_UNREADABLE,
            Location::file(&unit.source),
            format!("cannot read `{}`: {e}", from.display()),
        )
    })
}

/// The PNG `og:image` made from the SVG thumbnail `from`.
fn og_png_bytes(unit: &Unit, from: &Path) -> Result<Vec<u8>, Diagnostic> {
    let svg = read(unit, from)?;
    og_image::svg_to_png(&svg).ok_or_else(|| {
        Diagnostic::error(
            ids::IMAGE_UNRENDERABLE,
            Location::file(&unit.source),
            format!("the thumbnail `{}` does not parse as SVG, so no PNG `og:image` can be made from it", from.display()),
        )
    })
}

/// The page of `articles[i]`, with its related articles and neighbours.
fn article_page(
    site: &Site<'_>,
    tera: &tera::Tera,
    i: usize,
    body: &(dyn Fn(usize) -> Option<String> + Sync),
) -> Result<Vec<u8>, Diagnostic> {
    let config = site.config;
    let common = Common { config, nav: &site.nav, theme: &site.theme };
    let a = &site.articles[i].article;
    let mut meta = page_meta(config, a);
    if let Some((png, _, _)) = og_png(site, i) {
        meta["image"] =
            Value::String(config.permalink(&format!("{}/{}", site.base(), url_path(&png))));
    }
    let mut ctx = common.context(meta);
    let mut value = article_value(config, a, true);
    put_thumbnail_size(&mut value, site, i);
    value["content"] = Value::String(body(i).unwrap_or_default());
    let related: Vec<Value> = site.related().of(i).iter().map(|&j| card(site, j)).collect();
    put(&mut ctx, "related", Value::Array(related));
    let (prev, next) = neighbours(site, i);
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

/// An article as a list or a related link shows it.
fn card(site: &Site<'_>, i: usize) -> Value {
    let mut v = site.articles[i].card(site.config);
    put_thumbnail_size(&mut v, site, i);
    v
}

/// A list page: its cards under what its kind shows above them.
fn list_page(
    site: &Site<'_>,
    tera: &tera::Tera,
    unit: &Unit,
    list: &ListPage,
) -> Result<Vec<u8>, Diagnostic> {
    let base = site.base();
    // A long list's cards are made on the worker threads: besides
    // the time, their memory is then freed back to the workers'
    // heaps, which the search index (built next, in parallel) reuses
    // instead of growing the process by as much again.
    let card = |&i: &usize| card(site, i);
    let cards: Vec<Value> = if list.members.len() > 256 {
        list.members.par_iter().map(card).collect()
    } else {
        list.members.iter().map(card).collect()
    };
    let url = format!("/{}", url_path(&unit.path).trim_end_matches("index.html"));
    let url = format!("{base}{url}");
    let mut ctx = list_context(site, &list.kind, &url);
    // Moved in, not serialised again: the search page's 10,000 cards
    // were held twice while it rendered (~70 MB each).
    put(&mut ctx, "articles", Value::Array(cards));
    ctx.insert("paginator", &list.paginator.as_ref().map(|p| p.value(base)));
    render_page(tera, list.template, &ctx, &unit.source)
}

/// What a list page of `kind` at `url` shows besides its cards.
fn list_context(site: &Site<'_>, kind: &ListKind, url: &str) -> tera::Context {
    let config = site.config;
    let base = site.base();
    let common = Common { config, nav: &site.nav, theme: &site.theme };
    let list_meta = |t: &str, url: &str| {
        json!({"title": t, "description": config.description, "keywords": "", "canonical": config.permalink(url),
               "image": null, "kind": "website", "published": null, "modified": null})
    };
    match kind {
        ListKind::Home => {
            let mut ctx = common.context(list_meta(&config.title, url));
            ctx.insert("intro_title", &site.home.title);
            ctx.insert("intro", &site.home.html);
            ctx
        }
        ListKind::Taxonomy { kind, title, terms } => {
            let mut ctx = common.context(list_meta(title, url));
            ctx.insert(
                "taxonomy",
                &json!({"kind": kind, "title": title, "url": format!("{base}/{kind}/")}),
            );
            ctx.insert("terms", terms);
            ctx
        }
        ListKind::Term { kind, title, term } => {
            let name = term["name"].as_str().unwrap_or_default();
            let mut ctx = common.context(list_meta(&format!("{title}: {name}"), url));
            ctx.insert(
                "taxonomy",
                &json!({"kind": kind, "title": title, "url": format!("{base}/{kind}/")}),
            );
            ctx.insert("term", term);
            ctx
        }
        ListKind::Search => {
            let mut ctx = common.context(list_meta("Search", url));
            ctx.insert("index_url", &format!("{base}/{}/meta.json", search::DIR));
            let p = site.theme.style_search.as_ref().map(|p| format!("{base}/{p}"));
            ctx.insert("stylesheet", &p);
            ctx
        }
        ListKind::NotFound => {
            common.context(list_meta("Page not found", &format!("{base}/404.html")))
        }
    }
}

/// Renders `template`; an error is a finding on `source` (the article, or
/// the list's template), with Tera's causes on one line.
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
