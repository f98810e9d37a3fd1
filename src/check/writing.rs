//! What readers of a how-to trip over in the text itself: placeholders the
//! browser takes for HTML tags, and step numbers that don't add up.
//!
//! Each rule prefers silence to a guess (a check that cries wolf gets turned
//! off): the thresholds below were tightened on the real articles in
//! `shared/corpus/real-articles` until no finding there was a false alarm.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use crate::diag::Diagnostic;
use crate::registry::ids;

use super::facts::{Facts, TagContext, TagFact};
use super::loc;

pub fn check(path: &Path, facts: &Facts, out: &mut Vec<Diagnostic>) {
    swallowed_text(path, facts, out);
    step_references(path, facts, out);
    step_numbering(path, facts, out);
    stray_emphasis(path, facts, out);
}

/// Leftovers of a converted guide: its first heading says the title again,
/// under the page's own h1 that already shows it (82 % of the guides of a
/// real pasted blog). Compared on words only: case and punctuation differ.
pub fn title_repeated(
    path: &Path,
    article: &crate::model::Article,
    facts: &Facts,
    out: &mut Vec<Diagnostic>,
) {
    let (Some(first), Some(at)) = (article.toc.first(), facts.headings.first()) else { return };
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let title = words(&article.meta.title);
    // A repeated h1 is already `structure/h1-in-body`: one cause, one finding.
    if first.level < 2 || title.is_empty() || words(&first.title) != title {
        return;
    }
    out.push(
        Diagnostic::warning(
            ids::CONTENT_TITLE_REPEATED,
            loc(path, at.at),
            format!(
                "the first heading repeats the title `{}`, which the page already shows above it",
                article.meta.title
            ),
        )
        .with_help("remove the heading, or make it name what its section is about"),
    );
}

/// Leftovers of a converted guide: bold whose space before or after it went
/// missing, so the page runs the words together (`takeIntel driver`).
fn stray_emphasis(path: &Path, facts: &Facts, out: &mut Vec<Diagnostic>) {
    for (at, shown) in &facts.stray_emphasis {
        out.push(
            Diagnostic::warning(
                ids::CONTENT_STRAY_EMPHASIS,
                loc(path, *at),
                format!("`{shown}`: bold glued to the word next to it, so the page runs the words together"),
            )
            .with_help("put a space outside the `**` pair and none just inside it"),
        );
    }
}

// ---- swallowed text ----

/// Element names of the HTML Living Standard's element index, with the
/// obsolete ones browsers still render, plus the `svg` and `math` roots.
/// A list, not a crate: `web_atoms` (in the lock through html5ever) mixes
/// element, attribute, SVG and MathML names, so `path`, `title` and `name`
/// would pass as elements there.
const HTML_ELEMENTS: &[&str] = &[
    "a",
    "abbr",
    "acronym",
    "address",
    "area",
    "article",
    "aside",
    "audio",
    "b",
    "base",
    "bdi",
    "bdo",
    "big",
    "blink",
    "blockquote",
    "body",
    "br",
    "button",
    "canvas",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "data",
    "datalist",
    "dd",
    "del",
    "details",
    "dfn",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "fieldset",
    "figcaption",
    "figure",
    "font",
    "footer",
    "form",
    "frame",
    "frameset",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hgroup",
    "hr",
    "html",
    "i",
    "iframe",
    "img",
    "input",
    "ins",
    "kbd",
    "label",
    "legend",
    "li",
    "link",
    "main",
    "map",
    "mark",
    "marquee",
    "math",
    "menu",
    "meta",
    "meter",
    "nav",
    "nobr",
    "noscript",
    "object",
    "ol",
    "optgroup",
    "option",
    "output",
    "p",
    "param",
    "picture",
    "pre",
    "progress",
    "q",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "script",
    "search",
    "section",
    "select",
    "slot",
    "small",
    "source",
    "span",
    "strike",
    "strong",
    "style",
    "sub",
    "summary",
    "sup",
    "svg",
    "table",
    "tbody",
    "td",
    "template",
    "textarea",
    "tfoot",
    "th",
    "thead",
    "time",
    "title",
    "tr",
    "track",
    "tt",
    "u",
    "ul",
    "var",
    "video",
    "wbr",
];

fn is_html_element(name: &str) -> bool {
    HTML_ELEMENTS.contains(&name)
}

/// A name some HTML, SVG or MathML element takes as an attribute (the names
/// html5ever knows), or a `data-`/`aria-` one.
fn is_attribute(name: &str) -> bool {
    name.starts_with("data-")
        || name.starts_with("aria-")
        || html5ever::LocalName::try_static(name).is_some()
}

/// Why a tag in prose is a placeholder the reader never sees, if it is one:
/// an unknown element that is never closed (`<username>`, `<path to OneDrive
/// folder>`), or a known one carrying words that are no attributes
/// (`<source folder>`). Closed unknown elements are custom elements on
/// purpose; a tag among other HTML in a block is markup on purpose.
fn swallowed(t: &TagFact, end_tags: &[String]) -> bool {
    if t.context == TagContext::Block {
        return false;
    }
    if !is_html_element(&t.name) {
        return !end_tags.contains(&t.name);
    }
    t.context == TagContext::Prose
        && !end_tags.contains(&t.name)
        && t.bare.iter().any(|a| !is_attribute(a))
}

fn swallowed_text(path: &Path, facts: &Facts, out: &mut Vec<Diagnostic>) {
    for t in facts.tags.iter().filter(|t| swallowed(t, &facts.end_tags)) {
        let shown: String = if t.raw.chars().count() > 60 {
            t.raw.chars().take(57).collect::<String>() + "…"
        } else {
            t.raw.clone()
        };
        out.push(
            Diagnostic::warning(
                ids::CONTENT_SWALLOWED_TEXT,
                loc(path, t.at),
                format!("`{shown}` is read as an HTML tag, so readers see nothing where it stands"),
            )
            .with_help(format!("write it as code: `` `{shown}` `` or escape it: `\\{shown}`")),
        );
    }
}

// ---- steps ----

/// `step 3`, `steps 2–4`, `steps 2, 3 and 5`; then, to leave out mentions of
/// another guide's or a wizard's steps, what follows (`of`, `in`, …).
static MENTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\bsteps?\s+(\d{1,3})\b((?:\s*(?:,|-|–|—|&|\band\b|\bor\b|\bto\b|\bthrough\b|\bthru\b)\s*(?:and\s+)?\d{1,3}\b)*)(?:\s+(of|in|from|on|at)\s+(\w+))?",
    )
    .unwrap()
});

/// `Step 3:` / `Step 3.` / `Step 3 -` opening a block, or a heading that
/// starts `3.` / `3)`.
static LABEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^\s*step\s+(\d{1,3})\s*(?:[:.)\-–—]|$)").unwrap());
static NUMBERED_HEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(\d{1,3})[.)]\s").unwrap());

/// The step number `text` labels when it opens a block (see [`LABEL`]).
pub fn step_label(text: &str, in_heading: bool) -> Option<u64> {
    let caps = LABEL
        .captures(text)
        .or_else(|| in_heading.then(|| NUMBERED_HEADING.captures(text)).flatten())?;
    caps[1].parse().ok()
}

/// A cheap test before the regex: most text never says "step".
pub fn may_mention_steps(text: &str) -> bool {
    text.as_bytes().windows(4).any(|w| w.eq_ignore_ascii_case(b"step"))
}

/// The step mentions in `text`: byte offset, words as written, numbers. A
/// label opening the block (`first`) names a step rather than points to one.
pub fn step_mentions(text: &str, first: bool) -> Vec<(usize, String, Vec<u64>)> {
    let skip = if first { LABEL.find(text).map_or(0, |m| m.end()) } else { 0 };
    let mut found = Vec::new();
    for caps in MENTION.captures_iter(&text[skip..]) {
        if let Some(word) = caps.get(4) {
            let internal = ["this", "these", "above", "below"];
            if !internal.iter().any(|w| word.as_str().eq_ignore_ascii_case(w)) {
                continue;
            }
        }
        let whole = caps.get(0).unwrap();
        let words = match caps.get(3) {
            Some(_) => &text[skip + whole.start()..skip + caps.get(2).unwrap().end()],
            None => whole.as_str(),
        };
        let numbers: Vec<u64> = words
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|n| n.parse().ok())
            .filter(|n| *n > 0)
            .collect();
        if !numbers.is_empty() {
            found.push((skip + whole.start(), words.to_string(), numbers));
        }
    }
    found
}

/// Every step number a reader can find on the page: what ordered lists show
/// and what their authors typed (a mismatch is `steps/numbering`'s finding,
/// not this one's), and step labels.
fn known_steps(facts: &Facts) -> BTreeSet<u64> {
    let mut known: BTreeSet<u64> = facts.step_labels.iter().copied().collect();
    for list in &facts.ordered_lists {
        let shown = list.start..list.start + list.items.len() as u64;
        known.extend(shown);
        known.extend(list.items.iter().map(|(n, _)| *n));
    }
    known
}

fn step_references(path: &Path, facts: &Facts, out: &mut Vec<Diagnostic>) {
    if facts.step_mentions.is_empty() {
        return;
    }
    let known = known_steps(facts);
    for m in &facts.step_mentions {
        let Some(missing) = m.numbers.iter().find(|n| !known.contains(n)) else { continue };
        let has = match known.last() {
            None => "this article has no numbered steps".to_string(),
            Some(last) => format!("this article's numbered steps go up to {last}"),
        };
        out.push(
            Diagnostic::warning(
                ids::STEPS_REFERENCE,
                loc(path, m.at),
                format!("`{}` points to step {missing}, but {has}", m.text),
            )
            .with_help(
                "fix the step number, or write the procedure as a numbered list (`1.`, `2.`, …)",
            ),
        );
    }
}

fn step_numbering(path: &Path, facts: &Facts, out: &mut Vec<Diagnostic>) {
    // Renumbering only misleads when the text names steps by number.
    if facts.step_mentions.is_empty() {
        return;
    }
    let mut previous: Option<&super::facts::OrderedList> = None;
    for list in &facts.ordered_lists {
        // `1.` on every item is the usual way to let Markdown count.
        let all_same = list.items.windows(2).all(|w| w[0].0 == w[1].0);
        if !all_same {
            if let Some((i, (written, at))) =
                list.items.iter().enumerate().find(|(i, (n, _))| *n != list.start + *i as u64)
            {
                let what = if list.items[..i].iter().any(|(n, _)| n == written) {
                    "repeats"
                } else {
                    "skips"
                };
                out.push(
                    Diagnostic::warning(
                        ids::STEPS_NUMBERING,
                        loc(path, *at),
                        format!(
                            "this item is written as step {written} but the page shows it as \
                             step {}: the list {what} a number, and Markdown counts on from \
                             the first item",
                            list.start + i as u64
                        ),
                    )
                    .with_help(
                        "number the items in order, then check the `step N` mentions in the text",
                    ),
                );
            }
        }
        if list.nested {
            continue;
        }
        if let Some(prev) = previous {
            let prev_last = prev.start + prev.items.len() as u64 - 1;
            if list.continues_previous
                && list.section == prev.section
                && list.delimiter == prev.delimiter
                && list.start <= prev_last
                && !prev.items.is_empty()
            {
                if let Some((_, at)) = list.items.first() {
                    out.push(
                        Diagnostic::warning(
                            ids::STEPS_NUMBERING,
                            loc(path, *at),
                            format!(
                                "the numbering starts again at {} after step {prev_last} \
                                 (line {}), with only code or images between: the page shows \
                                 two lists",
                                list.start,
                                prev.items[prev.items.len() - 1].1.line
                            ),
                        )
                        .with_help(format!(
                            "indent the code or image under the step before (4 spaces) so \
                             the list goes on, or start this list at `{}.`",
                            prev_last + 1
                        )),
                    );
                }
            }
        }
        previous = Some(list);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::LineIndex;
    use crate::model::OffsetMap;

    fn findings(body: &str) -> Vec<(String, usize, usize, String)> {
        let index = LineIndex::new(body);
        let map = OffsetMap::default();
        let mapper = super::super::facts::Mapper { index: &index, body_offset: 0, map: &map };
        let facts = super::super::facts::collect(body, &mapper);
        let mut out = Vec::new();
        check(Path::new("a.md"), &facts, &mut out);
        out.sort_by_key(|d| (d.location.line, d.location.col));
        out.iter()
            .map(|d| {
                (d.code.to_string(), d.location.line, d.location.col.unwrap(), d.message.clone())
            })
            .collect()
    }

    fn codes_at(body: &str) -> Vec<(String, usize, usize)> {
        findings(body).into_iter().map(|(c, l, col, _)| (c, l, col)).collect()
    }

    #[test]
    fn placeholders_in_prose_are_swallowed_text() {
        let f = findings("Open <path to OneDrive folder> and run\n`ssh` as <username>@host.\n");
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!((f[0].0.as_str(), f[0].1, f[0].2), ("content/swallowed-text", 1, 6));
        assert!(f[0].3.contains("`<path to OneDrive folder>`"), "{f:?}");
        assert_eq!((f[1].1, f[1].2), (2, 10));
        // A known element with words that are no attributes.
        assert_eq!(codes_at("Copy it to <source folder>.\n").len(), 1);
        // Alone on its line after a blank line it is an HTML block, still swallowed.
        assert_eq!(codes_at("Type:\n\n<your-password>\n").len(), 1);
    }

    #[test]
    fn real_html_and_custom_elements_are_not_swallowed_text() {
        for body in [
            "Press <kbd>Ctrl</kbd> and <b>go</b>, <br> <img src=\"a.png\" alt=\"x\" loading=lazy>\n",
            "<details open>\n<summary>More</summary>\n\nText\n</details>\n",
            "A <my-widget size=2>custom</my-widget> element.\n",
            "<div>\n<path d=\"M0\">\n</div>\n",
            "`<username>` and \\<username> and <https://example.org>\n",
            "```\nssh <username>@host\n```\n",
            "<input type=\"checkbox\" disabled data-x aria-hidden> done\n",
        ] {
            assert_eq!(codes_at(body), [], "{body}");
        }
    }

    #[test]
    fn step_mentions_are_read_with_their_numbers() {
        let m = step_mentions("see step 5, then repeat steps 2–4 and go back to Step 3.", false);
        let got: Vec<_> = m.iter().map(|(o, t, n)| (*o, t.as_str(), n.clone())).collect();
        assert_eq!(
            got,
            [(4, "step 5", vec![5]), (24, "steps 2–4", vec![2, 4]), (51, "Step 3", vec![3])]
        );
        assert_eq!(step_mentions("steps 2, 3 and 7", false)[0].2, [2, 3, 7]);
        // Another guide's or a wizard's steps are not this article's.
        assert!(
            step_mentions("as in step 2 of the installer, and step 4 in Setup", false).is_empty()
        );
        assert_eq!(step_mentions("step 2 of this guide", false).len(), 1);
        assert!(step_mentions("a 3-step process, the next steps, step12a", false).is_empty());
        // A label opening a block names a step.
        assert!(step_mentions("Step 2: then see step 1", true).iter().all(|m| m.2 == [1]));
        assert_eq!(step_label("Step 2: Connect", false), Some(2));
        assert_eq!(step_label("3. Configure", true), Some(3));
        assert_eq!(step_label("3. Configure", false), None);
    }

    #[test]
    fn a_mention_of_a_step_the_article_lacks_is_reported() {
        let body = "## Install\n\n1. Download.\n2. Run it.\n3. Restart.\n\nIf it fails, go back to step 3 or see step 5.\n";
        let f = findings(body);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!((f[0].0.as_str(), f[0].1, f[0].2), ("steps/reference", 7, 39));
        assert!(f[0].3.contains("go up to 3"), "{f:?}");
        let f = findings("Repeat steps 2-4 until it works.\n");
        assert!(f[0].3.contains("no numbered steps"), "{f:?}");
    }

    #[test]
    fn steps_named_by_labels_headings_or_links_are_not_reported() {
        for body in [
            "### Step 1: Download\n\nText.\n\n### Step 2: Run\n\nAs in step 2, wait.\n",
            "**Step 1.** Open it.\n\n**Step 2.** See step 1.\n",
            "<span><span>Step 4: </span></span> Open\n\nsee step 4\n",
            "## 1. Install\n\n## 2. Configure\n\nSee step 2.\n",
            "See [step 7](other.md#step-7) of the other guide.\n",
            "Run `step 9` in the console.\n",
        ] {
            assert_eq!(codes_at(body), [], "{body}");
        }
    }

    #[test]
    fn typed_numbers_that_skip_or_repeat_are_reported_when_steps_are_named() {
        let body = "1. Open.\n2. Click.\n4. Save.\n\nThen see step 4.\n";
        let f = findings(body);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!((f[0].0.as_str(), f[0].1, f[0].2), ("steps/numbering", 3, 1));
        assert!(f[0].3.contains("written as step 4 but the page shows it as step 3"), "{f:?}");
        assert!(f[0].3.contains("skips"), "{f:?}");
        let f = findings("1. Open.\n2. Click.\n2. Save.\n\nSee step 3.\n");
        assert_eq!((f[0].1, f[0].3.contains("repeats")), (3, true), "{f:?}");
        // No step named by number: the renumbering misleads nobody.
        assert_eq!(codes_at("1. Open.\n2. Click.\n4. Save.\n"), []);
        // `1.` on every item lets Markdown count on purpose.
        assert_eq!(codes_at("1. Open.\n1. Click.\n1. Save.\n\nSee step 3.\n"), []);
    }

    #[test]
    fn a_list_restarting_after_code_inside_one_procedure_is_reported() {
        let body = "1. Open a terminal.\n2. Run:\n\n```sh\nls\n```\n\n1. Check the output.\n\nRepeat step 3.\n";
        let f = findings(body);
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!((f[0].0.as_str(), f[0].1, f[0].2), ("steps/numbering", 8, 1));
        assert!(f[0].3.contains("starts again at 1 after step 2 (line 2)"), "{f:?}");
        // The page has no step 3 either: it shows 1, 2, then 1 again.
        assert_eq!((f[1].0.as_str(), f[1].1, f[1].2), ("steps/reference", 10, 8));
        // Two procedures: a heading or a sentence between them.
        for between in ["## Then\n\n", "Now the second part:\n\n"] {
            let body = format!("1. A.\n2. B.\n\n{between}1. C.\n2. D.\n\nSee step 2.\n");
            assert_eq!(codes_at(&body), [], "{body}");
        }
        // `1)` notes, then a `1.` procedure (a real article's shape): two lists.
        let body = "1) Back up first.\n2) Be careful.\n\n1. Open Settings.\n2. Click Restart.\n\nSee step 2.\n";
        assert_eq!(codes_at(body), []);
        // The same delimiter typed again after an image: one procedure.
        let body =
            "1) Open it.\n2) Press R.\n\n![](a.png)\n\n2) Locate the device.\n\nSee step 3.\n";
        assert_eq!(codes_at(body)[0], ("steps/numbering".to_string(), 6, 1));
    }

    #[test]
    fn bold_glued_to_a_word_is_stray_emphasis() {
        let f = findings("Then take**Intel display audio driver** and press **Enter**now.\n");
        let got: Vec<_> =
            f.iter().map(|(c, l, col, m)| (c.as_str(), *l, *col, m.as_str())).collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].0, "content/stray-emphasis");
        assert_eq!((got[0].1, got[0].2), (1, 6));
        assert!(
            got[0].3.starts_with("`take**Intel display audio driver**`: bold glued"),
            "{got:?}"
        );
        assert_eq!((got[1].1, got[1].2), (1, 51));
        for body in
            ["Press **Enter** now.\n", "`a**b**c`\n", "```\nx**y**z\n```\n", "中文**粗体**中文\n"]
        {
            assert_eq!(codes_at(body), [], "{body}");
        }
    }
}
