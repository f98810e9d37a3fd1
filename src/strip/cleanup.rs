//! Text cleanup after the element pass: line sentinels and the paragraphs an ad left empty.

use crate::marks::LINE_SENTINEL;

/// Put before every attribute-less `<p>` during element stripping so the
/// post-pass can find paragraphs that ended up empty without mistaking a `<p>`
/// inside script text for one (lol_html never runs handlers inside raw text).
pub(super) const P_MARK: &str = "<!--inkproof:P-->";

/// Drops every [`P_MARK`], and with it the `<p>` after it when that paragraph
/// holds only whitespace (plus the line break after it).
pub(super) fn remove_empty_paragraphs(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let finder = memchr::memmem::Finder::new(P_MARK);
    while let Some(i) = finder.find(rest.as_bytes()) {
        out.push_str(&rest[..i]);
        rest = &rest[i + P_MARK.len()..];
        if let Some(len) = empty_paragraph_len(rest) {
            rest = &rest[len..];
            rest = rest.strip_prefix('\n').unwrap_or(rest);
        }
    }
    out.push_str(rest);
    out
}

/// Length of `<p>` + whitespace + `</p>` at the start of `s`.
fn empty_paragraph_len(s: &str) -> Option<usize> {
    let open = s.get(..3).filter(|t| t.eq_ignore_ascii_case("<p>"))?;
    let inner = &s[open.len()..];
    let body = inner.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let close = body.get(..4).filter(|t| t.eq_ignore_ascii_case("</p>"))?;
    Some(s.len() - body.len() + close.len())
}

/// Removes `<!--inkproof:L<digits>-->` wherever it is, as plain text.
pub(super) fn remove_sentinel_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let finder = memchr::memmem::Finder::new(LINE_SENTINEL);
    while let Some(i) = finder.find(rest.as_bytes()) {
        out.push_str(&rest[..i]);
        let after = &rest[i + LINE_SENTINEL.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with("-->") {
            rest = &after[digits + 3..];
        } else {
            out.push_str(LINE_SENTINEL);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}
