//! The units of the chunked full-text index, patched from the last run's word lists.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use xxhash_rust::xxh3::Xxh3;

use super::indexed::search_doc;
use super::site::Site;
use super::unit::{Job, Unit};
use crate::search::{self, DocWords};

/// Adds the units of the chunked full-text index: each file a unit whose
/// bytes are its key, except `meta.json`, keyed by everything the index
/// reads. Apart from [`plan`](super::plan) so a run can time it (it is the one site-wide
/// output whose cost grows with every word of every article).
pub fn plan_search(
    site: &Site<'_>,
    previous: &crate::write::Files,
    postings: &mut search::Postings,
    units: &mut Vec<Unit>,
) {
    if !site.config.search {
        return;
    }
    // `previous` has the keys of the last build's outputs (path → key, bytes
    // hash): the index's files are listed from it when nothing the index
    // reads changed.
    let search_key = {
        let mut h = Xxh3::new();
        h.update(b"search-index");
        for x in site.articles {
            h.update(&x.search_key.to_le_bytes());
        }
        h.digest128()
    };
    let meta_path = Path::new(search::DIR).join("meta.json");
    if previous.get(&meta_path).is_some_and(|(k, _)| *k == search_key) {
        // Nothing the index reads changed: its files stay as the last build
        // made them, and the words of 10,000 articles are not grouped again.
        for (path, (key, _)) in previous.iter().filter(|(p, _)| p.starts_with(search::DIR)) {
            units.push(Unit {
                path: path.clone(),
                key: *key,
                job: Job::Unchanged,
                source: PathBuf::new(),
            });
        }
    } else {
        let docs: Vec<(u128, &Arc<DocWords>)> =
            site.articles.iter().map(|x| (x.search_key, &x.body_facts.words)).collect();
        postings.update(&docs);
        // Made when a chunk of them is, not kept per article: only the index
        // reads them.
        let doc = |i: usize| search_doc(&site.articles[i].article);
        let keys: Vec<u128> = site.articles.iter().map(|x| x.search_key).collect();
        let mut files = postings.files_since(&doc, &keys);
        // A file made last time is kept only if the last build's output
        // has it; else (a new output folder) every file is made again.
        let kept = |f: &search::IndexFile| {
            f.bytes.is_some() || previous.get(&f.path).is_some_and(|(k, _)| *k == f.hash)
        };
        if !files.iter().all(kept) {
            postings.forget_files();
            files = postings.files_since(&doc, &keys);
        }
        for f in files {
            // `meta.json` carries the key of the whole index, which is what
            // lets the next build know the rest is unchanged.
            let key = if f.path == meta_path { search_key } else { f.hash };
            let job = match f.bytes {
                Some(bytes) => Job::Bytes(bytes),
                None => Job::Unchanged,
            };
            units.push(Unit { path: f.path, key, job, source: PathBuf::new() });
        }
    }
}
