//! Every front matter variant the issue lists, through a whole build.

use crate::harness::{attrs, texts, TestSite};

#[test]
fn reference_shape_fields_reach_the_page() {
    let site = TestSite::fixture("front-matter");
    let b = site.build();
    b.assert_clean();
    let page = b.page("reference-shape/index.html");
    assert_eq!(texts(&page, "main h1"), ["Reference shape"]);
    let times = attrs(&page, "main time", "datetime");
    assert!(times.contains(&"2024-08-22T21:32:44Z".to_string()), "{times:?}");
    assert!(times.contains(&"2024-08-23T21:32:44Z".to_string()), "{times:?}");
    let tags = attrs(&page, "main a[href*='/tags/']", "href");
    assert!(
        tags.contains(&"/tags/windows10/".to_string())
            && tags.contains(&"/tags/windows11/".to_string()),
        "{tags:?}"
    );
    let cats = attrs(&page, "main a[href*='/categories/']", "href");
    assert!(cats.contains(&"/categories/windows-11/".to_string()), "{cats:?}");
    assert_eq!(attrs(&page, "meta[name=keywords]", "content"), ["Alpha Key, Beta Key, Gamma"]);
    assert_eq!(
        attrs(&page, "meta[name=description]", "content"),
        ["A test article in the reference shape"]
    );
    assert_eq!(
        attrs(&page, "meta[property='og:image']", "content"),
        ["https://img.example.com/thumb.jpg"]
    );
    assert_eq!(
        attrs(&page, "link[rel=canonical]", "href"),
        ["https://guides.example.test/reference-shape/"]
    );
    let ld = texts(&page, "script[type='application/ld+json']");
    let ld: serde_json::Value = serde_json::from_str(&ld[0]).unwrap();
    assert_eq!(ld["@type"], "Article");
    assert_eq!(ld["headline"], "Reference shape");
    assert_eq!(ld["datePublished"], "2024-08-22T21:32:44Z");
}

#[test]
fn crlf_bom_blank_line_space_date_and_single_string_tag() {
    let b = TestSite::fixture("front-matter").build();
    let page = b.page("crlf-space-date/index.html");
    assert_eq!(texts(&page, "main h1"), ["Windows line endings"]);
    assert!(attrs(&page, "main time", "datetime").contains(&"2024-01-31T15:11:56Z".to_string()));
    assert_eq!(attrs(&page, "main a[href^='/tags/']", "href"), ["/tags/single-tag/"]);
    assert_eq!(attrs(&page, "meta[name=keywords]", "content"), ["one, two"]);
    let paras = texts(&page, "main .content p");
    assert_eq!(paras, ["Body right after the closing line.", "Second paragraph."]);
}

#[test]
fn offset_dates_date_only_custom_slug_and_extra() {
    let b = TestSite::fixture("front-matter").build();
    let page = b.page("offset-date/index.html");
    assert!(
        attrs(&page, "main time", "datetime").contains(&"2019-08-19T10:00:00-05:00".to_string())
    );
    assert_eq!(attrs(&page, "main a[href^='/categories/']", "href"), ["/categories/guides/"]);
    // alias redirect page
    let alias = b.page("old/offset-date/index.html");
    assert_eq!(attrs(&alias, "link[rel=canonical]", "href"), ["/offset-date/"]);
    // slug from front matter, normalised
    let page = b.page("custom-slug-here/index.html");
    assert!(attrs(&page, "main time", "datetime").contains(&"2022-03-04T00:00:00Z".to_string()));
}

#[test]
fn date_from_folder_prefix_and_merged_terms() {
    let b = TestSite::fixture("front-matter").build();
    let page = b.page("dated-by-name/index.html");
    assert!(attrs(&page, "main time", "datetime").contains(&"2023-05-06T00:00:00Z".to_string()));
    // `windows 11` and `Windows-11` are one term page
    let term = b.page("tags/windows-11/index.html");
    assert!(texts(&term, "main").join(" ").contains("Dated by its folder name"));
}

#[test]
fn toml_front_matter_is_accepted() {
    let b = TestSite::fixture("front-matter").build();
    let page = b.page("toml-front/index.html");
    assert_eq!(texts(&page, "main h1"), ["TOML front matter"]);
    assert!(attrs(&page, "main time", "datetime").contains(&"2021-07-08T09:10:11Z".to_string()));
}

#[test]
fn undated_page_stays_out_of_lists_and_feed_and_drafts_need_a_flag() {
    let site = TestSite::fixture("front-matter");
    let b = site.build();
    assert!(b.bytes("about/index.html").is_some());
    let home = b.page("index.html");
    let listed = attrs(&home, "main a[href]", "href");
    assert!(!listed.contains(&"/about/".to_string()), "standalone page listed on home: {listed:?}");
    assert!(listed.contains(&"/reference-shape/".to_string()));
    let feed = b.text("atom.xml");
    assert!(!feed.contains("/about/"));
    assert!(feed.contains("https://guides.example.test/reference-shape/"));
    assert!(
        b.bytes("not-ready/index.html").is_none() && b.bytes("draft-article/index.html").is_none()
    );
    let with_drafts = site.build_with(true);
    assert!(with_drafts.bytes("draft-article/index.html").is_some());
    // the home intro comes from _index.md
    assert!(texts(&home, "main").join(" ").contains("Intro text for the home page."));
}

#[test]
fn home_is_newest_first_and_sitemap_uses_updated() {
    let b = TestSite::fixture("front-matter").build();
    let home = b.page("index.html");
    let times = attrs(&home, "main time", "datetime");
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    // offsets aside, these fixtures' dates sort as strings
    assert_eq!(times, sorted);
    let sitemap = b.text("sitemap.xml");
    assert!(sitemap.contains("<loc>https://guides.example.test/reference-shape/</loc><lastmod>2024-08-23T21:32:44Z</lastmod>"), "{sitemap}");
}

// Issue 9: an alias landing on another article's page blamed that article
// (the victim); the finding belongs to the file that declares the alias.
#[test]
fn an_alias_over_another_page_is_reported_at_the_file_declaring_it() {
    let site = TestSite::empty();
    site.write("content/victim.md", "---\ntitle: Victim\n---\n\nText.\n");
    site.write("content/mover.md", "---\ntitle: Mover\naliases: [/victim/]\n---\n\nText.\n");
    let b = site.build();
    let found: Vec<_> =
        b.build.diagnostics.iter().filter(|d| d.code == "output/collision").collect();
    assert_eq!(found.len(), 1, "{:#?}", b.build.diagnostics);
    assert_eq!(found[0].location.path.to_str(), Some("content/mover.md"), "{}", found[0]);
    assert!(found[0].message.contains("content/victim.md"), "{}", found[0].message);
}

// Issue 21: an alias with `\` or a percent-encoded `..` (`%2e%2e`, any case)
// was written as a literal folder (`a\b`, `%2e%2E`), which climbs out once
// the site is unpacked on Windows or the URL is decoded by a server.
#[test]
fn aliases_with_backslashes_or_encoded_dot_segments_are_refused_and_located() {
    let site = TestSite::empty();
    site.write(
        "content/mover.md",
        "---\ntitle: Mover\naliases:\n  - 'old\\guide'\n  - /%2e%2E/outside/\n  - /x/%2E%2e\n  - /a/..%2fb/\n  - /c%5Cd/\n  - /kept/\n---\nText.\n",
    );
    let b = site.build();
    let found: Vec<String> = b
        .build
        .diagnostics
        .iter()
        .filter(|d| d.code == "front-matter/bad-alias")
        .map(|d| d.location.to_string())
        .collect();
    assert_eq!(
        found,
        [
            "content/mover.md:4:6",
            "content/mover.md:5:5",
            "content/mover.md:6:5",
            "content/mover.md:7:5",
            "content/mover.md:8:5",
        ],
        "{:#?}",
        b.build.diagnostics
    );
    let written: Vec<String> = b.paths();
    assert!(
        written.iter().all(|p| !p.contains('\\')
            && !p.to_ascii_lowercase().contains("%2e")
            && !p.to_ascii_lowercase().contains("%5c")),
        "{written:?}"
    );
    assert!(written.iter().any(|p| p == "kept/index.html"), "{written:?}");
}
