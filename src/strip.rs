//! Stage 3 (transform): removes affiliate and ad blocks from an article.
//!
//! Ads are removed in two places, because they arrive in two shapes:
//! 1. [`strip_markers`] cuts *marker blocks* (`<!-- affiliate ads begin -->` …
//!    `<!-- affiliate ads end -->`) out of the Markdown source before it is
//!    parsed. Blocks hold Markdown and blank lines, so they span several
//!    CommonMark blocks and can only be cut as text. Markers inside code (fenced,
//!    indented or a code span) are content the author wants to show, so they
//!    stay. A broken pair is an error and its text is kept: an article is never
//!    silently truncated.
//! 2. [`strip_elements`] removes ad *elements* (AdSense `<ins>`, ad-network
//!    scripts, inline loader scripts, tracking pixels, any configured CSS
//!    selector) from the rendered HTML with lol_html. It also removes the line
//!    sentinels `markdown` put before raw HTML, which tell it which source line
//!    an element came from.
//!
//! The one thing to know: cuts go through an [`OffsetMap`], so every later
//! diagnostic still points at the author's original line.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::ops::Range;
use std::path::Path;
use std::rc::Rc;

use lol_html::html_content::{Comment, ContentType, Element, TextChunk};
use lol_html::{
    rewrite_str, DocumentContentHandlers, ElementContentHandlers, RewriteStrSettings, Selector,
};
use pulldown_cmark::{Event, Parser, Tag};
use serde::Deserialize;

use crate::diag::{Diagnostic, LineIndex};
use crate::marks::LINE_SENTINEL;
use crate::model::{OffsetMap, Stripped, StrippedKind};
use crate::registry::ids;

/// Text of a sentinel comment after `<!--`.
const SENTINEL_TEXT: &str = "inkproof:L";

/// Put before every attribute-less `<p>` during element stripping so the
/// post-pass can find paragraphs that ended up empty without mistaking a `<p>`
/// inside script text for one (lol_html never runs handlers inside raw text).
const P_MARK: &str = "<!--inkproof:P-->";

/// Strip rules: comment marker pairs (applied to the Markdown source) and CSS
/// selectors (applied to raw HTML in the rendered article).
///
/// Every field has a default, so a site config can override one list and keep
/// the others. Overriding a list replaces it (write the defaults you still want).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StripRules {
    pub markers: Vec<MarkerPair>,
    /// Elements matching any of these CSS selectors (lol_html syntax) are
    /// removed and reported by the selector's text. Invalid selectors are
    /// skipped here; [`StripRules::problems`] reports them.
    pub selectors: Vec<String>,
    /// Inline `<script>` bodies containing any of these strings are ad loaders.
    pub script_patterns: Vec<String>,
    /// `<script src>` from these hosts (or their subdomains) is an ad loader.
    /// An entry matches whole host labels: `media.net` matches
    /// `contextual.media.net`, not `socialmedia.net`; `adservice.google`
    /// matches `adservice.google.com` and `adservice.google.co.uk`.
    pub ad_script_hosts: Vec<String>,
    /// Remove invisible tracking images: `width`/`height` of 0, 1×1, or a style
    /// with `display:none` / `visibility:hidden` (spaces and case ignored).
    /// Done in code rather than with selectors because CSS attribute selectors
    /// cannot ignore whitespace (`display: none`) or units (`0px`).
    pub tracking_pixels: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkerPair {
    /// Text inside the opening comment, compared trimmed and case-insensitively.
    /// Runs of whitespace count as one space, so `<!--affiliate  ads begin-->`
    /// matches too.
    pub begin: String,
    pub end: String,
}

impl Default for StripRules {
    fn default() -> Self {
        StripRules {
            markers: vec![MarkerPair {
                begin: "affiliate ads begin".into(),
                end: "affiliate ads end".into(),
            }],
            selectors: vec!["ins.adsbygoogle".into()],
            script_patterns: vec![
                // AdSense: (adsbygoogle = window.adsbygoogle || []).push({})
                "adsbygoogle".into(),
                // Google Publisher Tag slots.
                "googletag.cmd".into(),
                // Taboola and Amazon native ads configure themselves inline.
                "window._taboola".into(),
                "amzn_assoc_".into(),
            ],
            ad_script_hosts: [
                "googlesyndication.com",
                "doubleclick.net",
                "adservice.google",
                "googletagservices.com",
                "amazon-adsystem.com",
                "taboola.com",
                "outbrain.com",
                "media.net",
                "adnxs.com",
                "criteo.com",
                "criteo.net",
                "pubmatic.com",
                "rubiconproject.com",
                "moatads.com",
                "carbonads.com",
                "carbonads.net",
                "buysellads.com",
                "ezojs.com",
                "mgid.com",
                "revcontent.com",
                "infolinks.com",
                "propellerads.com",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            tracking_pixels: true,
        }
    }
}

impl StripRules {
    /// Problems with the rules themselves, as messages for the config loader to
    /// report: an invalid or unsupported selector would otherwise be skipped
    /// without a word, and an empty marker would match every empty comment.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (i, pair) in self.markers.iter().enumerate() {
            if pair.begin.trim().is_empty() || pair.end.trim().is_empty() {
                out.push(format!("strip.markers[{i}]: `begin` and `end` must not be empty"));
            } else if same_words(&pair.begin, &pair.end) {
                out.push(format!("strip.markers[{i}]: `begin` and `end` are the same text"));
            }
        }
        for sel in &self.selectors {
            if let Err(e) = sel.parse::<Selector>() {
                out.push(format!("strip.selectors: `{sel}` is not a supported CSS selector: {e}"));
            }
        }
        out
    }
}

/// The body with marker blocks cut out.
#[derive(Debug)]
pub struct MarkerResult<'a> {
    pub body: Cow<'a, str>,
    /// Maps offsets in `body` back to offsets in the original body.
    pub map: OffsetMap,
    pub stripped: Vec<Stripped>,
}

/// One marker comment found in the body.
#[derive(Debug, Clone, Copy)]
struct Marker {
    /// Byte range of the whole comment, `<!--` to `-->`.
    start: usize,
    end: usize,
    /// Index into [`StripRules::markers`].
    pair: usize,
    begin: bool,
}

/// Cuts every marker block out of `body` (the Markdown after the front matter,
/// starting at byte `body_offset` of the file indexed by `index`).
///
/// A block is cut from its begin marker to the end of its end marker. When the
/// begin marker is the first thing on its line, the cut starts at the line start
/// and, if nothing but spaces follows the end marker, also takes that line's
/// line break, so the next line starts where the begin line started. That keeps
/// a list item before the block and a heading right after it intact. A begin
/// marker after other text on its line leaves the line break alone, so the
/// next line does not join that text.
///
/// Inside an open block only markers of the same pair count; others are cut
/// with the block. An unclosed begin (no end, or another begin of the same pair
/// first) and an end without a begin push `ads/unclosed-marker` /
/// `ads/stray-end-marker` errors, and their text stays in the article.
///
/// Returns the body borrowed and unchanged when it has no markers outside code,
/// without parsing it.
pub fn strip_markers<'a>(
    body: &'a str,
    body_offset: usize,
    index: &LineIndex<'_>,
    path: &Path,
    rules: &StripRules,
    diags: &mut Vec<Diagnostic>,
) -> MarkerResult<'a> {
    let unchanged =
        |stripped| MarkerResult { body: Cow::Borrowed(body), map: OffsetMap::default(), stripped };
    let mut markers = find_markers(body, rules);
    if markers.is_empty() {
        return unchanged(Vec::new());
    }
    if could_be_code(body, &markers) {
        let code = code_ranges(body);
        markers.retain(|m| !in_ranges(&code, m.start));
    }
    if markers.is_empty() {
        return unchanged(Vec::new());
    }

    let loc = |off: usize| index.location(path, body_offset + off);
    let line = |off: usize| index.line_col(body_offset + off).0;
    let mut blocks: Vec<(Marker, Marker)> = Vec::new();
    let mut i = 0;
    while i < markers.len() {
        let m = markers[i];
        let pair = &rules.markers[m.pair];
        if !m.begin {
            diags.push(
                Diagnostic::error(
                    ids::ADS_STRAY_END_MARKER,
                    loc(m.start),
                    format!(
                        "`<!-- {} -->` has no `<!-- {} -->` before it",
                        pair.end.trim(),
                        pair.begin.trim()
                    ),
                )
                .with_help("remove it, or add the begin marker where the ad starts"),
            );
            i += 1;
            continue;
        }
        let next = markers[i + 1..].iter().position(|n| n.pair == m.pair).map(|k| i + 1 + k);
        match next {
            Some(j) if !markers[j].begin => {
                blocks.push((m, markers[j]));
                i = j + 1;
            }
            other => {
                let why = match other {
                    Some(j) => format!(
                        "another begin marker comes first, on line {}",
                        line(markers[j].start)
                    ),
                    None => "the article ends first".to_string(),
                };
                diags.push(
                    Diagnostic::error(
                        ids::ADS_UNCLOSED_MARKER,
                        loc(m.start),
                        format!(
                            "`<!-- {} -->` is never closed ({why}); the block is kept in the page",
                            pair.begin.trim()
                        ),
                    )
                    .with_help(format!("add `<!-- {} -->` where the ad ends", pair.end.trim())),
                );
                i += 1;
            }
        }
    }
    if blocks.is_empty() {
        return unchanged(Vec::new());
    }

    let mut out = String::with_capacity(body.len());
    let mut map = OffsetMap::default();
    let mut stripped = Vec::with_capacity(blocks.len());
    let mut copied = 0;
    for (b, e) in blocks {
        let (cut_start, cut_end) = cut_range(body, b, e);
        let cut_start = cut_start.max(copied);
        out.push_str(&body[copied..cut_start]);
        map.push_cut(out.len(), cut_end - cut_start);
        copied = cut_end;
        stripped.push(Stripped {
            kind: StrippedKind::Block,
            what: block_name(&rules.markers[b.pair]),
            line: line(b.start),
        });
    }
    out.push_str(&body[copied..]);
    MarkerResult { body: Cow::Owned(out), map, stripped }
}

/// The bytes to cut for a block; see [`strip_markers`] for the line rules.
fn cut_range(body: &str, begin: Marker, end: Marker) -> (usize, usize) {
    let line_start = body[..begin.start].rfind('\n').map_or(0, |p| p + 1);
    if !body[line_start..begin.start].bytes().all(|b| b == b' ' || b == b'\t') {
        return (begin.start, end.end);
    }
    let rest = &body[end.end..];
    let after = rest.trim_start_matches([' ', '\t']);
    let spaces = rest.len() - after.len();
    let cut_end = if after.starts_with("\r\n") {
        end.end + spaces + 2
    } else if after.starts_with('\n') {
        end.end + spaces + 1
    } else if after.is_empty() {
        body.len()
    } else {
        end.end
    };
    (line_start, cut_end)
}

/// `affiliate ads begin` → `affiliate ads block`, for `--verbose`.
fn block_name(pair: &MarkerPair) -> String {
    let begin = pair.begin.split_whitespace().collect::<Vec<_>>().join(" ");
    match begin.rsplit_once(' ') {
        Some((name, last))
            if last.eq_ignore_ascii_case("begin") || last.eq_ignore_ascii_case("start") =>
        {
            format!("{name} block")
        }
        _ => format!("`<!-- {begin} -->` block"),
    }
}

/// Every comment in `body` whose text is one of the rules' markers, in order.
///
/// Each `<!--` is tried on its own (not skipped past the next `-->`), so a lone
/// `<!--` in prose or code cannot hide the marker that follows it. The search
/// for `-->` is bounded by the longest marker plus generous whitespace, which
/// keeps the scan linear on text full of unclosed `<!--`.
fn find_markers(body: &str, rules: &StripRules) -> Vec<Marker> {
    let mut out = Vec::new();
    let longest = rules.markers.iter().map(|p| p.begin.len().max(p.end.len())).max().unwrap_or(0);
    if longest == 0 {
        return out;
    }
    let window = longest * 2 + 256;
    let mut pos = 0;
    let open = memchr::memmem::Finder::new("<!--");
    while let Some(k) = open.find(&body.as_bytes()[pos..]) {
        let start = pos + k;
        let inner_start = start + 4;
        let mut limit = (inner_start + window).min(body.len());
        while !body.is_char_boundary(limit) {
            limit -= 1;
        }
        pos = inner_start;
        let Some(len) = memchr::memmem::find(&body.as_bytes()[inner_start..limit], b"-->") else {
            continue;
        };
        let inner = &body[inner_start..inner_start + len];
        let found = rules.markers.iter().enumerate().find_map(|(pair, p)| {
            if same_words(inner, &p.begin) {
                Some((pair, true))
            } else if same_words(inner, &p.end) {
                Some((pair, false))
            } else {
                None
            }
        });
        if let Some((pair, begin)) = found {
            let end = inner_start + len + 3;
            out.push(Marker { start, end, pair, begin });
            pos = end;
        }
    }
    out
}

/// Whether two texts have the same words, ignoring case and how much
/// whitespace separates them. Allocation-free: it runs on every comment.
fn same_words(a: &str, b: &str) -> bool {
    let mut a = a.split_whitespace();
    let mut b = b.split_whitespace();
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) => {
                let same = if x.is_ascii() && y.is_ascii() {
                    x.eq_ignore_ascii_case(y)
                } else {
                    x.chars()
                        .flat_map(char::to_lowercase)
                        .eq(y.chars().flat_map(char::to_lowercase))
                };
                if !same {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// Whether any marker could sit in code, decided without parsing (a full
/// parse costs more than the rest of this stage). Code needs a backtick or
/// `~~~` fence somewhere, or an indented code block, whose lines start with
/// four columns of indentation, or sit in a list or blockquote.
fn could_be_code(body: &str, markers: &[Marker]) -> bool {
    if body.contains('`') || body.contains("~~~") {
        return true;
    }
    markers.iter().any(|m| {
        let line_start = body[..m.start].rfind('\n').map_or(0, |p| p + 1);
        let line = &body[line_start..m.start];
        let text = line.trim_start_matches(' ');
        line.len() - text.len() >= 4
            || text.starts_with(|c: char| {
                c == '\t' || c == '>' || c == '-' || c == '*' || c == '+' || c.is_ascii_digit()
            })
    })
}

/// Byte ranges of code blocks and code spans, in document order, parsed with
/// the same extensions `markdown` renders with so both agree on what is code.
fn code_ranges(body: &str) -> Vec<Range<usize>> {
    Parser::new_ext(body, crate::marks::markdown_options())
        .into_offset_iter()
        .filter_map(|(event, range)| match event {
            Event::Start(Tag::CodeBlock(_)) | Event::Code(_) => Some(range),
            _ => None,
        })
        .collect()
}

/// `ranges` are sorted and disjoint.
fn in_ranges(ranges: &[Range<usize>], pos: usize) -> bool {
    let i = ranges.partition_point(|r| r.end <= pos);
    ranges.get(i).is_some_and(|r| r.start <= pos)
}

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
/// - invisible images when [`StripRules::tracking_pixels`] is on (`tracking pixel`).
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
pub fn strip_elements(html: &str, rules: &StripRules) -> (String, Vec<Stripped>) {
    if !has(html, LINE_SENTINEL) && !could_match(html, rules) {
        return (html.to_string(), Vec::new());
    }
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
            return (pass.html, pass.found);
        }
        plan.inline_ads.extend(new_scripts);
        plan.keep_content.extend(pass.unbalanced.iter().copied());
        last = Some(pass);
    }
    // Out of passes (or lol_html failed): the best result so far, else the
    // input without its sentinels.
    match last {
        Some(pass) => (pass.html, pass.found),
        None => (remove_sentinel_text(html), Vec::new()),
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
                    if let Some(host) = ad_host(&src, &rules.ad_script_hosts) {
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
    Ok(Pass { html: out, found: state.found.take(), ad_scripts: ad_scripts.take(), unbalanced })
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

/// Whether a fragment without raw HTML could still hold something to remove:
/// the fast path that lets most Markdown-only articles skip lol_html.
fn could_match(html: &str, rules: &StripRules) -> bool {
    let scripts = !rules.ad_script_hosts.is_empty() || !rules.script_patterns.is_empty();
    if scripts && has(html, "<script") {
        return true;
    }
    if rules.tracking_pixels
        && has(html, "<img")
        && (has(html, "width") || has(html, "height") || has(html, "style"))
    {
        return true;
    }
    rules.selectors.iter().any(|sel| match selector_needles(sel) {
        Some(needles) => needles.iter().any(|n| has(html, n)),
        None => true,
    })
}

/// Whether `needle` is in `html`: a SIMD byte search (memchr), as these scans
/// run over every article's whole body on every cold build.
fn has(html: &str, needle: &str) -> bool {
    memchr::memmem::find(html.as_bytes(), needle.as_bytes()).is_some()
}

/// For each alternative of a selector list, one literal that any matching
/// element's markup must contain (`.adsbygoogle` → `adsbygoogle`, `iframe` →
/// `<iframe`). `None` when some alternative has no such literal or the
/// selector is too clever to read safely (pseudo-classes, escapes, case flags).
fn selector_needles(sel: &str) -> Option<Vec<String>> {
    let mut needles = Vec::new();
    for alt in split_outside_quotes(sel, ',') {
        needles.push(alternative_needle(alt.trim())?);
    }
    (!needles.is_empty()).then_some(needles)
}

fn alternative_needle(alt: &str) -> Option<String> {
    let b = alt.as_bytes();
    let ident = |i: usize| {
        let mut j = i;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'-' || b[j] == b'_') {
            j += 1;
        }
        j
    };
    let mut best: Option<String> = None;
    let mut keep = |s: String| {
        if best.as_ref().is_none_or(|b| s.len() > b.len()) {
            best = Some(s);
        }
    };
    let mut i = 0;
    let mut compound_start = true;
    while i < b.len() {
        match b[i] {
            b'.' | b'#' => {
                let j = ident(i + 1);
                if j > i + 1 {
                    keep(alt[i + 1..j].to_string());
                }
                i = j;
                compound_start = false;
            }
            b'[' => {
                let close = alt[i..].find(']')? + i;
                if let Some(value) = attribute_value(&alt[i + 1..close])? {
                    keep(value);
                }
                i = close + 1;
                compound_start = false;
            }
            b' ' | b'>' | b'\t' | b'\n' => {
                i += 1;
                compound_start = true;
            }
            c if compound_start && c.is_ascii_alphabetic() => {
                let j = ident(i);
                keep(format!("<{}", alt[i..j].to_ascii_lowercase()));
                i = j;
                compound_start = false;
            }
            b'*' => {
                i += 1;
                compound_start = false;
            }
            // `:` pseudo-classes (a `:not(...)` literal must not be required),
            // `\` escapes, `+`/`~` combinators lol_html rejects anyway.
            _ => return None,
        }
    }
    best
}

/// The literal value of `attr op "value"` inside `[...]`: `Some(None)` when the
/// attribute only has to exist or uses `|=`, `None` when the text can't be read
/// safely (a case flag, or characters HTML would escape).
fn attribute_value(inner: &str) -> Option<Option<String>> {
    let Some(op) = inner.find('=') else { return Some(None) };
    if inner[..op].ends_with('|') {
        return Some(None);
    }
    let raw = inner[op + 1..].trim();
    let value = if let Some(q) = raw.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let rest = &raw[1..];
        let end = rest.find(q)?;
        if !rest[end + 1..].trim().is_empty() {
            return None; // `i` / `s` flag
        }
        &rest[..end]
    } else {
        if raw.contains(char::is_whitespace) {
            return None;
        }
        raw
    };
    if value.contains(['&', '<', '>', '"', '\'', '\\']) {
        return None;
    }
    Some((!value.is_empty()).then(|| value.to_string()))
}

fn split_outside_quotes(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quote = None;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, c) if c == sep => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// The `ad_script_hosts` entry that `src`'s host matches on label boundaries.
fn ad_host<'r>(src: &str, hosts: &'r [String]) -> Option<&'r str> {
    let src = src.trim();
    let rest = match src.find("//") {
        Some(i) if src[..i].bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.:".contains(&b)) => {
            &src[i + 2..]
        }
        _ => return None, // a relative URL is the site's own script
    };
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = &rest[..host_end];
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split(':').next().unwrap_or(host).trim_end_matches('.').to_ascii_lowercase();
    hosts.iter().map(String::as_str).find(|entry| {
        let entry = entry.trim().trim_matches('.').to_ascii_lowercase();
        !entry.is_empty()
            && host.match_indices(entry.as_str()).any(|(i, _)| {
                let before_ok = i == 0 || host.as_bytes()[i - 1] == b'.';
                let after = i + entry.len();
                before_ok && (after == host.len() || host.as_bytes()[after] == b'.')
            })
    })
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

/// Drops every [`P_MARK`], and with it the `<p>` after it when that paragraph
/// holds only whitespace (plus the line break after it).
fn remove_empty_paragraphs(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let finder = memchr::memmem::Finder::new(P_MARK);
    while let Some(i) = finder.find(rest.as_bytes()) {
        out.push_str(&rest[..i]);
        rest = &rest[i + P_MARK.len()..];
        if let Some(len) = empty_paragraph_len(rest) {
            rest = &rest[len..];
            rest = rest.strip_prefix('\n').unwrap_or(rest);
        }
    }
    out.push_str(rest);
    out
}

/// Length of `<p>` + whitespace + `</p>` at the start of `s`.
fn empty_paragraph_len(s: &str) -> Option<usize> {
    let open = s.get(..3).filter(|t| t.eq_ignore_ascii_case("<p>"))?;
    let inner = &s[open.len()..];
    let body = inner.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let close = body.get(..4).filter(|t| t.eq_ignore_ascii_case("</p>"))?;
    Some(s.len() - body.len() + close.len())
}

/// Removes `<!--inkproof:L<digits>-->` wherever it is, as plain text.
fn remove_sentinel_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let finder = memchr::memmem::Finder::new(LINE_SENTINEL);
    while let Some(i) = finder.find(rest.as_bytes()) {
        out.push_str(&rest[..i]);
        let after = &rest[i + LINE_SENTINEL.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with("-->") {
            rest = &after[digits + 3..];
        } else {
            out.push_str(LINE_SENTINEL);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use pulldown_cmark::html::push_html;

    use super::*;
    use crate::diag::Severity;

    const B: &str = "<!-- affiliate ads begin -->";
    const E: &str = "<!-- affiliate ads end -->";

    /// Runs `strip_markers` on a body that starts at byte 0 of its file.
    fn strip(body: &str) -> (String, MarkerResult<'_>, Vec<Diagnostic>) {
        strip_at(body, 0, body)
    }

    /// `file` is the whole file; `body` starts at `offset` in it.
    fn strip_at<'a>(
        file: &str,
        offset: usize,
        body: &'a str,
    ) -> (String, MarkerResult<'a>, Vec<Diagnostic>) {
        let index = LineIndex::new(file);
        let mut diags = Vec::new();
        let r = strip_markers(
            body,
            offset,
            &index,
            Path::new("content/a.md"),
            &StripRules::default(),
            &mut diags,
        );
        (r.body.to_string(), r, diags)
    }

    fn render(md: &str) -> String {
        let mut html = String::new();
        push_html(&mut html, Parser::new_ext(md, crate::marks::markdown_options()));
        html
    }

    fn lines(r: &MarkerResult<'_>) -> Vec<usize> {
        r.stripped.iter().map(|s| s.line).collect()
    }

    /// Every byte of the new body maps back to the same byte in the original.
    fn assert_map_sound(original: &str, r: &MarkerResult<'_>) {
        for (new, byte) in r.body.bytes().enumerate() {
            let old = r.map.original(new);
            assert_eq!(original.as_bytes()[old], byte, "new offset {new} maps to {old}");
        }
    }

    #[test]
    fn block_between_paragraphs_is_cut_with_its_lines() {
        let body = format!("Intro.\n\n{B}\n[![ad](x.png)](https://shop.example/?aff=1)\n\nMore **ad**.\n{E}\n\nOutro.\n");
        let (out, r, diags) = strip(&body);
        assert_eq!(out, "Intro.\n\n\nOutro.\n");
        assert!(diags.is_empty());
        assert_eq!(
            r.stripped,
            vec![Stripped {
                kind: StrippedKind::Block,
                what: "affiliate ads block".into(),
                line: 3
            }]
        );
        assert_map_sound(&body, &r);
        // "Outro." is on line 9 of the original.
        let outro = out.find("Outro").unwrap();
        assert_eq!(LineIndex::new(&body).line_col(r.map.original(outro)), (9, 1));
    }

    #[test]
    fn markers_match_trimmed_case_insensitive_and_with_odd_spacing() {
        let body = "a\n\n<!--affiliate ads begin-->\nad\n<!--   AFFILIATE  Ads\tEND -->\n\nb\n";
        let (out, r, diags) = strip(body);
        assert_eq!(out, "a\n\n\nb\n");
        assert_eq!(r.stripped.len(), 1);
        assert!(diags.is_empty());
        // Not a marker: different words.
        let (out, r, _) = strip("<!-- affiliate ads beginning -->\nx\n");
        assert_eq!(out, "<!-- affiliate ads beginning -->\nx\n");
        assert!(r.stripped.is_empty());
    }

    #[test]
    fn block_right_after_front_matter_reports_file_lines() {
        let file =
            format!("---\ntitle: T\n---\n{B}\n<img src=\"ad.png\">\n{E}\n# Title\n\nText.\n");
        let offset = file.find(B).unwrap();
        let (out, r, diags) = strip_at(&file, offset, &file[offset..]);
        assert_eq!(out, "# Title\n\nText.\n");
        assert!(diags.is_empty());
        assert_eq!(lines(&r), vec![4]);
        assert_map_sound(&file[offset..], &r);
        let index = LineIndex::new(&file);
        assert_eq!(index.line_col(offset + r.map.original(out.find("Text").unwrap())), (9, 1));
    }

    #[test]
    fn block_after_list_item_keeps_the_list_whole() {
        // Shape from the printer-issues article: no blank line around the block.
        let body = format!(
            "1. Open Settings.\n2. Click **Check for updates** .  \n{B}\n<span>\n\t\t<video src=\"ad.mp4\"></video>\n</span>\n{E}\n![](shot.png)\n3. Install it.\n4. Reboot.\n"
        );
        let (out, r, diags) = strip(&body);
        assert!(diags.is_empty());
        assert_eq!(r.stripped.len(), 1);
        assert!(out.contains("  \n![](shot.png)\n3. Install it."), "{out}");
        let html = render(&out);
        assert_eq!(html.matches("<ol>").count(), 1, "{html}");
        assert_eq!(html.matches("<li>").count(), 4, "{html}");
        assert!(!html.contains("video"));
        assert_map_sound(&body, &r);
    }

    #[test]
    fn block_running_into_a_heading_keeps_the_heading_at_line_start() {
        let body = format!("Some text.\n{B}\n<a href=\"https://x.example\"><img src=\"b.png\"></a>\n{E}\n## Try these fixes\n\nFix text.\n");
        let (out, r, _) = strip(&body);
        assert_eq!(out, "Some text.\n## Try these fixes\n\nFix text.\n");
        let html = render(&out);
        assert!(html.contains("<h2>Try these fixes</h2>"), "{html}");
        assert!(html.contains("<p>Some text.</p>"), "{html}");
        assert_map_sound(&body, &r);
    }

    #[test]
    fn empty_blocks_are_cut() {
        let one_line = format!("a\n\n{B}{E}\n\nb\n");
        let (out, r, diags) = strip(&one_line);
        assert_eq!(out, "a\n\n\nb\n");
        assert_eq!(r.stripped.len(), 1);
        assert!(diags.is_empty());
        let two_lines = format!("a\n{B}\n{E}\nb\n");
        let (out, r, _) = strip(&two_lines);
        assert_eq!(out, "a\nb\n");
        assert_eq!(lines(&r), vec![2]);
    }

    #[test]
    fn adjacent_and_repeated_blocks_are_all_cut() {
        let body = format!(
            "p1\n\n{B}\none\n{E}\n{B}\ntwo\n{E}\np2\n\n{B}three{E}\n\np3 {B} four {E} end\n"
        );
        let (out, r, diags) = strip(&body);
        assert!(diags.is_empty());
        assert_eq!(out, "p1\n\np2\n\n\np3  end\n");
        assert_eq!(lines(&r), vec![3, 6, 11, 13]);
        assert_map_sound(&body, &r);
    }

    #[test]
    fn mid_line_begin_keeps_the_line_break() {
        let body = format!("Buy it {B}\n<a href=\"x\">ad</a>\n{E}\nNext line.\n");
        let (out, r, _) = strip(&body);
        assert_eq!(out, "Buy it \nNext line.\n");
        assert_map_sound(&body, &r);
    }

    #[test]
    fn crlf_lines_are_cut_whole() {
        let body = format!("a\r\n{B}\r\n<img src=\"x\">\r\n{E}  \r\n## H\r\n");
        let (out, r, _) = strip(&body);
        assert_eq!(out, "a\r\n## H\r\n");
        assert_map_sound(&body, &r);
    }

    #[test]
    fn markers_in_code_are_content() {
        let body = format!(
            "Write `{B}` to start.\n\n```html\n{B}\n<a>ad</a>\n{E}\n```\n\n    {E}\n\nText.\n"
        );
        let (out, r, diags) = strip(&body);
        assert!(matches!(r.body, Cow::Borrowed(_)));
        assert_eq!(out, body);
        assert!(diags.is_empty(), "{diags:?}");
        assert!(r.stripped.is_empty());
    }

    #[test]
    fn indented_code_markers_stay_without_any_backtick_in_the_article() {
        for body in [
            format!("Example:\n\n    {B}\n    <a>ad</a>\n    {E}\n\nText.\n"),
            format!("- Item:\n\n      {B}\n      {E}\n\nText.\n"),
            format!("> quoted\n>\n>     {B}\n>     {E}\n"),
            format!("Example:\n\n\t{B}\n\t{E}\n"),
        ] {
            let (out, r, diags) = strip(&body);
            assert_eq!(out, body);
            assert!(r.stripped.is_empty() && diags.is_empty(), "{body}");
        }
        // Three spaces is not code: the block goes.
        let (out, _, _) = strip(&format!("a\n\n   {B}\n   ad\n   {E}\nb\n"));
        assert_eq!(out, "a\n\nb\n");
    }

    #[test]
    fn code_inside_a_block_does_not_hide_its_end_marker_and_is_cut() {
        let body = format!("x\n\n{B}\n```\n{E}\n```\nad\n{E}\n\ny\n");
        let (out, r, diags) = strip(&body);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(out, "x\n\n\ny\n");
        assert_eq!(r.stripped.len(), 1);
    }

    #[test]
    fn a_lone_comment_opener_does_not_hide_a_marker() {
        let body = format!("HTML comments start with <!-- and\n\n{B}\nad\n{E}\nrest\n");
        let (out, r, _) = strip(&body);
        assert_eq!(out, "HTML comments start with <!-- and\n\nrest\n");
        assert_eq!(r.stripped.len(), 1);
    }

    #[test]
    fn other_comments_stay() {
        let body = "Intro\n\n<!--more-->\n\n<!-- Step 1 -->\n1. Do it\n<!-- ad-display -->\n";
        let (out, r, diags) = strip(body);
        assert!(matches!(r.body, Cow::Borrowed(_)));
        assert_eq!(out, body);
        assert!(diags.is_empty());
        let body = format!("<!-- Step1 -->\n{B}\nad\n{E}\n<!-- Step2 -->\n");
        let (out, _, _) = strip(&body);
        assert_eq!(out, "<!-- Step1 -->\n<!-- Step2 -->\n");
    }

    #[test]
    fn unclosed_begin_is_an_error_and_keeps_the_rest() {
        let file = format!("---\ntitle: T\n---\nIntro.\n\n  {B}\n<a href=\"x\">ad</a>\n\n## Rest of the article\n\nText.\n");
        let offset = file.find("Intro").unwrap();
        let body = &file[offset..];
        let (out, r, diags) = strip_at(&file, offset, body);
        assert_eq!(out, body);
        assert!(r.stripped.is_empty());
        assert_eq!(diags.len(), 1);
        let d = &diags[0];
        assert_eq!((d.code.as_str(), d.severity), ("ads/unclosed-marker", Severity::Error));
        assert_eq!(d.location.to_string(), "content/a.md:6:3");
        assert!(d.message.contains("article ends"), "{}", d.message);
    }

    #[test]
    fn begin_while_open_reports_the_first_and_cuts_the_second() {
        let body = format!("a\n{B}\nkept\n\n{B}\nad\n{E}\nb\n");
        let (out, r, diags) = strip(&body);
        assert_eq!(out, format!("a\n{B}\nkept\n\nb\n"));
        assert_eq!(lines(&r), vec![5]);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, "ads/unclosed-marker");
        assert_eq!(diags[0].location.to_string(), "content/a.md:2:1");
        assert!(diags[0].message.contains("line 5"), "{}", diags[0].message);
        assert_map_sound(&body, &r);
    }

    #[test]
    fn stray_end_is_an_error_and_stays() {
        let body = format!("a\n\n{B}\nad\n{E}\nb\n\nc {E}\n");
        let (out, r, diags) = strip(&body);
        assert_eq!(out, format!("a\n\nb\n\nc {E}\n"));
        assert_eq!(r.stripped.len(), 1);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, "ads/stray-end-marker");
        assert_eq!(diags[0].location.to_string(), "content/a.md:8:3");
    }

    #[test]
    fn custom_marker_pairs_work_and_name_their_blocks() {
        let rules = StripRules {
            markers: vec![
                MarkerPair { begin: "sponsor start".into(), end: "sponsor stop".into() },
                MarkerPair { begin: "promo".into(), end: "/promo".into() },
            ],
            ..StripRules::default()
        };
        let body = "a\n<!-- SPONSOR start -->\nx <!-- promo --> y\n<!-- sponsor stop -->\n<!--promo-->z<!--/promo-->\nb\n";
        let index = LineIndex::new(body);
        let mut diags = Vec::new();
        let r = strip_markers(body, 0, &index, Path::new("a.md"), &rules, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(r.body, "a\nb\n");
        let what: Vec<_> = r.stripped.iter().map(|s| s.what.as_str()).collect();
        assert_eq!(what, ["sponsor block", "`<!-- promo -->` block"]);
        // The default pair is gone when the list is overridden.
        let r = strip_markers(B, 0, &LineIndex::new(B), Path::new("a.md"), &rules, &mut diags);
        assert_eq!(r.body, B);
    }

    #[test]
    fn rules_deserialize_with_defaults_and_report_problems() {
        let rules: StripRules =
            serde_json::from_str(r#"{"selectors": ["div.sponsored", "p:hover"]}"#).unwrap();
        assert_eq!(rules.markers.len(), 1);
        assert!(rules.tracking_pixels);
        assert!(rules.ad_script_hosts.iter().any(|h| h == "doubleclick.net"));
        let problems = rules.problems();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("p:hover"));
        assert!(StripRules::default().problems().is_empty());
        assert!(serde_json::from_str::<StripRules>(r#"{"selector": []}"#).is_err());
    }

    /// Body of a corpus file: after YAML `---` or TOML `+++` front matter.
    fn corpus_body(text: &str) -> usize {
        for fence in ["---", "+++"] {
            if text.starts_with(fence) {
                let mut pos = text.find('\n').map_or(text.len(), |i| i + 1);
                while pos < text.len() {
                    let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1);
                    if text[pos..end].trim_end() == fence {
                        return end;
                    }
                    pos = end;
                }
            }
        }
        0
    }

    fn is_marker_line(line: &str, word: &str) -> bool {
        let t = line.trim();
        t.strip_prefix("<!--")
            .and_then(|t| t.strip_suffix("-->"))
            .is_some_and(|t| same_words(t, &format!("affiliate ads {word}")))
    }

    #[test]
    fn real_articles_lose_every_block_and_nothing_else() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real-articles");
        let Ok(entries) = std::fs::read_dir(&dir) else { return };
        let mut files = 0;
        let mut total_blocks = 0;
        for entry in entries {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "md") {
                continue;
            }
            files += 1;
            let text = std::fs::read_to_string(&path).unwrap();
            let offset = corpus_body(&text);
            let body = &text[offset..];
            let (out, r, diags) = strip_at(&text, offset, body);
            let name = path.display();
            assert!(diags.is_empty(), "{name}: {diags:?}");

            let begins: Vec<usize> = body
                .lines()
                .enumerate()
                .filter(|(_, l)| is_marker_line(l, "begin"))
                .map(|(i, _)| LineIndex::new(&text).line_col(offset).0 + i)
                .collect();
            assert_eq!(lines(&r), begins, "{name}");
            total_blocks += begins.len();

            // No marker left outside code.
            let code = code_ranges(&out);
            for (at, _) in out.match_indices("affiliate ads") {
                assert!(in_ranges(&code, at), "{name}: marker left at {at}");
            }
            // Comments outside blocks (Step N, more, chart markers) all stay.
            let mut inside = false;
            for line in body.lines() {
                if is_marker_line(line, "begin") {
                    inside = true;
                } else if is_marker_line(line, "end") {
                    inside = false;
                } else if !inside && line.contains("<!--") {
                    assert!(out.contains(line), "{name}: lost {line:?}");
                }
            }
            assert_map_sound(body, &r);
        }
        assert!(files > 0);
        assert!(total_blocks > 50, "only {total_blocks} blocks found");
    }

    // ---- strip_elements ----

    fn elements(html: &str) -> (String, Vec<(String, usize)>) {
        let (out, found) = strip_elements(html, &StripRules::default());
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
        let (out, found) = strip_elements(html, &rules);
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
        let (out, found) =
            strip_elements("<!--inkproof:L1--><ins class=\"ad\"></ins><p>x</p>", &rules);
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
    fn selector_needles_are_literals_a_match_must_contain() {
        let n = |s: &str| selector_needles(s);
        assert_eq!(n("ins.adsbygoogle"), Some(vec!["adsbygoogle".to_string()]));
        assert_eq!(n("iframe"), Some(vec!["<iframe".to_string()]));
        assert_eq!(
            n(r#"script[src*="taboola.com"], div#ad-slot"#),
            Some(vec!["taboola.com".into(), "ad-slot".into()])
        );
        assert_eq!(n("a[href*=\"x,y\"]"), Some(vec!["x,y".to_string()]));
        assert_eq!(n("div > span"), Some(vec!["<span".to_string()]));
        assert_eq!(n("div:not(.ad)"), None);
        assert_eq!(n("[data-ad]"), None);
        assert_eq!(n(r#"img[style*="display:none" i]"#), None);
        assert_eq!(n("*"), None);
    }

    #[test]
    fn ad_hosts_match_on_label_boundaries() {
        let hosts = StripRules::default().ad_script_hosts;
        let h = |src: &str| ad_host(src, &hosts);
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
