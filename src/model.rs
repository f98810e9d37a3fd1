//! Shared data types that flow through the pipeline.
//!
//! Data flows one way: `load` makes [`Source`]s, `front_matter` makes
//! [`FrontMatter`], `markdown`/`strip`/`snippet` turn a body into an [`Article`],
//! `render` turns the [`Site`] into [`Output`]s in memory and `write` is the only
//! stage that touches the output directory.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;

/// One Markdown file as read from `content/`.
#[derive(Debug, Clone)]
pub struct Source {
    /// Path relative to the site root, with `/` separators (`content/guide/index.md`).
    pub path: PathBuf,
    /// Absolute path on disk (for reading bundle assets and snippets).
    pub abs_path: PathBuf,
    /// File text with a leading UTF-8 BOM removed. Line endings are kept as they are.
    pub text: String,
    /// For a page bundle (`content/<name>/index.md`): the bundle folder relative to
    /// the site root. Its other files are published next to the page.
    pub bundle_dir: Option<PathBuf>,
    /// Files of the bundle besides `index.md`, relative to the bundle folder.
    pub assets: Vec<PathBuf>,
    /// Hash of the file's bytes: what the engine's caches compare.
    pub hash: u128,
    /// Size and modification time when read, so a refresh re-reads only changed files.
    pub stamp: Stamp,
    /// `text` is not kept (a one-shot build holds no article text): read
    /// it through `load::text_of` / `load::with_text`.
    pub released: bool,
}

/// A file's size and modification time: enough to tell that a copied file
/// (an image, a static asset) changed without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Stamp {
    pub len: u64,
    pub mtime_ns: i128,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128);
        Stamp { len: meta.len(), mtime_ns }
    }
}

/// A date as written in front matter, normalised to a fixed offset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timestamp {
    pub value: DateTime<FixedOffset>,
    /// `false` when the source gave only a calendar date (`2024-08-22`).
    pub has_time: bool,
}

impl Timestamp {
    /// RFC 3339, for `<time datetime>`, feeds and sitemaps.
    pub fn iso(&self) -> String {
        self.value.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    /// `22 August 2024`, for readers.
    pub fn human(&self) -> String {
        self.value.format("%-d %B %Y").to_string()
    }
}

/// Front matter after validation. Unknown keys land in `extra` for templates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FrontMatter {
    pub title: String,
    pub date: Option<Timestamp>,
    pub updated: Option<Timestamp>,
    pub tags: Vec<String>,
    pub categories: Vec<String>,
    pub description: Option<String>,
    pub excerpt: Option<String>,
    pub keywords: Vec<String>,
    pub thumbnail: Option<String>,
    pub slug: Option<String>,
    pub draft: bool,
    pub weight: Option<i64>,
    pub aliases: Vec<String>,
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Maps byte offsets in a body that had regions cut out (ad blocks) back to
/// offsets in the original body, so diagnostics keep pointing at the author's lines.
#[derive(Debug, Clone, Default)]
pub struct OffsetMap {
    /// (offset in the new text, bytes removed in total up to and including that point)
    cuts: Vec<(usize, usize)>,
}

impl OffsetMap {
    /// Records that `len` bytes were removed at `new_pos` of the new text.
    /// Calls must come in increasing `new_pos` order.
    pub fn push_cut(&mut self, new_pos: usize, len: usize) {
        let total = self.cuts.last().map_or(0, |c| c.1) + len;
        self.cuts.push((new_pos, total));
    }

    /// Offset in the original text of `new` in the new text.
    pub fn original(&self, new: usize) -> usize {
        let i = self.cuts.partition_point(|c| c.0 <= new);
        if i == 0 {
            new
        } else {
            new + self.cuts[i - 1].1
        }
    }
}

/// A heading in an article's table of contents.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
}

/// A link or image reference found in the Markdown, with where it was written.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Link {
    pub href: String,
    pub line: usize,
    pub col: usize,
    pub is_image: bool,
}

/// One ad block or element removed from an article.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Stripped {
    /// `block` for a marker pair, `element` for a selector match, `unwrapped`
    /// or `pointed` for an affiliate link (`strip.affiliate_links: unwrap`).
    pub kind: StrippedKind,
    /// What was removed, for `--verbose` (`affiliate ads block`, `ins.adsbygoogle`).
    pub what: String,
    /// 1-based line in the article file where it started.
    pub line: usize,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum StrippedKind {
    Block,
    Element,
    /// An affiliate link replaced by its text.
    Unwrapped,
    /// An affiliate link now pointing at the heading its text names.
    Pointed,
}

/// A snippet file as published in the output, with the bytes the reader downloads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedSnippet {
    /// The snippet's file, relative to the site root (`content/snippets/x.ps1`).
    pub source: PathBuf,
    /// Where it is published, relative to the output root (`guide/x.ps1`).
    pub out_path: PathBuf,
    /// The published bytes (BOM / CRLF rules applied); the hash is of these.
    pub bytes: Vec<u8>,
    /// Lowercase hex SHA-256 of `bytes`.
    pub sha256: String,
}

/// A fully rendered article or standalone page, ready for templates.
///
/// The engine keeps articles in its site index with `html` left empty (bodies
/// live in the body store until a page needs one), so memory holds metadata only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    pub source: PathBuf,
    /// Shared with the article's front-matter result: one copy per article
    /// for the whole build, not two.
    pub meta: std::sync::Arc<FrontMatter>,
    pub slug: String,
    /// Site-relative URL path with a trailing slash (`/link-your-key/`).
    pub url: String,
    /// Content HTML after ad stripping.
    pub html: String,
    pub toc: Vec<TocEntry>,
    /// Every `id` in the content (headings, footnotes, raw HTML), for anchor checks.
    pub ids: Vec<String>,
    /// Plain-text summary: excerpt, else description, else the first paragraph.
    pub summary: String,
    pub word_count: usize,
    pub links: Vec<Link>,
    pub stripped: Vec<Stripped>,
    /// Bundle files to publish next to the page: (absolute source, output path).
    pub assets: Vec<(PathBuf, PathBuf)>,
    pub snippets: Vec<PublishedSnippet>,
}

impl Article {
    /// Articles with a date go into date-ordered lists and feeds; the rest are
    /// standalone pages (about, terms).
    pub fn is_dated(&self) -> bool {
        self.meta.date.is_some()
    }
}

/// What a build writes: a path relative to the output root and its bytes, or a
/// file to copy as is (static assets, bundle images).
#[derive(Debug, Clone)]
pub enum Output {
    Bytes { path: PathBuf, bytes: Vec<u8> },
    Copy { path: PathBuf, from: PathBuf },
}

impl Output {
    pub fn path(&self) -> &std::path::Path {
        match self {
            Output::Bytes { path, .. } | Output::Copy { path, .. } => path,
        }
    }
}

/// Counts for the one-line build summary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BuildStats {
    pub articles: usize,
    pub pages: usize,
    pub files_written: usize,
    pub stripped_blocks: usize,
    pub stripped_elements: usize,
    /// Affiliate links replaced by their text, and pointed at a heading.
    pub unwrapped_links: usize,
    pub pointed_links: usize,
    pub warnings: usize,
    pub errors: usize,
    pub elapsed_ms: u128,
    /// Known findings accepted in `inkproof-suppressions.json`: counted, not listed.
    pub suppressed: usize,
    /// Accepted findings that no longer occur (the file can be pruned).
    pub prunable: usize,
}

/// The result of running the pipeline: everything rendered, in memory.
#[derive(Debug, Default)]
pub struct Build {
    pub articles: Vec<Article>,
    pub outputs: Vec<Output>,
    pub diagnostics: Vec<Diagnostic>,
    /// Findings accepted as known by `inkproof-suppressions.json`.
    pub suppressed: Vec<Diagnostic>,
    pub stats: BuildStats,
    /// Which articles embed which snippet file (both relative to the site root), so
    /// a changed snippet re-renders exactly those articles.
    pub snippet_deps: BTreeMap<PathBuf, Vec<PathBuf>>,
}

impl Build {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_map_adds_back_removed_bytes() {
        let mut m = OffsetMap::default();
        assert_eq!(m.original(5), 5);
        m.push_cut(10, 20); // 20 bytes removed at new offset 10
        m.push_cut(15, 5);
        assert_eq!(m.original(9), 9);
        assert_eq!(m.original(10), 30);
        assert_eq!(m.original(14), 34);
        assert_eq!(m.original(15), 40);
    }
}
