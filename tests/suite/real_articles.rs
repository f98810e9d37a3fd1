//! The real articles in `../shared/corpus/real-articles/`: each one either
//! builds or fails with a located error.

use crate::harness::{repo_root, TestSite};

#[test]
fn every_real_article_builds_or_fails_with_a_located_error() {
    let dir = repo_root().join("../shared/corpus/real-articles");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: {} is not here", dir.display());
        return;
    };
    let mut files: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    assert!(files.len() >= 30, "expected the 37 real articles, found {}", files.len());
    let mut built = 0;
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let site = TestSite::empty();
        std::fs::copy(f, site.root.join("content").join(&name)).unwrap();
        let b = site.build();
        let errors = b.errors();
        if errors.is_empty() {
            built += 1;
            let a = &b.build.articles[0];
            let html = b.text(&format!("{}/index.html", a.slug));
            for needle in ["<!-- affiliate ads begin", "<ins class=\"adsbygoogle\"", "inkproof:L"] {
                assert!(!html.contains(needle), "{name}: `{needle}` left in the page");
            }
        } else {
            for e in errors {
                assert!(e.location.line > 0, "{name}: error without a line: {e}");
                assert!(!e.message.is_empty());
            }
        }
    }
    // The corpus README marks 5 files as broken by nature (invalid YAML).
    assert!(built >= files.len() - 5, "only {built} of {} real articles built", files.len());
}
