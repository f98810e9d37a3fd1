//! Stage 3 (transform): downloadable checker snippets embedded in articles.
//!
//! A how-to guide often ships a small script the reader runs ("check whether
//! Windows is activated"). Pasting it into a code block invites copy mistakes and
//! stale copies; a snippet directive embeds a real file instead, shows it
//! highlighted, and publishes the file itself for download with its size and
//! SHA-256 so the reader can check what they run.
//!
//! # The directive
//!
//! A fenced code block whose info string starts with the word `snippet`, then
//! the file's path, then optional `key="value"` options (single quotes work too;
//! a path with spaces can be double-quoted). The block's body, if any, is a
//! caption shown as escaped plain text under the code:
//!
//! ````text
//! ```snippet check-activation.ps1 title="Check activation and account" lines="12-40"
//! Run it in a normal (not elevated) PowerShell window.
//! ```
//! ````
//!
//! Options:
//! - `title`: the heading; default the file name.
//! - `lines="A-B"`: show only lines A to B (1-based, inclusive); `A` alone shows
//!   one line, `A-` runs to the end.
//! - `region="NAME"`: show only the lines between region markers in the file,
//!   without the marker lines themselves. Markers are a comment leader (`#`,
//!   `//`, `::`, `REM`), then `region NAME` / `endregion`, so PowerShell's own
//!   `#region NAME` / `#endregion` work as they are. Regions may nest.
//! - `lang`: the highlighting language; default from the file's extension.
//!
//! Whatever part is shown, the download is always the whole file.
//!
//! # Where the file is
//!
//! Relative to the article's page bundle folder if the article is a bundle,
//! else to `content/snippets/`; a path starting with `snippets/` always means
//! `content/snippets/`. Absolute paths, `..` and symlinks leading out of the
//! content folder are refused (`snippet/path-escape`): a build must only publish
//! what is in the site. Bundle files are published next to the page; shared files
//! under `snippets/` once for every article that embeds them.
//!
//! # The published bytes
//!
//! The download is the file as written, except where Windows would misread it:
//! - `.ps1`, `.psm1`, `.psd1` with non-ASCII characters and no BOM get a UTF-8
//!   BOM, because Windows PowerShell 5.1 reads BOM-less scripts in the ANSI code
//!   page and would garble `é` or `–` (PowerShell 7 reads both forms alike).
//! - `.cmd` and `.bat` get CRLF line endings: cmd.exe mis-parses labels and
//!   `goto` in LF-only files. Lone LFs become CRLF; existing CRLFs stay.
//! - Everything else is byte-exact.
//!
//! The SHA-256 shown on the page is of these published bytes, so `Get-FileHash`
//! on the downloaded file matches it.
//!
//! Every problem is a diagnostic at the fence's line; the fence then renders as
//! nothing and the build carries on.

use std::path::Path;

use crate::diag::{Diagnostic, Location};
use crate::highlight;
use crate::limits::Limits;
use crate::load::ContentFiles;
use crate::model::PublishedSnippet;
use crate::registry::{ids, ErrorId};

mod directive;
mod figure;
mod locate;
mod publish;
mod select;

use directive::{parse_directive, Directive};
use figure::figure;
use locate::locate;
use publish::{check_size, hex_sha256, publish_changes, warn_non_ascii_batch};
use select::{selected_lines, unless_blank};

pub use directive::is_directive;
pub use locate::{escaped_path, resolve, Located};
pub use publish::mime_type;

/// What the snippet renderer needs to know about the embedding article.
#[derive(Clone, Copy)]
pub struct SnippetContext<'a> {
    /// Absolute site root.
    pub site_root: &'a Path,
    /// Content folder relative to the site root (`content`).
    pub content_dir: &'a Path,
    /// The article's Markdown file relative to the site root.
    pub article: &'a Path,
    /// The article's bundle folder relative to the site root, if it is a bundle.
    pub bundle_dir: Option<&'a Path>,
    /// The article's output folder relative to the output root (`link-your-key`).
    pub out_dir: &'a Path,
    /// The site's base path (`""` or `/docs`), prefixed to download links.
    pub base_path: &'a str,
    /// Where snippet files are read from (the loader, through the engine's recorder).
    pub files: &'a dyn ContentFiles,
    /// Size limits: a snippet above the error size is refused, and at most
    /// `snippet_max_lines` lines are shown.
    pub limits: &'a Limits,
}

/// Renders a snippet directive found at 1-based `line` of the article: the
/// `<figure class="snippet">` HTML and the file to publish.
///
/// Returns `None` after pushing a located error when the snippet can't be
/// embedded; the caller drops the fence and keeps rendering the article.
pub fn render(
    info: &str,
    body: &str,
    line: usize,
    ctx: &SnippetContext<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Option<(String, PublishedSnippet)> {
    match embed(info, body, line, ctx, diags) {
        Ok(done) => Some(done),
        Err(p) => {
            let mut d =
                Diagnostic::error(p.code, Location::new(ctx.article, line, None), p.message);
            if let Some(help) = p.help {
                d = d.with_help(help);
            }
            diags.push(d);
            None
        }
    }
}

/// [`render`] with early returns; warnings still go straight to `diags`.
fn embed(
    info: &str,
    body: &str,
    line: usize,
    ctx: &SnippetContext<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Result<(String, PublishedSnippet), Problem> {
    let directive = parse_directive(info)?;
    let file = locate(&directive.path, ctx)?;
    check_size(&file, line, ctx, diags)?;
    let bytes = file.bytes.clone();
    let text = decode(&file, &bytes)?;
    let total = text.lines().count();
    let shown = selected_lines(&directive.part, text, total)?;
    warn_non_ascii_batch(&file, text, line, ctx, diags);
    let shown = unless_blank(shown, &directive.part, &file, text, line, ctx, diags);
    let lang = language(&directive, &file, line, ctx, diags);
    // Only a changed download is a copy; a byte-exact one reuses `bytes`.
    let changed = publish_changes(&file.abs, &bytes);
    let published_ref = changed.as_deref().unwrap_or(&bytes);
    let sha256 = hex_sha256(published_ref);
    let html = figure(
        &directive,
        &file,
        text,
        total,
        shown,
        &lang,
        line,
        published_ref.len(),
        &sha256,
        body,
        ctx,
    );
    let published = changed.unwrap_or_else(|| bytes.to_vec());
    Ok((
        html,
        PublishedSnippet { source: file.source, out_path: file.out_path, bytes: published, sha256 },
    ))
}

/// The file as text, without a UTF-8 BOM; anything but UTF-8 is refused.
fn decode<'b>(file: &Located, bytes: &'b [u8]) -> Result<&'b str, Problem> {
    match std::str::from_utf8(bytes) {
        Ok(t) => Ok(t.strip_prefix('\u{feff}').unwrap_or(t)),
        Err(e) => {
            let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
            Err(Problem::new(
                ids::SNIPPET_NOT_UTF8,
                format!(
                    "`{}` is not UTF-8 text (invalid byte at offset {})",
                    file.source.display(),
                    e.valid_up_to()
                ),
            )
            .help(if utf16 {
                "the file is UTF-16 (as Windows PowerShell ISE saves it); save it as UTF-8"
            } else {
                "save the file as UTF-8"
            }))
        }
    }
}

/// The highlighting language (the `lang` option, else from the file name), with
/// a `snippet/plain-text` warning when no grammar knows it.
fn language(
    directive: &Directive,
    file: &Located,
    line: usize,
    ctx: &SnippetContext<'_>,
    diags: &mut Vec<Diagnostic>,
) -> String {
    let lang = directive.lang.clone().unwrap_or_else(|| lang_for(&file.abs));
    if !highlight::highlights(&lang) {
        diags.push(
            Diagnostic::warning(
                ids::SNIPPET_PLAIN_TEXT,
                Location::new(ctx.article, line, None),
                format!(
                    "no grammar highlights `{lang}`, so `{}` is shown as plain text",
                    file.source.display()
                ),
            )
            .with_help(
                "set lang=\"powershell\" (or bash, python, …), or give the file a known extension",
            ),
        );
    }
    lang
}

/// A problem found while embedding, before it gets the fence's location.
struct Problem {
    code: ErrorId,
    message: String,
    help: Option<String>,
}

impl Problem {
    fn new(code: ErrorId, message: impl Into<String>) -> Self {
        Problem { code, message: message.into(), help: None }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// The highlighting language from the extension, or from the whole name for
/// files like `Dockerfile`.
fn lang_for(path: &Path) -> String {
    match path.extension().and_then(|e| e.to_str()) {
        Some(ext) => highlight::canonical_token(ext),
        None => highlight::canonical_token(path.file_name().and_then(|n| n.to_str()).unwrap_or("")),
    }
}

/// Fixtures shared by the tests of every file in this folder.
#[cfg(test)]
mod test_site;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snippet::test_site::*;

    #[test]
    fn non_ascii_batch_files_get_a_warning() {
        let site = Site::new();
        site.file("content/guide/x.cmd", "echo caf\u{e9}\n".as_bytes());
        let (_, _, diags) = ok("snippet x.cmd", "", 9, &site.bundle_ctx());
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, "snippet/cmd-non-ascii");
        assert!(!diags[0].is_error());
        assert_eq!(diags[0].location, Location::new("content/guide/index.md", 9, None));
    }

    #[test]
    fn non_utf8_files_are_refused() {
        let site = Site::new();
        site.file("content/guide/ansi.ps1", b"Write-Output 'caf\xe9'\n");
        site.file("content/guide/utf16.ps1", &[0xFF, 0xFE, b'W', 0, b'\n', 0]);
        let d = err("snippet ansi.ps1", 2, &site.bundle_ctx());
        assert_eq!(d.code, "snippet/not-utf8");
        let d = err("snippet utf16.ps1", 3, &site.bundle_ctx());
        assert!(d.help.unwrap().contains("UTF-16"));
    }

    #[test]
    fn powershell_snippets_are_highlighted() {
        let site = Site::new();
        site.file("content/guide/check-activation.ps1", PS.as_bytes());
        let (html, _, _) = ok("snippet check-activation.ps1", "", 5, &site.bundle_ctx());
        let doc = scraper::Html::parse_fragment(&html);
        let code = select(&doc, "pre.code[data-lang=powershell] > code.language-powershell");
        assert_eq!(code.len(), 1, "{html}");
        let with_class = |class: &str| -> Vec<String> {
            select(&doc, &format!("pre.code span.{class}"))
                .iter()
                .map(|e| e.text().collect())
                .collect()
        };
        assert!(with_class("hl-keyword").iter().any(|t| t == "foreach"), "{html}");
        assert!(with_class("hl-keyword").iter().any(|t| t == "if"), "{html}");
        assert!(with_class("hl-variable").iter().any(|t| t == "$status"), "{html}");
        assert!(with_class("hl-string").iter().any(|t| t == "'done'"), "{html}");
        assert!(with_class("hl-comment").iter().any(|t| t.contains("Checks activation")), "{html}");
        // The whole file is shown, with its text intact.
        assert_eq!(code[0].text().collect::<String>(), PS);
    }

    #[test]
    fn bad_ranges_and_options_are_errors_at_the_fence() {
        let site = Site::new();
        site.file("content/guide/c.ps1", PS.as_bytes());
        for (info, code) in [
            ("snippet c.ps1 lines=\"0-3\"", "snippet/bad-range"),
            ("snippet c.ps1 lines=\"5-3\"", "snippet/bad-range"),
            ("snippet c.ps1 lines=\"3-99\"", "snippet/bad-range"),
            ("snippet c.ps1 lines=\"a-b\"", "snippet/bad-range"),
            ("snippet c.ps1 colour=\"red\"", "snippet/bad-option"),
            ("snippet c.ps1 title=\"x\" title=\"y\"", "snippet/bad-option"),
            ("snippet c.ps1 lines=\"1-2\" region=\"Status\"", "snippet/bad-option"),
            ("snippet c.ps1 title=\"unclosed", "snippet/bad-option"),
            ("snippet c.ps1 stray", "snippet/bad-option"),
            ("snippet c.ps1 title=", "snippet/bad-option"),
            ("snippet", "snippet/missing-path"),
            ("snippet title=\"x\"", "snippet/missing-path"),
            ("snippet c.ps1 region=\"Nope\"", "snippet/unknown-region"),
        ] {
            let d = err(info, 17, &site.bundle_ctx());
            assert_eq!(d.code, code, "{info}: {d}");
            assert_eq!(d.location, Location::new("content/guide/index.md", 17, None), "{info}");
        }
        let d = err("snippet c.ps1 region=\"Nope\"", 17, &site.bundle_ctx());
        assert!(d.help.unwrap().contains("`Status`"), "the help lists the regions there are");
    }

    #[test]
    fn lang_option_overrides_the_extension() {
        let site = Site::new();
        site.file("content/guide/profile.txt", b"$x = 1\n");
        let (html, _, _) = ok("snippet profile.txt lang=\"ps1\"", "", 1, &site.bundle_ctx());
        assert!(html.contains("<pre class=\"code\" data-lang=\"powershell\"><code id=\"snippet-code-profile-txt-1\" class=\"language-powershell\">"), "{html}");
        let (html, _, _) = ok("snippet profile.txt", "", 1, &site.bundle_ctx());
        assert!(html.contains("data-lang=\"text\""), "{html}");
    }
}
