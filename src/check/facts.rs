//! One pass over an article body that records, with file positions, what the
//! per-article checks look at: headings, fences, links and images (with alt
//! text), raw HTML tags and suppression comments, and for the writing checks
//! the ordered lists as numbered in the source and the text's `step N` mentions.
//!
//! It parses the body after ad-marker blocks are cut (what is cut is never
//! published, so it is never checked), and maps every position back to the
//! author's file through the marker [`OffsetMap`].

use pulldown_cmark::{CodeBlockKind, Event, LinkType, Parser, Tag, TagEnd};

use crate::diag::LineIndex;
use crate::model::OffsetMap;

/// A 1-based line and column in the article file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

#[derive(Debug, Clone)]
pub struct Heading {
    pub level: u8,
    /// The `{#id}` the author wrote, if any.
    pub explicit_id: Option<String>,
    pub at: Pos,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LinkFact {
    pub href: String,
    pub is_image: bool,
    /// Alt text of an image (`None` for links and for raw `<img>` without `alt`).
    pub alt: Option<String>,
    pub at: Pos,
}

/// A raw HTML start tag with its attributes (names lowercased).
#[derive(Debug, Clone)]
pub struct TagFact {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    /// Attribute names written without `=`: in a placeholder like
    /// `<path to OneDrive folder>` these are the author's words.
    pub bare: Vec<String>,
    /// The tag as written, `<` to `>`.
    pub raw: String,
    pub context: TagContext,
    pub at: Pos,
}

/// Where a raw tag stands: HTML blocks are markup on purpose far more often
/// than a tag inside a sentence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagContext {
    /// Inside a paragraph, heading, list item or table cell.
    Prose,
    /// An HTML block that is this one tag and nothing else.
    Alone,
    /// One tag of a longer HTML block.
    Block,
}

/// An ordered list with the numbers the author typed, which CommonMark
/// ignores after the first: the page shows `start`, `start + 1`, ….
#[derive(Debug, Clone)]
pub struct OrderedList {
    pub start: u64,
    /// Each item's number as written in the source, and where.
    pub items: Vec<(u64, Pos)>,
    /// Headings before the list (lists with the same count share a section).
    pub section: usize,
    /// `.` or `)` after the first item's number: CommonMark starts a new
    /// list when it changes, and so, mostly, does the author's intent.
    pub delimiter: char,
    /// Inside another list.
    pub nested: bool,
    /// Since the previous top-level ordered list ended there was nothing but
    /// code blocks, images and raw HTML: no heading, no text of its own.
    pub continues_previous: bool,
}

/// A `step N` / `steps N–M` mention in the text.
#[derive(Debug, Clone)]
pub struct StepMention {
    pub numbers: Vec<u64>,
    /// The words as written (`steps 2–4`).
    pub text: String,
    pub at: Pos,
}

/// `<!-- inkproof-ignore ID… -->` (next line) or `<!-- inkproof-ignore-file ID… -->`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Ignore {
    pub ids: Vec<String>,
    pub whole_file: bool,
    pub at: Pos,
}

/// A run of text the reader sees as prose (paragraphs, headings, list items,
/// table cells, link text, image alt text): what the spelling check reads.
/// Code, raw HTML and autolinked URLs never become one.
#[derive(Debug, Clone)]
pub struct ProseText {
    /// File byte offsets of the source the run was parsed from.
    pub start: usize,
    pub end: usize,
    /// The text when it differs from the source (escapes, entities, smart
    /// quotes); `None` when the source slice is the text, which is the common
    /// case and costs no copy.
    pub text: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub headings: Vec<Heading>,
    /// Opening lines of fenced code blocks never closed.
    pub unclosed_fences: Vec<Pos>,
    pub links: Vec<LinkFact>,
    pub tags: Vec<TagFact>,
    /// Names of the raw HTML end tags (`</kbd>` → `kbd`).
    pub end_tags: Vec<String>,
    pub ignores: Vec<Ignore>,
    pub ordered_lists: Vec<OrderedList>,
    /// Step numbers that text labels (`Step 3:` or a `3. …` heading at the
    /// start of a block), for guides written as headed steps, not lists.
    pub step_labels: Vec<u64>,
    pub step_mentions: Vec<StepMention>,
    /// Bold text glued to the word before or after it (`the**Settings**icon`),
    /// with the source around it.
    pub stray_emphasis: Vec<(Pos, String)>,
    pub prose: Vec<ProseText>,
    /// The body has text a reader would see (not only comments and blanks).
    pub has_text: bool,
}

/// Where a body position is in the file.
pub struct Mapper<'a> {
    pub index: &'a LineIndex<'a>,
    pub body_offset: usize,
    pub map: &'a OffsetMap,
}

impl Mapper<'_> {
    pub fn pos(&self, body_pos: usize) -> Pos {
        let (line, col) = self.index.line_col(self.body_offset + self.map.original(body_pos));
        Pos { line, col }
    }

    /// The file byte offset of a body position.
    pub fn offset(&self, body_pos: usize) -> usize {
        self.body_offset + self.map.original(body_pos)
    }
}

/// Collects the facts of `body` (already stripped of marker blocks).
pub fn collect(body: &str, at: &Mapper<'_>) -> Facts {
    let mut c = Collector::new(body, at);
    for (event, range) in Parser::new_ext(body, crate::marks::markdown_options()).into_offset_iter()
    {
        c.event(&event, range);
    }
    c.finish()
}

/// [`collect`] fed one event at a time, so the renderer's own pass over the
/// body can record the facts too and the body is parsed once, not twice.
pub struct Collector<'b, 'm> {
    body: &'b str,
    at: &'m Mapper<'m>,
    f: Facts,
    /// Inside an image: its alt text so far; the link is recorded at its end.
    image: Option<LinkFact>,
    /// Inside a raw HTML block, whose lines were read from the block's range.
    in_html_block: bool,
    /// Open lists, innermost last; `None` for bullet lists.
    lists: Vec<Option<OrderedList>>,
    in_code: bool,
    in_link: usize,
    in_heading: bool,
    /// No text yet in the current paragraph, heading or item.
    block_start: bool,
    /// A heading or text outside lists since the last top-level ordered list.
    prose_since_list: bool,
    /// Inside an autolink (`<https://…>`): its text is the URL.
    in_autolink: bool,
    /// Inside an inline HTML element whose text the page shows as code
    /// (`<code>`, `<kbd>`, …): its name.
    html_code: Option<&'static str>,
    /// Body range of the last prose run, to join the next one to it when
    /// they touch (the parser splits text at escapes, entities and smart
    /// quotes, which would cut `--force` or `file.txt` in two).
    last_prose: std::ops::Range<usize>,
}

impl<'b, 'm> Collector<'b, 'm> {
    pub fn new(body: &'b str, at: &'m Mapper<'m>) -> Self {
        Collector {
            body,
            at,
            f: Facts::default(),
            image: None,
            in_html_block: false,
            lists: Vec::new(),
            in_code: false,
            in_link: 0,
            in_heading: false,
            block_start: false,
            prose_since_list: true,
            in_autolink: false,
            html_code: None,
            last_prose: 0..0,
        }
    }

    /// One event of `Parser::new_ext(body, marks::markdown_options())` with its range.
    pub fn event(&mut self, event: &Event<'_>, range: std::ops::Range<usize>) {
        let f = &mut self.f;
        if self.image.is_some() {
            match event {
                Event::End(TagEnd::Image) => f.links.extend(self.image.take()),
                Event::Text(t) | Event::Code(t) => {
                    if let Some(alt) = self.image.as_mut().and_then(|i| i.alt.as_mut()) {
                        alt.push_str(t);
                    }
                    if let Event::Text(t) = event {
                        self.prose(t, range);
                    }
                }
                _ => {}
            }
            return;
        }
        if self.in_html_block {
            // The block's own Html events repeat the same text line by line.
            self.in_html_block = !matches!(event, Event::End(TagEnd::HtmlBlock));
            return;
        }
        self.steps(event, &range);
        self.prose_event(event, &range);
        let (f, at, body) = (&mut self.f, self.at, self.body);
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                f.has_text = true;
                f.headings.push(Heading {
                    level: *level as u8,
                    explicit_id: id.as_ref().map(|i| i.to_string()),
                    at: at.pos(range.start),
                });
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                f.has_text = true;
                if let CodeBlockKind::Fenced(_) = kind {
                    if !fence_is_closed(&body[range.clone()]) {
                        f.unclosed_fences.push(at.pos(range.start));
                    }
                }
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                self.image = Some(LinkFact {
                    href: dest_url.to_string(),
                    is_image: true,
                    alt: Some(String::new()),
                    at: at.pos(range.start),
                });
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                f.links.push(LinkFact {
                    href: dest_url.to_string(),
                    is_image: false,
                    alt: None,
                    at: at.pos(range.start),
                });
            }
            Event::Start(Tag::HtmlBlock) => {
                let block = &body[range.clone()];
                let before = f.tags.len();
                html(block, range.start, TagContext::Block, at, f);
                if f.tags.len() == before + 1 && f.tags[before].raw.len() == block.trim().len() {
                    f.tags[before].context = TagContext::Alone;
                }
                self.in_html_block = true;
            }
            Event::InlineHtml(h) => html(h, range.start, TagContext::Prose, at, f),
            Event::Text(t) | Event::Code(t) if !t.trim().is_empty() => f.has_text = true,
            _ => {}
        }
    }

    pub fn finish(self) -> Facts {
        self.f
    }

    /// Prose text runs (images and HTML blocks never get here).
    fn prose_event(&mut self, event: &Event<'_>, range: &std::ops::Range<usize>) {
        match event {
            Event::Start(Tag::Link { link_type, .. }) => {
                self.in_autolink = matches!(link_type, LinkType::Autolink | LinkType::Email);
            }
            Event::End(TagEnd::Link) => self.in_autolink = false,
            Event::InlineHtml(h) => {
                const CODE_LIKE: [&str; 5] = ["code", "kbd", "samp", "var", "tt"];
                let h = h.trim();
                match self.html_code {
                    Some(name) => {
                        let closes = h.strip_prefix("</").and_then(|r| r.get(..name.len()));
                        if closes.is_some_and(|n| n.eq_ignore_ascii_case(name)) {
                            self.html_code = None;
                        }
                    }
                    None => {
                        let name: String = h
                            .strip_prefix('<')
                            .unwrap_or("")
                            .chars()
                            .take_while(char::is_ascii_alphanumeric)
                            .collect();
                        self.html_code =
                            CODE_LIKE.into_iter().find(|c| c.eq_ignore_ascii_case(&name));
                    }
                }
            }
            Event::Text(t) if !self.in_code && !self.in_autolink && self.html_code.is_none() => {
                self.prose(t, range.clone());
            }
            _ => {}
        }
    }

    fn prose(&mut self, text: &str, range: std::ops::Range<usize>) {
        let written = &self.body[range.clone()];
        let touches = self.last_prose.end == range.start && !range.is_empty();
        if let (true, Some(last)) = (touches, self.f.prose.last_mut()) {
            if last.text.is_some() || written != text {
                let before = &self.body[self.last_prose.clone()];
                last.text.get_or_insert_with(|| before.to_string()).push_str(text);
            }
            last.end = self.at.offset(range.end);
            self.last_prose.end = range.end;
            return;
        }
        self.last_prose = range.clone();
        self.f.prose.push(ProseText {
            start: self.at.offset(range.start),
            end: self.at.offset(range.end),
            text: (written != text).then(|| text.to_string()),
        });
    }

    /// Ordered lists and step mentions (images and HTML blocks never get here).
    fn steps(&mut self, event: &Event<'_>, range: &std::ops::Range<usize>) {
        match event {
            Event::Start(Tag::List(start)) => {
                let nested = !self.lists.is_empty();
                if !nested && start.is_none() {
                    self.prose_since_list = true;
                }
                self.lists.push(start.map(|start| OrderedList {
                    start,
                    items: Vec::new(),
                    section: self.f.headings.len(),
                    delimiter: '.',
                    nested,
                    continues_previous: !nested && !self.prose_since_list,
                }));
            }
            Event::End(TagEnd::List(_)) => {
                if let Some(Some(list)) = self.lists.pop() {
                    if !list.nested {
                        self.prose_since_list = false;
                    }
                    self.f.ordered_lists.push(list);
                }
            }
            Event::Start(Tag::Item) => {
                self.block_start = true;
                let at = self.at.pos(range.start);
                if let Some(Some(list)) = self.lists.last_mut() {
                    let marker = self.body[range.clone()]
                        .trim_start_matches(|c: char| c.is_whitespace() || c == '>');
                    let digits = marker.bytes().take_while(u8::is_ascii_digit).count();
                    if let Ok(n) = marker[..digits].parse() {
                        if list.items.is_empty() {
                            list.delimiter = marker[digits..].chars().next().unwrap_or('.');
                        }
                        list.items.push((n, at));
                    }
                }
            }
            Event::Start(Tag::Heading { .. }) => {
                self.in_heading = true;
                self.block_start = true;
                self.prose_since_list = true;
            }
            Event::End(TagEnd::Heading(_)) => self.in_heading = false,
            Event::Start(Tag::Paragraph | Tag::TableCell) => self.block_start = true,
            Event::Start(Tag::CodeBlock(_)) => self.in_code = true,
            Event::End(TagEnd::CodeBlock) => self.in_code = false,
            Event::Start(Tag::Link { .. }) => self.in_link += 1,
            Event::End(TagEnd::Link) => self.in_link = self.in_link.saturating_sub(1),
            Event::Text(t) if !self.in_code => {
                if self.lists.is_empty() && !t.trim().is_empty() {
                    self.prose_since_list = true;
                }
                let first = std::mem::replace(&mut self.block_start, false);
                if first {
                    self.f.step_labels.extend(super::writing::step_label(t, self.in_heading));
                }
                if self.in_link == 0 && super::writing::may_mention_steps(t) {
                    let written = &self.body[range.clone()];
                    for (offset, text, numbers) in super::writing::step_mentions(t, first) {
                        // Escapes and smart quotes make the text differ from
                        // the source; then the event's start is the place.
                        let in_source = if written == &**t {
                            Some(offset)
                        } else {
                            written.find(text.as_str())
                        };
                        let at = self.at.pos(range.start + in_source.unwrap_or(0));
                        self.f.step_mentions.push(StepMention { numbers, text, at });
                    }
                }
            }
            Event::Start(Tag::Strong) if !self.in_code => {
                let b = self.body.as_bytes();
                let glued = |i: Option<usize>| {
                    i.and_then(|i| b.get(i)).is_some_and(u8::is_ascii_alphanumeric)
                };
                if glued(range.start.checked_sub(1)) || glued(Some(range.end)) {
                    let from =
                        self.body[..range.start].rfind(char::is_whitespace).map_or(0, |i| i + 1);
                    let to = self.body[range.end..]
                        .find(char::is_whitespace)
                        .map_or(self.body.len(), |i| range.end + i);
                    let shown = self.body[from..to].chars().take(60).collect();
                    self.f.stray_emphasis.push((self.at.pos(from), shown));
                }
            }
            Event::Code(_) => self.block_start = false,
            _ => {}
        }
    }
}

/// A fence is closed when its last line is only fence characters, at least as
/// many as opened it (pulldown-cmark runs an unclosed fence to the end of the body).
fn fence_is_closed(block: &str) -> bool {
    // Inside a blockquote every line carries the `>` markers.
    let strip = |l: &'_ str| -> String {
        let mut l = l.trim_start();
        while let Some(rest) = l.strip_prefix('>') {
            l = rest.trim_start();
        }
        l.trim_end().to_string()
    };
    let lines: Vec<String> = block.lines().map(strip).filter(|l| !l.is_empty()).collect();
    let (Some(first), Some(last)) = (lines.first(), lines.last()) else { return false };
    let ch = first.chars().next().unwrap_or('`');
    let n = first.chars().take_while(|c| *c == ch).count();
    lines.len() >= 2 && last.chars().all(|c| c == ch) && last.chars().count() >= n
}

/// Start tags, end tags and comments of a raw HTML fragment at body position `start`.
fn html(text: &str, start: usize, context: TagContext, at: &Mapper<'_>, f: &mut Facts) {
    let mut i = 0;
    let bytes = text.as_bytes();
    while let Some(k) = text[i..].find('<') {
        let open = i + k;
        let rest = &text[open..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            let end = comment.find("-->").map_or(text.len(), |e| open + 4 + e + 3);
            let inner = &text[open + 4..end.saturating_sub(3).max(open + 4)];
            ignore_comment(inner, start + open, at, f);
            i = end;
            continue;
        }
        if let Some(end) = rest.strip_prefix("</") {
            let name: String =
                end.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
            if !name.is_empty() {
                f.end_tags.push(name.to_ascii_lowercase());
            }
            i = open + 2;
            continue;
        }
        let name_len =
            rest[1..].bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'-').count();
        if name_len == 0 || !bytes[open + 1].is_ascii_alphabetic() {
            i = open + 1;
            continue;
        }
        let name = rest[1..1 + name_len].to_ascii_lowercase();
        let (attrs, bare, len) = attributes(&rest[1 + name_len..]);
        if name != "script" && name != "style" {
            f.has_text = true;
        }
        let raw = rest[..1 + name_len + len].to_string();
        f.tags.push(TagFact { name, attrs, bare, raw, context, at: at.pos(start + open) });
        i = open + 1 + name_len + len;
    }
}

/// Attributes up to the tag's `>`, the names of those without a value, and
/// how many bytes they took.
fn attributes(s: &str) -> (Vec<(String, String)>, Vec<String>, usize) {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut bare = Vec::new();
    let mut i = 0;
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() || b[i] == b'>' {
            return (out, bare, (i + 1).min(b.len()));
        }
        let name_start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let name = s[name_start..i].to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        let has_value = i < b.len() && b[i] == b'=';
        if has_value {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                let v_start = i + 1;
                i = v_start;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                value = s[v_start..i.min(b.len())].to_string();
                i += 1;
            } else {
                let v_start = i;
                while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                    i += 1;
                }
                value = s[v_start..i].to_string();
            }
        }
        if name.is_empty() {
            i += 1;
        } else {
            if !has_value {
                bare.push(name.clone());
            }
            out.push((name, value));
        }
    }
}

fn ignore_comment(inner: &str, body_pos: usize, at: &Mapper<'_>, f: &mut Facts) {
    let inner = inner.trim();
    let (whole_file, ids) = if let Some(ids) = inner.strip_prefix("inkproof-ignore-file") {
        (true, ids)
    } else if let Some(ids) = inner.strip_prefix("inkproof-ignore") {
        (false, ids)
    } else {
        return;
    };
    if !(ids.is_empty() || ids.starts_with(char::is_whitespace)) {
        return;
    }
    f.ignores.push(Ignore {
        ids: ids.split([',', ' ', '\t']).filter(|s| !s.is_empty()).map(String::from).collect(),
        whole_file,
        at: at.pos(body_pos),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(body: &str) -> Facts {
        let index = LineIndex::new(body);
        let map = OffsetMap::default();
        collect(body, &Mapper { index: &index, body_offset: 0, map: &map })
    }

    #[test]
    fn headings_fences_links_and_tags_with_positions() {
        let f = facts(
            "## A {#x}\n\n![shot](a.png) [l](b/)\n\n<div onclick=\"go()\">\n<iframe src='https://e.org/v'></iframe>\n</div>\n\n```sh\nopen\n",
        );
        assert_eq!(f.headings[0].explicit_id.as_deref(), Some("x"));
        assert_eq!(f.links[0].alt.as_deref(), Some("shot"));
        assert_eq!(f.links[1].at, Pos { line: 3, col: 16 });
        assert_eq!(f.tags[0].name, "div");
        assert_eq!(f.tags[0].attrs, [("onclick".to_string(), "go()".to_string())]);
        assert_eq!(f.tags[1].at, Pos { line: 6, col: 1 });
        assert_eq!(f.unclosed_fences, [Pos { line: 9, col: 1 }]);
    }

    #[test]
    fn closed_fences_and_ignore_comments() {
        let f = facts("````md\n```\n````\n\n> ```c\n> x\n> ```\n\n<!-- inkproof-ignore link/broken -->\n\n[x](y)\n");
        assert!(f.unclosed_fences.is_empty(), "{:?}", f.unclosed_fences);
        assert_eq!(f.ignores[0].ids, ["link/broken"]);
        assert_eq!(f.ignores[0].at, Pos { line: 9, col: 1 });
    }
}
