//! Findings and build results → what people and CI read, written to any
//! `io::Write` (the library never prints on its own).
//!
//! Formats (`--format`):
//! - `human`: rustc's shape, drawn by `annotate-snippets` (the renderer rustc
//!   itself uses): `severity[id]: message`, ` --> file:line:col`, the source
//!   line with a caret, `= help:`; grouped per file, then a summary line;
//! - `short`: one grep- and editor-friendly `file:line:col: severity[id]: message` line each;
//! - `json`: one versioned document (schema: `schemas/findings-v1.schema.json`);
//! - `sarif`: SARIF 2.1.0 for code-scanning tools;
//! - `github`: `::error file=…,line=…,col=…::` workflow commands that GitHub
//!   Actions turns into annotations on the pull request.

use std::borrow::Cow;
use std::io::{self, Write};
use std::path::Path;

use annotate_snippets::{Level, Renderer, Snippet};

use crate::diag::{Diagnostic, Severity};
use crate::model::{Build, BuildStats};
use crate::registry;

/// Version of the `--format json` document; bumped when a field changes meaning
/// or goes away (adding a field does not bump it).
pub const JSON_VERSION: u32 = 1;

/// rustc-shaped findings, grouped per file with a blank line between files.
/// `source` returns a file's text (relative to the site root) to show the
/// line; without it only the location is shown.
pub fn human(
    diags: &[Diagnostic],
    source: &dyn Fn(&Path) -> Option<String>,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    human_list(&diags.iter().collect::<Vec<_>>(), source, color, out)
}

fn human_list(
    diags: &[&Diagnostic],
    source: &dyn Fn(&Path) -> Option<String>,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let renderer = if color { Renderer::styled() } else { Renderer::plain() };
    let mut current: Option<&Path> = None;
    let mut text: Option<String> = None;
    for d in diags {
        if current != Some(d.location.path.as_path()) {
            current = Some(&d.location.path);
            text = source(&d.location.path);
        }
        let level = match d.severity {
            Severity::Error => Level::Error,
            Severity::Warning => Level::Warning,
        };
        let title = printable(&d.message);
        let mut message = level.title(&title).id(d.code.as_str());
        let line_text = text
            .as_deref()
            .filter(|_| d.location.line > 0)
            .and_then(|t| t.lines().nth(d.location.line - 1))
            .map(|l| l.trim_end_matches('\r'));
        let path = printable(&d.location.path.display().to_string()).into_owned();
        let location = printable(&d.location.to_string()).into_owned();
        let shown;
        match line_text {
            Some(line) => {
                let span;
                (shown, span) = printable_line(line, d.location.col);
                let line = shown.as_str();
                // annotate-snippets draws `-` under warnings; rustc's shape is a
                // caret under the column for every finding, so the span is primary.
                message = message.snippet(
                    Snippet::source(line)
                        .line_start(d.location.line)
                        .origin(&path)
                        .annotation(Level::Error.span(span)),
                );
            }
            None => {
                // No line to show (a finding about the whole file, or no text at
                // hand): the location alone, with its line and column if any.
                message = message.snippet(Snippet::source("").origin(&location));
            }
        }
        let help;
        if let Some(h) = &d.help {
            help = printable(h);
            message = message.footer(Level::Help.title(&help));
        }
        writeln!(out, "{}", renderer.render(message))?;
        writeln!(out)?;
    }
    Ok(())
}

/// `check PATH… --only ID…`: the part of the report a person asked for.
/// The whole site is still checked (links need every page); only the report
/// and the exit code narrow.
#[derive(Debug, Default)]
pub struct Narrow {
    /// Ids or `topic/*` patterns; empty: every id.
    pub ids: Vec<String>,
    /// Files or folders relative to the site root; empty: every file.
    pub paths: Vec<std::path::PathBuf>,
}

impl Narrow {
    /// Checks the ids: an unknown one is an error naming the closest id.
    pub fn new(ids: Vec<String>, paths: Vec<std::path::PathBuf>) -> Result<Narrow, String> {
        for id in &ids {
            if !crate::check::suppress::known(id) {
                let hint = crate::suggest::closest_id(id)
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_else(|| "; see `inkproof check --list`".to_string());
                return Err(format!("`--only {id}` is not a check id or topic{hint}"));
            }
        }
        Ok(Narrow { ids, paths })
    }

    pub fn is_everything(&self) -> bool {
        self.ids.is_empty() && self.paths.is_empty()
    }

    pub fn keeps(&self, d: &Diagnostic) -> bool {
        (self.ids.is_empty()
            || self.ids.iter().any(|p| crate::check::suppress::matches(p, &d.code)))
            && (self.paths.is_empty() || self.paths.iter().any(|p| d.location.path.starts_with(p)))
    }
}

/// How many findings `human` lists in detail unless told otherwise
/// (`--max-findings`): a screenful or two. Errors are always all listed.
pub const DEFAULT_MAX_FINDINGS: usize = 200;

/// The findings `human` lists in detail: every error, and warnings in
/// report order while fewer than `max` findings are listed (`0`: all).
/// Returns them in report order, and how many warnings were left out.
pub fn shown(diags: &[Diagnostic], max: usize) -> (Vec<&Diagnostic>, usize) {
    if max == 0 || diags.len() <= max {
        return (diags.iter().collect(), 0);
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let mut warnings_left = max.saturating_sub(errors);
    let mut out = Vec::with_capacity(max.max(errors));
    for d in diags {
        if d.is_error() {
            out.push(d);
        } else if warnings_left > 0 {
            warnings_left -= 1;
            out.push(d);
        }
    }
    let left_out = diags.len() - out.len();
    (out, left_out)
}

/// The human report of a run: the findings in detail up to `max`, a line
/// saying how many were left out and how to see them, and, when there are
/// many, the overview.
pub fn human_report(
    diags: &[Diagnostic],
    source: &dyn Fn(&Path) -> Option<String>,
    color: bool,
    max: usize,
    out: &mut dyn Write,
) -> io::Result<()> {
    let (listed, left_out) = shown(diags, max);
    human_list(&listed, source, color, out)?;
    if left_out > 0 || diags.len() >= OVERVIEW_FROM {
        overview(diags, out)?;
    }
    if left_out > 0 {
        writeln!(
            out,
            "{} more {} not listed ({} listed; errors always are). See them with \
             `--max-findings 0`, `--format short` or `--format json`, or narrow the report \
             with `--only ID` or a path (`inkproof check content/guide.md`).\n",
            thousands(left_out),
            plural(left_out, "warning", "warnings"),
            thousands(listed.len()),
        )?;
    }
    Ok(())
}

/// From how many findings the overview follows the details.
const OVERVIEW_FROM: usize = 20;

/// How many rows of each overview table: both fit a terminal together.
const OVERVIEW_ROWS: usize = 12;

/// Findings per check id (count, severity, first file) and the files with
/// most findings: what to fix first when there are thousands.
pub fn overview(diags: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    use std::collections::HashMap;
    let mut by_id: HashMap<registry::CheckId, (usize, Severity, &Path)> = HashMap::new();
    let mut by_file: HashMap<&Path, usize> = HashMap::new();
    for d in diags {
        let e = by_id.entry(d.code).or_insert((0, d.severity, &d.location.path));
        e.0 += 1;
        e.1 = e.1.max(d.severity);
        *by_file.entry(&d.location.path).or_default() += 1;
    }
    let mut ids: Vec<_> = by_id.into_iter().collect();
    // Errors first, then by count, then by id.
    ids.sort_by(|a, b| b.1 .1.cmp(&a.1 .1).then(b.1 .0.cmp(&a.1 .0)).then(a.0.cmp(&b.0)));
    let mut files: Vec<_> = by_file.into_iter().collect();
    files.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let count_width = thousands(diags.len()).len();
    let id_width = ids.iter().take(OVERVIEW_ROWS).map(|(id, _)| id.len()).max().unwrap_or(0);
    writeln!(out, "Findings by check:")?;
    for (id, (n, sev, first)) in ids.iter().take(OVERVIEW_ROWS) {
        writeln!(
            out,
            "  {:>count_width$}  {:7}  {:id_width$}  first in {}",
            thousands(*n),
            severity_name(*sev),
            id.as_str(),
            printable(&first.display().to_string())
        )?;
    }
    if ids.len() > OVERVIEW_ROWS {
        let rest: usize = ids[OVERVIEW_ROWS..].iter().map(|(_, (n, ..))| n).sum();
        writeln!(
            out,
            "  {:>count_width$}  in {} more checks",
            thousands(rest),
            ids.len() - OVERVIEW_ROWS
        )?;
    }
    writeln!(out, "Files with most findings:")?;
    for (file, n) in files.iter().take(OVERVIEW_ROWS / 2) {
        writeln!(
            out,
            "  {:>count_width$}  {}",
            thousands(*n),
            printable(&file.display().to_string())
        )?;
    }
    if files.len() > OVERVIEW_ROWS / 2 {
        writeln!(out, "  … and {} more files", thousands(files.len() - OVERVIEW_ROWS / 2))?;
    }
    writeln!(out)
}

/// `58142` → `58,142`: counts people read at a glance.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The byte range under the caret: the character at 1-based column `col` (the
/// whole line when the column is unknown).
fn caret(line: &str, col: Option<usize>) -> std::ops::Range<usize> {
    let Some(col) = col else { return 0..line.len().max(1) };
    match line.char_indices().nth(col - 1) {
        Some((i, c)) => i..i + c.len_utf8(),
        None => line.len()..line.len() + 1,
    }
}

/// `line` with its control characters escaped ([`printable`]), and the byte
/// range under the caret at 1-based column `col` of the original line, so the
/// caret still points at the character it was put on.
fn printable_line(line: &str, col: Option<usize>) -> (String, std::ops::Range<usize>) {
    let Some(col) = col.filter(|c| *c > 0) else {
        let shown = printable(line).into_owned();
        let span = caret(&shown, None);
        return (shown, span);
    };
    let before: String = line.chars().take(col - 1).collect();
    let start = printable(&before).len();
    let shown = printable(line).into_owned();
    let width =
        line.chars().nth(col - 1).map_or(1, |c| printable(c.encode_utf8(&mut [0; 4])).len());
    (shown, start..start + width)
}

/// Text for a terminal or a CI log, where a line break, a carriage return, a
/// terminal escape or a bidi control taken from an article (a title holding
/// `\n::error file=…::`) would start a line GitHub reads as a workflow command,
/// or rewrite what the reader sees. Such characters are shown as Rust escapes
/// (`\n`, `\u{202e}`); everything else is kept as written.
pub fn printable(s: &str) -> Cow<'_, str> {
    let hidden = |c: char| {
        c.is_control()
            || matches!(c, '\u{2028}' | '\u{2029}')
            || crate::text::invisible(c).is_some()
    };
    if !s.chars().any(hidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if hidden(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One `path:line:col: severity[id]: message` line per finding (plus help).
pub fn short(diags: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    for d in diags {
        let location = printable(&d.location.to_string()).into_owned();
        let message = printable(&d.message);
        let sev = severity_name(d.severity);
        writeln!(out, "{location}: {sev}[{}]: {message}", d.code)?;
        if let Some(help) = &d.help {
            writeln!(out, "  = help: {}", printable(help))?;
        }
    }
    Ok(())
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// What `--format json` says about the run besides the findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Build,
    Check,
}

/// The findings and a summary as one JSON document
/// (`schemas/findings-v1.schema.json`). `check` writes nothing, so it has no
/// `files_written`.
pub fn json(build: &Build, command: Command, out: &mut dyn Write) -> io::Result<()> {
    json_with_skipped(build, command, None, out)
}

/// [`json`] of a `build`, with the `skipped` list (`--skip-broken`): each
/// article left out and the ids of the errors that stopped it, so CI can
/// tell which guides are missing without reading the findings.
pub fn json_with_skipped(
    build: &Build,
    command: Command,
    skipped: Option<&[crate::engine::Skipped]>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let reported = build.diagnostics.iter().map(|d| (d, false));
    let findings: Vec<serde_json::Value> = reported
        .chain(build.suppressed.iter().map(|d| (d, true)))
        .map(|(d, suppressed)| {
            serde_json::json!({
                "id": d.code,
                "severity": severity_name(d.severity),
                "path": d.location.path.to_string_lossy().replace('\\', "/"),
                "line": (d.location.line > 0).then_some(d.location.line),
                "col": d.location.col,
                "message": d.message,
                "help": d.help,
                "suppressed": suppressed,
            })
        })
        .collect();
    let s = &build.stats;
    let mut summary = serde_json::json!({
        "errors": s.errors,
        "warnings": s.warnings,
        "pages": s.pages,
        "articles": s.articles,
        "elapsed_ms": s.elapsed_ms,
        "suppressed": s.suppressed,
    });
    if command == Command::Build {
        summary["files_written"] = s.files_written.into();
        summary["stripped_blocks"] = s.stripped_blocks.into();
        summary["stripped_elements"] = s.stripped_elements.into();
    }
    let doc = serde_json::json!({
        "version": JSON_VERSION,
        "tool": { "name": "inkproof", "version": env!("CARGO_PKG_VERSION") },
        "command": match command { Command::Build => "build", Command::Check => "check" },
        "findings": findings,
        "summary": summary,
    });
    let mut doc = doc;
    if let Some(skipped) = skipped {
        doc["skipped"] = skipped
            .iter()
            .map(|s| {
                serde_json::json!({
                    "path": s.path.to_string_lossy().replace('\\', "/"),
                    "ids": s.ids,
                })
            })
            .collect();
    }
    writeln!(out, "{}", serde_json::to_string_pretty(&doc).unwrap_or_default())
}

/// SARIF 2.1.0: one run, every registered check as a rule, every finding as a
/// result with a physical location relative to the site root (`%SRCROOT%`);
/// known findings carry SARIF's `suppressions`, so code-scanning tools agree
/// with the summary.
pub fn sarif(
    diags: &[Diagnostic],
    suppressed: &[Diagnostic],
    out: &mut dyn Write,
) -> io::Result<()> {
    let rules: Vec<serde_json::Value> = registry::CHECKS
        .iter()
        .map(|c| {
            serde_json::json!({
                "id": c.id,
                "shortDescription": { "text": c.summary },
                "help": { "text": c.fix },
                "defaultConfiguration": { "level": severity_name(c.severity) },
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = diags
        .iter()
        .map(|d| (d, false))
        .chain(suppressed.iter().map(|d| (d, true)))
        .map(|(d, known)| {
            let mut region = serde_json::Map::new();
            if d.location.line > 0 {
                region.insert("startLine".into(), d.location.line.into());
                if let Some(col) = d.location.col {
                    region.insert("startColumn".into(), col.into());
                }
            }
            let mut physical = serde_json::json!({
                "artifactLocation": {
                    "uri": d.location.path.to_string_lossy().replace('\\', "/"),
                    "uriBaseId": "%SRCROOT%",
                },
            });
            if !region.is_empty() {
                physical["region"] = region.into();
            }
            let text = match &d.help {
                Some(h) => format!("{} (help: {h})", d.message),
                None => d.message.clone(),
            };
            let mut result = serde_json::json!({
                "ruleId": d.code,
                "ruleIndex": registry::CHECKS.iter().position(|c| c.id == d.code),
                "level": severity_name(d.severity),
                "message": { "text": text },
                "locations": [{ "physicalLocation": physical }],
            });
            if known {
                result["suppressions"] = serde_json::json!([{
                    "kind": "external",
                    "justification": "accepted as known in inkproof-suppressions.json",
                }]);
            }
            result
        })
        .collect();
    let doc = serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "inkproof",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/inkproof/inkproof",
                "rules": rules,
            }},
            "originalUriBaseIds": { "%SRCROOT%": { "description": { "text": "the site root" } } },
            "results": results,
        }],
    });
    writeln!(out, "{}", serde_json::to_string_pretty(&doc).unwrap_or_default())
}

/// GitHub Actions workflow commands: each finding becomes an annotation on the
/// file and line in the pull request. Paths are relative to the site root, so
/// run the check from the repository root (or with `--root` pointing inside it).
pub fn github(diags: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    // Property values and messages escape `%`, CR and LF; properties also `:` and `,`.
    let data = |s: &str| s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    let prop = |s: &str| data(s).replace(':', "%3A").replace(',', "%2C");
    for d in diags {
        let mut props = format!("file={}", prop(&d.location.path.to_string_lossy()));
        if d.location.line > 0 {
            props.push_str(&format!(",line={}", d.location.line));
            if let Some(col) = d.location.col {
                props.push_str(&format!(",col={col}"));
            }
        }
        props.push_str(&format!(",title={}", prop(&d.code)));
        // The finding's own text is escaped as in the other formats (an ESC
        // from a title would colour the CI log); only the help's line break is ours.
        let mut message = printable(&d.message).into_owned();
        if let Some(h) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(&printable(h));
        }
        writeln!(out, "::{} {props}::{}", severity_name(d.severity), data(&message))?;
    }
    Ok(())
}

/// `check --list`: every check with its id, default severity and description.
pub fn list(out: &mut dyn Write) -> io::Result<()> {
    let width = registry::CHECKS.iter().map(|c| c.id.len()).max().unwrap_or(0);
    for c in registry::CHECKS {
        writeln!(out, "{:width$}  {:7}  {}", c.id, severity_name(c.severity), c.summary)?;
        writeln!(out, "{:width$}           fix: {}", "", c.fix)?;
    }
    Ok(())
}

/// The one-line summary every build ends with.
pub fn summary(verb: &str, stats: &BuildStats, written: bool) -> String {
    let files = if written {
        format!(", {} {}", stats.files_written, plural(stats.files_written, "file", "files"))
    } else {
        String::new()
    };
    // Only sites that unwrap affiliate links have any; the others keep the line they know.
    let affiliate = if stats.unwrapped_links + stats.pointed_links > 0 {
        format!(
            " · unwrapped {} affiliate {}, pointed {} at their heading",
            stats.unwrapped_links,
            plural(stats.unwrapped_links, "link", "links"),
            stats.pointed_links,
        )
    } else {
        String::new()
    };
    format!(
        "{verb} {} {} ({} {}{files}) in {} ms · stripped {} ad {} and {} ad {}{affiliate} · {} {}, {} {}",
        stats.pages,
        plural(stats.pages, "page", "pages"),
        stats.articles,
        plural(stats.articles, "article", "articles"),
        stats.elapsed_ms,
        stats.stripped_blocks,
        plural(stats.stripped_blocks, "block", "blocks"),
        stats.stripped_elements,
        plural(stats.stripped_elements, "element", "elements"),
        stats.warnings,
        plural(stats.warnings, "warning", "warnings"),
        stats.errors,
        plural(stats.errors, "error", "errors"),
    ) + &known_part(stats.suppressed)
}

/// The articles `build --skip-broken` left out, after the findings (which
/// say why at each line): a person sees at once which guides are missing.
pub fn skipped(skipped: &[crate::engine::Skipped], out: &mut dyn Write) -> io::Result<()> {
    if skipped.is_empty() {
        return Ok(());
    }
    let n = skipped.len();
    writeln!(out, "Left out {} broken {}:", thousands(n), plural(n, "article", "articles"))?;
    for s in skipped {
        let ids: Vec<&str> = s.ids.iter().map(|id| id.as_str()).collect();
        writeln!(out, "  {} ({})", s.path.display(), ids.join(", "))?;
    }
    Ok(())
}

/// ` · 58,142 known, suppressed`, when `inkproof-suppressions.json` accepted
/// some: the summary line and serve's status lines end alike.
pub fn known_part(suppressed: usize) -> String {
    if suppressed == 0 {
        return String::new();
    }
    format!(" · {} known, suppressed", thousands(suppressed))
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// `--verbose`: what was stripped from each article, with lines.
pub fn stripped<'a>(
    articles: impl IntoIterator<Item = &'a crate::model::Article>,
    out: &mut dyn Write,
) -> io::Result<()> {
    for a in articles {
        if a.stripped.is_empty() {
            continue;
        }
        writeln!(out, "{}: stripped {}", a.source.display(), a.stripped.len())?;
        for s in &a.stripped {
            writeln!(out, "  {}:{}: {}", a.source.display(), s.line, s.what)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Location;
    use crate::registry::ids;

    #[test]
    fn summary_reads_as_a_sentence() {
        let stats = BuildStats {
            pages: 4,
            articles: 3,
            files_written: 20,
            stripped_blocks: 1,
            stripped_elements: 2,
            warnings: 1,
            elapsed_ms: 12,
            ..BuildStats::default()
        };
        assert_eq!(
            summary("Built", &stats, true),
            "Built 4 pages (3 articles, 20 files) in 12 ms · stripped 1 ad block and 2 ad elements · 1 warning, 0 errors"
        );
        let one = BuildStats { pages: 1, articles: 1, ..BuildStats::default() };
        assert_eq!(
            summary("Checked", &one, false),
            "Checked 1 page (1 article) in 0 ms · stripped 0 ad blocks and 0 ad elements · 0 warnings, 0 errors"
        );
    }

    fn sample() -> Vec<Diagnostic> {
        vec![
            Diagnostic::error(
                ids::LINK_UNSAFE_SCHEME,
                Location::new("content/a.md", 2, Some(5)),
                "link to a `javascript:` URL runs code",
            )
            .with_help("link to a page"),
            Diagnostic::warning(
                ids::PAGE_MISSING_TITLE,
                Location::file("templates/base.html"),
                "no title",
            ),
        ]
    }

    #[test]
    fn human_output_is_rustc_shaped_with_a_caret_and_no_colour_when_asked() {
        let text = |p: &Path| {
            (p == Path::new("content/a.md")).then(|| "---\nSee [x](javascript:go)\n".to_string())
        };
        let mut out = Vec::new();
        human(&sample(), &text, false, &mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(
            s.contains("error[link/unsafe-scheme]: link to a `javascript:` URL runs code"),
            "{s}"
        );
        assert!(s.contains("--> content/a.md:2:5"), "{s}");
        assert!(s.contains("2 | See [x](javascript:go)"), "{s}");
        assert!(s.contains("  |     ^"), "{s}");
        assert!(s.contains("= help: link to a page"), "{s}");
        assert!(s.contains("--> templates/base.html"), "{s}");
        assert!(!s.contains('\u{1b}'), "colour escapes in plain output: {s:?}");
        let mut coloured = Vec::new();
        human(&sample(), &text, true, &mut coloured).unwrap();
        assert!(String::from_utf8(coloured).unwrap().contains('\u{1b}'));
    }

    #[test]
    fn human_output_escapes_control_characters_and_keeps_the_caret_on_its_character() {
        let diags = [Diagnostic::warning(
            ids::CONTENT_BIDI_CONTROL,
            Location::new("content/a.md", 2, Some(4)),
            "title `A\n::error file=x::y`",
        )];
        let text = |_: &Path| Some("---\na\u{1b}b\u{202E}c\n".to_string());
        let mut out = Vec::new();
        human(&diags, &text, false, &mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(!s.lines().any(|l| l.starts_with("::")), "{s}");
        assert!(s.contains(r"title `A\n::error file=x::y`"), "{s}");
        assert!(s.contains(r"2 | a\u{1b}b\u{202e}c"), "{s}");
        // The caret sits under the escape of the 4th character, U+202E.
        let source = s.lines().find(|l| l.contains(r"a\u{1b}b")).unwrap();
        let caret = s.lines().find(|l| l.contains('^')).unwrap();
        let at = source.find(r"\u{202e}").unwrap();
        assert_eq!(caret.find('^'), Some(at), "{s}");
        assert_eq!(caret.trim_end().len() - at, r"\u{202e}".len(), "{s}");
    }

    #[test]
    fn github_annotations_escape_their_fields() {
        let mut out = Vec::new();
        github(&sample(), &mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert_eq!(
            s.lines().next().unwrap(),
            "::error file=content/a.md,line=2,col=5,title=link/unsafe-scheme::link to a `javascript%3A` URL runs code%0Ahelp: link to a page"
                .replace("javascript%3A", "javascript:")
        );
        assert!(
            s.contains("::warning file=templates/base.html,title=page/missing-title::no title"),
            "{s}"
        );
    }
}
