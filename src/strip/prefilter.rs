//! The fast path: whether rendered HTML could hold anything the element pass would remove.

use super::rules::{AffiliateLinks, StripRules};

/// Whether a fragment without raw HTML could still hold something to remove:
/// the fast path that lets most Markdown-only articles skip lol_html.
pub(super) fn could_match(html: &str, rules: &StripRules) -> bool {
    let scripts = !rules.ad_script_hosts.is_empty() || !rules.script_patterns.is_empty();
    if scripts && has(html, "<script") {
        return true;
    }
    if rules.tracking_pixels
        && has(html, "<img")
        && (has(html, "width") || has(html, "height") || has(html, "style"))
    {
        return true;
    }
    if rules.affiliate_links == AffiliateLinks::Unwrap
        && has(html, "<a")
        && rules.affiliate_hosts.iter().any(|entry| {
            let host = entry.split_once('?').map_or(entry.as_str(), |(h, _)| h);
            has_ignore_ascii_case(html, host.trim().trim_matches('.'))
        })
    {
        return true;
    }
    rules.selectors.iter().any(|sel| match selector_needles(sel) {
        Some(needles) => needles.iter().any(|n| has(html, n)),
        None => true,
    })
}

/// Whether `needle` is in `html`: a SIMD byte search (memchr), as these scans
/// run over every article's whole body on every cold build.
pub(super) fn has(html: &str, needle: &str) -> bool {
    memchr::memmem::find(html.as_bytes(), needle.as_bytes()).is_some()
}

/// [`has`] for host names, which a URL may spell in any case: candidates
/// are found by their first byte in either case (SIMD), then compared.
fn has_ignore_ascii_case(html: &str, needle: &str) -> bool {
    let (hay, n) = (html.as_bytes(), needle.as_bytes());
    let Some(&first) = n.first() else { return false };
    memchr::memchr2_iter(first.to_ascii_lowercase(), first.to_ascii_uppercase(), hay)
        .any(|i| hay.get(i..i + n.len()).is_some_and(|w| w.eq_ignore_ascii_case(n)))
}

/// For each alternative of a selector list, one literal that any matching
/// element's markup must contain (`.adsbygoogle` → `adsbygoogle`, `iframe` →
/// `<iframe`). `None` when some alternative has no such literal or the
/// selector is too clever to read safely (pseudo-classes, escapes, case flags).
fn selector_needles(sel: &str) -> Option<Vec<String>> {
    let mut needles = Vec::new();
    for alt in split_outside_quotes(sel, ',') {
        needles.push(alternative_needle(alt.trim())?);
    }
    (!needles.is_empty()).then_some(needles)
}

fn alternative_needle(alt: &str) -> Option<String> {
    let b = alt.as_bytes();
    let ident = |i: usize| {
        let mut j = i;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'-' || b[j] == b'_') {
            j += 1;
        }
        j
    };
    let mut best: Option<String> = None;
    let mut keep = |s: String| {
        if best.as_ref().is_none_or(|b| s.len() > b.len()) {
            best = Some(s);
        }
    };
    let mut i = 0;
    let mut compound_start = true;
    while i < b.len() {
        match b[i] {
            b'.' | b'#' => {
                let j = ident(i + 1);
                if j > i + 1 {
                    keep(alt[i + 1..j].to_string());
                }
                i = j;
                compound_start = false;
            }
            b'[' => {
                let close = alt[i..].find(']')? + i;
                if let Some(value) = attribute_value(&alt[i + 1..close])? {
                    keep(value);
                }
                i = close + 1;
                compound_start = false;
            }
            b' ' | b'>' | b'\t' | b'\n' => {
                i += 1;
                compound_start = true;
            }
            c if compound_start && c.is_ascii_alphabetic() => {
                let j = ident(i);
                keep(format!("<{}", alt[i..j].to_ascii_lowercase()));
                i = j;
                compound_start = false;
            }
            b'*' => {
                i += 1;
                compound_start = false;
            }
            // `:` pseudo-classes (a `:not(...)` literal must not be required),
            // `\` escapes, `+`/`~` combinators lol_html rejects anyway.
            _ => return None,
        }
    }
    best
}

/// The literal value of `attr op "value"` inside `[...]`: `Some(None)` when the
/// attribute only has to exist or uses `|=`, `None` when the text can't be read
/// safely (a case flag, or characters HTML would escape).
fn attribute_value(inner: &str) -> Option<Option<String>> {
    let Some(op) = inner.find('=') else { return Some(None) };
    if inner[..op].ends_with('|') {
        return Some(None);
    }
    let raw = inner[op + 1..].trim();
    let value = if let Some(q) = raw.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let rest = &raw[1..];
        let end = rest.find(q)?;
        if !rest[end + 1..].trim().is_empty() {
            return None; // `i` / `s` flag
        }
        &rest[..end]
    } else {
        if raw.contains(char::is_whitespace) {
            return None;
        }
        raw
    };
    if value.contains(['&', '<', '>', '"', '\'', '\\']) {
        return None;
    }
    Some((!value.is_empty()).then(|| value.to_string()))
}

fn split_outside_quotes(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quote = None;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, c) if c == sep => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selector_needles_are_literals_a_match_must_contain() {
        let n = |s: &str| selector_needles(s);
        assert_eq!(n("ins.adsbygoogle"), Some(vec!["adsbygoogle".to_string()]));
        assert_eq!(n("iframe"), Some(vec!["<iframe".to_string()]));
        assert_eq!(
            n(r#"script[src*="taboola.com"], div#ad-slot"#),
            Some(vec!["taboola.com".into(), "ad-slot".into()])
        );
        assert_eq!(n("a[href*=\"x,y\"]"), Some(vec!["x,y".to_string()]));
        assert_eq!(n("div > span"), Some(vec!["<span".to_string()]));
        assert_eq!(n("div:not(.ad)"), None);
        assert_eq!(n("[data-ad]"), None);
        assert_eq!(n(r#"img[style*="display:none" i]"#), None);
        assert_eq!(n("*"), None);
    }
}
