//! Stage 2–3 (parse, transform): Markdown body → article HTML.
//!
//! One pass over pulldown-cmark's event stream, with offsets, does everything
//! that needs to know where a thing was written:
//! 1. headings get unique ids, a self-link and a table-of-contents entry;
//! 2. fenced code goes to [`highlight`](crate::highlight), or to
//!    [`snippet`](crate::snippet) when its info string is a snippet directive;
//! 3. links and images are recorded with their file line and column (for the
//!    checks), links to another article's `.md` file are rewritten to its URL,
//!    and images get `loading="lazy"`;
//! 4. raw HTML gets a line sentinel so [`strip`](crate::strip) can say which
//!    line an ad element came from.

use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

use pulldown_cmark::{CodeBlockKind, CowStr, Event, LinkType, Parser, Tag, TagEnd};

use crate::diag::{Diagnostic, LineIndex};
use crate::escape::escape_attr;
use crate::marks::{markdown_options, may_hold_controls, LINE_SENTINEL};
use crate::model::{Link, OffsetMap, PublishedSnippet, TocEntry};
use crate::registry::ids;
use crate::slug::{anchor, UniqueIds};
use crate::snippet::{self, SnippetContext};
use crate::{assets, highlight, href, load};

/// What the renderer needs to know about the article and the site.
pub struct MdContext<'a> {
    /// The article file, relative to the site root.
    pub path: &'a Path,
    /// Line index of the whole file (front matter included).
    pub index: &'a LineIndex<'a>,
    /// Where the body starts in the file.
    pub body_offset: usize,
    /// Maps offsets of the (ad-stripped) body back to the original body.
    pub map: &'a OffsetMap,
    /// Every article's file (relative to the site root) → its URL, for `.md`
    /// links. A function, so the engine can record which URLs an article used.
    pub urls: &'a dyn Fn(&Path) -> Option<String>,
    pub content_dir: &'a Path,
    pub snippet: SnippetContext<'a>,
}

impl MdContext<'_> {
    fn line_col(&self, body_pos: usize) -> (usize, usize) {
        self.index.line_col(self.body_offset + self.map.original(body_pos))
    }
}

/// An article body rendered to HTML, with what was found on the way.
#[derive(Debug, Default)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
    pub links: Vec<Link>,
    pub snippets: Vec<PublishedSnippet>,
    /// Plain text of the first paragraph, for summaries.
    pub first_paragraph: String,
    pub word_count: usize,
}

/// Renders `body` (already stripped of marker blocks). `tap` sees every
/// parser event with its range, so another pass that needs the same events
/// (the checks' facts) rides on this parse instead of parsing again.
pub fn render(
    body: &str,
    ctx: &MdContext<'_>,
    diags: &mut Vec<Diagnostic>,
    tap: &mut dyn FnMut(&Event<'_>, Range<usize>),
) -> Rendered {
    let mut parser = Parser::new_ext(body, markdown_options())
        .into_offset_iter()
        .inspect(|(event, range)| tap(event, range.clone()));
    let mut pass = Pass::new(ctx, diags);
    while let Some((event, range)) = parser.next() {
        pass.label_task(&event);
        match event {
            Event::Start(Tag::Heading { level, id, classes, attrs }) => {
                pass.heading(Heading { level, id, classes, attrs }, range, &mut parser);
            }
            Event::Start(Tag::CodeBlock(kind)) => pass.code_block(kind, range, &mut parser),
            Event::Start(Tag::Image { dest_url, title, .. }) => {
                pass.image(dest_url, title, range, &mut parser);
            }
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                pass.link(link_type, dest_url, title, id, range);
            }
            Event::Start(Tag::HtmlBlock) => pass.html_block(range),
            Event::InlineHtml(h) => pass.inline_html(h, range),
            Event::Html(h) => pass.events.push(Event::Html(drop_controls(h))),
            Event::Start(Tag::Paragraph) => pass.paragraph_start(),
            Event::End(TagEnd::Paragraph) => pass.paragraph_end(),
            Event::Text(t) => pass.text(t),
            Event::Code(t) => pass.code(t),
            Event::SoftBreak | Event::HardBreak if pass.in_first_paragraph() => {
                pass.first_paragraph_break(event);
            }
            Event::TaskListMarker(checked) => pass.task_marker(checked),
            Event::Start(Tag::Table(_)) => pass.table_start(event),
            Event::End(TagEnd::Table) => pass.table_end(event),
            other => pass.events.push(other),
        }
    }
    pass.finish(body.len())
}

/// The state of the one pass over the events: what the page is made of so
/// far and what was found on the way. Each kind of event has its handler;
/// the ones that own a span (a heading, a code block, an image) read the
/// parser on to the span's end.
struct Pass<'c, 'd, 'e> {
    ctx: &'c MdContext<'c>,
    diags: &'d mut Vec<Diagnostic>,
    r: Rendered,
    ids: UniqueIds,
    events: Vec<Event<'e>>,
    para_depth: usize,
    first_para_done: bool,
    /// A task-list checkbox waiting for its label: (index in `events`,
    /// checked, the item's text so far).
    task: Option<(usize, bool, String)>,
    /// The scroll box of the table being read: (index of its opening tag in
    /// `events`, the header cells' text so far), named once the header ends.
    table: Option<(usize, Vec<String>)>,
    tables: usize,
}

impl<'c, 'd, 'e> Pass<'c, 'd, 'e> {
    fn new(ctx: &'c MdContext<'c>, diags: &'d mut Vec<Diagnostic>) -> Self {
        Pass {
            ctx,
            diags,
            r: Rendered::default(),
            ids: UniqueIds::default(),
            events: Vec::new(),
            para_depth: 0,
            first_para_done: false,
            task: None,
            table: None,
            tables: 0,
        }
    }

    /// Adds what an event says to the label of a waiting checkbox, and sets
    /// the checkbox once its item's text has ended; likewise the name of a
    /// table's scroll box from its header row.
    fn label_task(&mut self, event: &Event<'_>) {
        let mut named = false;
        if let Some((at, cells)) = &mut self.table {
            match event {
                Event::Start(Tag::TableCell) => cells.push(String::new()),
                Event::Text(t) | Event::Code(t) => {
                    if let Some(cell) = cells.last_mut() {
                        cell.push_str(t);
                    }
                }
                Event::End(TagEnd::TableHead) => {
                    self.events[*at] = Event::Html(CowStr::from(table_box(self.tables, cells)));
                    named = true;
                }
                _ => {}
            }
        }
        if named {
            // Cells after the header are not part of the name.
            self.table = None;
        }
        if let Some((_, _, label)) = &mut self.task {
            match event {
                Event::Text(t) | Event::Code(t) => label.push_str(t),
                Event::SoftBreak | Event::HardBreak => label.push(' '),
                Event::End(TagEnd::Item | TagEnd::Paragraph) | Event::Start(Tag::List(_)) => {
                    if let Some((at, checked, label)) = self.task.take() {
                        self.events[at] = Event::Html(CowStr::from(checkbox(checked, &label)));
                    }
                }
                _ => {}
            }
        }
    }

    fn heading(
        &mut self,
        h: Heading<'e>,
        range: Range<usize>,
        parser: &mut impl Iterator<Item = (Event<'e>, Range<usize>)>,
    ) {
        let mut inner = Vec::new();
        let mut text = String::new();
        for (e, _) in parser.by_ref() {
            match &e {
                Event::End(TagEnd::Heading(_)) => break,
                Event::Text(t) | Event::Code(t) => text.push_str(t),
                // A setext heading may span lines; the reader sees a space
                // there, so the table of contents must too.
                Event::SoftBreak | Event::HardBreak => text.push(' '),
                _ => {}
            }
            inner.push(e);
        }
        self.r.word_count += text.split_whitespace().count();
        // An id the author wrote is kept as written: links to it were
        // written with that spelling, and the anchor check reads the page's
        // ids, so both agree on it.
        let base = h.id.map_or_else(|| anchor(&text), |i| i.to_string());
        let id = escape_attr(&self.ids.unique(&base));
        let mut inner_html = String::new();
        pulldown_cmark::html::push_html(&mut inner_html, inner.into_iter());
        let level_n = h.level as u8;
        let mut attrs = String::new();
        if !h.classes.is_empty() {
            let joined: Vec<&str> = h.classes.iter().map(|c| c.as_ref()).collect();
            let _ = write!(attrs, " class=\"{}\"", escape_attr(&joined.join(" ")));
        }
        for (name, value) in &h.attrs {
            if !is_attribute_name(name) || name.eq_ignore_ascii_case("id") {
                continue;
            }
            if crate::text::is_event_handler(name) {
                // Same rule as for a handler in raw HTML: published as
                // written, and reported so the author can remove it.
                self.diags.push(
                    Diagnostic::warning(
                        ids::HTML_EVENT_HANDLER,
                        self.ctx.index.location(
                            self.ctx.path,
                            self.ctx.body_offset + self.ctx.map.original(range.start),
                        ),
                        format!("a heading has an inline `{name}` handler"),
                    )
                    .with_help("remove it; article HTML should not run code"),
                );
            }
            match value {
                Some(v) => {
                    let _ = write!(attrs, " {name}=\"{}\"", escape_attr(v));
                }
                None => {
                    let _ = write!(attrs, " {name}");
                }
            }
        }
        self.r.toc.push(TocEntry {
            level: level_n,
            id: id.clone(),
            title: text.split_whitespace().collect::<Vec<_>>().join(" "),
        });
        self.events.push(Event::Html(CowStr::from(format!(
            "<h{level_n} id=\"{id}\"{attrs}>{inner_html} <a class=\"heading-link\" href=\"#{id}\" aria-label=\"Link to this section\">#</a></h{level_n}>\n"
        ))));
    }

    fn code_block(
        &mut self,
        kind: CodeBlockKind<'e>,
        range: Range<usize>,
        parser: &mut impl Iterator<Item = (Event<'e>, Range<usize>)>,
    ) {
        let mut code = String::new();
        for (e, _) in parser.by_ref() {
            match e {
                Event::End(TagEnd::CodeBlock) => break,
                Event::Text(t) => code.push_str(&drop_controls(t)),
                _ => {}
            }
        }
        let info = match &kind {
            CodeBlockKind::Fenced(info) => info.as_ref(),
            CodeBlockKind::Indented => "",
        };
        let html = if snippet::is_directive(info) {
            let (line, _) = self.ctx.line_col(range.start);
            match snippet::render(info, &code, line, &self.ctx.snippet, self.diags) {
                Some((html, published)) => {
                    self.r.snippets.push(published);
                    html
                }
                None => String::new(),
            }
        } else {
            highlight::code_block(fence_lang(info), &code)
        };
        self.events.push(Event::Html(CowStr::from(html)));
    }

    fn image(
        &mut self,
        dest_url: CowStr<'e>,
        title: CowStr<'e>,
        range: Range<usize>,
        parser: &mut impl Iterator<Item = (Event<'e>, Range<usize>)>,
    ) {
        let ctx = self.ctx;
        let mut alt = String::new();
        // An image inside the alt text is part of the alt text (CommonMark
        // keeps its description), so the outer image ends at its own end,
        // not at the inner one's.
        let mut depth = 0usize;
        for (e, _) in parser.by_ref() {
            match e {
                Event::Start(Tag::Image { .. }) => depth += 1,
                Event::End(TagEnd::Image) if depth == 0 => break,
                Event::End(TagEnd::Image) => depth -= 1,
                Event::Text(t) | Event::Code(t) => alt.push_str(&t),
                // Alt text written over two lines reads with a space there.
                Event::SoftBreak | Event::HardBreak => alt.push(' '),
                _ => {}
            }
        }
        let (line, col) = ctx.line_col(range.start);
        self.r.links.push(Link { href: dest_url.to_string(), line, col, is_image: true });
        let mut html =
            format!("<img src=\"{}\" alt=\"{}\"", escape_attr(&dest_url), escape_attr(&alt));
        if !title.is_empty() {
            let _ = write!(html, " title=\"{}\"", escape_attr(&title));
        }
        // The size reserves the image's box before it loads, so
        // nothing below it moves and a `#section` jump lands where it
        // aims (issue 8).
        if let Some((w, h)) =
            local_image(&dest_url, ctx).and_then(|(p, bytes)| assets::image_size(&p, &bytes))
        {
            let _ = write!(html, " width=\"{w}\" height=\"{h}\"");
        }
        html.push_str(" loading=\"lazy\">");
        self.events.push(Event::Html(CowStr::from(html)));
    }

    fn link(
        &mut self,
        link_type: LinkType,
        dest_url: CowStr<'e>,
        title: CowStr<'e>,
        id: CowStr<'e>,
        range: Range<usize>,
    ) {
        let ctx = self.ctx;
        let (line, col) = ctx.line_col(range.start);
        let dest = if link_type == LinkType::Email {
            dest_url
        } else {
            // Checks see the link as published (rewritten), so they agree with the page.
            match rewrite_md_link(&dest_url, ctx) {
                Ok(Some(url)) => {
                    self.r.links.push(Link { href: url.clone(), line, col, is_image: false });
                    CowStr::from(url)
                }
                Ok(None) => {
                    self.r.links.push(Link {
                        href: dest_url.to_string(),
                        line,
                        col,
                        is_image: false,
                    });
                    dest_url
                }
                Err(()) => {
                    self.diags.push(
                        Diagnostic::warning(
                            ids::LINK_UNKNOWN_ARTICLE,
                            ctx.index.location(
                                ctx.path,
                                ctx.body_offset + ctx.map.original(range.start),
                            ),
                            format!("link to `{dest_url}`: no article is built from that file"),
                        )
                        .with_help("check the path; it is relative to this article's folder"),
                    );
                    dest_url
                }
            }
        };
        self.events.push(Event::Start(Tag::Link { link_type, dest_url: dest, title, id }));
    }

    fn html_block(&mut self, range: Range<usize>) {
        let (line, _) = self.ctx.line_col(range.start);
        self.events.push(Event::Html(CowStr::from(format!("{LINE_SENTINEL}{line}-->"))));
        self.events.push(Event::Start(Tag::HtmlBlock));
    }

    fn inline_html(&mut self, h: CowStr<'e>, range: Range<usize>) {
        if h.starts_with('<') && !h.starts_with("</") && !h.starts_with("<!") {
            let (line, _) = self.ctx.line_col(range.start);
            self.events.push(Event::InlineHtml(CowStr::from(format!("{LINE_SENTINEL}{line}-->"))));
        }
        self.events.push(Event::InlineHtml(drop_controls(h)));
    }

    fn paragraph_start(&mut self) {
        self.para_depth += 1;
        self.events.push(Event::Start(Tag::Paragraph));
    }

    fn paragraph_end(&mut self) {
        self.para_depth = self.para_depth.saturating_sub(1);
        if !self.r.first_paragraph.trim().is_empty() {
            self.first_para_done = true;
        }
        self.events.push(Event::End(TagEnd::Paragraph));
    }

    /// Whether text now is part of the first paragraph (the summary).
    fn in_first_paragraph(&self) -> bool {
        self.para_depth > 0 && !self.first_para_done
    }

    fn text(&mut self, t: CowStr<'e>) {
        let t = drop_controls(t);
        self.r.word_count += t.split_whitespace().count();
        if self.in_first_paragraph() {
            self.r.first_paragraph.push_str(&t);
        }
        self.events.push(Event::Text(t));
    }

    fn code(&mut self, t: CowStr<'e>) {
        let t = drop_controls(t);
        self.r.word_count += 1;
        if self.in_first_paragraph() {
            self.r.first_paragraph.push_str(&t);
        }
        self.events.push(Event::Code(t));
    }

    fn first_paragraph_break(&mut self, event: Event<'e>) {
        self.r.first_paragraph.push(' ');
        self.events.push(event);
    }

    /// A table is wrapped in a box that scrolls sideways when the table is
    /// wider than the screen (a phone, 360 px). A box that scrolls must be
    /// reachable by keyboard (axe `scrollable-region-focusable`), so it is in
    /// the tab order and named as a region, in the markup, so it works
    /// without scripts; the table keeps its own table semantics.
    fn table_start(&mut self, event: Event<'e>) {
        self.tables += 1;
        self.table = Some((self.events.len(), Vec::new()));
        self.events.push(Event::Html(CowStr::from(table_box(self.tables, &[]))));
        self.events.push(event);
    }

    fn table_end(&mut self, event: Event<'e>) {
        self.table = None;
        self.events.push(event);
        self.events.push(Event::Html(CowStr::from("</div>\n")));
    }

    fn task_marker(&mut self, checked: bool) {
        // Labelled later, from the item's text (axe: a form field
        // needs a name; issue 8).
        self.task = Some((self.events.len(), checked, String::new()));
        self.events.push(Event::Html(CowStr::from(checkbox(checked, ""))));
    }

    /// The page's HTML from the events, with a checkbox still waiting given
    /// the label it has.
    fn finish(mut self, body_len: usize) -> Rendered {
        if let Some((at, checked, label)) = self.task.take() {
            self.events[at] = Event::Html(CowStr::from(checkbox(checked, &label)));
        }
        let mut r = self.r;
        r.html.reserve(body_len * 3 / 2);
        pulldown_cmark::html::push_html(&mut r.html, self.events.into_iter());
        r.first_paragraph = r.first_paragraph.split_whitespace().collect::<Vec<_>>().join(" ");
        r
    }
}

/// Control characters other than tab and line breaks (NUL, form feed, C1) are
/// dropped from the page: browsers show them as boxes or not at all, and they
/// break feeds. The check stage reports where they were (`content/control-char`).
fn drop_controls(s: CowStr<'_>) -> CowStr<'_> {
    let dropped = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r');
    if !may_hold_controls(&s) || !s.chars().any(dropped) {
        return s;
    }
    CowStr::from(s.chars().filter(|c| !dropped(*c)).collect::<String>())
}

/// The opening tag of a table's scroll box. Its name says which table it is
/// by the header row, as a screen reader user hears the region announced;
/// `Table N` when the header has no words.
fn table_box(n: usize, header: &[String]) -> String {
    let cells: Vec<String> = header
        .iter()
        .map(|c| c.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|c| !c.is_empty())
        .collect();
    let name = if cells.is_empty() {
        format!("Table {n}")
    } else {
        format!("Table: {}", cells.join(", "))
    };
    format!(
        "<div class=\"table-scroll\" role=\"region\" tabindex=\"0\" aria-label=\"{}\">\n",
        escape_attr(&name)
    )
}

/// A heading's start event, as pulldown-cmark gives it.
struct Heading<'e> {
    level: pulldown_cmark::HeadingLevel,
    id: Option<CowStr<'e>>,
    classes: Vec<CowStr<'e>>,
    attrs: Vec<(CowStr<'e>, Option<CowStr<'e>>)>,
}

/// Whether `{name=value}` after a heading names something a browser reads
/// as one attribute; anything else would break the tag open.
fn is_attribute_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| {
            !c.is_whitespace()
                && !c.is_control()
                && !matches!(c, '"' | '\'' | '>' | '/' | '=' | '<' | '`')
        })
}

/// A disabled task-list checkbox named by its item's text.
fn checkbox(checked: bool, label: &str) -> String {
    let label = label.split_whitespace().collect::<Vec<_>>().join(" ");
    let label = if label.is_empty() { "Task" } else { label.as_str() };
    format!(
        "<input type=\"checkbox\" disabled{} aria-label=\"{}\"> ",
        if checked { " checked" } else { "" },
        escape_attr(label)
    )
}

/// The file an image URL points at, when it is local: relative to the
/// article's folder, or site-absolute (`/images/x.svg`) in the content folder
/// or the default `static/` folder.
fn local_image(src: &str, ctx: &MdContext<'_>) -> Option<(PathBuf, std::sync::Arc<[u8]>)> {
    if href::is_external(src) {
        return None;
    }
    let path = href::decode(src.split(['?', '#']).next().unwrap_or(src));
    if path.is_empty() {
        return None;
    }
    let candidates: Vec<PathBuf> = match path.strip_prefix('/') {
        Some(abs) => vec![ctx.content_dir.join(abs), Path::new("static").join(abs)],
        None => vec![ctx.path.parent().unwrap_or(Path::new("")).join(&*path)],
    };
    // Read through the loader, so the engine knows the article depends on it.
    candidates.into_iter().filter_map(|c| href::normalize_within(&c)).find_map(|c| {
        match ctx.snippet.files.read(&c) {
            load::FileRead::Bytes(b) => Some((c, b)),
            _ => None,
        }
    })
}

/// The language token of a fence info string: ```` ```powershell {.x} ```` → `powershell`.
fn fence_lang(info: &str) -> Option<&str> {
    let token = info.split(|c: char| c.is_whitespace() || c == ',' || c == '{').next()?.trim();
    (!token.is_empty()).then_some(token)
}

/// `Ok(Some(url))` for a link to another article's `.md` file, `Ok(None)` for any
/// other link, `Err(())` for a `.md` link that names no article.
fn rewrite_md_link(dest: &str, ctx: &MdContext<'_>) -> Result<Option<String>, ()> {
    let Some(link) = href::md_link(dest, ctx.path, ctx.content_dir) else {
        return Ok(None);
    };
    let target = href::normalize_within(&link.file).ok_or(())?;
    (ctx.urls)(&target).map(|url| Some(format!("{url}{}", link.fragment))).ok_or(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::path::PathBuf;

    fn render_str(body: &str, urls: &HashMap<PathBuf, String>) -> (Rendered, Vec<Diagnostic>) {
        render_tapped(body, urls, &mut |_, _| {})
    }

    fn render_tapped(
        body: &str,
        urls: &HashMap<PathBuf, String>,
        tap: &mut dyn FnMut(&Event<'_>, Range<usize>),
    ) -> (Rendered, Vec<Diagnostic>) {
        let index = LineIndex::new(body);
        let map = OffsetMap::default();
        let root = Path::new("/nonexistent");
        let files = crate::load::DiskFiles::new(root, Path::new("content"));
        let lookup = |p: &Path| urls.get(p).cloned();
        let ctx = MdContext {
            path: Path::new("content/guide/index.md"),
            index: &index,
            body_offset: 0,
            map: &map,
            urls: &lookup,
            content_dir: Path::new("content"),
            snippet: SnippetContext {
                site_root: root,
                content_dir: Path::new("content"),
                article: Path::new("content/guide/index.md"),
                bundle_dir: Some(Path::new("content/guide")),
                out_dir: Path::new("guide"),
                base_path: "",
                files: &files,
                limits: &crate::limits::Limits::default(),
            },
        };
        let mut diags = Vec::new();
        let r = render(body, &ctx, &mut diags, tap);
        (r, diags)
    }

    /// The checks' facts are recorded on the render's parse (one parse per
    /// body); they must be what a parse of their own finds.
    #[test]
    fn facts_recorded_on_the_render_pass_equal_a_separate_parse() {
        use crate::check::facts::{collect, Collector, Mapper};
        let body = "# T {#top}\n\nText with [a link](b.md) and ![alt *em* `c`](i.png \"t\").\n\n\
            ![outer ![inner](x.png) tail](y.png)\n\n<div onclick=\"go()\">\n<!-- inkproof-ignore a/b -->\n</div>\n\n\
            ## Two\n\n- [ ] task with <span class=x>html</span>\n\n```sh\nls\n```\n\n> ```c\n> open\n\n\
            | a | b |\n|---|---|\n| [t](u) | <b>x</b> |\n\n```rust\nfn main() {}\n";
        let index = LineIndex::new(body);
        let map = OffsetMap::default();
        let mapper = Mapper { index: &index, body_offset: 0, map: &map };
        let alone = collect(body, &mapper);
        let mut collector = Collector::new(body, &mapper);
        render_tapped(body, &HashMap::new(), &mut |e, r| collector.event(e, r));
        let ridden = collector.finish();
        assert_eq!(format!("{ridden:?}"), format!("{alone:?}"));
        assert_eq!(alone.links.len(), 4, "{:?}", alone.links);
        assert_eq!(alone.ignores.len(), 1);
        assert_eq!(alone.unclosed_fences.len(), 2, "{:?}", alone.unclosed_fences);
    }

    #[test]
    fn headings_get_unique_ids_self_links_and_toc() {
        let (r, _) =
            render_str("## Setup\n\ntext\n\n## Setup\n\n### Custom {#mine}\n", &HashMap::new());
        assert!(
            r.html.contains("<h2 id=\"setup\">Setup <a class=\"heading-link\" href=\"#setup\""),
            "{}",
            r.html
        );
        assert!(r.html.contains("<h2 id=\"setup-1\">"));
        assert!(r.html.contains("<h3 id=\"mine\">"));
        let ids: Vec<_> = r.toc.iter().map(|t| (t.level, t.id.as_str())).collect();
        assert_eq!(ids, [(2, "setup"), (2, "setup-1"), (3, "mine")]);
    }

    #[test]
    fn images_are_lazy_and_keep_alt() {
        let (r, _) =
            render_str("text\n\n![A *settings* window](shot.svg \"Title\")\n", &HashMap::new());
        assert!(
            r.html.contains(
                "<img src=\"shot.svg\" alt=\"A settings window\" title=\"Title\" loading=\"lazy\">"
            ),
            "{}",
            r.html
        );
        assert_eq!(r.links[0], Link { href: "shot.svg".into(), line: 3, col: 1, is_image: true });
    }

    #[test]
    fn md_links_are_rewritten_and_unknown_ones_warned() {
        let mut urls = HashMap::new();
        urls.insert(PathBuf::from("content/other.md"), "/other/".to_string());
        let (r, diags) = render_str("See [x](../other.md#step-2) and [y](missing.md).\n", &urls);
        assert!(r.html.contains("href=\"/other/#step-2\""), "{}", r.html);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, "link/unknown-article");
        assert_eq!((diags[0].location.line, diags[0].location.col), (1, Some(33)));
    }

    #[test]
    fn raw_html_gets_line_sentinels() {
        let (r, _) =
            render_str("para\n\n<div>x</div>\n\ntext <ins class=\"a\"></ins>\n", &HashMap::new());
        assert!(r.html.contains("<!--inkproof:L3--><div>"), "{}", r.html);
        assert!(r.html.contains("<!--inkproof:L5--><ins"), "{}", r.html);
    }

    #[test]
    fn control_characters_are_dropped_from_text_and_code() {
        let (r, _) = render_str("a\u{0}b \u{7}`c\u{1b}`\n\n```\nx\u{c}y\n```\n", &HashMap::new());
        assert!(r.html.contains("<p>ab <code>c</code></p>"), "{}", r.html);
        assert!(!r.html.contains(['\u{0}', '\u{7}', '\u{1b}', '\u{c}']), "{:?}", r.html);
        assert!(r.html.contains("xy"), "{}", r.html);
    }

    #[test]
    fn task_list_checkboxes_are_named_by_their_item() {
        let (r, _) = render_str(
            "- [x] Back up *your* files\n- [ ] Sign in\n  with `Win+I`\n  - [ ] nested\n",
            &HashMap::new(),
        );
        let doc = scraper::Html::parse_fragment(&r.html);
        let sel = scraper::Selector::parse("input[type=checkbox]").unwrap();
        let boxes: Vec<_> = doc.select(&sel).map(|e| e.value()).collect();
        let labels: Vec<_> = boxes.iter().map(|b| b.attr("aria-label").unwrap()).collect();
        assert_eq!(labels, ["Back up your files", "Sign in with Win+I", "nested"]);
        assert!(boxes[0].attr("checked").is_some() && boxes[1].attr("checked").is_none());
        assert!(boxes.iter().all(|b| b.attr("disabled").is_some()));
    }

    #[test]
    fn local_images_get_their_size() {
        let dir = tempfile::tempdir().unwrap();
        let bundle = dir.path().join("content/guide");
        std::fs::create_dir_all(&bundle).unwrap();
        std::fs::create_dir_all(dir.path().join("static/img")).unwrap();
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="800" height="450"></svg>"#;
        std::fs::write(bundle.join("shot one.svg"), svg).unwrap();
        std::fs::write(dir.path().join("static/img/wide.svg"), svg.replace("800", "1600")).unwrap();
        let body = "![a](shot%20one.svg) ![b](/img/wide.svg) ![c](missing.png) ![d](https://x.org/y.png)\n";
        let index = LineIndex::new(body);
        let map = OffsetMap::default();
        let files = crate::load::DiskFiles::new(dir.path(), Path::new("content"));
        let urls = |_: &Path| None;
        let ctx = MdContext {
            path: Path::new("content/guide/index.md"),
            index: &index,
            body_offset: 0,
            map: &map,
            urls: &urls,
            content_dir: Path::new("content"),
            snippet: SnippetContext {
                site_root: dir.path(),
                content_dir: Path::new("content"),
                article: Path::new("content/guide/index.md"),
                bundle_dir: Some(Path::new("content/guide")),
                out_dir: Path::new("guide"),
                base_path: "",
                files: &files,
                limits: &crate::limits::Limits::default(),
            },
        };
        let r = render(body, &ctx, &mut Vec::new(), &mut |_, _| {});
        assert!(r.html.contains("alt=\"a\" width=\"800\" height=\"450\" loading"), "{}", r.html);
        assert!(r.html.contains("alt=\"b\" width=\"1600\" height=\"450\" loading"), "{}", r.html);
        assert!(r.html.contains("alt=\"c\" loading"), "{}", r.html);
        assert!(r.html.contains("alt=\"d\" loading"), "{}", r.html);
    }

    fn select<'a>(doc: &'a scraper::Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
        doc.select(&scraper::Selector::parse(css).unwrap()).collect()
    }

    #[test]
    fn alt_text_over_two_lines_keeps_the_space() {
        let (r, _) = render_str(
            "![Screenshot of the Activation\nsettings page](shot.png)\n",
            &HashMap::new(),
        );
        let doc = scraper::Html::parse_fragment(&r.html);
        let img = select(&doc, "img");
        assert_eq!(img[0].attr("alt"), Some("Screenshot of the Activation settings page"));
    }

    #[test]
    fn an_image_in_alt_text_stays_in_the_alt() {
        let (r, _) = render_str("![a ![b](x.png) tail](y.png)\n", &HashMap::new());
        let doc = scraper::Html::parse_fragment(&r.html);
        let imgs = select(&doc, "img");
        assert_eq!(imgs.len(), 1, "{}", r.html);
        assert_eq!(imgs[0].attr("src"), Some("y.png"));
        assert_eq!(imgs[0].attr("alt"), Some("a b tail"));
        let page_text: String = doc.root_element().text().collect();
        assert_eq!(page_text.trim(), "", "text leaked onto the page: {}", r.html);
    }

    #[test]
    fn custom_heading_ids_and_attributes_are_kept_as_written() {
        let (r, diags) = render_str(
            "## Step one {#Step_1}\n\nSee [step one](#Step_1).\n\n## Notes {.note data-x=y hidden}\n",
            &HashMap::new(),
        );
        let doc = scraper::Html::parse_fragment(&r.html);
        let h2 = select(&doc, "h2");
        assert_eq!(h2[0].attr("id"), Some("Step_1"));
        assert_eq!(select(&doc, "h2 a.heading-link")[0].attr("href"), Some("#Step_1"));
        assert_eq!(select(&doc, "p a")[0].attr("href"), Some("#Step_1"));
        assert_eq!(r.toc[0].id, "Step_1");
        assert_eq!(h2[1].attr("id"), Some("notes"));
        assert_eq!(h2[1].attr("class"), Some("note"));
        assert_eq!(h2[1].attr("data-x"), Some("y"));
        assert!(h2[1].attr("hidden").is_some(), "{}", r.html);
        assert!(diags.is_empty(), "{diags:?}");
    }

    #[test]
    fn a_heading_attribute_that_runs_code_is_reported_where_written() {
        let (r, diags) = render_str("text\n\n## Hi {onclick=go()}\n", &HashMap::new());
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].code, "html/event-handler");
        assert_eq!((diags[0].location.line, diags[0].location.col), (3, Some(1)));
        assert!(r.html.contains("onclick=\"go()\""), "{}", r.html);
    }

    #[test]
    fn the_toc_keeps_the_line_break_of_a_setext_heading_as_a_space() {
        let (r, _) = render_str("Foo\nBar\n===\n", &HashMap::new());
        assert_eq!(r.toc[0].title, "Foo Bar");
        assert_eq!(r.toc[0].id, "foo-bar");
    }

    #[test]
    fn a_table_scrolls_in_a_named_box_reachable_by_keyboard() {
        let (r, _) = render_str(
            "| Setting | `Value` |\n|---|---|\n| a | b |\n\n|  |\n|--|\n| x |\n",
            &HashMap::new(),
        );
        let doc = scraper::Html::parse_fragment(&r.html);
        let boxes = select(&doc, "div.table-scroll");
        assert_eq!(boxes.len(), 2, "{}", r.html);
        for b in &boxes {
            assert_eq!(b.attr("tabindex"), Some("0"));
            assert_eq!(b.attr("role"), Some("region"));
        }
        assert_eq!(boxes[0].attr("aria-label"), Some("Table: Setting, Value"));
        assert_eq!(boxes[1].attr("aria-label"), Some("Table 2"));
        assert_eq!(select(&doc, "div.table-scroll > table > tbody > tr > td").len(), 3);
    }

    #[test]
    fn first_paragraph_and_word_count() {
        let (r, _) = render_str("# T\n\nHello *big*\nworld.\n\nSecond.\n", &HashMap::new());
        assert_eq!(r.first_paragraph, "Hello big world.");
        assert_eq!(r.word_count, 1 + 3 + 1);
    }
}
