//! Feeds (Atom 1.0, JSON Feed 1.1), as pure functions of
//! what the render stage already knows. The engine calls them once for the
//! site and once per tag or category (issue 8: per-term feeds).
//!
//! What a reader of this module must know:
//! 1. Feed readers show an entry outside the site, so every URL inside entry
//!    content is made absolute against the entry's permalink ([`feed_html`]).
//! 2. Buttons, `#` heading links and snippet headers only work on the page
//!    with its script; they are cut from the feed copy of the article.
//! 3. Dates arrive as RFC 3339 strings, so this module does not depend on how
//!    the model stores them.

use std::fmt::Write as _;

use lol_html::{doc_comments, element, rewrite_str, RewriteStrSettings};
use serde_json::{json, Value};

/// The feed as a whole. URLs are absolute.
#[derive(Debug, Clone, Default)]
pub struct FeedMeta<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub language: &'a str,
    pub author: Option<&'a str>,
    /// The HTML page the feed belongs to (the home page, or a tag page).
    pub home_url: &'a str,
    /// Where this feed itself is published.
    pub feed_url: &'a str,
}

/// One article in a feed. `html` is the article body as it appears on the
/// page; [`atom`] and [`json_feed`] pass it through [`feed_html`]. An empty
/// `html` makes a summary-only entry (Atom without `<content>`, JSON Feed with
/// the summary as `content_text`): per-term feeds are made that way, since
/// full copies of every body in every tag's feed would outweigh the site.
#[derive(Debug, Clone, Default)]
pub struct FeedItem<'a> {
    pub title: &'a str,
    /// Absolute URL of the article page; also the entry id.
    pub permalink: &'a str,
    pub summary: &'a str,
    pub html: &'a str,
    /// RFC 3339.
    pub published: Option<&'a str>,
    /// RFC 3339; `None` means "same as published".
    pub updated: Option<&'a str>,
    pub tags: &'a [String],
    /// Absolute URL of the article's image.
    pub image: Option<&'a str>,
}

/// The most tags a summary-only entry lists. Summary entries make up the term
/// feeds, and an article is in the feed of each of its terms: with every tag
/// in every entry, one article with 10,000 tags wrote 10,000 feeds of 10,000
/// categories each (3.8 GB, issue 21). Capped, the output grows with articles
/// plus terms. Matches the chips on a card, which are what a change to an
/// article's card key covers.
pub const SUMMARY_TAGS: usize = 8;

/// The tags an entry lists: all of them with the full article, the first
/// [`SUMMARY_TAGS`] in a summary.
fn entry_tags<'a>(item: &FeedItem<'a>) -> &'a [String] {
    if item.html.is_empty() {
        &item.tags[..item.tags.len().min(SUMMARY_TAGS)]
    } else {
        item.tags
    }
}

/// Atom 1.0. `updated` of the feed is the newest entry's.
pub fn atom(meta: &FeedMeta<'_>, items: &[FeedItem<'_>]) -> String {
    let e = xml_escape;
    let newest = items
        .iter()
        .filter_map(|i| i.updated.or(i.published))
        .max()
        .unwrap_or("1970-01-01T00:00:00Z");
    let mut x =
        String::with_capacity(4096 + items.iter().map(|i| i.html.len() * 5 / 4).sum::<usize>());
    let _ = write!(
        x,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{lang}\">\n<title>{title}</title>\n<subtitle>{sub}</subtitle>\n<link rel=\"self\" type=\"application/atom+xml\" href=\"{feed}\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"{home}\"/>\n<id>{feed}</id>\n<updated>{newest}</updated>\n<generator>inkproof</generator>\n",
        lang = e(meta.language),
        title = e(meta.title),
        sub = e(meta.description),
        feed = e(meta.feed_url),
        home = e(meta.home_url),
        newest = e(newest),
    );
    if let Some(author) = meta.author {
        let _ = writeln!(x, "<author><name>{}</name></author>", e(author));
    }
    for item in items {
        let link = e(item.permalink);
        let published = item.published.unwrap_or(newest);
        let updated = item.updated.unwrap_or(published);
        let _ = write!(
            x,
            "<entry>\n<title>{}</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"{link}\"/>\n<id>{link}</id>\n<published>{}</published>\n<updated>{}</updated>\n<summary>{}</summary>\n",
            e(item.title),
            e(published),
            e(updated),
            e(item.summary),
        );
        for t in entry_tags(item) {
            let _ = writeln!(x, "<category term=\"{}\"/>", e(t));
        }
        if !item.html.is_empty() {
            let _ = writeln!(
                x,
                "<content type=\"html\" xml:base=\"{link}\">{}</content>",
                e(&feed_html(item.html, item.permalink))
            );
        }
        x.push_str("</entry>\n");
    }
    x.push_str("</feed>\n");
    x
}

/// JSON Feed 1.1 (<https://www.jsonfeed.org/version/1.1/>).
pub fn json_feed(meta: &FeedMeta<'_>, items: &[FeedItem<'_>]) -> String {
    let items: Vec<Value> = items
        .iter()
        .map(|i| {
            let mut v = json!({
                "id": i.permalink,
                "url": i.permalink,
                "title": i.title,
                "summary": i.summary,
            });
            if i.html.is_empty() {
                v["content_text"] = json!(i.summary);
            } else {
                v["content_html"] = json!(feed_html(i.html, i.permalink));
            }
            if let Some(p) = i.published {
                v["date_published"] = json!(p);
            }
            if let Some(u) = i.updated.or(i.published) {
                v["date_modified"] = json!(u);
            }
            if !i.tags.is_empty() {
                v["tags"] = json!(entry_tags(i));
            }
            if let Some(img) = i.image {
                v["image"] = json!(img);
            }
            v
        })
        .collect();
    let mut feed = json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": meta.title,
        "home_page_url": meta.home_url,
        "feed_url": meta.feed_url,
        "language": meta.language,
        "items": items,
    });
    if !meta.description.is_empty() {
        feed["description"] = json!(meta.description);
    }
    if let Some(a) = meta.author {
        feed["authors"] = json!([{ "name": a }]);
    }
    feed.to_string()
}

/// The article body as a feed reader should get it: UI chrome cut, comments
/// dropped, and every `href`, `src`, `srcset` and `poster` made absolute
/// against `permalink`. HTML that lol_html cannot parse is returned as is.
pub fn feed_html(html: &str, permalink: &str) -> String {
    let abs = |v: &str| absolute_url(permalink, v);
    let settings = RewriteStrSettings {
        element_content_handlers: vec![
            element!(
                ".heading-link, .copy-button, .snippet-head, button, script, template",
                |el| {
                    el.remove();
                    Ok(())
                }
            ),
            // Token colours need the site's stylesheet, which readers don't
            // load: the spans would only add weight (most of a code-heavy entry).
            element!("span[class^='hl-'], span[class*=' hl-']", |el| {
                el.remove_and_keep_content();
                Ok(())
            }),
            element!("[href], [src], [poster]", |el| {
                for attr in ["href", "src", "poster"] {
                    if let Some(v) = el.get_attribute(attr) {
                        el.set_attribute(attr, &abs(&v))?;
                    }
                }
                Ok(())
            }),
            element!("[srcset]", |el| {
                if let Some(v) = el.get_attribute("srcset") {
                    let set: Vec<String> = v
                        .split(',')
                        .map(|c| {
                            let c = c.trim();
                            match c.split_once(char::is_whitespace) {
                                Some((u, d)) => format!("{} {}", abs(u), d.trim()),
                                None => abs(c),
                            }
                        })
                        .collect();
                    el.set_attribute("srcset", &set.join(", "))?;
                }
                Ok(())
            }),
            // Lazy loading means nothing in a reader, and some readers hide
            // lazy images until a script runs.
            element!("img[loading]", |el| {
                el.remove_attribute("loading");
                Ok(())
            }),
        ],
        document_content_handlers: vec![doc_comments!(|c| {
            c.remove();
            Ok(())
        })],
        ..RewriteStrSettings::new()
    };
    match rewrite_str(html, settings) {
        Ok(out) => out,
        Err(_) => html.to_string(),
    }
    .trim()
    .to_string()
}

/// `href` resolved against the absolute page URL `base` (RFC 3986 §5.2,
/// enough of it for links authors write: scheme-relative, absolute-path,
/// relative with `.`/`..`, query- and fragment-only).
pub fn absolute_url(base: &str, href: &str) -> String {
    let href = href.trim();
    let has_scheme = href.split_once(':').is_some_and(|(s, _)| {
        !s.is_empty()
            && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            && s.starts_with(|c: char| c.is_ascii_alphabetic())
    });
    if has_scheme {
        return href.to_string();
    }
    let (scheme, rest) = base.split_once("://").unwrap_or(("https", base));
    if let Some(r) = href.strip_prefix("//") {
        return format!("{scheme}://{r}");
    }
    let host_end = rest.find('/').unwrap_or(rest.len());
    let origin = format!("{scheme}://{}", &rest[..host_end]);
    let base_path = &rest[host_end..];
    let base_path = base_path.split(['?', '#']).next().unwrap_or("");
    if href.is_empty() {
        return base.to_string();
    }
    if href.starts_with('#') || href.starts_with('?') {
        let page = base.split('#').next().unwrap_or(base);
        let page =
            if href.starts_with('?') { page.split('?').next().unwrap_or(page) } else { page };
        return format!("{page}{href}");
    }
    let (path, tail) = match href.find(['?', '#']) {
        Some(i) => (&href[..i], &href[i..]),
        None => (href, ""),
    };
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        let dir = &base_path[..base_path.rfind('/').map_or(0, |i| i + 1)];
        format!("{}{path}", if dir.is_empty() { "/" } else { dir })
    };
    // Remove dot segments.
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = joined.split('/').collect();
    for (i, seg) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *seg {
            "." => {
                if last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let mut path = out.join("/");
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    format!("{origin}{path}{tail}")
}

/// Where a term's feeds go, relative to the output root: next to its page.
pub fn term_feed_paths(kind: &str, slug: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::path::Path::new(kind).join(slug);
    (dir.join("atom.xml"), dir.join("feed.json"))
}

fn xml_escape(s: &str) -> String {
    crate::escape::escape_attr(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::{Html, Selector};

    const PAGE: &str = "https://guides.example.org/docs/link-key/";

    fn body() -> String {
        [
            "<h2 id=\"step\">Step <a class=\"heading-link\" href=\"#step\" aria-label=\"Link to this section\">#</a></h2>",
            "<!--inkproof:L3--><p><img src=\"shot.svg\" alt=\"Settings\" width=\"800\" height=\"450\" loading=\"lazy\"> see <a href=\"../other/#x\">other</a>, <a href=\"/docs/tags/\">tags</a>, <a href=\"#step\">up</a>, <a href=\"https://microsoft.com/\">ms</a> and <a href=\"mailto:a@b.c\">mail</a>.</p>",
            "<figure class=\"snippet\"><figcaption class=\"snippet-head\"><span class=\"snippet-title\">Check</span><button class=\"copy-button\">Copy</button><a class=\"snippet-download\" href=\"check.ps1\">Download</a></figcaption><pre class=\"code\"><code>Get-Thing</code></pre></figure>",
        ]
        .concat()
    }

    fn item<'a>(html: &'a str, tags: &'a [String]) -> FeedItem<'a> {
        FeedItem {
            title: "Link <your> key",
            permalink: PAGE,
            summary: "Why & how",
            html,
            published: Some("2024-08-22T21:32:44Z"),
            updated: None,
            tags,
            image: Some("https://guides.example.org/docs/link-key/thumbnail.png"),
        }
    }

    fn meta() -> FeedMeta<'static> {
        FeedMeta {
            title: "Guides",
            description: "How-tos",
            language: "en",
            author: Some("Ann"),
            home_url: "https://guides.example.org/docs/",
            feed_url: "https://guides.example.org/docs/atom.xml",
        }
    }

    #[test]
    fn absolute_urls_resolve_like_a_browser() {
        for (href, want) in [
            ("shot.svg", "https://guides.example.org/docs/link-key/shot.svg"),
            ("./a/b.png?x=1#y", "https://guides.example.org/docs/link-key/a/b.png?x=1#y"),
            ("../other/#x", "https://guides.example.org/docs/other/#x"),
            ("../../../../up", "https://guides.example.org/up"),
            ("/docs/tags/", "https://guides.example.org/docs/tags/"),
            ("#step", "https://guides.example.org/docs/link-key/#step"),
            ("//cdn.example.net/x.png", "https://cdn.example.net/x.png"),
            ("https://microsoft.com/", "https://microsoft.com/"),
            ("mailto:a@b.c", "mailto:a@b.c"),
            ("..", "https://guides.example.org/docs/"),
        ] {
            assert_eq!(absolute_url(PAGE, href), want, "{href}");
        }
    }

    #[test]
    fn feed_html_has_absolute_urls_and_no_chrome() {
        let html = feed_html(&body(), PAGE);
        let doc = Html::parse_fragment(&html);
        let sel = |s: &str| Selector::parse(s).unwrap();
        assert_eq!(doc.select(&sel(".heading-link, button, .snippet-head")).count(), 0, "{html}");
        assert!(!html.contains("<!--"), "comments dropped: {html}");
        let img = doc.select(&sel("img")).next().unwrap().value();
        assert_eq!(img.attr("src"), Some("https://guides.example.org/docs/link-key/shot.svg"));
        assert_eq!(img.attr("loading"), None);
        assert_eq!(img.attr("width"), Some("800"));
        let hrefs: Vec<&str> =
            doc.select(&sel("a")).filter_map(|a| a.value().attr("href")).collect();
        assert_eq!(
            hrefs,
            [
                "https://guides.example.org/docs/other/#x",
                "https://guides.example.org/docs/tags/",
                "https://guides.example.org/docs/link-key/#step",
                "https://microsoft.com/",
                "mailto:a@b.c"
            ]
        );
        assert!(doc.select(&sel("pre code")).next().is_some(), "the code itself stays");
        assert!(html.starts_with("<h2 id=\"step\">Step"), "{html}");
    }

    #[test]
    fn atom_entries_are_escaped_and_carry_clean_content() {
        let tags = vec!["windows 11".to_string(), "a&b".to_string()];
        let body = body();
        let xml = atom(&meta(), &[item(&body, &tags)]);
        assert!(xml.contains("<title>Link &lt;your&gt; key</title>"));
        assert!(xml.contains("<updated>2024-08-22T21:32:44Z</updated>"));
        assert!(xml.contains("<category term=\"a&amp;b\"/>"));
        assert!(xml.contains("<link rel=\"self\" type=\"application/atom+xml\" href=\"https://guides.example.org/docs/atom.xml\"/>"));
        // The content is escaped HTML: unescaping it gives the feed HTML.
        let start = xml.find("<content type=\"html\"").unwrap();
        let start = start + xml[start..].find('>').unwrap() + 1;
        let end = xml.find("</content>").unwrap();
        let content = crate::text::decode_text(&xml[start..end]);
        assert_eq!(content, feed_html(&body, PAGE));
        assert!(!content.contains("src=\"shot.svg\""));
    }

    #[test]
    fn json_feed_is_version_1_1_with_absolute_content() {
        let tags = vec!["windows".to_string()];
        let body = body();
        let v: Value = serde_json::from_str(&json_feed(&meta(), &[item(&body, &tags)])).unwrap();
        assert_eq!(v["version"], "https://jsonfeed.org/version/1.1");
        assert_eq!(v["feed_url"], "https://guides.example.org/docs/atom.xml");
        assert_eq!(v["authors"][0]["name"], "Ann");
        let it = &v["items"][0];
        assert_eq!(it["id"], PAGE);
        assert_eq!(it["title"], "Link <your> key");
        assert_eq!(it["date_published"], "2024-08-22T21:32:44Z");
        assert_eq!(it["date_modified"], "2024-08-22T21:32:44Z");
        assert_eq!(it["tags"][0], "windows");
        let content = it["content_html"].as_str().unwrap();
        assert!(content.contains("src=\"https://guides.example.org/docs/link-key/shot.svg\""));
        assert!(!content.contains("copy-button") && !content.contains("heading-link"));
    }

    #[test]
    fn highlight_spans_go_and_their_text_stays() {
        let html = "<pre class=\"code\"><code><span class=\"hl-source\"><span class=\"hl-keyword hl-x\">Get</span>-Item</span> <span class=\"note\">n</span></code></pre>";
        assert_eq!(
            feed_html(html, PAGE),
            "<pre class=\"code\"><code>Get-Item <span class=\"note\">n</span></code></pre>"
        );
    }

    #[test]
    fn summary_entries_list_a_bounded_number_of_tags() {
        let tags: Vec<String> = (0..100).map(|i| format!("tag{i}")).collect();
        let body = body();
        let full = atom(&meta(), &[item(&body, &tags)]);
        assert_eq!(full.matches("<category ").count(), 100, "the full entry keeps them all");
        let xml = atom(&meta(), &[item("", &tags)]);
        assert_eq!(xml.matches("<category ").count(), SUMMARY_TAGS);
        assert!(xml.contains("<category term=\"tag0\"/>"), "the first tags are kept");
        let v: Value = serde_json::from_str(&json_feed(&meta(), &[item("", &tags)])).unwrap();
        assert_eq!(v["items"][0]["tags"].as_array().unwrap().len(), SUMMARY_TAGS);
        let v: Value = serde_json::from_str(&json_feed(&meta(), &[item(&body, &tags)])).unwrap();
        assert_eq!(v["items"][0]["tags"].as_array().unwrap().len(), 100);
    }

    #[test]
    fn entries_without_html_are_summaries() {
        let xml = atom(&meta(), &[item("", &[])]);
        assert!(!xml.contains("<content") && xml.contains("<summary>Why &amp; how</summary>"));
        let v: Value = serde_json::from_str(&json_feed(&meta(), &[item("", &[])])).unwrap();
        assert_eq!(v["items"][0]["content_text"], "Why & how");
        assert!(v["items"][0].get("content_html").is_none());
    }

    #[test]
    fn term_feeds_sit_next_to_the_term_page() {
        let (a, j) = term_feed_paths("tags", "windows-11");
        assert_eq!(a, std::path::Path::new("tags/windows-11/atom.xml"));
        assert_eq!(j, std::path::Path::new("tags/windows-11/feed.json"));
    }
}
