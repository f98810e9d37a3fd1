//! A moved site keeps its addresses: permalink patterns as Hexo, Hugo and
//! Jekyll sites have them (issue 23 §5).

use crate::harness::{attrs, TestSite};

fn site() -> TestSite {
    let site = TestSite::empty();
    site.write(
        "inkproof.yaml",
        "title: Moved\nbase_url: https://example.org\ndescription: A site moved from Hexo.\n\
         permalink: /:year/:month/:day/:title/\npermalinks:\n  posts: /posts/:slug/\n",
    );
    site.write(
        "content/link-a-key.md",
        "---\ntitle: Link a key\ndate: 2024-08-22T21:32:44.553Z\n---\n\nFirst read [the other guide](posts/reset.md).\n",
    );
    site.write(
        "content/posts/reset.md",
        "---\ntitle: Reset\ndate: 2024-05-01\n---\n\nBack to [linking](../link-a-key.md).\n",
    );
    site.write(
        "content/posts/shots/index.md",
        "---\ntitle: Shots\ndate: 2024-05-02\n---\n\n![The settings page](settings.svg)\n",
    );
    site.write(
        "content/posts/shots/settings.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"4\" height=\"4\"/>",
    );
    site
}

#[test]
fn articles_are_published_at_their_patterns_and_links_follow() {
    let b = site().build();
    b.assert_clean();
    let paths = b.paths();
    for p in [
        "2024/08/22/link-a-key/index.html",
        "posts/reset/index.html",
        "posts/shots/index.html",
        "posts/shots/settings.svg",
    ] {
        assert!(paths.iter().any(|x| x == p), "{p} missing from {paths:?}");
    }
    assert!(!paths.iter().any(|x| x == "link-a-key/index.html"), "{paths:?}");
    let page = b.page("2024/08/22/link-a-key/index.html");
    assert_eq!(attrs(&page, "article a[href*='reset']", "href"), ["/posts/reset/"]);
    let back = b.page("posts/reset/index.html");
    assert_eq!(attrs(&back, "article a[href*='link-a-key']", "href"), ["/2024/08/22/link-a-key/"]);
    assert!(b.text("sitemap.xml").contains("https://example.org/posts/reset/"));
    let home = b.page("index.html");
    assert!(attrs(&home, "a", "href").iter().any(|h| h == "/2024/08/22/link-a-key/"));
}

#[test]
fn a_pattern_that_needs_a_date_and_a_bad_pattern_are_located_errors() {
    let s = site();
    s.write("content/undated.md", "---\ntitle: Undated\n---\n\nText.\n");
    let b = s.build();
    let d = b.build.diagnostics.iter().find(|d| d.code == "slug/needs-date").expect("a finding");
    assert_eq!(d.location.path, std::path::Path::new("content/undated.md"));
    assert!(d.is_error());

    let s = site();
    s.write("inkproof.yaml", "title: Moved\npermalinks:\n  posts: /posts/:yaer/:slug/\n");
    let b = s.build();
    let d = b.build.diagnostics.iter().find(|d| d.code == "config/invalid").expect("a finding");
    assert_eq!((d.location.line, d.location.col), (3, Some(10)), "{d}");
    assert!(d.message.contains("unknown token `:yaer`"), "{d}");
}
