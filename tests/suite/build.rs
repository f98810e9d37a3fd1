//! Whole builds: the demo guide, site-wide pages, and errors collected.

use std::path::Path;

use crate::harness::{attrs, count, repo_root, texts, TestSite};

fn demo() -> crate::harness::Built {
    let (_site, built) = demo_site();
    built
}

/// The repository's own site, copied to a temp dir (kept alive by the caller).
pub(crate) fn demo_site() -> (TestSite, crate::harness::Built) {
    let site = TestSite::empty();
    for dir in ["content", "templates", "static"] {
        let from = repo_root().join(dir);
        for entry in walkdir::WalkDir::new(&from) {
            let entry = entry.unwrap();
            let dest = site.root.join(dir).join(entry.path().strip_prefix(&from).unwrap());
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&dest).unwrap();
            } else {
                std::fs::copy(entry.path(), &dest).unwrap();
            }
        }
    }
    std::fs::copy(repo_root().join("inkproof.yaml"), site.root.join("inkproof.yaml")).unwrap();
    let built = site.build();
    (site, built)
}

const GUIDE: &str = "content/link-windows-license-to-microsoft-account/index.md";

/// Headings, list items and images written in the guide's Markdown outside ad blocks.
fn real_content(md: &str) -> (Vec<String>, usize, usize) {
    let mut headings = Vec::new();
    let (mut items, mut images) = (0, 0);
    let mut in_ad = false;
    let mut in_code = false;
    let body = md.splitn(3, "---\n").nth(2).unwrap();
    for line in body.lines() {
        let t = line.trim();
        if t.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        if t.contains("affiliate ads begin") {
            in_ad = true;
        }
        if !in_ad {
            if let Some(h) = t.strip_prefix("## ") {
                headings.push(h.trim().to_string());
            }
            let b = t.as_bytes();
            if !b.is_empty()
                && b[0].is_ascii_digit()
                && t.contains(". ")
                && t.split_once(". ").unwrap().0.chars().all(|c| c.is_ascii_digit())
            {
                items += 1;
            }
            images += t.matches("![").count();
        }
        if t.contains("affiliate ads end") {
            in_ad = false;
        }
    }
    (headings, items, images)
}

#[test]
fn demo_guide_builds_without_ads_and_keeps_every_real_block() {
    let (_site, b) = demo_site();
    b.assert_clean();
    let md = std::fs::read_to_string(repo_root().join(GUIDE)).unwrap();
    assert!(
        md.matches("<!-- affiliate ads begin -->").count() >= 2,
        "the demo guide has two affiliate blocks"
    );
    assert!(md.contains("adsbygoogle"), "the demo guide has an adsbygoogle slot");
    let (headings, items, images) = real_content(&md);
    let page = b.page("link-windows-license-to-microsoft-account/index.html");
    let html = b.text("link-windows-license-to-microsoft-account/index.html");
    for needle in ["affiliate ads", "adsbygoogle", "visibility:hidden", "inkproof:L"] {
        assert!(!html.contains(needle), "`{needle}` left in the page");
    }
    let h2: Vec<String> = texts(&page, "main .content h2")
        .into_iter()
        .map(|t| t.trim_end_matches('#').trim().to_string())
        .collect();
    let plain = |s: &str| s.replace(['*', '`'], "");
    for h in &headings {
        assert!(h2.iter().any(|x| *x == plain(h)), "heading `{h}` lost; have {h2:?}");
    }
    assert!(count(&page, "main .content ol > li") >= items, "list items lost");
    assert_eq!(count(&page, "main .content img"), images, "images lost or ad images kept");
    for src in attrs(&page, "main .content img", "src") {
        assert!(!src.contains("://"), "demo images must be local: {src}");
        let published = format!("link-windows-license-to-microsoft-account/{src}");
        assert!(b.bytes(&published).is_some(), "image {published} not published");
    }
    assert!(attrs(&page, "main .content img", "loading").iter().all(|l| l == "lazy"));
    assert!(b.build.stats.stripped_blocks >= 2 && b.build.stats.stripped_elements >= 1);
}

#[test]
fn demo_site_makes_no_third_party_requests() {
    let b = demo();
    for path in b.paths() {
        if !path.ends_with(".html") {
            continue;
        }
        let page = b.page(&path);
        for (sel, attr) in [
            ("script[src]", "src"),
            ("link[rel=stylesheet]", "href"),
            ("img", "src"),
            ("iframe", "src"),
        ] {
            for url in attrs(&page, sel, attr) {
                assert!(
                    !url.contains("://") && !url.starts_with("//"),
                    "{path}: third-party request to {url}"
                );
            }
        }
    }
}

#[test]
fn site_pages_exist_and_are_well_formed() {
    let b = demo();
    for p in [
        "index.html",
        "404.html",
        "tags/index.html",
        "categories/index.html",
        "atom.xml",
        "sitemap.xml",
        "robots.txt",
        "syntax.css",
    ] {
        assert!(b.bytes(p).is_some(), "missing {p}");
    }
    let tags = b.page("tags/index.html");
    let links = attrs(&tags, "main a[href^='/tags/']", "href");
    assert!(links.len() >= 2, "{links:?}");
    for l in &links {
        let path = format!("{}index.html", l.trim_start_matches('/'));
        assert!(b.bytes(&path).is_some(), "term page {path} missing");
    }
    let feed = b.text("atom.xml");
    assert!(
        feed.starts_with("<?xml") && feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\"")
    );
    assert_eq!(
        feed.matches("<entry>").count(),
        b.build.articles.iter().filter(|a| a.is_dated()).count().min(20)
    );
    assert!(b.text("robots.txt").contains("Sitemap: https://"));
    let home = b.page("index.html");
    // One date per card: every dated article of the demo is on the home page.
    let dated = b.build.articles.iter().filter(|a| a.is_dated()).count();
    assert_eq!((count(&home, "main time"), dated), (3, 3));
}

#[test]
fn md_links_between_articles_are_rewritten() {
    let b = demo();
    let page = b.page("link-windows-license-to-microsoft-account/index.html");
    let hrefs = attrs(&page, "main .content a[href]", "href");
    assert!(hrefs.iter().all(|h| !h.ends_with(".md") && !h.contains(".md#")), "{hrefs:?}");
    assert!(hrefs.iter().any(|h| h.starts_with("/find-your-windows-product-key/")), "{hrefs:?}");
    assert!(!b.codes().iter().any(|c| c.starts_with("link/")), "{:#?}", b.build.diagnostics);
}

#[test]
fn every_error_of_a_build_is_reported_with_its_location() {
    let b = TestSite::fixture("broken").build();
    let mut found: Vec<(String, &str, usize)> = b
        .errors()
        .iter()
        .map(|d| (d.location.path.to_string_lossy().into_owned(), d.code.as_str(), d.location.line))
        .collect();
    found.sort();
    // Each error at its line: the missing title at the opening `---` (there is
    // no `title:` line to point at), the bad date at its value.
    assert_eq!(
        found,
        [
            ("content/bad-yaml.md".to_string(), "front-matter/invalid-yaml", 4),
            ("content/missing-title.md".to_string(), "front-matter/bad-date", 2),
            ("content/missing-title.md".to_string(), "front-matter/missing-title", 1),
            ("content/stray-end.md".to_string(), "ads/stray-end-marker", 7),
            ("content/unclosed.md".to_string(), "ads/unclosed-marker", 7),
        ]
    );
    // the good article still rendered
    assert!(b.build.articles.iter().any(|a| a.slug == "fine"));
}

#[test]
fn two_articles_at_one_url_is_an_error_naming_both() {
    let b = TestSite::fixture("collision").build();
    let d =
        b.errors().into_iter().find(|d| d.code == "slug/collision").expect("collision reported");
    assert!(
        d.message.contains("content/a/same-name.md")
            && d.message.contains("content/b/same-name.md"),
        "{}",
        d.message
    );
}

#[test]
fn template_output_is_escaped() {
    let site = TestSite::empty();
    site.write("content/x.md", "---\ntitle: \"<script>alert(1)</script> & co\"\ndate: 2024-01-01\ntags: [\"<b>\"]\n---\nBody.\n");
    let b = site.build();
    b.assert_clean();
    let html = b.text("x/index.html");
    assert!(!html.contains("<script>alert(1)"), "title not escaped");
    assert!(!html.contains("<b>"), "tag not escaped");
    let page = b.page("x/index.html");
    assert_eq!(texts(&page, "main h1"), ["<script>alert(1)</script> & co"]);
}

#[test]
fn slugs_from_content_cannot_escape_the_output() {
    let site = TestSite::empty();
    site.write("content/a.md", "---\ntitle: A\ndate: 2024-01-01\nslug: ../../../etc/evil\naliases: [\"../../outside\"]\n---\nBody.\n");
    let b = site.build();
    for p in b.paths() {
        assert!(!p.contains(".."), "output path escapes: {p}");
        assert!(!Path::new(&p).is_absolute());
    }
    assert!(b.bytes("etc-evil/index.html").is_some(), "{:?}", b.paths());
    assert!(b.codes().contains(&"front-matter/bad-alias"));
}

#[test]
fn the_search_page_rendered_ahead_is_the_page_rendered_with_the_rest() {
    // With two cards a page, the search page (every guide, never paginated)
    // is longer than a page and is rendered before the search index is
    // built; with twenty it is rendered with the other pages. Same page.
    let site = TestSite::empty();
    for k in 0..3 {
        site.write(
            &format!("content/guide-{k}.md"),
            &format!("---\ntitle: Guide {k}\ndate: 2024-0{}-01\n---\nStep {k}.\n", k + 1),
        );
    }
    site.write("inkproof.yaml", "title: Guides\npaginate_by: 2\n");
    let ahead = site.build();
    ahead.assert_clean();
    let page = ahead.page("search/index.html");
    assert_eq!(
        texts(&page, ".search-list .search-result-title"),
        ["Guide 2", "Guide 1", "Guide 0"]
    );
    site.write("inkproof.yaml", "title: Guides\npaginate_by: 20\n");
    let along = site.build();
    along.assert_clean();
    assert_eq!(ahead.text("search/index.html"), along.text("search/index.html"));
}

#[test]
fn a_site_without_term_pages_search_or_feeds_makes_and_links_none_of_them() {
    let (site, with) = demo_site();
    with.assert_clean();
    // The switches' defaults: all three are made and linked.
    for p in ["tags/index.html", "categories/index.html", "search/index.html", "atom.xml"] {
        assert!(with.bytes(p).is_some(), "{p} missing by default: {:?}", with.paths());
    }
    let config = std::fs::read_to_string(site.root.join("inkproof.yaml")).unwrap();
    site.write(
        "inkproof.yaml",
        &format!("{config}taxonomies: false\nsearch: false\nfeeds: false\n"),
    );
    let without = site.build();
    without.assert_clean();
    let paths = without.paths();
    let made: Vec<&String> = paths
        .iter()
        .filter(|p| {
            p.starts_with("tags/")
                || p.starts_with("categories/")
                || p.starts_with("search/")
                // The theme's fingerprinted search files (`search.1a2b3c4d.js`);
                // the site's own `static/search.js` is its file, copied as any.
                || (p.starts_with("search.") && p.matches('.').count() == 2)
                || p.ends_with("atom.xml")
                || p.ends_with("feed.json")
        })
        .collect();
    assert!(made.is_empty(), "made anyway: {made:?}");
    // Every article still built, and no page links to what is not there:
    // not the nav, the footer, the head, a chip, a breadcrumb or the 404 page.
    let pages: Vec<&String> = paths.iter().filter(|p| p.ends_with(".html")).collect();
    assert_eq!(
        pages.len(),
        with.paths().iter().filter(|p| p.ends_with("index.html") && !p.contains('/')).count()
            + with
                .paths()
                .iter()
                .filter(|p| {
                    p.ends_with("/index.html")
                        && !p.starts_with("tags/")
                        && !p.starts_with("categories/")
                        && !p.starts_with("search/")
                })
                .count()
            + 1, // 404.html
        "{pages:?}"
    );
    let mut chips = 0;
    for p in &pages {
        let doc = without.page(p);
        for href in attrs(&doc, "a[href], link[href]", "href") {
            let local = href.strip_prefix("https://guides.example.org").unwrap_or(&href);
            assert!(
                !["/tags/", "/categories/", "/search/", "/atom.xml", "/feed.json"]
                    .iter()
                    .any(|x| local.starts_with(x)),
                "{p} links to {href}"
            );
        }
        assert_eq!(count(&doc, "link[rel=alternate], [data-search-open]"), 0, "{p}");
        chips += count(&doc, "span.chip");
    }
    // Terms are still shown, as text.
    assert!(chips > 0, "no tag or category is shown any more");
    let article = without.page("link-windows-license-to-microsoft-account/index.html");
    assert_eq!(texts(&article, ".breadcrumb li").len(), 2, "Home and the page, no category");
    assert!(!texts(&article, "span.chip-category").is_empty());
    // Nothing in the sitemap points to a page that is not made.
    let sitemap = without.text("sitemap.xml");
    assert!(!sitemap.contains("/tags/") && !sitemap.contains("/categories/"), "{sitemap}");
    // And the link check agrees.
    assert!(!without.codes().iter().any(|c| c.starts_with("link/")), "{:?}", without.codes());
}

#[test]
fn the_built_in_theme_ships_no_search_files_to_a_site_without_search() {
    let site = TestSite::empty();
    site.write(
        "content/guide.md",
        "---\ntitle: Guide\ndate: 2024-01-01\ntags: [windows]\n---\nA step.\n",
    );
    let with = site.build();
    assert!(with.paths().iter().any(|p| p.starts_with("search")), "{:?}", with.paths());
    site.write("inkproof.yaml", "title: Guides\nsearch: false\n");
    let without = site.build();
    without.assert_clean();
    let search: Vec<String> =
        without.paths().into_iter().filter(|p| p.starts_with("search")).collect();
    assert!(search.is_empty(), "{search:?}");
    // Term pages and feeds stay on: each switch is its own.
    assert!(without.bytes("tags/windows/index.html").is_some());
    assert!(without.bytes("atom.xml").is_some());
}

/// The bundled guide is the first thing a new user builds: it is the
/// showcase, so its first build reports nothing (it printed a
/// `seo/description-length` warning).
#[test]
fn the_demo_guides_first_build_has_no_findings() {
    let (site, built) = demo_site();
    let findings: Vec<String> = built.build.diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(findings.is_empty(), "{findings:#?}");
    let out = site.cli(&["build"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("0 warnings, 0 errors"), "{stderr}");
}
