//! Bulk suppressions: the known findings of a site, accepted once so that only
//! what an author breaks from now on is reported.
//!
//! The model is ESLint's `eslint-suppressions.json`: a count per file and check
//! id, so moving text up or down a file changes nothing. A site adopting
//! inkproof with 58,000 findings runs `inkproof check --suppress-all`, commits
//! `inkproof-suppressions.json`, and from then on sees only new ones.
//!
//! A count alone cannot say *which* finding is new when a file gains one, so
//! each entry also keeps a short hash of every accepted finding's message
//! (messages name the link, image or key, never the line). Findings whose hash
//! was accepted are suppressed first; past that, unknown ones are suppressed
//! only while the count allows (a message reworded by a newer inkproof stays
//! known), and the rest are reported — exactly the new ones.
//!
//! Errors enter the file only when their id is named (`--suppress ID`), never
//! through `--suppress-all`: a whole-site "accept everything" must not hide a
//! page that does not build.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Location, Severity};
use crate::registry::{self, ids, CheckId};

/// The file's name, at the site root.
pub const FILE: &str = "inkproof-suppressions.json";

/// The version written into the file; a file of another version is an error.
const VERSION: u32 = 1;

/// The accepted findings of one file and check id.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub count: usize,
    /// Hashes of the accepted findings' messages, sorted (one per finding).
    #[serde(default)]
    pub messages: Vec<String>,
}

/// What `inkproof-suppressions.json` holds: file (relative to the site root,
/// `/`-separated) → check id → accepted findings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    pub files: BTreeMap<String, BTreeMap<String, Entry>>,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Stored {
    version: u32,
    /// What the file is, for whoever opens it; read and ignored.
    #[serde(default)]
    about: String,
    files: BTreeMap<String, BTreeMap<String, Entry>>,
}

const ABOUT: &str = "Known findings accepted with `inkproof check --suppress-all` or \
                     `--suppress ID`; only findings beyond these counts are reported. \
                     Commit this file; `inkproof check --prune-suppressions` drops fixed ones.";

impl Baseline {
    /// Reads the file's text. A syntax error or an unknown check id is a
    /// `config/invalid` error at its line and column: a broken file must not
    /// silently stop suppressing (or start reporting 58,000 findings).
    pub fn parse(text: &str) -> Result<Baseline, Box<Diagnostic>> {
        let at = |line: usize, col: usize, msg: String| {
            Box::new(Diagnostic::error(
                ids::CONFIG_INVALID,
                Location::new(FILE, line, Some(col.max(1))),
                msg,
            ))
        };
        let stored: Stored = serde_json::from_str(text)
            .map_err(|e| at(e.line(), e.column(), format!("{FILE} cannot be read: {e}")))?;
        if stored.version != VERSION {
            return Err(at(
                1,
                1,
                format!(
                    "{FILE} has version {}; this inkproof reads version {VERSION}",
                    stored.version
                ),
            ));
        }
        for ids_of_file in stored.files.values() {
            for id in ids_of_file.keys() {
                if registry::get(id).is_none() {
                    let (line, col) = position_of(text, &format!("\"{id}\"")).unwrap_or((1, 1));
                    let hint = crate::suggest::closest_id(id)
                        .map(|c| format!(" (did you mean `{c}`?)"))
                        .unwrap_or_default();
                    return Err(at(
                        line,
                        col,
                        format!("{FILE} names an unknown check id `{id}`{hint}"),
                    ));
                }
            }
        }
        Ok(Baseline { files: stored.files })
    }

    /// The file's text: stable order and one finding per line's worth of
    /// hashes, so a commit that accepts or fixes findings diffs small.
    pub fn to_json(&self) -> String {
        let stored =
            Stored { version: VERSION, about: ABOUT.to_string(), files: self.files.clone() };
        let mut text = serde_json::to_string_pretty(&stored).unwrap_or_default();
        text.push('\n');
        text
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The number of findings the file accepts.
    pub fn total(&self) -> usize {
        self.files.values().flat_map(|m| m.values()).map(|e| e.count).sum()
    }
}

fn position_of(text: &str, needle: &str) -> Option<(usize, usize)> {
    text.find(needle).map(|i| crate::diag::LineIndex::new(text).line_col(i))
}

/// A finding's key in the file: its path as written there.
fn file_key(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// A short, stable hash of a message (not of its line): 8 hex digits is
/// plenty to tell apart the findings of one id in one file.
fn message_hash(message: &str) -> String {
    format!("{:08x}", (crate::fingerprint::hash(message.as_bytes()) as u64) as u32)
}

/// The findings of a run, split by the baseline.
#[derive(Debug, Default)]
pub struct Applied {
    /// Findings to report: new ones, and every finding the file does not cover.
    pub reported: Vec<Diagnostic>,
    /// Known findings, counted in the summary, never listed.
    pub suppressed: Vec<Diagnostic>,
    /// Accepted findings that no longer occur: the file can be pruned.
    pub fixed: usize,
}

/// Splits `diags` into reported and suppressed findings (both keep `diags`'
/// order).
pub fn apply(baseline: &Baseline, diags: Vec<Diagnostic>) -> Applied {
    if baseline.is_empty() {
        return Applied { reported: diags, ..Applied::default() };
    }
    // (file, id) → indexes of its findings, in order.
    let mut groups: BTreeMap<(String, CheckId), Vec<usize>> = BTreeMap::new();
    for (i, d) in diags.iter().enumerate() {
        groups.entry((file_key(&d.location.path), d.code)).or_default().push(i);
    }
    let mut suppressed = vec![false; diags.len()];
    let mut fixed = 0;
    for (file, by_id) in &baseline.files {
        for (id, entry) in by_id {
            let Some(id) = registry::get(id).map(|c| c.id) else { continue };
            let found = groups.get(&(file.clone(), id)).map_or(&[][..], Vec::as_slice);
            fixed += entry.count.saturating_sub(found.len());
            let mut known: BTreeMap<&str, usize> = BTreeMap::new();
            for m in &entry.messages {
                *known.entry(m.as_str()).or_default() += 1;
            }
            let mut budget = entry.count;
            // First the findings the file knows by message, then unknown ones
            // while the count allows: a reworded message stays accepted, a new
            // finding past the count is reported.
            let hashes: Vec<String> =
                found.iter().map(|&i| message_hash(&diags[i].message)).collect();
            for (k, &i) in found.iter().enumerate() {
                if budget == 0 {
                    break;
                }
                if let Some(n) = known.get_mut(hashes[k].as_str()).filter(|n| **n > 0) {
                    *n -= 1;
                    budget -= 1;
                    suppressed[i] = true;
                }
            }
            // An accepted finding not seen by its message may have been reworded;
            // a file written by hand may hold counts only.
            let unmatched_known: usize = known.values().sum();
            let mut spare =
                if entry.messages.is_empty() { budget } else { budget.min(unmatched_known) };
            for &i in found {
                if spare == 0 {
                    break;
                }
                if !suppressed[i] {
                    suppressed[i] = true;
                    spare -= 1;
                }
            }
        }
    }
    let mut applied = Applied { fixed, ..Applied::default() };
    for (d, s) in diags.into_iter().zip(suppressed) {
        if s {
            applied.suppressed.push(d);
        } else {
            applied.reported.push(d);
        }
    }
    applied
}

/// What to record into the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record<'a> {
    /// `--suppress-all`: every warning of the run (errors named before stay).
    AllWarnings,
    /// `--suppress ID…`: the findings of these ids, errors included.
    Ids(&'a [CheckId]),
    /// `--prune-suppressions`: keep only what still occurs.
    Prune,
}

/// The file after recording `what` from `all` (every finding of the run,
/// suppressed ones included) into `existing`.
pub fn record(existing: &Baseline, all: &[Diagnostic], what: Record<'_>) -> Baseline {
    let mut current: BTreeMap<String, BTreeMap<String, Entry>> = BTreeMap::new();
    for d in all {
        let entry = current
            .entry(file_key(&d.location.path))
            .or_default()
            .entry(d.code.to_string())
            .or_default();
        entry.count += 1;
        entry.messages.push(message_hash(&d.message));
    }
    for by_id in current.values_mut() {
        for e in by_id.values_mut() {
            e.messages.sort();
        }
    }
    let severity = |id: &str| registry::get(id).map(|c| c.severity);
    // (file, id) of every error of the run, looked up once per entry: a scan
    // of all findings per entry was quadratic at 60,000 findings.
    let errors: std::collections::HashSet<(String, &str)> = all
        .iter()
        .filter(|d| d.is_error())
        .map(|d| (file_key(&d.location.path), d.code.as_str()))
        .collect();
    let is_error_in_run = |file: &str, id: &str| errors.contains(&(file.to_string(), id));
    let mut out = Baseline::default();
    let put = |out: &mut Baseline, file: &str, id: &str, e: Entry| {
        if e.count > 0 {
            out.files.entry(file.to_string()).or_default().insert(id.to_string(), e);
        }
    };
    match what {
        Record::AllWarnings => {
            for (file, by_id) in &current {
                for (id, e) in by_id {
                    if !is_error_in_run(file, id) {
                        put(&mut out, file, id, e.clone());
                    }
                }
            }
            // Errors accepted by name before stay accepted, at what still occurs.
            for (file, by_id) in &existing.files {
                for (id, e) in by_id {
                    if is_error_in_run(file, id) || severity(id) == Some(Severity::Error) {
                        put(
                            &mut out,
                            file,
                            id,
                            pruned(e, current.get(file).and_then(|m| m.get(id))),
                        );
                    }
                }
            }
        }
        Record::Ids(named) => {
            out.files = existing.files.clone();
            for by_id in out.files.values_mut() {
                by_id.retain(|id, _| !named.iter().any(|n| n == id.as_str()));
            }
            out.files.retain(|_, m| !m.is_empty());
            for (file, by_id) in &current {
                for (id, e) in by_id {
                    if named.iter().any(|n| n == id.as_str()) {
                        put(&mut out, file, id, e.clone());
                    }
                }
            }
        }
        Record::Prune => {
            for (file, by_id) in &existing.files {
                for (id, e) in by_id {
                    put(&mut out, file, id, pruned(e, current.get(file).and_then(|m| m.get(id))));
                }
            }
        }
    }
    out
}

/// `e` lowered to what still occurs (`now`): the smaller count, and the
/// message hashes both have.
fn pruned(e: &Entry, now: Option<&Entry>) -> Entry {
    let Some(now) = now else { return Entry::default() };
    let mut left: BTreeMap<&str, usize> = BTreeMap::new();
    for m in &now.messages {
        *left.entry(m).or_default() += 1;
    }
    let mut messages = Vec::new();
    for m in &e.messages {
        if let Some(n) = left.get_mut(m.as_str()).filter(|n| **n > 0) {
            *n -= 1;
            messages.push(m.clone());
        }
    }
    Entry { count: e.count.min(now.count), messages }
}

/// Where the file lives for a site.
pub fn path(root: &Path) -> PathBuf {
    root.join(FILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(path: &str, line: usize, msg: &str) -> Diagnostic {
        Diagnostic::warning(ids::LINK_BROKEN, Location::new(path, line, Some(1)), msg)
    }

    fn alt(path: &str, line: usize) -> Diagnostic {
        Diagnostic::warning(ids::IMAGE_MISSING_ALT, Location::new(path, line, Some(1)), "no alt")
    }

    #[test]
    fn accepted_findings_stay_quiet_when_lines_move_and_only_a_new_one_is_reported() {
        let before = vec![
            w("content/a.md", 3, "`x.md`"),
            w("content/a.md", 9, "`y.md`"),
            alt("content/b.md", 2),
        ];
        let file = record(&Baseline::default(), &before, Record::AllWarnings);
        let file = Baseline::parse(&file.to_json()).unwrap();
        assert_eq!(file.total(), 3);
        // Lines moved, and one new broken link between the old ones.
        let after = vec![
            w("content/a.md", 5, "`x.md`"),
            w("content/a.md", 8, "`new.md`"),
            w("content/a.md", 11, "`y.md`"),
            alt("content/b.md", 4),
        ];
        let applied = apply(&file, after);
        assert_eq!(applied.suppressed.len(), 3);
        assert_eq!(applied.reported.len(), 1, "{:?}", applied.reported);
        assert_eq!(applied.reported[0].message, "`new.md`");
        assert_eq!(applied.fixed, 0);
    }

    #[test]
    fn a_reworded_message_stays_accepted_within_the_count_and_fixed_ones_are_prunable() {
        let file = record(
            &Baseline::default(),
            &[w("content/a.md", 3, "old words"), w("content/a.md", 4, "`z.md`")],
            Record::AllWarnings,
        );
        let applied = apply(&file, vec![w("content/a.md", 3, "new words")]);
        assert!(applied.reported.is_empty(), "{:?}", applied.reported);
        assert_eq!(applied.fixed, 1);
        let pruned = record(&file, &[w("content/a.md", 3, "new words")], Record::Prune);
        assert_eq!(pruned.total(), 1);
        let gone = record(&file, &[], Record::Prune);
        assert!(gone.is_empty(), "{gone:?}");
    }

    #[test]
    fn suppress_all_never_takes_errors_but_a_named_id_does() {
        let error = Diagnostic::error(
            ids::STRUCTURE_UNCLOSED_FENCE,
            Location::new("content/c.md", 7, Some(1)),
            "fence",
        );
        let all = vec![error.clone(), alt("content/c.md", 2)];
        let file = record(&Baseline::default(), &all, Record::AllWarnings);
        assert_eq!(file.total(), 1);
        assert!(apply(&file, all.clone()).reported.iter().any(|d| d.is_error()));
        let file = record(&file, &all, Record::Ids(&[ids::STRUCTURE_UNCLOSED_FENCE.0]));
        assert_eq!(file.total(), 2);
        assert!(apply(&file, all.clone()).reported.is_empty());
        // A later --suppress-all keeps the error accepted by name.
        let again = record(&file, &all, Record::AllWarnings);
        assert_eq!(again.total(), 2);
    }

    #[test]
    fn a_broken_file_is_a_located_error_naming_the_cause() {
        let e = Baseline::parse("{\n  \"version\": 1,\n  \"files\": {\n    \"a.md\": { \"link/brokn\": { \"count\": 1 } }\n  }\n}\n").unwrap_err();
        assert_eq!(e.code, ids::CONFIG_INVALID);
        assert_eq!((e.location.line, e.location.col), (4, Some(15)));
        assert!(e.message.contains("`link/brokn`") && e.message.contains("`link/broken`"), "{e}");
        let e = Baseline::parse("{\"version\": 1, \"files\": [}").unwrap_err();
        assert_eq!(e.location.line, 1);
        assert!(e.message.contains(FILE), "{e}");
        let e = Baseline::parse("{\"version\": 9, \"files\": {}}").unwrap_err();
        assert!(e.message.contains("version 9"), "{e}");
    }
}
