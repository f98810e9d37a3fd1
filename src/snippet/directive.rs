//! Parsing a snippet fence's info string: `snippet PATH key="value" …`.

use super::Problem;
use crate::registry::ids;

/// Whether a fenced code block's info string is a snippet directive.
pub fn is_directive(info: &str) -> bool {
    info.split_whitespace().next() == Some("snippet")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Part {
    Whole,
    /// The `lines` option as written, checked once the file's length is known.
    Lines(String),
    Region(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Directive {
    pub(super) path: String,
    pub(super) title: Option<String>,
    pub(super) part: Part,
    pub(super) lang: Option<String>,
}

/// Splits `snippet PATH key="value" …` into its parts.
pub(super) fn parse_directive(info: &str) -> Result<Directive, Problem> {
    let rest = info.trim_start().strip_prefix("snippet").unwrap_or(info).trim_start();
    let mut words = Words { rest };
    let path = match words.next_value() {
        Some(Ok(p)) if !p.is_empty() && !is_option(&p) => p,
        Some(Err(p)) => return Err(p),
        _ => {
            return Err(Problem::new(
                ids::SNIPPET_MISSING_PATH,
                "the snippet directive names no file",
            )
            .help("write the file after `snippet`, e.g. ```snippet check-activation.ps1"))
        }
    };

    let mut d = Directive { path, title: None, part: Part::Whole, lang: None };
    let mut seen: Vec<String> = Vec::new();
    while let Some(item) = words.next_option() {
        let (key, value) = item?;
        if seen.contains(&key) {
            return Err(Problem::new(
                ids::SNIPPET_BAD_OPTION,
                format!("option `{key}` is given twice"),
            ));
        }
        seen.push(key.clone());
        match key.as_str() {
            "title" => d.title = Some(value),
            "lang" => d.lang = Some(value),
            "lines" | "region" if d.part != Part::Whole => {
                return Err(Problem::new(
                    ids::SNIPPET_BAD_OPTION,
                    "`lines` and `region` can't be used together",
                ))
            }
            "lines" => d.part = Part::Lines(value),
            "region" => d.part = Part::Region(value),
            _ => {
                return Err(Problem::new(
                    ids::SNIPPET_BAD_OPTION,
                    format!("unknown option `{key}`"),
                )
                .help("options are title, lines, region and lang"))
            }
        }
    }
    Ok(d)
}

/// Whether a word looks like `key=value` rather than a path.
fn is_option(word: &str) -> bool {
    word.split_once('=').is_some_and(|(k, _)| {
        !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    })
}

/// A tiny tokenizer for the info string: bare or quoted words and `key="value"`.
struct Words<'a> {
    rest: &'a str,
}

impl Words<'_> {
    /// A bare word or a quoted string.
    fn next_value(&mut self) -> Option<Result<String, Problem>> {
        self.rest = self.rest.trim_start();
        let first = self.rest.chars().next()?;
        if first == '"' || first == '\'' {
            let body = &self.rest[1..];
            let Some(end) = body.find(first) else {
                return Some(Err(Problem::new(
                    ids::SNIPPET_BAD_OPTION,
                    format!("unclosed quote in `{}`", self.rest),
                )));
            };
            let value = body[..end].to_string();
            self.rest = &body[end + 1..];
            return Some(Ok(value));
        }
        let end = self.rest.find(char::is_whitespace).unwrap_or(self.rest.len());
        let value = self.rest[..end].to_string();
        self.rest = &self.rest[end..];
        Some(Ok(value))
    }

    fn next_option(&mut self) -> Option<Result<(String, String), Problem>> {
        self.rest = self.rest.trim_start();
        if self.rest.is_empty() {
            return None;
        }
        let key_end = self
            .rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(self.rest.len());
        let key = &self.rest[..key_end];
        let after = &self.rest[key_end..];
        let Some(value_start) = after.strip_prefix('=').filter(|_| !key.is_empty()) else {
            let word = self.rest.split_whitespace().next().unwrap_or(self.rest);
            return Some(Err(Problem::new(
                ids::SNIPPET_BAD_OPTION,
                format!("expected key=\"value\", found `{word}`"),
            )
            .help(
                "options are written title=\"…\", lines=\"12-40\", region=\"NAME\" or lang=\"…\"",
            )));
        };
        let key = key.to_string();
        self.rest = value_start;
        if self.rest.is_empty() || self.rest.starts_with(char::is_whitespace) {
            return Some(Err(Problem::new(
                ids::SNIPPET_BAD_OPTION,
                format!("option `{key}` has no value"),
            )));
        }
        Some(self.next_value()?.map(|v| (key, v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directive_detection() {
        assert!(is_directive("snippet check.ps1"));
        assert!(is_directive("  snippet\tcheck.ps1 title=\"x\""));
        assert!(!is_directive("snippets"));
        assert!(!is_directive("powershell"));
        assert!(!is_directive(""));
    }
}
