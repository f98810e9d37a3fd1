//! The one place that parses YAML.
//!
//! serde_yaml is deprecated upstream; keeping every YAML call behind these two
//! functions means swapping the parser touches this file only. Callers get plain
//! `serde_json::Value`s (a data model every other stage already speaks) and errors
//! with a 1-based line and column inside the text they passed.

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

/// Parses YAML into a JSON-like value. Non-string mapping keys are turned into
/// strings; YAML tags are dropped (front matter never needs them).
pub fn to_value(text: &str) -> Result<serde_json::Value, YamlError> {
    let value: serde_yaml::Value =
        serde_yaml::from_str(text).map_err(|e| convert_error(text, e))?;
    Ok(convert(value))
}

/// Parses YAML straight into a typed value (used for the site config).
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
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
        assert_eq!((err.line, err.col), (3, 8), "{err:?}");
        assert!(err.message.contains("billion laughs"), "{err:?}");
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
