//! Stage 3 (transform): syntax highlighting of code into CSS classes.
//!
//! Input: a fence's language token and the code. Output: a `<pre class="code">`
//! block whose tokens are `<span class="hl-…">`s, plus [`css()`], one stylesheet
//! that colours those classes for light and dark pages.
//!
//! What a reader of this module must know:
//! 1. Classes, never inline styles, so one page serves both colour schemes and
//!    the reader's theme switch works without re-rendering.
//! 2. The grammars (two-face's set: syntect's defaults plus bat's extras such as
//!    PowerShell and Batch File) are deserialised once, lazily, on the first block
//!    that needs a grammar. A site without code never pays for them, and parallel
//!    workers share the same immutable set (regexes compile once, inside it).
//! 3. A language we don't know is not an error: the block is escaped plain text
//!    with the author's token kept in `data-lang`.

use std::fmt::Write as _;
use std::ops::Range;
use std::sync::LazyLock;

use std::rc::Rc;

use syntect::html::{css_for_theme_with_class_style, ClassStyle};
use syntect::parsing::{
    BasicScopeStackOp, ParseState, Scope, ScopeStack, ScopeStackOp, SyntaxReference, SyntaxSet,
};
use syntect::util::LinesWithEndings;
use two_face::theme::EmbeddedThemeName;

/// The class prefix keeps syntect's scope names (`string`, `comment`, `code`)
/// from colliding with the theme's own classes such as `pre.code`.
const STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

/// Lines longer than this are shown unhighlighted: the regex engine can take
/// quadratic time on a minified one-line file, and colour adds nothing there.
const MAX_LINE_BYTES: usize = 16 * 1024;

/// Light colours, used unless the page is dark. Coldark was picked because every
/// token colour meets WCAG AA contrast (4.5:1) on its background, comments
/// included, and the light and dark variants style exactly the same scopes, so
/// no light colour can leak into the dark page.
const LIGHT_THEME: EmbeddedThemeName = EmbeddedThemeName::ColdarkCold;
const DARK_THEME: EmbeddedThemeName = EmbeddedThemeName::ColdarkDark;

static SYNTAXES: LazyLock<SyntaxSet> = LazyLock::new(two_face::syntax::extra_newlines);

/// Fence tokens people actually write, mapped to one canonical token (what
/// `data-lang` shows) and the grammar's name in the syntax set. `None` means
/// "show as plain text": no grammar exists or colour would mislead (`mermaid`
/// is diagram source that a script may pick up by its class).
const ALIASES: &[(&[&str], &str, Option<&str>)] = &[
    (
        &["powershell", "ps1", "ps", "pwsh", "posh", "psm1", "psd1"],
        "powershell",
        Some("PowerShell"),
    ),
    (&["batch", "cmd", "bat", "batchfile", "dos"], "batch", Some("Batch File")),
    (
        &["bash", "sh", "shell", "zsh", "console", "shell-session", "terminal"],
        "bash",
        Some("Bourne Again Shell (bash)"),
    ),
    (&["python", "py", "python3", "py3"], "python", Some("Python")),
    (&["json", "jsonc", "json5"], "json", Some("JSON")),
    (&["yaml", "yml"], "yaml", Some("YAML")),
    (&["toml"], "toml", Some("TOML")),
    (&["rust", "rs"], "rust", Some("Rust")),
    (&["html", "htm", "xhtml"], "html", Some("HTML")),
    (&["css"], "css", Some("CSS")),
    (&["javascript", "js", "mjs", "cjs", "jsx"], "javascript", Some("JavaScript (Babel)")),
    (&["typescript", "ts", "mts", "cts"], "typescript", Some("TypeScript")),
    (&["c", "h"], "c", Some("C")),
    (&["cpp", "c++", "cxx", "cc", "hpp"], "cpp", Some("C++")),
    (&["go", "golang"], "go", Some("Go")),
    (&["diff", "patch"], "diff", Some("Diff")),
    (&["sql"], "sql", Some("SQL")),
    (&["xml", "xaml", "xsd", "svg"], "xml", Some("XML")),
    (&["ini", "cfg", "conf", "inf"], "ini", Some("INI")),
    // Windows registry exports look like INI files; keep the author's name for them.
    (&["reg", "regedit"], "reg", Some("INI")),
    (&["dockerfile", "docker", "containerfile"], "dockerfile", Some("Dockerfile")),
    (&["markdown", "md"], "markdown", Some("Markdown")),
    (&["text", "txt", "plain", "plaintext", "none", "output", "nohighlight"], "text", None),
    (&["mermaid"], "mermaid", None),
];

/// A fence's language after alias mapping.
struct Lang {
    /// Lowercase canonical token for `data-lang` and `language-…`.
    token: String,
    /// `None`: show escaped plain text.
    syntax: Option<&'static SyntaxReference>,
}

/// A whole highlighted block: `<pre class="code" data-lang="LANG"><code
/// class="language-LANG">…</code></pre>`. Unknown or missing languages give
/// escaped plain text in the same markup, so the theme styles every block alike.
pub fn code_block(lang: Option<&str>, code: &str) -> String {
    block(lang, code, None, None)
}

/// [`code_block`] with the knobs snippets need: only the 0-based line range
/// `shown` of `code` is emitted (highlighted with the whole file as context, so
/// a range that starts inside a here-string still colours correctly), and the
/// `<code>` element gets `code_id` so a copy button can point at it.
pub(crate) fn block(
    lang: Option<&str>,
    code: &str,
    shown: Option<Range<usize>>,
    code_id: Option<&str>,
) -> String {
    let lang = resolve(lang);
    let normalised;
    let code = if code.contains('\r') {
        normalised = code.replace("\r\n", "\n");
        normalised.as_str()
    } else {
        code
    };
    let shown = shown.unwrap_or(0..usize::MAX);
    let body = lang
        .syntax
        .and_then(|syntax| highlight_lines(syntax, code, shown.clone()))
        .unwrap_or_else(|| plain_lines(code, shown));
    let body = mark_invisible(body);

    let token = escape(&lang.token);
    let mut out = String::with_capacity(body.len() + 96);
    let _ = write!(out, "<pre class=\"code\" data-lang=\"{token}\"><code");
    if let Some(id) = code_id {
        let _ = write!(out, " id=\"{}\"", escape(id));
    }
    let _ = write!(out, " class=\"language-{token}\">{body}</code></pre>");
    out
}

/// The canonical token for a fence token or file extension (`ps1` → `powershell`,
/// `yml` → `yaml`); unknown tokens come back lowercased. No grammar is loaded.
pub(crate) fn canonical_token(token: &str) -> String {
    let lower = first_word(token).to_ascii_lowercase();
    match ALIASES.iter().find(|(names, _, _)| names.contains(&lower.as_str())) {
        Some((_, canonical, _)) => (*canonical).to_string(),
        None if lower.is_empty() => "text".to_string(),
        None => lower,
    }
}

/// `false` when a block in `lang` falls back to plain text although the author
/// named a language (`.xyz`, a typo); languages shown plain on purpose (`text`,
/// `output`, `mermaid`) are `true`.
pub(crate) fn highlights(lang: &str) -> bool {
    let l = resolve(Some(lang));
    l.syntax.is_some()
        || l.token == "text"
        || ALIASES.iter().any(|(_, c, g)| *c == l.token && g.is_none())
}

/// The info string may carry more than the language (`rust,ignore`,
/// `python {.numberLines}`); only the first word names the language.
fn first_word(token: &str) -> &str {
    token.trim().split(|c: char| c.is_whitespace() || c == ',' || c == '{').next().unwrap_or("")
}

fn resolve(lang: Option<&str>) -> Lang {
    let Some(raw) = lang.map(first_word).filter(|t| !t.is_empty()) else {
        return Lang { token: "text".to_string(), syntax: None };
    };
    let lower = raw.to_ascii_lowercase();
    if let Some((_, canonical, grammar)) =
        ALIASES.iter().find(|(names, _, _)| names.contains(&lower.as_str()))
    {
        // Only here, for a block that needs colour, are the grammars loaded.
        let syntax = grammar.and_then(|name| SYNTAXES.find_syntax_by_name(name));
        return Lang { token: (*canonical).to_string(), syntax };
    }
    // Not in the table: give the grammar set a chance by extension, then by name.
    let set: &'static SyntaxSet = &SYNTAXES;
    let syntax = set
        .find_syntax_by_extension(raw)
        .or_else(|| set.syntaxes().iter().find(|s| s.name.eq_ignore_ascii_case(raw)))
        .filter(|s| s.name != "Plain Text");
    Lang { token: lower, syntax }
}

/// Highlights the lines of `code` in `shown`; `None` when the grammar fails or a
/// line is too long, and the caller falls back to plain text.
fn highlight_lines(syntax: &SyntaxReference, code: &str, shown: Range<usize>) -> Option<String> {
    let set: &SyntaxSet = &SYNTAXES;
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    MEMO.with_borrow_mut(|memo| {
        if memo.styles.len() > 50_000 || memo.spans.len() > 50_000 {
            // Bounded: a pathological grammar cannot grow it forever.
            memo.styles.clear();
            memo.spans.clear();
        }
        if memo.parsed_lines > MAX_PARSED_LINES {
            memo.lines.clear();
            memo.parsed_lines = 0;
        }
        let mut merger = Merger::new(code.len() * 2);
        for (i, line) in LinesWithEndings::from(code).enumerate() {
            if i >= shown.end {
                break;
            }
            if line.len() > MAX_LINE_BYTES {
                return None;
            }
            let ops = memo.parse(&mut state, line, set)?;
            // Lines before the shown range only move the parser and the span
            // stack along, so the first shown line starts in the right context.
            let emit = i >= shown.start;
            let mut at = 0;
            for (pos, op) in ops.iter() {
                if emit && *pos > at {
                    merger.text(&line[at..*pos]);
                    at = *pos;
                }
                stack
                    .apply_with_hook(op, |basic, _| match basic {
                        BasicScopeStackOp::Push(scope) => merger.push_scope(scope, memo),
                        BasicScopeStackOp::Pop => merger.pop(),
                    })
                    .ok()?;
            }
            if emit {
                merger.text(&line[at..]);
            }
        }
        Some(merger.finish())
    })
}

/// Rewrites syntect's scope stack into the fewest tags that colour the text
/// the same way (issue 8: the demo article was 171 KB, mostly nested spans).
///
/// 1. Class atoms that no rule of either theme mentions (`hl-powershell`,
///    `hl-begin`, …) are dropped; they cannot change how anything looks. A
///    span that then looks exactly like its parent in both themes, and that no
///    descendant rule needs as an ancestor, is dropped as a whole ([`Cascade`]
///    decides); top-level spans stay for the `:where(pre.code > code > span)`
///    base colour.
/// 2. Between two runs of text only the *nesting state* matters, so tags are
///    written only before text, as the shortest transition from the stack
///    written so far to the wanted one: close what is no longer open, keep the
///    common outer part, open the rest. Same-class neighbours merge; empty
///    spans never appear.
///
/// The decision for a scope depends only on the kept spans around it, so it
/// is memoised per (chain, scope) for the thread: after the first blocks of a
/// language, a span costs one hash look-up (this was ~11 % of a cold build
/// when the spans were written by syntect and parsed back).
struct Merger {
    out: String,
    /// Spans as the input wants them (`None`: a span that styles nothing).
    wanted: Vec<Option<Rc<Kept>>>,
    /// Spans open in `out`.
    written: Vec<Rc<Kept>>,
}

impl Merger {
    fn new(capacity: usize) -> Merger {
        Merger { out: String::with_capacity(capacity), wanted: Vec::new(), written: Vec::new() }
    }

    fn parent_hash(&self) -> u64 {
        self.wanted.iter().rev().flatten().next().map_or(0, |k| k.hash)
    }

    fn push_scope(&mut self, scope: Scope, memo: &mut Memo) {
        let key = (self.parent_hash(), scope);
        let kept = match memo.spans.get(&key) {
            Some(k) => k.clone(),
            None => {
                let name = scope.build_string();
                let used: &'static std::collections::HashSet<String> = &USED_ATOMS;
                let atoms: Vec<&'static str> =
                    name.split('.').filter_map(|a| used.get(a).map(String::as_str)).collect();
                let k = self.decide(atoms, &mut memo.styles);
                memo.spans.insert(key, k.clone());
                k
            }
        };
        self.wanted.push(kept);
    }

    /// Pushes a span given its used atoms, deciding afresh (no memo).
    #[cfg(test)]
    fn push_atoms(&mut self, atoms: Vec<&'static str>, styles: &mut StyleCache) {
        let k = self.decide(atoms, styles);
        self.wanted.push(k);
    }

    fn decide(&self, atoms: Vec<&'static str>, styles: &mut StyleCache) -> Option<Rc<Kept>> {
        let chain: Vec<&Kept> = self.wanted.iter().flatten().map(|k| &**k).collect();
        let hash = chain_hash(chain.last().map_or(0, |k| k.hash), &atoms);
        let keep = chain.is_empty() || {
            let atoms_chain: Vec<&[&str]> = chain.iter().map(|k| k.atoms.as_slice()).collect();
            let hashes: Vec<u64> = chain.iter().map(|k| k.hash).collect();
            CASCADE.matters(&atoms_chain, &hashes, &atoms, hash, styles)
        };
        keep.then(|| {
            let tag = if atoms.is_empty() {
                "<span>".to_string()
            } else {
                let classes: Vec<String> = atoms.iter().map(|a| format!("hl-{a}")).collect();
                format!("<span class=\"{}\">", classes.join(" "))
            };
            Rc::new(Kept { tag, atoms, hash })
        })
    }

    fn pop(&mut self) {
        self.wanted.pop();
    }

    /// Writes the tags that take the written stack to the wanted one, then
    /// `text` escaped.
    fn text(&mut self, text: &str) {
        let mut wanted = self.wanted.iter().flatten();
        let keep = self
            .written
            .iter()
            .zip(wanted.by_ref())
            .take_while(|(a, b)| Rc::ptr_eq(a, b) || a.tag == b.tag)
            .count();
        for _ in keep..self.written.len() {
            self.out.push_str("</span>");
        }
        self.written.truncate(keep);
        for k in self.wanted.iter().flatten().skip(keep) {
            self.out.push_str(&k.tag);
            self.written.push(k.clone());
        }
        crate::escape::escape_into(&mut self.out, text);
    }

    fn finish(mut self) -> String {
        for _ in 0..self.written.len() {
            self.out.push_str("</span>");
        }
        self.out
    }
}

/// What one thread remembers across blocks: computed styles by chain hash,
/// and the kept span (or none) for a scope under a chain. Both are memos of
/// pure functions of the built-in themes, so sharing them across blocks can
/// never change output.
#[derive(Default)]
struct Memo {
    styles: StyleCache,
    spans: rustc_hash::FxHashMap<(u64, Scope), Option<Rc<Kept>>>,
    /// Lines already parsed, by text: see [`Memo::parse`].
    lines: rustc_hash::FxHashMap<Box<str>, Vec<ParsedLine>>,
    /// Entries in `lines`, to bound it.
    parsed_lines: usize,
    /// Lines answered from `lines`.
    line_hits: usize,
}

/// One line as the parser saw it once: the state it started in, the scope
/// operations it produced and the state it left.
struct ParsedLine {
    before: ParseState,
    ops: Rc<[(usize, ScopeStackOp)]>,
    after: ParseState,
}

/// Lines longer than this are parsed every time: how-to code repeats short
/// commands and boilerplate, and long lines would make the memo large.
const MAX_MEMO_LINE_BYTES: usize = 256;
/// Entries the line memo holds before it starts again (~1 KB each). Lines
/// that repeat are learnt again within a few blocks after a restart, so a
/// small memo hits nearly as often as a large one.
const MAX_PARSED_LINES: usize = 4_096;
/// States one line text is remembered under (the same line inside a string,
/// a here-doc, … parses differently).
const MAX_STATES_PER_LINE: usize = 4;

impl Memo {
    /// syntect's `parse_line`, remembered per (state before, line).
    ///
    /// The parser is a pure function of its state and the line (syntect's own
    /// docs describe caching `ParseState`s), so a line met again in the same
    /// state yields the same operations and the same next state. Guides repeat
    /// lines across articles (`sudo apt update`, `$ErrorActionPreference =
    /// 'Stop'`, a `use` list), and regex search is most of a cold build; a hit
    /// costs a hash look-up and a state comparison. Output cannot change: the
    /// state is compared whole, and a miss parses as before.
    fn parse(
        &mut self,
        state: &mut ParseState,
        line: &str,
        set: &SyntaxSet,
    ) -> Option<Rc<[(usize, ScopeStackOp)]>> {
        if line.len() > MAX_MEMO_LINE_BYTES {
            return state.parse_line(line, set).ok().map(Rc::from);
        }
        if let Some(seen) = self.lines.get(line) {
            if let Some(hit) = seen.iter().find(|p| p.before == *state) {
                *state = hit.after.clone();
                self.line_hits += 1;
                return Some(hit.ops.clone());
            }
        }
        let before = state.clone();
        let ops: Rc<[(usize, ScopeStackOp)]> = Rc::from(state.parse_line(line, set).ok()?);
        let seen = self.lines.entry(Box::from(line)).or_default();
        if seen.len() < MAX_STATES_PER_LINE {
            seen.push(ParsedLine { before, ops: ops.clone(), after: state.clone() });
            self.parsed_lines += 1;
        }
        Some(ops)
    }
}

thread_local! {
    static MEMO: std::cell::RefCell<Memo> = std::cell::RefCell::new(Memo::default());
}

/// Empties the calling thread's memo. A one-shot build calls it on every
/// worker once bodies are made: the memo only speeds up later blocks, and
/// there are none, so its few MB per thread need not stay resident.
pub fn forget_memo() {
    MEMO.with_borrow_mut(|m| *m = Memo::default());
}

/// syntect's classed HTML (already escaped text, `<span class="hl-…">` and
/// `</span>` only) merged the same way; for tests that compare the two.
#[cfg(test)]
fn merge_spans(html: &str) -> String {
    let mut styles = StyleCache::new();
    let mut merger = Merger::new(html.len());
    let mut rest = html;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("</span>") {
            merger.pop();
            rest = after;
        } else if rest.starts_with("<span") {
            let end = rest.find('>').map_or(rest.len(), |i| i + 1);
            merger.push_atoms(used_atoms(&rest[..end]), &mut styles);
            rest = &rest[end..];
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            // The soup's text is escaped already: write it as it is.
            merger.text("");
            merger.out.push_str(&rest[..end]);
            rest = &rest[end..];
        }
    }
    merger.finish()
}

/// A span kept in the output: its tag, the atoms that style it, and a hash
/// of the chain of kept atoms down to it (the style cache's key).
struct Kept {
    tag: String,
    atoms: Vec<&'static str>,
    hash: u64,
}

fn chain_hash(parent: u64, atoms: &[&str]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    parent.hash(&mut h);
    atoms.hash(&mut h);
    h.finish()
}

/// The atoms of a span's classes that some theme rule uses, in order.
#[cfg(test)]
fn used_atoms(tag: &str) -> Vec<&'static str> {
    let classes = tag.split_once("class=\"").map_or("", |(_, r)| r.split('"').next().unwrap_or(""));
    let used: &'static std::collections::HashSet<String> = &USED_ATOMS;
    classes
        .split(' ')
        .filter_map(|c| c.strip_prefix("hl-"))
        .filter_map(|a| used.get(a).map(String::as_str))
        .collect()
}

/// A computed style: one value (or none, "inherited from the block") per kept property.
type Style = [Option<&'static str>; KEPT_PROPERTIES.len()];
/// Light and dark styles by chain hash, per block.
type StyleCache = std::collections::HashMap<u64, [Style; 2]>;

/// One selector: compound class sets from the outermost ancestor to the subject.
#[derive(Debug)]
struct Selector {
    compounds: Vec<Vec<String>>,
    specificity: usize,
}

#[derive(Debug)]
struct CascadeRule {
    selectors: Vec<Selector>,
    decls: Vec<(usize, String)>,
}

/// The generated stylesheet as data, to tell which spans change nothing: the
/// light rules, and for dark pages the light rules plus the dark ones (which
/// win on specificity through their `:root[…]` prefix).
struct Cascade {
    light: Vec<CascadeRule>,
    dark: Vec<CascadeRule>,
    /// Compounds that some rule needs on an *ancestor*.
    ancestors: Vec<Vec<String>>,
}

static CASCADE: LazyLock<Cascade> = LazyLock::new(|| {
    let themes = two_face::theme::extra();
    let light_rules = theme_rules(themes.get(LIGHT_THEME));
    let dark_rules = with_resets(&light_rules, theme_rules(themes.get(DARK_THEME)));
    let convert = |rules: &[Rule], boost: usize| -> Vec<CascadeRule> {
        rules
            .iter()
            .map(|r| CascadeRule {
                selectors: r
                    .selectors
                    .iter()
                    .map(|sel| {
                        let compounds: Vec<Vec<String>> = if sel.starts_with(":where(") {
                            Vec::new() // the top-level rule, handled apart
                        } else {
                            sel.split_whitespace()
                                .map(|c| {
                                    c.split('.')
                                        .filter_map(|a| a.strip_prefix("hl-"))
                                        .map(str::to_string)
                                        .collect()
                                })
                                .collect()
                        };
                        let specificity = boost + compounds.iter().map(Vec::len).sum::<usize>();
                        Selector { compounds, specificity }
                    })
                    .collect(),
                decls: r
                    .decls
                    .iter()
                    .filter_map(|(p, v)| {
                        KEPT_PROPERTIES.iter().position(|k| k == p).map(|i| (i, v.clone()))
                    })
                    .collect(),
            })
            .collect()
    };
    let light = convert(&light_rules, 0);
    let mut dark = convert(&light_rules, 0);
    dark.extend(convert(&dark_rules, 1000));
    let mut ancestors = Vec::new();
    for rule in light.iter().chain(&dark) {
        for sel in &rule.selectors {
            if let Some((_, init)) = sel.compounds.split_last() {
                ancestors.extend(init.iter().cloned());
            }
        }
    }
    Cascade { light, dark, ancestors }
});

impl Cascade {
    /// Whether a span with `atoms` inside the kept spans `chain` changes how
    /// its text looks (in either theme) or is needed by a descendant rule.
    /// `hashes[i]` is the chain hash down to `chain[i]`, `own` the new span's.
    fn matters(
        &'static self,
        chain: &[&[&'static str]],
        hashes: &[u64],
        atoms: &[&'static str],
        own: u64,
        cache: &mut StyleCache,
    ) -> bool {
        if self.ancestors.iter().any(|c| c.iter().all(|a| atoms.contains(&a.as_str()))) {
            return true;
        }
        let parent = self.styles(chain, hashes, cache);
        let mut with = chain.to_vec();
        with.push(atoms);
        let mut with_hashes = hashes.to_vec();
        with_hashes.push(own);
        parent != self.styles(&with, &with_hashes, cache)
    }

    /// Light and dark computed styles of the innermost span of `chain`.
    fn styles(
        &'static self,
        chain: &[&[&'static str]],
        hashes: &[u64],
        cache: &mut StyleCache,
    ) -> [Style; 2] {
        let Some(&key) = hashes.last() else {
            return [[None; KEPT_PROPERTIES.len()]; 2];
        };
        if let Some(s) = cache.get(&key) {
            return *s;
        }
        let n = chain.len() - 1;
        let parent = self.styles(&chain[..n], &hashes[..n], cache);
        let result = [
            Self::compute(&self.light, chain, &parent[0]),
            Self::compute(&self.dark, chain, &parent[1]),
        ];
        cache.insert(key, result);
        result
    }

    fn compute(rules: &'static [CascadeRule], chain: &[&[&str]], parent: &Style) -> Style {
        let top_level = chain.len() == 1;
        let subject = chain.len() - 1;
        let has =
            |set: &[&str], compound: &[String]| compound.iter().all(|a| set.contains(&a.as_str()));
        // (specificity, order, value) of the winner per property.
        let mut best: [Option<(usize, usize, &'static str)>; KEPT_PROPERTIES.len()] =
            [None; KEPT_PROPERTIES.len()];
        for (order, rule) in rules.iter().enumerate() {
            let spec = rule
                .selectors
                .iter()
                .filter_map(|sel| {
                    let matched = match sel.compounds.split_last() {
                        None => top_level,
                        Some((last, init)) => {
                            has(chain[subject], last) && {
                                // Descendant combinators: match ancestors right to left, greedily.
                                let mut at = subject;
                                init.iter().rev().all(|c| {
                                    while at > 0 {
                                        at -= 1;
                                        if has(chain[at], c) {
                                            return true;
                                        }
                                    }
                                    false
                                })
                            }
                        }
                    };
                    matched.then_some(sel.specificity)
                })
                .max();
            let Some(spec) = spec else { continue };
            for (prop, value) in &rule.decls {
                if best[*prop].is_none_or(|(s, o, _)| (spec, order) >= (s, o)) {
                    best[*prop] = Some((spec, order, value.as_str()));
                }
            }
        }
        let mut out = *parent;
        for (slot, b) in out.iter_mut().zip(best) {
            match b {
                Some((_, _, "inherit")) | None => {}
                Some((_, _, v)) => *slot = Some(v),
            }
        }
        out
    }
}

/// Every scope atom (`comment`, `keyword`, `control`, …) that a selector of
/// the light or dark theme mentions.
static USED_ATOMS: LazyLock<std::collections::HashSet<String>> = LazyLock::new(|| {
    let themes = two_face::theme::extra();
    let mut used = std::collections::HashSet::new();
    for theme in [LIGHT_THEME, DARK_THEME] {
        for rule in theme_rules(themes.get(theme)) {
            for sel in &rule.selectors {
                for part in sel.split(|c: char| c == '.' || c.is_whitespace() || c == ',') {
                    if let Some(atom) = part.strip_prefix("hl-") {
                        used.insert(atom.trim_end_matches([')', '>']).to_string());
                    }
                }
            }
        }
    }
    used
});

fn plain_lines(code: &str, shown: Range<usize>) -> String {
    let mut out = String::with_capacity(code.len() + code.len() / 8);
    for line in
        LinesWithEndings::from(code).skip(shown.start).take(shown.end.saturating_sub(shown.start))
    {
        crate::escape::escape_into(&mut out, line);
    }
    out
}

/// Bidi controls and zero-width characters leave the code and show as an empty
/// marked span in their place (the theme's CSS prints the code point): the
/// reader sees that something was there, and neither the Copy button nor a
/// selection copies it, so a command that reads one way and runs another
/// ("Trojan Source") cannot reach a terminal from a guide. The check stage
/// reports where they were (`content/bidi-in-code`, `content/invisible-char`).
fn mark_invisible(body: String) -> String {
    if !crate::text::may_hold_invisible(&body) {
        return body;
    }
    let mut out = String::with_capacity(body.len() + 96);
    for c in body.chars() {
        match crate::text::invisible(c) {
            Some((_, name)) => {
                let cp = c as u32;
                let _ = write!(
                    out,
                    "<span class=\"invisible-char\" data-char=\"U+{cp:04X}\" \
                     title=\"U+{cp:04X} {name}, left out of the code\"></span>"
                );
            }
            None => out.push(c),
        }
    }
    out
}

/// Escapes text for element content and double-quoted attribute values (one
/// escaper for the whole crate, in `markdown`).
pub(crate) fn escape(s: &str) -> String {
    crate::escape::escape_attr(s)
}

/// The stylesheet for the `hl-` classes: light colours by default, dark colours
/// when the page says `data-theme="dark"`, or when the reader's system prefers
/// dark and the page has not been switched to light.
///
/// Only colour, weight, style and decoration are set: the block's background
/// belongs to the site theme (`--code-bg`), which should stay close to the
/// themes' own backgrounds (`#e3eaf2` light, `#111b27` dark) for the contrast
/// to hold.
pub fn css() -> String {
    let themes = two_face::theme::extra();
    let light = theme_rules(themes.get(LIGHT_THEME));
    let dark = theme_rules(themes.get(DARK_THEME));
    let (both, dark_only) = fold_themes(&light, &dark);

    let mut out = String::with_capacity(16 * 1024);
    out.push_str(
        "/* Syntax highlighting for inkproof code blocks (classes hl-*).\n \
         * Colours: the Coldark themes by Armand Philippot (MIT licence), via syntect and two-face.\n \
         * light-dark() picks by the page's color-scheme (style.css sets it; print is light). */\n",
    );
    write_rules(&mut out, &both, "");
    // Generated content is neither selected nor copied: the mark shows, the
    // character it stands for stays out of the reader's clipboard.
    out.push_str(
        ".invisible-char::before { content: attr(data-char); font-size: 0.75em; \
         padding: 0 0.2em; border: 1px dashed currentColor; border-radius: 3px; }\n",
    );

    // What light-dark() cannot say (a dark-only rule, a property only one
    // theme sets) is spelled out for dark pages, on screens only: paper is
    // white, so print keeps the light colours even when the reader chose
    // dark (issue 8).
    if !dark_only.is_empty() {
        out.push_str("\n/* Dark: chosen on the page. */\n@media screen {\n");
        write_rules(&mut out, &dark_only, ":root[data-theme=\"dark\"] ");
        out.push_str(
            "}\n\n/* Dark: the system's preference, unless the page was switched to light. */\n",
        );
        out.push_str("@media screen and (prefers-color-scheme: dark) {\n");
        write_rules(&mut out, &dark_only, ":root:not([data-theme=\"light\"]) ");
        out.push_str("}\n");
    }
    out
}

/// One rule list for both themes: where a light rule has a dark twin with the
/// same selectors, colours become `light-dark(L, D)` and equal values are
/// written once (a third of the old three-copy stylesheet). Everything else
/// the dark theme needs (with the resets of [`with_resets`]) comes back as
/// dark-only rules.
fn fold_themes(light: &[Rule], dark: &[Rule]) -> (Vec<Rule>, Vec<Rule>) {
    let mut both = Vec::with_capacity(light.len());
    let mut dark_only = Vec::new();
    let mut paired = vec![false; dark.len()];
    for l in light {
        let twin = dark.iter().position(|d| d.selectors == l.selectors);
        let Some(i) = twin.filter(|&i| !paired[i]) else {
            both.push(l.clone());
            continue;
        };
        paired[i] = true;
        let d = &dark[i];
        let mut decls = Vec::new();
        let mut rest = Vec::new();
        for (prop, lv) in &l.decls {
            match d.decls.iter().find(|(p, _)| p == prop) {
                Some((_, dv)) if dv == lv => decls.push((prop.clone(), lv.clone())),
                Some((_, dv)) if prop == "color" => {
                    decls.push((prop.clone(), format!("light-dark({lv}, {dv})")));
                }
                Some((_, dv)) => {
                    decls.push((prop.clone(), lv.clone()));
                    rest.push((prop.clone(), dv.clone()));
                }
                None => decls.push((prop.clone(), lv.clone())),
            }
        }
        for (prop, dv) in &d.decls {
            if !l.decls.iter().any(|(p, _)| p == prop) {
                rest.push((prop.clone(), dv.clone()));
            }
        }
        both.push(Rule { selectors: l.selectors.clone(), decls });
        if !rest.is_empty() {
            dark_only.push(Rule { selectors: d.selectors.clone(), decls: rest });
        }
    }
    // Light properties without a dark value get reset on dark pages.
    let light_only: Vec<Rule> = light
        .iter()
        .filter_map(|l| {
            let d = dark.iter().find(|d| d.selectors == l.selectors);
            let decls: Vec<(String, String)> = l
                .decls
                .iter()
                .filter(|(p, _)| d.is_none_or(|d| !d.decls.iter().any(|(dp, _)| dp == p)))
                .cloned()
                .collect();
            (!decls.is_empty()).then(|| Rule { selectors: l.selectors.clone(), decls })
        })
        .collect();
    let unpaired: Vec<Rule> =
        dark.iter().zip(&paired).filter(|(_, p)| !**p).map(|(d, _)| d.clone()).collect();
    let mut extra = with_resets(&light_only, unpaired);
    extra.append(&mut dark_only);
    (both, extra)
}

/// One CSS rule: its selectors (one per scope selector) and declarations.
#[derive(Debug, Clone, PartialEq)]
struct Rule {
    selectors: Vec<String>,
    decls: Vec<(String, String)>,
}

const KEPT_PROPERTIES: &[&str] = &["color", "font-style", "font-weight", "text-decoration"];

/// syntect's stylesheet for a theme, reduced to the properties we keep. Its
/// `.hl-code` rule (whole-block colours) becomes a zero-specificity rule for the
/// outermost token span, so a theme rule for a scope always wins over it and
/// the block's background is left to the site theme.
fn theme_rules(theme: &syntect::highlighting::Theme) -> Vec<Rule> {
    let Ok(css) = css_for_theme_with_class_style(theme, STYLE) else {
        return Vec::new();
    };
    // Drop the leading `/* theme … generated by syntect */` comment.
    let css = css.find("*/").map_or(css.as_str(), |end| &css[end + 2..]);
    let mut rules = Vec::new();
    for chunk in css.split('}') {
        let Some((sel, body)) = chunk.split_once('{') else { continue };
        let mut selectors: Vec<String> =
            sel.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        if selectors == [".hl-code"] {
            selectors = vec![":where(pre.code > code > span)".to_string()];
        }
        let decls: Vec<(String, String)> = body
            .split(';')
            .filter_map(|d| d.split_once(':'))
            .map(|(p, v)| (p.trim().to_string(), v.trim().to_string()))
            .filter(|(p, _)| KEPT_PROPERTIES.contains(&p.as_str()))
            .collect();
        if !selectors.is_empty() && !decls.is_empty() {
            rules.push(Rule { selectors, decls });
        }
    }
    rules
}

/// A light rule that sets, say, `font-style` for a selector the dark theme leaves
/// alone would keep applying on dark pages (the dark rules only override what
/// they set). Reset such properties first; the dark theme's own rules follow and
/// win on equal specificity.
fn with_resets(light: &[Rule], dark: Vec<Rule>) -> Vec<Rule> {
    let props_of = |rules: &[Rule], sel: &str| -> Vec<String> {
        rules
            .iter()
            .filter(|r| r.selectors.iter().any(|s| s == sel))
            .flat_map(|r| r.decls.iter().map(|(p, _)| p.clone()))
            .collect()
    };
    let mut resets: Vec<Rule> = Vec::new();
    for rule in light {
        for sel in &rule.selectors {
            let dark_props = props_of(&dark, sel);
            for (prop, _) in &rule.decls {
                if dark_props.contains(prop) {
                    continue;
                }
                let value = match prop.as_str() {
                    "color" => "inherit",
                    "text-decoration" => "none",
                    _ => "normal",
                };
                let decl = (prop.clone(), value.to_string());
                match resets.iter_mut().find(|r| r.selectors[0] == *sel) {
                    Some(r) if !r.decls.contains(&decl) => r.decls.push(decl),
                    Some(_) => {}
                    None => resets.push(Rule { selectors: vec![sel.clone()], decls: vec![decl] }),
                }
            }
        }
    }
    resets.extend(dark);
    resets
}

fn write_rules(out: &mut String, rules: &[Rule], prefix: &str) {
    for rule in rules {
        for (i, sel) in rule.selectors.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(prefix);
            out.push_str(sel);
        }
        out.push_str(" { ");
        for (i, (prop, value)) in rule.decls.iter().enumerate() {
            if i > 0 {
                out.push_str("; ");
            }
            let _ = write!(out, "{prop}: {value}");
        }
        out.push_str(" }\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syntect::html::line_tokens_to_classed_spans;

    /// The classes on the innermost span around `needle` in `html`.
    fn classes_around(html: &str, needle: &str) -> String {
        let at = html.find(needle).unwrap_or_else(|| panic!("{needle:?} not in {html}"));
        let open = html[..at]
            .rfind("<span class=\"")
            .unwrap_or_else(|| panic!("no span before {needle:?}"));
        let rest = &html[open + 13..];
        rest[..rest.find('"').unwrap()].to_string()
    }

    #[test]
    fn powershell_keywords_variables_and_strings_get_classes() {
        let code = "foreach ($x in $items) {\n    if ($x -gt 1) { Write-Output \"big $x\" }\n}\n";
        let html = code_block(Some("powershell"), code);
        assert!(html.starts_with(
            "<pre class=\"code\" data-lang=\"powershell\"><code class=\"language-powershell\">"
        ));
        assert!(html.ends_with("</code></pre>"));
        assert!(classes_around(&html, "foreach").contains("hl-keyword"), "{html}");
        assert!(classes_around(&html, ">if<").contains("hl-keyword"), "{html}");
        assert!(classes_around(&html, "x</span>").contains("hl-variable"), "{html}");
        assert!(classes_around(&html, "big ").contains("hl-string"), "{html}");
        assert!(!html.contains("style="), "classes only, never inline styles");
    }

    /// For each character of `html`'s text, its computed light and dark
    /// style under the generated stylesheet (see [`Cascade`]).
    fn styled_chars(html: &str) -> Vec<(char, [Style; 2])> {
        let mut stack: Vec<(Vec<&'static str>, u64)> = Vec::new();
        let mut cache = StyleCache::new();
        let mut out = Vec::new();
        let mut rest = html;
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix("</span>") {
                stack.pop();
                rest = r;
            } else if rest.starts_with("<span") {
                let end = rest.find('>').unwrap() + 1;
                let atoms = used_atoms(&rest[..end]);
                // Position matters (top level), so hash empty sets too.
                let hash = chain_hash(stack.last().map_or(1, |s| s.1), &atoms);
                stack.push((atoms, hash));
                rest = &rest[end..];
            } else {
                let c = rest.chars().next().unwrap();
                let chain: Vec<&[&str]> = stack.iter().map(|s| s.0.as_slice()).collect();
                let hashes: Vec<u64> = stack.iter().map(|s| s.1).collect();
                out.push((c, CASCADE.styles(&chain, &hashes, &mut cache)));
                rest = &rest[c.len_utf8()..];
            }
        }
        assert!(stack.is_empty(), "unbalanced spans in {html}");
        out
    }

    #[test]
    fn the_cascade_model_follows_css_rules() {
        let mut cache = StyleCache::new();
        let mut styles = |chain: &[&str]| {
            let atoms: Vec<Vec<&'static str>> = chain
                .iter()
                .map(|s| s.split(' ').map(|a| USED_ATOMS.get(a).unwrap().as_str()).collect())
                .collect();
            let refs: Vec<&[&str]> = atoms.iter().map(Vec::as_slice).collect();
            let mut hashes = Vec::new();
            for a in &refs {
                hashes.push(chain_hash(hashes.last().copied().unwrap_or(7), a));
            }
            CASCADE.styles(&refs, &hashes, &mut cache)
        };
        assert_eq!(styles(&["comment"])[0][0], Some("#3c526d"));
        // Top level without a rule of its own: the base colour.
        assert_eq!(styles(&["source"])[0][0], Some("#111b27"));
        // A more specific rule wins; a descendant rule needs its ancestor.
        assert_eq!(styles(&["source", "constant other color"])[0][0], Some("#116b00"));
        assert_eq!(styles(&["source", "punctuation definition"])[0][0], Some("#111b27"));
        assert_eq!(
            styles(&["source", "constant other color", "punctuation definition"])[0][0],
            Some("#116b00")
        );
        // Dark pages: the dark rule wins.
        assert_ne!(styles(&["comment"])[1][0], Some("#3c526d"));
    }

    #[test]
    fn merged_spans_colour_every_character_as_before() {
        assert!(USED_ATOMS.contains("comment") && USED_ATOMS.contains("keyword"));
        assert!(!USED_ATOMS.contains("powershell") && !USED_ATOMS.contains("begin"));
        let soup = concat!(
            "<span class=\"hl-powershell\">",
            "<span class=\"hl-comment hl-powershell\"><span class=\"hl-keyword hl-begin\">x</span></span>",
            "<span class=\"hl-comment\"><span class=\"hl-keyword hl-end\">y</span><span class=\"hl-string\"></span>z</span>",
            "<span class=\"hl-begin hl-powershell\"><span class=\"hl-keyword\">w</span></span>",
            "</span>\n",
        );
        let merged = merge_spans(soup);
        assert_eq!(
            merged,
            "<span><span class=\"hl-comment\"><span class=\"hl-keyword\">xy</span>z</span><span class=\"hl-keyword\">w</span></span>\n"
        );
        assert_eq!(styled_chars(&merged), styled_chars(soup));
    }

    #[test]
    fn highlighted_blocks_are_smaller_and_look_the_same() {
        let code = "$ErrorActionPreference = 'Stop'\n# comment\nforeach ($x in Get-ChildItem) {\n    Write-Output \"$($x.Name) is $x\"\n}\n";
        let lang = resolve(Some("powershell"));
        let syntax = lang.syntax.unwrap();
        // The unmerged soup, rebuilt the way `highlight_lines` builds it.
        let mut state = ParseState::new(syntax);
        let mut stack = ScopeStack::new();
        let mut soup = String::new();
        let mut open = 0isize;
        for line in LinesWithEndings::from(code) {
            let ops = state.parse_line(line, &SYNTAXES).unwrap();
            let (h, d) = line_tokens_to_classed_spans(line, &ops, STYLE, &mut stack).unwrap();
            soup.push_str(&h);
            open += d;
        }
        for _ in 0..open {
            soup.push_str("</span>");
        }
        let merged = highlight_lines(syntax, code, 0..usize::MAX).unwrap();
        assert!(merged.len() < soup.len(), "{} >= {}", merged.len(), soup.len());
        assert_eq!(styled_chars(&merged), styled_chars(&soup));
    }

    #[test]
    fn fence_aliases_map_to_one_token() {
        for (token, canonical) in [
            ("ps1", "powershell"),
            ("PWSH", "powershell"),
            ("ps", "powershell"),
            ("cmd", "batch"),
            ("bat", "batch"),
            ("sh", "bash"),
            ("console", "bash"),
            ("zsh", "bash"),
            ("py", "python"),
            ("yml", "yaml"),
            ("rs", "rust"),
            ("js", "javascript"),
            ("ts", "typescript"),
            ("rust,ignore", "rust"),
            ("mermaid", "mermaid"),
            ("txt", "text"),
        ] {
            let html = code_block(Some(token), "x\n");
            assert!(
                html.starts_with(&format!("<pre class=\"code\" data-lang=\"{canonical}\"><code class=\"language-{canonical}\">")),
                "{token}: {html}"
            );
        }
    }

    #[test]
    fn common_languages_highlight() {
        for (lang, code) in [
            ("rust", "fn main() { let x = 1; }\n"),
            ("bash", "if [ -f \"$HOME/x\" ]; then echo hi; fi\n"),
            ("json", "{\"key\": [1, true, null]}\n"),
            ("yaml", "title: Hello\ntags: [a, b]\n"),
            ("toml", "[package]\nname = \"x\"\n"),
            ("cmd", "@echo off\nset X=1\nif exist C:\\x echo %X%\n"),
            ("python", "def f(x):\n    return \"y\"\n"),
            ("diff", "-old\n+new\n"),
            ("dockerfile", "FROM alpine\nRUN echo hi\n"),
            ("lua", "local x = 1\n"), // not in the table: found by extension
        ] {
            let html = code_block(Some(lang), code);
            assert!(html.contains("<span class=\"hl-"), "{lang}: {html}");
            assert_eq!(
                html.matches("<span").count(),
                html.matches("</span>").count(),
                "{lang}: {html}"
            );
        }
    }

    #[test]
    fn remembered_lines_highlight_like_a_fresh_parse() {
        // `x=1` appears outside a string and inside one: the memo must tell
        // the two states apart.
        let a = "x=1\necho \"quoted\nx=1\ndone\"\nx=1\n";
        let b = "echo \"x=1\nx=1\n\"\nx=1\ny=2\n";
        let fresh = |code: &'static str| {
            std::thread::spawn(move || code_block(Some("bash"), code)).join().unwrap()
        };
        let (a_fresh, b_fresh) = (fresh(a), fresh(b));
        let (b_warm, a_again, hits) = std::thread::spawn(move || {
            code_block(Some("bash"), a);
            let b_warm = code_block(Some("bash"), b);
            let a_again = code_block(Some("bash"), a);
            (b_warm, a_again, MEMO.with_borrow(|m| m.line_hits))
        })
        .join()
        .unwrap();
        assert!(hits >= 5, "the second and third blocks reuse parsed lines: {hits} hits");
        assert_eq!(b_warm, b_fresh);
        assert_eq!(a_again, a_fresh);
        let lines: Vec<&str> = a_fresh.split('\n').collect();
        assert_ne!(lines[0], lines[2], "x=1 in a string looks different: {a_fresh}");
    }

    #[test]
    fn unknown_and_missing_languages_are_escaped_plain_text() {
        let html = code_block(Some("no-such-lang"), "a < b && c > \"d\"\n");
        assert_eq!(
            html,
            "<pre class=\"code\" data-lang=\"no-such-lang\"><code class=\"language-no-such-lang\">\
             a &lt; b &amp;&amp; c &gt; &quot;d&quot;\n</code></pre>"
        );
        let html = code_block(None, "<script>\n");
        assert_eq!(html, "<pre class=\"code\" data-lang=\"text\"><code class=\"language-text\">&lt;script&gt;\n</code></pre>");
        let html = code_block(Some("  "), "x");
        assert!(html.contains("data-lang=\"text\""));
        // A hostile token can't break out of the attribute.
        let html = code_block(Some("x\"onmouseover=\"y"), "z");
        assert!(html.contains("data-lang=\"x&quot;onmouseover=&quot;y\""), "{html}");
    }

    #[test]
    fn highlighted_code_escapes_markup() {
        let html = code_block(Some("html"), "<p class=\"a\">x & y</p>\n");
        assert!(!html.contains("<p class"), "{html}");
        assert!(html.contains("&lt;"), "{html}");
        assert!(html.contains("&amp;"), "{html}");
    }

    #[test]
    fn crlf_input_highlights_like_lf() {
        let lf = code_block(Some("powershell"), "$a = 1\n# note\n");
        let crlf = code_block(Some("powershell"), "$a = 1\r\n# note\r\n");
        assert_eq!(lf, crlf);
    }

    #[test]
    fn a_shown_range_keeps_the_context_of_earlier_lines() {
        // Line 3 is inside a here-string opened on line 1.
        let code = "$s = @\"\nfirst\nsecond line\n\"@\n$t = 2\n";
        let html = block(Some("powershell"), code, Some(2..3), Some("c1"));
        assert!(html.starts_with("<pre class=\"code\" data-lang=\"powershell\"><code id=\"c1\" class=\"language-powershell\">"));
        assert!(!html.contains("first"), "{html}");
        assert!(!html.contains("$t"), "{html}");
        assert!(classes_around(&html, "second line").contains("hl-string"), "{html}");
        assert_eq!(html.matches("<span").count(), html.matches("</span>").count(), "{html}");
        // Plain text ranges too.
        let html = block(Some("text"), "a\nb\nc\n", Some(1..2), None);
        assert!(html.contains(">b\n</code>"), "{html}");
    }

    #[test]
    fn overlong_lines_fall_back_to_plain_text() {
        let code = format!("{{\"a\": \"{}\"}}\n", "x".repeat(MAX_LINE_BYTES + 1));
        let html = code_block(Some("json"), &code);
        assert!(!html.contains("<span"));
        assert!(html.contains("data-lang=\"json\""));
    }

    #[test]
    fn css_has_light_defaults_and_both_dark_scopes() {
        let css = css();
        // One rule per scope, both colours in it; light unless the page is dark.
        assert!(css.contains("\n.hl-comment { color: light-dark(#3c526d, #"), "{css}");
        assert!(css.len() < 12 * 1024, "{} bytes", css.len());
        // Whatever is dark-only is prefixed, in both places, and screen-only
        // (print stays light).
        if let Some(start) = css.find("/* Dark: chosen") {
            let dark_part = &css[start..start + css[start..].find("/* Dark: the system").unwrap()];
            assert!(dark_part.contains("@media screen {"));
            for line in dark_part.lines().filter(|l| l.contains('{') && !l.starts_with("@media")) {
                for sel in line[..line.find('{').unwrap()].split(", ") {
                    assert!(sel.starts_with(":root[data-theme=\"dark\"] "), "{sel}");
                }
            }
            assert!(css.contains("@media screen and (prefers-color-scheme: dark) {"));
        }
        assert!(!css.contains("background"), "the site theme owns the code background");
        assert!(!css.contains(".hl-code {"), "whole-block colours become the :where() rule");
        assert!(css.contains(":where(pre.code > code > span) { color: light-dark(#"));
        assert_eq!(css.matches('{').count(), css.matches('}').count());
    }

    #[test]
    fn folded_themes_give_each_theme_its_own_values() {
        let r = |sel: &str, decls: &[(&str, &str)]| Rule {
            selectors: vec![sel.to_string()],
            decls: decls.iter().map(|(p, v)| (p.to_string(), v.to_string())).collect(),
        };
        let light = [
            r(".a", &[("color", "#111111"), ("font-style", "italic")]),
            r(".b", &[("color", "#222222")]),
            r(".only-light", &[("font-weight", "bold")]),
        ];
        let dark = [
            r(".a", &[("color", "#eeeeee"), ("font-style", "normal")]),
            r(".b", &[("color", "#222222"), ("font-weight", "bold")]),
            r(".only-dark", &[("color", "#dddddd")]),
        ];
        let (both, dark_only) = fold_themes(&light, &dark);
        assert_eq!(
            both[0],
            r(".a", &[("color", "light-dark(#111111, #eeeeee)"), ("font-style", "italic")])
        );
        assert_eq!(both[1], r(".b", &[("color", "#222222")]));
        assert_eq!(both[2], r(".only-light", &[("font-weight", "bold")]));
        assert!(dark_only.contains(&r(".a", &[("font-style", "normal")])), "{dark_only:?}");
        assert!(dark_only.contains(&r(".b", &[("font-weight", "bold")])), "{dark_only:?}");
        assert!(dark_only.contains(&r(".only-dark", &[("color", "#dddddd")])), "{dark_only:?}");
        assert!(
            dark_only.contains(&r(".only-light", &[("font-weight", "normal")])),
            "{dark_only:?}"
        );
    }

    /// WCAG relative luminance of `#rrggbb`.
    fn luminance(hex: &str) -> f64 {
        let ch = |i: usize| {
            let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * ch(1) + 0.7152 * ch(3) + 0.0722 * ch(5)
    }

    fn contrast(a: &str, b: &str) -> f64 {
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    #[test]
    fn every_token_colour_meets_aa_on_the_code_background() {
        // The site theme's `--code-bg` in light and dark (static/style.css).
        let themes = two_face::theme::extra();
        for (theme, bg) in [(LIGHT_THEME, "#f3f6fa"), (DARK_THEME, "#111b27")] {
            let rules = theme_rules(themes.get(theme));
            let mut checked = 0;
            for rule in &rules {
                for (prop, value) in &rule.decls {
                    if prop != "color" || !value.starts_with('#') {
                        continue;
                    }
                    let hex = &value[..7];
                    let ratio = contrast(hex, bg);
                    assert!(ratio >= 4.5, "{:?} {hex} on {bg}: {ratio:.2}", rule.selectors);
                    checked += 1;
                }
            }
            assert!(checked > 20, "{checked} colours checked");
        }
    }

    #[test]
    fn dark_theme_covers_every_light_selector() {
        // If the themes ever change, a light-only colour would show on dark pages.
        let themes = two_face::theme::extra();
        let light = theme_rules(themes.get(LIGHT_THEME));
        let dark = theme_rules(themes.get(DARK_THEME));
        assert!(light.len() > 20);
        for rule in &light {
            for sel in &rule.selectors {
                assert!(dark.iter().any(|r| r.selectors.contains(sel)), "{sel} has no dark colour");
            }
        }
    }

    #[test]
    fn resets_cover_properties_only_light_sets() {
        let light = vec![Rule {
            selectors: vec![".hl-a".into()],
            decls: vec![("color".into(), "#111".into()), ("font-style".into(), "italic".into())],
        }];
        let dark = vec![Rule {
            selectors: vec![".hl-a".into()],
            decls: vec![("color".into(), "#eee".into())],
        }];
        let all = with_resets(&light, dark.clone());
        assert_eq!(
            all[0],
            Rule {
                selectors: vec![".hl-a".into()],
                decls: vec![("font-style".into(), "normal".into())]
            }
        );
        assert_eq!(all[1..], dark[..]);
    }
}
