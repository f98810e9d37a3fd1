//! Pass 2: removes ad elements (and the line sentinels) from the rendered HTML with lol_html.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use lol_html::html_content::{Comment, ContentType, Element, TextChunk};
use lol_html::{
    rewrite_str, DocumentContentHandlers, ElementContentHandlers, RewriteStrSettings, Selector,
};

use super::affiliate::{self, Found, Page, CLOSE_MARK, OPEN_MARK};
use super::cleanup::{remove_empty_paragraphs, remove_sentinel_text, P_MARK};
use super::prefilter::{could_match, has};
use super::rules::{matching_host, AffiliateLinks, StripRules};
use crate::marks::LINE_SENTINEL;
use crate::model::{Stripped, StrippedKind};

/// Text of a sentinel comment after `<!--`.
const SENTINEL_TEXT: &str = "inkproof:L";

/// Removes ad elements from rendered article HTML, and the line sentinels.
///
/// Each removed element is reported once, with the line of the last sentinel
/// before it (0 when there was none, i.e. the element came from Markdown
/// itself); elements inside a removed element are not reported again. What is
/// removed:
/// - elements matching [`StripRules::selectors`] (reported by selector text);
/// - `<script src>` from [`StripRules::ad_script_hosts`] (`ad script (host)`);
/// - `<script>` whose text contains a [`StripRules::script_patterns`] entry
///   (`inline ad script`);
/// - invisible images when [`StripRules::tracking_pixels`] is on (`tracking pixel`);
/// - with `affiliate_links: unwrap`, the tags of links into
///   [`StripRules::affiliate_hosts`]: the text stays, or the link points at
///   the one heading of `page` its text names (see [`affiliate`]).
///
/// Afterwards every attribute-less `<p>` holding only whitespace is removed.
/// Markdown never writes one, so in practice these are the paragraphs that
/// held nothing but an ad, plus any an author wrote by hand as spacers.
///
/// An ad element left unclosed loses only its start tag, so it cannot swallow
/// the rest of the article or a parent's end tag (an unclosed `<script>` is
/// removed whole: the browser hid what followed it too).
///
/// Returns a copy of `html` without running lol_html when it has no sentinel
/// (so no raw HTML) and nothing any rule could match. If lol_html fails, the
/// HTML is returned with only the sentinels removed.
pub fn strip_elements(html: &str, rules: &StripRules, page: Page<'_>) -> (String, Vec<Stripped>) {
    if !has(html, LINE_SENTINEL) && !could_match(html, rules) {
        return (html.to_string(), Vec::new());
    }
    let (html, mut found, links) = strip_passes(html, rules);
    if links.is_empty() {
        return (html, found);
    }
    let (html, unwrapped) = affiliate::resolve(&html, links, rules, page);
    found.extend(unwrapped);
    (html, found)
}

/// The lol_html passes of [`strip_elements`], with the affiliate links found
/// in the last one (their marks still in the HTML).
fn strip_passes(html: &str, rules: &StripRules) -> (String, Vec<Stripped>, Vec<Found>) {
    // lol_html decides about an element at its start tag, before a script's
    // text is known, so a pass that finds inline ad scripts is followed by one
    // that removes them (by byte offset; the input is the same). Likewise an
    // ad element whose end tag never comes (or whose parent's end tag closes
    // it) would take the rest of the article, or that end tag, with it: the
    // next pass removes only its start tag. Each pass can expose elements that
    // were inside, hence the loop; it is bounded so a pathological page costs
    // a few passes, not many. Most articles need one.
    let mut plan = Plan::default();
    let mut last = None;
    for _ in 0..8 {
        let Ok(pass) = element_pass(html, rules, &plan) else { break };
        let new_scripts: Vec<usize> =
            pass.ad_scripts.iter().copied().filter(|s| !plan.inline_ads.contains(s)).collect();
        if pass.unbalanced.is_empty() && new_scripts.is_empty() {
            return (pass.html, pass.found, pass.links);
        }
        plan.inline_ads.extend(new_scripts);
        plan.keep_content.extend(pass.unbalanced.iter().copied());
        last = Some(pass);
    }
    // Out of passes (or lol_html failed): the best result so far, else the
    // input without its sentinels.
    match last {
        Some(pass) => (pass.html, pass.found, pass.links),
        None => (remove_sentinel_text(html), Vec::new(), Vec::new()),
    }
}

/// What earlier passes of [`strip_elements`] learned, by element start offset.
#[derive(Default)]
struct Plan {
    /// Inline `<script>`s whose text matched a pattern.
    inline_ads: Vec<usize>,
    /// Ad elements to remove without their content (never closed).
    keep_content: Vec<usize>,
}

struct Pass {
    html: String,
    found: Vec<Stripped>,
    /// Kept scripts whose text matched a pattern.
    ad_scripts: Vec<usize>,
    /// Removed elements whose own end tag was not seen.
    unbalanced: Vec<usize>,
    /// Affiliate links unwrapped, by mark number.
    links: Vec<Found>,
}

/// One lol_html run of [`strip_elements`].
fn element_pass(
    html: &str,
    rules: &StripRules,
    plan: &Plan,
) -> Result<Pass, lol_html::errors::RewritingError> {
    let state = State { keep_content: &plan.keep_content, ..State::default() };
    let state = &state;
    let patterns: Vec<&str> =
        rules.script_patterns.iter().map(String::as_str).filter(|p| !p.is_empty()).collect();
    let patterns = &patterns;
    // The script being read: (start offset, text so far), unless removed.
    let script: RefCell<Option<(usize, String)>> = RefCell::new(None);
    let script = &script;
    let ad_scripts = RefCell::new(Vec::new());
    let ad_scripts = &ad_scripts;

    // The affiliate link being read (its mark number), if the current `<a>` is one.
    let current: Cell<Option<usize>> = Cell::new(None);
    let current = &current;
    let links: RefCell<Vec<Found>> = RefCell::new(Vec::new());
    let links = &links;

    let mut handlers = Vec::new();
    for sel in &rules.selectors {
        let Ok(parsed) = sel.parse::<Selector>() else { continue };
        handlers.push((
            Cow::Owned(parsed),
            ElementContentHandlers::default().element(move |el: &mut Element<'_, '_>| {
                state.remove(el, sel);
                Ok(())
            }),
        ));
    }
    if !rules.ad_script_hosts.is_empty() || !patterns.is_empty() {
        let mut handler =
            ElementContentHandlers::default().element(move |el: &mut Element<'_, '_>| {
                let start = el.source_location().bytes().start;
                if plan.inline_ads.contains(&start) {
                    state.remove(el, "inline ad script");
                } else if let Some(src) = el.get_attribute("src") {
                    if let Some(host) = matching_host(&src, &rules.ad_script_hosts) {
                        state.remove(el, &format!("ad script ({host})"));
                    }
                }
                *script.borrow_mut() = (!el.removed()).then(|| (start, String::new()));
                Ok(())
            });
        if !patterns.is_empty() {
            handler = handler.text(move |t: &mut TextChunk<'_>| {
                let mut current = script.borrow_mut();
                if let Some((start, text)) = current.as_mut() {
                    text.push_str(t.as_str());
                    if t.last_in_text_node() {
                        if patterns.iter().any(|p| text.contains(p)) {
                            ad_scripts.borrow_mut().push(*start);
                        }
                        *current = None;
                    }
                }
                Ok(())
            });
        }
        handlers.push((Cow::Owned(parse_selector("script")), handler));
    }
    if rules.tracking_pixels {
        handlers.push((
            Cow::Owned(parse_selector("img")),
            ElementContentHandlers::default().element(move |el: &mut Element<'_, '_>| {
                if is_tracking_pixel(el) {
                    state.remove(el, "tracking pixel");
                }
                Ok(())
            }),
        ));
    }
    if rules.affiliate_links == AffiliateLinks::Unwrap && !rules.affiliate_hosts.is_empty() {
        handlers.push((
            Cow::Owned(parse_selector("a[href]")),
            affiliate_handler(rules, state, current, links),
        ));
    }
    handlers.push((
        Cow::Owned(parse_selector("p")),
        ElementContentHandlers::default().element(move |el: &mut Element<'_, '_>| {
            if el.attributes().is_empty() && !el.removed() {
                el.before(P_MARK, ContentType::Html);
                state.marked_p.set(true);
            }
            Ok(())
        }),
    ));

    let settings = RewriteStrSettings {
        element_content_handlers: handlers,
        document_content_handlers: vec![DocumentContentHandlers::default().comments(
            |c: &mut Comment<'_>| {
                if let Some(line) = c.text().strip_prefix(SENTINEL_TEXT) {
                    if let Ok(line) = line.parse::<usize>() {
                        state.line.set(line);
                    }
                    c.remove();
                }
                Ok(())
            },
        )],
        ..RewriteStrSettings::new()
    };
    let mut out = rewrite_str(html, settings)?;
    if state.marked_p.get() {
        out = remove_empty_paragraphs(&out);
    }
    if has(&out, LINE_SENTINEL) {
        // A sentinel lol_html saw as text (inside a <script> or <textarea>).
        out = remove_sentinel_text(&out);
    }
    let closed = state.closed.take();
    let unbalanced = state.open.take().into_iter().filter(|o| !closed.contains(o)).collect();
    Ok(Pass {
        html: out,
        found: state.found.take(),
        ad_scripts: ad_scripts.take(),
        unbalanced,
        links: links.take(),
    })
}

/// Unwrap: marks each affiliate link and drops its tags, keeping its words
/// for [`super::affiliate`] to decide on once the whole text is known.
fn affiliate_handler<'h>(
    rules: &'h StripRules,
    state: &'h State<'h>,
    current: &'h Cell<Option<usize>>,
    links: &'h RefCell<Vec<Found>>,
) -> ElementContentHandlers<'h> {
    ElementContentHandlers::default()
        .element(move |el: &mut Element<'_, '_>| {
            current.set(None);
            // Inside a removed ad, the link went with it.
            if el.removed() {
                return Ok(());
            }
            let href = el.get_attribute("href").unwrap_or_default();
            let href = crate::text::decode_attribute(&href);
            let Some(host) = rules.affiliate_host(&href) else { return Ok(()) };
            let mut links = links.borrow_mut();
            let n = links.len();
            links.push(Found {
                host: host.to_string(),
                href,
                text: String::new(),
                line: state.line.get(),
            });
            el.before(&format!("{OPEN_MARK}{n}-->"), ContentType::Html);
            el.after(&format!("{CLOSE_MARK}{n}-->"), ContentType::Html);
            el.remove_and_keep_content();
            current.set(Some(n));
            Ok(())
        })
        .text(move |t: &mut TextChunk<'_>| {
            if let Some(n) = current.get() {
                if let Some(f) = links.borrow_mut().get_mut(n) {
                    f.text.push_str(t.as_str());
                }
            }
            Ok(())
        })
}

/// What the element handlers share while one fragment is rewritten.
#[derive(Default)]
struct State<'k> {
    /// Line of the last sentinel seen.
    line: Cell<usize>,
    found: RefCell<Vec<Stripped>>,
    marked_p: Cell<bool>,
    /// Start offsets of elements removed with their content...
    open: RefCell<Vec<usize>>,
    /// ...and of those whose own end tag then came. Shared with end-tag
    /// handlers, which lol_html wants `'static`.
    closed: Rc<RefCell<Vec<usize>>>,
    /// Start offsets of elements to remove without their content.
    keep_content: &'k [usize],
}

impl State<'_> {
    fn remove(&self, el: &mut Element<'_, '_>, what: &str) {
        // lol_html still runs handlers inside removed content but marks those
        // start tags removed, so this also skips everything inside an ad we
        // already took (and an element a second rule matches): one report each.
        if el.removed() {
            return;
        }
        let start = el.source_location().bytes().start;
        self.found.borrow_mut().push(Stripped {
            kind: StrippedKind::Element,
            what: what.to_string(),
            line: self.line.get(),
        });
        if self.keep_content.contains(&start) {
            el.start_tag().remove();
            return;
        }
        el.remove();
        let name = el.tag_name();
        // Raw text (an unclosed script) hid the rest of the page in the
        // browser too; showing it as text would be worse.
        if !el.can_have_content() || matches!(name.as_str(), "script" | "style") {
            return;
        }
        let closed = Rc::clone(&self.closed);
        let handler: lol_html::EndTagHandler<'static> = Box::new(move |end| {
            if end.name().eq_ignore_ascii_case(&name) {
                closed.borrow_mut().push(start);
            }
            Ok(())
        });
        if el.on_end_tag(handler).is_ok() {
            self.open.borrow_mut().push(start);
        }
    }
}

/// Only for the fixed selectors above, which are known to parse.
fn parse_selector(s: &str) -> Selector {
    s.parse().unwrap_or_else(|e| unreachable!("built-in selector `{s}`: {e}"))
}

/// An image nobody can see: zero-sized, 1×1, or hidden by its inline style.
fn is_tracking_pixel(el: &Element<'_, '_>) -> bool {
    let attr = |name: &str| el.get_attribute(name).and_then(|v| css_length(&v));
    let style = el.get_attribute("style").unwrap_or_default();
    let mut width = attr("width");
    let mut height = attr("height");
    for decl in style.split(';') {
        let Some((prop, value)) = decl.split_once(':') else { continue };
        let prop = prop.trim().to_ascii_lowercase();
        let value = value.trim().trim_end_matches("!important").trim().to_ascii_lowercase();
        match prop.as_str() {
            "display" if value == "none" => return true,
            "visibility" if value == "hidden" => return true,
            "width" => width = css_length(&value).or(width),
            "height" => height = css_length(&value).or(height),
            _ => {}
        }
    }
    matches!(width, Some(w) if w == 0.0)
        || matches!(height, Some(h) if h == 0.0)
        || matches!((width, height), (Some(w), Some(h)) if w <= 1.0 && h <= 1.0)
}

/// A pixel length from `0`, `1px`, ` 1 `; `None` for percentages and the rest.
fn css_length(v: &str) -> Option<f64> {
    let v = v.trim();
    let v = v.strip_suffix("px").or_else(|| v.strip_suffix("PX")).unwrap_or(v).trim();
    v.parse::<f64>().ok().filter(|n| n.is_finite() && *n >= 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elements(html: &str) -> (String, Vec<(String, usize)>) {
        let (out, found) = strip_elements(html, &StripRules::default(), Page::default());
        for s in &found {
            assert_eq!(s.kind, StrippedKind::Element);
        }
        (out, found.into_iter().map(|s| (s.what, s.line)).collect())
    }

    #[test]
    fn adsense_slot_is_removed_with_its_line_and_the_sentinels_go() {
        let html = "<h2 id=\"a\">A</h2>\n<!--inkproof:L12--><ins class=\"adsbygoogle\" style=\"display:block\" data-ad-slot=\"1\"></ins>\n<p>After <!--inkproof:L14--><b>bold</b></p>\n";
        let (out, found) = elements(html);
        assert_eq!(out, "<h2 id=\"a\">A</h2>\n\n<p>After <b>bold</b></p>\n");
        assert_eq!(found, vec![("ins.adsbygoogle".to_string(), 12)]);
    }

    #[test]
    fn ad_network_scripts_are_removed_and_others_kept() {
        let html = concat!(
            "<!--inkproof:L3--><script async src=\"https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js?client=ca-pub-1\" crossorigin=\"anonymous\"></script>\n",
            "<!--inkproof:L5--><script src=\"//contextual.media.net/dmedianet.js?cid=1\"></script>\n",
            "<!--inkproof:L6--><script src=\"https://cdn.plot.ly/plotly-2.27.0.min.js\"></script>\n",
            "<!--inkproof:L7--><script src=\"https://socialmedia.net/widget.js\"></script>\n",
            "<!--inkproof:L8--><script src=\"/js/site.js\"></script>\n",
            "<!--inkproof:L9--><script src=\"https://securepubads.g.doubleclick.net/tag/js/gpt.js\"></script>\n",
        );
        let (out, found) = elements(html);
        assert_eq!(
            found,
            vec![
                ("ad script (googlesyndication.com)".to_string(), 3),
                ("ad script (media.net)".to_string(), 5),
                ("ad script (doubleclick.net)".to_string(), 9),
            ]
        );
        assert!(out.contains("plotly-2.27.0"));
        assert!(out.contains("socialmedia.net"));
        assert!(out.contains("/js/site.js"));
        assert!(
            !out.contains("googlesyndication")
                && !out.contains("dmedianet")
                && !out.contains("gpt.js")
        );
    }

    #[test]
    fn inline_adsense_push_script_is_removed_and_chart_script_kept() {
        let html = concat!(
            "<!--inkproof:L20--><script>\n    (adsbygoogle = window.adsbygoogle || []).push({});\n</script>\n",
            "<!--inkproof:L30--><div id=\"chart\"></div>\n<script>Plotly.newPlot('chart', [{x: [1], y: [2]}]);</script>\n",
        );
        let (out, found) = elements(html);
        assert_eq!(found, vec![("inline ad script".to_string(), 20)]);
        assert_eq!(out, "\n<div id=\"chart\"></div>\n<script>Plotly.newPlot('chart', [{x: [1], y: [2]}]);</script>\n");
    }

    #[test]
    fn tracking_pixels_are_removed_and_real_images_kept() {
        let pixels = [
            r#"<img height="0" width="0" src="https://imp.pxf.io/i/1/2/3" style="position:absolute;visibility:hidden;" border="0" />"#,
            r#"<img src="p.gif" width="1" height="1">"#,
            r#"<img src="p.gif" width="0px">"#,
            r#"<img src="p.gif" style="display: none">"#,
            r#"<img src="p.gif" style="DISPLAY:NONE">"#,
            r#"<img src="p.gif" style="visibility : hidden !important">"#,
            r#"<img src="p.gif" style="width:1px; height:1px">"#,
        ];
        for pixel in pixels {
            let html = format!("<!--inkproof:L4--><a href=\"x\"><img src=\"banner.png\" width=\"728\" height=\"90\"/></a>{pixel}\n");
            let (out, found) = elements(&html);
            assert_eq!(found, vec![("tracking pixel".to_string(), 4)], "{pixel}");
            assert_eq!(
                out, "<a href=\"x\"><img src=\"banner.png\" width=\"728\" height=\"90\"/></a>\n",
                "{pixel}"
            );
        }
        let kept = [
            r#"<img src="a.png" width="1" height="400">"#,
            r#"<img src="a.png" style="width: 100%">"#,
            r#"<img src="a.png" alt="x" loading="lazy">"#,
        ];
        for img in kept {
            let (out, found) = elements(&format!("<!--inkproof:L1-->{img}"));
            assert!(found.is_empty(), "{img}");
            assert_eq!(out, img);
        }
    }

    #[test]
    fn non_ad_embeds_stay() {
        let html = concat!(
            "<!--inkproof:L2--><iframe width=\"560\" height=\"315\" src=\"https://www.youtube.com/embed/abc\" allowfullscreen></iframe>\n",
            "<!--inkproof:L4--><details><summary>More</summary>\n<p>Hidden text</p>\n</details>\n",
            "<!-- Step 1 -->\n<!--more-->\n",
            "<!--inkproof:L9--><video width=\"1080\"><source src=\"demo.mp4\"></video>\n",
        );
        let (out, found) = elements(html);
        assert!(found.is_empty(), "{found:?}");
        assert_eq!(out, remove_sentinel_text(html));
        assert!(!out.contains("inkproof"));
    }

    #[test]
    fn paragraphs_left_empty_are_removed() {
        let html = "<p>Before</p>\n<p><!--inkproof:L3--><ins class=\"adsbygoogle\"></ins></p>\n<p> \n</p>\n<p class=\"spacer\"></p>\n<p><br></p>\n<p>After</p>\n";
        let (out, found) = elements(html);
        assert_eq!(found.len(), 1);
        assert_eq!(out, "<p>Before</p>\n<p class=\"spacer\"></p>\n<p><br></p>\n<p>After</p>\n");
        // A paragraph keeps its text when only an inline ad goes.
        let (out, _) = elements(
            "<p>Read <!--inkproof:L1--><img src=\"t.gif\" width=\"1\" height=\"1\"> on.</p>",
        );
        assert_eq!(out, "<p>Read  on.</p>");
    }

    #[test]
    fn a_p_inside_script_text_is_not_touched() {
        let html = "<!--inkproof:L1--><script>el.innerHTML = \"<p></p>\";</script><p></p>";
        let (out, _) = elements(html);
        assert_eq!(out, "<script>el.innerHTML = \"<p></p>\";</script>");
    }

    #[test]
    fn nested_matches_are_reported_once_and_later_ones_still_count() {
        let html = "<!--inkproof:L5--><ins class=\"adsbygoogle\"><img src=\"t\" width=\"0\" height=\"0\"><script>(adsbygoogle=window.adsbygoogle||[]).push({})</script></ins>\n<!--inkproof:L8--><img src=\"t\" width=\"1\" height=\"1\">\n";
        let (out, found) = elements(html);
        assert_eq!(out, "\n\n");
        assert_eq!(
            found,
            vec![("ins.adsbygoogle".to_string(), 5), ("tracking pixel".to_string(), 8)]
        );
    }

    #[test]
    fn element_from_markdown_has_line_zero_and_custom_selectors_name_themselves() {
        let rules = StripRules {
            selectors: vec!["div.sponsored".into(), "a[href*=\"amzn.to\"]".into()],
            ..StripRules::default()
        };
        let html = "<p>See <a href=\"https://amzn.to/x\">this</a> too.</p>\n<!--inkproof:L7--><div class=\"sponsored\"><p>Buy</p></div>\n";
        let (out, found) = strip_elements(html, &rules, Page::default());
        assert_eq!(out, "<p>See  too.</p>\n\n");
        let found: Vec<_> = found.into_iter().map(|s| (s.what, s.line)).collect();
        assert_eq!(
            found,
            vec![("a[href*=\"amzn.to\"]".to_string(), 0), ("div.sponsored".to_string(), 7)]
        );
    }

    #[test]
    fn invalid_selectors_are_skipped() {
        let rules = StripRules {
            selectors: vec!["p:hover".into(), "][".into(), "ins.ad".into()],
            ..StripRules::default()
        };
        let (out, found) = strip_elements(
            "<!--inkproof:L1--><ins class=\"ad\"></ins><p>x</p>",
            &rules,
            Page::default(),
        );
        assert_eq!(out, "<p>x</p>");
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn markdown_only_html_takes_the_fast_path() {
        let html = "<h2 id=\"x\">X</h2>\n<p>Text with <img src=\"a.png\" alt=\"a\" loading=\"lazy\" /> and <code>&lt;ins&gt;</code>.</p>\n";
        assert!(!could_match(html, &StripRules::default()));
        let (out, found) = elements(html);
        assert_eq!(out, html);
        assert!(found.is_empty());
        // Sentinels alone still go.
        let (out, _) = elements("<!--inkproof:L3--><span>x</span><!--inkproof:L4--><b>y</b>");
        assert_eq!(out, "<span>x</span><b>y</b>");
    }

    #[test]
    fn stray_sentinel_in_script_text_is_removed() {
        let html = "<p>a</p><!--inkproof:L2--><script>var s = \"<!--inkproof:L2--><b>\";</script>";
        let (out, _) = elements(html);
        assert_eq!(out, "<p>a</p><script>var s = \"<b>\";</script>");
    }

    #[test]
    fn ad_hosts_match_on_label_boundaries() {
        let hosts = StripRules::default().ad_script_hosts;
        let h = |src: &str| matching_host(src, &hosts);
        assert_eq!(
            h("https://pagead2.googlesyndication.com/pagead/js/a.js"),
            Some("googlesyndication.com")
        );
        assert_eq!(h("//adservice.google.co.uk/ddm/fls"), Some("adservice.google"));
        assert_eq!(
            h("https://C.AMAZON-ADSYSTEM.COM:443/aax2/apstag.js"),
            Some("amazon-adsystem.com")
        );
        assert_eq!(h("https://mymedia.net/x.js"), None);
        assert_eq!(h("https://media.network.example/x.js"), None);
        assert_eq!(h("/js/taboola.com.js"), None);
        assert_eq!(h("https://cdn.example.com/?u=doubleclick.net"), None);
    }

    #[test]
    fn adsense_test_page_loses_every_unit() {
        // The shape of budavariam's AdSense playground, after Markdown rendering.
        let unit = |line: usize| {
            format!(
                "<!--inkproof:L{line}--><script async src=\"https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js?client=ca-pub-1\"\n     crossorigin=\"anonymous\"></script>\n    <!-- ad-display -->\n    <ins class=\"adsbygoogle\"\n        style=\"display:block\"\n        data-ad-format=\"auto\"></ins>\n    <script>\n        (adsbygoogle = window.adsbygoogle || []).push({{}});\n    </script>\n"
            )
        };
        let html = format!(
            "<h2 id=\"d\">AdDisplay</h2>\n{}<h2 id=\"m\">AdMultiplex</h2>\n{}",
            unit(10),
            unit(30)
        );
        let (out, found) = elements(&html);
        assert_eq!(found.len(), 6, "{found:?}");
        assert!(found.iter().all(|(_, line)| [10, 30].contains(line)));
        assert!(
            !out.contains("adsbygoogle") && !out.contains("<script") && !out.contains("<ins"),
            "{out}"
        );
        assert!(
            out.contains("<h2 id=\"m\">AdMultiplex</h2>") && out.contains("<!-- ad-display -->")
        );
    }

    #[test]
    fn unclosed_ad_element_does_not_swallow_the_article() {
        let cases = [
            ("<!--inkproof:L1--><ins class=\"adsbygoogle\" data-ad-slot=\"1\">\n<h2>Next</h2>\n<p>After</p>", "\n<h2>Next</h2>\n<p>After</p>"),
            ("<div><!--inkproof:L1--><ins class=\"adsbygoogle\"></div><p>After</p>", "<div></div><p>After</p>"),
            ("<p>x <!--inkproof:L1--><ins class=\"adsbygoogle\"> y</p><p>After</p>", "<p>x  y</p><p>After</p>"),
            // What was inside the unclosed ad is checked on its own.
            ("<!--inkproof:L1--><ins class=\"adsbygoogle\"><!--inkproof:L2--><img src=\"t\" width=\"0\"><p>After</p>", "<p>After</p>"),
        ];
        for (html, want) in cases {
            let (out, found) = elements(html);
            assert_eq!(out, want, "{html}");
            assert_eq!(found[0], ("ins.adsbygoogle".to_string(), 1), "{html}");
        }
        let (_, found) = elements(cases[3].0);
        assert_eq!(found[1], ("tracking pixel".to_string(), 2));
        // A closed one still goes with its content.
        let (out, _) = elements(
            "<!--inkproof:L1--><ins class=\"adsbygoogle\"><span>slot</span></ins><p>After</p>",
        );
        assert_eq!(out, "<p>After</p>");
    }
}
