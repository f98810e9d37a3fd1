//! The shape of the Markdown: fences left open, heading levels, explicit ids.

use std::collections::HashMap;
use std::path::Path;

use crate::diag::Diagnostic;

use super::facts::Facts;
use super::loc;
use crate::registry::ids;

pub fn check(path: &Path, facts: &Facts, out: &mut Vec<Diagnostic>) {
    for at in &facts.unclosed_fences {
        out.push(
            Diagnostic::error(
                ids::STRUCTURE_UNCLOSED_FENCE,
                loc(path, *at),
                "this code fence is never closed, so the rest of the article is shown as code",
            )
            .with_help("close it with a line of the same backticks (or tildes)"),
        );
    }

    // The page title is the h1, so sections start at h2.
    let mut previous = 1u8;
    let mut ids: HashMap<&str, usize> = HashMap::new();
    for h in &facts.headings {
        if h.level == 1 {
            out.push(
                Diagnostic::warning(
                    ids::STRUCTURE_H1_IN_BODY,
                    loc(path, h.at),
                    "a level-1 heading in the body; the title is already the page's h1",
                )
                .with_help("use `##` for sections"),
            );
        } else if h.level > previous + 1 {
            out.push(
                Diagnostic::warning(
                    ids::STRUCTURE_SKIPPED_HEADING_LEVEL,
                    loc(path, h.at),
                    format!("heading level {} follows level {previous}", h.level),
                )
                .with_help(format!(
                    "use level {} here; screen readers and the table of contents go level by level",
                    previous + 1
                )),
            );
        }
        previous = h.level;
        if let Some(id) = &h.explicit_id {
            if let Some(first) = ids.get(id.as_str()) {
                out.push(
                    Diagnostic::warning(
                        ids::STRUCTURE_DUPLICATE_ID,
                        loc(path, h.at),
                        format!("`{{#{id}}}` is already the id of the heading on line {first}"),
                    )
                    .with_help("give each heading its own id; links to it go to the first one"),
                );
            } else {
                ids.insert(id, h.at.line);
            }
        }
    }
}
