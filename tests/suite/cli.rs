//! The binary: exit codes, the summary line, and the never-lose-the-site rule.

use crate::harness::TestSite;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn good_build_exits_0_with_a_summary() {
    let site = TestSite::fixture("ads");
    let out = site.cli(&["build", "--verbose"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("Built ") && err.contains("stripped 5 ad blocks and 4 ad elements"),
        "{err}"
    );
    assert!(
        err.contains("content/ads-everywhere.md:6: affiliate ads"),
        "--verbose lists blocks with lines:\n{err}"
    );
    assert!(site.root.join("public/ads-everywhere/index.html").is_file());
}

#[test]
fn failed_build_exits_1_and_keeps_the_last_good_site() {
    let site = TestSite::fixture("ads");
    assert_eq!(site.cli(&["build"]).status.code(), Some(0));
    let page = site.root.join("public/ads-everywhere/index.html");
    let before = std::fs::read(&page).unwrap();
    site.write(
        "content/new.md",
        "---\ntitle: Broken\ndate: 2024-01-01\n---\n<!-- affiliate ads begin -->\nnever closed\n",
    );
    site.write("content/bad.md", "---\ntitle: [unclosed\n---\n");
    let out = site.cli(&["build"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("content/new.md:5:1: error[ads/unclosed-marker]"), "{err}");
    assert!(
        err.contains("content/bad.md:") && err.contains("error[front-matter/invalid-yaml]"),
        "all errors are reported, not only the first:\n{err}"
    );
    assert_eq!(std::fs::read(&page).unwrap(), before, "the previous site was touched");
    assert!(!site.root.join("public/new/index.html").exists());
    let leftovers: Vec<_> = std::fs::read_dir(&site.root)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n != ".inkproof-cache")
        .collect();
    assert!(leftovers.is_empty(), "half-written output left: {leftovers:?}");
}

#[test]
fn unreadable_root_exits_2() {
    let site = TestSite::empty();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_inkproof"))
        .args(["--root", site.root.join("does-not-exist").to_str().unwrap(), "build"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("error: cannot read the content folder"), "{}", stderr(&out));
}

#[test]
fn check_writes_nothing_and_reports() {
    let site = TestSite::fixture("broken");
    let out = site.cli(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!site.root.join("public").exists());
    assert!(stderr(&out).contains("Checked "));
}

#[test]
fn init_scaffolds_a_site_that_builds() {
    let site = TestSite::empty();
    let dir = site.root.join("new-site");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_inkproof"))
        .args(["init", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for f in ["inkproof.yaml", "templates/base.html", "static/style.css"] {
        assert!(dir.join(f).is_file(), "{f} not scaffolded");
    }
    let ignore = std::fs::read_to_string(dir.join(".gitignore")).unwrap();
    assert!(ignore.contains("/.inkproof-cache/") && ignore.contains("/public/"), "{ignore}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_inkproof"))
        .args(["--root", dir.to_str().unwrap(), "build", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(dir.join("public/index.html").is_file());
}

#[test]
fn unwritable_output_exits_2_and_says_why() {
    let site = TestSite::fixture("ads");
    site.write("not-a-folder", "a file where the output folder should be");
    let out = site.cli(&["build", "--output", site.root.join("not-a-folder").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("not-a-folder"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(site.root.join("not-a-folder")).unwrap(),
        "a file where the output folder should be"
    );
}

#[test]
fn a_second_build_writes_nothing_and_keeps_files_it_did_not_make() {
    let site = TestSite::fixture("ads");
    assert_eq!(site.cli(&["build", "--quiet"]).status.code(), Some(0));
    site.write("public/CNAME", "guides.example.org\n");
    let out = site.cli(&["build", "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(" 0 files)"),
        "nothing changed, nothing written: {}",
        stderr(&out)
    );
    // A deleted article's page goes; the author's own file stays.
    std::fs::remove_file(site.root.join("content/ads-everywhere.md")).unwrap();
    let out = site.cli(&["build", "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!site.root.join("public/ads-everywhere").exists(), "stale page removed");
    assert!(site.root.join("public/CNAME").is_file(), "a file inkproof did not make was deleted");
}

// Issue 9: `build -o DIR` replaced whatever DIR held.
#[test]
fn a_folder_inkproof_did_not_make_is_refused_unless_forced() {
    let site = TestSite::fixture("ads");
    site.write("../photos/thesis.pdf", "years of work");
    let photos = site.root.join("../photos");
    let out = site.cli(&["build", "--output", photos.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("inkproof did not make it"), "{}", stderr(&out));
    assert!(photos.join("thesis.pdf").is_file());
    let out = site.cli(&["build", "--output", site.root.join("content").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "the content folder is never an output");
    let inside = site.root.join("content/public");
    let out = site.cli(&["build", "--output", inside.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "nor a folder inside it");
    assert!(stderr(&out).contains("refusing"), "{}", stderr(&out));
    let out = site.cli(&["build", "--force", "--output", photos.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(photos.join("index.html").is_file());
}
