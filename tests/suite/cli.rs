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
