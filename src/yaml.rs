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

fn convert_error(err: serde_yaml::Error) -> YamlError {
    let (line, col) = err.location().map_or((0, 0), |l| (l.line(), l.column()));
    // serde_yaml appends " at line X column Y" to its message; the location is
    // reported separately, so drop the duplicate.
    let mut message = err.to_string();
    if let Some(i) = message.find(" at line ") {
        message.truncate(i);
    }
    YamlError { line, col, message }
}

/// Parses YAML into a JSON-like value. Non-string mapping keys are turned into
/// strings; YAML tags are dropped (front matter never needs them).
pub fn to_value(text: &str) -> Result<serde_json::Value, YamlError> {
    let value: serde_yaml::Value = serde_yaml::from_str(text).map_err(convert_error)?;
    Ok(convert(value))
}

/// Parses YAML straight into a typed value (used for the site config).
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    serde_yaml::from_str(text).map_err(convert_error)
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

    #[test]
    fn errors_carry_line_and_column() {
        let err = to_value("title: ok\nbad: 'unterminated\n").unwrap_err();
        assert!(err.line >= 2, "{err:?}");
        assert!(!err.message.contains(" at line "), "{err:?}");
    }
}
