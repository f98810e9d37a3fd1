//! HTML escaping shared by every stage that writes markup (markdown, highlight,
//! feeds, render's Tera escape function). A leaf: it imports no stage, so the
//! stages can share one rule without importing each other.

/// Escapes text for an HTML attribute value or text node.
pub fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

/// [`escape_attr`] appending to `out`, for writers that build one string.
pub fn escape_into(out: &mut String, s: &str) {
    let mut rest = s;
    // Byte-wise: the five are ASCII, so no `char` needs decoding to find them
    // (every text run of every body goes through here).
    let special = |b: &u8| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'');
    while let Some(i) = rest.as_bytes().iter().position(special) {
        out.push_str(&rest[..i]);
        out.push_str(match rest.as_bytes()[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        });
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
}
