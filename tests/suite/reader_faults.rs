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

#[test]
fn svg_thumbnails_get_their_size_on_the_home_list_and_article_pages() {
    let site = site();
    site.write(
        "content/bundled/index.md",
        "---\ntitle: Bundled\ndate: 2024-01-02\ntags: [router]\nthumbnail: thumb.svg\n---\n\nText.\n",
    );
    site.write(
        "content/bundled/thumb.svg",
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="630"><rect width="10" height="10"/></svg>"#,
    );
    site.write(
        "content/shared.md",
        "---\ntitle: Shared\ndate: 2024-01-03\ntags: [router]\nthumbnail: /images/card.svg\n---\n\nText.\n",
    );
    // No width or height: the size is the viewBox's, as a browser takes it.
    site.write(
        "static/images/card.svg",
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 420"><rect width="10" height="10"/></svg>"#,
    );
    let b = site.build();
    b.assert_clean();
    let size = |page: &scraper::Html, sel: &str| -> Vec<(String, String)> {
        let sel = scraper::Selector::parse(sel).unwrap();
        page.select(&sel)
            .map(|e| {
                let a = |n| e.value().attr(n).unwrap_or("none").to_string();
                (a("src"), format!("{}x{}", a("width"), a("height")))
            })
            .map(|(src, wh)| (src.rsplit('/').next().unwrap().to_string(), wh))
            .collect()
    };
    let mut cards = vec![
        ("card.svg".to_string(), "800x420".to_string()),
        ("thumb.svg".to_string(), "1200x630".to_string()),
    ];
    cards.sort();
    for list in ["index.html", "tags/router/index.html"] {
        let mut found = size(&b.page(list), ".card-thumb img");
        found.sort();
        assert_eq!(found, cards, "{list}");
    }
    assert_eq!(
        size(&b.page("bundled/index.html"), "img.article-thumb"),
        [("thumb.svg".to_string(), "1200x630".to_string())]
    );
    assert_eq!(
        size(&b.page("shared/index.html"), "img.article-thumb"),
        [("card.svg".to_string(), "800x420".to_string())]
    );
}

#[test]
fn a_new_guide_published_unwritten_shows_no_placeholder_and_is_reported() {
    let site = site();
    let out = site.cli(&["new", "content/replace-the-battery"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let b = site.build();
    b.assert_clean();
    let page = b.page("replace-the-battery/index.html");
    assert_eq!(crate::harness::count(&page, "main .content li, main .content h2"), 0);
    let description = attrs(&page, "meta[name=description]", "content").join("");
    assert!(!description.contains("One sentence"), "{description}");
    let found = findings(&b, "content/replace-the-battery/index.md");
    // Line 10: where the body starts, after the nine lines of front matter.
    assert!(found.contains(&("content/empty-body".into(), 10, Some(1))), "{found:?}");
    assert!(found.iter().any(|(code, _, _)| code == "page/missing-description"), "{found:?}");
}
