//! Faults injected into real builds (the binary): kill -9 at many points of a
//! build, a full disk, two builds at once. The promise under test: the output
//! folder always holds whole files, the previous site or the new one, and the
//! next build repairs whatever a kill left.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    if !dir.exists() {
        return out;
    }
    for e in walkdir::WalkDir::new(dir).min_depth(1) {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy();
        if e.file_type().is_file() && !name.starts_with(".inkproof-") {
            out.insert(
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            );
        }
    }
    out
}

fn build(root: &Path, out: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_inkproof"))
        .args([
            "--root",
            root.to_str().unwrap(),
            "build",
            "--quiet",
            "--output",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap()
}

/// A generated site (big enough, for `n` in the hundreds, that a build takes a while).
struct Site {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

fn corpus(n: usize) -> Site {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    inkproof::corpus::write_site(&root, n, 7).unwrap();
    Site { _dir: dir, root }
}

fn retitle(site: &Site, round: usize) {
    let posts = site.root.join("content/posts");
    for e in std::fs::read_dir(&posts).unwrap().flatten() {
        let text = std::fs::read_to_string(e.path()).unwrap();
        let text = text.replacen("title: ", &format!("title: R{round} "), 1);
        std::fs::write(e.path(), text).unwrap();
    }
}

#[test]
fn kill_9_at_any_point_leaves_whole_files_and_the_next_build_repairs() {
    let site = corpus(120);
    let out = site.root.join("public");
    assert!(build(&site.root, &out).status.success());
    for (round, delay_ms) in [5u64, 60, 250, 600, 1100].into_iter().enumerate() {
        let before = files(&out);
        retitle(&site, round);
        // What the new site must be: a clean build elsewhere.
        let reference_dir = site.root.join(format!("../reference-{round}"));
        let r = Command::new(env!("CARGO_BIN_EXE_inkproof"))
            .args([
                "--root",
                site.root.to_str().unwrap(),
                "build",
                "--quiet",
                "--no-cache",
                "--output",
            ])
            .arg(&reference_dir)
            .output()
            .unwrap();
        assert!(r.status.success());
        let after = files(&reference_dir);
        let mut child = Command::new(env!("CARGO_BIN_EXE_inkproof"))
            .args(["--root", site.root.to_str().unwrap(), "build", "--quiet"])
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        for (path, bytes) in files(&out) {
            let old = before.get(&path);
            let new = after.get(&path);
            assert!(
                old == Some(&bytes) || new == Some(&bytes),
                "killed after {delay_ms} ms: `{}` is neither the old nor the new file",
                path.display()
            );
        }
        let r = build(&site.root, &out);
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        assert!(
            files(&out) == after,
            "killed after {delay_ms} ms: the next build did not repair the site"
        );
        let _ = std::fs::remove_dir_all(&reference_dir);
    }
}

#[test]
fn a_full_disk_fails_the_build_and_keeps_the_last_good_site() {
    let site = corpus(5);
    let disk = site.root.join("../tiny-disk");
    std::fs::create_dir_all(&disk).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
        .arg(&disk)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!(
            "SKIPPED a_full_disk_fails_the_build: cannot mount a small tmpfs here (needs root)"
        );
        return;
    }
    let out = disk.join("public");
    let first = build(&site.root, &out);
    let good = files(&out);
    let result = std::panic::catch_unwind(|| {
        assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
        // Make every page big enough that the new site can't fit.
        let big = "A long paragraph of words to fill the disk. ".repeat(8000);
        for e in std::fs::read_dir(site.root.join("content/posts")).unwrap().flatten() {
            let mut text = std::fs::read_to_string(e.path()).unwrap();
            text.push_str(&big);
            std::fs::write(e.path(), text).unwrap();
        }
        let r = build(&site.root, &out);
        assert_eq!(r.status.code(), Some(2), "a full disk is a tool failure");
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(err.contains("No space left"), "{err}");
        assert!(files(&out) == good, "the last good site was damaged");
    });
    let _ = Command::new("umount").arg(&disk).status();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}
