//! Suppression comments: an author silences one finding where it is, with a
//! comment the reader never sees.
//!
//! - `<!-- inkproof-ignore ID [ID…] -->` silences those ids on the next line that
//!   has text (or on its own line, when the comment follows text on that line);
//! - `<!-- inkproof-ignore-file ID [ID…] -->` anywhere in the body silences them
//!   in the whole file, front matter included;
//! - an id may be a topic with `/*` (`link/*`).
//!
//! A comment that silenced nothing is reported (`suppress/unused`), so stale
//! ones don't pile up; an id that doesn't exist is `suppress/unknown-id`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Location};

use super::facts::Ignore;
use crate::registry;
use crate::registry::ids;

/// Whether `code` is `pattern`, or in its topic when the pattern is `topic/*`.
pub fn matches(pattern: &str, code: &str) -> bool {
    match pattern.strip_suffix("/*") {
        Some(topic) => code.split('/').next() == Some(topic),
        None => pattern == code,
    }
}

/// Whether `pattern` names a registered id or topic.
pub fn known(pattern: &str) -> bool {
    match pattern.strip_suffix("/*") {
        Some(topic) => registry::CHECKS.iter().any(|c| c.id.split('/').next() == Some(topic)),
        None => registry::get(pattern).is_some(),
    }
}

/// The line a next-line comment at `at` silences.
fn target_line(text: &str, at: &Ignore) -> usize {
    let mut lines = text.lines().skip(at.at.line - 1);
    let own = lines.next().unwrap_or("");
    let before: String = own.chars().take(at.at.col - 1).collect();
    if !before.trim().is_empty() {
        return at.at.line;
    }
    let blank = lines.take_while(|l| l.trim().is_empty()).count();
    at.at.line + 1 + blank
}

/// Drops the findings the comments silence and adds findings about the comments.
pub fn apply(
    diags: Vec<Diagnostic>,
    ignores: &HashMap<PathBuf, Vec<Ignore>>,
    texts: &HashMap<&Path, &str>,
    not_run: &[crate::registry::CheckId],
) -> Vec<Diagnostic> {
    if ignores.is_empty() {
        return diags;
    }
    // (file, index of the comment, index of the id) → used?
    let mut used: HashMap<(&Path, usize, usize), bool> = HashMap::new();
    let targets: HashMap<&Path, Vec<usize>> = ignores
        .iter()
        .map(|(p, list)| {
            let text = texts.get(p.as_path()).copied().unwrap_or("");
            (p.as_path(), list.iter().map(|i| target_line(text, i)).collect())
        })
        .collect();
    let mut kept = Vec::with_capacity(diags.len());
    for d in diags {
        let mut silenced = false;
        if let Some((key, list)) = ignores.get_key_value(&d.location.path) {
            let lines = &targets[key.as_path()];
            for (ci, ig) in list.iter().enumerate() {
                if !ig.whole_file && lines[ci] != d.location.line {
                    continue;
                }
                for (ii, id) in ig.ids.iter().enumerate() {
                    if matches(id, &d.code) {
                        used.insert((key.as_path(), ci, ii), true);
                        silenced = true;
                    }
                }
            }
        }
        if !silenced {
            kept.push(d);
        }
    }
    for (path, list) in ignores {
        for (ci, ig) in list.iter().enumerate() {
            let at = Location::new(path, ig.at.line, Some(ig.at.col));
            if ig.ids.is_empty() {
                kept.push(
                    Diagnostic::warning(
                        ids::SUPPRESS_UNKNOWN_ID,
                        at.clone(),
                        "the comment names no check id",
                    )
                    .with_help(
                        "write the id to silence, e.g. <!-- inkproof-ignore link/broken -->",
                    ),
                );
                continue;
            }
            for (ii, id) in ig.ids.iter().enumerate() {
                if !known(id) {
                    let help = match crate::suggest::closest_id(id) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => "`inkproof check --list` shows every id".to_string(),
                    };
                    kept.push(
                        Diagnostic::warning(
                            ids::SUPPRESS_UNKNOWN_ID,
                            at.clone(),
                            format!("`{id}` is not a check id"),
                        )
                        .with_help(help),
                    );
                } else if !used.contains_key(&(path.as_path(), ci, ii))
                    && !not_run.iter().any(|n| matches(id, n))
                {
                    let scope = if ig.whole_file { "in this file" } else { "on the next line" };
                    kept.push(
                        Diagnostic::warning(
                            ids::SUPPRESS_UNUSED,
                            at.clone(),
                            format!("`inkproof-ignore {id}` silences nothing: no `{id}` finding {scope}"),
                        )
                        .with_help("remove the comment (the problem it silenced is gone)"),
                    );
                }
            }
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::facts::Pos;

    fn ig(line: usize, col: usize, ids: &[&str], whole_file: bool) -> Ignore {
        Ignore {
            ids: ids.iter().map(|s| s.to_string()).collect(),
            whole_file,
            at: Pos { line, col },
        }
    }

    #[test]
    fn next_line_file_and_topic_suppressions() {
        let path = PathBuf::from("content/a.md");
        let text = "---\ntitle: T\n---\n<!-- inkproof-ignore link/broken -->\n\n[x](nope/)\n<!-- inkproof-ignore-file image/* -->\n";
        let texts: HashMap<&Path, &str> = [(path.as_path(), text)].into();
        let ignores: HashMap<PathBuf, Vec<Ignore>> =
            [(path.clone(), vec![ig(4, 1, &["link/broken"], false), ig(7, 1, &["image/*"], true)])]
                .into();
        let d = |code, line| Diagnostic::warning(code, Location::new(&path, line, Some(1)), "m");
        let out = apply(
            vec![d(ids::LINK_BROKEN, 6), d(ids::IMAGE_MISSING, 2), d(ids::LINK_BROKEN, 7)],
            &ignores,
            &texts,
            &[],
        );
        let got: Vec<_> = out.iter().map(|d| (d.code.as_str(), d.location.line)).collect();
        assert_eq!(got, [("link/broken", 7)]);
    }

    #[test]
    fn unused_and_unknown_ids_are_reported_at_the_comment() {
        let path = PathBuf::from("content/a.md");
        let text =
            "---\ntitle: T\n---\n<!-- inkproof-ignore link/broken link/brokn html/iframe -->\nok\n";
        let texts: HashMap<&Path, &str> = [(path.as_path(), text)].into();
        let ignores: HashMap<PathBuf, Vec<Ignore>> =
            [(path.clone(), vec![ig(4, 1, &["link/broken", "link/brokn", "html/iframe"], false)])]
                .into();
        let out = apply(Vec::new(), &ignores, &texts, &[ids::HTML_IFRAME.0]);
        let got: Vec<_> =
            out.iter().map(|d| (d.code.as_str(), d.location.line, d.location.col)).collect();
        assert_eq!(got, [("suppress/unused", 4, Some(1)), ("suppress/unknown-id", 4, Some(1))]);
        assert!(out[1].help.as_deref().unwrap().contains("link/broken"));
    }
}
