//! `TestSite`: copy a fixture site to a temp dir, build it with the library,
//! and query the in-memory outputs as parsed HTML.

use std::path::{Path, PathBuf};

use inkproof::diag::Diagnostic;
use inkproof::model::{Build, Output};
use inkproof::pipeline::{self, BuildOptions};

pub struct TestSite {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

impl TestSite {
    /// A copy of `tests/sites/<name>`.
    pub fn fixture(name: &str) -> Self {
        let site = Self::empty();
        copy_dir(&repo_root().join("tests/sites").join(name), &site.root);
        site
    }

    /// A site with nothing in it yet.
    pub fn empty() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        std::fs::create_dir_all(root.join("content")).unwrap();
        TestSite { _dir: dir, root }
    }

    pub fn write(&self, rel: &str, text: &str) -> &Self {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
        self
    }

    pub fn build(&self) -> Built {
        self.build_with(false)
    }

    pub fn build_with(&self, drafts: bool) -> Built {
        let opts = BuildOptions { root: self.root.clone(), drafts, base_url: None };
        let (_, build) = pipeline::build(&opts).expect("the tool itself failed");
        Built { build }
    }

    /// Runs the real binary in the site root.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_inkproof"))
            .arg("--root")
            .arg(&self.root)
            .args(args)
            .output()
            .unwrap()
    }
}

pub struct Built {
    pub build: Build,
}

impl Built {
    pub fn bytes(&self, path: &str) -> Option<Vec<u8>> {
        self.build.outputs.iter().rev().find(|o| o.path() == Path::new(path)).map(|o| match o {
            Output::Bytes { bytes, .. } => bytes.clone(),
            Output::Copy { from, .. } => std::fs::read(from).unwrap(),
        })
    }

    pub fn text(&self, path: &str) -> String {
        let bytes = self
            .bytes(path)
            .unwrap_or_else(|| panic!("no output `{path}`; have: {:?}", self.paths()));
        String::from_utf8(bytes).unwrap()
    }

    pub fn page(&self, path: &str) -> scraper::Html {
        scraper::Html::parse_document(&self.text(path))
    }

    pub fn paths(&self) -> Vec<String> {
        self.build.outputs.iter().map(|o| o.path().to_string_lossy().into_owned()).collect()
    }

    pub fn errors(&self) -> Vec<&Diagnostic> {
        self.build.diagnostics.iter().filter(|d| d.is_error()).collect()
    }

    pub fn codes(&self) -> Vec<&'static str> {
        self.build.diagnostics.iter().map(|d| d.code.as_str()).collect()
    }

    pub fn assert_clean(&self) {
        let errors = self.errors();
        assert!(errors.is_empty(), "unexpected errors: {errors:#?}");
    }
}

/// Texts of all elements matching `selector`.
pub fn texts(doc: &scraper::Html, selector: &str) -> Vec<String> {
    let sel = scraper::Selector::parse(selector).unwrap();
    doc.select(&sel).map(|e| e.text().collect::<String>().trim().to_string()).collect()
}

/// Values of `attr` on all elements matching `selector`.
pub fn attrs(doc: &scraper::Html, selector: &str, attr: &str) -> Vec<String> {
    let sel = scraper::Selector::parse(selector).unwrap();
    doc.select(&sel).filter_map(|e| e.value().attr(attr).map(str::to_string)).collect()
}

pub fn count(doc: &scraper::Html, selector: &str) -> usize {
    doc.select(&scraper::Selector::parse(selector).unwrap()).count()
}
