//! What a reader (or a feed reader, crawler, social site, browser cache) gets
//! from a build (issue 8): feeds, sitemap, `og:image`, assets, search index,
//! related articles. Checked on the published files, as they would be read.

use std::collections::HashMap;

use crate::harness::{attrs, count, texts, Built, TestSite};

const GUIDE: &str = "link-windows-license-to-microsoft-account/index.html";
const ORIGIN: &str = "https://guides.example.org";

/// The repository's own site (content, templates, static, config), copied.
fn demo() -> (TestSite, Built) {
    let (site, built) = crate::build::demo_site();
    built.assert_clean();
    (site, built)
}

/// The entry HTML of every `<content type="html">` of an Atom feed, unescaped.
fn atom_contents(xml: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(at) = rest.find("<content type=\"html\"") {
        let start = at + rest[at..].find('>').unwrap() + 1;
        let end = start + rest[start..].find("</content>").unwrap();
        out.push(
            rest[start..end]
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&"),
        );
        rest = &rest[end..];
    }
    out
}

/// Every URL an entry's HTML points at is absolute, and no UI chrome is left.
fn assert_reader_ready(html: &str, what: &str) {
    let doc = scraper::Html::parse_fragment(html);
    for (sel, attr) in [("[href]", "href"), ("[src]", "src"), ("[poster]", "poster")] {
        for url in attrs(&doc, sel, attr) {
            assert!(
                url.starts_with("https://") || url.starts_with("mailto:"),
                "{what}: relative {attr} {url:?}"
            );
        }
    }
    for chrome in [".copy-button", ".copy", ".heading-link", "button", ".snippet-head", "script"] {
        assert_eq!(count(&doc, chrome), 0, "{what}: {chrome} left in the feed");
    }
}

#[test]
fn feeds_carry_absolute_urls_and_no_ui_chrome_in_atom_and_json_feed_1_1() {
    let (_site, b) = demo();
    let atom = b.text("atom.xml");
    let contents = atom_contents(&atom);
    assert!(contents.len() >= 3, "{} entries", contents.len());
    let guide = contents.iter().find(|c| c.contains("<img")).expect("an entry with images");
    assert!(guide.contains(&format!(
        "src=\"{ORIGIN}/link-windows-license-to-microsoft-account/settings-activation.svg\""
    )));
    for c in &contents {
        assert_reader_ready(c, "atom.xml");
    }

    let feed: serde_json::Value = serde_json::from_str(&b.text("feed.json")).unwrap();
    assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(feed["title"], "Windows Fix-It Notes");
    assert_eq!(feed["home_page_url"], format!("{ORIGIN}/"));
    assert_eq!(feed["feed_url"], format!("{ORIGIN}/feed.json"));
    let items = feed["items"].as_array().unwrap();
    assert_eq!(items.len(), contents.len(), "the same entries as the Atom feed");
    for item in items {
        // JSON Feed 1.1: `id` required, a string; content_html or content_text.
        let id = item["id"].as_str().expect("id is a string");
        assert!(id.starts_with(ORIGIN), "{id}");
        assert_eq!(item["url"], item["id"]);
        assert!(item["title"].is_string());
        let date = item["date_published"].as_str().unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(date).is_ok(), "RFC 3339: {date}");
        assert_reader_ready(item["content_html"].as_str().unwrap(), "feed.json");
        if let Some(image) = item.get("image") {
            assert!(image.as_str().unwrap().starts_with("https://"), "{image}");
        }
    }

    // Every page points feed readers at both.
    let home = b.page("index.html");
    assert_eq!(
        attrs(&home, "link[rel=alternate][type='application/atom+xml']", "href"),
        ["/atom.xml"]
    );
    assert_eq!(
        attrs(&home, "link[rel=alternate][type='application/feed+json']", "href"),
        ["/feed.json"]
    );
}

#[test]
fn every_tag_and_category_has_its_own_feeds_linked_from_its_page() {
    let (_site, b) = demo();
    for kind in ["tags", "categories"] {
        let list = b.page(&format!("{kind}/index.html"));
        let terms = attrs(&list, &format!("main a[href^='/{kind}/']"), "href");
        assert!(terms.len() >= 2, "{kind}: {terms:?}");
        for term in terms {
            let page = b.page(&format!("{}index.html", term.trim_start_matches('/')));
            let atom = attrs(&page, "link[rel=alternate][type='application/atom+xml']", "href");
            let json = attrs(&page, "link[rel=alternate][type='application/feed+json']", "href");
            // The site's feeds, then the term's own.
            assert_eq!(atom.last().unwrap(), &format!("{term}atom.xml"));
            assert_eq!(json.last().unwrap(), &format!("{term}feed.json"));
            let listed = attrs(&page, "main .card-title a, main h2 a, main h3 a", "href");
            let feed: serde_json::Value = serde_json::from_str(
                &b.text(&format!("{}feed.json", term.trim_start_matches('/'))),
            )
            .unwrap();
            assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
            assert_eq!(feed["home_page_url"], format!("{ORIGIN}{term}"));
            let ids: Vec<String> = feed["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().trim_start_matches(ORIGIN).to_string())
                .collect();
            assert!(!ids.is_empty(), "{term}");
            for item in feed["items"].as_array().unwrap() {
                // JSON Feed 1.1: content_html or content_text. Term feeds are summaries.
                assert!(item["content_text"].is_string(), "{term}: {item}");
            }
            for id in &ids {
                assert!(listed.contains(id), "{term}: feed has {id}, page lists {listed:?}");
            }
            let xml = b.text(&format!("{}atom.xml", term.trim_start_matches('/')));
            assert_eq!(xml.matches("<entry>").count(), ids.len(), "{term}");
            assert!(xml.contains(&format!("href=\"{ORIGIN}{term}atom.xml\"")), "self link");
        }
    }
}

#[test]
fn the_sitemap_lists_taxonomy_and_term_pages_and_404_is_noindex() {
    let (_site, b) = demo();
    let sitemap = b.text("sitemap.xml");
    for url in
        ["/", "/tags/", "/categories/", "/tags/windows-11/", "/categories/how-to/", "/about/"]
    {
        assert!(sitemap.contains(&format!("<loc>{ORIGIN}{url}</loc>")), "{url} missing");
    }
    assert_eq!(sitemap.matches("<loc>").count(), {
        let mut locs: Vec<&str> = sitemap.split("<loc>").skip(1).collect();
        locs.sort_unstable();
        locs.dedup();
        locs.len()
    });
    let page = b.page("404.html");
    assert_eq!(attrs(&page, "meta[name=robots]", "content"), ["noindex"]);
}

#[test]
fn an_svg_thumbnail_gets_a_png_og_image() {
    let (_site, b) = demo();
    let page = b.page(GUIDE);
    let og = attrs(&page, "meta[property='og:image']", "content");
    assert_eq!(og.len(), 1);
    let png = og[0].strip_prefix(ORIGIN).expect("absolute og:image");
    assert!(png.ends_with(".png"), "{png}");
    assert_eq!(attrs(&page, "meta[name='twitter:image']", "content"), og);
    let bytes = b.bytes(png.trim_start_matches('/')).expect("the PNG is published");
    let pixmap = resvg::tiny_skia::Pixmap::decode_png(&bytes).unwrap();
    assert_eq!((pixmap.width(), pixmap.height()), (1200, 630));
    // The page itself still shows the SVG (sharp at any size).
    assert!(attrs(&page, "img.article-thumb", "src")[0].ends_with("thumbnail.svg"));
    // A thumbnail from static/ gets one too.
    let other = b.page("find-your-windows-product-key/index.html");
    assert_eq!(
        attrs(&other, "meta[property='og:image']", "content"),
        [format!("{ORIGIN}/images/key-card.og.png")]
    );
    assert!(b.bytes("images/key-card.og.png").is_some_and(|p| p.starts_with(b"\x89PNG")));
}

/// The one stylesheet a page links.
fn stylesheet(b: &Built, page: &str) -> (String, String) {
    let hrefs = attrs(&b.page(page), "link[rel=stylesheet]", "href");
    assert_eq!(hrefs.len(), 1, "{page}: {hrefs:?}");
    let href = hrefs[0].clone();
    let css = b.text(href.trim_start_matches('/'));
    (href, css)
}

fn is_fingerprinted(href: &str, stem: &str, ext: &str) -> bool {
    let Some(hash) = href.strip_prefix(&format!("/{stem}.")).and_then(|r| r.strip_suffix(ext))
    else {
        return false;
    };
    hash.len() == 9 && hash.ends_with('.') && hash[..8].chars().all(|c| c.is_ascii_hexdigit())
}

#[test]
fn pages_load_one_minified_fingerprinted_stylesheet_cached_for_a_year() {
    let (_site, b) = demo();
    let headers = b.text("_headers");
    let immutable = |href: &str| {
        let at =
            headers.find(&format!("{href}\n")).unwrap_or_else(|| panic!("{href} not in _headers"));
        headers[at..].lines().nth(1).unwrap().contains("immutable")
    };
    let (article, article_css) = stylesheet(&b, GUIDE);
    let (search, search_css) = stylesheet(&b, "search/index.html");
    for (href, css) in [(&article, &article_css), (&search, &search_css)] {
        assert!(is_fingerprinted(href, "style", "css"), "{href}");
        assert!(immutable(href), "{href}");
        assert!(!css.contains("/*") && !css.contains("\n  "), "{href} is minified");
    }
    // Issue 8's budget: an article page loads at most 20 KB of CSS.
    assert!(article_css.len() <= 20 * 1024, "{article}: {} bytes", article_css.len());
    // Token colours are folded in, cut to the classes the site's code uses
    // (far less than the full syntax sheet); search rules only on the search page.
    assert!(article_css.contains(".hl-"), "the article shows code");
    assert!(!article_css.contains(".search-result") && search_css.contains(".search-result"));
    let full = b.text("syntax.css");
    let hl = |css: &str| css.matches(".hl-").count();
    assert!(hl(&article_css) * 3 < hl(&full), "{} of {} rules", hl(&article_css), hl(&full));
    for page in ["index.html", "tags/index.html", "404.html", "about/index.html"] {
        assert_eq!(stylesheet(&b, page).0, article, "{page} shares the one sheet");
    }

    // The theme script too, and what it loads on first use of search.
    let page = b.page(GUIDE);
    let scripts = attrs(&page, "script[src]", "src");
    assert_eq!(scripts.len(), 1);
    assert!(is_fingerprinted(&scripts[0], "inkproof", "js") && immutable(&scripts[0]));
    let js = attrs(&page, "[data-search-open]", "data-search-js");
    let css = attrs(&page, "[data-search-open]", "data-search-css");
    assert!(is_fingerprinted(&js[0], "search", "js") && immutable(&js[0]), "{js:?}");
    assert!(is_fingerprinted(&css[0], "search", "css") && immutable(&css[0]), "{css:?}");
    assert!(b.bytes(js[0].trim_start_matches('/')).is_some());
    // Plain names stay published for themes that link them.
    assert!(b.bytes("style.css").is_some() && b.bytes("inkproof.js").is_some());
}

/// What `static/search.js` does for one word: the chunk with the longest
/// prefix of the word, then the word's postings.
fn search(b: &Built, word: &str) -> Vec<String> {
    let meta: serde_json::Value = serde_json::from_str(&b.text("search/idx/meta.json")).unwrap();
    let keys: Vec<String> = serde_json::from_value(meta["keys"].clone()).unwrap();
    let per = meta["docs_per_chunk"].as_u64().unwrap();
    let Some(key) = keys.iter().filter(|k| word.starts_with(k.as_str())).max_by_key(|k| k.len())
    else {
        return Vec::new();
    };
    let hex: String = key.bytes().map(|b| format!("{b:02x}")).collect();
    let chunk: HashMap<String, Vec<u64>> =
        serde_json::from_str(&b.text(&format!("search/idx/w/{hex}.json"))).unwrap();
    let mut id = 0;
    let mut urls = Vec::new();
    for pair in chunk.get(word).map_or(&[][..], Vec::as_slice).chunks(2) {
        id += pair[0];
        let docs: serde_json::Value =
            serde_json::from_str(&b.text(&format!("search/idx/d/{}.json", id / per))).unwrap();
        urls.push(docs[(id % per) as usize][0].as_str().unwrap().to_string());
    }
    urls
}

#[test]
fn the_build_publishes_a_chunked_index_of_body_text_without_chrome() {
    let site = TestSite::empty();
    site.write("inkproof.yaml", "title: Search\nbase_url: https://s.example\n");
    site.write(
        "content/first.md",
        "---\ntitle: Router reset\ndate: 2024-01-02\n---\n\nHold the button for thirty seconds until the lights blink.\n\n## Steps\n\n```powershell\nGet-NetAdapter\n```\n",
    );
    site.write(
        "content/second.md",
        "---\ntitle: Printer queue\ndate: 2024-01-03\n---\n\nClear the spooler folder.\n",
    );
    let b = site.build();
    b.assert_clean();
    assert_eq!(search(&b, "thirty"), ["/first/"], "a body-only word is found");
    assert_eq!(search(&b, "spooler"), ["/second/"]);
    assert_eq!(search(&b, "netadapter"), ["/first/"], "code is text too");
    assert!(search(&b, "copy").is_empty(), "the copy button is not text");
    assert!(b.bytes("search.json").is_none(), "the whole-index file is gone");
    let page = b.page("search/index.html");
    assert_eq!(count(&page, "[data-search-open][data-search-chunked]"), 1);
}

#[test]
fn articles_list_up_to_three_related_guides_by_shared_terms() {
    let site = TestSite::empty();
    site.write("inkproof.yaml", "title: Related\nbase_url: https://r.example\n");
    let article = |slug: &str, day: u32, tags: &str, cats: &str| {
        site.write(
            &format!("content/{slug}.md"),
            &format!("---\ntitle: Guide {slug}\ndate: 2024-02-{day:02}\ntags: [{tags}]\ncategories: [{cats}]\n---\n\nText of {slug}.\n"),
        );
    };
    article("a", 10, "wifi, router", "network");
    article("b", 9, "wifi, router", "network"); // 3 shared with a
    article("c", 8, "wifi", "network"); // 2
    article("d", 20, "router", ""); // 1, far in date
    article("e", 11, "router", ""); // 1, near in date
    article("f", 12, "printer", "printing"); // none
    let b = site.build();
    b.assert_clean();
    let page = b.page("a/index.html");
    assert_eq!(attrs(&page, ".related a", "href"), ["/b/", "/c/", "/e/"]);
    assert_eq!(texts(&page, "#related-title"), ["Related guides"]);
    let lonely = b.page("f/index.html");
    assert_eq!(count(&lonely, ".related"), 0);
}

#[test]
fn a_rare_shared_tag_finds_its_related_guide_through_a_crowded_category() {
    // 200 guides in one category: related candidates come from a window of
    // each term's nearest guides in time, but the one guide far away that
    // also shares the rare tag must still win with its two shared terms.
    let site = TestSite::empty();
    site.write("inkproof.yaml", "title: Crowd\nbase_url: https://c.example\n");
    for n in 0..200u32 {
        let (tags, day) = match n {
            0 => ("[rare]", 0),
            199 => ("[rare]", 199),
            _ => ("[common]", n),
        };
        let date = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()
            + chrono::Duration::days(i64::from(day));
        site.write(
            &format!("content/g{n:03}.md"),
            &format!("---\ntitle: Guide {n}\ndate: {date}\ntags: {tags}\ncategories: [crowd]\n---\n\nText {n}.\n"),
        );
    }
    let b = site.build();
    b.assert_clean();
    let page = b.page("g000/index.html");
    let related = attrs(&page, ".related a", "href");
    assert_eq!(related.first().map(String::as_str), Some("/g199/"), "{related:?}");
    assert_eq!(related.len(), 3, "{related:?}");
}
