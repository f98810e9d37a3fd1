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

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::diag::{Diagnostic, Location};
use crate::highlight;
use crate::href::url_path;
use crate::limits::Limits;
use crate::load::{ContentFiles, FileRead};
use crate::model::PublishedSnippet;
use crate::registry::{ids, ErrorId};

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

/// Whether a fenced code block's info string is a snippet directive.
pub fn is_directive(info: &str) -> bool {
    info.split_whitespace().next() == Some("snippet")
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
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t.strip_prefix('\u{feff}').unwrap_or(t),
        Err(e) => {
            let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
            return Err(Problem::new(
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
            }));
        }
    };

    let total = text.lines().count();
    let shown = match &directive.part {
        Part::Whole => None,
        Part::Lines(spec) => Some(line_range(spec, total)?),
        Part::Region(name) => Some(region_range(text, name)?),
    };

    if is_cmd(&file.abs) && !text.is_ascii() {
        diags.push(
            Diagnostic::warning(
                ids::SNIPPET_CMD_NON_ASCII,
                Location::new(ctx.article, line, None),
                format!(
                    "`{}` has non-ASCII characters; cmd.exe reads batch files in the console code page and may garble them",
                    file.source.display()
                ),
            )
            .with_help("keep batch files ASCII, or put `chcp 65001 >nul` before the first non-ASCII line"),
        );
    }

    let mut shown = shown;
    if let Some(range) = shown.clone() {
        if text.lines().skip(range.start).take(range.len()).all(|l| l.trim().is_empty()) {
            let what = match &directive.part {
                Part::Region(name) => format!("region `{name}`"),
                Part::Lines(spec) => format!("lines=\"{spec}\""),
                Part::Whole => String::new(),
            };
            diags.push(
                Diagnostic::warning(
                    ids::SNIPPET_EMPTY_RANGE,
                    Location::new(ctx.article, line, None),
                    format!(
                        "{what} of `{}` shows nothing but blank lines; the whole file is shown",
                        file.source.display()
                    ),
                )
                .with_help("point the region or range at the code"),
            );
            shown = None;
        }
    }

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

/// The `Content-Type` to serve a published file with (download links, the dev
/// server, the `_headers` file). Scripts are served as UTF-8 plain text so a
/// browser shows them readably instead of guessing an encoding or refusing.
pub fn mime_type(path: &Path) -> &'static str {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "ps1" | "psm1" | "psd1" | "cmd" | "bat" | "txt" | "log" | "ini" | "cfg" | "conf"
        | "reg" | "inf" => "text/plain; charset=utf-8",
        "sh" | "bash" | "zsh" => "text/x-shellscript; charset=utf-8",
        "py" => "text/x-python; charset=utf-8",
        "md" | "markdown" => "text/markdown; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "yaml" | "yml" => "application/yaml",
        "toml" => "application/toml",
        "xml" => "application/xml",
        "rss" => "application/rss+xml",
        "atom" => "application/atom+xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "wasm" => "application/wasm",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        _ => "application/octet-stream",
    }
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

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Whole,
    /// The `lines` option as written, checked once the file's length is known.
    Lines(String),
    Region(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Directive {
    path: String,
    title: Option<String>,
    part: Part,
    lang: Option<String>,
}

/// Splits `snippet PATH key="value" …` into its parts.
fn parse_directive(info: &str) -> Result<Directive, Problem> {
    let rest = info.trim_start().strip_prefix("snippet").unwrap_or(info).trim_start();
    let mut words = Words { rest };
    let path = match words.next_value() {
        Some(Ok(p)) if !p.is_empty() && !is_option(&p) => p,
        Some(Err(p)) => return Err(p),
        _ => {
            return Err(Problem::new(
                ids::SNIPPET_MISSING_PATH,
                "the snippet directive names no file",
            )
            .help("write the file after `snippet`, e.g. ```snippet check-activation.ps1"))
        }
    };

    let mut d = Directive { path, title: None, part: Part::Whole, lang: None };
    let mut seen: Vec<String> = Vec::new();
    while let Some(item) = words.next_option() {
        let (key, value) = item?;
        if seen.contains(&key) {
            return Err(Problem::new(
                ids::SNIPPET_BAD_OPTION,
                format!("option `{key}` is given twice"),
            ));
        }
        seen.push(key.clone());
        match key.as_str() {
            "title" => d.title = Some(value),
            "lang" => d.lang = Some(value),
            "lines" | "region" if d.part != Part::Whole => {
                return Err(Problem::new(
                    ids::SNIPPET_BAD_OPTION,
                    "`lines` and `region` can't be used together",
                ))
            }
            "lines" => d.part = Part::Lines(value),
            "region" => d.part = Part::Region(value),
            _ => {
                return Err(Problem::new(
                    ids::SNIPPET_BAD_OPTION,
                    format!("unknown option `{key}`"),
                )
                .help("options are title, lines, region and lang"))
            }
        }
    }
    Ok(d)
}

/// Whether a word looks like `key=value` rather than a path.
fn is_option(word: &str) -> bool {
    word.split_once('=').is_some_and(|(k, _)| {
        !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    })
}

/// A tiny tokenizer for the info string: bare or quoted words and `key="value"`.
struct Words<'a> {
    rest: &'a str,
}

impl Words<'_> {
    /// A bare word or a quoted string.
    fn next_value(&mut self) -> Option<Result<String, Problem>> {
        self.rest = self.rest.trim_start();
        let first = self.rest.chars().next()?;
        if first == '"' || first == '\'' {
            let body = &self.rest[1..];
            let Some(end) = body.find(first) else {
                return Some(Err(Problem::new(
                    ids::SNIPPET_BAD_OPTION,
                    format!("unclosed quote in `{}`", self.rest),
                )));
            };
            let value = body[..end].to_string();
            self.rest = &body[end + 1..];
            return Some(Ok(value));
        }
        let end = self.rest.find(char::is_whitespace).unwrap_or(self.rest.len());
        let value = self.rest[..end].to_string();
        self.rest = &self.rest[end..];
        Some(Ok(value))
    }

    fn next_option(&mut self) -> Option<Result<(String, String), Problem>> {
        self.rest = self.rest.trim_start();
        if self.rest.is_empty() {
            return None;
        }
        let key_end = self
            .rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(self.rest.len());
        let key = &self.rest[..key_end];
        let after = &self.rest[key_end..];
        let Some(value_start) = after.strip_prefix('=').filter(|_| !key.is_empty()) else {
            let word = self.rest.split_whitespace().next().unwrap_or(self.rest);
            return Some(Err(Problem::new(
                ids::SNIPPET_BAD_OPTION,
                format!("expected key=\"value\", found `{word}`"),
            )
            .help(
                "options are written title=\"…\", lines=\"12-40\", region=\"NAME\" or lang=\"…\"",
            )));
        };
        let key = key.to_string();
        self.rest = value_start;
        if self.rest.is_empty() || self.rest.starts_with(char::is_whitespace) {
            return Some(Err(Problem::new(
                ids::SNIPPET_BAD_OPTION,
                format!("option `{key}` has no value"),
            )));
        }
        Some(self.next_value()?.map(|v| (key, v)))
    }
}

/// A snippet file found on disk.
#[derive(Debug)]
pub struct Located {
    /// On disk.
    pub abs: PathBuf,
    /// Relative to the site root, for messages and [`PublishedSnippet::source`].
    pub source: PathBuf,
    /// Relative to the output root.
    pub out_path: PathBuf,
    pub file_name: String,
    pub bytes: std::sync::Arc<[u8]>,
}

/// Where a directive's path leads, or the finding's id and message. Public so
/// the fuzz targets (`fuzz/`) can check the path rules on their own: a found
/// file is inside the content folder and publishes inside the output folder.
pub fn resolve(raw: &str, ctx: &SnippetContext<'_>) -> Result<Located, (ErrorId, String)> {
    locate(raw, ctx).map_err(|p| (p.code, p.message))
}

/// How a snippet escape through a symlink is worded, so the finding that
/// restates it at the link itself can be recognised ([`escaped_path`]).
const LEADS_OUT: &str = " leads to ";

/// The file a `snippet/path-escape` message says leads out of the content
/// folder through a symlink (`content/guide/x.ps1`), if it says one.
pub fn escaped_path(message: &str) -> Option<String> {
    let rest = message.strip_prefix('`')?;
    let (path, after) = rest.split_once('`')?;
    after.starts_with(LEADS_OUT).then(|| path.replace('\\', "/"))
}

/// Resolves the directive's path and makes sure it stays inside the content folder.
fn locate(raw: &str, ctx: &SnippetContext<'_>) -> Result<Located, Problem> {
    // Authors on Windows write `sub\file.ps1`; treat both separators alike.
    let written = raw.replace('\\', "/");
    let bytes = written.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if written.starts_with('/') || drive || Path::new(&written).is_absolute() {
        return Err(Problem::new(ids::SNIPPET_PATH_ESCAPE, format!("`{raw}` is an absolute path"))
            .help("snippet paths are relative to the page bundle or to content/snippets/"));
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in written.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                return Err(Problem::new(
                    ids::SNIPPET_PATH_ESCAPE,
                    format!("`{raw}` goes up with `..`"),
                )
                .help("keep snippets inside the bundle or content/snippets/"))
            }
            _ => parts.push(part),
        }
    }
    let Some(file_name) = parts.last().map(|s| s.to_string()) else {
        return Err(Problem::new(ids::SNIPPET_MISSING_PATH, format!("`{raw}` names no file")));
    };

    let shared = ctx.content_dir.join("snippets");
    let (source, out_path) = match (parts.as_slice(), ctx.bundle_dir) {
        (["snippets", rest @ ..], _) if !rest.is_empty() => {
            (join(&shared, rest), join(Path::new("snippets"), rest))
        }
        (_, Some(bundle)) => (join(bundle, &parts), join(ctx.out_dir, &parts)),
        (_, None) => (join(&shared, &parts), join(Path::new("snippets"), &parts)),
    };
    let abs = ctx.site_root.join(&source);

    let shown = source.display();
    let bytes = match ctx.files.read(&source) {
        FileRead::Bytes(b) => b,
        FileRead::Missing => {
            let where_ = if ctx.bundle_dir.is_some() && !source.starts_with(&shared) {
                "the page bundle"
            } else {
                "content/snippets/"
            };
            return Err(Problem::new(
                ids::SNIPPET_MISSING_FILE,
                format!("snippet file `{shown}` does not exist"),
            )
            .help(format!("the path is relative to {where_}")));
        }
        FileRead::Escapes(target) => {
            return Err(Problem::new(
                ids::SNIPPET_PATH_ESCAPE,
                format!("`{shown}`{LEADS_OUT}`{}`, outside the content folder", target.display()),
            )
            .help("copy the file into the site instead of linking to it"))
        }
        FileRead::NotAFile => {
            return Err(Problem::new(
                ids::SNIPPET_MISSING_FILE,
                format!("`{shown}` is a folder, not a file"),
            ))
        }
        FileRead::Error(e) => {
            return Err(Problem::new(
                ids::SNIPPET_UNREADABLE,
                format!("cannot read `{shown}`: {e}"),
            ))
        }
    };
    Ok(Located { abs, source, out_path, file_name, bytes })
}

fn join(base: &Path, parts: &[&str]) -> PathBuf {
    let mut p = base.to_path_buf();
    p.extend(parts);
    p
}

fn extension(path: &Path) -> String {
    path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase()
}

fn is_powershell(path: &Path) -> bool {
    matches!(extension(path).as_str(), "ps1" | "psm1" | "psd1")
}

fn is_cmd(path: &Path) -> bool {
    matches!(extension(path).as_str(), "cmd" | "bat")
}

/// The highlighting language from the extension, or from the whole name for
/// files like `Dockerfile`.
fn lang_for(path: &Path) -> String {
    match path.extension().and_then(|e| e.to_str()) {
        Some(ext) => highlight::canonical_token(ext),
        None => highlight::canonical_token(path.file_name().and_then(|n| n.to_str()).unwrap_or("")),
    }
}

/// The file's published bytes after the BOM and CRLF rules from the module
/// doc, or `None` when they are the file's own bytes.
fn publish_changes(path: &Path, bytes: &[u8]) -> Option<Vec<u8>> {
    const BOM: &[u8] = &[0xEF, 0xBB, 0xBF];
    if is_powershell(path) && !bytes.starts_with(BOM) && !bytes.is_ascii() {
        let mut out = Vec::with_capacity(bytes.len() + 3);
        out.extend_from_slice(BOM);
        out.extend_from_slice(bytes);
        return Some(out);
    }
    if is_cmd(path) {
        let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 16);
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' && (i == 0 || bytes[i - 1] != b'\r') {
                out.push(b'\r');
            }
            out.push(b);
        }
        return (out != bytes).then_some(out);
    }
    None
}

/// `limits/snippet-size`: a warning above the warning size; above the error
/// size the snippet is refused before it is decoded, highlighted, hashed or
/// copied, so a 100 MB log mistaken for a script costs one read, not gigabytes.
fn check_size(
    file: &Located,
    line: usize,
    ctx: &SnippetContext<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Result<(), Problem> {
    let l = ctx.limits;
    let len = file.bytes.len() as u64;
    let size = crate::size::human(len);
    if len > l.snippet_error_kb.saturating_mul(1024) {
        return Err(Problem::new(
            ids::LIMITS_SNIPPET_TOO_BIG,
            format!(
                "`{}` is {size}, above the {} limit for snippets; it is not published",
                file.source.display(),
                crate::size::human(l.snippet_error_kb.saturating_mul(1024))
            ),
        )
        .help("embed a smaller file, or raise `limits: snippet_error_kb` in inkproof.yaml"));
    }
    if len > l.snippet_warning_kb.saturating_mul(1024) {
        diags.push(
            Diagnostic::warning(
                ids::LIMITS_SNIPPET_SIZE,
                Location::new(ctx.article, line, None),
                format!(
                    "`{}` is {size}, above the {} warning limit for snippets",
                    file.source.display(),
                    crate::size::human(l.snippet_warning_kb.saturating_mul(1024))
                ),
            )
            .with_help(format!(
                "the page shows at most {} lines of it; raise `limits: snippet_warning_kb` if it is meant to be this big",
                l.snippet_max_lines
            )),
        );
    }
    Ok(())
}

fn hex_sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for b in digest {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// `lines="A-B"` as 0-based line indices, checked against the file's length.
fn line_range(spec: &str, total: usize) -> Result<std::ops::Range<usize>, Problem> {
    let bad = |why: String| {
        Problem::new(ids::SNIPPET_BAD_RANGE, format!("lines=\"{spec}\": {why}")).help(format!(
            "write lines=\"A-B\" with 1 ≤ A ≤ B ≤ {total} (the file has {total} lines)"
        ))
    };
    let number = |s: &str| {
        s.trim().parse::<usize>().map_err(|_| bad(format!("`{}` is not a line number", s.trim())))
    };
    let (start, end) = match spec.split_once('-') {
        Some((a, b)) if b.trim().is_empty() => (number(a)?, total),
        Some((a, b)) => (number(a)?, number(b)?),
        None => {
            let n = number(spec)?;
            (n, n)
        }
    };
    if start == 0 {
        return Err(bad("lines are counted from 1".to_string()));
    }
    if start > end {
        return Err(bad(format!("the range starts after it ends ({start} > {end})")));
    }
    if end > total {
        return Err(bad(format!("the file has only {total} lines")));
    }
    Ok(start - 1..end)
}

#[derive(Debug, PartialEq, Eq)]
enum Marker<'a> {
    Start(&'a str),
    End,
}

/// Recognises `#region NAME`, `// region NAME`, `:: endregion`, `REM region NAME` ….
fn marker(line: &str) -> Option<Marker<'_>> {
    let t = line.trim();
    let after_leader = ["#", "//", "::"].iter().find_map(|l| t.strip_prefix(l)).or_else(|| {
        let t = t.strip_prefix('@').unwrap_or(t);
        let (word, rest) = t.split_at(t.find(char::is_whitespace)?);
        word.eq_ignore_ascii_case("rem").then_some(rest)
    })?;
    let body = after_leader.trim_start();
    let keyword_end = body.find(char::is_whitespace).unwrap_or(body.len());
    let (keyword, rest) = body.split_at(keyword_end);
    if keyword.eq_ignore_ascii_case("region") {
        Some(Marker::Start(rest.trim()))
    } else if keyword.eq_ignore_ascii_case("endregion") {
        Some(Marker::End)
    } else {
        None
    }
}

/// The 0-based lines strictly between `region NAME` and its matching `endregion`.
fn region_range(text: &str, name: &str) -> Result<std::ops::Range<usize>, Problem> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines.iter().position(|l| marker(l) == Some(Marker::Start(name))) else {
        let names: Vec<String> = lines
            .iter()
            .filter_map(|l| match marker(l) {
                Some(Marker::Start(n)) => Some(format!("`{n}`")),
                _ => None,
            })
            .collect();
        let p =
            Problem::new(ids::SNIPPET_UNKNOWN_REGION, format!("the file has no region `{name}`"));
        return Err(if names.is_empty() {
            p.help("mark it with `#region NAME` … `#endregion` (or `// region`, `:: region`, `REM region`)")
        } else {
            p.help(format!("regions in the file: {}", names.join(", ")))
        });
    };
    let mut depth = 0usize;
    for (i, l) in lines.iter().enumerate().skip(start + 1) {
        match marker(l) {
            Some(Marker::Start(_)) => depth += 1,
            Some(Marker::End) if depth == 0 => {
                // An empty region is a warning at the caller (`snippet/empty-range`).
                return Ok(start + 1..i);
            }
            Some(Marker::End) => depth -= 1,
            None => {}
        }
    }
    Err(Problem::new(
        ids::SNIPPET_BAD_REGION,
        format!("region `{name}` (line {}) has no matching endregion", start + 1),
    ))
}

/// The most bytes of a snippet shown on the page, whatever its line count.
const MAX_SHOWN_BYTES: usize = 256 * 1024;

/// Byte offset just after the first `lines` lines of `text` (the whole text
/// when it has no more).
fn line_end(text: &str, lines: usize) -> usize {
    match lines.checked_sub(1) {
        None => 0,
        Some(n) => text.match_indices('\n').nth(n).map_or(text.len(), |(i, _)| i + 1),
    }
}

/// Lowercase ASCII letters and digits joined by single hyphens, for element ids.
fn id_part(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        out.push('x');
    }
    out
}

/// The command a reader runs to check the download, in the shell the file is for.
fn verify_command(path: &Path, file_name: &str) -> String {
    let plain = file_name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if is_powershell(path) || is_cmd(path) {
        if plain {
            format!("Get-FileHash .\\{file_name} -Algorithm SHA256")
        } else {
            format!(
                "Get-FileHash -LiteralPath '.\\{}' -Algorithm SHA256",
                file_name.replace('\'', "''")
            )
        }
    } else if plain {
        format!("sha256sum {file_name}")
    } else {
        format!("sha256sum '{}'", file_name.replace('\'', "'\\''"))
    }
}

#[allow(clippy::too_many_arguments)]
fn figure(
    d: &Directive,
    file: &Located,
    text: &str,
    total: usize,
    shown: Option<std::ops::Range<usize>>,
    lang: &str,
    line: usize,
    size: usize,
    sha256: &str,
    caption: &str,
    ctx: &SnippetContext<'_>,
) -> String {
    use highlight::escape as e;

    let name_id = id_part(&file.file_name);
    // Two embeds of different parts of one file get different anchors.
    let figure_id = match &d.part {
        Part::Whole => format!("snippet-{name_id}"),
        Part::Region(r) => format!("snippet-{name_id}-{}", id_part(r)),
        Part::Lines(_) => {
            let r = shown.clone().unwrap_or(0..total);
            format!("snippet-{name_id}-lines-{}-{}", r.start + 1, r.end)
        }
    };
    // The fence line makes the code id unique even when one part is embedded twice.
    let code_id = format!("snippet-code-{name_id}-{line}");
    let title = d.title.as_deref().unwrap_or(&file.file_name);
    let href = format!("{}/{}", ctx.base_path.trim_end_matches('/'), url_path(&file.out_path));
    // At most `snippet_max_lines` of the wanted part are shown; highlighting
    // gets only the text up to the last shown line, so the rest of a huge file
    // is neither copied nor parsed.
    // A byte budget too, for files of few but enormous lines (minified code).
    let wanted = shown.clone().unwrap_or(0..total);
    let max = ctx.limits.snippet_max_lines.max(1);
    let mut visible = wanted.start..wanted.end.min(wanted.start.saturating_add(max));
    let start_byte = line_end(text, visible.start);
    let mut end_byte = line_end(text, visible.end);
    let cut_short = end_byte - start_byte > MAX_SHOWN_BYTES;
    if cut_short {
        end_byte = start_byte + MAX_SHOWN_BYTES;
        while !text.is_char_boundary(end_byte) {
            end_byte -= 1;
        }
        visible.end = visible.start + text[start_byte..end_byte].matches('\n').count() + 1;
    }
    let hidden = wanted.end - visible.end;
    let head = &text[..end_byte];
    let code = highlight::block(Some(lang), head, Some(visible.clone()), Some(&code_id));

    let mut h = String::with_capacity(code.len() + 1024);
    let _ = write!(
        h,
        "<figure class=\"snippet\" id=\"{figure_id}\">\n\
         <figcaption class=\"snippet-head\">\n\
         <span class=\"snippet-title\">{title}</span>\n\
         <code class=\"snippet-file\">{file}</code>\n\
         <span class=\"snippet-actions\">\n\
         <button type=\"button\" class=\"copy-button\" data-copy-target=\"{code_id}\" aria-label=\"Copy {file}\" hidden>Copy</button>\n\
         <a class=\"snippet-download\" href=\"{href}\" download=\"{file}\" type=\"{mime}\" aria-label=\"Download {file} ({size})\">Download</a>\n\
         </span>\n\
         </figcaption>\n\
         {code}\n\
         <p class=\"snippet-meta\"><span class=\"snippet-size\">{size}</span> · SHA-256 <code class=\"snippet-hash\">{sha256}</code></p>\n\
         <p class=\"snippet-verify\">Check the download: <code>{verify}</code></p>\n",
        title = e(title),
        file = e(&file.file_name),
        href = e(&href),
        mime = mime_type(&file.abs),
        size = crate::size::human_exact(size as u64),
        verify = e(&verify_command(&file.abs, &file.file_name)),
    );
    let caption = caption.trim();
    if !caption.is_empty() {
        let _ = writeln!(h, "<p class=\"snippet-caption\">{}</p>", e(caption));
    }
    if hidden > 0 || cut_short {
        let _ = writeln!(
            h,
            "<p class=\"snippet-partial snippet-truncated\">Showing lines {}–{} of {total}{}. … {hidden} more lines: download the file to see them all.</p>",
            visible.start + 1,
            visible.end,
            if cut_short { format!(" (line {} cut short)", visible.end) } else { String::new() },
        );
    } else if shown.is_some() {
        let _ = writeln!(
            h,
            "<p class=\"snippet-partial\">Showing lines {}–{} of {total}; the download has the whole file.</p>",
            visible.start + 1,
            visible.end
        );
    }
    h.push_str("</figure>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// A throwaway site: `content/guide/index.md` is a bundle, `content/plain.md` is not.
    struct Site {
        dir: tempfile::TempDir,
        files: crate::load::DiskFiles,
        limits: Limits,
    }

    impl Site {
        fn new() -> Site {
            let dir = tempfile::tempdir().unwrap();
            fs::create_dir_all(dir.path().join("content/guide")).unwrap();
            fs::create_dir_all(dir.path().join("content/snippets")).unwrap();
            let files = crate::load::DiskFiles::new(dir.path(), Path::new("content"));
            Site { dir, files, limits: Limits::default() }
        }

        fn root(&self) -> &Path {
            self.dir.path()
        }

        fn file(&self, rel: &str, bytes: &[u8]) {
            let p = self.root().join(rel);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, bytes).unwrap();
        }

        fn bundle_ctx(&self) -> SnippetContext<'_> {
            SnippetContext {
                site_root: self.root(),
                content_dir: Path::new("content"),
                article: Path::new("content/guide/index.md"),
                bundle_dir: Some(Path::new("content/guide")),
                out_dir: Path::new("guide"),
                base_path: "",
                files: &self.files,
                limits: &self.limits,
            }
        }

        fn plain_ctx(&self) -> SnippetContext<'_> {
            SnippetContext {
                article: Path::new("content/plain.md"),
                bundle_dir: None,
                out_dir: Path::new("plain"),
                ..self.bundle_ctx()
            }
        }
    }

    fn ok(
        info: &str,
        body: &str,
        line: usize,
        ctx: &SnippetContext<'_>,
    ) -> (String, PublishedSnippet, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let (html, snip) = render(info, body, line, ctx, &mut diags).unwrap_or_else(|| {
            panic!(
                "{info}: {}",
                diags.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
            )
        });
        (html, snip, diags)
    }

    /// The single error a failing directive reports.
    fn err(info: &str, line: usize, ctx: &SnippetContext<'_>) -> Diagnostic {
        let mut diags = Vec::new();
        assert!(render(info, "", line, ctx, &mut diags).is_none(), "{info} should fail");
        assert_eq!(diags.len(), 1, "{diags:?}");
        diags.remove(0)
    }

    // Issue #9: a 100 MB snippet became a 782 MB page in 3 minutes using 3.2 GB.
    #[test]
    fn a_snippet_above_the_error_size_is_refused() {
        let site = Site::new();
        // Sparse: 100 MB on paper, nothing on disk, and unreadable as UTF-8
        // if it were read (NUL bytes are fine, but the error must come first).
        let f = fs::File::create(site.root().join("content/guide/huge.log")).unwrap();
        f.set_len(100 << 20).unwrap();
        let d = err("snippet huge.log", 7, &site.bundle_ctx());
        assert_eq!(d.code, "limits/snippet-too-big");
        assert!(d.is_error());
        assert_eq!(d.location, Location::new("content/guide/index.md", 7, None));
        assert!(d.message.contains("100.0 MB") && d.message.contains("25.0 MB"), "{}", d.message);
    }

    #[test]
    fn a_long_snippet_shows_at_most_max_lines_and_downloads_whole() {
        let mut site = Site::new();
        site.limits = Limits { snippet_max_lines: 50, snippet_warning_kb: 4, ..Limits::default() };
        let text: String = (1..=5000).map(|i| format!("Write-Host {i}\n")).collect();
        site.file("content/guide/long.ps1", text.as_bytes());
        let (html, snip, diags) = ok("snippet long.ps1", "", 3, &site.bundle_ctx());
        assert_eq!(snip.bytes, text.as_bytes(), "the download is the whole file");
        let doc = scraper::Html::parse_fragment(&html);
        let code = doc.select(&scraper::Selector::parse("pre code").unwrap()).next().unwrap();
        let shown: String = code.text().collect();
        assert_eq!(shown.lines().count(), 50);
        assert!(shown.contains("Write-Host 50") && !shown.contains("Write-Host 51\n"));
        let note = doc.select(&scraper::Selector::parse(".snippet-truncated").unwrap()).next();
        let note: String = note.expect("a truncation note").text().collect();
        assert_eq!(
            note,
            "Showing lines 1–50 of 5000. … 4950 more lines: download the file to see them all."
        );
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].code, "limits/snippet-size");
        assert!(!diags[0].is_error());
    }

    #[test]
    fn max_lines_apply_to_a_region_too() {
        let mut site = Site::new();
        site.limits = Limits { snippet_max_lines: 2, ..Limits::default() };
        site.file("content/guide/r.ps1", b"# a\n#region main\none\ntwo\nthree\n#endregion\n");
        let (html, _, _) = ok("snippet r.ps1 region=\"main\"", "", 3, &site.bundle_ctx());
        assert!(html.contains("Showing lines 3–4 of 6. … 1 more lines"), "{html}");
        assert!(html.contains("two") && !html.contains("three"), "{html}");
    }

    #[test]
    fn one_enormous_line_is_cut_to_the_byte_budget() {
        let mut site = Site::new();
        site.limits = Limits { snippet_warning_kb: 100_000, ..Limits::default() };
        let line = "x".repeat(3 * MAX_SHOWN_BYTES);
        site.file("content/guide/min.js", format!("{line}\nlast\n").as_bytes());
        let (html, snip, _) = ok("snippet min.js", "", 3, &site.bundle_ctx());
        assert_eq!(snip.bytes.len(), line.len() + 6);
        assert!(html.len() < MAX_SHOWN_BYTES + 4096, "page fragment is {} bytes", html.len());
        assert!(
            html.contains("(line 1 cut short). … 1 more lines"),
            "{}",
            &html[html.len() - 600..]
        );
    }

    fn sha256_hex(bytes: &[u8]) -> String {
        Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
    }

    fn select<'a>(doc: &'a scraper::Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
        doc.select(&scraper::Selector::parse(css).unwrap()).collect()
    }

    const PS: &str = "# Checks activation\n#region Status\n$status = Get-CimInstance SoftwareLicensingProduct\nforeach ($p in $status) {\n    if ($p.LicenseStatus -eq 1) { Write-Output \"Licensed: $($p.Name)\" }\n}\n#endregion\nWrite-Output 'done'\n";

    #[test]
    fn other_files_are_published_byte_exact_and_the_page_shows_their_hash() {
        let site = Site::new();
        let bytes = b"import sys\r\nprint('h\xc3\xa9')\n\n";
        site.file("content/guide/check.py", bytes);
        let (html, snip, diags) = ok("snippet check.py", "", 7, &site.bundle_ctx());
        assert!(diags.is_empty());
        assert_eq!(snip.bytes, bytes);
        assert_eq!(snip.sha256, sha256_hex(bytes));
        assert_eq!(snip.source, Path::new("content/guide/check.py"));
        assert_eq!(snip.out_path, Path::new("guide/check.py"));

        let doc = scraper::Html::parse_fragment(&html);
        let hash = select(&doc, "code.snippet-hash")[0].text().collect::<String>();
        assert_eq!(hash, sha256_hex(&snip.bytes));
        let size = select(&doc, ".snippet-size")[0].text().collect::<String>();
        assert_eq!(size, format!("{} bytes", bytes.len()));
        let verify = select(&doc, ".snippet-verify code")[0].text().collect::<String>();
        assert_eq!(verify, "sha256sum check.py");
        let link = select(&doc, "a.snippet-download")[0].value();
        assert_eq!(link.attr("href"), Some("/guide/check.py"));
        assert_eq!(link.attr("download"), Some("check.py"));
        assert_eq!(link.attr("type"), Some("text/x-python; charset=utf-8"));
        assert!(select(&doc, ".snippet-partial").is_empty());
        assert!(select(&doc, ".snippet-caption").is_empty());
    }

    #[test]
    fn non_ascii_powershell_gets_a_bom_and_ascii_or_bommed_files_do_not() {
        let site = Site::new();
        let ascii = b"Write-Output 'ok'\n";
        let accented = "Write-Output 'Activ\u{e9} \u{2013} ok'\n".as_bytes();
        let mut bommed = vec![0xEF, 0xBB, 0xBF];
        bommed.extend_from_slice(accented);
        site.file("content/guide/a.ps1", ascii);
        site.file("content/guide/b.ps1", accented);
        site.file("content/guide/c.psm1", &bommed);
        site.file("content/guide/d.PSD1", accented);

        let (_, a, _) = ok("snippet a.ps1", "", 1, &site.bundle_ctx());
        assert_eq!(a.bytes, ascii);
        let (html, b, _) = ok("snippet b.ps1", "", 2, &site.bundle_ctx());
        assert_eq!(b.bytes, [&[0xEF, 0xBB, 0xBF][..], accented].concat());
        assert_eq!(b.sha256, sha256_hex(&b.bytes), "the hash is of the published bytes");
        assert!(html.contains(&b.sha256));
        assert!(!html.contains('\u{feff}'), "the BOM is not shown in the code");
        let (_, c, _) = ok("snippet c.psm1", "", 3, &site.bundle_ctx());
        assert_eq!(c.bytes, bommed, "an existing BOM is kept, not doubled");
        let (_, d, _) = ok("snippet d.PSD1", "", 4, &site.bundle_ctx());
        assert!(d.bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
    }

    #[test]
    fn batch_files_get_crlf_without_doubling_cr() {
        let site = Site::new();
        site.file("content/guide/lf.cmd", b"@echo off\necho hi\n");
        site.file("content/guide/mixed.bat", b"@echo off\r\necho hi\n:end\r\nexit /b\n");
        site.file("content/guide/crlf.cmd", b"@echo off\r\necho hi\r\n");
        let (html, lf, diags) = ok("snippet lf.cmd", "", 1, &site.bundle_ctx());
        assert_eq!(lf.bytes, b"@echo off\r\necho hi\r\n");
        assert!(diags.is_empty());
        assert!(html.contains("Get-FileHash .\\lf.cmd -Algorithm SHA256"));
        assert!(html.contains("data-lang=\"batch\""));
        let (_, mixed, _) = ok("snippet mixed.bat", "", 2, &site.bundle_ctx());
        assert_eq!(mixed.bytes, b"@echo off\r\necho hi\r\n:end\r\nexit /b\r\n");
        assert!(!mixed.bytes.windows(2).any(|w| w == b"\r\r"));
        let (_, crlf, _) = ok("snippet crlf.cmd", "", 3, &site.bundle_ctx());
        assert_eq!(crlf.bytes, b"@echo off\r\necho hi\r\n");
        assert_eq!(crlf.sha256, sha256_hex(b"@echo off\r\necho hi\r\n"));
    }

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
    fn paths_out_of_the_content_folder_are_refused() {
        let site = Site::new();
        site.file("secret.txt", b"x");
        site.file("content/snippets/ok.txt", b"x");
        for (info, line) in [
            ("snippet ../secret.txt", 3),
            ("snippet ../../secret.txt", 4),
            ("snippet snippets/../ok.txt", 5),
            ("snippet /etc/passwd", 6),
            ("snippet C:\\Windows\\win.ini", 7),
            ("snippet ..\\..\\secret.txt", 8),
        ] {
            let d = err(info, line, &site.bundle_ctx());
            assert_eq!(d.code, "snippet/path-escape", "{info}: {d}");
            assert_eq!(d.location, Location::new("content/guide/index.md", line, None), "{info}");
            assert!(d.is_error());
        }
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_leading_outside_are_refused_and_inside_ones_work() {
        let site = Site::new();
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("token.txt"), b"secret").unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("token.txt"),
            site.root().join("content/guide/link.txt"),
        )
        .unwrap();
        std::os::unix::fs::symlink(outside.path(), site.root().join("content/snippets/linked-dir"))
            .unwrap();
        site.file("content/snippets/real.txt", b"fine");
        std::os::unix::fs::symlink(
            site.root().join("content/snippets/real.txt"),
            site.root().join("content/guide/inner.txt"),
        )
        .unwrap();

        let d = err("snippet link.txt", 12, &site.bundle_ctx());
        assert_eq!(d.code, "snippet/path-escape");
        assert_eq!(d.location.line, 12);
        let d = err("snippet snippets/linked-dir/token.txt", 13, &site.bundle_ctx());
        assert_eq!(d.code, "snippet/path-escape");
        let (_, snip, _) = ok("snippet inner.txt", "", 14, &site.bundle_ctx());
        assert_eq!(snip.bytes, b"fine");
    }

    #[test]
    fn missing_files_are_reported_at_the_fence_line() {
        let site = Site::new();
        let d = err("snippet nope.ps1", 42, &site.bundle_ctx());
        assert_eq!(d.code, "snippet/missing-file");
        assert_eq!(d.location, Location::new("content/guide/index.md", 42, None));
        assert!(d.message.contains("content/guide/nope.ps1"), "{}", d.message);
        assert!(d.help.as_deref().unwrap().contains("bundle"));
        let d = err("snippet snippets/nope.ps1", 43, &site.bundle_ctx());
        assert!(d.message.contains("content/snippets/nope.ps1"), "{}", d.message);
        let d = err("snippet nope.ps1", 44, &site.plain_ctx());
        assert_eq!(d.location, Location::new("content/plain.md", 44, None));
        assert!(d.message.contains("content/snippets/nope.ps1"), "{}", d.message);
        // A folder is not a snippet.
        let d = err("snippet snippets", 45, &site.plain_ctx());
        assert_eq!(d.code, "snippet/missing-file");
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
    fn copy_button_is_hidden_and_targets_the_code() {
        let site = Site::new();
        site.file("content/snippets/check-activation.ps1", PS.as_bytes());
        let ctx = site.plain_ctx();
        let (first, _, _) = ok("snippet check-activation.ps1", "", 10, &ctx);
        let (second, _, _) = ok("snippet check-activation.ps1", "", 30, &ctx);
        let page = scraper::Html::parse_fragment(&format!("{first}{second}"));
        let buttons = select(
            &page,
            "figure.snippet figcaption.snippet-head .snippet-actions button.copy-button",
        );
        assert_eq!(buttons.len(), 2);
        let mut targets = Vec::new();
        for b in &buttons {
            assert_eq!(b.value().attr("type"), Some("button"));
            assert!(b.value().attr("hidden").is_some(), "shown only once the script runs");
            let target = b.value().attr("data-copy-target").unwrap();
            let code = select(&page, &format!("code#{target}"));
            assert_eq!(code.len(), 1, "{target} names exactly one code element");
            assert_eq!(code[0].text().collect::<String>(), PS);
            targets.push(target.to_string());
        }
        assert_ne!(targets[0], targets[1], "two embeds on one page get distinct ids");
        assert_eq!(select(&page, "figure#snippet-check-activation-ps1").len(), 2);
        let title = select(&page, ".snippet-title")[0].text().collect::<String>();
        assert_eq!(title, "check-activation.ps1");
        let file = select(&page, "code.snippet-file")[0].text().collect::<String>();
        assert_eq!(file, "check-activation.ps1");
        assert!(first.contains("<p class=\"snippet-verify\">Check the download: <code>Get-FileHash .\\check-activation.ps1 -Algorithm SHA256</code></p>"));
    }

    #[test]
    fn shared_snippets_publish_once_under_snippets() {
        let site = Site::new();
        site.file("content/snippets/tools/check.sh", b"echo ok\n");
        site.file("content/snippets/check.ps1", b"1\n");
        let mut ctx = site.bundle_ctx();
        ctx.base_path = "/docs";
        let (html, snip, _) = ok("snippet snippets/tools/check.sh", "", 1, &ctx);
        assert_eq!(snip.source, Path::new("content/snippets/tools/check.sh"));
        assert_eq!(snip.out_path, Path::new("snippets/tools/check.sh"));
        assert!(html.contains("href=\"/docs/snippets/tools/check.sh\""), "{html}");
        assert!(html.contains("type=\"text/x-shellscript; charset=utf-8\""));
        // A non-bundle article finds shared snippets without the prefix, at the same out path.
        let (_, a, _) = ok("snippet check.ps1", "", 1, &site.plain_ctx());
        let (_, b, _) = ok("snippet snippets/check.ps1", "", 1, &site.bundle_ctx());
        assert_eq!(a.out_path, Path::new("snippets/check.ps1"));
        assert_eq!(a, b);
    }

    #[test]
    fn bundle_subfolders_keep_their_relative_path() {
        let site = Site::new();
        site.file("content/guide/scripts/My Check.ps1", b"1\n");
        let (html, snip, _) = ok("snippet \"scripts/My Check.ps1\"", "", 1, &site.bundle_ctx());
        assert_eq!(snip.out_path, Path::new("guide/scripts/My Check.ps1"));
        assert!(html.contains("href=\"/guide/scripts/My%20Check.ps1\""), "{html}");
        assert!(html.contains("download=\"My Check.ps1\""));
        assert!(
            html.contains("Get-FileHash -LiteralPath &#39;.\\My Check.ps1&#39; -Algorithm SHA256"),
            "{html}"
        );
        assert!(html.contains("id=\"snippet-my-check-ps1\""));
        // Backslashes work as separators too.
        let (_, again, _) = ok("snippet 'scripts\\My Check.ps1'", "", 2, &site.bundle_ctx());
        assert_eq!(again.out_path, snip.out_path);
    }

    #[test]
    fn a_line_range_shows_part_and_downloads_the_whole() {
        let site = Site::new();
        site.file("content/guide/c.ps1", PS.as_bytes());
        let (html, snip, _) =
            ok("snippet c.ps1 lines=\"3-5\" title='Status check'", "", 1, &site.bundle_ctx());
        assert_eq!(snip.bytes, PS.as_bytes());
        let doc = scraper::Html::parse_fragment(&html);
        let shown = select(&doc, "pre.code code")[0].text().collect::<String>();
        assert_eq!(shown, PS.lines().skip(2).take(3).map(|l| format!("{l}\n")).collect::<String>());
        let note = select(&doc, "p.snippet-partial")[0].text().collect::<String>();
        assert_eq!(note, "Showing lines 3–5 of 8; the download has the whole file.");
        assert_eq!(select(&doc, ".snippet-title")[0].text().collect::<String>(), "Status check");
        assert!(html.contains("id=\"snippet-c-ps1-lines-3-5\""));
        // Single line and open-ended forms.
        let (html, _, _) = ok("snippet c.ps1 lines=8", "", 1, &site.bundle_ctx());
        assert!(html.contains("Showing lines 8–8 of 8"));
        let (html, _, _) = ok("snippet c.ps1 lines=\"7-\"", "", 1, &site.bundle_ctx());
        assert!(html.contains("Showing lines 7–8 of 8"));
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
    fn a_region_shows_the_lines_between_its_markers() {
        let site = Site::new();
        site.file("content/guide/c.ps1", PS.as_bytes());
        let (html, snip, _) = ok(
            "snippet c.ps1 region=\"Status\"",
            "Run it as a normal user.",
            1,
            &site.bundle_ctx(),
        );
        assert_eq!(snip.bytes, PS.as_bytes(), "the download keeps the markers");
        let doc = scraper::Html::parse_fragment(&html);
        let shown = select(&doc, "pre.code code")[0].text().collect::<String>();
        assert!(shown.starts_with("$status = "), "{shown}");
        assert!(shown.ends_with("}\n"), "{shown}");
        assert!(!shown.contains("region"));
        assert!(html.contains("Showing lines 3–6 of 8"));
        assert!(html.contains("id=\"snippet-c-ps1-status\""));
        assert_eq!(
            select(&doc, "p.snippet-caption")[0].text().collect::<String>(),
            "Run it as a normal user."
        );
    }

    #[test]
    fn region_markers_in_every_comment_style() {
        let text = "a\n// region One\nb\n  # region Two\nc\n# endregion\n//endregion\n:: region Three\nd\n:: endregion\n@REM region Four\ne\nrem endregion\n#region Nested\n#region Inner\nf\n#endregion\ng\n#endregion\n";
        assert_eq!(region_range(text, "One").ok(), Some(2..6), "nested regions are skipped over");
        assert_eq!(region_range(text, "Two").ok(), Some(4..5));
        assert_eq!(region_range(text, "Three").ok(), Some(8..9));
        assert_eq!(region_range(text, "Four").ok(), Some(11..12));
        assert_eq!(region_range(text, "Nested").ok(), Some(14..18));
        // Empty: the caller warns (`snippet/empty-range`) and shows the whole file.
        assert_eq!(region_range("#region A\n#endregion\n", "A").ok(), Some(1..1));
        assert_eq!(
            region_range("#region A\nx\n", "A").err().map(|p| p.code),
            Some(ids::SNIPPET_BAD_REGION)
        );
        // Ordinary comments are not markers.
        assert_eq!(marker("# regional settings"), None);
        assert_eq!(marker("remark"), None);
        assert_eq!(marker("echo region x"), None);
    }

    #[test]
    fn everything_from_the_author_is_escaped() {
        let site = Site::new();
        site.file("content/guide/x.ps1", b"Write-Output '<b>&'\n");
        let (html, _, _) = ok(
            "snippet x.ps1 title=\"<script>alert(1)</script>\"",
            "a <i>caption</i> & more",
            1,
            &site.bundle_ctx(),
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<i>"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("a &lt;i&gt;caption&lt;/i&gt; &amp; more"));
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

    #[test]
    fn mime_types_for_downloads() {
        assert_eq!(mime_type(Path::new("a/check.ps1")), "text/plain; charset=utf-8");
        assert_eq!(mime_type(Path::new("x.CMD")), "text/plain; charset=utf-8");
        assert_eq!(mime_type(Path::new("x.bat")), "text/plain; charset=utf-8");
        assert_eq!(mime_type(Path::new("x.sh")), "text/x-shellscript; charset=utf-8");
        assert_eq!(mime_type(Path::new("x.py")), "text/x-python; charset=utf-8");
        assert_eq!(mime_type(Path::new("x.json")), "application/json");
        assert_eq!(mime_type(Path::new("x.svg")), "image/svg+xml");
        assert_eq!(mime_type(Path::new("x.exe")), "application/octet-stream");
        assert_eq!(mime_type(Path::new("Makefile")), "application/octet-stream");
    }

    #[test]
    fn directive_detection() {
        assert!(is_directive("snippet check.ps1"));
        assert!(is_directive("  snippet\tcheck.ps1 title=\"x\""));
        assert!(!is_directive("snippets"));
        assert!(!is_directive("powershell"));
        assert!(!is_directive(""));
    }
}
