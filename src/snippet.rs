//! Stage 3 (transform): downloadable checker snippets embedded in articles.
//!
//! STUB: the interface is fixed; the implementation is being written.

use std::path::Path;

use crate::diag::Diagnostic;
use crate::model::PublishedSnippet;

/// What the snippet renderer needs to know about the embedding article.
#[derive(Debug, Clone, Copy)]
pub struct SnippetContext<'a> {
    /// Absolute site root.
    pub site_root: &'a Path,
    /// Content folder relative to the site root (`content`).
    pub content_dir: &'a Path,
    /// The article's Markdown file relative to the site root.
    pub article: &'a Path,
    /// The article's bundle folder relative to the site root, if it is a bundle.
    pub bundle_dir: Option<&'a Path>,
    /// The article's output folder relative to the output root (`link-your-key`).
    pub out_dir: &'a Path,
    /// The site's base path (`""` or `/docs`), prefixed to download links.
    pub base_path: &'a str,
}

/// Whether a fenced code block's info string is a snippet directive.
pub fn is_directive(info: &str) -> bool {
    info.split_whitespace().next() == Some("snippet")
}

/// Renders a snippet directive found at 1-based `line` of the article.
/// Returns `None` after pushing a located diagnostic when it can't be embedded.
pub fn render(
    info: &str,
    body: &str,
    line: usize,
    ctx: &SnippetContext<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Option<(String, PublishedSnippet)> {
    let _ = (info, body, line, ctx, diags);
    None
}
