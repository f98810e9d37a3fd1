//! The one list of every finding inkproof can report.
//!
//! Each check is declared once below and becomes a constant in [`ids`]: a stage
//! reports `Diagnostic::warning(ids::LINK_BROKEN, …)`, so a misspelt id does
//! not compile, and an id declared as a warning cannot be reported as an error
//! ([`ErrorId`] and [`WarningId`] are different types). A test compares this
//! list with the table in `docs/content/checks.md`, so the docs, `check
//! --list`, the config's `checks:` map and suppression comments all agree on
//! one spelling.
//!
//! The severity here is the default; the site config can change it per id
//! (`checks: { link/broken: error, seo/description-length: off }`), which
//! `check::finalize` applies after every stage has reported.
//!
//! A leaf: [`crate::diag`] builds on it, every stage uses it.

use std::fmt;

/// How bad a finding is. Errors fail the build (exit code 1); warnings do not.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// A registered check's id. Only this module makes one, so every id a finding
/// carries is in [`CHECKS`]; one read back from the cache is looked up here
/// ([`get`]) rather than leaked as a new string.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CheckId(&'static str);

impl CheckId {
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

impl std::ops::Deref for CheckId {
    type Target = str;
    fn deref(&self) -> &str {
        self.0
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Debug for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

impl PartialEq<str> for CheckId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for CheckId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl serde::Serialize for CheckId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for CheckId {
    /// An id this build does not know (a cache from another version) is an
    /// error, which makes the cache unusable rather than the finding invented.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<CheckId, D::Error> {
        let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        get(&text)
            .map(|c| c.id)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown check id `{text}`")))
    }
}

/// The id of a check registered as an error.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct ErrorId(pub CheckId);

/// The id of a check registered as a warning.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct WarningId(pub CheckId);

impl PartialEq<ErrorId> for CheckId {
    fn eq(&self, other: &ErrorId) -> bool {
        *self == other.0
    }
}

impl PartialEq<WarningId> for CheckId {
    fn eq(&self, other: &WarningId) -> bool {
        *self == other.0
    }
}

/// What a check finds and how to fix it, for `check --list` and the docs.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    pub id: CheckId,
    pub severity: Severity,
    /// One line: what the finding means.
    pub summary: &'static str,
    /// One line: what the author usually does about it.
    pub fix: &'static str,
}

/// Declares every check once: its constant in [`ids`] (typed by severity) and
/// its row in [`CHECKS`], in the order written.
macro_rules! checks {
    ($($name:ident: $kind:ident($id:literal, $summary:literal, $fix:literal),)*) => {
        /// Every check id, as constants a stage names when it reports.
        pub mod ids {
            use super::*;
            $(pub const $name: checks!(@type $kind) = checks!(@make $kind $id);)*
        }

        /// Every check, grouped by topic (the part of the id before `/`).
        pub const CHECKS: &[Check] = &[
            $(Check {
                id: CheckId($id),
                severity: checks!(@severity $kind),
                summary: $summary,
                fix: $fix,
            },)*
        ];
    };
    (@type error) => { ErrorId };
    (@type warning) => { WarningId };
    (@make error $id:literal) => { ErrorId(CheckId($id)) };
    (@make warning $id:literal) => { WarningId(CheckId($id)) };
    (@severity error) => { Severity::Error };
    (@severity warning) => { Severity::Warning };
}

checks! {
    // Config and loading.
    CONFIG_INVALID: error("config/invalid", "the site config has a syntax error, an unknown key or a bad value", "fix the key at the reported line; see the config reference (docs/content/config.md)"),
    LOAD_NOT_UTF8: error("load/not-utf8", "a content file is not UTF-8 text", "save the file as UTF-8"),
    LOAD_PATH_ESCAPE: error("load/path-escape", "a file or symlink points outside the content folder", "move the file into content/ or remove the link"),
    LOAD_UNREADABLE: error("load/unreadable", "a content file cannot be read", "check the file's permissions"),
    LOAD_SPECIAL_FILE: warning("load/special-file", "a pipe, socket, device or symlinked folder in content/ (skipped)", "only regular files are read; move the folder in, or remove the entry"),
    LOAD_SYMLINK_LOOP: warning("load/symlink-loop", "a symlink points back to a folder that contains it (skipped)", "remove the link; folders are walked once"),
    OUTPUT_UNREADABLE: error("output/unreadable", "a file to publish as is could not be read", "check the file's permissions"),
    OUTPUT_UNWRITABLE: error("output/unwritable", "a file could not be written to the output folder", "check the disk space and the folder's permissions"),
    // Front matter.
    FRONT_MATTER_MISSING: error("front-matter/missing", "the file does not start with front matter", "start the file with `---`, `title: ...`, `---`"),
    FRONT_MATTER_UNCLOSED: error("front-matter/unclosed", "the front matter block is never closed", "add a line with only `---` after the last front matter line"),
    FRONT_MATTER_INVALID_YAML: error("front-matter/invalid-yaml", "the front matter is not valid YAML", "follow the hint; quote values with `: ` or a leading quote"),
    FRONT_MATTER_INVALID_TOML: error("front-matter/invalid-toml", "the front matter is not valid TOML", "fix the TOML syntax at the reported line"),
    FRONT_MATTER_INVALID_FIELD: error("front-matter/invalid-field", "a known field has the wrong type", "give the field the type the front matter reference lists (docs/content/front-matter.md)"),
    FRONT_MATTER_MISSING_TITLE: error("front-matter/missing-title", "the article has no title", "add `title: ...`"),
    FRONT_MATTER_BAD_DATE: error("front-matter/bad-date", "a date cannot be read", "write dates as 2024-08-22 or 2024-08-22T21:32:44Z"),
    FRONT_MATTER_BAD_ALIAS: error("front-matter/bad-alias", "an alias is not a usable URL path", "write aliases as site paths like /old-name/"),
    FRONT_MATTER_UPDATED_BEFORE_DATE: warning("front-matter/updated-before-date", "`updated` is earlier than `date`", "swap the dates or remove `updated`"),
    FRONT_MATTER_UNKNOWN_KEY: warning("front-matter/unknown-key", "a top-level key inkproof does not know (often a typo)", "fix the spelling, or move custom fields under `extra:`"),
    FRONT_MATTER_FUTURE_DATE: warning("front-matter/future-date", "`date` is in the future, yet the page is published now", "correct the date, or mark the article `draft: true`"),
    FRONT_MATTER_THUMBNAIL: warning("front-matter/thumbnail", "`thumbnail` is neither a URL nor a file in the page bundle", "put the image in the bundle folder or use an https:// URL"),
    CONTENT_EMPTY_BODY: warning("content/empty-body", "the article has front matter but no text", "write the article, or mark it `draft: true`"),
    CONTENT_CONTROL_CHAR: warning("content/control-char", "a NUL or other control character in the body (dropped from the page)", "delete the character; it usually comes from a bad copy and paste"),
    CONTENT_BIDI_CONTROL: warning("content/bidi-control", "a bidi control character (U+202A-202E, U+2066-2069) in the text or front matter", "delete it, unless it orders right-to-left text on purpose"),
    CONTENT_BIDI_IN_CODE: error("content/bidi-in-code", "a bidi control character in code: the command shown is not the one that runs", "delete it; the page marks it and leaves it out of the copied code"),
    CONTENT_INVISIBLE_CHAR: warning("content/invisible-char", "a zero-width character (U+200B-200D, U+2060, U+FEFF) in the text, code or front matter", "delete it; it usually comes from a copy and paste"),
    CONTENT_SWALLOWED_TEXT: warning("content/swallowed-text", "text like `<username>` that the browser reads as an HTML tag, so readers see nothing", "write it as code (`` `<username>` ``) or escape it (`\\<username>`)"),
    CONTENT_TITLE_REPEATED: warning("content/title-repeated", "the first heading repeats the title the page already shows", "remove the heading, or make it name what its section is about"),
    CONTENT_STRAY_EMPHASIS: warning("content/stray-emphasis", "bold glued to the word before or after it (`take**Intel driver**` shows \"takeIntel driver\")", "put a space outside the `**` pair and none inside it"),
    SEO_DESCRIPTION_LENGTH: warning("seo/description-length", "the description is shorter than 50 or longer than 160 characters", "search engines show about 50-160 characters; rewrite it to fit"),
    SEO_DUPLICATE_TITLE: warning("seo/duplicate-title", "two articles have the same title", "make each title say what its guide does"),
    // Structure of the Markdown.
    STRUCTURE_UNCLOSED_FENCE: error("structure/unclosed-fence", "a fenced code block is never closed, so the rest of the file is code", "close the fence with the same number of backticks"),
    STRUCTURE_SKIPPED_HEADING_LEVEL: warning("structure/skipped-heading-level", "a heading skips a level (## then ####)", "use the next level down; screen readers navigate by level"),
    STRUCTURE_H1_IN_BODY: warning("structure/h1-in-body", "a `#` heading in the body (the title is already the page's h1)", "use `##` for sections"),
    STRUCTURE_DUPLICATE_ID: warning("structure/duplicate-id", "two headings set the same explicit `{#id}`", "give each heading its own id; links go to the first"),
    // Steps of a procedure.
    STEPS_REFERENCE: warning("steps/reference", "the text points to a step number (`see step 5`) the article's numbered steps don't have", "fix the number, or number the steps with an ordered list"),
    STEPS_NUMBERING: warning("steps/numbering", "an ordered list's typed numbers skip, repeat or start again inside one procedure, while the text names steps by number", "number the items in order; the page counts from the first item, not from what is typed"),
    // Spelling.
    SPELLING_MISSPELLED: warning("spelling/misspelled", "a known misspelling in the prose, title or description (`recieve`), or a spelling of the other dialect when `check.spelling.dialect` picks one", "fix it as suggested; add product names and jargon to `check.spelling.words`"),
    // Ads and affiliate junk.
    ADS_UNCLOSED_MARKER: error("ads/unclosed-marker", "an ad begin marker has no end marker (nothing is cut)", "add the end marker where the ad ends"),
    ADS_STRAY_END_MARKER: error("ads/stray-end-marker", "an ad end marker has no begin marker", "remove it, or add the begin marker where the ad starts"),
    ADS_LEFTOVER: warning("ads/leftover", "ad markup matching the site's strip rules is still in the page", "wrap it in a marker pair or add a strip rule"),
    ADS_AFFILIATE_LINK: warning("ads/affiliate-link", "a known affiliate or tracking link outside ad markers", "link to the vendor's page directly, or wrap the block in ad markers"),
    // Images.
    IMAGE_MISSING: warning("image/missing", "a local image is not published", "put the file in the page bundle or static/, or fix the path"),
    IMAGE_MISSING_ALT: warning("image/missing-alt", "an image has no alt text", "describe what the image shows: `![Activation settings](shot.png)`"),
    IMAGE_UNRENDERABLE: error("image/unrenderable", "an SVG thumbnail cannot be drawn as the PNG og:image social sites need", "fix the SVG so it parses, or use a PNG or JPEG thumbnail"),
    IMAGE_INSECURE: warning("image/insecure", "a remote image is loaded over http://", "use https://; browsers block mixed content"),
    // Links.
    LINK_BROKEN: warning("link/broken", "an internal link to a page or file the build does not produce", "fix the path; the help names the closest page"),
    LINK_BROKEN_ANCHOR: warning("link/broken-anchor", "a link to a #fragment the target page does not have", "use the heading's id (lowercased, dashes)"),
    LINK_UNKNOWN_ARTICLE: warning("link/unknown-article", "a link to a .md file that no article is built from", "fix the path; it is relative to this article's folder"),
    // External links (opt-in: `--external` or `check.external: true`).
    LINK_EXTERNAL: warning("link/external", "an external link fails: 4xx or 5xx answer, timeout, or no connection", "fix or remove the link; timeouts and 5xx are asked again on the next run"),
    LINK_EXTERNAL_REDIRECT: warning("link/external-redirect", "an external link redirects; the finding names where it ends", "link the final address"),
    LINK_EXTERNAL_FRAGMENT: warning("link/external-fragment", "an external page exists but has no element with the link's #fragment as id", "open the page and copy the heading's anchor again"),
    LINK_UNSAFE_SCHEME: error("link/unsafe-scheme", "a javascript:, vbscript: or data:text/html URL in a link, image or thumbnail", "link to a page instead; these URLs run code in the reader's browser"),
    // Raw HTML.
    HTML_SCRIPT: warning("html/script", "a `<script>` element in the article body", "move scripts into the theme; article HTML should not run code"),
    HTML_EVENT_HANDLER: warning("html/event-handler", "an inline `on*=` event handler attribute in the article body", "remove the handler; it runs code in the reader's browser"),
    HTML_IFRAME: warning("html/iframe", "an `<iframe>` from a host not in `check.iframe_hosts`", "add the host to `check.iframe_hosts` if you trust it, or link instead"),
    // Snippets.
    SNIPPET_MISSING_PATH: error("snippet/missing-path", "a snippet directive names no file", "write ```snippet FILE"),
    SNIPPET_MISSING_FILE: error("snippet/missing-file", "the snippet file does not exist", "put it in the page bundle or content/snippets/"),
    SNIPPET_PATH_ESCAPE: error("snippet/path-escape", "the snippet path leaves the content folder", "use a path inside content/"),
    SNIPPET_UNREADABLE: error("snippet/unreadable", "the snippet file cannot be read", "check the file's permissions"),
    SNIPPET_NOT_UTF8: error("snippet/not-utf8", "the snippet file is not UTF-8", "save it as UTF-8"),
    SNIPPET_BAD_OPTION: error("snippet/bad-option", "a snippet option is unknown or malformed", "use title=, lines=, region= or lang="),
    SNIPPET_BAD_RANGE: error("snippet/bad-range", "`lines=` is not a range inside the file", "write lines=\"12-40\" within the file's length"),
    SNIPPET_BAD_REGION: error("snippet/bad-region", "a region has no matching end marker", "close it with #endregion"),
    SNIPPET_UNKNOWN_REGION: error("snippet/unknown-region", "the snippet file has no region of that name", "use one of the regions the help lists"),
    SNIPPET_EMPTY_RANGE: warning("snippet/empty-range", "the region or line range shows nothing but blank lines", "point the region or range at the code"),
    SNIPPET_PLAIN_TEXT: warning("snippet/plain-text", "the snippet's language cannot be highlighted; shown as plain text", "set lang= to a known language, or rename the file's extension"),
    SNIPPET_CMD_NON_ASCII: warning("snippet/cmd-non-ascii", "a batch file with non-ASCII characters", "keep batch files ASCII, or add `chcp 65001 >nul`"),
    // Size limits (`limits:` in the config). Warning above the warning size;
    // above the error size the finding is an error and the file is not used.
    LIMITS_ARTICLE_SIZE: warning("limits/article-size", "an article is above the warning size (`limits: article_warning_kb`)", "check for pasted logs or data; raise the limit if it is meant to be this long"),
    LIMITS_ARTICLE_TOO_BIG: error("limits/article-too-big", "an article is above the error size (`limits: article_error_kb`); it is not built", "split it into several articles, or raise the limit"),
    LIMITS_SNIPPET_SIZE: warning("limits/snippet-size", "a snippet is above the warning size; the page shows its first lines only", "raise `limits: snippet_warning_kb` if it is meant to be this big"),
    LIMITS_SNIPPET_TOO_BIG: error("limits/snippet-too-big", "a snippet is above the error size (`limits: snippet_error_kb`); it is not published", "embed a smaller file, or raise the limit"),
    // URLs, templates and output.
    SLUG_COLLISION: error("slug/collision", "two articles would be written to the same URL", "give one of them a different `slug:`"),
    SLUG_NEEDS_DATE: error("slug/needs-date", "the permalink pattern uses the date and the article has none", "add `date:` to the front matter, or give its folder a pattern without `:year`, `:month` or `:day`"),
    SLUG_RESERVED: error("slug/reserved", "an article's slug is used by the site itself", "choose another `slug:`"),
    SLUG_TOO_LONG: error("slug/too-long", "a slug (of an article, tag or category) or an alias part is over 255 bytes, the most a file name can have", "set a shorter `slug:`, shorten the tag, or shorten the alias"),
    SLUG_WINDOWS_RESERVED: error("slug/windows-reserved", "a slug or an alias part is a Windows device name (con, aux, nul, prn, com1-9, lpt1-9)", "choose another `slug:`, tag or alias; Windows cannot create these folders"),
    OUTPUT_COLLISION: error("output/collision", "two sources write the same output file", "rename one of them"),
    TEMPLATE_INVALID: error("template/invalid", "a template does not parse", "fix the Tera syntax at the reported line"),
    TEMPLATE_RENDER: error("template/render", "a template fails while rendering a page", "fix the variable or filter the message names"),
    TEMPLATE_UNREADABLE: error("template/unreadable", "a template file cannot be read", "check the file's permissions"),
    PAGE_MISSING_TITLE: warning("page/missing-title", "a published page has no `<title>`", "set `title` in the config and front matter; check base.html"),
    PAGE_MISSING_DESCRIPTION: warning("page/missing-description", "a published page has no meta description", "set `description` in front matter or the site config"),
    PAGE_THIRD_PARTY_SCRIPT: warning("page/third-party-script", "a published page loads a script from another host", "serve the script from static/; third-party scripts track readers"),
    // Suppression comments.
    SUPPRESS_UNUSED: warning("suppress/unused", "an inkproof-ignore comment that silenced nothing", "remove the comment"),
    SUPPRESS_UNKNOWN_ID: warning("suppress/unknown-id", "an inkproof-ignore comment names an id that does not exist", "use an id from `inkproof check --list`"),
}

/// The registered check with this id.
pub fn get(id: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.id.0 == id)
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
    use std::collections::BTreeSet;

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
            assert_eq!(c.id.matches('/').count(), 1, "{}: one topic, one name", c.id);
            assert!(!c.summary.is_empty() && !c.fix.is_empty(), "{}", c.id);
        }
    }

    #[test]
    fn constants_carry_their_registered_severity() {
        assert_eq!(get("link/broken").map(|c| c.severity), Some(Severity::Warning));
        assert_eq!(ids::LINK_BROKEN.0, get("link/broken").unwrap().id);
        assert_eq!(get("config/invalid").map(|c| c.severity), Some(Severity::Error));
        assert_eq!(ids::CONFIG_INVALID.0, "config/invalid");
    }

    #[test]
    fn ids_read_back_are_the_registered_ones_and_strangers_are_refused() {
        let id: CheckId = serde_json::from_str("\"link/broken\"").unwrap();
        assert_eq!(id, ids::LINK_BROKEN);
        let err = serde_json::from_str::<CheckId>("\"link/brokn\"").unwrap_err();
        assert!(err.to_string().contains("unknown check id `link/brokn`"), "{err}");
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
}
