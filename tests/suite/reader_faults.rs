//! Faults a reader or an author meets on real guides (issue 25 §2, §3):
//! what the Markdown says reaches the page, every front-matter finding of a
//! file shows in one run, and the theme's scrolling boxes and thumbnails.

use crate::harness::{attrs, TestSite};

fn site() -> TestSite {
    let site = TestSite::empty();
    site.write("inkproof.yaml", "title: Faults\nbase_url: https://f.example\n");
    site
}

/// (code, line, column) of every finding about `file`.
fn findings(b: &crate::harness::Built, file: &str) -> Vec<(String, usize, Option<usize>)> {
    b.build
        .diagnostics
        .iter()
        .filter(|d| d.location.path == std::path::Path::new(file))
        .map(|d| (d.code.as_str().to_string(), d.location.line, d.location.col))
        .collect()
}

#[test]
fn a_bad_date_and_a_misspelt_key_are_both_reported_in_one_build() {
    let site = site();
    site.write(
        "content/reset.md",
        "---\ntitle: Reset the router\ndate: 2024-13-45\ntittle: Reset it\n---\n\nHold the button.\n",
    );
    let b = site.build();
    let found = findings(&b, "content/reset.md");
    assert!(found.contains(&("front-matter/bad-date".into(), 3, Some(7))), "{found:?}");
    assert!(found.contains(&("front-matter/unknown-key".into(), 4, Some(1))), "{found:?}");
}

#[test]
fn a_custom_heading_id_is_on_the_page_and_links_to_it_are_not_broken() {
    let site = site();
    site.write(
        "content/steps.md",
        "---\ntitle: Steps\ndate: 2024-01-02\n---\n\nGo to [step one](#Step_1).\n\n## Step one {#Step_1}\n\nDo it.\n",
    );
    site.write(
        "content/other.md",
        "---\ntitle: Other\ndate: 2024-01-03\n---\n\nSee [it](steps.md#Step_1) and [not it](steps.md#step_1).\n",
    );
    let b = site.build();
    let page = b.page("steps/index.html");
    assert_eq!(attrs(&page, "main h2", "id"), ["Step_1"]);
    assert_eq!(attrs(&page, "main p a[href^='#']", "href"), ["#Step_1"]);
    assert!(findings(&b, "content/steps.md").is_empty(), "{:?}", findings(&b, "content/steps.md"));
    // The check reads the ids the page has: the lowercased spelling is not one.
    let other = findings(&b, "content/other.md");
    assert_eq!(other, [("link/broken-anchor".to_string(), 6, Some(31))], "{other:?}");
}
