//! The one list of every finding inkproof can report.
//!
//! A diagnostic's `code` must be an id in [`CHECKS`]; a test collects every
//! code string in `src/` and fails on one that is missing here, and another
//! compares this list with the table in `docs/content/checks.md`, so the docs,
//! `check --list`, the config's `checks:` map and suppression comments all
//! agree on one spelling.
//!
//! The severity here is the default; the site config can change it per id
//! (`checks: { link/broken: error, seo/description-length: off }`), which
//! [`super::finalize`] applies after every stage has reported.

use crate::diag::Severity;

/// What a check finds and how to fix it, for `check --list` and the docs.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    pub id: &'static str,
    pub severity: Severity,
    /// One line: what the finding means.
    pub summary: &'static str,
    /// One line: what the author usually does about it.
    pub fix: &'static str,
}

const fn e(id: &'static str, summary: &'static str, fix: &'static str) -> Check {
    Check { id, severity: Severity::Error, summary, fix }
}

const fn w(id: &'static str, summary: &'static str, fix: &'static str) -> Check {
    Check { id, severity: Severity::Warning, summary, fix }
}

/// Every check, grouped by topic (the part of the id before `/`).
pub const CHECKS: &[Check] = &[
    // Config and loading.
    e(
        "config/invalid",
        "the site config has a syntax error, an unknown key or a bad value",
        "fix the key at the reported line; see the config reference (docs/content/config.md)",
    ),
    e("load/not-utf8", "a content file is not UTF-8 text", "save the file as UTF-8"),
    e(
        "load/path-escape",
        "a file or symlink points outside the content folder",
        "move the file into content/ or remove the link",
    ),
    e("load/unreadable", "a content file cannot be read", "check the file's permissions"),
    w(
        "load/special-file",
        "a pipe, socket, device or symlinked folder in content/ (skipped)",
        "only regular files are read; move the folder in, or remove the entry",
    ),
    w(
        "load/symlink-loop",
        "a symlink points back to a folder that contains it (skipped)",
        "remove the link; folders are walked once",
    ),
    e(
        "output/unreadable",
        "a file to publish as is could not be read",
        "check the file's permissions",
    ),
    e(
        "output/unwritable",
        "a file could not be written to the output folder",
        "check the disk space and the folder's permissions",
    ),
    // Front matter.
    e(
        "front-matter/missing",
        "the file does not start with front matter",
        "start the file with `---`, `title: ...`, `---`",
    ),
    e(
        "front-matter/unclosed",
        "the front matter block is never closed",
        "add a line with only `---` after the last front matter line",
    ),
    e(
        "front-matter/invalid-yaml",
        "the front matter is not valid YAML",
        "follow the hint; quote values with `: ` or a leading quote",
    ),
    e(
        "front-matter/invalid-toml",
        "the front matter is not valid TOML",
        "fix the TOML syntax at the reported line",
    ),
    e(
        "front-matter/invalid-field",
        "a known field has the wrong type",
        "give the field the type the front matter reference lists (docs/content/front-matter.md)",
    ),
    e("front-matter/missing-title", "the article has no title", "add `title: ...`"),
    e(
        "front-matter/bad-date",
        "a date cannot be read",
        "write dates as 2024-08-22 or 2024-08-22T21:32:44Z",
    ),
    e(
        "front-matter/bad-alias",
        "an alias is not a usable URL path",
        "write aliases as site paths like /old-name/",
    ),
    w(
        "front-matter/updated-before-date",
        "`updated` is earlier than `date`",
        "swap the dates or remove `updated`",
    ),
    w(
        "front-matter/unknown-key",
        "a top-level key inkproof does not know (often a typo)",
        "fix the spelling, or move custom fields under `extra:`",
    ),
    w(
        "front-matter/future-date",
        "`date` is in the future, yet the page is published now",
        "correct the date, or mark the article `draft: true`",
    ),
    w(
        "front-matter/thumbnail",
        "`thumbnail` is neither a URL nor a file in the page bundle",
        "put the image in the bundle folder or use an https:// URL",
    ),
    w(
        "content/empty-body",
        "the article has front matter but no text",
        "write the article, or mark it `draft: true`",
    ),
    w(
        "content/control-char",
        "a NUL or other control character in the body (dropped from the page)",
        "delete the character; it usually comes from a bad copy and paste",
    ),
    w(
        "content/bidi-control",
        "a bidi control character (U+202A-202E, U+2066-2069) in the text or front matter",
        "delete it, unless it orders right-to-left text on purpose",
    ),
    e(
        "content/bidi-in-code",
        "a bidi control character in code: the command shown is not the one that runs",
        "delete it; the page marks it and leaves it out of the copied code",
    ),
    w(
        "content/invisible-char",
        "a zero-width character (U+200B-200D, U+2060, U+FEFF) in the text, code or front matter",
        "delete it; it usually comes from a copy and paste",
    ),
    w(
        "seo/description-length",
        "the description is shorter than 50 or longer than 160 characters",
        "search engines show about 50-160 characters; rewrite it to fit",
    ),
    w(
        "seo/duplicate-title",
        "two articles have the same title",
        "make each title say what its guide does",
    ),
    // Structure of the Markdown.
    e(
        "structure/unclosed-fence",
        "a fenced code block is never closed, so the rest of the file is code",
        "close the fence with the same number of backticks",
    ),
    w(
        "structure/skipped-heading-level",
        "a heading skips a level (## then ####)",
        "use the next level down; screen readers navigate by level",
    ),
    w(
        "structure/h1-in-body",
        "a `#` heading in the body (the title is already the page's h1)",
        "use `##` for sections",
    ),
    w(
        "structure/duplicate-id",
        "two headings set the same explicit `{#id}`",
        "give each heading its own id; links go to the first",
    ),
    // Ads and affiliate junk.
    e(
        "ads/unclosed-marker",
        "an ad begin marker has no end marker (nothing is cut)",
        "add the end marker where the ad ends",
    ),
    e(
        "ads/stray-end-marker",
        "an ad end marker has no begin marker",
        "remove it, or add the begin marker where the ad starts",
    ),
    w(
        "ads/leftover",
        "ad markup matching the site's strip rules is still in the page",
        "wrap it in a marker pair or add a strip rule",
    ),
    w(
        "ads/affiliate-link",
        "a known affiliate or tracking link outside ad markers",
        "link to the vendor's page directly, or wrap the block in ad markers",
    ),
    // Images.
    w(
        "image/missing",
        "a local image is not published",
        "put the file in the page bundle or static/, or fix the path",
    ),
    w(
        "image/missing-alt",
        "an image has no alt text",
        "describe what the image shows: `![Activation settings](shot.png)`",
    ),
    e(
        "image/unrenderable",
        "an SVG thumbnail cannot be drawn as the PNG og:image social sites need",
        "fix the SVG so it parses, or use a PNG or JPEG thumbnail",
    ),
    w(
        "image/insecure",
        "a remote image is loaded over http://",
        "use https://; browsers block mixed content",
    ),
    // Links.
    w(
        "link/broken",
        "an internal link to a page or file the build does not produce",
        "fix the path; the help names the closest page",
    ),
    w(
        "link/broken-anchor",
        "a link to a #fragment the target page does not have",
        "use the heading's id (lowercased, dashes)",
    ),
    w(
        "link/unknown-article",
        "a link to a .md file that no article is built from",
        "fix the path; it is relative to this article's folder",
    ),
    // External links (opt-in: `--external` or `check.external: true`).
    w(
        "link/external",
        "an external link fails: 4xx or 5xx answer, timeout, or no connection",
        "fix or remove the link; timeouts and 5xx are asked again on the next run",
    ),
    w(
        "link/external-redirect",
        "an external link redirects; the finding names where it ends",
        "link the final address",
    ),
    w(
        "link/external-fragment",
        "an external page exists but has no element with the link's #fragment as id",
        "open the page and copy the heading's anchor again",
    ),
    e(
        "link/unsafe-scheme",
        "a javascript:, vbscript: or data:text/html URL in a link, image or thumbnail",
        "link to a page instead; these URLs run code in the reader's browser",
    ),
    // Raw HTML.
    w(
        "html/script",
        "a `<script>` element in the article body",
        "move scripts into the theme; article HTML should not run code",
    ),
    w(
        "html/event-handler",
        "an inline `on*=` event handler attribute in the article body",
        "remove the handler; it runs code in the reader's browser",
    ),
    w(
        "html/iframe",
        "an `<iframe>` from a host not in `check.iframe_hosts`",
        "add the host to `check.iframe_hosts` if you trust it, or link instead",
    ),
    // Snippets.
    e("snippet/missing-path", "a snippet directive names no file", "write ```snippet FILE"),
    e(
        "snippet/missing-file",
        "the snippet file does not exist",
        "put it in the page bundle or content/snippets/",
    ),
    e(
        "snippet/path-escape",
        "the snippet path leaves the content folder",
        "use a path inside content/",
    ),
    e("snippet/unreadable", "the snippet file cannot be read", "check the file's permissions"),
    e("snippet/not-utf8", "the snippet file is not UTF-8", "save it as UTF-8"),
    e(
        "snippet/bad-option",
        "a snippet option is unknown or malformed",
        "use title=, lines=, region= or lang=",
    ),
    e(
        "snippet/bad-range",
        "`lines=` is not a range inside the file",
        "write lines=\"12-40\" within the file's length",
    ),
    e("snippet/bad-region", "a region has no matching end marker", "close it with #endregion"),
    e(
        "snippet/unknown-region",
        "the snippet file has no region of that name",
        "use one of the regions the help lists",
    ),
    w(
        "snippet/empty-range",
        "the region or line range shows nothing but blank lines",
        "point the region or range at the code",
    ),
    w(
        "snippet/plain-text",
        "the snippet's language cannot be highlighted; shown as plain text",
        "set lang= to a known language, or rename the file's extension",
    ),
    w(
        "snippet/cmd-non-ascii",
        "a batch file with non-ASCII characters",
        "keep batch files ASCII, or add `chcp 65001 >nul`",
    ),
    // Size limits (`limits:` in the config). Warning above the warning size;
    // above the error size the finding is an error and the file is not used.
    w(
        "limits/article-size",
        "an article is above the warning size (`limits: article_warning_kb`)",
        "check for pasted logs or data; raise the limit if it is meant to be this long",
    ),
    e(
        "limits/article-too-big",
        "an article is above the error size (`limits: article_error_kb`); it is not built",
        "split it into several articles, or raise the limit",
    ),
    w(
        "limits/snippet-size",
        "a snippet is above the warning size; the page shows its first lines only",
        "raise `limits: snippet_warning_kb` if it is meant to be this big",
    ),
    e(
        "limits/snippet-too-big",
        "a snippet is above the error size (`limits: snippet_error_kb`); it is not published",
        "embed a smaller file, or raise the limit",
    ),
    // URLs, templates and output.
    e(
        "slug/collision",
        "two articles would be written to the same URL",
        "give one of them a different `slug:`",
    ),
    e("slug/reserved", "an article's slug is used by the site itself", "choose another `slug:`"),
    e(
        "slug/too-long",
        "a slug (of an article, tag or category) or an alias part is over 255 bytes, the most a file name can have",
        "set a shorter `slug:`, shorten the tag, or shorten the alias",
    ),
    e(
        "slug/windows-reserved",
        "a slug or an alias part is a Windows device name (con, aux, nul, prn, com1-9, lpt1-9)",
        "choose another `slug:`, tag or alias; Windows cannot create these folders",
    ),
    e("output/collision", "two sources write the same output file", "rename one of them"),
    e("template/invalid", "a template does not parse", "fix the Tera syntax at the reported line"),
    e(
        "template/render",
        "a template fails while rendering a page",
        "fix the variable or filter the message names",
    ),
    e("template/unreadable", "a template file cannot be read", "check the file's permissions"),
    w(
        "page/missing-title",
        "a published page has no `<title>`",
        "set `title` in the config and front matter; check base.html",
    ),
    w(
        "page/missing-description",
        "a published page has no meta description",
        "set `description` in front matter or the site config",
    ),
    w(
        "page/third-party-script",
        "a published page loads a script from another host",
        "serve the script from static/; third-party scripts track readers",
    ),
    // Suppression comments.
    w("suppress/unused", "an inkproof-ignore comment that silenced nothing", "remove the comment"),
    w(
        "suppress/unknown-id",
        "an inkproof-ignore comment names an id that does not exist",
        "use an id from `inkproof check --list`",
    ),
];

/// The registered check with this id.
pub fn get(id: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.id == id)
}

/// The registered id closest to `id`, for "did you mean" in config and comments.
pub fn closest(id: &str) -> Option<&'static str> {
    super::suggest::closest(id, CHECKS.iter().map(|c| c.id))
}

/// The docs' check table (`docs/content/checks.md`), generated from [`CHECKS`]:
/// the test that keeps the docs in step compares against this.
pub fn markdown_table() -> String {
    let mut out =
        String::from("| id | default | what it finds | fix |\n| --- | --- | --- | --- |\n");
    for c in CHECKS {
        let sev = match c.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!(
            "| `{}` | {sev} | {} | {} |\n",
            c.id,
            c.summary.replace('|', "\\|"),
            c.fix.replace('|', "\\|")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    /// Every `"topic/name"` string literal passed as a diagnostic code in `src/`,
    /// with the severity it is emitted at when the call says so.
    fn codes_in_source() -> BTreeMap<String, BTreeSet<&'static str>> {
        let mut found: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        for entry in walkdir::WalkDir::new(&src) {
            let entry = entry.unwrap();
            if entry.path().extension().is_none_or(|e| e != "rs")
                || entry.path().ends_with("registry.rs")
            {
                continue;
            }
            let text = std::fs::read_to_string(entry.path()).unwrap();
            // Unit tests sit at the bottom of each file and spell ids wrong on purpose.
            let text = match text.find("#[cfg(test)]") {
                Some(i) => text[..i].to_string(),
                None => text,
            };
            // Code strings are the only literals shaped `"word/word"` whose topic is a
            // registered topic; MIME types and paths in tests are not.
            let topics: BTreeSet<&str> =
                CHECKS.iter().map(|c| c.id.split('/').next().unwrap()).collect();
            let mut rest = text.as_str();
            while let Some(i) = rest.find('"') {
                rest = &rest[i + 1..];
                let Some(end) = rest.find('"') else { break };
                let lit = &rest[..end];
                let before = &text[..text.len() - rest.len() - 1];
                rest = &rest[end + 1..];
                let Some((topic, name)) = lit.split_once('/') else { continue };
                if !topics.contains(topic)
                    || name.is_empty()
                    || !lit.chars().all(|c| {
                        c.is_ascii_lowercase() || c == '/' || c == '-' || c.is_ascii_digit()
                    })
                    || lit.matches('/').count() != 1
                {
                    continue;
                }
                let tail = before.trim_end();
                // MIME types in lookup tables (`"avif" => "image/avif"`) are not codes.
                if tail.ends_with("=>") && get(lit).is_none() {
                    continue;
                }
                let sev = if tail.ends_with("Diagnostic::error(") {
                    "error"
                } else if tail.ends_with("Diagnostic::warning(") {
                    "warning"
                } else {
                    "?"
                };
                found.entry(lit.to_string()).or_default().insert(sev);
            }
        }
        found
    }

    #[test]
    fn every_code_used_in_the_crate_is_registered_with_its_severity() {
        let found = codes_in_source();
        assert!(found.len() > 40, "the scan found too few codes: {found:?}");
        for (code, sevs) in &found {
            // Test fixtures name content paths like "content/guide"; those are not codes.
            if code.starts_with("content/") && get(code).is_none() {
                continue;
            }
            let check = get(code)
                .unwrap_or_else(|| panic!("`{code}` is used in src/ but not in the registry"));
            let want = match check.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            for s in sevs.iter().filter(|s| **s != "?") {
                assert_eq!(*s, want, "`{code}` is emitted as {s} but registered as {want}");
            }
        }
    }

    #[test]
    fn ids_are_unique_lowercase_and_documented() {
        let mut seen = BTreeSet::new();
        for c in CHECKS {
            assert!(seen.insert(c.id), "{} twice", c.id);
            assert!(
                c.id.chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "/-".contains(ch)),
                "{}",
                c.id
            );
            assert!(!c.summary.is_empty() && !c.fix.is_empty(), "{}", c.id);
        }
    }

    #[test]
    fn docs_table_matches_the_registry() {
        let page = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/content/checks.md");
        let docs = std::fs::read_to_string(&page).unwrap();
        let table = markdown_table();
        assert!(
            docs.contains(&table),
            "the check table in {} is out of date; replace it with:\n{table}",
            page.display()
        );
    }

    #[test]
    fn closest_suggests_near_ids() {
        assert_eq!(closest("link/brokn"), Some("link/broken"));
        assert_eq!(closest("zzz/qqq"), None);
    }
}
