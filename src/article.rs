//! The per-article stage: one source file → an [`Article`] and its findings.
//!
//! 1. [`front`]: split and parse the front matter (YAML or TOML).
//! 2. [`slug_for`](crate::slug::slug_for): the article's slug from `slug:`, its file or bundle name, or its title.
//! 3. [`body`]: strip ad marker blocks → Markdown (headings, highlighting,
//!    snippets, links) → strip ad elements.
//!
//! Each step is a pure function of what it is handed: the source text, the
//! config, the URLs of other articles it links to (`.md` links) and the
//! snippet files it embeds, both asked for through [`Env`]. The engine records
//! those two lookups, so it knows exactly when a cached result is stale.

use std::path::Path;

use crate::check::facts::{Collector, Facts, Ignore, LinkFact, Mapper};
use crate::check::{self, ArticleInput};
use crate::config::Config;
use crate::diag::{Diagnostic, LineIndex};
use crate::load::ContentFiles;
use crate::markdown::{self, MdContext};
use crate::model::{Article, FrontMatter, Source, Stripped};
use crate::render::HomeIntro;
use crate::snippet::SnippetContext;
use crate::{front_matter, strip};

/// Front matter of one source, or the findings that say why there is none.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Front {
    pub meta: Option<std::sync::Arc<FrontMatter>>,
    pub body_offset: usize,
    pub diags: Vec<Diagnostic>,
    /// When the front matter failed, the body is still checked: its links
    /// (for the site-wide link check) and its suppression comments.
    pub body_links: Vec<LinkFact>,
    pub ignores: Vec<Ignore>,
}

/// The front matter of `source`. When a field failed the article is skipped,
/// so the other fields' findings (unknown keys, a future date, the
/// description's length) are reported here, in the same run.
fn parse<'a>(source: &'a Source, diags: &mut Vec<Diagnostic>) -> Option<front_matter::Parsed<'a>> {
    match front_matter::parse_or_read(&source.path, &source.text, diags) {
        Ok(parsed) => Some(parsed),
        Err(read) => {
            if let Some(meta) = read {
                crate::check::front_matter::fields(&source.path, &source.text, &meta, diags);
            }
            None
        }
    }
}

/// Parses the front matter of `source`; when it fails, checks the body alone,
/// so one bad `date:` never hides the body's broken links.
pub fn front(source: &Source, config: &Config) -> Front {
    let mut diags = Vec::new();
    match parse(source, &mut diags) {
        Some(p) => Front {
            meta: Some(std::sync::Arc::new(p.meta)),
            body_offset: p.body_offset,
            diags,
            body_links: Vec::new(),
            ignores: Vec::new(),
        },
        None => {
            let (mut body_links, mut ignores) = (Vec::new(), Vec::new());
            if let Some(body_offset) = front_matter::body_offset(&source.text) {
                // Without an article there is no thumbnail to look up.
                let statics = |_: &Path| false;
                let input = ArticleInput {
                    source,
                    article: None,
                    body_offset,
                    prepared: None,
                    statics: &statics,
                };
                let found = check::article(config, input);
                diags.extend(found.diagnostics);
                body_links = found.body_links;
                ignores = found.ignores;
            }
            Front { meta: None, body_offset: 0, diags, body_links, ignores }
        }
    }
}

/// What the body stage may look up outside its own file.
pub struct Env<'a> {
    /// Absolute site root.
    pub root: &'a Path,
    pub config: &'a Config,
    /// Another article's URL by its file (relative to the site root).
    pub urls: &'a dyn Fn(&Path) -> Option<String>,
    /// Files under `content/` (snippets).
    pub files: &'a dyn ContentFiles,
    /// Whether a static file is published at this output path. Asked of the
    /// loaded inputs, never the disk, so the engine can record the answer
    /// and re-check the article when `static/` changes.
    pub statics: &'a dyn Fn(&Path) -> bool,
}

/// Renders the body of an article whose front matter parsed (`html` is
/// filled) and runs the per-article checks on it; returns its findings and
/// its suppression comments.
pub fn body(
    source: &Source,
    meta: &std::sync::Arc<FrontMatter>,
    body_offset: usize,
    slug: &str,
    url: &str,
    env: &Env<'_>,
) -> (Article, Vec<Diagnostic>, Vec<Ignore>) {
    let mut diags = Vec::new();
    // The page's folder, where its bundle files and snippets are published.
    let page = crate::href::page_path(env.config.base_path(), url);
    let out_dir = page.parent().map(Path::to_path_buf).unwrap_or_default();
    // Above the error size only the finding is made (issue #9: 50 MB built silently).
    let len = source.text.len() as u64;
    let within = crate::limits::check_article(&source.path, len, &env.config.limits, &mut diags);
    let body = if within { source.text.get(body_offset..).unwrap_or("") } else { "" };
    let index = LineIndex::new(&source.text);
    let (mut md, html, removed, body_facts) =
        render_body(env, source, &index, body, body_offset, &out_dir, &mut diags);
    if env.config.strip.affiliate_links == strip::AffiliateLinks::Unwrap {
        // Unwrapped, they are no longer links: the external check must not
        // fetch them, nor anything count them as published.
        md.links.retain(|l| l.is_image || env.config.strip.affiliate_host(&l.href).is_none());
    }
    let summary = meta
        .excerpt
        .clone()
        .or_else(|| meta.description.clone())
        .unwrap_or_else(|| truncate_words(&md.first_paragraph, 200));
    let assets = match &source.bundle_dir {
        Some(_) => {
            let dir = source.abs_path.parent().unwrap_or(env.root);
            source.assets.iter().map(|a| (dir.join(a), out_dir.join(a))).collect()
        }
        None => Vec::new(),
    };
    let mut ids: Vec<String> = crate::check::ids(&html).into_iter().map(str::to_string).collect();
    ids.sort_unstable();
    let article = Article {
        source: source.path.clone(),
        meta: std::sync::Arc::clone(meta),
        slug: slug.to_string(),
        url: url.to_string(),
        html,
        toc: md.toc,
        ids,
        summary,
        word_count: md.word_count,
        links: md.links,
        stripped: removed,
        assets,
        snippets: md.snippets,
    };
    let input = ArticleInput {
        source,
        article: Some(&article),
        body_offset,
        prepared: Some(check::Prepared {
            facts: body_facts.facts,
            unclosed_markers: body_facts.unclosed_markers,
            index: &index,
        }),
        statics: env.statics,
    };
    let found = check::article(env.config, input);
    diags.extend(found.diagnostics);
    (article, diags, found.ignores)
}

/// The home page intro (`content/_index.md`); front matter is optional there.
pub fn home_intro(source: &Source, env: &Env<'_>, diags: &mut Vec<Diagnostic>) -> HomeIntro {
    let has_fm = source.text.starts_with("---") || source.text.starts_with("+++");
    let (title, body, offset) = if has_fm {
        let mut d = Vec::new();
        match parse(source, &mut d) {
            Some(p) => (Some(p.meta.title), p.body, p.body_offset),
            None => {
                diags.extend(d);
                return HomeIntro::default();
            }
        }
    } else {
        (None, source.text.as_str(), 0)
    };
    let index = LineIndex::new(&source.text);
    let (_, html, _, _) = render_body(env, source, &index, body, offset, Path::new(""), diags);
    HomeIntro { title, html: (!html.trim().is_empty()).then_some(html) }
}

/// What the body's passes found for the per-article checks.
struct BodyFacts {
    facts: Facts,
    unclosed_markers: bool,
}

/// Strip markers → Markdown → strip elements, for one body. Returns the
/// Markdown result, the final HTML, everything that was stripped, and the
/// checks' facts, recorded on the same parse as the HTML.
fn render_body(
    env: &Env<'_>,
    source: &Source,
    index: &LineIndex<'_>,
    body: &str,
    body_offset: usize,
    out_dir: &Path,
    diags: &mut Vec<Diagnostic>,
) -> (markdown::Rendered, String, Vec<Stripped>, BodyFacts) {
    let config = env.config;
    let before = diags.len();
    let stripped =
        strip::strip_markers(body, body_offset, index, &source.path, &config.strip, diags);
    let unclosed_markers = diags.len() > before;
    let ctx = MdContext {
        path: &source.path,
        index,
        body_offset,
        map: &stripped.map,
        urls: env.urls,
        content_dir: &config.content_dir,
        snippet: SnippetContext {
            site_root: env.root,
            content_dir: &config.content_dir,
            article: &source.path,
            bundle_dir: source.bundle_dir.as_deref(),
            out_dir,
            base_path: config.base_path(),
            files: env.files,
            limits: &config.limits,
        },
    };
    let mapper = Mapper { index, body_offset, map: &stripped.map };
    let mut collector = Collector::new(&stripped.body, &mapper);
    let md = markdown::render(&stripped.body, &ctx, diags, &mut |e, r| collector.event(e, r));
    let facts = BodyFacts { facts: collector.finish(), unclosed_markers };
    let page = strip::Page { headings: &md.toc, links: &md.links };
    let (html, elements) = strip::strip_elements(&md.html, &config.strip, page);
    // After stripping, so the sanitizer never sees (or rewrites) ad markup the
    // strip report names; the checks still report what it removes.
    let html = if config.sanitize { crate::sanitize::clean(&html) } else { html };
    let mut removed = stripped.stripped;
    removed.extend(elements);
    (md, html, removed, facts)
}

fn truncate_words(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = &text[..cut];
    let head = head.rfind(' ').map_or(head, |i| &head[..i]);
    format!("{}…", head.trim_end_matches([',', '.', ';', ':']))
}
