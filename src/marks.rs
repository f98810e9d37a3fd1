//! Agreements between stages about the text they hand each other: the
//! Markdown dialect every parser of a body must use (so `strip`, `check` and
//! `markdown` see the same code blocks and offsets), and the line sentinel
//! `markdown` writes for `strip` to read. A leaf, so neither stage imports
//! the other to learn them.

use pulldown_cmark::Options;

/// The Markdown extensions inkproof enables. One definition because a parse
/// with different options would put code blocks and offsets elsewhere.
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Prefix of the comment `markdown` writes before raw HTML so that element
/// stripping can tell which source line an element came from:
/// `<!--inkproof:L42-->`. [`strip_elements`](crate::strip::strip_elements) always removes these comments.
pub const LINE_SENTINEL: &str = "<!--inkproof:L";
