//! Size limits (issue #9): a 100 MB snippet produced a 782 MB page in 3 minutes
//! using 3.2 GB, and a 50 MB article built silently.

use std::path::Path;
use std::time::{Duration, Instant};

use inkproof::model::Output;

use crate::harness::{count, TestSite};

const ARTICLE: &str = "---\ntitle: Big\n---\nIntro.\n\n```snippet big.ps1\n```\n";

#[test]
fn a_100_mb_snippet_is_refused_quickly_and_the_rest_builds() {
    let site = TestSite::empty();
    site.write("content/guide/index.md", ARTICLE);
    let f = std::fs::File::create(site.root.join("content/guide/big.ps1")).unwrap();
    f.set_len(100 << 20).unwrap(); // sparse: no disk space, no time
    let started = Instant::now();
    let b = site.build();
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
    let errors = b.errors();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].code, "limits/snippet-too-big");
    assert_eq!(errors[0].location.to_string(), "content/guide/index.md:6");
    // Not read into memory: as a file of the page bundle it is still copied
    // (streamed) like any other bundle file, but never as page or snippet bytes.
    let published = b.build.outputs.iter().find(|o| o.path() == Path::new("guide/big.ps1"));
    assert!(matches!(published, Some(Output::Copy { .. })), "{published:?}");
    assert_eq!(count(&b.page("guide/index.html"), "figure.snippet"), 0);
}

#[test]
fn a_big_snippet_within_raised_limits_shows_a_few_lines_and_downloads_whole() {
    let site = TestSite::empty();
    site.write("inkproof.yaml", "limits:\n  snippet_error_kb: 65536\n  snippet_max_lines: 40\n");
    site.write("content/guide/index.md", ARTICLE);
    let script: String = (0..600_000).map(|i| format!("Write-Host \"line {i}\"\n")).collect();
    assert!(script.len() > 12 << 20);
    site.write("content/guide/big.ps1", &script);
    let b = site.build();
    b.assert_clean();
    // Only the size finding (the bare test site also lacks descriptions).
    let codes: Vec<_> = b.codes().into_iter().filter(|c| c.starts_with("limits/")).collect();
    assert_eq!(codes, ["limits/snippet-size"], "a warning above 1 MB");
    assert_eq!(b.bytes("guide/big.ps1").unwrap(), script.as_bytes(), "the download is whole");
    let html = b.text("guide/index.html");
    assert!(html.len() < 100_000, "the page is {} bytes", html.len());
    let page = b.page("guide/index.html");
    let code: String = page
        .select(&scraper::Selector::parse("figure.snippet pre code").unwrap())
        .flat_map(|c| c.text())
        .collect();
    assert_eq!(code.lines().count(), 40);
    let note: String = page
        .select(&scraper::Selector::parse(".snippet-truncated").unwrap())
        .flat_map(|c| c.text())
        .collect();
    assert_eq!(
        note,
        "Showing lines 1–40 of 600000. … 599960 more lines: download the file to see them all."
    );
}

#[test]
fn an_article_above_the_error_size_is_not_built() {
    let site = TestSite::empty();
    site.write("inkproof.yaml", "limits:\n  article_warning_kb: 8\n  article_error_kb: 64\n");
    site.write("content/fine.md", "---\ntitle: Fine\n---\nShort.\n");
    site.write("content/long.md", &format!("---\ntitle: Long\n---\n{}", "word ".repeat(4000)));
    site.write("content/huge.md", &format!("---\ntitle: Huge\n---\n{}", "word ".repeat(20_000)));
    let b = site.build();
    let found: Vec<String> = b
        .build
        .diagnostics
        .iter()
        .filter(|d| d.code.starts_with("limits/"))
        .map(|d| format!("{} {:?} {}", d.location, d.severity, d.code))
        .collect();
    assert_eq!(
        found,
        [
            "content/huge.md Error limits/article-too-big",
            "content/long.md Warning limits/article-size",
        ]
    );
    // The build fails (nothing is written); the huge body was never rendered.
    assert!(b.build.has_errors());
    if let Some(page) = b.bytes("huge/index.html") {
        assert!(!String::from_utf8(page).unwrap().contains("word word"));
    }
    assert!(b.bytes("long/index.html").is_some());
    assert!(b.bytes("fine/index.html").is_some());
}

/// `sanitize: true` (issue #9) cleans what an article's raw HTML would run,
/// and reports it too; without the option the HTML is published as written.
#[test]
fn sanitize_option_removes_scripts_handlers_and_unsafe_urls_from_pages() {
    let body = "---\ntitle: Raw\ndescription: An article with raw HTML that would run code in the reader's browser.\n---\n\
                Intro.\n\n<script>alert(1)</script>\n\n<p onclick=\"steal()\">Click</p>\n";
    let run = |sanitize: bool| {
        let site = TestSite::empty();
        site.write("inkproof.yaml", &format!("sanitize: {sanitize}\n"));
        site.write("content/raw.md", body);
        let b = site.build();
        let page = b.page("raw/index.html");
        let article = scraper::Selector::parse("article").unwrap();
        let html = page.select(&article).next().map(|a| a.html()).unwrap_or_default();
        (b.codes(), html)
    };
    let (codes, kept) = run(false);
    assert!(codes.contains(&"html/script") && codes.contains(&"html/event-handler"), "{codes:?}");
    assert!(kept.contains("alert(1)") && kept.contains("onclick"), "{kept}");
    let (codes, clean) = run(true);
    assert!(codes.contains(&"html/event-handler"), "still reported: {codes:?}");
    assert!(!clean.contains("alert(1)"), "{clean}");
    assert!(!clean.contains("onclick"), "{clean}");
    assert!(clean.contains("Click") && clean.contains("Intro."), "text stays: {clean}");
}

// Issue 21: an article above the error size also got `content/empty-body`,
// as if its (skipped) body were empty; one cause gives one finding.
#[test]
fn an_article_above_the_error_size_gets_only_the_size_finding() {
    let site = TestSite::empty();
    site.write("inkproof.yaml", "limits:\n  article_warning_kb: 8\n  article_error_kb: 64\n");
    let front = "---\ntitle: Huge\ndescription: A guide far longer than the limits of this site allow.\n---\n";
    site.write("content/huge.md", &format!("{front}{}", "word ".repeat(20_000)));
    let b = site.build();
    let found: Vec<String> = b
        .build
        .diagnostics
        .iter()
        .filter(|d| d.location.path == Path::new("content/huge.md"))
        .map(|d| d.code.to_string())
        .collect();
    assert_eq!(found, ["limits/article-too-big"], "{:#?}", b.build.diagnostics);
}

/// Issue 21: 25 KB of `big: &b [x, …]` / `refs: [*b, …]` front matter reached
/// 3.9 GB. Now it is a located `invalid-yaml` error, at once, and the rest of
/// the site builds.
#[test]
fn front_matter_aliases_that_expand_too_far_are_a_located_error() {
    let n = 25 * 1024 / 7;
    let fm = format!(
        "---\ntitle: Bomb\nbig: &b [{}]\nrefs: [{}]\n---\nBody\n",
        vec!["x"; n].join(", "),
        vec!["*b"; n].join(", ")
    );
    let site = TestSite::empty();
    site.write("content/bomb.md", &fm);
    site.write("content/fine.md", "---\ntitle: Fine\n---\nBody\n");
    let started = Instant::now();
    let b = site.build();
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
    let errors = b.errors();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].code, "front-matter/invalid-yaml");
    assert!(errors[0].message.contains("billion laughs"), "{}", errors[0].message);
    let loc = &errors[0].location;
    assert_eq!((loc.path.as_path(), loc.line), (Path::new("content/bomb.md"), 4), "{loc}");
    let line = fm.lines().nth(3).unwrap();
    let col = loc.col.expect("a column");
    assert_eq!(line.chars().skip(col - 1).take(2).collect::<String>(), "*b", "{loc}");
    assert!(b.bytes("fine/index.html").is_some());
    assert!(b.bytes("bomb/index.html").is_none());
}

/// Issue 21: 200,000 nested `[` (400 KB) took 107 s of CPU before the YAML
/// parser's recursion limit; now the error comes at once, at the bracket
/// that crosses the limit.
#[test]
fn deep_flow_nesting_in_front_matter_is_a_quick_located_error() {
    let d = 200_000;
    let site = TestSite::empty();
    site.write(
        "content/deep.md",
        &format!("---\ntitle: Deep\ntags: {}{}\n---\nBody\n", "[".repeat(d), "]".repeat(d)),
    );
    let started = Instant::now();
    let b = site.build();
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
    let errors = b.errors();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].code, "front-matter/invalid-yaml");
    assert_eq!(errors[0].location.to_string(), "content/deep.md:3:135");
    assert!(errors[0].message.contains("nested more than 128 deep"), "{}", errors[0].message);
}

/// Files and bytes `inkproof build` writes for one article with `tags` tags.
fn output_for_tags(tags: usize) -> (usize, u64) {
    let site = TestSite::empty();
    let list: String = (0..tags).map(|i| format!("  - topic number {i}\n")).collect();
    site.write(
        "content/many.md",
        &format!("---\ntitle: Many\ndate: 2024-01-02\ntags:\n{list}---\nBody\n"),
    );
    let out = site.cli(&["build"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let public = site.root.join("public");
    assert!(public.join(format!("tags/topic-number-{}/atom.xml", tags - 1)).is_file());
    let (mut files, mut bytes) = (0, 0);
    for e in walkdir::WalkDir::new(&public) {
        let e = e.unwrap();
        if e.file_type().is_file() {
            files += 1;
            bytes += e.metadata().unwrap().len();
        }
    }
    (files, bytes)
}

/// Issue 21: one article with 10,000 tags wrote 3.8 GB, because every term
/// feed listed all the article's tags (output grew with tags²). Twice the tags
/// must write about twice the files and bytes, not four times.
#[test]
fn output_grows_linearly_with_an_articles_tags() {
    let (files1, bytes1) = output_for_tags(500);
    let (files2, bytes2) = output_for_tags(1000);
    assert!(files2 * 10 < files1 * 25, "{files1} files for 500 tags, {files2} for 1000");
    assert!(bytes2 * 10 < bytes1 * 25, "{bytes1} bytes for 500 tags, {bytes2} for 1000");
}
