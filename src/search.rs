//! The full-text search index: article text → small files a browser fetches
//! only as a query needs them (issue 8).
//!
//! The former index was one JSON file of titles, headings, terms and
//! summaries (no body text) that every search downloaded whole: ~640 B per
//! article, ~6 MB at 10,000. This one indexes the body too and splits the
//! index so a query costs a few small files whatever the site's size:
//!
//! 1. Every article becomes a *document* number. Its text is folded (lower
//!    case, accents off) and cut into words. Each (word, document) pair gets a
//!    score from the fields the word is in: title 100, heading 20, tag /
//!    category / keyword 6, summary 2, body 1. The weights are far enough
//!    apart that a title hit always outranks anything below it.
//! 2. Words are grouped into *word chunks* by prefix: one chunk per first
//!    letter, split by the next letter while a chunk is over [`CHUNK_BYTES`].
//!    `meta.json` lists the prefixes; the browser fetches the chunk whose
//!    prefix is the longest one starting the query word, plus (for words
//!    still being typed) the few chunks that continue it.
//! 3. What a result shows (URL, title, date, summary, headings, terms) is in
//!    *document chunks* of [`DOCS_PER_CHUNK`], fetched for the results drawn.
//!
//! `static/search.js` is the reader's half; both halves fold text the same
//! way ([`fold`] and its `fold` there), which is what makes a match.

use std::path::PathBuf;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Value};
use unicode_normalization::UnicodeNormalization;

/// Where the index goes, under the output root (beside the search page).
pub const DIR: &str = "search/idx";
/// A word chunk is split by one more letter while its JSON is bigger than this.
pub const CHUNK_BYTES: usize = 16 * 1024;
/// Documents per document chunk: a results page needs 10 documents (20 with
/// "more")
/// spread over the site, so small chunks waste less (measured: 10 per chunk
/// made a common word's query fetch ~90 KB of documents at 1,000 articles).
pub const DOCS_PER_CHUNK: usize = 4;
/// Words too common to narrow anything; left out of the index and of queries.
pub const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is", "it", "of", "on",
    "or", "that", "the", "this", "to", "was", "with",
];
/// Summaries are shown in results only; cut long ones.
const SUMMARY_CHARS: usize = 240;

/// Field weights (see the module docs).
const TITLE: u32 = 100;
const HEADING: u32 = 20;
const TERM: u32 = 6;
const SUMMARY: u32 = 2;
const BODY: u32 = 1;

/// One page to index, as the render stage knows it.
#[derive(Debug, Clone, Default)]
pub struct SearchDoc {
    /// Site-relative URL (`/docs/slug/`).
    pub url: String,
    pub title: String,
    /// The date as readers see it (`22 Aug 2024`), if any.
    pub date: Option<String>,
    pub summary: String,
    /// Tags, categories and keywords.
    pub terms: Vec<String>,
    pub headings: Vec<String>,
    /// The article body HTML as published (ads already stripped); UI chrome
    /// in it is skipped here.
    pub html: String,
}

/// The files of the index, paths relative to the output root. Pure: the same
/// documents give the same bytes.
pub fn index(pages: &[SearchDoc]) -> Vec<(PathBuf, Vec<u8>)> {
    let words: Vec<Arc<DocWords>> = pages.par_iter().map(|p| Arc::new(DocWords::of(p))).collect();
    // One-shot: the documents' places are their keys.
    let docs: Vec<(u128, &Arc<DocWords>)> =
        words.iter().enumerate().map(|(i, w)| (i as u128, w)).collect();
    let mut postings = Postings::default();
    postings.update(&docs);
    postings.files(&pages.iter().collect::<Vec<_>>())
}

/// The distinct words of one page with the fields each is in. The build
/// keeps one per article and makes it again only when the article changes:
/// reading and splitting the text is most of an index's cost, and a save in
/// `serve` should not pay it for every other article.
///
/// Kept compact (one string of sorted words, one byte of field bits per
/// word) because the build holds one per article for the whole site and the
/// persistent cache stores them: 10,000 articles of ~400 distinct words each.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DocWords {
    /// The distinct words, sorted, each followed by `\n`.
    words: Box<str>,
    /// Per word, a bit per field it is in.
    bits: Box<[u8]>,
}

impl DocWords {
    /// The words of `page`, its body HTML included.
    pub fn of(page: &SearchDoc) -> DocWords {
        // Fold each field once and count borrowed words; the distinct words
        // of the page (a page repeats most of its words) are sorted still
        // borrowed and copied once, into the one string kept.
        let fields: Vec<(String, u32)> = std::iter::once((fold(&page.title), TITLE))
            .chain(page.headings.iter().map(|h| (fold(h), HEADING)))
            .chain(page.terms.iter().map(|t| (fold(t), TERM)))
            .chain([(fold(&page.summary), SUMMARY), (fold(&body_text(&page.html)), BODY)])
            .collect();
        let mut seen: FxHashMap<&str, u32> = FxHashMap::default();
        for (text, weight) in &fields {
            for w in split_words(text) {
                *seen.entry(w).or_insert(0) |= field_bit(*weight);
            }
        }
        let mut v: Vec<(&str, u32)> = seen.into_iter().collect();
        v.sort_unstable();
        let mut words = String::with_capacity(v.iter().map(|(w, _)| w.len() + 1).sum());
        let mut bits = Vec::with_capacity(v.len());
        for (w, b) in v {
            words.push_str(w);
            words.push('\n');
            bits.push(b as u8);
        }
        DocWords { words: words.into_boxed_str(), bits: bits.into_boxed_slice() }
    }

    /// Each word with its field bits, in word order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u8)> + '_ {
        self.words.split_terminator('\n').zip(self.bits.iter().copied())
    }
}

/// The word lists of the last index. A long-lived engine (`serve`) keeps
/// them, so an edit redoes the lists of the words the changed articles had
/// or have, not the lists of every word of the site.
#[derive(Debug, Default)]
pub struct Postings {
    /// Per document, in order: the key it was indexed with and its words.
    docs: Vec<(u128, Arc<DocWords>)>,
    /// Word → (documents with their field bits, in document order; the
    /// list as the index's JSON).
    words: BTreeMap<Box<str>, WordList>,
    /// What the last [`Postings::files_since`] made, so the next one makes
    /// only the files whose contents changed: word chunks by prefix (key of
    /// their members, hash of their bytes), document chunks in order (key of
    /// their documents, hash of their bytes).
    word_chunks: ChunkKeys,
    doc_chunks: Vec<(u128, u128)>,
}

/// Document `i` of the index, made on demand.
pub type DocFn<'a> = dyn Fn(usize) -> SearchDoc + 'a;

/// Word chunks by prefix: (key of their members, hash of their bytes).
type ChunkKeys = FxHashMap<String, (u128, u128)>;

/// The documents a word is in, with their field bits (in document order),
/// that list as the index's JSON, and a hash of the JSON.
type WordList = (Vec<(u32, u8)>, String, u64);

/// One file of the index from [`Postings::files_since`]: `bytes` is `None`
/// when the file is the one the last call made (`hash` is of its bytes).
#[derive(Debug)]
pub struct IndexFile {
    pub path: PathBuf,
    pub hash: u128,
    pub bytes: Option<Vec<u8>>,
}

/// A list's JSON and the hash its chunk's key is made from.
fn listed(list: Vec<(u32, u8)>) -> WordList {
    let json = list_json(&list);
    let h = xxhash_rust::xxh3::xxh3_64(json.as_bytes());
    (list, json, h)
}

impl Postings {
    /// Brings the lists up to `docs`: per document in order, a key that
    /// changes whenever its words do, and its words. Documents whose key is
    /// the one at the same place last time are not looked at.
    pub fn update(&mut self, docs: &[(u128, &Arc<DocWords>)]) {
        if self.docs.len() != docs.len() {
            return self.rebuild(docs);
        }
        let changed: Vec<usize> =
            (0..docs.len()).filter(|&i| self.docs[i].0 != docs[i].0).collect();
        if changed.len() > docs.len() / 8 + 16 {
            return self.rebuild(docs);
        }
        let mut dirty: Vec<Box<str>> = Vec::new();
        for &i in &changed {
            let id = i as u32;
            let old = Arc::clone(&self.docs[i].1);
            // Both word lists are sorted: walk them together, and touch only
            // the lists of words that came, went or moved to other fields (an
            // edit keeps most of a page's words, and the lists of common
            // words hold most of the site).
            let (mut before, mut after) = (old.iter().peekable(), docs[i].1.iter().peekable());
            loop {
                let order = match (before.peek(), after.peek()) {
                    (None, None) => break,
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (Some((a, _)), Some((b, _))) => a.cmp(b),
                };
                match order {
                    std::cmp::Ordering::Less => {
                        let (w, _) = before.next().expect("peeked");
                        if let Some((list, _, _)) = self.words.get_mut(w) {
                            if let Ok(at) = list.binary_search_by_key(&id, |e| e.0) {
                                list.remove(at);
                            }
                        }
                        dirty.push(w.into());
                    }
                    std::cmp::Ordering::Greater => {
                        let (w, bits) = after.next().expect("peeked");
                        self.set(w, id, bits);
                        dirty.push(w.into());
                    }
                    std::cmp::Ordering::Equal => {
                        let (w, was) = before.next().expect("peeked");
                        let (_, bits) = after.next().expect("peeked");
                        if was != bits {
                            self.set(w, id, bits);
                            dirty.push(w.into());
                        }
                    }
                }
            }
            self.docs[i] = (docs[i].0, Arc::clone(docs[i].1));
        }
        dirty.sort_unstable();
        dirty.dedup();
        for w in dirty {
            match self.words.get_mut(&w) {
                Some(entry) if !entry.0.is_empty() => *entry = listed(std::mem::take(&mut entry.0)),
                _ => {
                    self.words.remove(&w);
                }
            }
        }
    }

    /// Puts document `id` in `word`'s list with these field bits.
    fn set(&mut self, word: &str, id: u32, bits: u8) {
        let (list, _, _) = self.words.entry(word.into()).or_default();
        match list.binary_search_by_key(&id, |e| e.0) {
            Ok(at) => list[at].1 = bits,
            Err(at) => list.insert(at, (id, bits)),
        }
    }

    fn rebuild(&mut self, docs: &[(u128, &Arc<DocWords>)]) {
        // word → [(doc, fields)], documents in order: built per run of
        // documents on each thread, then joined in document order.
        type Lists<'a> = FxHashMap<&'a str, Vec<(u32, u8)>>;
        let words: Lists<'_> = docs
            .par_iter()
            .enumerate()
            .with_min_len(256)
            .fold(Lists::default, |mut m, (id, (_, doc))| {
                for (w, bits) in doc.iter() {
                    m.entry(w).or_default().push((id as u32, bits));
                }
                m
            })
            .reduce(Lists::default, |mut a, b| {
                for (w, mut list) in b {
                    a.entry(w).or_default().append(&mut list);
                }
                a
            });
        let mut words: Vec<(&str, Vec<(u32, u8)>)> = words.into_iter().collect();
        words.par_sort_unstable_by(|a, b| a.0.cmp(b.0));
        let words: Vec<(Box<str>, WordList)> =
            words.into_par_iter().map(|(w, list)| (w.into(), listed(list))).collect();
        self.words = words.into_iter().collect();
        self.docs = docs.iter().map(|(k, w)| (*k, Arc::clone(w))).collect();
    }

    /// The index's files for `pages` (the documents of the last
    /// [`Postings::update`], in the same order).
    pub fn files(&self, pages: &[&SearchDoc]) -> Vec<(PathBuf, Vec<u8>)> {
        // With nothing made before, every file comes with its bytes.
        let doc = |i: usize| pages[i].clone();
        let (files, _, _) = self.make(&doc, &vec![0; pages.len()], &ChunkKeys::default(), &[]);
        files.into_iter().map(|f| (f.path, f.bytes.expect("made from nothing"))).collect()
    }

    /// The same files as [`Postings::files`], but a file whose contents are
    /// the ones the last call made comes without its bytes: at 10,000
    /// articles the index is ~18 MB, and an edit changes a few of its files.
    /// `doc(i)` is document `i`, made only for the document chunks that are
    /// made again (an edit changes one of 2,500 at 10,000 articles: making all
    /// the documents was most of the time of the index in `serve`);
    /// `doc_keys[i]` changes whenever what `doc(i)` shows in a result does.
    pub fn files_since(&mut self, doc: &DocFn<'_>, doc_keys: &[u128]) -> Vec<IndexFile> {
        let (files, word_chunks, doc_chunks) =
            self.make(doc, doc_keys, &self.word_chunks, &self.doc_chunks);
        self.word_chunks = word_chunks;
        self.doc_chunks = doc_chunks;
        files
    }

    /// The index's files, leaving out the bytes of those whose key is the
    /// one in `last_words` / `last_docs`; with the keys of what it made.
    fn make(
        &self,
        doc: &DocFn<'_>,
        doc_keys: &[u128],
        last_words: &ChunkKeys,
        last_docs: &[(u128, u128)],
    ) -> (Vec<IndexFile>, ChunkKeys, Vec<(u128, u128)>) {
        // A file whose key is the one it had last time comes without bytes.
        let file = |path: PathBuf,
                    key: u128,
                    last: Option<&(u128, u128)>,
                    bytes: &dyn Fn() -> Vec<u8>| {
            match last {
                Some(&(k, hash)) if k == key => (IndexFile { path, hash, bytes: None }, (k, hash)),
                _ => {
                    // Held until the site is written: without the slack a
                    // growing buffer leaves (up to half of it).
                    let mut bytes = bytes();
                    bytes.shrink_to_fit();
                    let hash = crate::fingerprint::hash(&bytes);
                    (IndexFile { path, hash, bytes: Some(bytes) }, (key, hash))
                }
            }
        };
        let mut files = Vec::new();
        let mut keys = Vec::new();
        let mut words = ChunkKeys::default();
        split_chunks(&self.postings(), 1, &mut |prefix, members| {
            let mut h = xxhash_rust::xxh3::Xxh3::new();
            for (w, _, list_hash) in members {
                h.update(&(w.len() as u64).to_le_bytes());
                h.update(w.as_bytes());
                h.update(&list_hash.to_le_bytes());
            }
            let made = || word_chunk(members);
            let (f, k) =
                file(word_chunk_path(&prefix), h.digest128(), last_words.get(&prefix), &made);
            files.push(f);
            words.insert(prefix.clone(), k);
            keys.push(prefix);
        });
        let mut docs = Vec::with_capacity(doc_keys.len().div_ceil(DOCS_PER_CHUNK));
        for (n, ks) in doc_keys.chunks(DOCS_PER_CHUNK).enumerate() {
            let mut h = xxhash_rust::xxh3::Xxh3::new();
            for k in ks {
                h.update(&k.to_le_bytes());
            }
            let made = || {
                let first = n * DOCS_PER_CHUNK;
                let chunk: Vec<SearchDoc> = (first..first + ks.len()).map(doc).collect();
                doc_chunk(&chunk)
            };
            let (f, k) = file(doc_chunk_path(n), h.digest128(), last_docs.get(n), &made);
            files.push(f);
            docs.push(k);
        }
        let bytes = meta(doc_keys.len(), keys);
        let hash = crate::fingerprint::hash(&bytes);
        files.push(IndexFile {
            path: PathBuf::from(DIR).join("meta.json"),
            hash,
            bytes: Some(bytes),
        });
        (files, words, docs)
    }

    /// Forgets which files the last [`Postings::files_since`] made, so the
    /// next call returns the bytes of every file.
    pub fn forget_files(&mut self) {
        self.word_chunks.clear();
        self.doc_chunks.clear();
    }

    fn postings(&self) -> Vec<Posting<'_>> {
        self.words.iter().map(|(w, (_, json, h))| (&**w, json.as_str(), *h)).collect()
    }
}

fn word_chunk_path(key: &str) -> PathBuf {
    PathBuf::from(DIR).join("w").join(format!("{}.json", hex(key)))
}

fn doc_chunk_path(n: usize) -> PathBuf {
    PathBuf::from(DIR).join("d").join(format!("{n}.json"))
}

/// A word chunk: `{"word":[postings],…}`.
fn word_chunk(members: &[Posting<'_>]) -> Vec<u8> {
    let mut body = String::from("{");
    for (i, (w, list, _)) in members.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&serde_json::to_string(w).unwrap_or_default());
        body.push(':');
        body.push_str(list);
    }
    body.push('}');
    body.into_bytes()
}

/// A word's postings as the index's JSON: doc ids delta-coded, each
/// followed by its score.
fn list_json(docs: &[(u32, u8)]) -> String {
    let mut json = String::with_capacity(docs.len() * 6 + 2);
    let mut num = itoa::Buffer::new();
    json.push('[');
    let mut prev = 0u32;
    for (i, &(d, bits)) in docs.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str(num.format(d - prev));
        json.push(',');
        json.push_str(num.format(score_of(u32::from(bits))));
        prev = d;
    }
    json.push(']');
    json
}

/// A document chunk: what a result shows of each of its documents.
fn doc_chunk(chunk: &[SearchDoc]) -> Vec<u8> {
    let docs: Vec<Value> = chunk
        .iter()
        .map(|p| {
            let summary: String = p.summary.chars().take(SUMMARY_CHARS).collect();
            json!([p.url, p.title, p.date.as_deref().unwrap_or(""), summary, p.headings, p.terms])
        })
        .collect();
    Value::Array(docs).to_string().into_bytes()
}

/// `meta.json`: how many documents, the stop words, every word chunk's prefix.
fn meta(docs: usize, mut keys: Vec<String>) -> Vec<u8> {
    keys.sort();
    json!({
        "version": 1,
        "docs": docs,
        "docs_per_chunk": DOCS_PER_CHUNK,
        "stop": STOP_WORDS,
        "keys": keys,
    })
    .to_string()
    .into_bytes()
}

/// The indexable words of folded text (see [`words_of`]): runs of letters
/// and digits. Bytes below 0x80 are told apart without decoding a `char`
/// (every article's whole text goes through here on a cold build).
fn split_words(folded: &str) -> impl Iterator<Item = &str> {
    let bytes = folded.as_bytes();
    // Whether the character at `i` is a letter or digit, and its length.
    let class_at = move |i: usize| -> (bool, usize) {
        match bytes[i] {
            b if b < 0x80 => (b.is_ascii_alphanumeric(), 1),
            _ => folded[i..]
                .chars()
                .next()
                .map_or((false, 1), |c| (c.is_alphanumeric(), c.len_utf8())),
        }
    };
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            let (word, len) = class_at(i);
            if word {
                break;
            }
            i += len;
        }
        if i >= bytes.len() {
            return None;
        }
        let start = i;
        while i < bytes.len() {
            let (word, len) = class_at(i);
            if !word {
                break;
            }
            i += len;
        }
        Some(&folded[start..i])
    })
    .filter(|w| w.chars().nth(1).is_some() && w.len() <= 64 && !is_stop_word(w))
}

/// Whether `w` is in [`STOP_WORDS`]. A `match` (the compiler dispatches on
/// length first) rather than a scan of the list: this runs for every word of
/// every article, and the scan's string compares were ~1% of a cold build.
fn is_stop_word(w: &str) -> bool {
    matches!(
        w,
        "a" | "an"
            | "and"
            | "are"
            | "as"
            | "at"
            | "be"
            | "by"
            | "for"
            | "from"
            | "in"
            | "is"
            | "it"
            | "of"
            | "on"
            | "or"
            | "that"
            | "the"
            | "this"
            | "to"
            | "was"
            | "with"
    )
}

/// One bit per field in the index build, turned into the summed weight at the end.
fn field_bit(weight: u32) -> u32 {
    match weight {
        TITLE => 1,
        HEADING => 2,
        TERM => 4,
        SUMMARY => 8,
        _ => 16,
    }
}

fn score_of(bits: u32) -> u32 {
    [(1, TITLE), (2, HEADING), (4, TERM), (8, SUMMARY), (16, BODY)]
        .iter()
        .filter(|(b, _)| bits & b != 0)
        .map(|(_, w)| w)
        .sum()
}

/// A word and its postings as JSON.
type Posting<'a> = (&'a str, &'a str, u64);

/// Groups sorted `(word, postings)` by their first `depth` characters and
/// calls `emit(prefix, members)` per chunk; a chunk over [`CHUNK_BYTES`] is
/// split one character deeper. Words no longer than the prefix stay in the
/// parent chunk, so each word lives in exactly one chunk: the one with the
/// longest prefix that starts it.
fn split_chunks<'a>(
    words: &[Posting<'a>],
    depth: usize,
    emit: &mut dyn FnMut(String, &[Posting<'a>]),
) {
    let mut i = 0;
    while i < words.len() {
        let key: String = words[i].0.chars().take(depth).collect();
        let mut j = i;
        while j < words.len() && words[j].0.starts_with(&key) {
            j += 1;
        }
        let group = &words[i..j];
        let size: usize = group.iter().map(|(w, l, _)| w.len() + l.len() + 4).sum();
        if size > CHUNK_BYTES && group.len() > 1 {
            // Words equal to the key (no more letters) stay at this level.
            let (short, long): (Vec<_>, Vec<_>) =
                group.iter().cloned().partition(|(w, _, _)| w.chars().count() <= depth);
            if !short.is_empty() || long.is_empty() {
                emit(key.clone(), &short);
            }
            if !long.is_empty() {
                split_chunks(&long, depth + 1, emit);
            }
        } else {
            emit(key, group);
        }
        i = j;
    }
}

/// File name of a chunk prefix: its UTF-8 bytes in hex, so any script is a
/// safe, case-proof file name (`co` → `636f`).
fn hex(key: &str) -> String {
    key.bytes().map(|b| format!("{b:02x}")).collect()
}

/// Lower case, accents off, typographic punctuation made plain: `Résumé` →
/// `resume`. Must agree with `fold` in `static/search.js`.
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.nfd() {
        if ('\u{300}'..='\u{36f}').contains(&c) {
            continue;
        }
        for l in c.to_lowercase() {
            match l {
                'ø' => out.push('o'),
                'ł' => out.push('l'),
                'đ' => out.push('d'),
                'ħ' => out.push('h'),
                'ı' => out.push('i'),
                'æ' => out.push_str("ae"),
                'œ' => out.push_str("oe"),
                'ß' => out.push_str("ss"),
                c => out.push(c),
            }
        }
    }
    out
}

/// The indexable words of `text`: folded, split on anything that is not a
/// letter or digit, two characters or more, stop words out.
pub fn words_of(text: &str) -> impl Iterator<Item = String> {
    let folded = fold(text);
    split_words(&folded).map(str::to_string).collect::<Vec<_>>().into_iter()
}

/// The text a reader reads in an article body: UI chrome (heading `#`
/// links, copy buttons, snippet headers and hash lines) and scripts left out.
///
/// A single forward scan, not an HTML parser: the body comes from our own
/// Markdown renderer (plus whatever raw HTML the author wrote), and the worst
/// a malformed tag can do here is index a little more or less text. It runs
/// over every article on every build, so it must be cheap (lol_html took
/// ~0.6 ms per generated article; this takes a fraction of that).
pub fn body_text(html: &str) -> String {
    const SKIP_CLASSES: &[&str] =
        &["heading-link", "copy-button", "snippet-head", "snippet-meta", "snippet-verify"];
    const SKIP_TAGS: &[&str] = &["script", "style", "template", "button", "ins"];
    const VOID: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr",
    ];
    let mut text = String::with_capacity(html.len() / 2);
    // While skipping: the tag name that opened the skipped element and how
    // many of the same name are open inside it.
    let mut skip: Option<(&str, usize)> = None;
    let mut rest = html;
    // Byte searches (memchr) for the ASCII marks: a generated page's code
    // blocks are mostly tags, so this loop turns once per `<span>`.
    while let Some(lt) = memchr::memchr(b'<', rest.as_bytes()) {
        if skip.is_none() {
            text.push_str(&rest[..lt]);
        }
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = memchr::memmem::find(after.as_bytes(), b"-->").map_or("", |e| &after[e + 3..]);
            continue;
        }
        let Some(gt) = memchr::memchr(b'>', rest.as_bytes()) else { break };
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        // Elements separate words (`<td>a</td><td>b</td>`).
        text.push(' ');
        let (closing, body) = match tag.strip_prefix('/') {
            Some(t) => (true, t),
            None => (false, tag),
        };
        let name_end = body.find(|c: char| c.is_whitespace() || c == '/').unwrap_or(body.len());
        let name = &body[..name_end];
        if let Some((open, depth)) = &mut skip {
            if name.eq_ignore_ascii_case(open) {
                if closing {
                    if *depth == 0 {
                        skip = None;
                    } else {
                        *depth -= 1;
                    }
                } else if !tag.ends_with('/') {
                    *depth += 1;
                }
            }
            continue;
        }
        if closing || VOID.iter().any(|v| name.eq_ignore_ascii_case(v)) || tag.ends_with('/') {
            continue;
        }
        let chrome = SKIP_TAGS.iter().any(|t| name.eq_ignore_ascii_case(t))
            || class_attr(body)
                .is_some_and(|c| c.split_whitespace().any(|c| SKIP_CLASSES.contains(&c)));
        if chrome {
            skip = Some((name, 0));
        }
    }
    if skip.is_none() {
        text.push_str(rest);
    }
    crate::text::decode_text(&text)
}

/// The value of a `class` attribute in a tag's inside (`a class="x y" href=…`).
fn class_attr(tag: &str) -> Option<&str> {
    let at = memchr::memmem::find(tag.as_bytes(), b"class=")?;
    let v = &tag[at + 6..];
    match v.chars().next()? {
        q @ ('"' | '\'') => v[1..].split(q).next(),
        _ => v.split(|c: char| c.is_whitespace()).next(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::path::Path;

    #[test]
    fn only_the_documents_of_changed_chunks_are_made() {
        let mut pages: Vec<SearchDoc> = (0..9)
            .map(|i| doc(&format!("/p{i}/"), &format!("Page {i}"), "<p>Words here.</p>"))
            .collect();
        let key =
            |p: &SearchDoc| crate::fingerprint::hash(format!("{}{}", p.title, p.html).as_bytes());
        let mut postings = Postings::default();
        let mut run = |pages: &[SearchDoc]| {
            let words: Vec<Arc<DocWords>> =
                pages.iter().map(|p| Arc::new(DocWords::of(p))).collect();
            let keys: Vec<u128> = pages.iter().map(key).collect();
            let docs: Vec<(u128, &Arc<DocWords>)> = keys.iter().copied().zip(&words).collect();
            postings.update(&docs);
            let made = std::cell::RefCell::new(Vec::new());
            let files = postings.files_since(
                &|i| {
                    made.borrow_mut().push(i);
                    pages[i].clone()
                },
                &keys,
            );
            let fresh: HashMap<PathBuf, Vec<u8>> = index(pages).into_iter().collect();
            for f in files.iter().filter(|f| f.path.starts_with(Path::new(DIR).join("d"))) {
                if let Some(bytes) = &f.bytes {
                    assert_eq!(bytes, &fresh[&f.path], "{}", f.path.display());
                }
            }
            made.into_inner()
        };
        assert_eq!(run(&pages), (0..9).collect::<Vec<_>>(), "a first call makes them all");
        pages[5].title = "Page five".into();
        // Document 5 is in the second chunk (4 to 7): only those are made.
        assert_eq!(run(&pages), [4, 5, 6, 7]);
        assert!(run(&pages).is_empty(), "nothing changed, nothing made");
    }

    #[test]
    fn patched_postings_give_the_files_of_a_fresh_index() {
        let before = vec![
            doc("/a/", "Router restart", "<p>Hold the reset button.</p>"),
            doc("/b/", "Printer queue", "<p>Clear the spooler queue.</p>"),
            doc("/c/", "Wifi drops", "<p>Update the router driver.</p>"),
        ];
        // One body edited (a word gone, one new), then two documents swap places.
        let mut after = before.clone();
        after[0].html = "<p>Hold the power button.</p>".into();
        after.swap(1, 2);
        let words = |pages: &[SearchDoc]| -> Vec<Arc<DocWords>> {
            pages.iter().map(|p| Arc::new(DocWords::of(p))).collect()
        };
        let keyed = |pages: &[SearchDoc], w: &'_ [Arc<DocWords>]| -> Vec<(u128, Arc<DocWords>)> {
            pages
                .iter()
                .zip(w)
                .map(|(p, w)| {
                    (
                        crate::fingerprint::hash(
                            format!("{}{}{}", p.url, p.title, p.html).as_bytes(),
                        ),
                        Arc::clone(w),
                    )
                })
                .collect()
        };
        let (wb, wa) = (words(&before), words(&after));
        let (kb, ka) = (keyed(&before, &wb), keyed(&after, &wa));
        let refs = |k: &'_ [(u128, Arc<DocWords>)]| -> Vec<(u128, Arc<DocWords>)> { k.to_vec() };
        let mut kept = Postings::default();
        let b = refs(&kb);
        kept.update(&b.iter().map(|(k, w)| (*k, w)).collect::<Vec<_>>());
        let a = refs(&ka);
        kept.update(&a.iter().map(|(k, w)| (*k, w)).collect::<Vec<_>>());
        let pages: Vec<&SearchDoc> = after.iter().collect();
        let patched = kept.files(&pages);
        assert_eq!(patched, index(&after));
        let f: HashMap<String, Value> = patched
            .iter()
            .map(|(p, b)| (p.display().to_string(), serde_json::from_slice(b).unwrap()))
            .collect();
        assert!(lookup(&f, "reset").is_empty(), "the removed word is gone");
        assert_eq!(lookup(&f, "power").len(), 1);

        // Files since the last call: the ones that changed come with their
        // bytes, the rest are the bytes the last call gave.
        let mut since = Postings::default();
        since.update(&b.iter().map(|(k, w)| (*k, w)).collect::<Vec<_>>());
        let pages_b: Vec<&SearchDoc> = before.iter().collect();
        let keys_b: Vec<u128> = kb.iter().map(|(k, _)| *k).collect();
        let first: HashMap<PathBuf, Vec<u8>> = since
            .files_since(&|i| pages_b[i].clone(), &keys_b)
            .into_iter()
            .map(|f| (f.path, f.bytes.expect("a first call makes every file")))
            .collect();
        since.update(&a.iter().map(|(k, w)| (*k, w)).collect::<Vec<_>>());
        let keys_a: Vec<u128> = ka.iter().map(|(k, _)| *k).collect();
        let second = since.files_since(&|i| pages[i].clone(), &keys_a);
        let fresh: HashMap<PathBuf, Vec<u8>> = index(&after).into_iter().collect();
        assert_eq!(second.len(), fresh.len());
        let mut kept_files = 0;
        for f in &second {
            let bytes = match &f.bytes {
                Some(b) => b,
                None => {
                    kept_files += 1;
                    &first[&f.path]
                }
            };
            assert_eq!(bytes, &fresh[&f.path], "{}", f.path.display());
            assert_eq!(f.hash, crate::fingerprint::hash(bytes));
        }
        assert!(kept_files > 0, "chunks without a changed word are not made again");
        assert!(second.iter().any(|f| f.path.ends_with("w/70.json") && f.bytes.is_some()));
    }

    fn doc(url: &str, title: &str, body: &str) -> SearchDoc {
        SearchDoc {
            url: url.into(),
            title: title.into(),
            date: Some("22 Aug 2024".into()),
            summary: format!("Summary of {title}"),
            terms: vec!["windows".into()],
            headings: vec!["Before you start".into()],
            html: body.into(),
        }
    }

    fn files(pages: &[SearchDoc]) -> HashMap<String, Value> {
        index(pages)
            .into_iter()
            .map(|(p, b)| {
                (p.to_string_lossy().replace('\\', "/"), serde_json::from_slice(&b).unwrap())
            })
            .collect()
    }

    /// What the browser does: find the chunk for `word`, decode its postings.
    fn lookup(files: &HashMap<String, Value>, word: &str) -> Vec<(u32, u32)> {
        let keys: Vec<String> =
            serde_json::from_value(files[&format!("{DIR}/meta.json")]["keys"].clone()).unwrap();
        let Some(key) =
            keys.iter().filter(|k| word.starts_with(k.as_str())).max_by_key(|k| k.len())
        else {
            return Vec::new();
        };
        let chunk = &files[&format!("{DIR}/w/{}.json", hex(key))];
        let Some(list) = chunk.get(word) else { return Vec::new() };
        let list: Vec<u32> = serde_json::from_value(list.clone()).unwrap();
        let mut id = 0;
        list.chunks(2)
            .map(|p| {
                id += p[0];
                (id, p[1])
            })
            .collect()
    }

    #[test]
    fn body_words_are_found_and_chrome_is_not() {
        let body = concat!(
            "<h2 id=\"s\">Step <a class=\"heading-link\" href=\"#s\">#</a></h2>",
            "<p>Open the Caf&eacute; &amp; Résumé <em>settings</em>app.</p>",
            "<figure class=\"snippet\"><figcaption class=\"snippet-head\"><span>Quokka</span><button class=\"copy-button\">Copy</button></figcaption>",
            "<pre class=\"code\"><code>Get-ComputerInfo</code></pre><p class=\"snippet-meta\">SHA-256 <code>abcdef0123</code></p></figure>",
        );
        let f = files(&[doc("/a/", "First", "<p>nothing</p>"), doc("/b/", "Second", body)]);
        assert_eq!(lookup(&f, "settings"), [(1, BODY)]);
        assert_eq!(lookup(&f, "resume"), [(1, BODY)], "accents folded");
        assert_eq!(lookup(&f, "app"), [(1, BODY)], "elements separate words");
        assert_eq!(lookup(&f, "computerinfo"), [(1, BODY)], "code is text too");
        for chrome in ["quokka", "copy", "abcdef0123", "sha"] {
            assert_eq!(lookup(&f, chrome), [], "{chrome} is UI chrome");
        }
        assert_eq!(lookup(&f, "the"), [], "stop words are out");
    }

    #[test]
    fn the_stop_word_test_is_the_published_list() {
        // The browser reads `STOP_WORDS` from meta.json; the build tests with
        // a `match`. Both must hold the same words: every word of up to four
        // letters (the longest stop word) is asked of both.
        let mut w = String::new();
        fn each(w: &mut String, left: usize, f: &mut dyn FnMut(&str)) {
            f(w);
            if left == 0 {
                return;
            }
            for c in 'a'..='z' {
                w.push(c);
                each(w, left - 1, f);
                w.pop();
            }
        }
        let mut asked = 0;
        each(&mut w, 4, &mut |w| {
            asked += 1;
            assert_eq!(is_stop_word(w), STOP_WORDS.contains(&w), "{w:?}");
        });
        assert!(asked > 400_000);
        assert!(STOP_WORDS.iter().all(|w| w.len() <= 4 && is_stop_word(w)));
        let all: Vec<String> = words_of("An apple is on the table, as was this thing").collect();
        assert_eq!(all, ["apple", "table", "thing"]);
    }

    #[test]
    fn words_split_like_a_split_on_every_non_alphanumeric_char() {
        // The byte-wise splitter against the plain definition, on ASCII,
        // accented, non-Latin and digit-mixed text and odd separators.
        let texts = [
            "Set-ExecutionPolicy -Scope CurrentUser; run `sfc /scannow` (x64)",
            "café naïve façade — größe ½ résumé 東京 タワー 2024年",
            "",
            "  ..,;  ",
            "a1b2 c3--d4__e5\tf6\u{a0}g7\u{2003}h8",
            "ωμέγα Ελλάδα кириллица مرحبا",
        ];
        for t in texts {
            let folded = fold(t);
            let plain: Vec<&str> = folded
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.chars().nth(1).is_some() && w.len() <= 64 && !is_stop_word(w))
                .collect();
            assert_eq!(split_words(&folded).collect::<Vec<_>>(), plain, "{t:?}");
        }
    }

    #[test]
    fn body_text_skips_nested_chrome_and_keeps_the_rest() {
        let html = concat!(
            "<p>one<br>two<img src=x alt=\"alt words\"/>three</p>",
            "<div class='snippet-head'><div>skip <div>deep</div> skip</div></div>after",
            "<script>var x = '<p>';</script><!-- a <b>comment</b> -->tail &lt;ok&gt;",
        );
        let words: Vec<String> = words_of(&body_text(html)).collect();
        assert_eq!(words, ["one", "two", "three", "after", "tail", "ok"]);
    }

    #[test]
    fn scores_order_the_fields() {
        let f = files(&[
            doc("/a/", "Zebra title", "<p>zebra</p>"),
            doc("/b/", "Plain", "<p>zebra</p>"),
        ]);
        assert_eq!(lookup(&f, "zebra"), [(0, TITLE + SUMMARY + BODY), (1, BODY)]);
        assert_eq!(lookup(&f, "windows"), [(0, TERM), (1, TERM)]);
        assert_eq!(lookup(&f, "start"), [(0, HEADING), (1, HEADING)]);
        const { assert!(TITLE > HEADING + TERM + SUMMARY + BODY && HEADING > TERM + SUMMARY + BODY) };
        const { assert!(TERM > SUMMARY + BODY && SUMMARY > BODY) };
    }

    #[test]
    fn documents_are_chunked_and_hold_what_results_show() {
        let pages: Vec<SearchDoc> =
            (0..25).map(|i| doc(&format!("/p{i}/"), &format!("Page {i}"), "<p>x</p>")).collect();
        let f = files(&pages);
        assert_eq!(f[&format!("{DIR}/meta.json")]["docs"], 25);
        let last = 24 / DOCS_PER_CHUNK;
        let chunk = &f[&format!("{DIR}/d/{last}.json")];
        assert_eq!(chunk.as_array().unwrap().len(), 25 - last * DOCS_PER_CHUNK);
        assert_eq!(
            chunk[0],
            json!([
                format!("/p{}/", last * DOCS_PER_CHUNK),
                format!("Page {}", last * DOCS_PER_CHUNK),
                "22 Aug 2024",
                format!("Summary of Page {}", last * DOCS_PER_CHUNK),
                ["Before you start"],
                ["windows"]
            ])
        );
    }

    #[test]
    fn big_sites_split_chunks_and_every_word_stays_findable() {
        // 3,000 documents, each with a few unique words and shared ones.
        let pages: Vec<SearchDoc> = (0..3000)
            .map(|i| {
                doc(
                    &format!("/p{i}/"),
                    "Guide",
                    &format!("<p>common word{i} cword{} alpha{}</p>", i % 97, i % 13),
                )
            })
            .collect();
        let out = index(&pages);
        let f: HashMap<String, Value> = out
            .iter()
            .map(|(p, b)| {
                (p.to_string_lossy().replace('\\', "/"), serde_json::from_slice(b).unwrap())
            })
            .collect();
        let keys = f[&format!("{DIR}/meta.json")]["keys"].as_array().unwrap().len();
        assert!(keys > 10, "split into {keys} word chunks");
        for (p, b) in &out {
            let p = p.to_string_lossy();
            if p.contains("/w/") {
                // One word's postings cannot be split; chunks of many words stay small.
                let n = f[&p.replace('\\', "/")].as_object().unwrap().len();
                assert!(b.len() <= CHUNK_BYTES || n == 1, "{p}: {} bytes, {n} words", b.len());
            }
        }
        assert_eq!(lookup(&f, "word1234"), [(1234, BODY)]);
        assert_eq!(lookup(&f, "cword5").len(), 3000 / 97 + 1);
        assert_eq!(lookup(&f, "common").len(), 3000);
        // Every word in exactly one chunk.
        let mut seen = std::collections::HashSet::new();
        for (p, v) in &f {
            if p.contains("/w/") {
                for w in v.as_object().unwrap().keys() {
                    assert!(seen.insert(w.clone()), "{w} in two chunks");
                }
            }
        }
    }

    #[test]
    fn folding_matches_the_browser_rules() {
        assert_eq!(fold("Résumé ÆSIR Straße Øre"), "resume aesir strasse ore");
        assert_eq!(
            words_of("Don't reset Windows-11, the PC!").collect::<Vec<_>>(),
            ["don", "reset", "windows", "11", "pc"]
        );
    }
}
