//! What each fuzz target does with its input, in one file shared by two users:
//! the cargo-fuzz targets in `fuzz_targets/` (nightly, libFuzzer) and the stable
//! test `tests/suite/fuzz_corpus.rs`, which includes this file with `#[path]`
//! and replays every committed corpus file through the same functions. So CI
//! checks the corpus on stable without a fuzzer, and a fix for a crash is
//! proven by the same code that found it.
//!
//! Besides "does not panic", each function asserts a property a user would
//! notice if it broke: diagnostics point at lines that exist, a body slice is
//! where the front matter said it is, no internal line sentinel leaks into a
//! page, and a snippet never resolves to a file outside the content folder or
//! publishes to a path outside the output folder.

use std::path::{Component, Path};
use std::sync::OnceLock;

use inkproof::check::facts::{self, Collector, Mapper};
use inkproof::diag::{Diagnostic, LineIndex};
use inkproof::limits::Limits;
use inkproof::load::DiskFiles;
use inkproof::markdown::{self, MdContext};
use inkproof::marks::LINE_SENTINEL;
use inkproof::snippet::{self, SnippetContext};
use inkproof::strip::{self, StripRules};
use inkproof::{front_matter, sanitize, slug};

/// A small site on disk for the targets that read snippet files: a page bundle
/// with its own script, shared snippets (one with regions) and a symlink that
/// leads out of the content folder.
pub struct Fixture {
    dir: tempfile::TempDir,
    files: DiskFiles,
    rules: StripRules,
    limits: Limits,
}

const ARTICLE: &str = "content/guide/index.md";

impl Fixture {
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        let write = |rel: &str, text: &str| {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write fixture");
        };
        write(ARTICLE, "---\ntitle: Guide\n---\nBody\n");
        write("content/guide/local.cmd", "@echo off\r\necho hi\r\n");
        write("content/guide/sub/deep.ps1", "Write-Host 'é'\n");
        write(
            "content/snippets/check.ps1",
            "# one\n#region main\nGet-CimInstance\n#region inner\n'x'\n#endregion\n#endregion\n",
        );
        write("content/snippets/plain.sh", "echo hi\n");
        write("content/other.md", "---\ntitle: Other\n---\n");
        write("outside/secret.txt", "not part of the site\n");
        #[cfg(unix)]
        {
            let _ = std::os::unix::fs::symlink(
                root.join("outside/secret.txt"),
                root.join("content/snippets/leak.txt"),
            );
            let _ = std::os::unix::fs::symlink(root.join("outside"), root.join("content/guide/up"));
        }
        let files = DiskFiles::new(root, Path::new("content"));
        Fixture { dir, files, rules: StripRules::default(), limits: Limits::default() }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn snippet_ctx(&self, bundle: bool) -> SnippetContext<'_> {
        SnippetContext {
            site_root: self.root(),
            content_dir: Path::new("content"),
            article: Path::new(ARTICLE),
            bundle_dir: bundle.then_some(Path::new("content/guide")),
            out_dir: Path::new("guide"),
            base_path: "",
            files: &self.files,
            limits: &self.limits,
        }
    }
}

impl Default for Fixture {
    fn default() -> Self {
        Fixture::new()
    }
}

/// The fixture the fuzz targets share for the whole run.
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(Fixture::new)
}

/// Every diagnostic's line must exist in `text` (0 means "the whole file").
fn assert_lines_exist(text: &str, diags: &[Diagnostic]) {
    let lines = text.split('\n').count();
    for d in diags {
        assert!(
            d.location.line <= lines,
            "{} points at line {} of a {lines}-line file: {}",
            d.code,
            d.location.line,
            d.message
        );
    }
}

/// Front matter split + parse (YAML and TOML): the body is the rest of the
/// file after the closing delimiter, and findings point at real lines.
pub fn front_matter(_fx: &Fixture, data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut diags = Vec::new();
    if let Some(parsed) = front_matter::parse(Path::new(ARTICLE), text, &mut diags) {
        assert!(parsed.body_offset <= text.len());
        assert_eq!(parsed.body, &text[parsed.body_offset..]);
        // Slugs of whatever the title or slug field holds stay URL-safe.
        for s in [
            slug::slugify(&parsed.meta.title),
            slug::slugify(&parsed.meta.slug.unwrap_or_default()),
        ] {
            assert!(
                s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{s:?}"
            );
        }
    } else {
        assert!(diags.iter().any(Diagnostic::is_error), "article dropped without an error");
    }
    assert_lines_exist(text, &diags);
    // Front matter refused for its shape (aliases expanding too far, brackets
    // nested too deep; issue 21) names the line and column where it crossed.
    for d in &diags {
        if d.message.contains("billion laughs") || d.message.contains("nested more than") {
            assert!(d.location.line > 0 && d.location.col.is_some(), "unlocated: {d:?}");
        }
    }
}

/// Ad marker stripping on a body that starts after a two-line front matter:
/// the result never grows, cut offsets map back inside the body, and findings
/// point at real lines.
pub fn strip_markers(fx: &Fixture, data: &[u8]) {
    let Ok(body) = std::str::from_utf8(data) else { return };
    let text = format!("---\ntitle: T\n---\n{body}");
    let offset = text.len() - body.len();
    let index = LineIndex::new(&text);
    let mut diags = Vec::new();
    let out = strip::strip_markers(
        &text[offset..],
        offset,
        &index,
        Path::new(ARTICLE),
        &fx.rules,
        &mut diags,
    );
    assert!(out.body.len() <= body.len());
    for pos in [0, out.body.len() / 2, out.body.len()] {
        assert!(out.map.original(pos) <= body.len(), "offset {pos} maps outside the body");
    }
    let lines = text.split('\n').count();
    for s in &out.stripped {
        assert!(s.line >= 1 && s.line <= lines, "stripped block at line {}", s.line);
    }
    assert_lines_exist(&text, &diags);
}

/// Ad element stripping on arbitrary HTML: never panics, never grows the page
/// by more than the closing tags lol_html may add, and removes its own line
/// sentinels.
pub fn strip_elements(fx: &Fixture, data: &[u8]) {
    let Ok(html) = std::str::from_utf8(data) else { return };
    let (out, _) = strip::strip_elements(html, &fx.rules, strip::Page::default());
    if !html.contains("inkproof:L") {
        assert!(!out.contains(LINE_SENTINEL), "a line sentinel leaked into the page");
    }
}

/// The whole article, as the build does it: front matter → marker strip →
/// Markdown (with highlighting and snippet directives that read the fixture's
/// files) → element strip, then the optional sanitizer. A file whose front matter fails is rendered whole,
/// like a home page intro, so the Markdown stages see every input.
pub fn article(fx: &Fixture, data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let path = Path::new(ARTICLE);
    let mut diags = Vec::new();
    let (body, body_offset) = match front_matter::parse(path, text, &mut diags) {
        Some(p) => (p.body, p.body_offset),
        None => (text, 0),
    };
    let index = LineIndex::new(text);
    let stripped = strip::strip_markers(body, body_offset, &index, path, &fx.rules, &mut diags);
    let urls = |p: &Path| (p == Path::new("content/other.md")).then(|| "/other/".to_string());
    let ctx = MdContext {
        path,
        index: &index,
        body_offset,
        map: &stripped.map,
        urls: &urls,
        content_dir: Path::new("content"),
        snippet: fx.snippet_ctx(true),
    };
    // The checks' facts ride on the render's parse; a parse of their own must agree.
    let mapper = Mapper { index: &index, body_offset, map: &stripped.map };
    let mut collector = Collector::new(&stripped.body, &mapper);
    let md = markdown::render(&stripped.body, &ctx, &mut diags, &mut |e, r| collector.event(e, r));
    let alone = facts::collect(&stripped.body, &mapper);
    assert_eq!(format!("{:?}", collector.finish()), format!("{alone:?}"), "facts differ");
    let (html, _) = strip::strip_elements(&md.html, &fx.rules, strip::Page::default());
    if !text.contains("inkproof:L") {
        assert!(!html.contains(LINE_SENTINEL), "a line sentinel leaked into the page");
    }
    for s in &md.snippets {
        assert_inside_output(&s.out_path);
    }
    assert_lines_exist(text, &diags);
    // `sanitize: true` on the same page: nothing that runs code survives.
    let clean = scraper::Html::parse_fragment(&sanitize::clean(&html));
    for node in clean.tree.nodes() {
        let scraper::Node::Element(e) = node.value() else { continue };
        let name = e.name();
        assert!(!["script", "iframe", "object", "embed", "style"].contains(&name), "<{name}> kept");
        for (attr, value) in e.attrs() {
            assert!(!attr.starts_with("on"), "{attr}= kept on <{name}>");
            let v = value.trim_start().to_ascii_lowercase();
            assert!(!(v.starts_with("javascript:") && (attr == "href" || attr == "src")), "{v}");
        }
    }
}

/// Snippet path resolution, in a bundle and outside one: whatever the author
/// writes, a resolved file is inside the content folder and its published
/// path stays inside the output folder.
pub fn snippet_path(fx: &Fixture, data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else { return };
    let Ok(raw) = std::str::from_utf8(rest) else { return };
    let ctx = fx.snippet_ctx(first & 1 == 1);
    if let Ok(found) = snippet::resolve(raw, &ctx) {
        let content = fx.root().join("content").canonicalize().expect("content dir");
        let real = found.abs.canonicalize().expect("a resolved snippet exists");
        assert!(real.starts_with(&content), "`{raw}` resolved to {}", real.display());
        assert_inside_output(&found.out_path);
    }
}

fn assert_inside_output(out: &Path) {
    assert!(
        out.components().all(|c| matches!(c, Component::Normal(_))),
        "published at `{}`, outside the output folder",
        out.display()
    );
}
