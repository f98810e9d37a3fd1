//! The build, as named stages called in order:
//! `config → load → front_matter → (slugs) → strip → markdown → strip → render → check`.
//! Everything stays in memory; the caller decides whether to [`write`](crate::write)
//! (only when there are no errors, so a bad edit never replaces a good site).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use crate::config::Config;
use crate::diag::{self, Diagnostic, LineIndex, Location, Severity};
use crate::front_matter::{self, Parsed};
use crate::markdown::{self, MdContext};
use crate::model::{Article, Build, FrontMatter, Source, Stripped, StrippedKind};
use crate::render::{self, HomeIntro};
use crate::slug::{slugify, strip_date_prefix};
use crate::snippet::SnippetContext;
use crate::{check, load, strip};

/// What to build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Site root (holds `content/`, `templates/`, `static/`, `inkproof.yaml`).
    pub root: PathBuf,
    /// Include articles with `draft: true`.
    pub drafts: bool,
    /// Override `base_url` from the config (the dev server uses its own address).
    pub base_url: Option<String>,
}

/// Progress events for a progress bar; the library itself never draws.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    /// Rendering starts for this many articles.
    Start(usize),
    /// One more article rendered.
    Article,
    Done,
}

/// Runs the whole pipeline. `Err` only when the tool can't go on (unreadable
/// root); problems in the site are in `Build::diagnostics`.
pub fn build(
    opts: &BuildOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> anyhow::Result<(Config, Build)> {
    let started = Instant::now();
    let root = opts.root.as_path();
    let mut diags: Vec<Diagnostic> = Vec::new();

    let mut config = crate::config::load(root, &mut diags)?;
    if let Some(url) = &opts.base_url {
        config.base_url.clone_from(url);
    }
    let loaded = load::sources(root, &config.content_dir, &mut diags)?;

    // Parse front matter (parallel), keep diagnostics of every file.
    let parsed: Vec<(Option<Parsed<'_>>, Vec<Diagnostic>)> = loaded
        .sources
        .par_iter()
        .map(|s| {
            let mut d = Vec::new();
            let p = front_matter::parse(&s.path, &s.text, &mut d);
            (p, d)
        })
        .collect();
    let mut items: Vec<(&Source, Parsed<'_>)> = Vec::new();
    for (source, (p, d)) in loaded.sources.iter().zip(parsed) {
        diags.extend(d);
        if let Some(p) = p {
            if p.meta.draft && !opts.drafts {
                continue;
            }
            items.push((source, p));
        }
    }

    // Slugs and URLs; two articles at one URL is an error naming both.
    let base = config.base_path().to_string();
    let mut by_slug: HashMap<String, &Path> = HashMap::new();
    let mut urls: HashMap<PathBuf, String> = HashMap::new();
    let mut slugs: Vec<String> = Vec::with_capacity(items.len());
    for (source, p) in &items {
        let slug = article_slug(source, &p.meta);
        if let Some(other) = by_slug.get(&slug) {
            diags.push(
                Diagnostic::error(
                    "slug/collision",
                    Location::file(&source.path),
                    format!(
                        "`{}` and `{}` would both be written to `{slug}/index.html`",
                        other.display(),
                        source.path.display()
                    ),
                )
                .with_help("give one of them a different `slug:` in its front matter"),
            );
        } else if RESERVED.contains(&slug.as_str()) {
            diags.push(Diagnostic::error(
                "slug/reserved",
                Location::file(&source.path),
                format!("the slug `{slug}` is used by the site itself; choose another `slug:`"),
            ));
        } else {
            by_slug.insert(slug.clone(), &source.path);
        }
        urls.insert(source.path.clone(), format!("{base}/{slug}/"));
        slugs.push(slug);
    }

    // Strip, render Markdown, strip elements: one article per task.
    progress(Progress::Start(items.len()));
    let rendered: Vec<(Article, Vec<Diagnostic>)> = items
        .par_iter()
        .zip(slugs.par_iter())
        .map(|((source, p), slug)| {
            let mut d = Vec::new();
            let a = article(root, &config, source, p, slug, &urls, &mut d);
            progress(Progress::Article);
            (a, d)
        })
        .collect();
    let mut articles = Vec::with_capacity(rendered.len());
    for (a, d) in rendered {
        diags.extend(d);
        articles.push(a);
    }
    progress(Progress::Done);

    let home = home_intro(root, &config, loaded.home.as_ref(), &urls, &mut diags);
    let tera = render::templates(root, &config, &mut diags);
    let outputs = render::site(root, &config, &tera, &articles, &home, &mut diags);
    let mut diags = check::run(&config, &loaded.sources, &articles, &outputs, diags);
    diag::sort(&mut diags);

    let mut snippet_deps: std::collections::BTreeMap<PathBuf, Vec<PathBuf>> = Default::default();
    for a in &articles {
        for s in &a.snippets {
            let users = snippet_deps.entry(s.source.clone()).or_default();
            if !users.contains(&a.source) {
                users.push(a.source.clone());
            }
        }
    }
    let mut build = Build { outputs, snippet_deps, ..Build::default() };
    build.stats.articles = articles.iter().filter(|a| a.is_dated()).count();
    build.stats.pages = articles.len();
    build.stats.files_written = build.outputs.len();
    for a in &articles {
        for s in &a.stripped {
            match s.kind {
                StrippedKind::Block => build.stats.stripped_blocks += 1,
                StrippedKind::Element => build.stats.stripped_elements += 1,
            }
        }
    }
    build.stats.errors = diags.iter().filter(|d| d.severity == Severity::Error).count();
    build.stats.warnings = diags.len() - build.stats.errors;
    build.diagnostics = diags;
    build.articles = articles;
    build.stats.elapsed_ms = started.elapsed().as_millis();
    Ok((config, build))
}

/// Output folders the site itself uses; an article can't take these slugs.
const RESERVED: &[&str] = &["tags", "categories", "snippets", "search"];

fn article_slug(source: &Source, meta: &FrontMatter) -> String {
    let from_name = || {
        let name = match &source.bundle_dir {
            Some(dir) => dir.file_name(),
            None => source.path.file_stem(),
        };
        let name = name.map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        slugify(strip_date_prefix(&name))
    };
    let slug =
        meta.slug.as_deref().map(slugify).filter(|s| !s.is_empty()).unwrap_or_else(from_name);
    if slug.is_empty() {
        slugify(&meta.title)
    } else {
        slug
    }
}

fn article(
    root: &Path,
    config: &Config,
    source: &Source,
    p: &Parsed<'_>,
    slug: &str,
    urls: &HashMap<PathBuf, String>,
    diags: &mut Vec<Diagnostic>,
) -> Article {
    let out_dir = PathBuf::from(slug);
    let (md, html, removed) =
        render_body(root, config, source, p.body, p.body_offset, &out_dir, urls, diags);
    let summary = p
        .meta
        .excerpt
        .clone()
        .or_else(|| p.meta.description.clone())
        .unwrap_or_else(|| truncate_words(&md.first_paragraph, 200));
    let assets = match &source.bundle_dir {
        Some(_) => {
            let dir = source.abs_path.parent().unwrap_or(root);
            source.assets.iter().map(|a| (dir.join(a), out_dir.join(a))).collect()
        }
        None => Vec::new(),
    };
    Article {
        source: source.path.clone(),
        meta: p.meta.clone(),
        slug: slug.to_string(),
        url: urls.get(&source.path).cloned().unwrap_or_default(),
        html,
        toc: md.toc,
        summary,
        word_count: md.word_count,
        links: md.links,
        stripped: removed,
        assets,
        snippets: md.snippets,
    }
}

fn home_intro(
    root: &Path,
    config: &Config,
    home: Option<&Source>,
    urls: &HashMap<PathBuf, String>,
    diags: &mut Vec<Diagnostic>,
) -> HomeIntro {
    let Some(source) = home else { return HomeIntro::default() };
    // The intro may skip front matter entirely; then the whole file is the intro.
    let has_fm = source.text.starts_with("---") || source.text.starts_with("+++");
    let (title, body, offset) = if has_fm {
        let mut d = Vec::new();
        match front_matter::parse(&source.path, &source.text, &mut d) {
            Some(p) => (Some(p.meta.title), p.body, p.body_offset),
            None => {
                diags.extend(d);
                return HomeIntro::default();
            }
        }
    } else {
        (None, source.text.as_str(), 0)
    };
    let (_, html, _) = render_body(root, config, source, body, offset, Path::new(""), urls, diags);
    HomeIntro { title, html: (!html.trim().is_empty()).then_some(html) }
}

/// Strip markers → Markdown → strip elements, for one body. Returns the
/// Markdown result, the final HTML and everything that was stripped.
#[allow(clippy::too_many_arguments)]
fn render_body(
    root: &Path,
    config: &Config,
    source: &Source,
    body: &str,
    body_offset: usize,
    out_dir: &Path,
    urls: &HashMap<PathBuf, String>,
    diags: &mut Vec<Diagnostic>,
) -> (markdown::Rendered, String, Vec<Stripped>) {
    let index = LineIndex::new(&source.text);
    let stripped =
        strip::strip_markers(body, body_offset, &index, &source.path, &config.strip, diags);
    let ctx = MdContext {
        path: &source.path,
        index: &index,
        body_offset,
        map: &stripped.map,
        urls,
        content_dir: &config.content_dir,
        snippet: SnippetContext {
            site_root: root,
            content_dir: &config.content_dir,
            article: &source.path,
            bundle_dir: source.bundle_dir.as_deref(),
            out_dir,
            base_path: config.base_path(),
        },
    };
    let md = markdown::render(&stripped.body, &ctx, diags);
    let (html, elements) = strip::strip_elements(&md.html, &config.strip);
    let mut removed = stripped.stripped;
    removed.extend(elements);
    (md, html, removed)
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
