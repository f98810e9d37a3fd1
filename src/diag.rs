//! Problems found in the user's site, kept as data.
//!
//! Every stage pushes [`Diagnostic`]s and keeps going, so one run reports every
//! problem instead of stopping at the first bad article (the complaint users have
//! about most static site generators). A diagnostic always names the file and,
//! where it can, the line and column, so editors and `grep` can jump to it.

use std::fmt;
use std::path::{Path, PathBuf};

pub use crate::registry::{CheckId, ErrorId, Severity, WarningId};

/// Where a finding is: a path relative to the site root, 1-based line and column.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Location {
    pub path: PathBuf,
    /// 1-based; 0 when the finding concerns the whole file.
    pub line: usize,
    /// 1-based; `None` when the column cannot be exact.
    pub col: Option<usize>,
}

impl Location {
    pub fn new(path: impl Into<PathBuf>, line: usize, col: Option<usize>) -> Self {
        Location { path: path.into(), line, col }
    }

    /// A finding about a file as a whole.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Location { path: path.into(), line: 0, col: None }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if let Some(col) = self.col {
                write!(f, ":{col}")?;
            }
        }
        Ok(())
    }
}

/// One finding. `code` is a stable id (`front-matter/missing-title`) that tests and
/// `--format json` match on; the message is free to improve.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: CheckId,
    pub location: Location,
    pub message: String,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(ErrorId(code): ErrorId, location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            location,
            message: message.into(),
            help: None,
        }
    }

    pub fn warning(
        WarningId(code): WarningId,
        location: Location,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            code,
            location,
            message: message.into(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}: {sev}[{}]: {}", self.location, self.code, self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {help}")?;
        }
        Ok(())
    }
}

/// Turns byte offsets into 1-based line:column pairs with a binary search over
/// line starts. Columns count characters, not bytes, as editors do.
#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex { text, starts }
    }

    /// 1-based (line, column) of a byte offset; offsets past the end clamp to it.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let col = self.text.get(start..offset).map_or(offset - start, |s| s.chars().count());
        (line + 1, col + 1)
    }

    /// A [`Location`] for a byte offset in `path`.
    pub fn location(&self, path: &Path, offset: usize) -> Location {
        let (line, col) = self.line_col(offset);
        Location::new(path, line, Some(col))
    }
}

/// Sorts findings by path, then line, errors before warnings on the same line.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        a.location.cmp(&b.location).then(b.severity.cmp(&a.severity)).then(a.code.cmp(&b.code))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::ids;

    #[test]
    fn line_col_counts_from_one_and_in_chars() {
        let idx = LineIndex::new("ab\ncdé f\n\nx");
        assert_eq!(idx.line_col(0), (1, 1));
        assert_eq!(idx.line_col(3), (2, 1));
        // 'f' is after the two-byte 'é' and a space: byte 8, char column 5
        assert_eq!(idx.line_col(8), (2, 5));
        assert_eq!(idx.line_col(10), (3, 1));
        assert_eq!(idx.line_col(11), (4, 1));
        assert_eq!(idx.line_col(999), (4, 2));
    }

    #[test]
    fn display_is_editor_friendly() {
        let d = Diagnostic::error(
            ids::FRONT_MATTER_BAD_DATE,
            Location::new("content/a.md", 3, Some(7)),
            "bad",
        )
        .with_help("use RFC 3339");
        assert_eq!(
            d.to_string(),
            "content/a.md:3:7: error[front-matter/bad-date]: bad\n  = help: use RFC 3339"
        );
    }
}
