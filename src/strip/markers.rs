//! Pass 1: cuts comment-marker blocks out of the Markdown source, before it is parsed.

use std::borrow::Cow;
use std::ops::Range;
use std::path::Path;

use pulldown_cmark::{Event, Parser, Tag};

use super::rules::{same_words, MarkerPair, StripRules};
use crate::diag::{Diagnostic, LineIndex};
use crate::model::{OffsetMap, Stripped, StrippedKind};
use crate::registry::ids;

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
}
