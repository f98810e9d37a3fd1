//! Size limits (`limits:` in `inkproof.yaml`), so one oversized file cannot
//! turn a build into minutes of work and gigabytes of memory.
//!
//! Issue #9 measured what happens without them: a 100 MB snippet became a
//! 782 MB page in 3 minutes using 3.2 GB, and a 50 MB article built silently.
//! Each limit has two levels: a warning well above any real guide (the author
//! probably pasted a log or a binary), and an error far above it (the file is
//! not built). A snippet also shows at most [`Limits::snippet_max_lines`] lines
//! on the page; the download is always the whole file.

use std::path::Path;

use serde::Deserialize;

use crate::diag::{Diagnostic, Location};
use crate::registry::ids;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// An article (its Markdown file) above this many KiB gets a warning.
    pub article_warning_kb: u64,
    /// An article above this many KiB is an error and is not rendered.
    pub article_error_kb: u64,
    /// A snippet file above this many KiB gets a warning.
    pub snippet_warning_kb: u64,
    /// A snippet file above this many KiB is an error and is not read.
    pub snippet_error_kb: u64,
    /// The most lines of a snippet shown on the page (after `lines`/`region`).
    pub snippet_max_lines: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // The longest guides we know are ~100 KiB of Markdown.
            article_warning_kb: 1024,
            article_error_kb: 10 * 1024,
            // Checker scripts are a few KiB; 1 MiB is already a log file.
            snippet_warning_kb: 1024,
            snippet_error_kb: 25 * 1024,
            // About five screens: enough for any script a reader would read.
            snippet_max_lines: 300,
        }
    }
}

impl Limits {
    /// Problems with the limits themselves, for the config loader to report.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.article_warning_kb > self.article_error_kb {
            out.push(format!(
                "limits: `article_warning_kb` ({}) is above `article_error_kb` ({})",
                self.article_warning_kb, self.article_error_kb
            ));
        }
        if self.snippet_warning_kb > self.snippet_error_kb {
            out.push(format!(
                "limits: `snippet_warning_kb` ({}) is above `snippet_error_kb` ({})",
                self.snippet_warning_kb, self.snippet_error_kb
            ));
        }
        if self.snippet_max_lines == 0 {
            out.push("limits: `snippet_max_lines` must be at least 1".to_string());
        }
        out
    }
}

/// Checks an article's size in bytes (`len`, e.g. from file metadata before
/// reading it). Pushes `limits/article-size` when it is above a limit and
/// returns `false` when it is above the error limit: the caller then skips
/// the article instead of rendering it.
pub fn check_article(path: &Path, len: u64, limits: &Limits, diags: &mut Vec<Diagnostic>) -> bool {
    let size = crate::size::human(len);
    if article_too_big(len, limits) {
        diags.push(
            Diagnostic::error(
                ids::LIMITS_ARTICLE_TOO_BIG,
                Location::file(path),
                format!(
                    "the article is {size}, above the {} limit; it is not built",
                    crate::size::human(limits.article_error_kb.saturating_mul(1024))
                ),
            )
            .with_help("split it into several articles, or raise `limits: article_error_kb` in inkproof.yaml"),
        );
        return false;
    }
    if len > limits.article_warning_kb.saturating_mul(1024) {
        diags.push(
            Diagnostic::warning(
                ids::LIMITS_ARTICLE_SIZE,
                Location::file(path),
                format!(
                    "the article is {size}, above the {} warning limit",
                    crate::size::human(limits.article_warning_kb.saturating_mul(1024))
                ),
            )
            .with_help("check for pasted logs or data; raise `limits: article_warning_kb` if it is meant to be this long"),
        );
    }
    true
}

/// Whether an article of `len` bytes is above the error size. Its body is
/// then never rendered, so the checks that read the body must not take the
/// missing text for the author's (issue 21: it also got `content/empty-body`).
pub fn article_too_big(len: u64, limits: &Limits) -> bool {
    len > limits.article_error_kb.saturating_mul(1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_levels() {
        let limits = Limits { article_warning_kb: 1, article_error_kb: 2, ..Limits::default() };
        let path = Path::new("content/a.md");
        let mut diags = Vec::new();
        assert!(check_article(path, 1024, &limits, &mut diags));
        assert!(diags.is_empty());
        assert!(check_article(path, 1025, &limits, &mut diags));
        assert_eq!(diags.len(), 1);
        assert!(!diags[0].is_error());
        assert!(!check_article(path, 2049, &limits, &mut diags));
        assert_eq!(diags[1].code, "limits/article-too-big");
        assert!(diags[1].is_error());
        assert!(diags[1].message.contains("2.0 KB"), "{}", diags[1].message);
    }

    // Issue #9: a 50 MB article built silently.
    #[test]
    fn a_50_mb_article_is_an_error_by_default() {
        let mut diags = Vec::new();
        let built =
            check_article(Path::new("content/a.md"), 50 << 20, &Limits::default(), &mut diags);
        assert!(!built);
        assert_eq!(
            diags[0].message,
            "the article is 50.0 MB, above the 10.0 MB limit; it is not built"
        );
    }

    #[test]
    fn inconsistent_limits_are_reported() {
        let limits = Limits {
            snippet_warning_kb: 10,
            snippet_error_kb: 5,
            snippet_max_lines: 0,
            ..Limits::default()
        };
        let problems = limits.problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(Limits::default().problems().is_empty());
    }
}
