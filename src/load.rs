//! Stage 1 (load): finds the articles under `content/` and reads them.
//!
//! 1. Walk `content/` (walkdir, never following symlinks out of it).
//! 2. A folder holding `index.md` is a page bundle: its other files are assets
//!    published next to the page, not articles of their own.
//! 3. Names starting with `_` or `.` are skipped; `content/_index.md` is the home
//!    page intro.
//! 4. Files are read in parallel; a leading BOM is dropped (offsets and lines
//!    stay those of the author's file, since the BOM sits before line 1).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use rayon::prelude::*;

use std::sync::{Arc, Mutex};

use crate::config::{Config, CONFIG_FILES};
use crate::diag::{Diagnostic, Location};
use crate::fingerprint::hash;
use crate::href::normalize_within;
use crate::model::Source;
use crate::registry::ids;

/// What `content/` holds.
#[derive(Debug, Default, Clone)]
pub struct Loaded {
    /// Articles and standalone pages, sorted by path for stable output.
    /// Shared, so a refresh keeps unchanged files without copying their text.
    pub sources: Vec<Arc<Source>>,
    /// `content/_index.md`, the home page intro, if present.
    pub home: Option<Source>,
    /// Size and modification time of every bundle asset (by absolute path), so
    /// a copy is redone only when the file changed.
    pub stamps: HashMap<PathBuf, Stamp>,
}

pub use crate::model::Stamp;

/// Reads every article under `root/content_dir`. Problems with single files are
/// diagnostics; an unreadable content folder is an error (exit 2). `exclude`
/// (the output folder, when it sits inside `content/`) is never read back in.
pub fn sources(
    root: &Path,
    content_dir: &Path,
    diags: &mut Vec<Diagnostic>,
) -> anyhow::Result<Loaded> {
    sources_reusing(root, content_dir, &[], None, true, diags)
}

/// The text of `source`: the one in memory, or, once released, the file
/// read again. `None` when the file changed since it was loaded (or can't be
/// read any more): what is shown or parsed must be what the build hashed.
pub fn text_of(source: &Source) -> Option<std::borrow::Cow<'_, str>> {
    if !source.released {
        return Some(std::borrow::Cow::Borrowed(&source.text));
    }
    let bytes = std::fs::read(&source.abs_path).ok()?;
    if hash(&bytes) != source.hash {
        return None;
    }
    Some(std::borrow::Cow::Owned(without_bom(String::from_utf8(bytes).ok()?)))
}

/// A file's text as a stage sees it: a leading UTF-8 BOM is not content.
fn without_bom(mut text: String) -> String {
    if text.starts_with('\u{feff}') {
        text.drain(..3);
    }
    text
}

/// `source` with its text, for a stage that parses it. A file changed
/// during the build stops the build (nothing is written): going on would
/// mix two versions of it, and cache one under the other's hash.
pub fn with_text(source: &Source) -> anyhow::Result<std::borrow::Cow<'_, Source>> {
    if !source.released {
        return Ok(std::borrow::Cow::Borrowed(source));
    }
    let text = text_of(source).with_context(|| {
        format!("`{}` changed while the build ran; build again", source.path.display())
    })?;
    Ok(std::borrow::Cow::Owned(Source {
        text: text.into_owned(),
        released: false,
        ..source.clone()
    }))
}

/// [`sources`], keeping the text of every file of `previous` whose size and
/// modification time are unchanged and that is not in `changed` (the watcher's
/// list), so a refresh reads only what changed. Without `keep_texts` each
/// article is read, checked and hashed, and its text let go at once.
fn sources_reusing(
    root: &Path,
    content_dir: &Path,
    exclude: &[PathBuf],
    previous: Option<(&Loaded, &HashSet<PathBuf>)>,
    keep_texts: bool,
    diags: &mut Vec<Diagnostic>,
) -> anyhow::Result<Loaded> {
    let content_abs = root.join(content_dir);
    if let Err(d) = within_site(root, content_dir) {
        diags.push(d);
        return Ok(Loaded::default());
    }
    let meta = std::fs::metadata(&content_abs)
        .with_context(|| format!("cannot read the content folder `{}`", content_abs.display()))?;
    anyhow::ensure!(meta.is_dir(), "`{}` is not a folder", content_abs.display());
    let canonical_root = content_abs
        .canonicalize()
        .with_context(|| format!("cannot resolve `{}`", content_abs.display()))?;
    let exclude: Vec<PathBuf> = exclude.iter().filter_map(|p| p.canonicalize().ok()).collect();
    let walk = ContentWalk { root, content_dir, content_abs: &content_abs, canonical_root };
    let files = walk.files(&exclude, diags);
    let sorted = sort_files(files, &content_abs);
    let reader = SourceReader {
        content_abs: &content_abs,
        content_dir,
        assets: &sorted.assets,
        old: previous
            .map(|(prev, _)| prev.sources.iter().map(|s| (s.path.as_path(), s)).collect())
            .unwrap_or_default(),
        changed: previous.map(|(_, changed)| changed),
    };
    let results: Vec<Result<Arc<Source>, Diagnostic>> = sorted
        .articles
        .par_iter()
        .map(|(rel, bundle, stamp)| reader.read(rel, bundle.as_ref(), *stamp, keep_texts))
        .collect();
    let mut loaded = Loaded { stamps: sorted.stamps, ..Loaded::default() };
    for r in results {
        match r {
            Ok(s) => loaded.sources.push(s),
            Err(d) => diags.push(d),
        }
    }
    // The home intro (`_index.md`) is one small file, parsed from memory.
    if let Some((rel, stamp)) = sorted.home {
        match reader.read(&rel, None, stamp, true) {
            Ok(s) => loaded.home = Some(Source::clone(&s)),
            Err(d) => diags.push(d),
        }
    }
    Ok(loaded)
}

/// The content folder as the walk sees it: where it is, spelled from the
/// root for findings and resolved for the symlink checks.
struct ContentWalk<'a> {
    root: &'a Path,
    content_dir: &'a Path,
    content_abs: &'a Path,
    canonical_root: PathBuf,
}

impl ContentWalk<'_> {
    /// Pass 1: every file below content/, relative to it, with its stamp.
    fn files(&self, exclude: &[PathBuf], diags: &mut Vec<Diagnostic>) -> Vec<(PathBuf, Stamp)> {
        let (root, content_dir, content_abs) = (self.root, self.content_dir, self.content_abs);
        let mut files: Vec<(PathBuf, Stamp)> = Vec::new();
        let walker = walkdir::WalkDir::new(content_abs).follow_links(false).sort_by_file_name();
        let mut it = walker.into_iter();
        while let Some(entry) = it.next() {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let path = e
                        .path()
                        .map(|p| rel_to(root, p))
                        .unwrap_or_else(|| content_dir.to_path_buf());
                    diags.push(Diagnostic::error(
                        ids::LOAD_UNREADABLE,
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
            let rel = entry.path().strip_prefix(content_abs).unwrap_or(entry.path()).to_path_buf();
            let shown = content_dir.join(&rel);
            let is_home = rel == Path::new("_index.md");
            if (name.starts_with('.') || name.starts_with('_')) && !is_home {
                if entry.file_type().is_dir() {
                    it.skip_current_dir();
                }
                continue;
            }
            if entry.file_type().is_dir() {
                // The output folder inside content/ would be read back in as articles.
                if entry.path().canonicalize().is_ok_and(|c| exclude.contains(&c)) {
                    it.skip_current_dir();
                }
                continue;
            }
            let Some(file_meta) = self.file_meta(classify(&entry), &shown, diags) else {
                continue;
            };
            if !file_meta.is_file() {
                // A FIFO would block the read forever; sockets and devices are no content.
                diags.push(
                    Diagnostic::warning(
                        ids::LOAD_SPECIAL_FILE,
                        Location::file(&shown),
                        "not a regular file (a pipe, socket or device); skipped",
                    )
                    .with_help("only regular files are read from content/"),
                );
                continue;
            }
            files.push((rel, Stamp::of(&file_meta)));
        }
        files
    }

    /// The metadata of what a (non-folder) entry leads to, or why it is
    /// skipped. A symlink may only point inside content/; anything else could
    /// leak files from elsewhere on the machine into the published site.
    fn file_meta(
        &self,
        kind: EntryKind,
        shown: &Path,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<std::fs::Metadata> {
        let inside = |target: &Path| target.starts_with(&self.canonical_root);
        let unreadable = |e: &dyn std::fmt::Display| {
            Diagnostic::error(ids::LOAD_UNREADABLE, Location::file(shown), e.to_string())
        };
        let found = match kind {
            EntryKind::LinkedFolder(target) if self.canonical_root.starts_with(&target) => {
                Err(Diagnostic::warning(
                    ids::LOAD_SYMLINK_LOOP,
                    Location::file(shown),
                    format!(
                        "symlink points back to `{}`, a folder that contains it; skipped",
                        rel_to(self.root, &target).display()
                    ),
                )
                .with_help("remove the link; folders are walked once"))
            }
            EntryKind::LinkedFolder(target) if inside(&target) => Err(folder_link_skipped(shown)),
            EntryKind::LinkedFile(target, m) if inside(&target) => Ok(m),
            EntryKind::LinkedOther(target, m) if inside(&target) => m.map_err(|e| unreadable(&e)),
            EntryKind::LinkedFolder(_)
            | EntryKind::LinkedFile(..)
            | EntryKind::LinkedOther(..)
            | EntryKind::Dangling => Err(Diagnostic::error(
                ids::LOAD_PATH_ESCAPE,
                Location::file(shown),
                "symlink points outside the content folder (or nowhere); it is not published",
            )),
            EntryKind::File(m) | EntryKind::Special(Ok(m)) => Ok(m),
            EntryKind::Special(Err(e)) | EntryKind::Unreadable(e) => Err(unreadable(&e)),
            EntryKind::Folder => return None,
        };
        found.map_err(|d| diags.push(d)).ok()
    }
}

/// What a walked entry is, a symlink followed once to say what it leads to.
/// The content walk and the site-folder walk (templates, static) both start
/// here, then judge a link by their own bounds.
#[derive(Debug)]
enum EntryKind {
    /// A folder (not a link to one).
    Folder,
    /// A regular file (not a link), with its metadata.
    File(std::fs::Metadata),
    /// A pipe, socket or device (not a link), with its metadata.
    Special(Result<std::fs::Metadata, walkdir::Error>),
    /// A regular file whose metadata can't be read.
    Unreadable(walkdir::Error),
    /// A symlink to a regular file: the resolved target and its metadata.
    LinkedFile(PathBuf, std::fs::Metadata),
    /// A symlink to a folder, resolved.
    LinkedFolder(PathBuf),
    /// A symlink to a pipe, socket or device, or to what can't be read.
    LinkedOther(PathBuf, std::io::Result<std::fs::Metadata>),
    /// A symlink that leads nowhere (or can't be resolved).
    Dangling,
}

fn classify(entry: &walkdir::DirEntry) -> EntryKind {
    let file_type = entry.file_type();
    if file_type.is_symlink() {
        let Ok(target) = entry.path().canonicalize() else { return EntryKind::Dangling };
        return match std::fs::metadata(&target) {
            Ok(m) if m.is_dir() => EntryKind::LinkedFolder(target),
            Ok(m) if m.is_file() => EntryKind::LinkedFile(target, m),
            other => EntryKind::LinkedOther(target, other),
        };
    }
    if file_type.is_dir() {
        return EntryKind::Folder;
    }
    if !file_type.is_file() {
        return EntryKind::Special(entry.metadata());
    }
    match entry.metadata() {
        Ok(m) => EntryKind::File(m),
        Err(e) => EntryKind::Unreadable(e),
    }
}

/// The files of content/ sorted by what they are: articles (with their
/// bundle folder), bundle assets (with their stamps) and the home intro.
struct Sorted {
    articles: Vec<(PathBuf, Option<PathBuf>, Stamp)>,
    assets: std::collections::BTreeMap<PathBuf, Vec<PathBuf>>,
    stamps: HashMap<PathBuf, Stamp>,
    home: Option<(PathBuf, Stamp)>,
}

/// Pass 2: which folders are bundles, and so which files are articles.
fn sort_files(files: Vec<(PathBuf, Stamp)>, content_abs: &Path) -> Sorted {
    let bundles: BTreeSet<PathBuf> = files
        .iter()
        .map(|(p, _)| p)
        .filter(|p| p.file_name().is_some_and(|n| n == "index.md"))
        .filter_map(|p| p.parent().filter(|d| !d.as_os_str().is_empty()).map(Path::to_path_buf))
        .collect();
    let bundle_of = |p: &Path| -> Option<PathBuf> {
        p.ancestors().skip(1).find(|a| bundles.contains(*a)).map(Path::to_path_buf)
    };

    let mut articles: Vec<(PathBuf, Option<PathBuf>, Stamp)> = Vec::new();
    let mut assets: std::collections::BTreeMap<PathBuf, Vec<PathBuf>> = Default::default();
    let mut stamps: HashMap<PathBuf, Stamp> = HashMap::new();
    let mut home = None;
    for (rel, stamp) in files {
        if rel == Path::new("_index.md") {
            home = Some((rel, stamp));
            continue;
        }
        let bundle = bundle_of(&rel);
        let is_md = rel.extension().is_some_and(|e| e.eq_ignore_ascii_case("md"));
        match bundle {
            Some(dir) if rel != dir.join("index.md") => {
                let inner = rel.strip_prefix(&dir).unwrap_or(&rel).to_path_buf();
                stamps.insert(content_abs.join(&rel), stamp);
                assets.entry(dir).or_default().push(inner);
            }
            Some(dir) => articles.push((rel, Some(dir), stamp)),
            None if is_md => articles.push((rel, None, stamp)),
            None => {} // loose files (e.g. content/snippets/) are published only when used
        }
    }
    Sorted { articles, assets, stamps, home }
}

/// Pass 3: reads one article, or keeps the last load's `Source` when its
/// file is unchanged.
struct SourceReader<'a> {
    content_abs: &'a Path,
    content_dir: &'a Path,
    assets: &'a std::collections::BTreeMap<PathBuf, Vec<PathBuf>>,
    /// The last load's sources by path, on a refresh.
    old: HashMap<&'a Path, &'a Arc<Source>>,
    /// The watcher's list of changed files, on a refresh.
    changed: Option<&'a HashSet<PathBuf>>,
}

impl SourceReader<'_> {
    fn read(
        &self,
        rel: &PathBuf,
        bundle: Option<&PathBuf>,
        stamp: Stamp,
        keep_texts: bool,
    ) -> Result<Arc<Source>, Diagnostic> {
        let abs = self.content_abs.join(rel);
        let path = normalize(&self.content_dir.join(rel));
        let bundle_dir = bundle.map(|b| normalize(&self.content_dir.join(b)));
        let assets = bundle.and_then(|b| self.assets.get(b)).cloned().unwrap_or_default();
        if let (Some(old), Some(changed)) = (self.old.get(path.as_path()), self.changed) {
            if old.stamp == stamp && !changed.contains(&abs) {
                if old.bundle_dir == bundle_dir && old.assets == assets {
                    return Ok(Arc::clone(old));
                }
                return Ok(Arc::new(Source { bundle_dir, assets, ..Source::clone(old) }));
            }
        }
        let bytes = std::fs::read(&abs).map_err(|e| {
            Diagnostic::error(ids::LOAD_UNREADABLE, Location::file(&path), e.to_string())
        })?;
        let hash = hash(&bytes);
        let text = String::from_utf8(bytes).map_err(|e| {
            let good = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            let line = 1 + bytes[..good].iter().filter(|&&b| b == b'\n').count();
            let line_start = bytes[..good].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            let col = 1 + String::from_utf8_lossy(&bytes[line_start..good]).chars().count();
            Diagnostic::error(
                ids::LOAD_NOT_UTF8,
                Location::new(&path, line, Some(col)),
                format!("file is not UTF-8 (invalid byte 0x{:02X})", bytes[good]),
            )
            .with_help("save the file as UTF-8")
        })?;
        let text = if keep_texts { without_bom(text) } else { String::new() };
        Ok(Arc::new(Source {
            path,
            abs_path: abs,
            text,
            bundle_dir,
            assets,
            hash,
            stamp,
            released: !keep_texts,
        }))
    }
}

/// A file under `content/` as another stage asked for it (a snippet): its
/// bytes, or why there are none. Each outcome hashes differently, so an
/// article that found a file missing is redone when the file appears.
#[derive(Debug, Clone)]
pub enum FileRead {
    Bytes(Arc<[u8]>),
    Missing,
    NotAFile,
    /// A symlink leading out of the content folder, to this target.
    Escapes(PathBuf),
    Error(String),
}

impl FileRead {
    /// What an article that read this file depends on.
    pub fn fingerprint(&self) -> u128 {
        match self {
            FileRead::Bytes(b) => hash(b),
            FileRead::Missing => 1,
            FileRead::NotAFile => 2,
            FileRead::Escapes(t) => hash(t.as_os_str().as_encoded_bytes()) ^ 3,
            FileRead::Error(e) => hash(e.as_bytes()) ^ 4,
        }
    }
}

/// Reads files under `content/` for the per-article stage (snippets), so that
/// stage stays a function of what it was given: the engine wraps this to record
/// every file an article read.
pub trait ContentFiles: Sync {
    /// `rel` is relative to the site root (`content/guide/check.ps1`).
    fn read(&self, rel: &Path) -> FileRead;
}

/// Where a static file's bytes come from.
#[derive(Debug, Clone)]
pub enum StaticSource {
    Disk { abs: PathBuf, stamp: Stamp },
    Builtin(&'static str),
}

/// Everything the site reads: config text, content, templates, static files,
/// and (on demand, cached) the other files under `content/`. The only stage
/// that touches the site's files; [`Inputs::refresh`] re-reads what changed.
#[derive(Debug)]
pub struct Inputs {
    pub root: PathBuf,
    /// The config file's name and text, if there is one.
    pub config_file: Option<(&'static str, String)>,
    pub config: Config,
    pub config_diags: Vec<Diagnostic>,
    pub content: Loaded,
    pub content_diags: Vec<Diagnostic>,
    /// Template name → text: the built-in theme overlaid with `templates/`.
    pub templates: Vec<(String, String)>,
    pub template_diags: Vec<Diagnostic>,
    /// Output path → where it comes from.
    pub statics: Vec<(PathBuf, StaticSource)>,
    /// Symlinks in `static/` that lead out of the site or nowhere, and a
    /// `static/` that is itself outside the site.
    pub static_diags: Vec<Diagnostic>,
    /// `inkproof-suppressions.json`: findings accepted as known, if the site has them.
    pub known: Option<crate::baseline::Baseline>,
    pub known_diags: Vec<Diagnostic>,
    /// Folders that are never read as content (the output folder).
    exclude: Vec<PathBuf>,
    /// Whether article texts stay in memory (see [`Inputs::load_released`]).
    keep_texts: bool,
    files: Mutex<HashMap<PathBuf, FileRead>>,
}

impl Inputs {
    /// Reads the whole site. `exclude` lists folders (the output folder) that
    /// must not be read back in when they sit inside `content/`.
    pub fn load(root: &Path, exclude: &[PathBuf]) -> anyhow::Result<Inputs> {
        Inputs::load_texts(root, exclude, true)
    }

    /// [`Inputs::load`] keeping no article text (kept: path, hash, stamp). A
    /// one-shot build reads each text again where a stage needs it
    /// ([`with_text`]), so ~12 KB per article (94 MB at 10,000) is never
    /// resident all at once, not even while loading.
    pub fn load_released(root: &Path, exclude: &[PathBuf]) -> anyhow::Result<Inputs> {
        Inputs::load_texts(root, exclude, false)
    }

    fn load_texts(root: &Path, exclude: &[PathBuf], keep_texts: bool) -> anyhow::Result<Inputs> {
        let mut inputs = Inputs {
            root: root.to_path_buf(),
            config_file: None,
            config: Config::default(),
            config_diags: Vec::new(),
            content: Loaded::default(),
            content_diags: Vec::new(),
            templates: Vec::new(),
            template_diags: Vec::new(),
            statics: Vec::new(),
            static_diags: Vec::new(),
            known: None,
            known_diags: Vec::new(),
            exclude: exclude.to_vec(),
            keep_texts,
            files: Mutex::default(),
        };
        inputs.read_config()?;
        inputs.read_known();
        // The configured output folder is never content, wherever it is.
        inputs.exclude.push(root.join(&inputs.config.output_dir));
        inputs.read_templates();
        inputs.read_statics();
        inputs.content = sources_reusing(
            root,
            &inputs.config.content_dir,
            &inputs.exclude,
            None,
            keep_texts,
            &mut inputs.content_diags,
        )?;
        Ok(inputs)
    }

    /// Re-reads after the files in `changed` (absolute paths, as a watcher
    /// reports them) were written, created or deleted. Content files whose size
    /// and time are unchanged keep their text; nothing is guessed: the content
    /// folder is listed again, which costs a directory walk, not a read.
    /// Returns `true` when the config changed (then everything was re-read).
    pub fn refresh(&mut self, changed: &[PathBuf]) -> anyhow::Result<bool> {
        let root = self.root.clone();
        // Everything below compares paths spelled from `root`. A watcher
        // reports the real absolute path, which for a relative root (`.`) or
        // one through a symlink is spelled differently and would match
        // nothing: every save would be "rebuilt" from the old text.
        let real_root = root.canonicalize().ok().filter(|r| *r != root);
        let abs = |p: &Path| {
            if !p.is_absolute() {
                return root.join(p);
            }
            match real_root.as_deref().and_then(|r| p.strip_prefix(r).ok()) {
                Some(rel) => root.join(rel),
                None => p.to_path_buf(),
            }
        };
        let changed: HashSet<PathBuf> = changed.iter().map(|p| abs(p)).collect();
        let config_changed =
            changed.iter().any(|p| CONFIG_FILES.iter().any(|n| *p == root.join(n)));
        if config_changed {
            let exclude = std::mem::take(&mut self.exclude);
            *self = Inputs::load_texts(&root, &exclude, self.keep_texts)?;
            return Ok(true);
        }
        if changed.contains(&root.join(crate::baseline::FILE)) {
            self.read_known();
        }
        let under = |dir: &Path| {
            let dir = root.join(dir);
            changed.iter().any(|p| p.starts_with(&dir))
        };
        if under(&self.config.templates_dir) {
            self.read_templates();
        }
        if under(&self.config.static_dir) {
            self.read_statics();
            // Body images are read from `static/` through `files`: what it
            // remembers of the old folder would keep a stale body in use.
            self.files.lock().unwrap_or_else(|e| e.into_inner()).clear();
        }
        if under(&self.config.content_dir) && !self.reread_known(&changed) {
            self.files.lock().unwrap_or_else(|e| e.into_inner()).clear();
            let mut diags = Vec::new();
            let previous = std::mem::take(&mut self.content);
            self.content = sources_reusing(
                &root,
                &self.config.content_dir,
                &self.exclude,
                Some((&previous, &changed)),
                self.keep_texts,
                &mut diags,
            )?;
            self.content_diags = diags;
        }
        Ok(false)
    }

    /// The common case of a save: every changed path under `content/` is an
    /// article that still exists and was read fine before. Then only those
    /// files are read again, with no walk. Returns `false` (and changes
    /// nothing) when anything else happened: a new, deleted or renamed file,
    /// a folder, an asset or snippet, a file that had a problem.
    fn reread_known(&mut self, changed: &HashSet<PathBuf>) -> bool {
        let content = self.root.join(&self.config.content_dir);
        let index: HashMap<&Path, usize> = self
            .content
            .sources
            .iter()
            .enumerate()
            .map(|(i, s)| (s.abs_path.as_path(), i))
            .collect();
        let mut updates: Vec<(usize, Source)> = Vec::new();
        for p in changed.iter().filter(|p| p.starts_with(&content)) {
            let Some(&i) = index.get(p.as_path()) else { return false };
            let old = &self.content.sources[i];
            if self.content_diags.iter().any(|d| d.location.path == old.path) {
                return false;
            }
            let Ok(meta) = std::fs::metadata(p) else { return false };
            if !meta.is_file() {
                return false;
            }
            let Ok(bytes) = std::fs::read(p) else { return false };
            let hash = hash(&bytes);
            let Ok(mut text) = String::from_utf8(bytes) else { return false };
            if text.starts_with('\u{feff}') {
                text.drain(..3);
            }
            updates.push((i, Source { text, hash, stamp: Stamp::of(&meta), ..Source::clone(old) }));
        }
        for (i, s) in updates {
            self.content.sources[i] = Arc::new(s);
        }
        true
    }

    fn read_config(&mut self) -> anyhow::Result<()> {
        self.config_file = None;
        for name in CONFIG_FILES {
            let path = self.root.join(name);
            if !path.exists() {
                continue;
            }
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read `{}`", path.display()))?;
            self.config_file = Some((name, text));
            break;
        }
        let mut diags = Vec::new();
        self.config = match &self.config_file {
            Some((name, text)) => crate::config::parse(name, text, &mut diags),
            None => Config::default(),
        };
        self.config_diags = diags;
        Ok(())
    }

    /// Reads `inkproof-suppressions.json` when the site has one. Only a
    /// regular file at the root counts: a link could point anywhere.
    fn read_known(&mut self) {
        use crate::baseline::{Baseline, FILE};
        self.known = None;
        self.known_diags.clear();
        let path = self.root.join(FILE);
        let Ok(meta) = std::fs::symlink_metadata(&path) else { return };
        let text = if meta.is_file() { std::fs::read_to_string(&path).ok() } else { None };
        let Some(text) = text else {
            self.known_diags.push(
                Diagnostic::error(
                    ids::CONFIG_INVALID,
                    Location::file(FILE),
                    format!("{FILE} is not a readable UTF-8 file (a link or folder is not read)"),
                )
                .with_help("write it with `inkproof check --suppress-all`, or delete it"),
            );
            return;
        };
        match Baseline::parse(&text) {
            Ok(known) => self.known = Some(known),
            Err(d) => self.known_diags.push(*d),
        }
    }

    fn read_templates(&mut self) {
        let mut diags = Vec::new();
        let mut files: Vec<(String, String)> = crate::theme::DEFAULT_TEMPLATES
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        let found = site_files(&self.root, &self.config.templates_dir, &mut diags);
        for (name, abs, _) in found {
            let name = name.to_string_lossy().replace('\\', "/");
            if name.split('/').any(|p| p.starts_with('.')) || name.ends_with('~') {
                continue; // editor swap and backup files
            }
            match std::fs::read_to_string(&abs) {
                Ok(text) => {
                    files.retain(|(n, _)| *n != name);
                    files.push((name, text));
                }
                Err(e) => diags.push(Diagnostic::error(
                    ids::TEMPLATE_UNREADABLE,
                    Location::file(self.config.templates_dir.join(&name)),
                    e.to_string(),
                )),
            }
        }
        self.templates = files;
        self.template_diags = diags;
    }

    fn read_statics(&mut self) {
        let mut diags = Vec::new();
        let dir = self.root.join(&self.config.static_dir);
        let mut out = Vec::new();
        if dir.is_dir() {
            for (rel, abs, stamp) in site_files(&self.root, &self.config.static_dir, &mut diags) {
                out.push((rel, StaticSource::Disk { abs, stamp }));
            }
        } else {
            for (name, text) in crate::theme::DEFAULT_STATIC {
                out.push((PathBuf::from(name), StaticSource::Builtin(text)));
            }
        }
        self.statics = out;
        self.static_diags = diags;
    }

    /// Hash of the templates, for render units (a template change redoes pages).
    pub fn templates_hash(&self) -> u128 {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for (n, t) in &self.templates {
            h.update(n.as_bytes());
            h.update(&[0]);
            h.update(t.as_bytes());
            h.update(&[0]);
        }
        h.digest128()
    }

    /// Hash of the config file's text.
    pub fn config_hash(&self) -> u128 {
        self.config_file.as_ref().map_or(0, |(_, t)| hash(t.as_bytes()))
    }
}

impl ContentFiles for Inputs {
    fn read(&self, rel: &Path) -> FileRead {
        if let Some(hit) = self.files.lock().unwrap_or_else(|e| e.into_inner()).get(rel) {
            return hit.clone();
        }
        let roots = [self.config.content_dir.as_path(), self.config.static_dir.as_path()];
        let result = read_content_file(&self.root, &roots, rel);
        self.files
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(rel.to_path_buf(), result.clone());
        result
    }
}

/// Reads a file that is published as is (a bundle asset, a static file) when
/// its render unit is redone; its stamp, read at load time, is the unit's key.
pub fn read_published(abs: &Path) -> std::io::Result<Vec<u8>> {
    std::fs::read(abs)
}

/// Reads content files straight from disk, uncached: for callers outside the
/// engine (tests, fuzz targets) that render one article on its own.
#[derive(Debug, Clone)]
pub struct DiskFiles {
    root: PathBuf,
    content_dir: PathBuf,
}

impl DiskFiles {
    pub fn new(root: &Path, content_dir: &Path) -> DiskFiles {
        DiskFiles { root: root.to_path_buf(), content_dir: content_dir.to_path_buf() }
    }
}

impl ContentFiles for DiskFiles {
    fn read(&self, rel: &Path) -> FileRead {
        read_content_file(&self.root, &[self.content_dir.as_path(), Path::new("static")], rel)
    }
}

/// Reads `rel` if it really lives in one of `roots` (the content folder; the
/// static folder, for images): a symlink out of them is refused.
fn read_content_file(root: &Path, roots: &[&Path], rel: &Path) -> FileRead {
    let abs = root.join(rel);
    let meta = match std::fs::metadata(&abs) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return FileRead::Missing,
        Err(e) => return FileRead::Error(e.to_string()),
    };
    // A symlink may point anywhere; only what really lives in the roots is read.
    let target = match abs.canonicalize() {
        Ok(t) => t,
        Err(e) => return FileRead::Error(e.to_string()),
    };
    // A root that itself leads out of the site holds nothing readable.
    let site = root.canonicalize().ok();
    let inside = roots.iter().any(|r| {
        let r = root.join(r);
        rel.starts_with(r.strip_prefix(root).unwrap_or(&r))
            && r.canonicalize().is_ok_and(|c| {
                target.starts_with(&c) && site.as_ref().is_some_and(|s| c.starts_with(s))
            })
    });
    if !inside {
        return FileRead::Escapes(target);
    }
    if !meta.is_file() {
        return FileRead::NotAFile;
    }
    match std::fs::read(&abs) {
        Ok(b) => FileRead::Bytes(b.into()),
        Err(e) => FileRead::Error(e.to_string()),
    }
}

/// Refuses a source folder (content, templates, static) that resolves outside
/// the site root: a cloned starter whose `static` links to `~/.ssh` would
/// otherwise publish private keys, and `serve` would answer with them.
fn within_site(root: &Path, dir: &Path) -> Result<(), Diagnostic> {
    let abs = root.join(dir);
    let escape = |why: String| {
        Diagnostic::error(ids::LOAD_PATH_ESCAPE, Location::file(dir), why)
            .with_help("keep the folder inside the site; copy what it needs into it")
    };
    if dir.is_absolute() || normalize_within(dir).is_none() {
        return Err(escape(format!("`{}` is outside the site root", dir.display())));
    }
    let Ok(real) = abs.canonicalize() else { return Ok(()) }; // absent: nothing is read
    match root.canonicalize() {
        Ok(site) if real.starts_with(&site) => Ok(()),
        _ => Err(escape(format!(
            "`{}` leads outside the site root (to `{}`); nothing in it is read or published",
            dir.display(),
            real.display()
        ))),
    }
}

/// The files below a site folder (templates, static), relative to it, with
/// where to read them and their stamp. Symlinks are followed when they stay
/// inside the site; one that leads out of it is a `load/path-escape` error,
/// and one that leads nowhere or to a folder is a `load/special-file`
/// warning: never a file dropped without a word.
fn site_files(
    root: &Path,
    dir: &Path,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(PathBuf, PathBuf, Stamp)> {
    let abs_dir = root.join(dir);
    if !abs_dir.is_dir() {
        return Vec::new();
    }
    if let Err(d) = within_site(root, dir) {
        diags.push(d);
        return Vec::new();
    }
    let site = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut out = Vec::new();
    let walker = walkdir::WalkDir::new(&abs_dir).follow_links(false).sort_by_file_name();
    for entry in walker.into_iter() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().map(|p| rel_to(root, p)).unwrap_or_else(|| dir.to_path_buf());
                diags.push(Diagnostic::error(
                    ids::LOAD_UNREADABLE,
                    Location::file(path),
                    e.to_string(),
                ));
                continue;
            }
        };
        let rel = entry.path().strip_prefix(&abs_dir).unwrap_or(entry.path()).to_path_buf();
        let shown = dir.join(&rel);
        let meta = match classify(&entry) {
            EntryKind::LinkedFile(target, _)
            | EntryKind::LinkedFolder(target)
            | EntryKind::LinkedOther(target, _)
                if !target.starts_with(&site) =>
            {
                diags.push(
                    Diagnostic::error(
                        ids::LOAD_PATH_ESCAPE,
                        Location::file(&shown),
                        format!(
                            "symlink leads outside the site (to `{}`); it is not published",
                            target.display()
                        ),
                    )
                    .with_help("copy the file into the site, or remove the link"),
                );
                continue;
            }
            EntryKind::LinkedFile(_, m) | EntryKind::File(m) => m,
            EntryKind::LinkedFolder(_) | EntryKind::LinkedOther(..) => {
                diags.push(folder_link_skipped(&shown));
                continue;
            }
            EntryKind::Dangling => {
                diags.push(
                    Diagnostic::warning(
                        ids::LOAD_SPECIAL_FILE,
                        Location::file(&shown),
                        "symlink leads nowhere; skipped",
                    )
                    .with_help("remove the link or restore its target"),
                );
                continue;
            }
            EntryKind::Unreadable(e) => {
                diags.push(Diagnostic::error(
                    ids::LOAD_UNREADABLE,
                    Location::file(&shown),
                    e.to_string(),
                ));
                continue;
            }
            EntryKind::Folder | EntryKind::Special(_) => continue,
        };
        out.push((rel, entry.path().to_path_buf(), Stamp::of(&meta)));
    }
    out
}

/// Folders are walked once, from where they are: a link to one is skipped
/// (in `content/` and in `static/` alike), never silently.
fn folder_link_skipped(shown: &Path) -> Diagnostic {
    Diagnostic::warning(
        ids::LOAD_SPECIAL_FILE,
        Location::file(shown),
        "symlink to a folder is not followed; skipped",
    )
    .with_help("move the folder here, or link single files")
}

fn rel_to(root: &Path, p: &Path) -> PathBuf {
    p.strip_prefix(root).unwrap_or(p).to_path_buf()
}

fn normalize(path: &Path) -> PathBuf {
    normalize_within(path).unwrap_or_else(|| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn released_texts_are_read_again_unless_the_file_changed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("content")).unwrap();
        std::fs::write(dir.path().join("content/a.md"), "\u{feff}kept").unwrap();
        let inputs = Inputs::load_released(dir.path(), &[]).unwrap();
        let source = &inputs.content.sources[0];
        assert!(source.released && source.text.is_empty());
        assert_eq!(text_of(source).as_deref(), Some("kept"), "BOM dropped as on load");
        assert_eq!(with_text(source).unwrap().text, "kept");
        std::fs::write(dir.path().join("content/a.md"), "edited during the build").unwrap();
        assert_eq!(text_of(source), None);
        let err = with_text(source).unwrap_err().to_string();
        assert!(
            err.contains("content/a.md") && err.contains("changed while the build ran"),
            "{err}"
        );
    }

    /// The watcher reports real paths; the root may be spelled another way
    /// (relative, or through a symlink). A save must still be seen.
    #[cfg(unix)]
    #[test]
    fn refresh_sees_real_paths_under_a_root_spelled_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        std::fs::create_dir_all(real.join("content")).unwrap();
        std::fs::write(real.join("content/a.md"), "first").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let mut inputs = Inputs::load(&link, &[]).unwrap();
        assert_eq!(inputs.content.sources[0].text, "first");
        std::fs::write(real.join("content/a.md"), "second, longer").unwrap();
        let reported = real.canonicalize().unwrap().join("content/a.md");
        inputs.refresh(&[reported]).unwrap();
        assert_eq!(inputs.content.sources[0].text, "second, longer");
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

    // Issue 9: a FIFO hung the build; a symlink loop blocked it as an "escape".
    #[test]
    fn pipes_and_symlink_loops_are_skipped_with_a_located_warning() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("content");
        std::fs::create_dir_all(&c).unwrap();
        std::fs::write(c.join("a.md"), "---\ntitle: A\n---\n").unwrap();
        let fifo = c.join("pipe.md");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        std::os::unix::fs::symlink(".", c.join("loop")).unwrap();
        let _socket = std::os::unix::net::UnixListener::bind(c.join("editor.sock")).unwrap();
        let mut diags = Vec::new();
        let loaded = sources(dir.path(), Path::new("content"), &mut diags).unwrap();
        assert_eq!(loaded.sources.len(), 1, "the rest still loads");
        let find = |code: &str, path: &str| {
            diags.iter().find(|d| d.code == code && d.location.path == Path::new(path))
        };
        let loop_ = find("load/symlink-loop", "content/loop").expect("loop reported");
        assert!(!loop_.is_error(), "a loop is skipped, not fatal");
        assert!(find("load/special-file", "content/editor.sock").is_some(), "{diags:?}");
        if made.is_ok_and(|s| s.success()) {
            assert!(find("load/special-file", "content/pipe.md").is_some(), "{diags:?}");
        } else {
            eprintln!("mkfifo is not available here: the FIFO case was not tried");
        }
    }

    /// The one classification both walkers (content, site folders) judge by.
    #[cfg(unix)]
    #[test]
    fn entries_are_classified_with_symlinks_followed_once() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().canonicalize().unwrap();
        std::fs::create_dir(d.join("folder")).unwrap();
        std::fs::write(d.join("file.md"), "x").unwrap();
        std::os::unix::fs::symlink(d.join("file.md"), d.join("to-file")).unwrap();
        std::os::unix::fs::symlink(d.join("folder"), d.join("to-folder")).unwrap();
        std::os::unix::fs::symlink(d.join("gone"), d.join("to-nowhere")).unwrap();
        let _socket = std::os::unix::net::UnixListener::bind(d.join("editor.sock")).unwrap();
        std::os::unix::fs::symlink(d.join("editor.sock"), d.join("to-socket")).unwrap();
        let mut kinds = Vec::new();
        for entry in walkdir::WalkDir::new(&d).min_depth(1).sort_by_file_name() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            let kind = match classify(&entry) {
                EntryKind::Folder => "folder".to_string(),
                EntryKind::File(m) => format!("file {}", m.len()),
                EntryKind::Special(m) => format!("special {}", m.is_ok()),
                EntryKind::Unreadable(_) => "unreadable".to_string(),
                EntryKind::LinkedFile(t, m) => format!("linked file {} {}", t.display(), m.len()),
                EntryKind::LinkedFolder(t) => format!("linked folder {}", t.display()),
                EntryKind::LinkedOther(t, m) => {
                    format!("linked other {} {}", t.display(), m.is_ok())
                }
                EntryKind::Dangling => "dangling".to_string(),
            };
            kinds.push(format!("{name}: {kind}"));
        }
        let at = |n: &str| d.join(n).display().to_string();
        assert_eq!(
            kinds,
            [
                "editor.sock: special true".to_string(),
                "file.md: file 1".to_string(),
                "folder: folder".to_string(),
                format!("to-file: linked file {} 1", at("file.md")),
                format!("to-folder: linked folder {}", at("folder")),
                "to-nowhere: dangling".to_string(),
                format!("to-socket: linked other {} true", at("editor.sock")),
            ]
        );
    }

    #[test]
    fn invalid_utf8_is_located_by_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("content");
        std::fs::create_dir_all(&c).unwrap();
        std::fs::write(c.join("bad.md"), b"---\ntitle: A\n---\nab\xffc\n").unwrap();
        let mut diags = Vec::new();
        sources(dir.path(), Path::new("content"), &mut diags).unwrap();
        let d = diags.iter().find(|d| d.code == "load/not-utf8").expect("reported");
        assert_eq!((d.location.line, d.location.col), (4, Some(3)), "{d}");
    }

    #[test]
    fn the_output_folder_inside_content_is_not_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("content");
        std::fs::create_dir_all(c.join("public/old")).unwrap();
        std::fs::write(c.join("a.md"), "---\ntitle: A\n---\n").unwrap();
        std::fs::write(c.join("public/old/notes.md"), "---\ntitle: Published\n---\n").unwrap();
        std::fs::write(dir.path().join("inkproof.yaml"), "output_dir: content/public\n").unwrap();
        let inputs = Inputs::load(dir.path(), &[]).unwrap();
        let paths: Vec<_> = inputs.content.sources.iter().map(|s| s.path.clone()).collect();
        assert_eq!(paths, [PathBuf::from("content/a.md")]);
    }
}
