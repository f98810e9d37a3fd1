//! Stage 2 (parse): splits an article's front matter from its Markdown body and
//! turns it into a validated [`FrontMatter`].
//!
//! Input is one file's text (BOM already removed); output is the metadata, the
//! body as a slice of that text and the body's byte offset, so later stages can
//! turn body positions into file lines. YAML goes between `---` lines, TOML
//! (Zola, the Rust blog) between `+++` lines.
//!
//! The procedure:
//! 1. find the delimiter lines (CRLF, LF or a mix of both);
//! 2. parse the block once, YAML through [`crate::yaml`] or TOML, into a JSON map;
//! 3. take every known field out of the map by hand, which is where the leniency
//!    rules live (a lone tag string, `"true"` for a bool, numbers as tags) and
//!    where a wrong type gets a diagnostic naming the field and its line.
//!
//! The one thing to know: every field is checked even after one failed, so an
//! author sees all the mistakes of a file in one run; the article is dropped
//! (`None`) only at the end, if any of them was an error.

use std::path::Path;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use serde_json::{Map, Value};

use crate::diag::{Diagnostic, LineIndex, Location};
use crate::model::{FrontMatter, Timestamp};
use crate::registry::ids;
use crate::yaml;

/// Front matter and the Markdown body that follows it.
#[derive(Debug)]
pub struct Parsed<'a> {
    pub meta: FrontMatter,
    pub body: &'a str,
    /// Byte offset of `body` within the file text.
    pub body_offset: usize,
}

/// Help shown with every bad date: the forms [`parse_date`] accepts.
const DATE_HELP: &str =
    "write it as 2024-08-22, 2024-08-22 21:32:44 (UTC), 2024-08-22T21:32:44Z or 2024-08-22T21:32:44+01:00";

/// The opening delimiter is always line 1, so the front matter text starts on line 2.
const FIRST_LINE: usize = 2;

/// Parses the front matter of `text` (the file at `path`, relative to the site
/// root). Returns `None` after pushing at least one error diagnostic when the
/// article can't be used; the caller skips it. Warnings may be pushed either way.
pub fn parse<'a>(path: &Path, text: &'a str, diags: &mut Vec<Diagnostic>) -> Option<Parsed<'a>> {
    parse_or_read(path, text, diags).ok()
}

/// [`parse`], giving back what the fields said when one of them failed: the
/// article is skipped, so the per-article checks never see those values,
/// and the caller reports what the other fields say in the same run.
pub fn parse_or_read<'a>(
    path: &Path,
    text: &'a str,
    diags: &mut Vec<Diagnostic>,
) -> Result<Parsed<'a>, Option<Box<FrontMatter>>> {
    let split = match split(text) {
        Ok(split) => split,
        Err(problem) => {
            diags.push(problem.diagnostic(path));
            return Err(None);
        }
    };
    let map = match split.format {
        Format::Yaml => parse_yaml(path, split.raw),
        Format::Toml => parse_toml(path, split.raw),
    };
    let map = match map {
        Ok(map) => map,
        Err(diag) => {
            diags.push(*diag);
            return Err(None);
        }
    };
    let mut fields = Fields { path, raw: split.raw, format: split.format, diags, failed: false };
    let meta = fields.extract(map);
    if fields.failed {
        return Err(Some(Box::new(meta)));
    }
    Ok(Parsed { meta, body: &text[split.body_offset..], body_offset: split.body_offset })
}

/// Where the body starts, even when the front matter inside the delimiters is
/// invalid, so the body can still be checked. `None` without delimiters.
pub fn body_offset(text: &str) -> Option<usize> {
    split(text).ok().map(|s| s.body_offset)
}

/// The 1-based file line of a top-level front matter `key` and the column where
/// its value starts, for checks that run after parsing.
pub fn locate_key(text: &str, key: &str) -> Option<(usize, usize)> {
    let s = split(text).ok()?;
    find_key(s.raw, s.format, key)
}

/// The 1-based file line and column of one item of a top-level list key
/// (`tags`, `aliases`), for checks that run after parsing; the key's line
/// when the item's text cannot be found.
pub fn locate_item(text: &str, key: &str, item: &str) -> Option<(usize, usize)> {
    let s = split(text).ok()?;
    find_item(s.raw, s.format, key, item)
}

/// Every key [`parse`] reads itself; anything else goes to `extra`.
pub const KNOWN_KEYS: &[&str] = &[
    "title",
    "date",
    "updated",
    "tags",
    "categories",
    "aliases",
    "keywords",
    "description",
    "excerpt",
    "thumbnail",
    "slug",
    "draft",
    "weight",
    "extra",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Yaml,
    Toml,
}

impl Format {
    fn delimiter(self) -> &'static str {
        match self {
            Format::Yaml => "---",
            Format::Toml => "+++",
        }
    }
}

/// Where the front matter is in the file.
#[derive(Debug, PartialEq, Eq)]
struct Split<'a> {
    format: Format,
    /// The text between the delimiter lines, line endings included.
    raw: &'a str,
    /// Start of the line after the closing delimiter.
    body_offset: usize,
}

#[derive(Debug, PartialEq, Eq)]
enum SplitError {
    Missing,
    Unclosed(Format),
}

impl SplitError {
    fn diagnostic(&self, path: &Path) -> Diagnostic {
        let at = Location::new(path, 1, Some(1));
        match self {
            SplitError::Missing => Diagnostic::error(
                ids::FRONT_MATTER_MISSING,
                at,
                "the file does not start with front matter",
            )
            .with_help("make the first line `---`, then `title: ...`, then a line with only `---`"),
            SplitError::Unclosed(format) => {
                let d = format.delimiter();
                Diagnostic::error(
                    ids::FRONT_MATTER_UNCLOSED,
                    at,
                    format!("the front matter opened by `{d}` on line 1 is never closed"),
                )
                .with_help(format!("add a line with only `{d}` after the last front matter line"))
            }
        }
    }
}

/// A delimiter line without its line ending and trailing blanks.
fn trim_line(line: &str) -> &str {
    line.trim_end_matches(['\n', '\r', ' ', '\t'])
}

/// Finds the front matter block. The first line must be the opening delimiter
/// (Jekyll, Hugo and Zola agree on that), so a body that merely contains a `---`
/// thematic break is never mistaken for front matter.
fn split(text: &str) -> Result<Split<'_>, SplitError> {
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().ok_or(SplitError::Missing)?;
    let format = match trim_line(first) {
        "---" => Format::Yaml,
        "+++" => Format::Toml,
        _ => return Err(SplitError::Missing),
    };
    let start = first.len();
    let mut pos = start;
    for line in lines {
        let t = trim_line(line);
        // YAML's document end marker `...` closes a block too, as in Jekyll.
        let closes = t == format.delimiter() || (format == Format::Yaml && t == "...");
        if closes {
            return Ok(Split { format, raw: &text[start..pos], body_offset: pos + line.len() });
        }
        pos += line.len();
    }
    Err(SplitError::Unclosed(format))
}

fn parse_yaml(path: &Path, raw: &str) -> Result<Map<String, Value>, Box<Diagnostic>> {
    match yaml::to_value(raw) {
        Ok(Value::Object(map)) => Ok(map),
        // Only blank lines or comments between the delimiters.
        Ok(Value::Null) => Ok(Map::new()),
        Ok(other) => Err(Box::new(not_a_map(path, Format::Yaml, &other))),
        Err(err) => {
            if let Some(diag) = unclosed_flow(path, raw, &err) {
                return Err(Box::new(diag));
            }
            let location = if err.line == 0 {
                Location::new(path, 1, None)
            } else {
                Location::new(path, err.line + FIRST_LINE - 1, (err.col > 0).then_some(err.col))
            };
            let mut diag = Diagnostic::error(
                ids::FRONT_MATTER_INVALID_YAML,
                location,
                format!("front matter is not valid YAML: {}", err.message),
            );
            let line = raw.lines().nth(err.line.saturating_sub(1)).unwrap_or("");
            if let Some(help) = yaml_help(&err.message, line) {
                diag = diag.with_help(help);
            }
            Err(Box::new(diag))
        }
    }
}

/// An unclosed `[` or `{` makes the YAML parser stop at the end of the block,
/// far from the mistake: report it where the bracket opens instead.
/// Issue #7: `tags: [a, b` was reported at the closing `---` with no hint.
fn unclosed_flow(path: &Path, raw: &str, err: &yaml::YamlError) -> Option<Diagnostic> {
    let close = if err.message.contains("expected ',' or ']'") {
        ']'
    } else if err.message.contains("expected ',' or '}'") {
        '}'
    } else {
        return None;
    };
    let open = if close == ']' { '[' } else { '{' };
    // The last bracket still open when the block ends, skipping quoted text.
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for (i, line) in raw.lines().enumerate() {
        let mut quote = None;
        for (col, c) in line.chars().enumerate() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '#')
                    if col == 0 || line[..line.char_indices().nth(col)?.0].ends_with(' ') =>
                {
                    break
                }
                (None, c) if c == open => stack.push((i, col)),
                (None, c) if c == close => {
                    stack.pop();
                }
                _ => {}
            }
        }
    }
    let (line, col) = stack.pop()?;
    Some(
        Diagnostic::error(
            ids::FRONT_MATTER_INVALID_YAML,
            Location::new(path, line + FIRST_LINE, Some(col + 1)),
            format!("front matter is not valid YAML: this `{open}` is never closed"),
        )
        .with_help(format!(
            "close the list with `{close}` on the same line, e.g. tags: [windows, activation]"
        )),
    )
}

/// Plain advice for the YAML mistakes seen in real articles; the parser's own
/// wording assumes the reader knows the YAML grammar. `line` is the front matter
/// line the parser stopped on.
fn yaml_help(message: &str, line: &str) -> Option<&'static str> {
    let value = line.split_once(':').map_or("", |(_, v)| v.trim_start());
    if message.contains("block sequence entries are not allowed") {
        Some("a value that starts with `- ` must be quoted, e.g. title: \"- My title\"")
    } else if value.starts_with(['\'', '"']) {
        Some(
            "a value that starts with a quote must end with the same quote; to use quotes inside, \
             wrap the value in the other kind, or write '' inside '...' and \\\" inside \"...\"",
        )
    } else if message.contains("mapping values are not allowed") {
        Some("a value that contains `: ` must be quoted")
    } else if message.contains("did not find expected key")
        || message.contains("expected <block end>")
    {
        Some("check the indentation: top-level keys start at column 1, nested lines are indented with spaces")
    } else {
        None
    }
}

fn parse_toml(path: &Path, raw: &str) -> Result<Map<String, Value>, Box<Diagnostic>> {
    match raw.parse::<toml::Table>() {
        Ok(table) => Ok(table.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect()),
        Err(err) => {
            let location = match err.span() {
                Some(span) => {
                    let (line, col) = LineIndex::new(raw).line_col(span.start);
                    Location::new(path, line + FIRST_LINE - 1, Some(col))
                }
                None => Location::new(path, 1, None),
            };
            // toml puts the expectation on a second line; a diagnostic is one line.
            let message = err
                .message()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join("; ");
            Err(Box::new(Diagnostic::error(
                ids::FRONT_MATTER_INVALID_TOML,
                location,
                format!("front matter is not valid TOML: {message}"),
            )))
        }
    }
}

/// TOML has datetimes, JSON doesn't: they become their TOML text
/// (`2024-08-22T21:32:44Z`), which [`parse_date`] reads back like a YAML date.
fn toml_to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
        }
    }
}

fn not_a_map(path: &Path, format: Format, found: &Value) -> Diagnostic {
    let (code, example) = match format {
        Format::Yaml => (ids::FRONT_MATTER_INVALID_YAML, "title: My guide"),
        Format::Toml => (ids::FRONT_MATTER_INVALID_TOML, "title = \"My guide\""),
    };
    Diagnostic::error(
        code,
        Location::new(path, FIRST_LINE, Some(1)),
        format!("front matter must be `key: value` fields, not {}", describe(found)),
    )
    .with_help(format!("write one field per line, like `{example}`"))
}

/// How a value reads to an author, for "must be X, not Y" messages.
fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "an empty value",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map of keys and values",
    }
}

/// Field extraction state: where to report and whether an error was seen.
struct Fields<'p, 'r, 'd> {
    path: &'p Path,
    raw: &'r str,
    format: Format,
    diags: &'d mut Vec<Diagnostic>,
    failed: bool,
}

impl Fields<'_, '_, '_> {
    /// Moves every value out of `map` (no copies) into its field; unknown keys
    /// go to `extra` for templates.
    fn extract(&mut self, map: Map<String, Value>) -> FrontMatter {
        let mut meta = FrontMatter::default();
        let mut title = None;
        let mut date = None;
        let mut updated = None;
        let mut extra_table = None;
        for (key, value) in map {
            match key.as_str() {
                "title" => title = Some(value),
                "date" => date = Some(value),
                "updated" => updated = Some(value),
                "tags" => meta.tags = self.list("tags", value),
                "categories" => meta.categories = self.list("categories", value),
                "aliases" => meta.aliases = self.aliases(value),
                "keywords" => meta.keywords = self.keywords(value),
                "description" => meta.description = self.text("description", value),
                "excerpt" => meta.excerpt = self.text("excerpt", value),
                "thumbnail" => meta.thumbnail = self.text("thumbnail", value),
                "slug" => meta.slug = self.text("slug", value),
                "draft" => meta.draft = self.draft(value),
                "weight" => meta.weight = self.weight(value),
                // Zola keeps custom fields in an `[extra]` table; flattening it means
                // templates say `extra.team` whichever format the article used.
                "extra" if value.is_object() => extra_table = Some(value),
                _ => {
                    meta.extra.insert(key, value);
                }
            }
        }
        if let Some(Value::Object(table)) = extra_table {
            for (key, value) in table {
                // A top-level key of the same name was written more visibly; it wins.
                meta.extra.entry(key).or_insert(value);
            }
        }
        meta.title = self.title(title);
        meta.date = match date {
            Some(Value::Null) | None => date_from_path(self.path),
            Some(value) => self.date("date", value),
        };
        meta.updated = updated.and_then(|value| self.date("updated", value));
        if let (Some(date), Some(updated)) = (&meta.date, &meta.updated) {
            if is_before(updated, date) {
                let location = self.key_location("updated", true);
                self.diags.push(
                    Diagnostic::warning(
                        ids::FRONT_MATTER_UPDATED_BEFORE_DATE,
                        location,
                        format!(
                            "`updated` ({}) is earlier than `date` ({})",
                            updated.iso(),
                            date.iso()
                        ),
                    )
                    .with_help("swap the two dates, or remove `updated`"),
                );
            }
        }
        meta
    }

    fn error(&mut self, diag: Diagnostic) {
        self.failed = true;
        self.diags.push(diag);
    }

    fn invalid(&mut self, key: &str, expected: &str, found: &Value) {
        let location = self.key_location(key, false);
        self.error(Diagnostic::error(
            ids::FRONT_MATTER_INVALID_FIELD,
            location,
            format!("`{key}` must be {expected}, not {}", describe(found)),
        ));
    }

    /// The line of a top-level `key:` (or `key =`) in the file. Column 1, or with
    /// `at_value` the column where the value starts, as an editor would jump to it.
    /// Falls back to line 1 for keys written in ways the scan doesn't know
    /// (a flow mapping `{title: x}`), which is still the right file.
    fn key_location(&self, key: &str, at_value: bool) -> Location {
        match find_key(self.raw, self.format, key) {
            Some((line, value_col)) => {
                Location::new(self.path, line, Some(if at_value { value_col } else { 1 }))
            }
            None => Location::new(self.path, 1, None),
        }
    }

    fn title(&mut self, value: Option<Value>) -> String {
        match value.map(scalar_text) {
            Some(Ok(Some(title))) => return title,
            Some(Err(other)) => {
                self.invalid("title", "text", &other);
                return String::new();
            }
            Some(Ok(None)) | None => {}
        }
        let location = self.key_location("title", false);
        let example = match self.format {
            Format::Yaml => "title: How to link your product key",
            Format::Toml => "title = \"How to link your product key\"",
        };
        self.error(
            Diagnostic::error(
                ids::FRONT_MATTER_MISSING_TITLE,
                location,
                "the article has no title",
            )
            .with_help(format!("add a line like `{example}` to the front matter")),
        );
        String::new()
    }

    fn text(&mut self, key: &str, value: Value) -> Option<String> {
        scalar_text(value).unwrap_or_else(|other| {
            self.invalid(key, "text", &other);
            None
        })
    }

    /// A list of names: a list, a single name, or nothing. Items are trimmed,
    /// empty ones dropped, repeats dropped (a repeated tag would list the article
    /// twice on its tag page).
    fn list(&mut self, key: &str, value: Value) -> Vec<String> {
        let mut out = Vec::new();
        match value {
            Value::Null => {}
            Value::String(s) => push_item(&mut out, s),
            Value::Number(n) => push_item(&mut out, n.to_string()),
            Value::Array(items) => {
                for item in items {
                    match item {
                        Value::Null => {}
                        Value::String(s) => push_item(&mut out, s),
                        Value::Number(n) => push_item(&mut out, n.to_string()),
                        other => {
                            self.invalid(key, "a list of names", &other);
                            return Vec::new();
                        }
                    }
                }
            }
            other => self.invalid(key, "a list of names", &other),
        }
        out
    }

    /// `aliases`: old URLs that redirect here. One that is not a path inside
    /// the site (`../x`, `/`, `a\\b`, `%2e%2e`) is a located
    /// `front-matter/bad-alias` error, one with a part no file system can hold
    /// everywhere a `slug/` error, and either is dropped; the article itself
    /// still builds (issue #9: the error had no line).
    fn aliases(&mut self, value: Value) -> Vec<String> {
        let aliases = self.list("aliases", value);
        let mut kept = Vec::with_capacity(aliases.len());
        for alias in aliases {
            let Some(problem) = alias_problem(&alias) else {
                kept.push(alias);
                continue;
            };
            let location = self.item_location("aliases", &alias);
            self.diags.push(match problem {
                AliasProblem::Outside(why) => Diagnostic::error(
                    ids::FRONT_MATTER_BAD_ALIAS,
                    location,
                    format!("alias `{alias}` is not a path inside the site{why}"),
                )
                .with_help("write the old URL's path, e.g. `/old-name/` or `2019/01/post.html`"),
                AliasProblem::Part(problem, part) => crate::slug::unportable_finding(
                    problem,
                    "the alias part",
                    &part,
                    location,
                    "change or drop this alias",
                ),
            });
        }
        kept
    }

    /// Where a list item of a top-level key is written (see [`find_item`]).
    fn item_location(&self, key: &str, item: &str) -> Location {
        match find_item(self.raw, self.format, key, item) {
            Some((line, col)) => Location::new(self.path, line, Some(col)),
            None => Location::new(self.path, 1, None),
        }
    }

    /// Keywords as SEO tools write them: one comma-separated string, or a list.
    fn keywords(&mut self, value: Value) -> Vec<String> {
        match value {
            Value::String(s) => {
                let mut out = Vec::new();
                for word in s.split(',') {
                    let word = word.trim();
                    if !word.is_empty() && !out.iter().any(|w| w == word) {
                        out.push(word.to_owned());
                    }
                }
                out
            }
            other => self.list("keywords", other),
        }
    }

    fn draft(&mut self, value: Value) -> bool {
        match value {
            Value::Null => false,
            Value::Bool(b) => b,
            Value::String(s) if s.trim().eq_ignore_ascii_case("true") => true,
            Value::String(s) if s.trim().eq_ignore_ascii_case("false") => false,
            other => {
                self.invalid("draft", "true or false", &other);
                false
            }
        }
    }

    fn weight(&mut self, value: Value) -> Option<i64> {
        match value {
            Value::Null => None,
            Value::Number(n) if n.is_i64() => n.as_i64(),
            Value::String(s) if s.trim().parse::<i64>().is_ok() => s.trim().parse().ok(),
            other => {
                self.invalid("weight", "a whole number", &other);
                None
            }
        }
    }

    fn date(&mut self, key: &str, value: Value) -> Option<Timestamp> {
        let written = match value {
            Value::Null => return None,
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            other => {
                self.invalid(key, "a date", &other);
                return None;
            }
        };
        let parsed = parse_date(&written);
        if parsed.is_none() {
            let location = self.key_location(key, true);
            self.error(
                Diagnostic::error(
                    ids::FRONT_MATTER_BAD_DATE,
                    location,
                    format!("`{key}` is not a date: \"{}\"", written.trim()),
                )
                .with_help(DATE_HELP),
            );
        }
        parsed
    }
}

/// Why an alias cannot be written as a folder of the output.
enum AliasProblem {
    /// Not a path inside the site; the text ends the message.
    Outside(&'static str),
    /// A part of the path that is too long or a Windows device name.
    Part(crate::slug::Unportable, String),
}

/// An alias is written as given, but web servers and archive tools read it
/// decoded: `%2e%2e` is `..` to a server, and `\` a separator to Windows.
/// So the decoded text is checked too (issue 21: both became literal folders).
fn alias_problem(alias: &str) -> Option<AliasProblem> {
    let decoded = percent_encoding::percent_decode_str(alias).decode_utf8_lossy();
    if decoded.contains('\\') {
        return Some(AliasProblem::Outside(
            ": it holds a backslash (`\\` or `%5C`), which Windows reads as a folder separator",
        ));
    }
    let dots = |path: &str| path.split('/').filter(|part| *part == "." || *part == "..").count();
    if dots(&decoded) > dots(alias) {
        return Some(AliasProblem::Outside(
            ": it holds a percent-encoded `.` or `..` (`%2e`), which servers decode into a folder climb",
        ));
    }
    let path = crate::href::normalize_within(Path::new(alias.trim_start_matches('/')))
        .filter(|p| !p.as_os_str().is_empty());
    let Some(path) = path else { return Some(AliasProblem::Outside("")) };
    path.iter().find_map(|part| {
        let part = part.to_string_lossy();
        crate::slug::unportable(&part).map(|p| AliasProblem::Part(p, part.into_owned()))
    })
}

/// Where a list item of a top-level key is written: the first line from the
/// key on (its own, or an indented `- item` line) that holds the item's text,
/// as (line, column); the key's line, column 1, when no line does.
fn find_item(raw: &str, format: Format, key: &str, item: &str) -> Option<(usize, usize)> {
    let (key_line, _) = find_key(raw, format, key)?;
    let first = key_line - FIRST_LINE;
    for (i, line) in raw.lines().enumerate().skip(first) {
        if i > first && !line.starts_with([' ', '\t', '-']) {
            break;
        }
        // The item as a whole token, not inside another item (`/` in `[/a/, /]`).
        let token = line.match_indices(item).map(|(at, _)| at).find(|&at| {
            let before = line[..at].chars().next_back();
            let after = line[at + item.len()..].chars().next();
            before.is_none_or(|c| " \t-[,\"'".contains(c))
                && after.is_none_or(|c| " \t],\"'#".contains(c))
        });
        if let Some(at) = token {
            return Some((i + FIRST_LINE, line[..at].chars().count() + 1));
        }
    }
    Some((key_line, 1))
}

/// A single line of text. Numbers are accepted in their written form (YAML reads
/// a title like `1984` as a number); empty text is `None`. Other types come back
/// as `Err` for the caller to report.
fn scalar_text(value: Value) -> Result<Option<String>, Value> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(trimmed(s)).filter(|s| !s.is_empty())),
        Value::Number(n) => Ok(Some(n.to_string())),
        other => Err(other),
    }
}

/// Trims without a copy when there is nothing to trim (the usual case).
fn trimmed(s: String) -> String {
    let t = s.trim();
    if t.len() == s.len() {
        s
    } else {
        t.to_owned()
    }
}

fn push_item(out: &mut Vec<String>, item: String) {
    let item = trimmed(item);
    if !item.is_empty() && !out.contains(&item) {
        out.push(item);
    }
}

/// Finds a top-level key in the raw front matter: its 1-based file line and the
/// 1-based column where its value starts (1 when the value is on later lines).
fn find_key(raw: &str, format: Format, key: &str) -> Option<(usize, usize)> {
    for (i, line) in raw.lines().enumerate() {
        // In TOML everything after the first `[table]` header belongs to that table.
        if format == Format::Toml && line.starts_with('[') {
            break;
        }
        let Some(rest) = strip_key(line, key) else { continue };
        let rest = rest.trim_start_matches([' ', '\t']);
        let sep = match format {
            Format::Yaml => ':',
            Format::Toml => '=',
        };
        let Some(after) = rest.strip_prefix(sep) else { continue };
        // `title:x` is a plain scalar in YAML, not a key.
        if format == Format::Yaml && !(after.is_empty() || after.starts_with([' ', '\t'])) {
            continue;
        }
        let value = after.trim_start_matches([' ', '\t']);
        let value_col =
            if value.is_empty() { 1 } else { line[..line.len() - value.len()].chars().count() + 1 };
        return Some((i + FIRST_LINE, value_col));
    }
    None
}

/// `line` after a leading `key`, `"key"` or `'key'`; `None` if it doesn't start with it.
fn strip_key<'l>(line: &'l str, key: &str) -> Option<&'l str> {
    if let Some(rest) = line.strip_prefix(key) {
        return Some(rest);
    }
    for quote in ['"', '\''] {
        if let Some(rest) = line
            .strip_prefix(quote)
            .and_then(|r| r.strip_prefix(key))
            .and_then(|r| r.strip_prefix(quote))
        {
            return Some(rest);
        }
    }
    None
}

/// Reads the date forms found in Jekyll, Hexo, Hugo and Zola front matter.
/// A date without a zone is taken as UTC so builds don't depend on the machine's zone.
fn parse_date(input: &str) -> Option<Timestamp> {
    let s = input.trim();
    if let Ok(day) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let midnight = day.and_hms_opt(0, 0, 0)?;
        return Some(Timestamp { value: midnight.and_utc().fixed_offset(), has_time: false });
    }
    if let Ok(value) = DateTime::parse_from_rfc3339(s) {
        return Some(Timestamp { value, has_time: true });
    }
    const ZONED: [&str; 4] = [
        "%Y-%m-%dT%H:%M:%S%.f %z",
        "%Y-%m-%d %H:%M:%S%.f %z",
        "%Y-%m-%dT%H:%M %z",
        "%Y-%m-%d %H:%M %z",
    ];
    const NAIVE: [&str; 4] =
        ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"];
    let (naive, zulu) = match s.strip_suffix(['Z', 'z']) {
        Some(rest) => (rest.trim_end(), true),
        None => (s, false),
    };
    if !zulu {
        for fmt in ZONED {
            if let Ok(value) = DateTime::<FixedOffset>::parse_from_str(s, fmt) {
                return Some(Timestamp { value, has_time: true });
            }
        }
    }
    NAIVE
        .iter()
        .find_map(|fmt| NaiveDateTime::parse_from_str(naive, fmt).ok())
        .map(|dt| Timestamp { value: dt.and_utc().fixed_offset(), has_time: true })
}

/// Jekyll and Zola take a post's date from a `2024-01-02-` prefix of its file
/// name, or of its folder for a page bundle (`2024-01-02-guide/index.md`).
fn date_from_path(path: &Path) -> Option<Timestamp> {
    let stem = path.file_stem()?.to_str()?;
    let name = if stem == "index" || stem == "_index" {
        path.parent()?.file_name()?.to_str()?
    } else {
        stem
    };
    let prefix = name.get(..10)?;
    if !matches!(name.as_bytes().get(10), None | Some(b'-' | b'_')) {
        return None;
    }
    let day = NaiveDate::parse_from_str(prefix, "%Y-%m-%d").ok()?;
    // `parse_from_str` accepts one-digit months; a file name prefix must be exact.
    if day.format("%Y-%m-%d").to_string() != prefix {
        return None;
    }
    Some(Timestamp { value: day.and_hms_opt(0, 0, 0)?.and_utc().fixed_offset(), has_time: false })
}

/// Compares by calendar day when either side has no time, so `updated: 2024-08-22`
/// is not "before" `date: 2024-08-22T21:00:00Z`.
fn is_before(a: &Timestamp, b: &Timestamp) -> bool {
    if a.has_time && b.has_time {
        a.value < b.value
    } else {
        a.value.date_naive() < b.value.date_naive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Severity;

    fn run<'a>(path: &str, text: &'a str) -> (Option<Parsed<'a>>, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let parsed = parse(Path::new(path), text, &mut diags);
        (parsed, diags)
    }

    /// Parses text that must be accepted without any diagnostic.
    fn ok(text: &str) -> FrontMatter {
        let (parsed, diags) = run("content/guide.md", text);
        assert!(diags.is_empty(), "{diags:#?}");
        parsed.expect("front matter should parse").meta
    }

    /// Parses text that must be rejected; returns its diagnostics.
    fn rejected(path: &str, text: &str) -> Vec<Diagnostic> {
        let (parsed, diags) = run(path, text);
        assert!(parsed.is_none(), "should be rejected: {diags:#?}");
        assert!(diags.iter().any(Diagnostic::is_error), "rejected without an error");
        diags
    }

    fn codes(diags: &[Diagnostic]) -> Vec<&'static str> {
        diags.iter().map(|d| d.code.as_str()).collect()
    }

    fn at(d: &Diagnostic) -> (usize, Option<usize>) {
        (d.location.line, d.location.col)
    }

    fn utc(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    const SEED_SHAPE: &str = "---
title: Pairing a Bluetooth Keyboard with Windows 11
date: 2024-08-22T21:32:44.553Z
updated: 2024-08-23T21:32:44.553Z
tags:
  - windows11
  - bluetooth
categories:
  - hardware
description: How to pair a keyboard
excerpt: Pair it once, type forever
keywords: Bluetooth Pairing,Keyboard Setup , ,Windows 11 Devices,
thumbnail: https://example.com/thumb.jpg
---

## Pairing a Bluetooth Keyboard
";

    #[test]
    fn a_bad_date_does_not_hide_the_other_field_findings() {
        let text = "---\ntitle: Reset\ndate: 2024-13-45\ntittle: Reset it\ndescription: short\nweight: heavy\n---\n\nBody.\n";
        // What the article stage does with a front matter whose field failed.
        let path = Path::new("content/reset.md");
        let mut diags = Vec::new();
        let read = parse_or_read(path, text, &mut diags).err().flatten().expect("the fields read");
        crate::check::front_matter::fields(path, text, &read, &mut diags);
        let found: Vec<_> = diags.iter().map(|d| (d.code.as_str(), at(d))).collect();
        assert_eq!(
            found,
            [
                ("front-matter/invalid-field", (6, Some(1))),
                ("front-matter/bad-date", (3, Some(7))),
                ("front-matter/unknown-key", (4, Some(1))),
                ("seo/description-length", (5, Some(14))),
            ],
            "{diags:#?}"
        );
        assert!(diags[2].help.as_deref().unwrap_or("").contains("`title`"), "{:?}", diags[2]);
    }

    #[test]
    fn reads_every_field_of_a_typical_article() {
        let m = ok(SEED_SHAPE);
        assert_eq!(m.title, "Pairing a Bluetooth Keyboard with Windows 11");
        let date = m.date.unwrap();
        assert_eq!(date.value, utc("2024-08-22T21:32:44.553Z"));
        assert!(date.has_time);
        assert_eq!(m.updated.unwrap().value, utc("2024-08-23T21:32:44.553Z"));
        assert_eq!(m.tags, strings(&["windows11", "bluetooth"]));
        assert_eq!(m.categories, strings(&["hardware"]));
        assert_eq!(m.description.as_deref(), Some("How to pair a keyboard"));
        assert_eq!(m.excerpt.as_deref(), Some("Pair it once, type forever"));
        assert_eq!(
            m.keywords,
            strings(&["Bluetooth Pairing", "Keyboard Setup", "Windows 11 Devices"])
        );
        assert_eq!(m.thumbnail.as_deref(), Some("https://example.com/thumb.jpg"));
        assert!(!m.draft);
        assert!(m.extra.is_empty(), "{:?}", m.extra);
    }

    #[test]
    fn body_starts_after_the_closing_line() {
        let (parsed, _) = run("content/a.md", SEED_SHAPE);
        let parsed = parsed.unwrap();
        assert_eq!(parsed.body, "\n## Pairing a Bluetooth Keyboard\n");
        assert_eq!(&SEED_SHAPE[parsed.body_offset..], parsed.body);
        assert!(SEED_SHAPE[..parsed.body_offset].ends_with("thumb.jpg\n---\n"));
    }

    #[test]
    fn closing_line_followed_directly_by_body_text() {
        let text = "---\ntitle: Tight\n---\nFirst line of the body.\n";
        let (parsed, diags) = run("content/a.md", text);
        assert!(diags.is_empty());
        let parsed = parsed.unwrap();
        assert_eq!(parsed.body, "First line of the body.\n");
        assert_eq!(parsed.body_offset, 21);
    }

    #[test]
    fn closing_line_at_end_of_file_leaves_an_empty_body() {
        let text = "---\ntitle: Only metadata\n---";
        let (parsed, _) = run("content/a.md", text);
        let parsed = parsed.unwrap();
        assert_eq!(parsed.body, "");
        assert_eq!(parsed.body_offset, text.len());
    }

    #[test]
    fn crlf_line_endings() {
        let text = "---\r\ntitle: Windows style\r\ntags: \r\n  - a\r\n  - b\r\ndate: 2024-06-18T01:03:04.150Z\r\n---\r\nBody\r\n";
        let (parsed, diags) = run("content/a.md", text);
        assert!(diags.is_empty(), "{diags:#?}");
        let parsed = parsed.unwrap();
        assert_eq!(parsed.meta.title, "Windows style");
        assert_eq!(parsed.meta.tags, strings(&["a", "b"]));
        assert_eq!(parsed.body, "Body\r\n");
        assert_eq!(&text[parsed.body_offset..], "Body\r\n");
    }

    #[test]
    fn mixed_line_endings() {
        let text = "---\r\ntitle: Mixed\ndescription: half and half\r\n---\nBody\r\nmore\n";
        let (parsed, diags) = run("content/a.md", text);
        assert!(diags.is_empty(), "{diags:#?}");
        let parsed = parsed.unwrap();
        assert_eq!(parsed.meta.title, "Mixed");
        assert_eq!(parsed.meta.description.as_deref(), Some("half and half"));
        assert_eq!(parsed.body, "Body\r\nmore\n");
    }

    #[test]
    fn blank_lines_and_comments_inside_front_matter() {
        let m = ok("---\ntitle: Spaced\n\n# a comment\n\ndate: 2024-01-02\n---\nBody\n");
        assert_eq!(m.title, "Spaced");
        assert!(m.date.is_some());
    }

    #[test]
    fn delimiter_lines_may_have_trailing_blanks_and_yaml_may_end_with_dots() {
        let text = "---  \ntitle: Trailing\n--- \t\nBody";
        assert_eq!(run("content/a.md", text).0.unwrap().body, "Body");
        let text = "---\ntitle: Dots\n...\nBody";
        assert_eq!(run("content/a.md", text).0.unwrap().body, "Body");
    }

    #[test]
    fn text_with_bom_already_stripped_parses() {
        // `load` strips the BOM; what arrives starts with the delimiter.
        let raw = "\u{feff}---\ntitle: Had a BOM\n---\nBody\n";
        let text = raw.strip_prefix('\u{feff}').unwrap();
        let (parsed, diags) = run("content/a.md", text);
        assert!(diags.is_empty());
        assert_eq!(parsed.unwrap().meta.title, "Had a BOM");
    }

    #[test]
    fn missing_front_matter_is_an_error_at_line_one() {
        for text in
            ["# Just a heading\n\nText.\n", "", "\n---\ntitle: late\n---\n", "--- title: x\n"]
        {
            let diags = rejected("content/a.md", text);
            assert_eq!(codes(&diags), ["front-matter/missing"], "{text:?}");
            assert_eq!(at(&diags[0]), (1, Some(1)));
            assert!(diags[0].help.is_some());
        }
    }

    #[test]
    fn unclosed_front_matter_never_swallows_the_body() {
        let diags = rejected("content/a.md", "---\ntitle: Open\n\n# Heading\n\nBody text\n");
        assert_eq!(codes(&diags), ["front-matter/unclosed"]);
        assert_eq!(at(&diags[0]), (1, Some(1)));
        assert_eq!(diags[0].location.path, Path::new("content/a.md"));
        let diags = rejected("content/a.md", "+++\ntitle = \"Open\"\n---\n");
        assert_eq!(codes(&diags), ["front-matter/unclosed"]);
        assert!(diags[0].message.contains("+++"));
        assert_eq!(codes(&rejected("content/a.md", "---")), ["front-matter/unclosed"]);
    }

    #[test]
    fn toml_front_matter_with_extra_table() {
        let text = "+++\npath = \"2025/01/10/infra\"\ntitle = \"Test infra in December\"\nauthors = [\"Someone\"]\naliases = [\"2025/01/10/infra.html\"]\ndate = 2025-01-10\nupdated = 2025-01-11T08:00:00+01:00\ndraft = false\nweight = 3\n\n[extra]\nteam = \"the Infra Team\"\nteam_url = \"https://example.org/infra\"\n+++\n\nBody\n";
        let (parsed, diags) = run("content/infra.md", text);
        assert!(diags.is_empty(), "{diags:#?}");
        let parsed = parsed.unwrap();
        let m = &parsed.meta;
        assert_eq!(m.title, "Test infra in December");
        assert_eq!(m.aliases, strings(&["2025/01/10/infra.html"]));
        let date = m.date.as_ref().unwrap();
        assert!(!date.has_time);
        assert_eq!(date.value, utc("2025-01-10T00:00:00Z"));
        assert_eq!(m.updated.as_ref().unwrap().value, utc("2025-01-11T07:00:00Z"));
        assert_eq!(m.weight, Some(3));
        assert_eq!(m.extra["path"], "2025/01/10/infra");
        assert_eq!(m.extra["authors"][0], "Someone");
        // The [extra] table is flattened into `extra`.
        assert_eq!(m.extra["team"], "the Infra Team");
        assert_eq!(m.extra["team_url"], "https://example.org/infra");
        assert!(!m.extra.contains_key("extra"));
        assert_eq!(parsed.body, "\nBody\n");
    }

    #[test]
    fn toml_with_crlf() {
        let m = ok("+++\r\ntitle = \"CRLF TOML\"\r\n+++\r\nBody");
        assert_eq!(m.title, "CRLF TOML");
    }

    #[test]
    fn toml_syntax_error_is_located_in_the_file() {
        // line 1 `+++`, line 2 title, line 3 the broken value
        let text = "+++\ntitle = \"Fine\"\nauthors = [\"a\",\n+++\nBody\n";
        let diags = rejected("content/a.md", text);
        assert_eq!(codes(&diags), ["front-matter/invalid-toml"]);
        assert!(
            diags[0].message.starts_with("front matter is not valid TOML: "),
            "{}",
            diags[0].message
        );
        assert!(!diags[0].message.contains('\n'), "{}", diags[0].message);
        let text = "+++\ntitle = \"Fine\"\n\nweight = = 3\n+++\n";
        let diags = rejected("content/a.md", text);
        assert_eq!(codes(&diags), ["front-matter/invalid-toml"]);
        assert_eq!(at(&diags[0]), (4, Some(10)));
    }

    #[test]
    fn yaml_syntax_error_is_located_in_the_file_not_the_snippet() {
        // line 1 `---`; the bad line is line 4 of the file (line 3 of the YAML)
        let text = "---\ntitle: Fine\ndate: 2024-01-02\ndescription: 'unterminated\n---\nBody\n";
        let diags = rejected("content/a.md", text);
        assert_eq!(codes(&diags), ["front-matter/invalid-yaml"]);
        assert!(diags[0].location.line >= 4, "{:?}", diags[0].location);
        assert!(
            diags[0].message.starts_with("front matter is not valid YAML: "),
            "{}",
            diags[0].message
        );
        assert!(!diags[0].message.contains(" at line "), "{}", diags[0].message);

        let text = "---\ntitle: Fine\ntags:\n  - a\n bad: indent\n---\n";
        let diags = rejected("content/a.md", text);
        assert_eq!(codes(&diags), ["front-matter/invalid-yaml"]);
        assert_eq!(diags[0].location.line, 5);
    }

    #[test]
    fn unclosed_bracket_is_located_where_it_opens_with_help() {
        // Issue #7: it was reported at the closing `---` (5:1) with no hint.
        let diags =
            rejected("content/a.md", "---\ntitle: T\ndate: 2024-01-01\ntags: [a, b\n---\nBody\n");
        assert_eq!(codes(&diags), ["front-matter/invalid-yaml"]);
        assert_eq!(at(&diags[0]), (4, Some(7)));
        assert!(diags[0].help.as_deref().unwrap().contains("close the list with `]`"), "{diags:?}");
        // A closed list on the same key parses.
        ok("---\ntitle: T\ntags: [a, \"b]\"]\n---\n");
    }

    #[test]
    fn broken_quoting_in_title_is_located_with_help() {
        // The real-world shape: a single-quoted scalar followed by more text.
        let text = "---\ntitle: ''Acme Corp''' - A history\ndate: 2024-09-28T00:44:22.227Z\n---\n";
        let diags = rejected("content/a.md", text);
        assert_eq!(codes(&diags), ["front-matter/invalid-yaml"]);
        assert_eq!(at(&diags[0]), (2, Some(10)));
        assert!(diags[0].help.as_deref().unwrap().contains("quote"));
    }

    #[test]
    fn title_starting_with_a_dash_is_located_with_help() {
        let text = "---\ntitle: - Gadget Notes\ndate: 2024-10-17T23:46:33.849Z\n---\n";
        let diags = rejected("content/a.md", text);
        assert_eq!(codes(&diags), ["front-matter/invalid-yaml"]);
        assert_eq!(at(&diags[0]), (2, Some(8)));
        assert!(diags[0].help.as_deref().unwrap().contains("quoted"));
    }

    #[test]
    fn title_holding_a_list_is_an_invalid_field_at_its_line() {
        let text = "---\ndate: 2024-01-02\ntitle:\n  - one\n  - two\n---\n";
        let diags = rejected("content/a.md", text);
        assert_eq!(codes(&diags), ["front-matter/invalid-field"]);
        assert_eq!(at(&diags[0]), (3, Some(1)));
        assert!(diags[0].message.contains("`title`"), "{}", diags[0].message);
        assert!(diags[0].message.contains("a list"), "{}", diags[0].message);
    }

    #[test]
    fn missing_or_empty_title() {
        let diags = rejected("content/a.md", "---\ndate: 2024-01-02\n---\n");
        assert_eq!(codes(&diags), ["front-matter/missing-title"]);
        assert_eq!(diags[0].location.line, 1);
        assert!(diags[0].help.is_some());
        for text in
            ["---\ndate: 2024-01-02\ntitle:\n---\n", "---\ndate: 2024-01-02\ntitle: \"  \"\n---\n"]
        {
            let diags = rejected("content/a.md", text);
            assert_eq!(codes(&diags), ["front-matter/missing-title"]);
            assert_eq!(at(&diags[0]), (3, Some(1)), "{text:?}");
        }
        assert_eq!(
            codes(&rejected("content/a.md", "---\n---\nBody\n")),
            ["front-matter/missing-title"]
        );
        assert_eq!(
            codes(&rejected("content/a.md", "+++\n+++\nBody\n")),
            ["front-matter/missing-title"]
        );
    }

    #[test]
    fn title_is_trimmed_and_numbers_are_titles() {
        assert_eq!(ok("---\ntitle: \"  Padded  \"\n---\n").title, "Padded");
        assert_eq!(ok("---\ntitle: 1984\n---\n").title, "1984");
    }

    #[test]
    fn every_error_of_a_file_is_reported() {
        let text = "---\ndate: 2024-13-45\ntags: {a: 1}\ndraft: maybe\n---\nBody\n";
        let mut diags = rejected("content/a.md", text);
        crate::diag::sort(&mut diags);
        assert_eq!(
            codes(&diags),
            [
                "front-matter/missing-title",
                "front-matter/bad-date",
                "front-matter/invalid-field",
                "front-matter/invalid-field"
            ]
        );
        assert_eq!(at(&diags[1]), (2, Some(7)));
        assert_eq!(at(&diags[2]), (3, Some(1)));
        assert!(diags[2].message.contains("`tags`"));
        assert_eq!(at(&diags[3]), (4, Some(1)));
        assert!(diags[3].message.contains("`draft`"));
    }

    #[test]
    fn accepted_date_forms() {
        let cases = [
            ("2024-08-22T21:32:44.553Z", "2024-08-22T21:32:44.553Z", true),
            ("2024-08-22 21:32:44", "2024-08-22T21:32:44Z", true),
            ("2024-08-22", "2024-08-22T00:00:00Z", false),
            ("2019-08-19 10:00:00 -0500", "2019-08-19T15:00:00Z", true),
            ("2024-08-22T21:32:44", "2024-08-22T21:32:44Z", true),
            ("2024-08-22T21:32:44+01:00", "2024-08-22T20:32:44Z", true),
            ("2024-08-22 21:32:44+01:00", "2024-08-22T20:32:44Z", true),
            ("2024-08-22T21:32:44.5+0100", "2024-08-22T20:32:44.5Z", true),
            ("2024-08-22 21:32", "2024-08-22T21:32:00Z", true),
            ("  2024-08-22T21:32:44Z  ", "2024-08-22T21:32:44Z", true),
        ];
        for (written, expected, has_time) in cases {
            let ts = parse_date(written).unwrap_or_else(|| panic!("{written:?} should parse"));
            assert_eq!(ts.value, utc(expected), "{written:?}");
            assert_eq!(ts.has_time, has_time, "{written:?}");
        }
        // The offset as written is kept for display.
        assert_eq!(
            parse_date("2019-08-19 10:00:00 -0500").unwrap().value.offset().local_minus_utc(),
            -5 * 3600
        );
        for bad in
            ["2024-13-22", "22/08/2024", "yesterday", "2024-02-30", "2024-08-22T25:00:00Z", ""]
        {
            assert!(parse_date(bad).is_none(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn dates_in_front_matter() {
        let m = ok("---\ntitle: About\ndate: 2024-01-31 15:11:56\n---\n");
        assert_eq!(m.date.unwrap().iso(), "2024-01-31T15:11:56Z");
        let m = ok("---\ntitle: Quoted\ndate: '2024-01-31'\n---\n");
        assert!(!m.date.unwrap().has_time);
    }

    #[test]
    fn bad_date_points_at_the_value_and_shows_a_form() {
        let text = "---\ntitle: Fine\ndate: 2024-13-22\n---\n";
        let diags = rejected("content/link-product-key.md", text);
        assert_eq!(codes(&diags), ["front-matter/bad-date"]);
        assert_eq!(at(&diags[0]), (3, Some(7)));
        assert_eq!(diags[0].message, "`date` is not a date: \"2024-13-22\"");
        assert!(diags[0].help.as_deref().unwrap().contains("2024-08-22T21:32:44Z"));
        let diags = rejected("content/a.md", "---\ntitle: Fine\nupdated: soon\n---\n");
        assert_eq!(codes(&diags), ["front-matter/bad-date"]);
        assert!(diags[0].message.contains("`updated`"));
        let diags = rejected("content/a.md", "---\ntitle: Fine\ndate: 20240822\n---\n");
        assert_eq!(codes(&diags), ["front-matter/bad-date"]);
        let diags = rejected("content/a.md", "---\ntitle: Fine\ndate: [2024-01-02]\n---\n");
        assert_eq!(codes(&diags), ["front-matter/invalid-field"]);
    }

    #[test]
    fn missing_date_comes_from_the_file_name() {
        let text = "---\ntitle: Dated by name\n---\n";
        let (parsed, _) = run("content/2024-01-02-foo.md", text);
        let date = parsed.unwrap().meta.date.unwrap();
        assert_eq!(date.value, utc("2024-01-02T00:00:00Z"));
        assert!(!date.has_time);
        let (parsed, _) = run("content/2022-05-16-mermaid-diagrams/index.md", text);
        assert_eq!(parsed.unwrap().meta.date.unwrap().value, utc("2022-05-16T00:00:00Z"));
        let (parsed, _) = run("content/2022-05-16_underscored.md", text);
        assert!(parsed.unwrap().meta.date.is_some());
        // An empty `date:` also falls back.
        let (parsed, _) = run("content/2024-01-02-foo.md", "---\ntitle: x\ndate:\n---\n");
        assert!(parsed.unwrap().meta.date.is_some());
        // Front matter wins over the name.
        let (parsed, _) =
            run("content/2024-01-02-foo.md", "---\ntitle: x\ndate: 2023-05-06\n---\n");
        assert_eq!(parsed.unwrap().meta.date.unwrap().value, utc("2023-05-06T00:00:00Z"));
    }

    #[test]
    fn no_date_at_all_is_a_standalone_page() {
        for path in [
            "content/about.md",
            "content/my-guide/index.md",
            "content/2024-13-45-foo.md",
            "content/2024-1-2-foo.md",
            "content/20240102-foo.md",
            "content/2024-01-02foo.md",
        ] {
            let (parsed, diags) = run(path, "---\ntitle: Terms\n---\n");
            assert!(diags.is_empty(), "{path}");
            assert!(parsed.unwrap().meta.date.is_none(), "{path}");
        }
    }

    #[test]
    fn updated_before_date_is_only_a_warning() {
        let text = "---\ntitle: Backwards\ndate: 2024-08-22T10:00:00Z\nupdated: 2024-08-21T10:00:00Z\n---\n";
        let (parsed, diags) = run("content/a.md", text);
        assert!(parsed.is_some());
        assert_eq!(codes(&diags), ["front-matter/updated-before-date"]);
        assert_eq!(diags[0].severity, Severity::Warning);
        assert_eq!(at(&diags[0]), (4, Some(10)));
        // Same calendar day without a time is not "before".
        let m = ok("---\ntitle: Same day\ndate: 2024-08-22T21:00:00Z\nupdated: 2024-08-22\n---\n");
        assert!(m.updated.is_some());
    }

    #[test]
    fn tag_and_category_shapes() {
        let cases: [(&str, &[&str]); 9] = [
            ("tags:\n  - a\n  - b", &["a", "b"]),
            ("tags: [ ]", &[]),
            ("tags: []", &[]),
            ("tags:", &[]),
            ("tags: ", &[]),
            ("tags: ~", &[]),
            ("tags: solo", &["solo"]),
            ("tags: [ \" spaced \", \"\", 2024, 1.5, b, b ]", &["spaced", "2024", "1.5", "b"]),
            ("tags: \n  - transfer", &["transfer"]),
        ];
        for (line, expected) in cases {
            let m = ok(&format!("---\ntitle: T\n{line}\n---\n"));
            assert_eq!(m.tags, strings(expected), "{line:?}");
            let m =
                ok(&format!("---\ntitle: T\n{}\n---\n", line.replacen("tags", "categories", 1)));
            assert_eq!(m.categories, strings(expected), "{line:?}");
        }
        let diags =
            rejected("content/a.md", "---\ntitle: T\ncategories:\n  - ok\n  - [nested]\n---\n");
        assert_eq!(codes(&diags), ["front-matter/invalid-field"]);
        assert_eq!(at(&diags[0]), (3, Some(1)));
        assert_eq!(
            codes(&rejected("content/a.md", "---\ntitle: T\ntags: true\n---\n")),
            ["front-matter/invalid-field"]
        );
    }

    #[test]
    fn keywords_as_comma_string_or_list() {
        assert_eq!(
            ok("---\ntitle: T\nkeywords: a, b ,,c\n---\n").keywords,
            strings(&["a", "b", "c"])
        );
        assert_eq!(
            ok("---\ntitle: T\nkeywords: [a, \"b, c\"]\n---\n").keywords,
            strings(&["a", "b, c"])
        );
        assert!(ok("---\ntitle: T\nkeywords:\n---\n").keywords.is_empty());
    }

    #[test]
    // Issue #9: `front-matter/bad-alias` had no line.
    fn bad_aliases_are_located_and_dropped() {
        let text = "---\ntitle: T\naliases:\n  - /fine/\n  - \"../../etc\"\n---\nBody\n";
        let mut diags = Vec::new();
        let p =
            parse(Path::new("content/a.md"), text, &mut diags).expect("the article still builds");
        assert_eq!(p.meta.aliases, strings(&["/fine/"]));
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].code, "front-matter/bad-alias");
        assert_eq!(diags[0].location, Location::new("content/a.md", 5, Some(6)));
        let text = "---\ntitle: T\naliases: [/a/, /]\n---\n";
        let mut diags = Vec::new();
        parse(Path::new("a.md"), text, &mut diags).unwrap();
        assert_eq!(diags[0].location, Location::new("a.md", 3, Some(16)));
    }

    #[test]
    fn aliases_string_or_list() {
        assert_eq!(ok("---\ntitle: T\naliases: /old/\n---\n").aliases, strings(&["/old/"]));
        assert_eq!(
            ok("---\ntitle: T\naliases: [/a/, /b/]\n---\n").aliases,
            strings(&["/a/", "/b/"])
        );
    }

    #[test]
    fn draft_and_weight() {
        assert!(ok("---\ntitle: T\ndraft: true\n---\n").draft);
        assert!(ok("---\ntitle: T\ndraft: \"True\"\n---\n").draft);
        assert!(!ok("---\ntitle: T\ndraft: 'false'\n---\n").draft);
        assert!(!ok("---\ntitle: T\ndraft:\n---\n").draft);
        let diags = rejected("content/a.md", "---\ntitle: T\ndraft: 1\n---\n");
        assert_eq!(codes(&diags), ["front-matter/invalid-field"]);
        assert_eq!(ok("---\ntitle: T\nweight: -4\n---\n").weight, Some(-4));
        assert_eq!(ok("---\ntitle: T\nweight: \"7\"\n---\n").weight, Some(7));
        let diags = rejected("content/a.md", "---\ntitle: T\n\nweight: 2.5\n---\n");
        assert_eq!(codes(&diags), ["front-matter/invalid-field"]);
        assert_eq!(at(&diags[0]), (4, Some(1)));
        assert!(diags[0].message.contains("`weight`"));
    }

    #[test]
    fn scalar_text_fields() {
        let m = ok("---\ntitle: T\nslug: my-guide\ndescription: \"\"\nexcerpt: ~\n---\n");
        assert_eq!(m.slug.as_deref(), Some("my-guide"));
        assert_eq!(m.description, None);
        assert_eq!(m.excerpt, None);
        let diags = rejected("content/a.md", "---\ntitle: T\nthumbnail:\n  src: a.jpg\n---\n");
        assert_eq!(codes(&diags), ["front-matter/invalid-field"]);
        assert_eq!(at(&diags[0]), (3, Some(1)));
    }

    #[test]
    fn unknown_keys_and_nested_maps_go_to_extra() {
        let text = "---\nlayout: post\ntitle: Diagrams\ncover: \n    alt: A statue\n    hidden: false\nresources:\n  - name: cover\n    src: cover.jpg\nauthor: Someone\n---\n";
        let m = ok(text);
        assert_eq!(m.extra["layout"], "post");
        assert_eq!(m.extra["author"], "Someone");
        assert_eq!(m.extra["cover"]["alt"], "A statue");
        assert_eq!(m.extra["cover"]["hidden"], false);
        assert_eq!(m.extra["resources"][0]["src"], "cover.jpg");
        // A YAML `extra:` map is flattened like TOML's [extra]; top-level keys win.
        let m = ok("---\ntitle: T\nteam: top\nextra:\n  team: nested\n  color: red\n---\n");
        assert_eq!(m.extra["team"], "top");
        assert_eq!(m.extra["color"], "red");
        let m = ok("---\ntitle: T\nextra: just text\n---\n");
        assert_eq!(m.extra["extra"], "just text");
    }

    #[test]
    fn front_matter_that_is_not_a_map() {
        let diags = rejected("content/a.md", "---\n- a\n- b\n---\n");
        assert_eq!(codes(&diags), ["front-matter/invalid-yaml"]);
        assert!(diags[0].message.contains("a list"));
        assert_eq!(
            codes(&rejected("content/a.md", "---\njust words\n---\n")),
            ["front-matter/invalid-yaml"]
        );
    }

    #[test]
    fn key_lookup_ignores_nested_and_lookalike_keys() {
        let raw = "cover:\n  title: nested\ntitles: no\n\"title\": x\n";
        assert_eq!(find_key(raw, Format::Yaml, "title"), Some((5, 10)));
        let raw = "[extra]\ntitle = \"x\"\n";
        assert_eq!(find_key(raw, Format::Toml, "title"), None);
        let raw = "title   =   \"é x\"\n";
        assert_eq!(find_key(raw, Format::Toml, "title"), Some((2, 13)));
    }

    /// Every real article either parses cleanly or, when the corpus README marks
    /// its front matter as broken (`yaml-ERROR`), fails with a located error.
    #[test]
    fn real_articles_corpus() {
        let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/real-articles"));
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        let readme = std::fs::read_to_string(dir.join("../README.md")).unwrap_or_default();
        let broken: Vec<&str> = readme
            .split("\n## `")
            .skip(1)
            .filter(|section| section.contains("front matter: yaml-ERROR"))
            .filter_map(|section| section.split('`').next())
            .collect();
        let mut seen = 0;
        for entry in entries {
            let file = entry.unwrap().path();
            let name = file.file_name().unwrap().to_str().unwrap().to_owned();
            let raw = std::fs::read_to_string(&file).unwrap();
            let text = raw.strip_prefix('\u{feff}').unwrap_or(&raw);
            // `site__dir__index.md` stands for `dir/index.md` on the original site.
            let rel = format!(
                "content/{}",
                name.split_once("__").map_or(name.as_str(), |p| p.1).replace("__", "/")
            );
            let (parsed, diags) = run(&rel, text);
            if broken.contains(&name.as_str()) {
                assert!(parsed.is_none(), "{name} should be rejected");
                let err = diags
                    .iter()
                    .find(|d| d.is_error())
                    .unwrap_or_else(|| panic!("{name}: no error"));
                assert!(err.code.starts_with("front-matter/"), "{name}: {err}");
                assert!(err.location.line >= 1 && err.location.col.is_some(), "{name}: {err}");
            } else {
                let parsed = parsed.unwrap_or_else(|| panic!("{name}: {diags:#?}"));
                assert!(diags.is_empty(), "{name}: {diags:#?}");
                assert!(!parsed.meta.title.is_empty(), "{name}");
                assert!(parsed.body_offset <= text.len());
                assert_eq!(&text[parsed.body_offset..], parsed.body);
            }
            seen += 1;
        }
        if seen == 0 {
            return;
        }
        assert!(broken.len() >= 4, "README lists the broken files: {broken:?}");

        let load = |name: &str, rel: &str| {
            let raw = std::fs::read_to_string(dir.join(name)).unwrap();
            let mut diags = Vec::new();
            parse(Path::new(rel), &raw, &mut diags).map(|p| p.meta)
        };
        if let Some(m) = load("site-printer-issues__about.md", "content/about.md") {
            assert_eq!(m.date.unwrap().iso(), "2024-01-31T15:11:56Z");
        }
        if let Some(m) =
            load("site-printer-issues__terms_conditions.md", "content/terms_conditions.md")
        {
            assert!(m.date.is_none());
        }
        if let Some(m) =
            load("blog-rust-lang__test-infra-dec-2024.md", "content/test-infra-dec-2024.md")
        {
            assert_eq!(m.extra["team"], "the Bootstrap Team");
            assert!(m.date.is_none());
        }
        if let Some(m) = load(
            "budavariam__2022-05-16-mermaid-diagrams__index.md",
            "content/2022-05-16-mermaid-diagrams/index.md",
        ) {
            assert!(m.extra["cover"].is_object());
            assert_eq!(m.date.unwrap().value, utc("2022-05-16T00:00:00Z"));
        }
        if let Some(m) = load(
            "budavariam__2018-03-05-AdSense-experiments.md",
            "content/2018-03-05-AdSense-experiments.md",
        ) {
            assert!(m.tags.is_empty());
        }
    }
}
