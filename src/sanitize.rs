//! `sanitize: true`: cleans article HTML with `ammonia` before it goes into a
//! page, for sites that publish articles from authors they don't fully trust.
//!
//! Raw HTML in Markdown is otherwise published as written (that is how ad
//! embeds and `<kbd>` get in), so a `<script>`, an `onclick=` or a
//! `javascript:` link would run on the site's origin. The sanitizer is an
//! allow-list: everything inkproof itself writes survives (snippet figures
//! with their copy button and download link, highlight spans, heading ids and
//! self-links, task-list checkboxes, lazy images with their size, footnotes,
//! table alignment), and everything else that can run code is removed.
//!
//! The one thing to know: this is a pure function of the article HTML; the
//! page templates around it are the site's own and are not touched.

use std::sync::LazyLock;

use ammonia::Builder;

/// Tags inkproof's Markdown, snippet and highlight output uses, beyond
/// ammonia's defaults (which already cover Markdown's own tags).
const EXTRA_TAGS: &[&str] = &["figure", "figcaption", "button", "input", "section"];

/// Attributes allowed on every element. `id` is needed for heading anchors
/// and the copy button's target; `hidden` keeps the copy button hidden until
/// the script shows it.
const GENERIC_ATTRIBUTES: &[&str] =
    &["class", "id", "title", "lang", "dir", "hidden", "aria-label", "aria-hidden"];

static CLEANER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut b = Builder::default();
    b.add_tags(EXTRA_TAGS)
        .add_generic_attributes(GENERIC_ATTRIBUTES)
        // `data-lang` on code blocks, `data-copy-target` on the copy button.
        .add_generic_attribute_prefixes(&["data-"])
        .add_tag_attributes("a", &["href", "download", "type", "rel", "hreflang"])
        .add_tag_attributes(
            "img",
            &["src", "alt", "width", "height", "loading", "decoding", "title"],
        )
        .add_tag_attributes("button", &["type"])
        .add_tag_attributes("input", &["type", "checked", "disabled"])
        .add_tag_attributes("time", &["datetime"])
        // A table's scroll box is a named region in the tab order.
        .add_tag_attributes("div", &["role", "tabindex"])
        .add_tag_attributes("th", &["style"])
        .add_tag_attributes("td", &["style"])
        // Links keep the `rel` the author or the theme gave them.
        .link_rel(None)
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            // Table alignment is the only inline style Markdown writes.
            (_, "style") => is_text_align(value).then_some(value.into()),
            // Only read-only checkboxes (task lists); no text fields or buttons.
            ("input", "type") => (value == "checkbox").then_some(value.into()),
            ("button", "type") => (value == "button").then_some(value.into()),
            // No focus order of the author's own, and no widget roles.
            ("div", "tabindex") => (value == "0").then_some(value.into()),
            ("div", "role") => (value == "region").then_some(value.into()),
            _ => Some(value.into()),
        });
    b
});

fn is_text_align(style: &str) -> bool {
    let style = style.trim().trim_end_matches(';').trim();
    matches!(style.strip_prefix("text-align:").map(str::trim), Some("left" | "center" | "right"))
}

/// Article HTML with scripts, event handlers, frames, forms and unsafe URL
/// schemes (`javascript:`, `data:`, `vbscript:`) removed.
pub fn clean(html: &str) -> String {
    CLEANER.clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::{Html, Node};

    /// Every element with its sorted attributes, and every non-blank text, in
    /// document order: two fragments with the same signature look and work
    /// the same, whatever quoting or self-closing syntax each serialiser used.
    fn signature(html: &str) -> Vec<String> {
        let doc = Html::parse_fragment(html);
        let mut out = Vec::new();
        for node in doc.tree.root().descendants() {
            match node.value() {
                Node::Element(e) => {
                    let mut attrs: Vec<String> =
                        e.attrs().map(|(k, v)| format!("{k}={v:?}")).collect();
                    attrs.sort();
                    out.push(format!("<{} {}>", e.name(), attrs.join(" ")));
                }
                Node::Text(t) if !t.trim().is_empty() => out.push(t.to_string()),
                _ => {}
            }
        }
        out
    }

    fn count(html: &str, selector: &str) -> usize {
        Html::parse_fragment(html).select(&scraper::Selector::parse(selector).unwrap()).count()
    }

    /// The repo's own demo guide, built in memory: real snippet figures,
    /// highlighting, task lists, images, footnotes and tables.
    fn demo_articles() -> Vec<(String, String)> {
        let opts = crate::BuildOptions {
            root: env!("CARGO_MANIFEST_DIR").into(),
            ..crate::BuildOptions::default()
        };
        let (_, build) = crate::pipeline::build(&opts).expect("demo builds");
        assert!(!build.has_errors(), "{:?}", build.diagnostics);
        build.articles.into_iter().map(|a| (a.source.display().to_string(), a.html)).collect()
    }

    #[test]
    fn the_demo_guide_loses_nothing() {
        let articles = demo_articles();
        assert!(articles.len() >= 3);
        let all: String = articles.iter().map(|(_, html)| html.as_str()).collect();
        // The demo really has the markup this test is about.
        for selector in [
            "figure.snippet > figcaption.snippet-head",
            "button.copy-button[data-copy-target][hidden]",
            "a.snippet-download[download][href][type]",
            "pre.code[data-lang] > code[id]",
            "span[class^=hl-]",
            "h2[id] > a.heading-link[href^='#']",
            "input[type=checkbox][disabled]",
            "img[loading=lazy]",
            "div.table-scroll[role=region][tabindex='0'][aria-label] > table",
        ] {
            assert!(count(&all, selector) > 0, "the demo has no `{selector}`");
        }
        for (source, html) in &articles {
            let cleaned = clean(html);
            assert_eq!(signature(&cleaned), signature(html), "{source} changed when sanitized");
        }
    }

    #[test]
    fn code_running_markup_is_removed() {
        let html = concat!(
            "<p onclick=\"steal()\">Hi <a href=\"javascript:alert(1)\">x</a>",
            "<a href=\"JaVaScRiPt:alert(1)\">y</a><a href=\"vbscript:msgbox\">z</a></p>",
            "<script>alert(1)</script><iframe src=\"https://evil.example/\"></iframe>",
            "<img src=\"x.png\" width=\"640\" height=\"360\" loading=\"lazy\" onerror=\"alert(1)\"><a href=\"data:text/html,<script>1</script>\">d</a>",
            "<svg><script>alert(1)</script></svg><style>body{display:none}</style>",
            "<form action=\"/x\"><input type=\"text\" name=\"q\"></form>",
            "<td style=\"background:url(javascript:alert(1))\">c</td>",
            "<button type=\"submit\" onclick=\"x()\">b</button>",
        );
        let out = clean(html);
        for bad in [
            "onclick",
            "onerror",
            "javascript",
            "vbscript",
            "data:",
            "<script",
            "<iframe",
            "<style",
            "<form",
            "alert",
            "background",
            "submit",
        ] {
            assert!(!out.to_ascii_lowercase().contains(bad), "`{bad}` survived: {out}");
        }
        // What was harmless stays.
        assert!(
            out.contains("<img src=\"x.png\" width=\"640\" height=\"360\" loading=\"lazy\">"),
            "{out}"
        );
        assert_eq!(count(&out, "a"), 4);
        assert_eq!(count(&out, "input[type]"), 0);
    }

    #[test]
    fn table_alignment_survives() {
        let out = clean("<table><tr><td style=\"text-align: center\">c</td></tr></table>");
        assert!(out.contains("style=\"text-align: center\""), "{out}");
    }
}
