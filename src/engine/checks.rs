//! Steps 7 and 8: the site-wide checks on the index (internal links,
//! external links, duplicate titles) and what the final pass over every
//! finding needs (suppression comments and the texts they are in).

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use super::cache::{Bodies, Fronts};
use super::memo::{link_targets, LinksMemo, Slugged};
use super::steps::Run;
use super::{EngineOptions, ExternalLinks};
use crate::article::Front;
use crate::check::facts::{Ignore, LinkFact};
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::load;
use crate::model::{Article, BuildStats, Source, StrippedKind};
use crate::render::{Indexed, Unit};

/// Sources whose front matter failed, with the links of their bodies: the
/// link checks read those bodies alone.
pub(super) fn failed_fronts<'a>(
    sources: &'a [Arc<Source>],
    fronts: &[Arc<Front>],
) -> Vec<(&'a Source, Vec<LinkFact>)> {
    sources
        .iter()
        .zip(fronts)
        .filter(|(_, f)| f.meta.is_none())
        .map(|(s, f)| (&**s, f.body_links.clone()))
        .collect()
}

/// The key of what any link can land on: the base path, every published
/// path and every article's URL and heading ids.
pub(super) fn links_global(config: &Config, units: &[Unit], indexed: &[Arc<Indexed>]) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(config.base_path().as_bytes());
    h.update(&[0]);
    for u in units {
        let p = u.path.as_os_str().as_encoded_bytes();
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p);
    }
    for x in indexed {
        h.update(&x.anchors_key.to_le_bytes());
    }
    h.digest128()
}

/// The articles whose link findings must be made again when the rest can be
/// kept from `memo`: those whose links changed, and those they link into by
/// anchor. `None`: check the whole site.
pub(super) fn links_to_recheck(
    memo: Option<&LinksMemo>,
    global: u128,
    indexed: &[Arc<Indexed>],
) -> Option<Vec<usize>> {
    let m = memo?;
    let same_site = m.global == global
        && m.per.len() == indexed.len()
        && m.per.iter().zip(indexed).all(|(p, x)| p.0 == x.article.source);
    if !same_site {
        return None;
    }
    let changed: Vec<usize> =
        (0..indexed.len()).filter(|&i| m.per[i].1 != indexed[i].links_key).collect();
    let mut subset = changed.clone();
    let mut by_slug: Option<HashMap<&str, Vec<usize>>> = None;
    let mut known = true;
    for &i in &changed {
        let by_slug = by_slug.get_or_insert_with(|| {
            let mut map: HashMap<&str, Vec<usize>> = HashMap::new();
            for (k, x) in indexed.iter().enumerate() {
                map.entry(x.article.slug.as_str()).or_default().push(k);
            }
            map
        });
        known &= link_targets(&indexed[i].article.links, by_slug, &mut subset);
    }
    subset.sort_unstable();
    subset.dedup();
    known.then_some(subset)
}

/// What the link check reads.
pub(super) struct LinkInputs<'a> {
    pub config: &'a Config,
    pub indexed: &'a [Arc<Indexed>],
    pub arts: &'a [&'a Article],
    pub failed: &'a [(&'a Source, Vec<LinkFact>)],
    pub slugs: &'a FxHashMap<PathBuf, Slugged>,
    pub files: &'a FxHashSet<&'a Path>,
    pub units: &'a [Unit],
}

/// Step 7: internal links and anchors, per article, kept in `memo` while
/// what they can land on is the same.
pub(super) fn links(l: &LinkInputs<'_>, memo: &mut Option<LinksMemo>, diags: &mut Vec<Diagnostic>) {
    let (config, indexed, failed) = (l.config, l.indexed, l.failed);
    // Only the links of bodies whose front matter failed are looked up here.
    let url_map: HashMap<&Path, &str> = if failed.is_empty() {
        HashMap::new()
    } else {
        l.slugs.iter().map(|(p, e)| (p.as_path(), e.url.as_str())).collect()
    };
    let global = links_global(config, l.units, indexed);
    let partial =
        if failed.is_empty() { links_to_recheck(memo.as_ref(), global, indexed) } else { None };
    match partial {
        Some(subset) => {
            let memo = memo.as_mut().expect("checked above");
            if !subset.is_empty() {
                let some: Vec<&Article> = subset.iter().map(|&i| l.arts[i]).collect();
                let found = crate::check::links::check(config, &some, &[], &url_map, l.files);
                let mut by_source: HashMap<PathBuf, Vec<Diagnostic>> = HashMap::new();
                for d in found {
                    by_source.entry(d.location.path.clone()).or_default().push(d);
                }
                for (i, x) in indexed.iter().enumerate() {
                    if memo.per[i].1 != x.links_key {
                        memo.per[i].1 = x.links_key;
                        memo.per[i].2 =
                            by_source.remove(x.article.source.as_path()).unwrap_or_default();
                    }
                }
            }
            for (_, _, found) in &memo.per {
                diags.extend(found.iter().cloned());
            }
        }
        None => {
            let found = crate::check::links::check(config, l.arts, failed, &url_map, l.files);
            if failed.is_empty() {
                let mut by_source: HashMap<&Path, Vec<Diagnostic>> = HashMap::new();
                for d in &found {
                    by_source.entry(d.location.path.as_path()).or_default().push(d.clone());
                }
                let per = indexed
                    .iter()
                    .map(|x| {
                        let p = x.article.source.as_path();
                        (p.to_path_buf(), x.links_key, by_source.remove(p).unwrap_or_default())
                    })
                    .collect();
                // Every finding belongs to an article: else nothing is kept.
                *memo = by_source.is_empty().then_some(LinksMemo { global, per });
            } else {
                *memo = None;
            }
            diags.extend(found);
        }
    }
}

/// Whether this run checks external links.
pub(super) fn external_on(external: ExternalLinks, config: &Config) -> bool {
    match external {
        ExternalLinks::Off => false,
        ExternalLinks::FromConfig => config.check.external,
        ExternalLinks::On => true,
    }
}

/// Step 7b: external links over the network, when on.
pub(super) fn external(
    on: bool,
    l: &LinkInputs<'_>,
    cache_dir: Option<&Path>,
    notes: &mut Vec<String>,
    diags: &mut Vec<Diagnostic>,
) -> Option<crate::check::external::Stats> {
    if !on {
        return None;
    }
    let (found, stats) =
        crate::check::external::check(l.config, l.arts, l.failed, cache_dir, notes);
    diags.extend(found);
    Some(stats)
}

/// What the link checks leave for later steps: how the external check went,
/// and which checks did not run (their suppressions are not unused).
pub(super) struct LinkChecks {
    pub external: Option<crate::check::external::Stats>,
    pub not_run: &'static [crate::registry::CheckId],
}

/// Step 7: internal links (7a), then external ones when they are on (7b).
pub(super) fn site_links(
    l: &LinkInputs<'_>,
    opts: &EngineOptions,
    memo: &mut Option<LinksMemo>,
    notes: &mut Vec<String>,
    diags: &mut Vec<Diagnostic>,
) -> LinkChecks {
    links(l, memo, diags);
    let external_on = external_on(opts.external, l.config);
    let cache_dir = opts.cache_dir.as_deref();
    let external_stats = external(external_on, l, cache_dir, notes, diags);
    let not_run: &[crate::registry::CheckId] =
        if external_on { &[] } else { crate::check::external::IDS };
    LinkChecks { external: external_stats, not_run }
}

/// The duplicate-title findings are a function of every article's (path,
/// title), hashed here, and of the text of the articles they name (for the
/// line of `title:`).
fn titles_base(indexed: &[Arc<Indexed>]) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for x in indexed {
        let a = &x.article;
        let p = a.source.as_os_str().as_encoded_bytes();
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p);
        h.update(&(a.meta.title.len() as u64).to_le_bytes());
        h.update(a.meta.title.as_bytes());
    }
    h.digest128()
}

fn titles_key(base: u128, fronts: &Fronts, members: &[PathBuf]) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&base.to_le_bytes());
    for m in members {
        h.update(&fronts.get(m).map_or(0, |f| f.0).to_le_bytes());
    }
    h.digest128()
}

/// Step 8: duplicate titles, kept while their key is the same.
pub(super) fn duplicate_titles(
    run: Run<'_>,
    indexed: &[Arc<Indexed>],
    arts: &[&Article],
    fronts: &Fronts,
    memo: &mut Option<(u128, Vec<PathBuf>, Vec<Diagnostic>)>,
    diags: &mut Vec<Diagnostic>,
) {
    let base = titles_base(indexed);
    match memo {
        Some((key, members, found)) if *key == titles_key(base, fronts, members) => {
            diags.extend(found.iter().cloned());
        }
        _ => {
            let mut found = Vec::new();
            crate::check::front_matter::duplicate_titles(run.sources, arts, &mut found);
            let mut members: Vec<PathBuf> = found.iter().map(|d| d.location.path.clone()).collect();
            members.sort();
            members.dedup();
            diags.extend(found.iter().cloned());
            *memo = Some((titles_key(base, fronts, &members), members, found));
        }
    }
}

/// The `inkproof-ignore` comments of every file, from its front matter and
/// its body result.
pub(super) fn ignores(
    sources: &[Arc<Source>],
    fronts: &[Arc<Front>],
    bodies: &Bodies,
) -> HashMap<PathBuf, Vec<Ignore>> {
    let mut ignores: HashMap<PathBuf, Vec<Ignore>> = HashMap::new();
    for (s, f) in sources.iter().zip(fronts) {
        if !f.ignores.is_empty() {
            ignores.insert(s.path.clone(), f.ignores.clone());
        }
    }
    for (p, b) in bodies {
        if !b.ignores.is_empty() {
            ignores.insert(p.clone(), b.ignores.clone());
        }
    }
    ignores
}

/// The texts of the files with suppression comments, and only those (an
/// article's text may have been released).
pub(super) fn suppression_texts<'a>(
    sources: &'a [Arc<Source>],
    ignores: &HashMap<PathBuf, Vec<Ignore>>,
) -> HashMap<&'a Path, Cow<'a, str>> {
    if ignores.is_empty() {
        return HashMap::new();
    }
    sources
        .iter()
        .filter(|s| ignores.contains_key(&s.path))
        .filter_map(|s| Some((s.path.as_path(), load::text_of(s)?)))
        .collect()
}

/// The counts of the index a report starts with.
pub(super) fn index_stats(indexed: &[Arc<Indexed>]) -> BuildStats {
    let mut stats = BuildStats {
        articles: indexed.iter().filter(|a| a.article.is_dated()).count(),
        pages: indexed.len(),
        ..BuildStats::default()
    };
    for x in indexed {
        for s in &x.article.stripped {
            match s.kind {
                StrippedKind::Block => stats.stripped_blocks += 1,
                StrippedKind::Element => stats.stripped_elements += 1,
                StrippedKind::Unwrapped => stats.unwrapped_links += 1,
                StrippedKind::Pointed => stats.pointed_links += 1,
            }
        }
    }
    stats
}
