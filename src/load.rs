//! Stage 1 (load): finds the articles under `content/` and reads them.
//!
//! 1. Walk `content/` (walkdir, never following symlinks out of it).
//! 2. A folder holding `index.md` is a page bundle: its other files are assets
//!    published next to the page, not articles of their own.
//! 3. Names starting with `_` or `.` are skipped; `content/_index.md` is the home
//!    page intro.
//! 4. Files are read in parallel; a leading BOM is dropped (offsets and lines
//!    stay those of the author's file, since the BOM sits before line 1).

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use anyhow::Context as _;
use rayon::prelude::*;

use crate::diag::{Diagnostic, Location};
use crate::model::Source;

/// What `content/` holds.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Articles and standalone pages, sorted by path for stable output.
    pub sources: Vec<Source>,
    /// `content/_index.md`, the home page intro, if present.
    pub home: Option<Source>,
}

/// Reads every article under `root/content_dir`. Problems with single files are
/// diagnostics; an unreadable content folder is an error (exit 2).
pub fn sources(
    root: &Path,
    content_dir: &Path,
    diags: &mut Vec<Diagnostic>,
) -> anyhow::Result<Loaded> {
    let content_abs = root.join(content_dir);
    let meta = std::fs::metadata(&content_abs)
        .with_context(|| format!("cannot read the content folder `{}`", content_abs.display()))?;
    anyhow::ensure!(meta.is_dir(), "`{}` is not a folder", content_abs.display());
    let canonical_root = content_abs
        .canonicalize()
        .with_context(|| format!("cannot resolve `{}`", content_abs.display()))?;

    // Pass 1: every file below content/, relative to it.
    let mut files: Vec<PathBuf> = Vec::new();
    let walker = walkdir::WalkDir::new(&content_abs).follow_links(false).sort_by_file_name();
    let mut it = walker.into_iter();
    while let Some(entry) = it.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path =
                    e.path().map(|p| rel_to(root, p)).unwrap_or_else(|| content_dir.to_path_buf());
                diags.push(Diagnostic::error(
                    "load/unreadable",
                    Location::file(path),
                    e.to_string(),
                ));
                continue;
            }
        };
        if entry.depth() == 0 {
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        let rel = entry.path().strip_prefix(&content_abs).unwrap_or(entry.path()).to_path_buf();
        let is_home = rel == Path::new("_index.md");
        if (name.starts_with('.') || name.starts_with('_')) && !is_home {
            if entry.file_type().is_dir() {
                it.skip_current_dir();
            }
            continue;
        }
        if entry.file_type().is_dir() {
            continue;
        }
        if entry.file_type().is_symlink() {
            // A symlink may only point inside content/; anything else could leak
            // files from elsewhere on the machine into the published site.
            match entry.path().canonicalize() {
                Ok(target) if target.starts_with(&canonical_root) && target.is_file() => {}
                _ => {
                    diags.push(Diagnostic::error(
                        "load/path-escape",
                        Location::file(content_dir.join(&rel)),
                        "symlink points outside the content folder (or nowhere); it is not published",
                    ));
                    continue;
                }
            }
        }
        files.push(rel);
    }

    // Pass 2: which folders are bundles.
    let bundles: BTreeSet<PathBuf> = files
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "index.md"))
        .filter_map(|p| p.parent().filter(|d| !d.as_os_str().is_empty()).map(Path::to_path_buf))
        .collect();
    let bundle_of = |p: &Path| -> Option<PathBuf> {
        p.ancestors().skip(1).find(|a| bundles.contains(*a)).map(Path::to_path_buf)
    };

    let mut articles: Vec<(PathBuf, Option<PathBuf>)> = Vec::new();
    let mut assets: std::collections::BTreeMap<PathBuf, Vec<PathBuf>> = Default::default();
    let mut home = None;
    for rel in files {
        if rel == Path::new("_index.md") {
            home = Some(rel);
            continue;
        }
        let bundle = bundle_of(&rel);
        let is_md = rel.extension().is_some_and(|e| e.eq_ignore_ascii_case("md"));
        match bundle {
            Some(dir) if rel != dir.join("index.md") => {
                let inner = rel.strip_prefix(&dir).unwrap_or(&rel).to_path_buf();
                assets.entry(dir).or_default().push(inner);
            }
            Some(dir) => articles.push((rel, Some(dir))),
            None if is_md => articles.push((rel, None)),
            None => {} // loose files (e.g. content/snippets/) are published only when used
        }
    }

    let read = |rel: &PathBuf, bundle: Option<&PathBuf>| -> Result<Source, Diagnostic> {
        let abs = content_abs.join(rel);
        let path = content_dir.join(rel);
        let bytes = std::fs::read(&abs).map_err(|e| {
            Diagnostic::error("load/unreadable", Location::file(&path), e.to_string())
        })?;
        let mut text = String::from_utf8(bytes).map_err(|e| {
            Diagnostic::error(
                "load/not-utf8",
                Location::file(&path),
                format!(
                    "file is not UTF-8 (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            )
            .with_help("save the file as UTF-8")
        })?;
        if text.starts_with('\u{feff}') {
            text.drain(..3);
        }
        Ok(Source {
            path: normalize(&path),
            abs_path: abs,
            text,
            bundle_dir: bundle.map(|b| normalize(&content_dir.join(b))),
            assets: bundle.and_then(|b| assets.get(b)).cloned().unwrap_or_default(),
        })
    };

    let results: Vec<Result<Source, Diagnostic>> =
        articles.par_iter().map(|(rel, bundle)| read(rel, bundle.as_ref())).collect();
    let mut loaded = Loaded::default();
    for r in results {
        match r {
            Ok(s) => loaded.sources.push(s),
            Err(d) => diags.push(d),
        }
    }
    if let Some(rel) = home {
        match read(&rel, None) {
            Ok(s) => loaded.home = Some(s),
            Err(d) => diags.push(d),
        }
    }
    Ok(loaded)
}

fn rel_to(root: &Path, p: &Path) -> PathBuf {
    p.strip_prefix(root).unwrap_or(p).to_path_buf()
}

/// Lexically normalises a relative path (`a/./b/../c` → `a/c`). Returns `None`
/// when it would climb above its start or is absolute: such a path escapes its root.
pub fn normalize_within(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

fn normalize(path: &Path) -> PathBuf {
    normalize_within(path).unwrap_or_else(|| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_refuses_escapes() {
        assert_eq!(normalize_within(Path::new("a/./b/../c")), Some(PathBuf::from("a/c")));
        assert_eq!(normalize_within(Path::new("a/../../c")), None);
        assert_eq!(normalize_within(Path::new("/etc/passwd")), None);
    }

    #[test]
    fn bundles_skips_and_home() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("content");
        for (p, t) in [
            ("a.md", "x"),
            ("_draft.md", "x"),
            (".hidden.md", "x"),
            ("_index.md", "home"),
            ("guide/index.md", "\u{feff}guide"),
            ("guide/shot.svg", "<svg/>"),
            ("guide/notes.md", "asset"),
            ("snippets/x.ps1", "x"),
            ("_private/b.md", "x"),
        ] {
            let f = c.join(p);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, t).unwrap();
        }
        let mut diags = Vec::new();
        let loaded = sources(dir.path(), Path::new("content"), &mut diags).unwrap();
        assert!(diags.is_empty(), "{diags:?}");
        let paths: Vec<_> =
            loaded.sources.iter().map(|s| s.path.to_string_lossy().into_owned()).collect();
        assert_eq!(paths, ["content/a.md", "content/guide/index.md"]);
        let guide = &loaded.sources[1];
        assert_eq!(guide.text, "guide", "BOM dropped");
        assert_eq!(guide.bundle_dir.as_deref(), Some(Path::new("content/guide")));
        assert_eq!(guide.assets, [PathBuf::from("notes.md"), PathBuf::from("shot.svg")]);
        assert_eq!(loaded.home.unwrap().text, "home");
    }
}
