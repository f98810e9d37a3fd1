//! Diagnostics and build results → text for people or JSON for tools, written
//! to any `io::Write` (the library never prints on its own).

use std::io::{self, Write};

use crate::diag::Diagnostic;
use crate::model::{Build, BuildStats};

/// One `path:line:col: severity[code]: message` line per finding (plus help).
pub fn human(diags: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    for d in diags {
        writeln!(out, "{d}")?;
    }
    Ok(())
}

/// Findings and stats as one JSON document.
pub fn json(build: &Build, out: &mut dyn Write) -> io::Result<()> {
    let v = serde_json::json!({ "diagnostics": build.diagnostics, "stats": build.stats });
    writeln!(out, "{}", serde_json::to_string_pretty(&v).unwrap_or_default())
}

/// The one-line summary every build ends with.
pub fn summary(verb: &str, stats: &BuildStats) -> String {
    format!(
        "{verb} {} pages ({} articles, {} files) in {} ms · stripped {} ad {} and {} ad {} · {} {}, {} {}",
        stats.pages,
        stats.articles,
        stats.files_written,
        stats.elapsed_ms,
        stats.stripped_blocks,
        plural(stats.stripped_blocks, "block", "blocks"),
        stats.stripped_elements,
        plural(stats.stripped_elements, "element", "elements"),
        stats.warnings,
        plural(stats.warnings, "warning", "warnings"),
        stats.errors,
        plural(stats.errors, "error", "errors"),
    )
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// `--verbose`: what was stripped from each article, with lines.
pub fn stripped(build: &Build, out: &mut dyn Write) -> io::Result<()> {
    for a in &build.articles {
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
            summary("Built", &stats),
            "Built 4 pages (3 articles, 20 files) in 12 ms · stripped 1 ad block and 2 ad elements · 1 warning, 0 errors"
        );
    }
}
