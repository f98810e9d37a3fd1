//! What users read, byte for byte: the findings report in each format on a
//! site with known errors, and an article of the demo as rendered. A change to
//! any of them shows up as a snapshot diff to review (`cargo insta review`).

use crate::harness::TestSite;

/// The report with what changes from run to run taken out: the timing
/// (`in 12 ms`, `"elapsed_ms": 12`), the temporary folder the site was copied
/// to, and the tool's version (a release is not a change of report).
fn report(args: &[&str]) -> String {
    let site = TestSite::fixture("broken");
    let out = site.cli(args);
    assert_eq!(out.status.code(), Some(1), "the fixture has errors");
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let root = site.root.to_string_lossy().into_owned();
    let timing = regex::Regex::new(r"\bin \d+(\.\d+)? ?(ms|s|µs)\b").unwrap();
    let elapsed = regex::Regex::new(r#""elapsed_ms": \d+"#).unwrap();
    let text = text
        .replace(&root, "[ROOT]")
        .replace(&format!("\"{}\"", env!("CARGO_PKG_VERSION")), "\"[VERSION]\"");
    let text = timing.replace_all(&text, "in [TIME]");
    elapsed.replace_all(&text, "\"elapsed_ms\": \"[TIME]\"").into_owned()
}

#[test]
fn human_report_of_a_broken_site() {
    insta::assert_snapshot!(report(&["check"]));
}

#[test]
fn json_report_of_a_broken_site() {
    insta::assert_snapshot!(report(&["check", "--format", "json"]));
}

#[test]
fn sarif_report_of_a_broken_site() {
    insta::assert_snapshot!(report(&["check", "--format", "sarif"]));
}

/// The `<main>` element of a demo guide, as the bytes readers get: headings
/// with their ids, rewritten `.md` links, highlighted code, snippet figures.
/// Cut from the page text rather than re-serialised by `scraper`, which
/// writes attributes in no fixed order.
#[test]
fn a_demo_article_as_rendered() {
    let (_site, b) = crate::build::demo_site();
    let path = "link-windows-license-to-microsoft-account/index.html";
    let main = scraper::Selector::parse("main article").unwrap();
    assert_eq!(b.page(path).select(&main).count(), 1, "one article in <main>");
    let text = b.text(path);
    let start = text.find("<main").expect("a <main> element");
    let end = text.rfind("</main>").expect("a closed <main>") + "</main>".len();
    insta::assert_snapshot!(&text[start..end]);
}
