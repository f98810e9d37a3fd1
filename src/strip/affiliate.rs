//! `affiliate_links: unwrap`: what becomes of each affiliate link the element pass found.
//!
//! lol_html decides about an `<a>` at its start tag, before its text is known,
//! but whether the link becomes `<a href="#heading">` or plain text depends on
//! that text. Rather than a second pass over the article, the element pass
//! puts a mark before and after each affiliate link (and drops its tags); once
//! its text is known, [`resolve`] turns the marks into the new tags or nothing.

use super::prefilter::has;
use crate::model::{Link, Stripped, StrippedKind, TocEntry};

/// Before an affiliate link's text: `<!--inkproof:A` + its number + `-->`.
pub(super) const OPEN_MARK: &str = "<!--inkproof:A";
/// After it: `<!--inkproof:/A` + its number + `-->`.
pub(super) const CLOSE_MARK: &str = "<!--inkproof:/A";

/// One affiliate link, as the element pass saw it.
#[derive(Debug, Default)]
pub(super) struct Found {
    /// The `affiliate_hosts` entry it matched, for `--verbose`.
    pub host: String,
    /// Its URL as the browser reads it.
    pub href: String,
    /// Its text, raw (character references not decoded).
    pub text: String,
    /// Line of the last sentinel before it (0: it came from Markdown).
    pub line: usize,
}

/// What the element pass knows of the article besides its HTML.
#[derive(Debug, Default, Clone, Copy)]
pub struct Page<'a> {
    /// The headings a link's text may name.
    pub headings: &'a [TocEntry],
    /// The Markdown links, for the line an affiliate link was written on.
    pub links: &'a [Link],
}

/// Text reduced to what a reader would call "the same words": lowercase
/// letters and digits only, so `Fix #2: Restart` and `fix 2 — restart` agree.
fn key(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The one heading whose text is `text` (character references decoded), up
/// to case, punctuation and whitespace. `None` when none or several are: a
/// guess between two headings would be a wrong link half the time.
pub fn heading_named<'h>(text: &str, headings: &'h [TocEntry]) -> Option<&'h TocEntry> {
    let wanted = key(text);
    if wanted.is_empty() {
        return None;
    }
    let mut hits = headings.iter().filter(|h| key(&h.title) == wanted);
    let first = hits.next()?;
    hits.next().is_none().then_some(first)
}

/// What one mark pair becomes.
enum Fate {
    /// The text stays, the link goes.
    Unwrap,
    /// The text is the affiliate URL itself (an autolink): both go.
    Drop,
    /// The link now points at this heading id.
    Point(String),
}

/// Replaces the marks of `found` in `html`, and reports each link. Lines come
/// from the Markdown link with the same URL when there is one (the first not
/// yet used, in order), else from the sentinel before the raw `<a>`.
pub(super) fn resolve(
    html: &str,
    found: Vec<Found>,
    rules: &super::StripRules,
    page: Page<'_>,
) -> (String, Vec<Stripped>) {
    let mut used = vec![false; page.links.len()];
    let mut report = Vec::with_capacity(found.len());
    let mut fates = Vec::with_capacity(found.len());
    for f in found {
        let text = crate::text::decode_text(&f.text);
        // Only a link whose end tag was seen can be kept or dropped whole;
        // one the parser closed by itself has no close mark and is unwrapped.
        let closed = || has(html, &format!("{CLOSE_MARK}{}-->", fates.len()));
        let fate = if rules.affiliate_host(text.trim()).is_some() && closed() {
            Fate::Drop
        } else {
            match heading_named(&text, page.headings) {
                Some(h) if closed() => Fate::Point(h.id.clone()),
                _ => Fate::Unwrap,
            }
        };
        let at = page
            .links
            .iter()
            .zip(used.iter_mut())
            .find(|(l, used)| !**used && !l.is_image && l.href == f.href);
        let line = match at {
            Some((l, used)) => {
                *used = true;
                l.line
            }
            None => f.line,
        };
        let (kind, what) = match &fate {
            Fate::Unwrap => {
                (StrippedKind::Unwrapped, format!("affiliate link ({}) unwrapped", f.host))
            }
            Fate::Drop => (
                StrippedKind::Unwrapped,
                format!("affiliate link ({}) removed: its text was its URL", f.host),
            ),
            Fate::Point(id) => {
                (StrippedKind::Pointed, format!("affiliate link ({}) pointed at #{id}", f.host))
            }
        };
        report.push(Stripped { kind, what, line });
        fates.push(fate);
    }
    (replace_marks(html, &fates), report)
}

/// One scan over `html`: each mark pair becomes its fate's tags (or nothing).
fn replace_marks(html: &str, fates: &[Fate]) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let finder = memchr::memmem::Finder::new("<!--inkproof:");
    // Inside a dropped link, text is skipped up to its close mark.
    let mut dropping: Option<usize> = None;
    while let Some(i) = finder.find(rest.as_bytes()) {
        if dropping.is_none() {
            out.push_str(&rest[..i]);
        }
        let at = &rest[i..];
        let mark = [(OPEN_MARK, true), (CLOSE_MARK, false)].into_iter().find_map(|(m, open)| {
            let after = at.strip_prefix(m)?;
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            let n: usize = after[..digits].parse().ok()?;
            after[digits..].starts_with("-->").then_some((n, open, m.len() + digits + 3))
        });
        match mark {
            Some((n, open, len)) if n < fates.len() => {
                match (&fates[n], open) {
                    (Fate::Point(id), true) => {
                        out.push_str("<a href=\"#");
                        out.push_str(&crate::escape::escape_attr(id));
                        out.push_str("\">");
                    }
                    (Fate::Point(_), false) => out.push_str("</a>"),
                    (Fate::Drop, true) => dropping = Some(n),
                    (Fate::Drop, false) if dropping == Some(n) => dropping = None,
                    _ => {}
                }
                rest = &at[len..];
            }
            _ => {
                // Another sentinel (or text that only looks like one): kept.
                if dropping.is_none() {
                    out.push_str("<!--inkproof:");
                }
                rest = &at["<!--inkproof:".len()..];
            }
        }
    }
    if dropping.is_none() {
        out.push_str(rest);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{strip_elements, AffiliateLinks, StripRules};
    use super::*;

    fn unwrap_rules() -> StripRules {
        StripRules { affiliate_links: AffiliateLinks::Unwrap, ..StripRules::default() }
    }

    fn heading(id: &str, title: &str) -> TocEntry {
        TocEntry { level: 2, id: id.into(), title: title.into() }
    }

    fn link(href: &str, line: usize) -> Link {
        Link { href: href.into(), line, col: 1, is_image: false }
    }

    fn report(found: &[Stripped]) -> Vec<(StrippedKind, &str, usize)> {
        found.iter().map(|s| (s.kind, s.what.as_str(), s.line)).collect()
    }

    #[test]
    fn text_stays_and_the_link_goes() {
        let html = "<p>First <a href=\"https://microsoft.sjv.io/c/1/2?u=x&amp;p=1\" title=\"Buy\">restart the <strong>service</strong></a>, then <a href=\"https://learn.microsoft.com/\">read on</a>.</p>\n";
        let links = [
            link("https://learn.microsoft.com/", 2),
            link("https://microsoft.sjv.io/c/1/2?u=x&p=1", 3),
        ];
        let page = Page { headings: &[], links: &links };
        let (out, found) = strip_elements(html, &unwrap_rules(), page);
        assert_eq!(
            out,
            "<p>First restart the <strong>service</strong>, then <a href=\"https://learn.microsoft.com/\">read on</a>.</p>\n"
        );
        assert_eq!(
            report(&found),
            [(StrippedKind::Unwrapped, "affiliate link (sjv.io) unwrapped", 3)]
        );
    }

    #[test]
    fn text_naming_one_heading_points_at_it() {
        let headings = [
            heading("fix-1", "Fix 1: Run the troubleshooter"),
            heading("fix-2", "Fix 2: Restart the service"),
        ];
        let html = "<p>If that fails, <a href=\"https://x.pxf.io/c/9\">fix #2 &ndash; restart the   SERVICE</a>.</p>\n<h2 id=\"fix-2\">Fix 2: Restart the service</h2>\n";
        let page = Page { headings: &headings, links: &[] };
        let (out, found) = strip_elements(html, &unwrap_rules(), page);
        assert_eq!(
            out,
            "<p>If that fails, <a href=\"#fix-2\">fix #2 &ndash; restart the   SERVICE</a>.</p>\n<h2 id=\"fix-2\">Fix 2: Restart the service</h2>\n"
        );
        assert_eq!(
            report(&found),
            [(StrippedKind::Pointed, "affiliate link (pxf.io) pointed at #fix-2", 0)]
        );
    }

    #[test]
    fn text_naming_two_headings_or_none_is_unwrapped() {
        let headings = [heading("update", "Update"), heading("update-1", "Update")];
        let html = "<p><a href=\"https://x.sjv.io/a\">Update</a> and <a href=\"https://x.sjv.io/b\">elsewhere</a></p>";
        let page = Page { headings: &headings, links: &[] };
        let (out, found) = strip_elements(html, &unwrap_rules(), page);
        assert_eq!(out, "<p>Update and elsewhere</p>");
        assert!(found.iter().all(|s| s.kind == StrippedKind::Unwrapped), "{found:?}");
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn a_link_whose_text_is_its_url_goes_whole() {
        let html =
            "<p>Get it at <a href=\"https://x.sjv.io/c/1\">https://x.sjv.io/c/1</a> today.</p>";
        let (out, found) = strip_elements(html, &unwrap_rules(), Page::default());
        assert_eq!(out, "<p>Get it at  today.</p>");
        assert_eq!(
            report(&found),
            [(StrippedKind::Unwrapped, "affiliate link (sjv.io) removed: its text was its URL", 0)]
        );
    }

    #[test]
    fn raw_html_links_take_their_sentinel_line_and_unclosed_ones_close_with_their_paragraph() {
        let html = "<!--inkproof:L7--><p>Try <A HREF=\"HTTPS://Shop.2Checkout.com/order?PRODS=1&amp;affiliate=9\">the tool</A>.</p>\n<!--inkproof:L9--><p><a href=\"https://x.sjv.io/z\">open <b>it</b></p>\n<p>Rest of the guide.</p>\n";
        let headings = [heading("open-it", "Open it")];
        let (out, found) =
            strip_elements(html, &unwrap_rules(), Page { headings: &headings, links: &[] });
        assert!(
            !out.contains("2checkout") && !out.contains("sjv.io") && !out.contains("inkproof"),
            "{out}"
        );
        assert!(
            out.contains("<p>Try the tool.</p>") && out.contains("Rest of the guide."),
            "{out}"
        );
        // Never closed by the author: closed where the parser closes it (the
        // end of its paragraph), not at the end of the article.
        assert!(out.contains("<p><a href=\"#open-it\">open <b>it</b></a>\n<p>Rest"), "{out}");
        let lines: Vec<_> = found.iter().map(|s| (s.kind, s.line)).collect();
        assert_eq!(lines, [(StrippedKind::Unwrapped, 7), (StrippedKind::Pointed, 9)]);
    }

    #[test]
    fn keep_and_non_affiliate_links_are_untouched() {
        let html = "<p><a href=\"https://x.sjv.io/c/1\">Deal</a> <a href=\"https://shop.2checkout.com/order?PRODS=1\">Buy</a></p>";
        let (out, found) = strip_elements(html, &StripRules::default(), Page::default());
        assert_eq!((out.as_str(), found.len()), (html, 0));
        let (out, found) = strip_elements(html, &unwrap_rules(), Page::default());
        assert_eq!(out, "<p>Deal <a href=\"https://shop.2checkout.com/order?PRODS=1\">Buy</a></p>");
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn a_link_inside_a_removed_ad_is_not_counted() {
        let html = "<!--inkproof:L3--><ins class=\"adsbygoogle\"><a href=\"https://x.sjv.io/c\">Ad</a></ins><p>Text</p>";
        let (out, found) = strip_elements(html, &unwrap_rules(), Page::default());
        assert_eq!(out, "<p>Text</p>");
        assert_eq!(report(&found), [(StrippedKind::Element, "ins.adsbygoogle", 3)]);
    }

    #[test]
    fn headings_match_by_words_only_once() {
        let hs = [heading("a", "Fix 2: Restart the Service"), heading("b", "Fix 20")];
        assert_eq!(heading_named("fix2", &hs), None);
        assert_eq!(
            heading_named("fix 2 restart the service!", &hs).map(|h| h.id.as_str()),
            Some("a")
        );
        assert_eq!(heading_named("Fix 20", &hs).map(|h| h.id.as_str()), Some("b"));
        assert_eq!(heading_named("  --  ", &hs), None);
    }
}
