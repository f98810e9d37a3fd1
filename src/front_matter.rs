//! Stage 2 (parse): splits front matter from the body and validates it.
//!
//! STUB: the interface is fixed; the implementation is being written.

use std::path::Path;

use crate::diag::Diagnostic;
use crate::model::FrontMatter;

/// Front matter and the Markdown body that follows it.
#[derive(Debug)]
pub struct Parsed<'a> {
    pub meta: FrontMatter,
    pub body: &'a str,
    /// Byte offset of `body` within the file text.
    pub body_offset: usize,
}

/// Parses the front matter of `text` (the file at `path`, relative to the site
/// root). Returns `None` after pushing diagnostics when the article can't be used.
pub fn parse<'a>(path: &Path, text: &'a str, diags: &mut Vec<Diagnostic>) -> Option<Parsed<'a>> {
    let _ = (path, diags);
    let rest = text.strip_prefix("---\n")?;
    let end = rest.find("\n---")?;
    let fm = &rest[..end];
    let title = fm.lines().find_map(|l| l.strip_prefix("title:")).unwrap_or("untitled").trim();
    let body_offset = 4 + end + 4;
    Some(Parsed {
        meta: FrontMatter { title: title.into(), ..FrontMatter::default() },
        body: &text[body_offset.min(text.len())..],
        body_offset,
    })
}
