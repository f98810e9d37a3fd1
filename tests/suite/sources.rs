//! Issue 21, item 3: the folders a site is read from stay inside the site. A
//! cloned starter whose `static` links to `~/.ssh` must not publish the keys.

use std::path::Path;

use crate::harness::TestSite;

const ARTICLE: &str = "---\ntitle: Reset the router\ndate: 2024-08-22\ndescription: How to reset a home router to its factory settings safely.\n---\nHold the button.\n";

/// A folder beside the site holding a "private key".
fn secret_beside(site: &TestSite) -> std::path::PathBuf {
    let outside = site.root.parent().unwrap().join("dot-ssh");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("id_ed25519"), "PRIVATE-KEY").unwrap();
    outside
}

fn published_anywhere(out: &Path, needle: &str) -> bool {
    walkdir::WalkDir::new(out).into_iter().flatten().any(|e| {
        e.file_type().is_file()
            && std::fs::read(e.path())
                .is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
    })
}

#[cfg(unix)]
#[test]
fn a_static_folder_linked_out_of_the_site_is_a_located_error_and_nothing_is_published() {
    let site = TestSite::empty();
    site.write("content/reset.md", ARTICLE);
    let outside = secret_beside(&site);
    std::os::unix::fs::symlink(&outside, site.root.join("static")).unwrap();
    let out = site.cli(&["build"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "an error stops the build: {stderr}");
    assert!(stderr.contains("load/path-escape") && stderr.contains("static"), "{stderr}");
    assert!(
        !site.root.join("public").exists()
            || !published_anywhere(&site.root.join("public"), "PRIVATE-KEY"),
        "the key was published"
    );
    // `check` reports the same, and the library sees no static file from there.
    let built = site.build();
    let d = built.errors().into_iter().find(|d| d.code == "load/path-escape").expect("reported");
    assert_eq!(d.location.path, Path::new("static"));
    assert!(!built.paths().iter().any(|p| p.contains("id_ed25519")), "{:?}", built.paths());
}

#[cfg(unix)]
#[test]
fn templates_linked_out_of_the_site_are_refused() {
    let site = TestSite::empty();
    site.write("content/reset.md", ARTICLE);
    let outside = site.root.parent().unwrap().join("their-templates");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("article.html"), "LEAKED {{ page.title }}").unwrap();
    std::os::unix::fs::symlink(&outside, site.root.join("templates")).unwrap();
    let built = site.build();
    let d = built.errors().into_iter().find(|d| d.code == "load/path-escape").expect("reported");
    assert_eq!(d.location.path, Path::new("templates"));
    assert!(!built.text("reset/index.html").contains("LEAKED"));
}

#[test]
fn source_folders_outside_the_root_in_the_config_are_located_at_their_key() {
    let site = TestSite::empty();
    site.write("content/reset.md", ARTICLE);
    let outside = secret_beside(&site);
    let abs = outside.to_string_lossy().into_owned();
    site.write(
        "inkproof.yaml",
        &format!(
            "title: Guides\nstatic_dir: ../dot-ssh\ntemplates_dir: {abs}\ncontent_dir: ./content\n"
        ),
    );
    let built = site.build();
    let found: Vec<_> = built
        .errors()
        .into_iter()
        .filter(|d| d.code == "load/path-escape")
        .map(|d| (d.location.path.to_string_lossy().into_owned(), d.location.line))
        .collect();
    assert_eq!(
        found,
        [("inkproof.yaml".to_string(), 2), ("inkproof.yaml".to_string(), 3)],
        "each at its key, one finding each"
    );
    assert!(!built.paths().iter().any(|p| p.contains("id_ed25519")), "{:?}", built.paths());
    let out = site.cli(&["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("inkproof.yaml:2:1") && stderr.contains("inkproof.yaml:3:1"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn symlinks_inside_static_are_followed_within_the_site_and_reported_otherwise() {
    let site = TestSite::empty();
    site.write("content/reset.md", ARTICLE);
    site.write("assets/logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
    site.write("static/style.css", "body{}");
    let outside = secret_beside(&site);
    let link = |target: &Path, name: &str| {
        std::os::unix::fs::symlink(target, site.root.join("static").join(name)).unwrap()
    };
    link(&site.root.join("assets/logo.svg"), "logo.svg");
    link(&outside.join("id_ed25519"), "key.txt");
    link(&site.root.join("nowhere.txt"), "gone.txt");
    link(&site.root.join("assets"), "assets");
    let built = site.build();
    let paths = built.paths();
    assert!(paths.iter().any(|p| p == "logo.svg"), "a link inside the site is followed: {paths:?}");
    assert!(built.text("logo.svg").contains("<svg"));
    assert!(!paths.iter().any(|p| p == "key.txt"), "{paths:?}");
    let at = |code: &str, path: &str| {
        built.build.diagnostics.iter().any(|d| d.code == code && d.location.path == Path::new(path))
    };
    assert!(at("load/path-escape", "static/key.txt"), "{:#?}", built.build.diagnostics);
    assert!(at("load/special-file", "static/gone.txt"), "{:#?}", built.build.diagnostics);
    assert!(at("load/special-file", "static/assets"), "{:#?}", built.build.diagnostics);
}
