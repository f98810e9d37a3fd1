//! What a snippet publishes: size limits, the bytes Windows reads right, SHA-256, MIME type.

use std::fmt::Write as _;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::{Located, Problem, SnippetContext};
use crate::diag::{Diagnostic, Location};
use crate::registry::ids;

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

fn extension(path: &Path) -> String {
    path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase()
}

pub(super) fn is_powershell(path: &Path) -> bool {
    matches!(extension(path).as_str(), "ps1" | "psm1" | "psd1")
}

pub(super) fn is_cmd(path: &Path) -> bool {
    matches!(extension(path).as_str(), "cmd" | "bat")
}

/// The file's published bytes after the BOM and CRLF rules from the
/// [`snippet`](super) module doc, or `None` when they are the file's own bytes.
pub(super) fn publish_changes(path: &Path, bytes: &[u8]) -> Option<Vec<u8>> {
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

/// `snippet/cmd-non-ascii`: cmd.exe reads a batch file in the console code page.
pub(super) fn warn_non_ascii_batch(
    file: &Located,
    text: &str,
    line: usize,
    ctx: &SnippetContext<'_>,
    diags: &mut Vec<Diagnostic>,
) {
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
}

/// `limits/snippet-size`: a warning above the warning size; above the error
/// size the snippet is refused before it is decoded, highlighted, hashed or
/// copied, so a 100 MB log mistaken for a script costs one read, not gigabytes.
pub(super) fn check_size(
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

pub(super) fn hex_sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for b in digest {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::snippet::test_site::*;

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
}
