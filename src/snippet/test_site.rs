//! Test fixtures shared by the snippet modules' tests: a throwaway site and render helpers.

use std::fs;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::{render, SnippetContext};
use crate::diag::Diagnostic;
use crate::limits::Limits;
use crate::model::PublishedSnippet;

/// A throwaway site: `content/guide/index.md` is a bundle, `content/plain.md` is not.
pub(super) struct Site {
    dir: tempfile::TempDir,
    files: crate::load::DiskFiles,
    pub(super) limits: Limits,
}

impl Site {
    pub(super) fn new() -> Site {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("content/guide")).unwrap();
        fs::create_dir_all(dir.path().join("content/snippets")).unwrap();
        let files = crate::load::DiskFiles::new(dir.path(), Path::new("content"));
        Site { dir, files, limits: Limits::default() }
    }

    pub(super) fn root(&self) -> &Path {
        self.dir.path()
    }

    pub(super) fn file(&self, rel: &str, bytes: &[u8]) {
        let p = self.root().join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, bytes).unwrap();
    }

    pub(super) fn bundle_ctx(&self) -> SnippetContext<'_> {
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

    pub(super) fn plain_ctx(&self) -> SnippetContext<'_> {
        SnippetContext {
            article: Path::new("content/plain.md"),
            bundle_dir: None,
            out_dir: Path::new("plain"),
            ..self.bundle_ctx()
        }
    }
}

pub(super) fn ok(
    info: &str,
    body: &str,
    line: usize,
    ctx: &SnippetContext<'_>,
) -> (String, PublishedSnippet, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let (html, snip) = render(info, body, line, ctx, &mut diags).unwrap_or_else(|| {
        panic!("{info}: {}", diags.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))
    });
    (html, snip, diags)
}

/// The single error a failing directive reports.
pub(super) fn err(info: &str, line: usize, ctx: &SnippetContext<'_>) -> Diagnostic {
    let mut diags = Vec::new();
    assert!(render(info, "", line, ctx, &mut diags).is_none(), "{info} should fail");
    assert_eq!(diags.len(), 1, "{diags:?}");
    diags.remove(0)
}

pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn select<'a>(doc: &'a scraper::Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    doc.select(&scraper::Selector::parse(css).unwrap()).collect()
}

pub(super) const PS: &str = "# Checks activation\n#region Status\n$status = Get-CimInstance SoftwareLicensingProduct\nforeach ($p in $status) {\n    if ($p.LicenseStatus -eq 1) { Write-Output \"Licensed: $($p.Name)\" }\n}\n#endregion\nWrite-Output 'done'\n";
