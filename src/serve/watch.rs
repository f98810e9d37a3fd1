//! Watching the site's inputs: notify with a debouncer, filtered to the paths a
//! build reads, and coalesced so a burst (a `git checkout` of 1,000 files, an
//! editor's temp-file-and-rename save) is one rebuild.
//!
//! 1. notify-debouncer-full merges each file's events (create + write + rename
//!    become one) and reports them `DEBOUNCE` after they happen;
//! 2. paths editors and tools write beside the real file (swap files, backups,
//!    hidden files, the output folder) are dropped here;
//! 3. [`next_batch`] keeps collecting until the stream has been quiet for
//!    `QUIET` (one or two files: a save) or `BURST_QUIET` (more, or a new
//!    folder: a checkout or a copy has begun), so a save shows at once and a
//!    long burst still yields one batch.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use notify_debouncer_full::notify::{EventKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult, Debouncer, RecommendedCache};

use crate::config::{Config, CONFIG_FILES};

/// Per-file merge window of the debouncer: editors touch a file 2–3 times per
/// save (temp file, write, rename), within a millisecond of each other.
const DEBOUNCE: Duration = Duration::from_millis(10);
/// Quiet time that ends a batch of one or two files: an editor's save, which
/// should show at once (it is part of the save-to-visible time).
const QUIET: Duration = Duration::from_millis(15);
/// Quiet time once more files are in the batch: a checkout or a copy is under
/// way, and a pause of the writer must not split it into two rebuilds.
const BURST_QUIET: Duration = Duration::from_millis(250);

/// Keeps the OS watches alive; dropping it stops watching.
pub struct Watcher {
    debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
    root: PathBuf,
    dirs: Vec<(PathBuf, bool)>,
}

impl Watcher {
    /// Watches `root` (for the config and folders created later) and its
    /// content, templates and static folders. Batches of changed absolute paths
    /// go to `tx`.
    pub fn start(
        root: &Path,
        config: &Config,
        tx: mpsc::Sender<Vec<PathBuf>>,
    ) -> anyhow::Result<Watcher> {
        let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let filter_root = root.clone();
        let output_dir = config.output_dir.clone();
        let dirs = [&config.content_dir, &config.templates_dir, &config.static_dir];
        let dirs: Vec<PathBuf> = dirs.iter().map(|d| PathBuf::from(d.as_path())).collect();
        let wanted = dirs.clone();
        let debouncer = new_debouncer(DEBOUNCE, None, move |res: DebounceEventResult| {
            let Ok(events) = res else { return };
            let mut paths: Vec<PathBuf> = Vec::new();
            for e in events {
                // Reads (ours included: a rebuild opens every file) are not changes.
                if matches!(e.kind, EventKind::Access(_)) {
                    continue;
                }
                for p in &e.paths {
                    let Ok(rel) = p.strip_prefix(&filter_root) else { continue };
                    if relevant(rel, &wanted, &output_dir) && !paths.contains(p) {
                        paths.push(p.clone());
                    }
                }
            }
            if !paths.is_empty() {
                let _ = tx.send(paths);
            }
        })?;
        let mut w = Watcher {
            debouncer,
            root: root.clone(),
            dirs: dirs.into_iter().map(|d| (d, false)).collect(),
        };
        w.debouncer.watch(&root, RecursiveMode::NonRecursive)?;
        w.watch_new_dirs();
        Ok(w)
    }

    /// The canonical site root the watched paths are under.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Starts watching any of the site's folders that now exist (a `templates/`
    /// made after `serve` started is picked up).
    pub fn watch_new_dirs(&mut self) {
        for (dir, watched) in &mut self.dirs {
            let abs = self.root.join(&*dir);
            if !*watched && abs.is_dir() {
                *watched = self.debouncer.watch(&abs, RecursiveMode::Recursive).is_ok();
            }
        }
    }
}

/// Blocks for the next batch, then keeps adding batches until none arrived for
/// `QUIET` (`BURST_QUIET` once it looks like a burst). `None` when the watcher
/// is gone.
pub fn next_batch(rx: &mpsc::Receiver<Vec<PathBuf>>) -> Option<Vec<PathBuf>> {
    let mut batch = rx.recv().ok()?;
    loop {
        // A new folder is the first thing a checkout or a copy makes.
        let burst = batch.len() > 2 || batch.iter().any(|p| p.is_dir());
        let quiet = if burst { BURST_QUIET } else { QUIET };
        let Ok(more) = rx.recv_timeout(quiet) else { break };
        for p in more {
            if !batch.contains(&p) {
                batch.push(p);
            }
        }
    }
    Some(batch)
}

/// Is a root-relative path one the build reads? Config files at the root, and
/// anything in the watched folders that isn't an editor's scratch file.
pub fn relevant(rel: &Path, dirs: &[PathBuf], output_dir: &Path) -> bool {
    if rel.as_os_str().is_empty() || rel.starts_with(output_dir) {
        return false;
    }
    if rel.components().count() == 1 {
        let name = rel.to_string_lossy();
        return CONFIG_FILES.contains(&name.as_ref()) || dirs.iter().any(|d| rel == d);
    }
    if !dirs.iter().any(|d| rel.starts_with(d)) {
        return false;
    }
    !rel.components().any(|c| scratch(&c.as_os_str().to_string_lossy()))
}

/// Names editors and tools write next to real files: vim swap and backup files
/// (and its `4913` write test), emacs lock and autosave files, JetBrains safe-write
/// temporaries, partial downloads, and hidden files (which the build skips).
fn scratch(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || (name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
        || name.contains("___jb_")
        || [".swp", ".swo", ".swx", ".tmp", ".part", ".crdownload"]
            .iter()
            .any(|s| name.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scratch_files_and_outputs_are_not_inputs() {
        let dirs = vec![PathBuf::from("content"), PathBuf::from("templates"), "static".into()];
        let out = Path::new("public");
        let yes = ["content/a.md", "content/b/index.md", "templates/base.html", "static/s.css"];
        for p in yes.into_iter().chain(["inkproof.yaml", "content", "content/_index.md"]) {
            assert!(relevant(Path::new(p), &dirs, out), "{p} is an input");
        }
        for p in [
            "public/index.html",
            "README.md",
            "target/x",
            "content/.a.md.swp",
            "content/a.md~",
            "content/#a.md#",
            "content/.#a.md",
            "content/4913",
            "content/a.md___jb_tmp___",
            "content/a.md.tmp",
            "content/.git/HEAD",
            "",
        ] {
            assert!(!relevant(Path::new(p), &dirs, out), "{p} is not an input");
        }
    }

    #[test]
    fn a_burst_of_batches_is_one() {
        let (tx, rx) = mpsc::channel();
        // The first three are queued before the wait starts, so the switch to
        // the burst window does not hang on this thread being scheduled within
        // the 15 ms quiet window (it was not, on a loaded 2-core machine).
        for i in 0..3 {
            tx.send(vec![PathBuf::from(format!("content/{i}.md"))]).unwrap();
        }
        let sender = std::thread::spawn(move || {
            for i in 3..20 {
                tx.send(vec![PathBuf::from(format!("content/{i}.md"))]).unwrap();
                std::thread::sleep(Duration::from_millis(5));
            }
            tx.send(vec![PathBuf::from("content/0.md")]).unwrap();
        });
        let batch = next_batch(&rx).unwrap();
        sender.join().unwrap();
        assert_eq!(batch.len(), 20);
        assert!(next_batch(&rx).is_none());
    }

    #[test]
    fn a_new_folder_waits_for_the_files_that_follow_it() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("content/bundle");
        std::fs::create_dir_all(&folder).unwrap();
        let (tx, rx) = mpsc::channel();
        let file = folder.join("index.md");
        let sender = std::thread::spawn({
            let (folder, file) = (folder.clone(), file.clone());
            move || {
                tx.send(vec![folder]).unwrap();
                // Longer than a save's quiet time, shorter than a burst's.
                std::thread::sleep(QUIET * 4);
                tx.send(vec![file]).unwrap();
            }
        });
        let batch = next_batch(&rx).unwrap();
        sender.join().unwrap();
        assert_eq!(batch, vec![folder, file]);
    }

    #[test]
    fn a_save_is_a_batch_of_its_own() {
        let (tx, rx) = mpsc::channel();
        let sender = std::thread::spawn(move || {
            tx.send(vec![PathBuf::from("content/a.md")]).unwrap();
            std::thread::sleep(BURST_QUIET);
            tx.send(vec![PathBuf::from("content/b.md")]).unwrap();
        });
        assert_eq!(next_batch(&rx).unwrap(), vec![PathBuf::from("content/a.md")]);
        assert_eq!(next_batch(&rx).unwrap(), vec![PathBuf::from("content/b.md")]);
        sender.join().unwrap();
    }
}
