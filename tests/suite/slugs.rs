//! Non-ASCII titles and file names keep their meaning in URLs (issue #9).

use crate::harness::TestSite;

#[test]
fn cjk_cyrillic_and_accented_names_get_readable_urls() {
    let site = TestSite::empty();
    site.write(
        "content/Как активировать Windows.md",
        "---\ntitle: Активация\ndate: 2024-05-01\ntags: [Безопасность]\n---\nТекст.\n",
    )
    .write(
        "content/数据备份/index.md",
        "---\ntitle: 数据备份\ndate: 2024-05-02\ncategories: [系统]\n---\n正文。\n",
    )
    .write("content/2024-05-01-réinitialiser-café.md", "---\ntitle: Café\n---\nTexte.\n")
    .write("content/untitled.md", "---\ntitle: Ελληνικά\nslug: Ελληνικά οδηγός\n---\nΚείμενο.\n");
    let b = site.build();
    b.assert_clean();
    for page in [
        "kak-aktivirovat-windows/index.html",
        "shu-ju-bei-fen/index.html",
        "reinitialiser-cafe/index.html",
        "ellenika-odegos/index.html",
        "tags/bezopasnost/index.html",
        "categories/xi-tong/index.html",
    ] {
        assert!(b.bytes(page).is_some(), "no `{page}`; have {:?}", b.paths());
    }
}

/// The findings with `code`, as `path:line:col`.
fn located(b: &crate::harness::Built, code: &str) -> Vec<String> {
    let mut found: Vec<String> = b
        .build
        .diagnostics
        .iter()
        .filter(|d| d.code == code)
        .map(|d| d.location.to_string())
        .collect();
    found.sort();
    found
}

// Issue 21: 84 CJK characters make a valid 252-byte file name whose
// transliterated slug (`shu-` 84 times) is 335 bytes, and a 300-character tag
// a 300-byte folder: `build` died with "File name too long" (exit 2, no
// source named) and `check` found nothing.
#[test]
fn a_name_longer_than_the_file_system_allows_is_a_located_finding_in_build_and_check() {
    let site = TestSite::empty();
    let cjk = "数".repeat(84);
    site.write(&format!("content/{cjk}.md"), "---\ntitle: Long name\n---\nText.\n")
        .write(
            "content/tagged.md",
            &format!(
                "---\ntitle: Tagged\ndate: 2024-01-01\ntags: [ok, {}]\n---\nText.\n",
                "x".repeat(300)
            ),
        )
        .write(
            "content/own.md",
            &format!("---\ntitle: Own slug\nslug: {}\n---\nText.\n", "word ".repeat(60)),
        );
    let b = site.build();
    assert_eq!(
        located(&b, "slug/too-long"),
        [
            "content/own.md:3:7".to_string(),
            "content/tagged.md:4:12".into(),
            format!("content/{cjk}.md:1:1")
        ],
        "{:#?}",
        b.build.diagnostics
    );
    // A name of exactly 255 bytes is fine: the limit is not off by one.
    let site = TestSite::empty();
    site.write(
        "content/fits.md",
        &format!("---\ntitle: Fits\nslug: {}\n---\nText.\n", "y".repeat(255)),
    );
    let b = site.build();
    assert!(located(&b, "slug/too-long").is_empty(), "{:#?}", b.build.diagnostics);
    assert!(b.bytes(&format!("{}/index.html", "y".repeat(255))).is_some());

    // The binary: both commands name the file and line, and build fails as a
    // finding (exit 1), not as a write error (exit 2).
    let site = TestSite::empty();
    site.write(
        "content/tagged.md",
        &format!(
            "---\ntitle: Tagged\ndate: 2024-01-01\ntags: [ok, {}]\n---\nText.\n",
            "x".repeat(300)
        ),
    );
    for command in ["check", "build"] {
        let out = site.cli(&[command]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let all = format!("{stdout}{stderr}");
        assert_eq!(out.status.code(), Some(1), "{command}: {all}");
        assert!(all.contains("error[slug/too-long]"), "{command}: {all}");
        assert!(all.contains("content/tagged.md:4:12"), "{command}: {all}");
        assert!(!all.contains("File name too long"), "{command}: {all}");
    }
}

// Issue 21: the docs promise slugs that work everywhere, yet `con`, `nul`
// or `com1` (Windows device names, with any extension and in any case) were
// written as folders that Windows cannot create or unpack.
#[test]
fn windows_device_names_are_refused_as_slugs_terms_and_alias_parts() {
    let site = TestSite::empty();
    site.write("content/con.md", "---\ntitle: Console\n---\nText.\n")
        .write("content/console.md", "---\ntitle: Not a device\n---\nText.\n")
        .write(
            "content/printer.md",
            "---\ntitle: Printer\ndate: 2024-01-01\ntags: [PRN, com10]\ncategories: [Lpt1]\naliases:\n  - /old/NUL.html\n  - /Com1/\n  - /aux-guide/\n---\nText.\n",
        );
    let b = site.build();
    assert_eq!(
        located(&b, "slug/windows-reserved"),
        [
            "content/con.md:1:1",
            "content/printer.md:4:8",
            "content/printer.md:5:14",
            "content/printer.md:7:5",
            "content/printer.md:8:5",
        ],
        "{:#?}",
        b.build.diagnostics
    );
    let d = b.build.diagnostics.iter().find(|d| d.code == "slug/windows-reserved").unwrap();
    assert!(d.message.contains("`con`"), "{}", d.message);
}

// Issue 21: one cause, one finding. Two files whose names differ only in case
// got `slug/collision` and `output/collision` for the same URL, and `tags.md`
// got `slug/reserved` plus an `output/collision` blamed on a template.
#[test]
fn a_slug_collision_or_reserved_slug_is_one_located_finding() {
    let site = TestSite::empty();
    site.write("content/Foo.md", "---\ntitle: Foo one\n---\nText.\n")
        .write("content/foo.md", "---\ntitle: Foo two\n---\nText.\n")
        .write("content/tags.md", "---\ntitle: Tag list\n---\nText.\n")
        .write("content/mine.md", "---\ntitle: Mine\nslug: Search\n---\nText.\n");
    let b = site.build();
    let found: Vec<String> = b
        .build
        .diagnostics
        .iter()
        .filter(|d| d.code.starts_with("slug/") || d.code.starts_with("output/"))
        .map(|d| format!("{} {}", d.location, d.code))
        .collect();
    assert_eq!(
        found,
        [
            "content/foo.md:1:1 slug/collision",
            "content/mine.md:3:7 slug/reserved",
            "content/tags.md:1:1 slug/reserved",
        ],
        "{:#?}",
        b.build.diagnostics
    );
}
