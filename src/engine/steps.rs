//! The steps of a run before the bodies and after them, up to the site
//! index: each takes what it reads and the memo it may reuse, and returns
//! what it makes. Findings go to the run's list in the order of the steps,
//! which is the order they had when this was one function.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::cache::{Cache, CACHE_VERSION};
use super::memo::{Memos, Slugged};
use crate::article::{self, Env, Front};
use crate::config::Config;
use crate::diag::{Diagnostic, Location};
use crate::load::{self, Inputs};
use crate::model::Source;
use crate::registry::ids;
use crate::render::{self, HomeIntro, Indexed, Site};

/// What every step of a run reads: the site as loaded, and the config and
/// settings key this run builds with. Passed whole, so a step's signature
/// names only what is its own.
#[derive(Clone, Copy)]
pub(super) struct Run<'a> {
    pub inputs: &'a Inputs,
    pub root: &'a Path,
    pub config: &'a Config,
    /// [`settings_key`] of this run.
    pub settings: u128,
    pub sources: &'a [Arc<Source>],
}

/// The findings of reading the site, which every run reports again.
pub(super) fn input_findings(inputs: &Inputs) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    diags.extend(inputs.config_diags.iter().cloned());
    if let Some((name, text)) = &inputs.config_file {
        diags.extend(crate::check::unknown_check_ids(&inputs.config, name, text));
    }
    diags.extend(inputs.content_diags.iter().cloned());
    diags.extend(inputs.template_diags.iter().cloned());
    diags.extend(inputs.static_diags.iter().cloned());
    diags.extend(inputs.known_diags.iter().cloned());
    diags
}

/// The config as this engine builds with it: the dev server puts its own
/// address in `base_url`. Borrowed unless changed, as most runs don't.
pub(super) fn effective_config<'a>(config: &'a Config, base_url: Option<&str>) -> Cow<'a, Config> {
    match base_url {
        Some(url) => {
            let mut owned = config.clone();
            owned.base_url = url.to_string();
            Cow::Owned(owned)
        }
        None => Cow::Borrowed(config),
    }
}

/// The key of everything an article's results depend on besides its own
/// text: part of every cached entry's key.
pub(super) fn settings_key(inputs: &Inputs, config: &Config, root: &Path) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(CACHE_VERSION.as_bytes());
    h.update(&inputs.config_hash().to_le_bytes());
    h.update(config.base_url.as_bytes());
    h.update(root.as_os_str().as_encoded_bytes());
    h.digest128()
}

/// Step 1: front matter, reused by source hash. The cache's map is updated
/// in place: a save costs the entries that changed, not a new map.
pub(super) fn front_matter(
    run: Run<'_>,
    cache: &mut Cache,
    last_fronts: &mut Vec<(Arc<Source>, Arc<Front>, u128)>,
    diags: &mut Vec<Diagnostic>,
) -> anyhow::Result<Vec<Arc<Front>>> {
    let (sources, config, settings) = (run.sources, run.config, run.settings);
    // The same `Source` (shared, unchanged since it was read) at the same
    // place as in the last run, with the same settings: its front matter
    // is the one of the last run, found without a lookup.
    let last = std::mem::take(last_fronts);
    let unchanged = |i: usize, s: &Arc<Source>| {
        last.get(i).filter(|(ls, _, k)| Arc::ptr_eq(ls, s) && *k == s.hash ^ settings)
    };
    let fronts: Vec<Arc<Front>> = sources
        .par_iter()
        .enumerate()
        .map(|(i, s)| {
            if let Some((_, f, _)) = unchanged(i, s) {
                return Ok(Arc::clone(f));
            }
            Ok(match cache.fronts.get(&s.path) {
                Some((h, f)) if *h == s.hash ^ settings => Arc::clone(f),
                _ => Arc::new(article::front(&*load::with_text(s)?, config)),
            })
        })
        .collect::<anyhow::Result<_>>()?;
    for (i, (s, f)) in sources.iter().zip(&fronts).enumerate() {
        diags.extend(f.diags.iter().cloned());
        if unchanged(i, s).is_some() {
            continue; // in the map as it was
        }
        let key = s.hash ^ settings;
        let same =
            cache.fronts.get(&s.path).is_some_and(|(h, old)| *h == key && Arc::ptr_eq(old, f));
        if !same {
            cache.touch(&s.path);
            cache.fronts.insert(s.path.clone(), (key, Arc::clone(f)));
        }
    }
    if cache.fronts.len() != sources.len() {
        let live: HashSet<&Path> = sources.iter().map(|s| s.path.as_path()).collect();
        let mut dirty = 0;
        cache.fronts.retain(|p, _| {
            let keep = live.contains(p.as_path());
            if !keep {
                dirty |= 1 << super::cache::shard_of(p);
            }
            keep
        });
        cache.dirty |= dirty;
    }
    drop(last);
    *last_fronts = sources
        .iter()
        .zip(&fronts)
        .map(|(s, f)| (Arc::clone(s), Arc::clone(f), s.hash ^ settings))
        .collect();
    Ok(fronts)
}

/// What the slug step makes: the published articles (indices into the
/// sources) and whether any article's URL came, went or changed.
pub(super) struct Published {
    pub items: Vec<usize>,
    pub urls_moved: bool,
}

/// Step 2: slugs and URLs, kept per article while its front matter, bundle
/// and the settings are the same. Collisions are found once the articles left
/// out are known ([`slug_findings`]).
pub(super) fn slugs(
    run: Run<'_>,
    fronts: &[Arc<Front>],
    drafts: bool,
    memo: &mut Memos,
) -> Published {
    let (sources, config, settings) = (run.sources, run.config, run.settings);
    let base = config.base_path().to_string();
    let mut items: Vec<usize> = Vec::with_capacity(sources.len());
    // If no URL moved, every kept body's URL look-ups still give what they
    // gave. (A run that stopped before its bodies were checked leaves this set.)
    let mut urls_moved = !std::mem::take(&mut memo.bodies_checked);
    let slugs = &mut memo.slugs;
    for (i, (source, front)) in sources.iter().zip(fronts).enumerate() {
        let Some(meta) = &front.meta else { continue };
        if meta.draft && !drafts {
            continue;
        }
        let fresh = slugs.get(&source.path).is_some_and(|e| {
            Arc::ptr_eq(&e.front, front)
                && e.bundle_dir == source.bundle_dir
                && e.settings == settings
        });
        if !fresh {
            let slug = crate::slug::slug_for(source, meta);
            let in_content = source.path.strip_prefix(&config.content_dir).unwrap_or(&source.path);
            let section = crate::permalink::section(in_content, source.bundle_dir.is_some());
            let pattern = config.permalink_for(&section);
            let date = meta.date.as_ref();
            let (path, undated) = match crate::permalink::expand(pattern, &slug, date, &section) {
                Ok(path) => (path, false),
                Err(crate::permalink::NeedsDate) => (format!("/{slug}/"), true),
            };
            let url = format!("{base}{path}");
            urls_moved |= slugs.get(&source.path).is_none_or(|e| e.url != url);
            let entry = Slugged {
                front: Arc::clone(front),
                bundle_dir: source.bundle_dir.clone(),
                settings,
                slug,
                url,
                undated,
            };
            slugs.insert(source.path.clone(), entry);
        }
        items.push(i);
    }
    if slugs.len() != items.len() {
        urls_moved = true;
        let live: HashSet<&Path> = items.iter().map(|&i| sources[i].path.as_path()).collect();
        slugs.retain(|p, _| live.contains(p.as_path()));
    }
    Published { items, urls_moved }
}

/// Each published article's slug entry by source index (one lookup per
/// article, for the steps that follow).
pub(super) fn slug_table<'a>(
    sources: &[Arc<Source>],
    items: &[usize],
    slugs: &'a FxHashMap<std::path::PathBuf, Slugged>,
) -> Vec<Option<&'a Slugged>> {
    let mut slug_of: Vec<Option<&Slugged>> = vec![None; sources.len()];
    for &i in items {
        slug_of[i] = slugs.get(&sources[i].path);
    }
    slug_of
}

/// Slug collisions and slugs the site uses itself, among the articles
/// published: one left out (`--skip-broken`) takes no URL, as a draft takes
/// none; two articles at one URL is an error naming both.
pub(super) fn slug_findings(
    sources: &[Arc<Source>],
    fronts: &[Arc<Front>],
    items: &[usize],
    slugs: &FxHashMap<std::path::PathBuf, Slugged>,
    base: &str,
    diags: &mut Vec<Diagnostic>,
) {
    let mut by_slug: HashMap<&str, &Path> = HashMap::with_capacity(items.len());
    for &i in items {
        let source = &sources[i];
        let entry = slugs.get(&source.path).expect("every item has a slug");
        // The page's folder: the slug under the default `/:slug/` pattern.
        let slug = entry.url.strip_prefix(base).unwrap_or(&entry.url).trim_matches('/');
        if entry.undated {
            diags.push(
                Diagnostic::error(
                    ids::SLUG_NEEDS_DATE,
                    Location::file(&source.path),
                    format!(
                        "the permalink pattern of this article's folder uses the date, and it has no `date:`; published at `{}` for now",
                        entry.url
                    ),
                )
                .with_help("add `date:` to the front matter, or give the folder a pattern without `:year`, `:month` or `:day`"),
            );
        }
        // Where the author changes the slug (only looked up for a finding).
        let at = || match &fronts[i].meta {
            Some(meta) => crate::check::front_matter::slug_location(source, meta),
            None => Location::file(&source.path),
        };
        if let Some(other) = by_slug.get(slug) {
            diags.push(
                Diagnostic::error(
                    ids::SLUG_COLLISION,
                    at(),
                    format!(
                        "`{}` and `{}` would both be written to `{slug}/index.html`",
                        other.display(),
                        source.path.display()
                    ),
                )
                .with_help("give one of them a different `slug:` in its front matter"),
            );
        } else if crate::slug::RESERVED_SECTIONS.contains(&slug.split('/').next().unwrap_or(slug)) {
            diags.push(Diagnostic::error(
                ids::SLUG_RESERVED,
                at(),
                format!("the slug `{slug}` is used by the site itself; choose another `slug:`"),
            ));
        } else {
            by_slug.insert(slug, &source.path);
        }
    }
}

/// An article's URL by its source path (every article, colliding ones too).
pub(super) fn url_of<'a>(
    slugs: &'a FxHashMap<std::path::PathBuf, Slugged>,
    p: &Path,
) -> Option<&'a str> {
    slugs.get(p).map(|e| e.url.as_str())
}

/// The output paths of the static files, for the checks that ask whether
/// one is published.
pub(super) fn static_paths(inputs: &Inputs) -> FxHashSet<&Path> {
    inputs.statics.iter().map(|(p, _)| p.as_path()).collect()
}

/// Whether a static file is published at `p`; for the few look-ups made
/// outside the body step, where a set is not worth building.
pub(super) fn is_static(inputs: &Inputs, p: &Path) -> bool {
    inputs.statics.iter().any(|(o, _)| o == p)
}

/// Step 4: the home page's intro (one small page; always redone).
pub(super) fn home(
    run: Run<'_>,
    slugs: &FxHashMap<std::path::PathBuf, Slugged>,
    diags: &mut Vec<Diagnostic>,
) -> HomeIntro {
    let (inputs, root, config) = (run.inputs, run.root, run.config);
    match &inputs.content.home {
        Some(source) => {
            let lookup = |p: &Path| url_of(slugs, p).map(str::to_string);
            let statics = |p: &Path| is_static(inputs, p);
            let env = Env { root, config, urls: &lookup, files: inputs, statics: &statics };
            article::home_intro(source, &env, diags)
        }
        None => HomeIntro::default(),
    }
}

/// The key of what every page depends on: the settings, the templates and
/// whether drafts are in.
fn page_settings(settings: u128, templates_hash: u128, drafts: bool) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&settings.to_le_bytes());
    h.update(&templates_hash.to_le_bytes());
    h.update(&[u8::from(drafts)]);
    h.digest128()
}

/// The compiled templates, kept while their texts and folder are the same.
pub(super) fn templates(
    inputs: &Inputs,
    config: &Config,
    memo: &mut Option<(u128, Arc<tera::Tera>, Vec<Diagnostic>)>,
    diags: &mut Vec<Diagnostic>,
) -> Arc<tera::Tera> {
    let templates_hash = inputs.templates_hash()
        ^ crate::fingerprint::hash(config.templates_dir.as_os_str().as_encoded_bytes());
    match memo {
        Some((h, t, d)) if *h == templates_hash => {
            diags.extend(d.iter().cloned());
            Arc::clone(t)
        }
        _ => {
            let mut d = Vec::new();
            let t = Arc::new(render::templates(&inputs.templates, config, &mut d));
            diags.extend(d.iter().cloned());
            *memo = Some((templates_hash, Arc::clone(&t), d));
            t
        }
    }
}

/// Step 5a: the site index, rebuilt whole each run (it is small). The last
/// run's related articles are reused while what they were made from holds.
pub(super) fn site<'a>(
    run: Run<'a>,
    indexed: &'a [Arc<Indexed>],
    home: &'a HomeIntro,
    drafts: bool,
    theme: &mut Option<(u128, crate::assets::Theme)>,
    related: Option<Arc<render::Related>>,
) -> Site<'a> {
    let (inputs, config) = (run.inputs, run.config);
    let page_settings = page_settings(run.settings, inputs.templates_hash(), drafts);
    Site::new(config, indexed, home, page_settings, &inputs.statics, &inputs.content.stamps, theme)
        .with_previous_related(related)
}

/// Step 5: the site index and every output as a unit; long lists that must
/// be made are rendered ahead, as their pages are split by what they hold.
pub(super) fn units(
    site: &Site<'_>,
    tera: &tera::Tera,
    previous: &crate::write::Files,
    page_findings: &super::cache::PageFindings,
    check_only: bool,
    diags: &mut Vec<Diagnostic>,
) -> Vec<render::Unit> {
    let mut units = render::plan(site, diags);
    let needed =
        |u: &render::Unit| super::output::must_render(u, previous, page_findings, check_only);
    render::render_long_lists(site, tera, &mut units, &needed);
    units
}

/// Step 6: the search index's units, patched from the last run's word lists
/// (dropped at once in a one-shot run).
pub(super) fn search(
    site: &Site<'_>,
    previous: &crate::write::Files,
    postings: &mut crate::search::Postings,
    one_shot: bool,
    units: &mut Vec<render::Unit>,
) {
    render::plan_search(site, previous, postings, units);
    if one_shot {
        // ~60 MB at 10,000 articles, freed before pages are rendered.
        *postings = crate::search::Postings::default();
    }
}

/// The output path of every unit.
pub(super) fn unit_paths(units: &[render::Unit]) -> FxHashSet<&Path> {
    units.iter().map(|u| u.path.as_path()).collect()
}

/// The articles as the site-wide checks read them, in index order.
pub(super) fn articles(indexed: &[Arc<Indexed>]) -> Vec<&crate::model::Article> {
    indexed.iter().map(|x| &*x.article).collect()
}
