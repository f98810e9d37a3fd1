//! Checks of the rendered pages: what a theme or a template edit can break for
//! every page at once (no `<title>`, no description, a third-party script).
//!
//! A finding on an article's page is reported at the article; the same finding
//! on list pages (home, tags, search) is reported once, at the base template,
//! with a count, so one missing site `description` isn't fifty findings.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::diag::{Diagnostic, Location};

// Pages are scanned as bytes: every rendered page goes through here on every
// build, and the marks looked for are ASCII, so nothing needs decoding or
// validating to find them.
use crate::registry::{ids, WarningId};
use memchr::memmem::{self, find};

/// `bytes` as text for a message (a page is UTF-8; anything else is shown
/// replaced rather than dropped).
fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or("\u{FFFD}")
}

/// The text of `<title>` (or `None` without one).
fn title(html: &[u8]) -> Option<&str> {
    let start = find(html, b"<title>")? + "<title>".len();
    let end = find(&html[start..], b"</title>")?;
    Some(text(&html[start..start + end]).trim())
}

/// The `content` of `<meta name="description">`.
fn description(html: &[u8]) -> Option<&str> {
    let i = find(html, b"<meta name=\"description\"")?;
    let tag = &html[i..i + memchr::memchr(b'>', &html[i..])?];
    let c = find(tag, b"content=\"")? + "content=\"".len();
    let end = memchr::memchr(b'"', &tag[c..])?;
    Some(text(&tag[c..c + end]).trim())
}

/// Hosts of `<script src>` that are not the site's own.
fn third_party_scripts<'h>(html: &'h [u8], own_host: &str) -> Vec<&'h str> {
    let mut out = Vec::new();
    for i in memmem::find_iter(html, b"<script") {
        let rest = &html[i + 7..];
        let Some(end) = memchr::memchr(b'>', rest) else { break };
        let tag = &rest[..end];
        let Some(s) = find(tag, b"src=\"") else { continue };
        let src = &tag[s + 5..];
        let src = text(&src[..memchr::memchr(b'"', src).unwrap_or(src.len())]);
        let Some(after) =
            src.split_once("//").filter(|(scheme, _)| scheme.is_empty() || scheme.ends_with(':'))
        else {
            continue;
        };
        let host = after.1.split(['/', ':', '?']).next().unwrap_or("");
        if !host.eq_ignore_ascii_case(own_host) {
            out.push(src);
        }
    }
    out
}

/// What one rendered page lacks or loads: `(check id, message)` pairs. A pure
/// function of the page, so the engine keeps the result with the page's key.
pub fn page(config: &Config, html: &[u8]) -> Vec<(WarningId, String)> {
    let own_host = config.base_url.split_once("://").map_or("", |(_, r)| r);
    let own_host = own_host.split(['/', ':']).next().unwrap_or("");
    let mut found: Vec<(WarningId, String)> = Vec::new();
    if find(html, b"<html").is_none() {
        return found; // a redirect stub or fragment
    }
    if title(html).is_none_or(str::is_empty) {
        found.push((ids::PAGE_MISSING_TITLE, "the page has no <title>".into()));
    }
    if description(html).is_none_or(str::is_empty) && !is_redirect(html) {
        found.push((ids::PAGE_MISSING_DESCRIPTION, "the page has no meta description".into()));
    }
    for src in third_party_scripts(html, own_host) {
        found.push((ids::PAGE_THIRD_PARTY_SCRIPT, format!("the page loads a script from `{src}`")));
    }
    found
}

/// Turns the findings of every page into diagnostics: at the article for an
/// article's page; once per id, at the base template, with a count, for the
/// other pages. `pages` yields (output path, the article it shows, findings).
pub fn report<'a>(
    config: &Config,
    pages: impl Iterator<Item = (&'a Path, Option<&'a Path>, &'a [(WarningId, String)])>,
) -> Vec<Diagnostic> {
    let template = config.templates_dir.join("base.html");
    let mut diags = Vec::new();
    // code → (pages, first page, message) for pages that are not articles
    let mut site_wide: HashMap<WarningId, (usize, PathBuf, String)> = HashMap::new();
    let mut pages: Vec<_> = pages.filter(|(_, _, f)| !f.is_empty()).collect();
    pages.sort_by(|a, b| a.0.cmp(b.0));
    for (path, source, found) in pages {
        for (code, message) in found {
            match source {
                Some(source) => diags.push(
                    Diagnostic::warning(
                        *code,
                        Location::file(source),
                        format!("{message} (`{}`)", path.display()),
                    )
                    .with_help(help(*code)),
                ),
                None => {
                    let e =
                        site_wide.entry(*code).or_insert((0, path.to_path_buf(), message.clone()));
                    e.0 += 1;
                }
            }
        }
    }
    let mut site_wide: Vec<_> = site_wide.into_iter().collect();
    site_wide.sort();
    for (code, (n, first, message)) in site_wide {
        let more = if n > 1 { format!(" and {} more pages", n - 1) } else { String::new() };
        diags.push(
            Diagnostic::warning(
                code,
                Location::file(&template),
                format!("{message}: `{}`{more}", first.display()),
            )
            .with_help(help(code)),
        );
    }
    diags
}

fn is_redirect(html: &[u8]) -> bool {
    find(html, b"http-equiv=\"refresh\"").is_some()
}

fn help(code: WarningId) -> &'static str {
    match code {
        ids::PAGE_MISSING_TITLE => "the theme's base.html must render <title>; check the `title` in front matter and inkproof.yaml",
        ids::PAGE_MISSING_DESCRIPTION => "set `description` in the article's front matter, and a site `description` in inkproof.yaml for list pages",
        _ => "copy the script into static/ and load it from the site; third-party scripts track readers",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_title_description_and_script_hosts() {
        let html = r#"<html><head><title> A </title><meta name="description" content="d">
<script src="/app.js"></script><script src="https://cdn.example.net/x.js"></script>
<script src="//guides.example.org/y.js"></script></head></html>"#
            .as_bytes();
        assert_eq!(title(html), Some("A"));
        // Found as bytes, returned as the text between them.
        let accented = "<html><title> Réglages — Wi‑Fi </title>".as_bytes();
        assert_eq!(title(accented), Some("Réglages — Wi‑Fi"));
        let config = Config::default();
        assert_eq!(page(&config, accented).len(), 1, "only the description is missing");
        assert_eq!(description(html), Some("d"));
        assert_eq!(
            third_party_scripts(html, "guides.example.org"),
            ["https://cdn.example.net/x.js"]
        );
    }
}
