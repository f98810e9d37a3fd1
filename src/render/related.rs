//! Related articles and the members of each tag and category: what follows from the dated order and the terms alone.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

use super::site::Site;

/// What follows from the dated order and each dated article's terms alone:
/// the related articles of every article (by index; empty for undated ones)
/// and the members of every tag and category. A save that changes neither
/// (most edits) reuses them.
#[derive(Debug, Default)]
pub struct Related {
    pub(super) key: u128,
    pub(super) of: Vec<Vec<usize>>,
    /// Tags, then categories: by slug, the term's name and its articles
    /// (newest first).
    pub(super) terms: [BTreeMap<String, (String, Vec<usize>)>; 2],
}

impl Related {
    pub(super) fn of(&self, i: usize) -> &[usize] {
        self.of.get(i).map_or(&[][..], Vec::as_slice)
    }
}

/// Each tag's (or category's) name and articles, newest first, by slug.
pub(super) fn term_members(site: &Site<'_>, tags: bool) -> BTreeMap<String, (String, Vec<usize>)> {
    let mut terms: BTreeMap<String, (String, Vec<usize>)> = BTreeMap::new();
    for &i in &site.dated {
        let x = &site.articles[i];
        let a = &x.article;
        let (names, slugs) = if tags {
            (&a.meta.tags, &x.tag_slugs)
        } else {
            (&a.meta.categories, &x.category_slugs)
        };
        for (name, slug) in names.iter().zip(slugs) {
            if slug.is_empty() {
                continue;
            }
            let entry = match terms.get_mut(slug.as_str()) {
                Some(e) => e,
                None => terms.entry(slug.clone()).or_insert_with(|| (name.clone(), Vec::new())),
            };
            // `windows 11` and `Windows-11` on one article: list it once.
            if entry.1.last() != Some(&i) {
                entry.1.push(i);
            }
        }
    }
    terms
}

/// Up to [`RELATED`] dated articles sharing the most tags and categories with
/// each dated article; ties go to the nearest in date, then the newer.
/// Counted through a window of each term's member list (see
/// [`RELATED_WINDOW`]), so the cost follows the number of (article, term)
/// pairs, not the square of the site.
pub(super) fn related(site: &Site<'_>) -> Vec<Vec<usize>> {
    // Terms as numbers (tag or category, by slug), so counting shared terms
    // compares integers.
    let mut ids: HashMap<(bool, &str), u32> = HashMap::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    let mut terms_of: Vec<Vec<u32>> = vec![Vec::new(); site.articles.len()];
    for &i in &site.dated {
        let x = &site.articles[i];
        let mut mine: Vec<u32> = x
            .tag_slugs
            .iter()
            .map(|s| (true, s.as_str()))
            .chain(x.category_slugs.iter().map(|s| (false, s.as_str())))
            .filter(|(_, s)| !s.is_empty())
            .map(|k| {
                let next = ids.len() as u32;
                *ids.entry(k).or_insert(next)
            })
            .collect();
        mine.sort_unstable();
        mine.dedup();
        members.resize_with(ids.len(), Vec::new);
        for &t in &mine {
            members[t as usize].push(i);
        }
        terms_of[i] = mine;
    }
    // Date positions by article index: looked up millions of times below.
    let pos = &site.position;
    site.dated
        .par_iter()
        .map_init(
            || vec![false; site.articles.len()],
            |seen, &i| {
                let mut touched = Vec::new();
                let here = pos[i];
                for &t in &terms_of[i] {
                    // Members are in date order: the window around this
                    // article is the nearest in time.
                    let list = &members[t as usize];
                    let at = list.partition_point(|&j| pos[j] < here);
                    let window = &list
                        [at.saturating_sub(RELATED_WINDOW)..(at + RELATED_WINDOW).min(list.len())];
                    for &j in window {
                        if j != i && !seen[j] {
                            seen[j] = true;
                            touched.push(j);
                        }
                    }
                }
                // A candidate's count is exact (all shared terms, not only
                // those whose window it was in): an article sharing a rare
                // tag and a big category counts both, however far in time.
                let mine = &terms_of[i];
                let mut best: Vec<(u32, usize, usize, usize)> = touched
                    .iter()
                    .map(|&j| {
                        let there = pos[j];
                        (shared_count(mine, &terms_of[j]), here.abs_diff(there), there, j)
                    })
                    .collect();
                for &j in &touched {
                    seen[j] = false;
                }
                let cmp = |a: &(u32, usize, usize, usize), b: &(u32, usize, usize, usize)| {
                    b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2))
                };
                if best.len() > RELATED {
                    best.select_nth_unstable_by(RELATED - 1, cmp);
                    best.truncate(RELATED);
                }
                best.sort_by(cmp);
                // A new list, not `into_iter().map().collect()`: that reuses
                // the candidates' allocation (hundreds of 32-byte entries)
                // for a few indices, ~3.6 KB kept per article (36 MB at 10,000).
                let mut of = Vec::with_capacity(best.len());
                of.extend(best.iter().map(|b| b.3));
                (i, of)
            },
        )
        .collect::<Vec<_>>()
        .into_iter()
        .fold(vec![Vec::new(); site.articles.len()], |mut of, (i, r)| {
            of[i] = r;
            of
        })
}

/// How many terms two sorted, deduplicated term lists have in common.
fn shared_count(a: &[u32], b: &[u32]) -> u32 {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// How many related articles a page lists.
const RELATED: usize = 3;
/// Per shared tag or category, only this many articles on each side in time
/// are candidates. Without the bound the work is quadratic where a category
/// holds most of the site (10,000 articles in 8 categories took seconds on
/// every build); with it the only article missed is one whose every shared
/// term has over this many articles between it and this one in time.
const RELATED_WINDOW: usize = 16;
