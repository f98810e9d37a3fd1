//! What must not reach readers: script URLs, scripts and inline handlers in raw
//! HTML, iframes from unknown hosts, control characters, images without alt
//! text or over http, and affiliate links or ad markup left outside markers.

use std::path::Path;

use crate::config::Config;
use crate::diag::{Diagnostic, LineIndex, Location};
use crate::model::Article;
use crate::strip::AffiliateLinks;

use super::facts::{Facts, Pos, TagFact};
use super::loc;
use crate::registry::ids;

/// The dangerous scheme of `url`, as browsers read it: character references
/// (with or without `;`), case, leading blanks and tabs or newlines inside the
/// scheme don't matter to them, so they don't here.
pub fn unsafe_scheme(url: &str) -> Option<&'static str> {
    let folded: String = crate::text::decode_attribute(url)
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .take(16)
        .collect::<String>()
        .to_ascii_lowercase();
    ["javascript:", "vbscript:", "data:text/html"]
        .into_iter()
        .find(|s| folded.starts_with(s))
        .map(|s| s.trim_end_matches(':'))
}

fn host(url: &str) -> Option<String> {
    let rest = url.split_once("://").map(|(_, r)| r).or_else(|| url.strip_prefix("//"))?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = rest[..end].rsplit('@').next()?;
    let host = host.split(':').next()?;
    Some(host.to_ascii_lowercase())
}

fn host_in(host: &str, list: &[String]) -> bool {
    list.iter().any(|h| {
        let h = h.to_ascii_lowercase();
        host == h || host.ends_with(&format!(".{h}"))
    })
}

/// Attribute names whose value is a URL the browser follows or loads.
const URL_ATTRS: &[&str] = &["href", "src", "action", "formaction", "xlink:href", "data", "poster"];

pub fn check(
    config: &Config,
    path: &Path,
    facts: &Facts,
    final_html: Option<&str>,
    out: &mut Vec<Diagnostic>,
) {
    // Scripts the strip rules removed (inline ad loaders) never reach the page.
    let scripts_published = final_html.is_none_or(|h| h.contains("<script"));
    for l in &facts.links {
        let what = if l.is_image { "image" } else { "link" };
        url_checks(config, path, &l.href, what, !l.is_image, l.at, out);
        if l.is_image {
            image_checks(path, l.alt.as_deref(), &l.href, l.at, out);
        }
    }
    for t in &facts.tags {
        if t.name == "script" && !scripts_published {
            continue;
        }
        tag_checks(config, path, t, out);
    }
}

/// `is_link`: the URL is a link's target, which `affiliate_links: unwrap`
/// takes out of the page (an image's source it does not).
fn url_checks(
    config: &Config,
    path: &Path,
    url: &str,
    what: &str,
    is_link: bool,
    at: Pos,
    out: &mut Vec<Diagnostic>,
) {
    if let Some(scheme) = unsafe_scheme(url) {
        out.push(
            Diagnostic::error(
                ids::LINK_UNSAFE_SCHEME,
                loc(path, at),
                format!("{what} to a `{scheme}:` URL runs code in the reader's browser"),
            )
            .with_help("link to a page or file instead"),
        );
    } else if config.strip.affiliate_host(url).is_some() {
        // Unwrapped at build: the reader never gets it, the summary counts it.
        if is_link && config.strip.affiliate_links == AffiliateLinks::Unwrap {
            return;
        }
        out.push(
            Diagnostic::warning(
                ids::ADS_AFFILIATE_LINK,
                loc(path, at),
                format!("affiliate link `{url}` outside ad markers"),
            )
            .with_help("link to the vendor's page directly, or wrap the block in ad markers"),
        );
    }
}

fn image_checks(path: &Path, alt: Option<&str>, src: &str, at: Pos, out: &mut Vec<Diagnostic>) {
    if alt.is_none_or(|a| a.trim().is_empty()) {
        out.push(
            Diagnostic::warning(
                ids::IMAGE_MISSING_ALT,
                loc(path, at),
                format!("image `{src}` has no alt text"),
            )
            .with_help("say what the image shows, e.g. ![The Activation page](shot.png)"),
        );
    }
    if src.get(..7).is_some_and(|s| s.eq_ignore_ascii_case("http://")) {
        out.push(
            Diagnostic::warning(
                ids::IMAGE_INSECURE,
                loc(path, at),
                format!("image `{src}` is loaded over http://"),
            )
            .with_help("use https://, or copy the image into the page bundle"),
        );
    }
}

fn tag_checks(config: &Config, path: &Path, t: &TagFact, out: &mut Vec<Diagnostic>) {
    let attr = |name: &str| t.attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    for (name, value) in &t.attrs {
        if URL_ATTRS.contains(&name.as_str()) {
            let is_link = t.name == "a" && name == "href";
            url_checks(config, path, value, &format!("`<{} {name}>`", t.name), is_link, t.at, out);
        }
    }
    // Only `on…=` runs code: a bare word starting with `on` is text, as in the
    // placeholder `<path to OneDrive folder>` (`content/swallowed-text`).
    if let Some((name, _)) =
        t.attrs.iter().find(|(n, _)| crate::text::is_event_handler(n) && !t.bare.contains(n))
    {
        out.push(
            Diagnostic::warning(
                ids::HTML_EVENT_HANDLER,
                loc(path, t.at),
                format!("`<{}>` has an inline `{name}` handler", t.name),
            )
            .with_help("remove it; article HTML should not run code"),
        );
    }
    match t.name.as_str() {
        "script" => {
            // Ad loaders are removed by the strip rules; don't warn about those.
            let ad = attr("src")
                .and_then(host)
                .is_some_and(|h| host_in(&h, &config.strip.ad_script_hosts));
            if !ad {
                out.push(
                    Diagnostic::warning(
                        ids::HTML_SCRIPT,
                        loc(path, t.at),
                        match attr("src") {
                            Some(src) => format!("`<script src=\"{src}\">` in the article body"),
                            None => "inline `<script>` in the article body".to_string(),
                        },
                    )
                    .with_help("scripts belong in the theme; remove it from the article"),
                );
            }
        }
        "iframe" => {
            let src = attr("src").unwrap_or("");
            let trusted = host(src).is_some_and(|h| host_in(&h, &config.check.iframe_hosts));
            if !trusted {
                out.push(
                    Diagnostic::warning(
                        ids::HTML_IFRAME,
                        loc(path, t.at),
                        format!("`<iframe src=\"{src}\">` from a host the site does not trust"),
                    )
                    .with_help(
                        "add the host to `check.iframe_hosts` in inkproof.yaml if you trust it",
                    ),
                );
            }
        }
        "img" => image_checks(path, attr("alt"), attr("src").unwrap_or(""), t.at, out),
        _ => {}
    }
}

/// Control characters other than tab and line breaks: one finding per line.
/// The Markdown stage drops them from the page.
pub fn control_chars(
    path: &Path,
    body: &str,
    body_offset: usize,
    index: &LineIndex<'_>,
    out: &mut Vec<Diagnostic>,
) {
    if !crate::marks::may_hold_controls(body) {
        return;
    }
    let mut last_line = 0;
    for (i, c) in body.char_indices() {
        if !c.is_control() || matches!(c, '\t' | '\n' | '\r') {
            continue;
        }
        let (line, col) = index.line_col(body_offset + i);
        if line == last_line {
            continue;
        }
        last_line = line;
        out.push(
            Diagnostic::warning(
                ids::CONTENT_CONTROL_CHAR,
                Location::new(path, line, Some(col)),
                format!(
                    "control character U+{:04X} in the text; it is left out of the page",
                    c as u32
                ),
            )
            .with_help("delete it; it usually comes from a bad copy and paste"),
        );
    }
}

/// Bidi controls and zero-width characters anywhere in the file, front matter
/// included (a title carries them into `<title>`, feeds and search): one
/// finding per kind and line, at the first one's column.
///
/// A bidi control inside code is an error, not a warning: a how-to's code is
/// pasted into a terminal, and there the control makes the command that runs
/// differ from the command the reader checked ("Trojan Source"). The page
/// shows such characters as marks and leaves them out of the copied code, but
/// the author still has to decide what the command is. In prose they are
/// rare and sometimes meant (right-to-left quotes), so a warning.
pub fn invisible_chars(
    path: &Path,
    text: &str,
    body_offset: usize,
    index: &LineIndex<'_>,
    out: &mut Vec<Diagnostic>,
) {
    use crate::text::Invisible;
    if !crate::text::may_hold_invisible(text) {
        return;
    }
    let body_offset = body_offset.min(text.len());
    // Only a file that holds one pays for finding where its code is.
    let code: Vec<std::ops::Range<usize>> =
        pulldown_cmark::Parser::new_ext(&text[body_offset..], crate::marks::markdown_options())
            .into_offset_iter()
            .filter(|(e, _)| {
                matches!(e, pulldown_cmark::Event::Code(_))
                    || matches!(e, pulldown_cmark::Event::Start(pulldown_cmark::Tag::CodeBlock(_)))
            })
            .map(|(_, r)| body_offset + r.start..body_offset + r.end)
            .collect();
    let mut last: Option<(usize, crate::registry::CheckId)> = None;
    for (i, c) in text.char_indices() {
        let Some((kind, name)) = crate::text::invisible(c) else { continue };
        // A byte order mark at the very start is the file's encoding mark.
        if i == 0 && c == '\u{FEFF}' {
            continue;
        }
        let in_code = code.iter().any(|r| r.contains(&i));
        let where_ = if i < body_offset {
            "front matter"
        } else if in_code {
            "code"
        } else {
            "text"
        };
        let id = match kind {
            Invisible::Bidi if in_code => ids::CONTENT_BIDI_IN_CODE.0,
            Invisible::Bidi => ids::CONTENT_BIDI_CONTROL.0,
            Invisible::ZeroWidth => ids::CONTENT_INVISIBLE_CHAR.0,
        };
        let (line, col) = index.line_col(i);
        if last == Some((line, id)) {
            continue;
        }
        last = Some((line, id));
        let at = Location::new(path, line, Some(col));
        let cp = c as u32;
        out.push(if id == ids::CONTENT_BIDI_IN_CODE {
            Diagnostic::error(
                ids::CONTENT_BIDI_IN_CODE,
                at,
                format!(
                    "bidi control U+{cp:04X} ({name}) in code: the command shown is not the \
                     command a reader's terminal runs"
                ),
            )
            .with_help("delete it; the page marks it and leaves it out of the copied code")
        } else if id == ids::CONTENT_BIDI_CONTROL {
            Diagnostic::warning(
                ids::CONTENT_BIDI_CONTROL,
                at,
                format!("bidi control U+{cp:04X} ({name}) in the {where_}: it reorders what readers see"),
            )
            .with_help("delete it, unless it orders right-to-left text on purpose")
        } else {
            Diagnostic::warning(
                ids::CONTENT_INVISIBLE_CHAR,
                at,
                format!("invisible U+{cp:04X} ({name}) in the {where_}"),
            )
            .with_help("delete it; it usually comes from a copy and paste")
        });
    }
}

/// `ads/leftover`: a configured marker comment that is still in the page. Not
/// reported when the file has an unclosed or stray marker: that finding already
/// says where and why the block stayed.
///
/// When the site replaced the default element rules, ad markup the defaults
/// know (AdSense slots, ad-network scripts) that the site's own rules let
/// through is reported too, at the line of its tag.
pub fn leftover_ads(
    config: &Config,
    a: &Article,
    text: &str,
    marker_problem: bool,
    out: &mut Vec<Diagnostic>,
) {
    if marker_problem {
        return;
    }
    // Made once: this runs for every article on every build.
    static DEFAULTS: std::sync::LazyLock<crate::strip::StripRules> =
        std::sync::LazyLock::new(crate::strip::StripRules::default);
    let defaults = &*DEFAULTS;
    let custom = !config.strip.element_rules_eq(defaults);
    if custom {
        let (_, found) =
            crate::strip::strip_elements(&a.html, defaults, crate::strip::Page::default());
        let body_start = crate::front_matter::body_offset(text).unwrap_or(0);
        let lower = text.to_ascii_lowercase();
        let index = LineIndex::new(text);
        let mut from = body_start;
        for s in found {
            let tag: String = s.what.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
            let hit = (!tag.is_empty())
                .then(|| lower[from..].find(&format!("<{}", tag.to_ascii_lowercase())))
                .flatten()
                .map(|i| from + i);
            let at = match hit {
                Some(off) => {
                    from = off + 1;
                    index.location(&a.source, off)
                }
                None => Location::file(&a.source),
            };
            out.push(
                Diagnostic::warning(
                    ids::ADS_LEFTOVER,
                    at,
                    format!("ad markup `{}` is still in the page: the site's strip rules don't remove it", s.what),
                )
                .with_help("add a selector for it under `strip:` in inkproof.yaml, or wrap it in ad markers"),
            );
        }
    }
    if !a.html.contains("<!--") {
        return;
    }
    let html = a.html.to_lowercase();
    for pair in &config.strip.markers {
        for marker in [&pair.begin, &pair.end] {
            let needle = marker.trim().to_lowercase();
            if needle.is_empty() || !html.contains(&needle) {
                continue;
            }
            let index = LineIndex::new(text);
            let at = text
                .to_lowercase()
                .find(&needle)
                .map_or_else(|| Location::file(&a.source), |off| index.location(&a.source, off));
            out.push(
                Diagnostic::warning(
                    ids::ADS_LEFTOVER,
                    at,
                    format!("the ad marker `<!-- {} -->` is still in the page", marker.trim()),
                )
                .with_help("a marker inside raw HTML is not cut; put it on its own line between blank lines"),
            );
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_are_read_like_a_browser() {
        assert_eq!(unsafe_scheme("javascript:alert(1)"), Some("javascript"));
        assert_eq!(unsafe_scheme(" JaVa\tScript:x"), Some("javascript"));
        assert_eq!(unsafe_scheme("&#106;avascript&colon;x"), Some("javascript"));
        assert_eq!(unsafe_scheme("javascript&#58alert(1)"), Some("javascript"));
        assert_eq!(unsafe_scheme("&#x6A;avascript:x"), Some("javascript"));
        assert_eq!(unsafe_scheme("java&Tab;script:x"), Some("javascript"));
        assert_eq!(unsafe_scheme("java&NewLine;script&#x3A;x"), Some("javascript"));
        assert_eq!(unsafe_scheme("&#0000106avascript:x"), Some("javascript"));
        assert_eq!(unsafe_scheme("vbscript:msgbox"), Some("vbscript"));
        assert_eq!(unsafe_scheme("data:text/html;base64,xx"), Some("data:text/html"));
        assert_eq!(unsafe_scheme("data:image/png;base64,xx"), None);
        assert_eq!(unsafe_scheme("https://x.org/javascript:"), None);
        assert_eq!(unsafe_scheme("guide/"), None);
    }

    #[test]
    fn affiliate_hosts() {
        let rules = crate::strip::StripRules::default();
        let is_affiliate = |url: &str| rules.affiliate_host(url).is_some();
        assert!(is_affiliate("https://microsoft.sjv.io/c/123"));
        assert!(is_affiliate("https://x.pxf.io/abc"));
        assert!(is_affiliate("https://shop.2checkout.com/order?PRODS=1&AFFILIATE=99"));
        assert!(!is_affiliate("https://shop.2checkout.com/order?PRODS=1"));
        assert!(!is_affiliate("https://learn.microsoft.com/"));
    }
}
