//! Every stripping rule, asserted on the parsed page.

use crate::harness::{count, texts, TestSite};

fn page() -> (crate::harness::Built, scraper::Html) {
    let b = TestSite::fixture("ads").build();
    b.assert_clean();
    let page = b.page("ads-everywhere/index.html");
    (b, page)
}

fn content(page: &scraper::Html) -> String {
    let sel = scraper::Selector::parse("main .content").unwrap();
    page.select(&sel).next().expect("a .content element").html()
}

#[test]
fn marker_blocks_are_gone_with_their_markdown() {
    let (_, page) = page();
    let html = content(&page);
    for gone in [
        "Banner right after",
        "List-adjacent deal",
        "inside the block",
        "Second adjacent block",
        "shop.example.com",
        "px.example.com",
    ] {
        assert!(!html.contains(gone), "`{gone}` survived:\n{html}");
    }
}

#[test]
fn list_around_a_block_stays_one_list() {
    let (_, page) = page();
    assert_eq!(count(&page, "main .content ol"), 1, "the block split the list");
    assert_eq!(
        texts(&page, "main .content ol > li"),
        ["Open the Start menu.", "Pick Settings.", "Choose Accounts."]
    );
}

#[test]
fn headings_after_blocks_stay_headings() {
    let (_, page) = page();
    let h2: Vec<String> = texts(&page, "main .content h2")
        .into_iter()
        .map(|t| t.trim_end_matches('#').trim().to_string())
        .collect();
    assert_eq!(h2, ["Steps that keep their list", "Heading right after a block"]);
    assert!(
        texts(&page, "main .content p").contains(&"Real paragraph after the heading.".to_string())
    );
}

#[test]
fn markers_in_code_are_content() {
    let (_, page) = page();
    let code = texts(&page, "main .content pre code");
    assert!(
        code.iter().any(|c| c.contains("<!-- affiliate ads begin -->")
            && c.contains("Marker inside a code fence")),
        "{code:?}"
    );
    let inline = texts(&page, "main .content p code");
    assert!(inline.contains(&"<!-- affiliate ads begin -->".to_string()), "{inline:?}");
}

#[test]
fn ad_elements_go_and_real_ones_stay() {
    let (_, page) = page();
    let html = content(&page);
    assert_eq!(count(&page, "ins.adsbygoogle"), 0);
    assert!(!html.contains("googlesyndication"), "ad loader script survived");
    assert!(!html.contains("adsbygoogle"), "ad push script survived:\n{html}");
    assert!(!html.contains("track.gif"), "1x1 pixel survived");
    assert!(html.contains("dataset.demo"), "a non-ad script was removed");
    assert_eq!(count(&page, "main .content iframe"), 1);
    assert_eq!(count(&page, "main .content details"), 1);
    assert!(
        html.contains("<!-- Step 1 -->") && html.contains("<!--more-->"),
        "a non-ad comment was removed"
    );
    assert!(!html.contains("inkproof:L"), "line sentinels leaked into the page");
    assert!(texts(&page, "main .content p").contains(&"Closing paragraph.".to_string()));
    assert_eq!(count(&page, "main .content p:empty"), 0, "empty paragraphs left behind");
}

#[test]
fn summary_counts_what_was_stripped_with_lines() {
    let (b, _) = page();
    let a = b.build.articles.iter().find(|a| a.slug == "ads-everywhere").unwrap();
    let blocks: Vec<usize> = a
        .stripped
        .iter()
        .filter(|s| s.kind == inkproof::model::StrippedKind::Block)
        .map(|s| s.line)
        .collect();
    assert_eq!(blocks, [6, 13, 18, 25, 27]);
    assert_eq!(b.build.stats.stripped_blocks, 5);
    // ins slot, loader script, push script, 1x1 pixel
    assert_eq!(b.build.stats.stripped_elements, 4, "{:#?}", a.stripped);
}

#[test]
fn unclosed_and_stray_markers_are_located_errors_and_keep_content() {
    let b = TestSite::fixture("broken").build();
    let unclosed = b
        .build
        .diagnostics
        .iter()
        .find(|d| d.code == "ads/unclosed-marker")
        .expect("unclosed marker reported");
    assert_eq!(unclosed.location.path, std::path::Path::new("content/unclosed.md"));
    assert_eq!(unclosed.location.line, 7);
    let stray = b
        .build
        .diagnostics
        .iter()
        .find(|d| d.code == "ads/stray-end-marker")
        .expect("stray end marker reported");
    assert_eq!(
        (stray.location.path.to_str().unwrap(), stray.location.line),
        ("content/stray-end.md", 7)
    );
    // the article after the unclosed marker is not swallowed
    let a = b.build.articles.iter().find(|a| a.slug == "unclosed").unwrap();
    assert!(a.html.contains("This paragraph must not be swallowed."), "{}", a.html);
    assert!(a.html.contains("A heading after the unclosed marker"));
}
