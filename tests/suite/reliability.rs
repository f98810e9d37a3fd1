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
    // inkproof's own bookkeeping (manifest, marker, lock, staging folder) is not the site.
    let walk = walkdir::WalkDir::new(dir).min_depth(1).into_iter();
    for e in walk.filter_entry(|e| !e.file_name().to_string_lossy().starts_with(".inkproof-")) {
        let e = e.unwrap();
        if e.file_type().is_file() {
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

/// The manifest of `out` with `entries` added, as someone editing it would
/// (by text: its 128-bit hashes don't survive a round trip through a JSON value).
fn tamper(out: &Path, entries: &[&str]) {
    let path = out.join(".inkproof-manifest.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let added: String =
        entries.iter().map(|e| format!("{}:[1,1],", serde_json::json!(e))).collect();
    std::fs::write(&path, text.replacen("\"files\":{", &format!("\"files\":{{{added}"), 1))
        .unwrap();
}

// Issue 21: entries added to the manifest were deleted wherever they pointed,
// then every folder they left empty, up the tree.
#[test]
fn a_tampered_manifest_deletes_nothing_outside_the_output() {
    let site = corpus(3);
    let out = site.root.join("public");
    assert!(build(&site.root, &out).status.success());
    let guide = site.root.join("content/posts/article-00000.md");
    let guide_text = std::fs::read(&guide).unwrap();
    let elsewhere = site.root.join("../v");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("secret.txt"), "secret").unwrap();
    let secret = elsewhere.canonicalize().unwrap().join("secret.txt");
    // A folder of the output that is a link out, and a file listed through it.
    let linked = site.root.join("../linked");
    std::fs::create_dir_all(&linked).unwrap();
    std::fs::write(linked.join("keep.txt"), "keep").unwrap();
    std::os::unix::fs::symlink(&linked, out.join("evil")).unwrap();
    tamper(
        &out,
        &[
            "../content/posts/article-00000.md",
            secret.to_str().unwrap(),
            "x/../../content/posts/article-00000.md",
            "evil/keep.txt",
        ],
    );
    let r = build(&site.root, &out);
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(r.status.success(), "{err}");
    assert_eq!(std::fs::read(&guide).unwrap(), guide_text, "a source was deleted");
    assert!(secret.is_file(), "a file outside the output was deleted");
    assert!(linked.join("keep.txt").is_file(), "deleted through a link");
    assert!(
        std::fs::symlink_metadata(out.join("evil")).is_err(),
        "the stale link itself goes (as a link)"
    );
    assert!(
        err.contains("note: ignored 3 entries")
            && err.contains("`../content/posts/article-00000.md` (it holds `..`)")
            && err.contains("(it is absolute)"),
        "the user is told which entries were ignored: {err}"
    );
    assert!(site.root.join("content/posts").is_dir() && elsewhere.is_dir());
    assert!(out.join("index.html").is_file());
}

// Issue 21: pages were written into the target of a link inside the output
// (`public/tags` -> elsewhere), and stale ones there deleted.
#[test]
fn a_symlinked_folder_inside_the_output_is_replaced_not_written_through() {
    let site = corpus(3);
    let out = site.root.join("public");
    assert!(build(&site.root, &out).status.success());
    let tags = out.join("tags");
    assert!(tags.join("index.html").is_file(), "the corpus has tag pages");
    let elsewhere = site.root.join("../elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("index.html"), "someone else's").unwrap();
    std::fs::remove_dir_all(&tags).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &tags).unwrap();
    let r = build(&site.root, &out);
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(r.status.success(), "{err}");
    let names: Vec<String> = std::fs::read_dir(&elsewhere)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["index.html"], "nothing written into the link's target");
    assert_eq!(std::fs::read_to_string(elsewhere.join("index.html")).unwrap(), "someone else's");
    assert!(std::fs::symlink_metadata(&tags).unwrap().is_dir(), "a real folder now");
    assert!(tags.join("index.html").is_file());
    assert!(err.contains("was a symbolic link"), "{err}");
}

// Issue 21: the lock and the staging folder went beside the output, so a
// writable output in a read-only folder could not be built.
#[test]
fn an_output_in_a_read_only_folder_builds() {
    let site = corpus(3);
    let ro = site.root.join("../ro");
    let out = ro.join("public");
    std::fs::create_dir_all(&out).unwrap();
    // As root, permission bits are ignored: a read-only mount with a writable
    // one inside. Otherwise the permission bits do.
    let mount = |args: &[&str], at: &Path| {
        Command::new("mount")
            .args(args)
            .arg(at)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let mounted = mount(&["-t", "tmpfs", "tmpfs"], &ro) && {
        std::fs::create_dir_all(&out).unwrap();
        mount(&["-t", "tmpfs", "tmpfs"], &out) && mount(&["-o", "remount,ro"], &ro)
    };
    if !mounted {
        let _ = Command::new("umount").arg(&out).status();
        let _ = Command::new("umount").arg(&ro).status();
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    }
    let read_only = std::fs::write(ro.join("probe"), "").is_err();
    let result = std::panic::catch_unwind(|| {
        if !read_only {
            eprintln!("SKIPPED an_output_in_a_read_only_folder_builds: cannot make a read-only folder here (root without mount)");
            return;
        }
        for round in 0..2 {
            retitle(&site, round);
            let r = build(&site.root, &out);
            assert!(r.status.success(), "round {round}: {}", String::from_utf8_lossy(&r.stderr));
            assert!(out.join("index.html").is_file());
        }
    });
    if mounted {
        let _ = Command::new("umount").arg(&out).status();
        let _ = Command::new("umount").arg(&ro).status();
    } else {
        use std::os::unix::fs::PermissionsExt as _;
        let _ = std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755));
    }
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

// Issue 21: a lock left by a killed build, whose pid another program now has,
// blocked every build. A lock really held still stops a second build.
#[test]
fn a_dead_builds_lock_never_blocks_and_a_held_one_names_its_holder() {
    let site = corpus(3);
    let out = site.root.join("public");
    assert!(build(&site.root, &out).status.success());
    // pid 1 is alive and is not inkproof; both places a lock was ever kept.
    std::fs::write(site.root.join(".public.lock"), "1").unwrap();
    std::fs::write(out.join(".inkproof-lock"), "1").unwrap();
    retitle(&site, 0);
    let r = build(&site.root, &out);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    // Held for real (by this test): the build stops, names the holder, writes nothing.
    let before = files(&out);
    let mut held = std::fs::File::create(out.join(".inkproof-lock")).unwrap();
    held.try_lock().unwrap();
    std::io::Write::write_all(&mut held, std::process::id().to_string().as_bytes()).unwrap();
    retitle(&site, 1);
    let r = build(&site.root, &out);
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("pid {}", std::process::id())), "{err}");
    assert!(files(&out) == before, "a locked-out build wrote");
}
