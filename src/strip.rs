//! Stage 3 (transform): removes affiliate and ad blocks from an article.
//!
//! STUB: the interface is fixed; the implementation is being written.

use std::borrow::Cow;
use std::path::Path;

use serde::Deserialize;

use crate::diag::{Diagnostic, LineIndex};
use crate::model::{OffsetMap, Stripped};

/// Prefix of the comment `markdown` writes before raw HTML so that element
/// stripping can tell which source line an element came from:
/// `<!--inkproof:L42-->`. [`strip_elements`] always removes these comments.
pub const LINE_SENTINEL: &str = "<!--inkproof:L";

/// Strip rules: comment marker pairs (applied to the Markdown source) and CSS
/// selectors (applied to raw HTML in the rendered article).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StripRules {
    pub markers: Vec<MarkerPair>,
    pub selectors: Vec<String>,
    /// Inline `<script>` bodies containing any of these strings are ad loaders.
    pub script_patterns: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkerPair {
    /// Text inside the opening comment, compared trimmed and case-insensitively.
    pub begin: String,
    pub end: String,
}

impl Default for StripRules {
    fn default() -> Self {
        StripRules {
            markers: vec![MarkerPair {
                begin: "affiliate ads begin".into(),
                end: "affiliate ads end".into(),
            }],
            selectors: vec!["ins.adsbygoogle".into()],
            script_patterns: vec!["adsbygoogle".into()],
        }
    }
}

/// The body with marker blocks cut out.
#[derive(Debug)]
pub struct MarkerResult<'a> {
    pub body: Cow<'a, str>,
    /// Maps offsets in `body` back to offsets in the original body.
    pub map: OffsetMap,
    pub stripped: Vec<Stripped>,
}

/// Cuts every marker block out of `body` (the Markdown after the front matter,
/// starting at byte `body_offset` of the file indexed by `index`).
pub fn strip_markers<'a>(
    body: &'a str,
    body_offset: usize,
    index: &LineIndex<'_>,
    path: &Path,
    rules: &StripRules,
    diags: &mut Vec<Diagnostic>,
) -> MarkerResult<'a> {
    let _ = (body_offset, index, path, rules, diags);
    MarkerResult { body: Cow::Borrowed(body), map: OffsetMap::default(), stripped: Vec::new() }
}

/// Removes ad elements from rendered article HTML, and the line sentinels.
pub fn strip_elements(html: &str, rules: &StripRules) -> (String, Vec<Stripped>) {
    let _ = rules;
    (html.to_string(), Vec::new())
}
