//! Stage 4 (render): the whole site → [`Output`]s in memory.
//!
//! Tera renders article, home, taxonomy and 404 pages; feeds, the sitemap and
//! `robots.txt` are written here directly (XML needs exact escaping, not a theme).
//! Nothing touches the disk here: `build` hands the outputs to `write`, `check`
//! and the tests read them in memory.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::{json, Value};

use crate::config::Config;
use crate::diag::{Diagnostic, Location};
use crate::model::{Article, Output, Timestamp};
use crate::slug::slugify;
use crate::{highlight, load, snippet};

/// The default theme, built into the binary: a site without a `templates/`
/// folder (or missing one of these) still builds, and `init` writes them out.
pub const DEFAULT_TEMPLATES: &[(&str, &str)] = &[
    ("macros.html", include_str!("../templates/macros.html")),
    ("base.html", include_str!("../templates/base.html")),
    ("article.html", include_str!("../templates/article.html")),
    ("index.html", include_str!("../templates/index.html")),
    ("taxonomy.html", include_str!("../templates/taxonomy.html")),
    ("term.html", include_str!("../templates/term.html")),
    ("404.html", include_str!("../templates/404.html")),
    ("search.html", include_str!("../templates/search.html")),
];

/// Static files of the default theme, used when the site has no `static/` folder.
pub const DEFAULT_STATIC: &[(&str, &str)] = &[
    ("style.css", include_str!("../static/style.css")),
    ("inkproof.js", include_str!("../static/inkproof.js")),
    ("search.js", include_str!("../static/search.js")),
    ("search.css", include_str!("../static/search.css")),
    ("favicon.svg", include_str!("../static/favicon.svg")),
];

/// Loads the site's templates over the built-in ones. Template syntax errors are
/// diagnostics on the template file.
pub fn templates(root: &Path, config: &Config, diags: &mut Vec<Diagnostic>) -> tera::Tera {
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![".html", ".htm", ".xml"]);
    // Tera's default escaper also escapes `/`, which makes every URL in the
    // source read `&#x2F;`; quotes, `<`, `>` and `&` are all HTML needs.
    tera.set_escape_fn(crate::markdown::escape_attr);
    let dir = root.join(&config.templates_dir);
    let mut files: Vec<(String, String)> =
        DEFAULT_TEMPLATES.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
    if dir.is_dir() {
        for entry in walkdir::WalkDir::new(&dir).sort_by_file_name().into_iter().flatten() {
            if !entry.file_type().is_file() {
                continue;
            }
            let name = entry
                .path()
                .strip_prefix(&dir)
                .unwrap_or(entry.path())
                .to_string_lossy()
                .replace('\\', "/");
            match std::fs::read_to_string(entry.path()) {
                Ok(text) => {
                    files.retain(|(n, _)| *n != name);
                    files.push((name, text));
                }
                Err(e) => diags.push(Diagnostic::error(
                    "template/unreadable",
                    Location::file(config.templates_dir.join(&name)),
                    e.to_string(),
                )),
            }
        }
    }
    if let Err(e) = tera.add_raw_templates(files.iter().map(|(n, t)| (n.as_str(), t.as_str()))) {
        // Tera reports which template failed in the message chain.
        diags.push(Diagnostic::error(
            "template/invalid",
            Location::file(&config.templates_dir),
            error_chain(&e),
        ));
        let _ = tera.add_raw_templates(DEFAULT_TEMPLATES.iter().copied());
    }
    tera
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
#[derive(Debug, Default, Clone)]
pub struct HomeIntro {
    pub title: Option<String>,
    pub html: Option<String>,
}

/// Renders every page and file of the site.
pub fn site(
    root: &Path,
    config: &Config,
    tera: &tera::Tera,
    articles: &[Article],
    home: &HomeIntro,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Output> {
    let base = config.base_path();
    let nav: Vec<Value> = articles
        .iter()
        .filter(|a| !a.is_dated())
        .map(|a| json!({"title": a.meta.title, "url": a.url}))
        .collect();
    let common = Common { config, nav: &nav };

    // Dated articles, newest first; ties broken by title for stable output.
    let mut dated: Vec<&Article> = articles.iter().filter(|a| a.is_dated()).collect();
    dated.sort_by(|a, b| {
        b.meta
            .date
            .as_ref()
            .map(|d| d.value)
            .cmp(&a.meta.date.as_ref().map(|d| d.value))
            .then(a.meta.title.cmp(&b.meta.title))
    });
    let position: HashMap<&str, usize> =
        dated.iter().enumerate().map(|(i, a)| (a.url.as_str(), i)).collect();

    let mut outputs: Vec<Output> = Vec::new();
    let mut page_diags: Vec<Diagnostic> = Vec::new();

    // Article pages, in parallel.
    let rendered: Vec<Result<Output, Diagnostic>> = articles
        .par_iter()
        .map(|a| {
            let mut ctx = common.context(page_meta(config, a));
            let mut value = article_value(config, a, true);
            if let Some(&i) = position.get(a.url.as_str()) {
                // newer = previous in the list; "prev" reads as "the one before this in time"
                let prev = dated.get(i + 1).map(|p| json!({"title": p.meta.title, "url": p.url}));
                let next = i
                    .checked_sub(1)
                    .and_then(|j| dated.get(j))
                    .map(|n| json!({"title": n.meta.title, "url": n.url}));
                ctx.insert("prev", &prev);
                ctx.insert("next", &next);
            } else {
                ctx.insert("prev", &Value::Null);
                ctx.insert("next", &Value::Null);
            }
            ctx.insert("json_ld", &json_ld(config, a));
            if let Value::Object(m) = &mut value {
                m.insert("is_page".into(), Value::Bool(!a.is_dated()));
            }
            ctx.insert("article", &value);
            render_page(tera, "article.html", &ctx, &a.source)
                .map(|bytes| Output::Bytes { path: page_path(base, &a.url), bytes })
        })
        .collect();
    for r in rendered {
        match r {
            Ok(o) => outputs.push(o),
            Err(d) => page_diags.push(d),
        }
    }

    // List pages (home, taxonomies, terms, search) share one card value per
    // article, built once; their contexts are built here and rendered in
    // parallel below, since a big site's term pages each list thousands of cards.
    let cards: Vec<Value> = dated.par_iter().map(|a| article_value(config, a, false)).collect();
    let list_meta = |t: &str, url: &str| {
        json!({"title": t, "description": config.description, "keywords": "", "canonical": config.permalink(url),
               "image": null, "kind": "website", "published": null, "modified": null})
    };
    // Each job builds its context when it runs, so only a few big lists are in
    // memory at once.
    type MakeContext<'a> = Box<dyn Fn() -> tera::Context + Send + Sync + 'a>;
    let mut jobs: Vec<(&str, PathBuf, MakeContext<'_>)> = Vec::new();
    let cards = &cards;
    let common = &common;

    // Home.
    jobs.push((
        "index.html",
        PathBuf::from("index.html"),
        Box::new(|| {
            let mut ctx = common.context(list_meta(&config.title, &format!("{base}/")));
            ctx.insert("intro_title", &home.title);
            ctx.insert("intro", &home.html);
            ctx.insert("articles", cards);
            ctx
        }),
    ));

    // Taxonomies: one page listing the terms, one page per term.
    for (kind, title) in [("tags", "Tags"), ("categories", "Categories")] {
        let mut terms: BTreeMap<String, (String, Vec<usize>)> = BTreeMap::new();
        for (i, a) in dated.iter().enumerate() {
            let names = if kind == "tags" { &a.meta.tags } else { &a.meta.categories };
            for name in names {
                let slug = slugify(name);
                if slug.is_empty() {
                    continue;
                }
                let entry = terms.entry(slug).or_insert_with(|| (name.clone(), Vec::new()));
                // `windows 11` and `Windows-11` on one article: list it once.
                if entry.1.last() != Some(&i) {
                    entry.1.push(i);
                }
            }
        }
        let tax_url = format!("{base}/{kind}/");
        let taxonomy = json!({"kind": kind, "title": title, "url": tax_url});
        let term_list: Vec<Value> = terms
            .iter()
            .map(|(slug, (name, arts))| json!({"name": name, "slug": slug, "url": format!("{tax_url}{slug}/"), "count": arts.len()}))
            .collect();
        let page_meta = list_meta(title, &tax_url);
        let (tax, list) = (taxonomy.clone(), term_list.clone());
        jobs.push((
            "taxonomy.html",
            PathBuf::from(kind).join("index.html"),
            Box::new(move || {
                let mut ctx = common.context(page_meta.clone());
                ctx.insert("taxonomy", &tax);
                ctx.insert("terms", &list);
                ctx
            }),
        ));
        for (term, (slug, (name, arts))) in term_list.into_iter().zip(terms) {
            let page_meta = list_meta(&format!("{title}: {name}"), &format!("{tax_url}{slug}/"));
            let tax = taxonomy.clone();
            jobs.push((
                "term.html",
                PathBuf::from(kind).join(slug).join("index.html"),
                Box::new(move || {
                    let mut ctx = common.context(page_meta.clone());
                    ctx.insert("taxonomy", &tax);
                    ctx.insert("term", &term);
                    let list: Vec<&Value> = arts.iter().map(|&i| &cards[i]).collect();
                    ctx.insert("articles", &list);
                    ctx
                }),
            ));
        }
    }

    // Search: a small JSON index and a page whose script filters it in the
    // browser (no server, no third-party service).
    let index: Vec<Value> = articles
        .iter()
        .map(|a| {
            json!({"title": a.meta.title, "url": a.url, "summary": a.summary,
                   "date": a.meta.date.as_ref().map(Timestamp::human),
                   "terms": a.meta.tags.iter().chain(&a.meta.categories).chain(&a.meta.keywords).collect::<Vec<_>>(),
                   "headings": a.toc.iter().map(|t| t.title.as_str()).collect::<Vec<_>>()})
        })
        .collect();
    outputs.push(Output::Bytes {
        path: "search.json".into(),
        bytes: Value::Array(index).to_string().into_bytes(),
    });
    let search_url = format!("{base}/search/");
    let search_meta = list_meta("Search", &search_url);
    jobs.push((
        "search.html",
        PathBuf::from("search/index.html"),
        Box::new(move || {
            let mut ctx = common.context(search_meta.clone());
            ctx.insert("index_url", &format!("{base}/search.json"));
            ctx.insert("articles", cards);
            ctx
        }),
    ));

    // 404: the list pages' meta shape, pointing at itself.
    let not_found_meta = list_meta("Page not found", &format!("{base}/404.html"));
    jobs.push((
        "404.html",
        PathBuf::from("404.html"),
        Box::new(move || common.context(not_found_meta.clone())),
    ));

    let pages: Vec<Result<Output, Diagnostic>> = jobs
        .par_iter()
        .map(|(template, path, make)| {
            render_page(tera, template, &make(), &Path::new("templates").join(template))
                .map(|bytes| Output::Bytes { path: path.clone(), bytes })
        })
        .collect();
    for page in pages {
        match page {
            Ok(o) => outputs.push(o),
            Err(d) => page_diags.push(d),
        }
    }

    // Aliases: tiny redirect pages from old URLs.
    for a in articles {
        for alias in &a.meta.aliases {
            match load::normalize_within(Path::new(alias.trim_start_matches('/'))) {
                Some(p) if !p.as_os_str().is_empty() => {
                    let path = if p.extension().is_some_and(|e| e == "html") {
                        p
                    } else {
                        p.join("index.html")
                    };
                    let target = xml_escape(&a.url);
                    let html = format!("<!doctype html><html><head><meta charset=\"utf-8\"><title>Redirect</title><link rel=\"canonical\" href=\"{target}\"><meta http-equiv=\"refresh\" content=\"0; url={target}\"></head><body><a href=\"{target}\">{target}</a></body></html>\n");
                    outputs.push(Output::Bytes { path, bytes: html.into_bytes() });
                }
                _ => page_diags.push(Diagnostic::error(
                    "front-matter/bad-alias",
                    Location::file(&a.source),
                    format!("alias `{alias}` is not a path inside the site"),
                )),
            }
        }
    }

    // Feeds, sitemap, robots, highlight CSS.
    outputs
        .push(Output::Bytes { path: "atom.xml".into(), bytes: atom(config, &dated).into_bytes() });
    outputs.push(Output::Bytes {
        path: "sitemap.xml".into(),
        bytes: sitemap(config, articles, &dated).into_bytes(),
    });
    let robots = format!(
        "User-agent: *\nAllow: /\nSitemap: {}\n",
        config.permalink(&format!("{base}/sitemap.xml"))
    );
    outputs.push(Output::Bytes { path: "robots.txt".into(), bytes: robots.into_bytes() });
    outputs.push(Output::Bytes { path: "syntax.css".into(), bytes: highlight::css().into_bytes() });

    // Snippets (shared ones once), then bundle assets that are not snippets.
    let mut headers = String::new();
    let mut published: HashMap<PathBuf, &Path> = HashMap::new();
    for a in articles {
        for s in &a.snippets {
            if published.insert(s.out_path.clone(), &s.source).is_none() {
                let _ = writeln!(
                    headers,
                    "{base}/{}\n  Content-Type: {}",
                    url_path(&s.out_path),
                    snippet::mime_type(&s.out_path)
                );
                outputs.push(Output::Bytes { path: s.out_path.clone(), bytes: s.bytes.clone() });
            }
        }
    }
    for a in articles {
        for (from, to) in &a.assets {
            if !published.contains_key(to) {
                outputs.push(Output::Copy { path: to.clone(), from: from.clone() });
            }
        }
    }
    if !headers.is_empty() {
        // Netlify / Cloudflare Pages `_headers`: serve snippets with the right type.
        outputs.push(Output::Bytes { path: "_headers".into(), bytes: headers.into_bytes() });
    }

    // Static files (the site's own, else the default theme's).
    let static_dir = root.join(&config.static_dir);
    if static_dir.is_dir() {
        for entry in walkdir::WalkDir::new(&static_dir).sort_by_file_name().into_iter().flatten() {
            if entry.file_type().is_file() {
                let rel =
                    entry.path().strip_prefix(&static_dir).unwrap_or(entry.path()).to_path_buf();
                outputs.push(Output::Copy { path: rel, from: entry.path().to_path_buf() });
            }
        }
    } else {
        for (name, text) in DEFAULT_STATIC {
            outputs.push(Output::Bytes { path: name.into(), bytes: text.as_bytes().to_vec() });
        }
    }

    diags.extend(page_diags);
    collisions(&outputs, articles, diags);
    outputs
}

/// Two outputs at one path: the later one would silently replace the earlier.
fn collisions(outputs: &[Output], articles: &[Article], diags: &mut Vec<Diagnostic>) {
    let owner: HashMap<PathBuf, &Path> =
        articles.iter().map(|a| (page_path("", &a.url), a.source.as_path())).collect();
    let mut seen: HashMap<&Path, usize> = HashMap::new();
    for (i, o) in outputs.iter().enumerate() {
        if let Some(prev) = seen.insert(o.path(), i) {
            let what = |p: &Path, idx: usize| {
                owner.get(p).map(|s| s.display().to_string()).unwrap_or_else(|| {
                    match &outputs[idx] {
                        Output::Copy { from, .. } => from.display().to_string(),
                        Output::Bytes { .. } => "a generated page".to_string(),
                    }
                })
            };
            let first = what(o.path(), prev);
            diags.push(Diagnostic::error(
                "output/collision",
                Location::file(owner.get(o.path()).copied().unwrap_or(o.path())),
                format!(
                    "`{}` would be written twice: by {first} and by {}",
                    o.path().display(),
                    match o {
                        Output::Copy { from, .. } => from.display().to_string(),
                        Output::Bytes { .. } => "a generated page".to_string(),
                    }
                ),
            ));
        }
    }
}

struct Common<'a> {
    config: &'a Config,
    nav: &'a [Value],
}

impl Common<'_> {
    fn context(&self, meta: Value) -> tera::Context {
        let c = self.config;
        let mut ctx = tera::Context::new();
        ctx.insert(
            "site",
            &json!({"title": c.title, "description": c.description, "language": c.language, "author": c.author,
                    "base_path": c.base_path(), "base_url": c.base_url}),
        );
        ctx.insert("meta", &meta);
        ctx.insert("nav", self.nav);
        ctx.insert("json_ld", &Value::Null);
        ctx.insert("feed_url", &format!("{}/atom.xml", c.base_path()));
        ctx.insert("generator", concat!("inkproof ", env!("CARGO_PKG_VERSION")));
        ctx
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
            "template/render",
            Location::file(source),
            format!("cannot render `{template}`: {}", error_chain(&e)),
        )
    })
}

/// Output file of a page URL: `/docs/slug/` → `slug/index.html` (base path dropped).
pub fn page_path(base_path: &str, url: &str) -> PathBuf {
    let rel = url.strip_prefix(base_path).unwrap_or(url).trim_matches('/');
    if rel.is_empty() {
        PathBuf::from("index.html")
    } else {
        PathBuf::from(rel).join("index.html")
    }
}

fn url_path(p: &Path) -> String {
    p.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

fn ts(t: &Option<Timestamp>) -> Value {
    t.as_ref().map_or(Value::Null, |t| json!({"iso": t.iso(), "human": t.human()}))
}

/// Resolves a thumbnail as written (`thumb.svg`, `/img/x.png`, `https://…`) to a
/// site-relative or absolute URL.
fn resolve_url(config: &Config, page_url: &str, href: &str) -> String {
    if href.contains("://") || href.starts_with("//") || href.starts_with("data:") {
        href.to_string()
    } else if let Some(abs) = href.strip_prefix('/') {
        format!("{}/{abs}", config.base_path())
    } else {
        format!("{page_url}{href}")
    }
}

fn absolute(config: &Config, url: &str) -> String {
    if url.contains("://") {
        url.to_string()
    } else if let Some(rest) = url.strip_prefix("//") {
        format!("https://{rest}")
    } else {
        config.permalink(url)
    }
}

fn terms(config: &Config, kind: &str, names: &[String]) -> Vec<Value> {
    names
        .iter()
        .filter_map(|n| {
            let slug = slugify(n);
            (!slug.is_empty()).then(|| json!({"name": n, "slug": slug, "url": format!("{}/{kind}/{slug}/", config.base_path())}))
        })
        .collect()
}

/// An article as templates see it.
pub fn article_value(config: &Config, a: &Article, full: bool) -> Value {
    let m = &a.meta;
    let mut v = json!({
        "title": m.title,
        "url": a.url,
        "permalink": config.permalink(&a.url),
        "slug": a.slug,
        "date": ts(&m.date),
        "updated": ts(&m.updated),
        "tags": terms(config, "tags", &m.tags),
        "categories": terms(config, "categories", &m.categories),
        "description": m.description,
        "excerpt": m.excerpt,
        "summary": a.summary,
        "keywords": m.keywords,
        "thumbnail": m.thumbnail.as_deref().map(|t| resolve_url(config, &a.url, t)),
        "word_count": a.word_count,
        "reading_minutes": a.word_count.div_ceil(220).max(1),
        "extra": m.extra,
        "is_page": !a.is_dated(),
    });
    if full {
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
    crate::markdown::escape_attr(s)
}

fn atom(config: &Config, dated: &[&Article]) -> String {
    let base = config.base_path();
    let updated = dated
        .iter()
        .filter_map(|a| a.meta.updated.as_ref().or(a.meta.date.as_ref()))
        .max_by_key(|t| t.value)
        .map_or_else(|| "1970-01-01T00:00:00Z".to_string(), Timestamp::iso);
    let mut x = String::new();
    let _ = write!(
        x,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n<title>{}</title>\n<subtitle>{}</subtitle>\n<link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n<id>{}</id>\n<updated>{updated}</updated>\n<generator>inkproof</generator>\n",
        xml_escape(&config.language),
        xml_escape(&config.title),
        xml_escape(&config.description),
        xml_escape(&config.permalink(&format!("{base}/atom.xml"))),
        xml_escape(&config.permalink(&format!("{base}/"))),
        xml_escape(&config.permalink(&format!("{base}/"))),
    );
    if let Some(author) = &config.author {
        let _ = writeln!(x, "<author><name>{}</name></author>", xml_escape(author));
    }
    for a in dated.iter().take(config.feed_limit) {
        let link = xml_escape(&config.permalink(&a.url));
        let published = a.meta.date.as_ref().map(Timestamp::iso).unwrap_or_default();
        let updated = a.meta.updated.as_ref().map_or_else(|| published.clone(), Timestamp::iso);
        let _ = write!(
            x,
            "<entry>\n<title>{}</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"{link}\"/>\n<id>{link}</id>\n<published>{published}</published>\n<updated>{updated}</updated>\n<summary>{}</summary>\n",
            xml_escape(&a.meta.title),
            xml_escape(&a.summary),
        );
        for t in &a.meta.tags {
            let _ = writeln!(x, "<category term=\"{}\"/>", xml_escape(t));
        }
        let _ = write!(x, "<content type=\"html\">{}</content>\n</entry>\n", xml_escape(&a.html));
    }
    x.push_str("</feed>\n");
    x
}

fn sitemap(config: &Config, articles: &[Article], dated: &[&Article]) -> String {
    let base = config.base_path();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    let newest = dated
        .iter()
        .filter_map(|a| a.meta.updated.as_ref().or(a.meta.date.as_ref()))
        .max_by_key(|t| t.value);
    let mut url = |loc: String, lastmod: Option<&Timestamp>| {
        let _ = write!(x, "<url><loc>{}</loc>", xml_escape(&loc));
        if let Some(t) = lastmod {
            let _ = write!(x, "<lastmod>{}</lastmod>", t.iso());
        }
        x.push_str("</url>\n");
    };
    url(config.permalink(&format!("{base}/")), newest);
    for a in articles {
        url(config.permalink(&a.url), a.meta.updated.as_ref().or(a.meta.date.as_ref()));
    }
    x.push_str("</urlset>\n");
    x
}
