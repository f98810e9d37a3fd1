//! Figures for the full-text search index (issue 8): builds a site in memory,
//! indexes it with `search::index`, and reports the index's size and the bytes
//! a reader's browser fetches per query, following `static/search.js`.
//!
//! `cargo run --release --example search_figures -- DIR [QUERY…]`
//! (a site root, e.g. one written by `inkproof gen-corpus --n 1000 --out DIR`).
//! With `SEARCH_WRITE=OUT` the index files are also written under `OUT`.
//! `search_figures --built OUT [QUERY…]` reads the index a build published
//! under `OUT/search/idx` instead of building the site again.
#![allow(clippy::print_stdout)]

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use inkproof::model::Output;
use inkproof::search::{self, SearchDoc};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let first = args.next().expect("usage: search_figures DIR [QUERY…] | --built OUT [QUERY…]");
    if first == "--built" {
        let out = PathBuf::from(args.next().expect("--built OUT"));
        let mut files = Vec::new();
        for e in walkdir::WalkDir::new(out.join(search::DIR)) {
            let e = e?;
            if e.file_type().is_file() {
                files.push((e.path().strip_prefix(&out)?.to_path_buf(), std::fs::read(e.path())?));
            }
        }
        let docs = serde_json::from_slice::<serde_json::Value>(
            &files.iter().find(|(p, _)| p.ends_with("meta.json")).expect("meta.json").1,
        )?["docs"]
            .as_u64()
            .unwrap_or(0);
        println!("articles: {docs}");
        report(&files, args.collect());
        return Ok(());
    }
    let root = PathBuf::from(first);
    let queries: Vec<String> = args.collect();
    let opts = inkproof::BuildOptions { root, ..Default::default() };
    let (_, build) = inkproof::build(&opts)?;
    let docs: Vec<SearchDoc> = build
        .articles
        .iter()
        .map(|a| SearchDoc { html: a.html.clone(), ..inkproof::render::search_doc(a) })
        .collect();
    let started = std::time::Instant::now();
    let files = search::index(&docs);
    let took = started.elapsed();
    // SEARCH_WRITE=DIR also writes the files under DIR (a built site), to try
    // the reader's side before the build publishes the index itself.
    if let Some(out) = std::env::var_os("SEARCH_WRITE") {
        for (path, bytes) in &files {
            let target = PathBuf::from(&out).join(path);
            std::fs::create_dir_all(target.parent().unwrap())?;
            std::fs::write(target, bytes)?;
        }
    }
    let old = build.outputs.iter().find_map(|o| match o {
        Output::Bytes { path, bytes } if path.as_os_str() == "search.json" => Some(bytes.len()),
        _ => None,
    });
    println!("articles: {}", docs.len());
    println!("index built in {took:.0?}");
    if let Some(old) = old {
        println!("old search.json (fetched whole by every search): {:.1} KB", old as f64 / 1024.0);
    }
    report(&files, queries);
    Ok(())
}

/// Sizes of the index `files`, then what each query fetches, following `static/search.js`.
fn report(files: &[(PathBuf, Vec<u8>)], mut queries: Vec<String>) {
    let bytes: HashMap<String, usize> =
        files.iter().map(|(p, b)| (p.to_string_lossy().replace('\\', "/"), b.len())).collect();
    let total: usize = bytes.values().sum();
    let words = files.iter().filter(|(p, _)| p.to_string_lossy().contains("/w/")).count();
    let biggest = files
        .iter()
        .filter(|(p, _)| p.to_string_lossy().contains("/w/"))
        .map(|(_, b)| b.len())
        .max()
        .unwrap_or(0);
    println!(
        "index: {} files, {:.1} MB in all ({} word chunks, biggest {:.1} KB)",
        files.len(),
        total as f64 / 1e6,
        words,
        biggest as f64 / 1024.0,
    );
    println!("meta.json: {:.1} KB", bytes[&format!("{}/meta.json", search::DIR)] as f64 / 1024.0);

    let parsed: HashMap<String, serde_json::Value> = files
        .iter()
        .filter(|(p, _)| p.to_string_lossy().contains("/w/") || p.ends_with("meta.json"))
        .map(|(p, b)| (p.to_string_lossy().replace('\\', "/"), serde_json::from_slice(b).unwrap()))
        .collect();
    let meta = &parsed[&format!("{}/meta.json", search::DIR)];
    let keys: Vec<String> = serde_json::from_value(meta["keys"].clone()).expect("keys");
    let per: usize = meta["docs_per_chunk"].as_u64().unwrap_or(10) as usize;
    if queries.is_empty() {
        queries = ["firmware", "disk cleanup", "tmutil listbackups", "headset glitch", "zzqx"]
            .map(String::from)
            .to_vec();
    }
    for q in &queries {
        let words: Vec<String> = search::words_of(q).collect();
        let mut fetched = bytes[&format!("{}/meta.json", search::DIR)];
        let mut total: Option<BTreeMap<u64, f64>> = None;
        for w in &words {
            let exact = keys.iter().filter(|k| w.starts_with(k.as_str())).max_by_key(|k| k.len());
            let mut longer: Vec<&String> =
                keys.iter().filter(|k| k.len() > w.len() && k.starts_with(w.as_str())).collect();
            if longer.len() > 6 {
                longer.clear();
            }
            let mut best: BTreeMap<u64, f64> = BTreeMap::new();
            for key in exact.into_iter().chain(longer) {
                let path = format!(
                    "{}/w/{}.json",
                    search::DIR,
                    key.bytes().map(|b| format!("{b:02x}")).collect::<String>()
                );
                fetched += bytes[&path];
                for (word, list) in parsed[&path].as_object().unwrap() {
                    if !word.starts_with(w.as_str()) {
                        continue;
                    }
                    let f = if word == w { 1.0 } else { 0.7 };
                    let mut id = 0;
                    for pair in list.as_array().unwrap().chunks(2) {
                        id += pair[0].as_u64().unwrap();
                        let s = pair[1].as_f64().unwrap() * f;
                        let e = best.entry(id).or_insert(0.0);
                        *e = e.max(s);
                    }
                }
            }
            total = Some(match total {
                None => best,
                Some(t) => {
                    t.into_iter().filter_map(|(d, s)| best.get(&d).map(|b| (d, s + b))).collect()
                }
            });
        }
        let mut hits: Vec<(u64, f64)> = total.unwrap_or_default().into_iter().collect();
        hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut chunks: Vec<u64> = hits.iter().take(10).map(|(d, _)| d / per as u64).collect();
        chunks.sort_unstable();
        chunks.dedup();
        for c in &chunks {
            fetched += bytes[&format!("{}/d/{c}.json", search::DIR)];
        }
        println!(
            "query {q:?}: {} hits, fetches {:.1} KB ({} document chunks)",
            hits.len(),
            fetched as f64 / 1024.0,
            chunks.len()
        );
    }
}
