//! Agreements between stages about the text they hand each other: the
//! Markdown dialect every parser of a body must use (so `strip`, `check` and
//! `markdown` see the same code blocks and offsets), the line sentinel
//! `markdown` writes for `strip` to read, and which bytes may be the control
//! characters `markdown` drops and `check` reports. A leaf, so neither stage imports
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

/// Whether `s` may hold a control character other than tab and line breaks,
/// told byte-wise (no `char` decoding): a C0 byte, DEL, or the 0xC2 lead byte
/// that starts every C1 control in UTF-8. `false` means surely none.
pub fn may_hold_controls(s: &str) -> bool {
    s.bytes().any(|b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f || b == 0xc2)
}
