//! The one place that parses YAML.
//!
//! serde_yaml is deprecated upstream; keeping every YAML call behind these two
//! functions means swapping the parser touches this file only. Callers get plain
//! `serde_json::Value`s (a data model every other stage already speaks) and errors
//! with a 1-based line and column inside the text they passed.

use std::collections::HashMap;

use serde::de::DeserializeOwned;

/// A YAML syntax or type error, located inside the parsed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based line within the text handed to [`to_value`]; 0 when unknown.
    pub line: usize,
    /// 1-based column; 0 when unknown.
    pub col: usize,
    pub message: String,
}

/// serde_yaml's error, located in the lines every other finding counts (see
/// [`file_line_col`]) and worded for authors where the parser's words aren't.
fn convert_error(text: &str, err: serde_yaml::Error) -> YamlError {
    let (line, col) = err
        .location()
        .map_or((0, 0), |l| file_line_col(text, l.line(), l.column()).unwrap_or((0, 0)));
    // serde_yaml appends " at line X column Y" to its message; the location is
    // reported separately, so drop the duplicate.
    let mut message = err.to_string();
    if let Some(i) = message.find(" at line ") {
        message.truncate(i);
    }
    let mut e = YamlError { line, col, message };
    if let Some(tab_col) = tab_at(text, e.line, e.col) {
        // libyaml says "cannot start any token" for most of these.
        e.col = tab_col;
        e.message =
            "a tab character where YAML expects indentation; YAML indents with spaces only".into();
    } else if e.message.contains("repetition limit exceeded") {
        // The alias bomb ("billion laughs") is stopped by serde_yaml, without
        // a location; point at the first alias that is expanded.
        if let Some((l, c)) = first_alias(text) {
            (e.line, e.col) = (l, c);
        }
        e.message =
            "aliases expand to too many values (a YAML \"billion laughs\"); nothing was read"
                .into();
    }
    e
}

/// libyaml counts a lone CR (and NEL, LS, PS) as a line break; every other
/// finding, like editors on Linux, counts `\n` only. Maps libyaml's 1-based
/// (line, column in characters) to the same position in `\n` lines, so a
/// file with stray CRs gets a line that exists (found by fuzzing, issue #9).
fn file_line_col(text: &str, yaml_line: usize, yaml_col: usize) -> Option<(usize, usize)> {
    let (mut line, mut col) = (1, 1);
    let (mut file_line, mut file_col) = (1, 1);
    let mut chars = text.chars().peekable();
    loop {
        if (line, col) >= (yaml_line, yaml_col) {
            return Some((file_line, file_col));
        }
        let c = chars.next()?;
        let yaml_break = match c {
            '\r' => chars.peek() != Some(&'\n'),
            '\n' | '\u{85}' | '\u{2028}' | '\u{2029}' => true,
            _ => false,
        };
        if yaml_break {
            (line, col) = (line + 1, 1);
        } else if c != '\r' {
            col += 1;
        }
        if c == '\n' {
            (file_line, file_col) = (file_line + 1, 1);
        } else {
            file_col += 1;
        }
    }
}

/// The 1-based column of a tab at or before `col` in the indentation of
/// `line`, or right at `col`: the usual cause of an error there.
fn tab_at(text: &str, line: usize, col: usize) -> Option<usize> {
    let l = text.split('\n').nth(line.checked_sub(1)?)?;
    let indent = l.len() - l.trim_start_matches([' ', '\t']).len();
    if let Some(i) = l[..indent].find('\t') {
        return Some(l[..i].chars().count() + 1);
    }
    (l.chars().nth(col.checked_sub(1)?) == Some('\t')).then_some(col)
}

/// Line and column of the first `*alias` (outside quotes and comments).
fn first_alias(text: &str) -> Option<(usize, usize)> {
    for (i, line) in text.split('\n').enumerate() {
        let mut quote = None;
        let mut prev = ' ';
        for (col, c) in line.chars().enumerate() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(c),
                (None, '#') if prev == ' ' => break,
                (None, '*') if " \t[{,:-".contains(prev) => return Some((i + 1, col + 1)),
                _ => {}
            }
            prev = c;
        }
    }
    None
}

/// Deeper flow nesting than serde_yaml's own recursion limit is refused before
/// libyaml sees it: libyaml rescans every open bracket for each token, so 200,000
/// nested `[` took 107 s to reach that limit (issue 21).
const MAX_FLOW_DEPTH: usize = 128;

/// How many values the aliases of a text may expand to, beyond the values
/// written out: proportional to the text, so memory stays a small multiple of
/// the file. serde_yaml's own guard counts alias uses, not what each one
/// expands to, and let 25 KB of front matter (`refs: [*b, *b, …]` over a
/// 3,600-item `&b`) grow to gigabytes (issue 21).
fn expansion_budget(text: &str) -> usize {
    4096 + 4 * text.len()
}

/// 1-based line and column (in characters, `\n` lines) of byte `index`.
fn line_col_at(text: &str, index: usize) -> (usize, usize) {
    let before = &text[..text.floor_char_boundary(index)];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (before.matches('\n').count() + 1, before[line_start..].chars().count() + 1)
}

/// Finds flow nesting deeper than [`MAX_FLOW_DEPTH`] in one linear pass, before
/// any parser runs. Brackets inside what looks like a quoted scalar or a comment
/// are counted by their balance when the quote or comment ends (never below
/// zero), so text mistaken for a quote can hide no opening bracket: the count
/// only errs on the high side, which no document that serde_yaml accepts reaches.
fn flow_too_deep(text: &str) -> Option<YamlError> {
    let too_deep = |line, col| YamlError {
        line,
        col,
        message: format!(
            "brackets (`[`, `{{`) nested more than {MAX_FLOW_DEPTH} deep; nothing was read"
        ),
    };
    let mut depth = 0usize;
    // The quote or comment being skipped and its bracket balance so far.
    let mut region: Option<(char, isize)> = None;
    let (mut line, mut col) = (1, 0);
    let mut prev = '\n';
    let mut escaped = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' {
            (line, col) = (line + 1, 0);
        } else {
            col += 1;
        }
        match &mut region {
            Some((kind, net)) => {
                let ends = match *kind {
                    '#' => c == '\n',
                    '"' if escaped => {
                        escaped = false;
                        false
                    }
                    '"' => {
                        escaped = c == '\\';
                        c == '"'
                    }
                    _ if c == '\'' && chars.peek() == Some(&'\'') => {
                        chars.next();
                        col += 1;
                        false
                    }
                    _ => c == '\'',
                };
                match c {
                    '[' | '{' => {
                        *net += 1;
                        if depth.saturating_add_signed(*net) > MAX_FLOW_DEPTH {
                            return Some(too_deep(line, col));
                        }
                    }
                    ']' | '}' => *net -= 1,
                    _ => {}
                }
                if ends {
                    depth = depth.saturating_add_signed((*net).max(0));
                    region = None;
                }
            }
            None => match c {
                '#' if prev.is_whitespace() => region = Some(('#', 0)),
                '\'' | '"' if prev.is_whitespace() || "[{,:".contains(prev) => {
                    region = Some((c, 0));
                }
                '[' | '{' => {
                    depth += 1;
                    if depth > MAX_FLOW_DEPTH {
                        return Some(too_deep(line, col));
                    }
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        prev = c;
    }
    None
}

/// Counts the values the text's aliases expand to, in document order, and
/// stops at the alias that takes the total past [`expansion_budget`]. An alias
/// counts as the size of what its anchor holds, aliases inside it included, so
/// nested bombs and one wide list repeated many times are caught alike. A text
/// this parser rejects is left to serde_yaml, which reports the syntax error
/// (and still has its own, coarser, alias guard).
fn aliases_expand_too_far(text: &str) -> Option<YamlError> {
    use yaml_rust2::parser::{Event, Parser};
    let budget = expansion_budget(text);
    let mut total = 0usize;
    // Anchor id -> number of values it holds once expanded.
    let mut sizes: HashMap<usize, usize> = HashMap::new();
    // Open collections: their anchor id and `total` when they opened.
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut parser = Parser::new_from_str(text);
    loop {
        let (event, mark) = parser.next_token().ok()?;
        match event {
            Event::StreamEnd => return None,
            Event::Scalar(_, _, anchor, _) => {
                total += 1;
                if anchor != 0 {
                    sizes.insert(anchor, 1);
                }
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                open.push((anchor, total));
                total += 1;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((anchor, start)) = open.pop() {
                    if anchor != 0 {
                        sizes.insert(anchor, total - start);
                    }
                }
            }
            Event::Alias(anchor) => {
                total = total.saturating_add(sizes.get(&anchor).copied().unwrap_or(1));
                if total > budget {
                    let (line, col) = line_col_at(text, mark.index());
                    return Some(YamlError {
                        line,
                        col,
                        message: format!(
                            "aliases expand to more than {budget} values, too many for a text of \
                             {} bytes (a YAML \"billion laughs\"); nothing was read",
                            text.len()
                        ),
                    });
                }
            }
            _ => {}
        }
    }
}

/// The shapes that cost far more to parse than the text is long, refused with
/// a location before serde_yaml (which would take minutes or gigabytes) runs.
fn check_shape(text: &str) -> Result<(), YamlError> {
    match flow_too_deep(text).or_else(|| aliases_expand_too_far(text)) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Parses YAML into a JSON-like value. Non-string mapping keys are turned into
/// strings; YAML tags are dropped (front matter never needs them).
pub fn to_value(text: &str) -> Result<serde_json::Value, YamlError> {
    check_shape(text)?;
    let value: serde_yaml::Value =
        serde_yaml::from_str(text).map_err(|e| convert_error(text, e))?;
    Ok(convert(value))
}

/// Parses YAML straight into a typed value (used for the site config).
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    check_shape(text)?;
    serde_yaml::from_str(text).map_err(|e| convert_error(text, e))
}

fn convert(value: serde_yaml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    use serde_yaml::Value as Y;
    match value {
        Y::Null => J::Null,
        Y::Bool(b) => J::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                J::from(i)
            } else if let Some(u) = n.as_u64() {
                J::from(u)
            } else {
                n.as_f64().and_then(serde_json::Number::from_f64).map_or(J::Null, J::Number)
            }
        }
        Y::String(s) => J::String(s),
        Y::Sequence(items) => J::Array(items.into_iter().map(convert).collect()),
        Y::Mapping(map) => J::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let key = match k {
                        Y::String(s) => s,
                        other => match convert(other) {
                            J::String(s) => s,
                            j => j.to_string(),
                        },
                    };
                    (key, convert(v))
                })
                .collect(),
        ),
        Y::Tagged(tagged) => convert(tagged.value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_into_json_values() {
        let v = to_value("title: Hi\ntags: [a, b]\n1: one\n").unwrap();
        assert_eq!(v["title"], "Hi");
        assert_eq!(v["tags"][1], "b");
        assert_eq!(v["1"], "one");
    }

    // Issue #9: "a tab in YAML says tab".
    #[test]
    fn a_tab_in_the_indentation_is_called_a_tab() {
        for (text, line, col) in [
            ("title: x\ntags:\n\t- a\n", 3, 1),
            ("tags:\n  - a\n \t- b\n", 3, 2),
            ("a:\n  b: 1\n\tc: 2\n", 3, 1),
        ] {
            let err = to_value(text).unwrap_err();
            assert_eq!((err.line, err.col), (line, col), "{text:?}: {err:?}");
            assert!(err.message.starts_with("a tab character"), "{text:?}: {err:?}");
        }
        // A tab as the space after a colon is allowed YAML.
        assert!(to_value("title:\tx\n").is_ok());
    }

    // Issue #9: the alias bomb is stopped; now it also has a line and column.
    #[test]
    fn an_alias_bomb_is_stopped_and_located() {
        let mut text = String::from("# laughs\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (name, prev) in ["b", "c", "d", "e", "f", "g", "h", "i"]
            .iter()
            .zip(["a", "b", "c", "d", "e", "f", "g", "h"])
        {
            let refs = vec![format!("*{prev}"); 9].join(",");
            text.push_str(&format!("{name}: &{name} [{refs}]\n"));
        }
        let started = std::time::Instant::now();
        let err = to_value(&text).unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        // Issue 21: at the alias that crosses the budget, the 6th `*c` of `d`
        // (each `*c` is 820 values), no longer at the first alias.
        assert_eq!((err.line, err.col), (5, 23), "{err:?}");
        assert!(err.message.contains("billion laughs"), "{err:?}");
    }

    /// `big: &b [x, x, …]` and `refs: [*b, *b, …]`, about `kb` KiB.
    fn wide_alias(kb: usize) -> String {
        let n = kb * 1024 / 7;
        format!(
            "title: T\nbig: &b [{}]\nrefs: [{}]\n",
            vec!["x"; n].join(", "),
            vec!["*b"; n].join(", ")
        )
    }

    // Issue 21: 25 KB of this reached 3.9 GB; serde_yaml's guard counts alias
    // uses (a few thousand here), not the values they expand to.
    #[test]
    fn a_wide_list_repeated_by_aliases_is_stopped_at_the_alias_that_crosses() {
        let text = wide_alias(25);
        let started = std::time::Instant::now();
        let err = to_value(&text).unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
        assert!(err.message.contains("billion laughs"), "{err:?}");
        assert_eq!(err.line, 3, "{err:?}");
        let line = text.lines().nth(2).unwrap();
        let at: String = line.chars().skip(err.col - 1).take(2).collect();
        assert_eq!(at, "*b", "{err:?}");
        // Each `*b` is n + 1 values: the crossing one is the budget's worth in.
        let n = 25 * 1024 / 7;
        let k = line[..line.char_indices().nth(err.col - 1).unwrap().0].matches("*b").count() + 1;
        let before = 1 + 2 + (n + 1) + 2 + (k - 1) * (n + 1);
        assert!(before <= expansion_budget(&text) && before + n + 1 > expansion_budget(&text));
    }

    #[test]
    fn anchors_used_as_meant_still_parse() {
        let v = to_value(
            "defaults: &d {os: windows, level: 2}\na: *d\nb: *d\nlist: &l [1, 2]\nc: [*l, *l]\n",
        )
        .unwrap();
        assert_eq!(v["b"]["os"], "windows");
        assert_eq!(v["c"][1][1], 2);
        // A list of 2,000 items used a few times is still well within budget.
        let items = vec!["item"; 2000].join(", ");
        let v = to_value(&format!("all: &all [{items}]\nagain: *all\nonce_more: *all\n")).unwrap();
        assert_eq!(v["once_more"].as_array().unwrap().len(), 2000);
    }

    // Issue 21: 200,000 nested `[` took 107 s before serde_yaml's recursion
    // limit answered; now the pre-scan stops at the 129th bracket.
    #[test]
    fn deep_flow_nesting_is_stopped_in_linear_time_where_it_crosses() {
        let d = 200_000;
        let text = format!("title: T\ntags: {}{}\n", "[".repeat(d), "]".repeat(d));
        let started = std::time::Instant::now();
        let err = to_value(&text).unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
        assert_eq!((err.line, err.col), (2, 7 + MAX_FLOW_DEPTH), "{err:?}");
        assert!(err.message.contains("nested more than 128 deep"), "{err:?}");
        let err = to_value(&format!("a: {{x: {}\n", "{y: ".repeat(200))).unwrap_err();
        assert_eq!((err.line, err.col), (1, 4 + 4 * MAX_FLOW_DEPTH), "{err:?}");
        // Block nesting is left to serde_yaml's own limit, which is quick.
        let mut nested = String::new();
        for i in 0..200 {
            nested.push_str(&format!("{}k:\n", " ".repeat(i)));
        }
        assert!(to_value(&nested).unwrap_err().message.contains("recursion limit"));
    }

    #[test]
    fn brackets_in_quotes_and_comments_are_not_nesting() {
        // Balanced inside the quote or comment: an unbalanced `[` there counts
        // (it may be a quote the pre-scan mistook), so 300 of them would not pass.
        let many = "[x] ".repeat(300) + &"]".repeat(300);
        for text in [
            format!("title: \"{many}\"\n"),
            format!("title: '{many}'\n"),
            format!("title: T # {many}\n"),
            format!("steps: [{}]\n", vec!["\"[1] do it\""; 300].join(", ")),
            format!("title: it's {}\n", "[a] ".repeat(300)),
        ] {
            assert!(to_value(&text).is_ok(), "{}", &text[..60]);
        }
        // Legit nesting below the limit parses.
        let v = to_value(&format!("a: {}1{}\n", "[".repeat(100), "]".repeat(100))).unwrap();
        assert!(v["a"].is_array());
    }

    // What looks like a quote opening (a plain `b 'c`) can't hide nesting: the
    // brackets skipped as "quoted" are counted when the quote closes.
    #[test]
    fn a_stray_quote_does_not_hide_deep_nesting() {
        let d = 5_000;
        for text in [
            format!("a: b 'c\nd: {}{}\ne: 'f'\n", "[".repeat(d), "]".repeat(d)),
            format!("a: |\n  [ 'x\nd: {}{}\n", "[".repeat(d), "]".repeat(d)),
            format!("a: b #\nd: \"x{}{}\"\n", "[".repeat(d), "]".repeat(d)),
        ] {
            let started = std::time::Instant::now();
            let err = to_value(&text).unwrap_err();
            assert!(started.elapsed() < std::time::Duration::from_secs(2), "{err:?}");
        }
    }

    // Found by fuzzing (issue #9): libyaml counts a lone CR as a line break, so
    // an error after stray CRs pointed past the end of the file.
    #[test]
    fn lines_count_newlines_only() {
        let err = to_value("a: 1\r\r\r\rb: 'open\n").unwrap_err();
        assert_eq!(err.line, 2, "{err:?}");
        let err = to_value("a: 1\r\nb: 'open\n").unwrap_err();
        assert_eq!(err.line, 3, "{err:?}");
        assert_eq!(file_line_col("x\r\ry", 3, 1), Some((1, 4)));
        assert_eq!(file_line_col("é\u{2028}b", 2, 1), Some((1, 3)));
    }

    #[test]
    fn errors_carry_line_and_column() {
        let err = to_value("title: ok\nbad: 'unterminated\n").unwrap_err();
        assert!(err.line >= 2, "{err:?}");
        assert!(!err.message.contains(" at line "), "{err:?}");
    }
}
