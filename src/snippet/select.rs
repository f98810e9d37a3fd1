//! Which lines a snippet shows: `lines="A-B"` ranges and `#region` markers.

use std::ops::Range;

use super::directive::Part;
use super::{Located, Problem, SnippetContext};
use crate::diag::{Diagnostic, Location};
use crate::registry::ids;

/// The 0-based lines the directive's `lines` or `region` option asks for
/// (`None`: the whole file).
pub(super) fn selected_lines(
    part: &Part,
    text: &str,
    total: usize,
) -> Result<Option<Range<usize>>, Problem> {
    Ok(match part {
        Part::Whole => None,
        Part::Lines(spec) => Some(line_range(spec, total)?),
        Part::Region(name) => Some(region_range(text, name)?),
    })
}

/// `shown`, or `None` (the whole file) with a `snippet/empty-range` warning when
/// it holds nothing but blank lines.
pub(super) fn unless_blank(
    shown: Option<Range<usize>>,
    part: &Part,
    file: &Located,
    text: &str,
    line: usize,
    ctx: &SnippetContext<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Range<usize>> {
    let mut shown = shown;
    if let Some(range) = shown.clone() {
        if text.lines().skip(range.start).take(range.len()).all(|l| l.trim().is_empty()) {
            let what = match part {
                Part::Region(name) => format!("region `{name}`"),
                Part::Lines(spec) => format!("lines=\"{spec}\""),
                Part::Whole => String::new(),
            };
            diags.push(
                Diagnostic::warning(
                    ids::SNIPPET_EMPTY_RANGE,
                    Location::new(ctx.article, line, None),
                    format!(
                        "{what} of `{}` shows nothing but blank lines; the whole file is shown",
                        file.source.display()
                    ),
                )
                .with_help("point the region or range at the code"),
            );
            shown = None;
        }
    }
    shown
}

/// `lines="A-B"` as 0-based line indices, checked against the file's length.
fn line_range(spec: &str, total: usize) -> Result<std::ops::Range<usize>, Problem> {
    let bad = |why: String| {
        Problem::new(ids::SNIPPET_BAD_RANGE, format!("lines=\"{spec}\": {why}")).help(format!(
            "write lines=\"A-B\" with 1 ≤ A ≤ B ≤ {total} (the file has {total} lines)"
        ))
    };
    let number = |s: &str| {
        s.trim().parse::<usize>().map_err(|_| bad(format!("`{}` is not a line number", s.trim())))
    };
    let (start, end) = match spec.split_once('-') {
        Some((a, b)) if b.trim().is_empty() => (number(a)?, total),
        Some((a, b)) => (number(a)?, number(b)?),
        None => {
            let n = number(spec)?;
            (n, n)
        }
    };
    if start == 0 {
        return Err(bad("lines are counted from 1".to_string()));
    }
    if start > end {
        return Err(bad(format!("the range starts after it ends ({start} > {end})")));
    }
    if end > total {
        return Err(bad(format!("the file has only {total} lines")));
    }
    Ok(start - 1..end)
}

#[derive(Debug, PartialEq, Eq)]
enum Marker<'a> {
    Start(&'a str),
    End,
}

/// Recognises `#region NAME`, `// region NAME`, `:: endregion`, `REM region NAME` ….
fn marker(line: &str) -> Option<Marker<'_>> {
    let t = line.trim();
    let after_leader = ["#", "//", "::"].iter().find_map(|l| t.strip_prefix(l)).or_else(|| {
        let t = t.strip_prefix('@').unwrap_or(t);
        let (word, rest) = t.split_at(t.find(char::is_whitespace)?);
        word.eq_ignore_ascii_case("rem").then_some(rest)
    })?;
    let body = after_leader.trim_start();
    let keyword_end = body.find(char::is_whitespace).unwrap_or(body.len());
    let (keyword, rest) = body.split_at(keyword_end);
    if keyword.eq_ignore_ascii_case("region") {
        Some(Marker::Start(rest.trim()))
    } else if keyword.eq_ignore_ascii_case("endregion") {
        Some(Marker::End)
    } else {
        None
    }
}

/// The 0-based lines strictly between `region NAME` and its matching `endregion`.
fn region_range(text: &str, name: &str) -> Result<std::ops::Range<usize>, Problem> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines.iter().position(|l| marker(l) == Some(Marker::Start(name))) else {
        let names: Vec<String> = lines
            .iter()
            .filter_map(|l| match marker(l) {
                Some(Marker::Start(n)) => Some(format!("`{n}`")),
                _ => None,
            })
            .collect();
        let p =
            Problem::new(ids::SNIPPET_UNKNOWN_REGION, format!("the file has no region `{name}`"));
        return Err(if names.is_empty() {
            p.help("mark it with `#region NAME` … `#endregion` (or `// region`, `:: region`, `REM region`)")
        } else {
            p.help(format!("regions in the file: {}", names.join(", ")))
        });
    };
    let mut depth = 0usize;
    for (i, l) in lines.iter().enumerate().skip(start + 1) {
        match marker(l) {
            Some(Marker::Start(_)) => depth += 1,
            Some(Marker::End) if depth == 0 => {
                // An empty region is a warning in `unless_blank` (`snippet/empty-range`).
                return Ok(start + 1..i);
            }
            Some(Marker::End) => depth -= 1,
            None => {}
        }
    }
    Err(Problem::new(
        ids::SNIPPET_BAD_REGION,
        format!("region `{name}` (line {}) has no matching endregion", start + 1),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snippet::test_site::*;

    #[test]
    fn a_line_range_shows_part_and_downloads_the_whole() {
        let site = Site::new();
        site.file("content/guide/c.ps1", PS.as_bytes());
        let (html, snip, _) =
            ok("snippet c.ps1 lines=\"3-5\" title='Status check'", "", 1, &site.bundle_ctx());
        assert_eq!(snip.bytes, PS.as_bytes());
        let doc = scraper::Html::parse_fragment(&html);
        let shown = select(&doc, "pre.code code")[0].text().collect::<String>();
        assert_eq!(shown, PS.lines().skip(2).take(3).map(|l| format!("{l}\n")).collect::<String>());
        let note = select(&doc, "p.snippet-partial")[0].text().collect::<String>();
        assert_eq!(note, "Showing lines 3–5 of 8; the download has the whole file.");
        assert_eq!(select(&doc, ".snippet-title")[0].text().collect::<String>(), "Status check");
        assert!(html.contains("id=\"snippet-c-ps1-lines-3-5\""));
        // Single line and open-ended forms.
        let (html, _, _) = ok("snippet c.ps1 lines=8", "", 1, &site.bundle_ctx());
        assert!(html.contains("Showing lines 8–8 of 8"));
        let (html, _, _) = ok("snippet c.ps1 lines=\"7-\"", "", 1, &site.bundle_ctx());
        assert!(html.contains("Showing lines 7–8 of 8"));
    }

    #[test]
    fn a_region_shows_the_lines_between_its_markers() {
        let site = Site::new();
        site.file("content/guide/c.ps1", PS.as_bytes());
        let (html, snip, _) = ok(
            "snippet c.ps1 region=\"Status\"",
            "Run it as a normal user.",
            1,
            &site.bundle_ctx(),
        );
        assert_eq!(snip.bytes, PS.as_bytes(), "the download keeps the markers");
        let doc = scraper::Html::parse_fragment(&html);
        let shown = select(&doc, "pre.code code")[0].text().collect::<String>();
        assert!(shown.starts_with("$status = "), "{shown}");
        assert!(shown.ends_with("}\n"), "{shown}");
        assert!(!shown.contains("region"));
        assert!(html.contains("Showing lines 3–6 of 8"));
        assert!(html.contains("id=\"snippet-c-ps1-status\""));
        assert_eq!(
            select(&doc, "p.snippet-caption")[0].text().collect::<String>(),
            "Run it as a normal user."
        );
    }

    #[test]
    fn region_markers_in_every_comment_style() {
        let text = "a\n// region One\nb\n  # region Two\nc\n# endregion\n//endregion\n:: region Three\nd\n:: endregion\n@REM region Four\ne\nrem endregion\n#region Nested\n#region Inner\nf\n#endregion\ng\n#endregion\n";
        assert_eq!(region_range(text, "One").ok(), Some(2..6), "nested regions are skipped over");
        assert_eq!(region_range(text, "Two").ok(), Some(4..5));
        assert_eq!(region_range(text, "Three").ok(), Some(8..9));
        assert_eq!(region_range(text, "Four").ok(), Some(11..12));
        assert_eq!(region_range(text, "Nested").ok(), Some(14..18));
        // Empty: `unless_blank` warns (`snippet/empty-range`) and the whole file shows.
        assert_eq!(region_range("#region A\n#endregion\n", "A").ok(), Some(1..1));
        assert_eq!(
            region_range("#region A\nx\n", "A").err().map(|p| p.code),
            Some(ids::SNIPPET_BAD_REGION)
        );
        // Ordinary comments are not markers.
        assert_eq!(marker("# regional settings"), None);
        assert_eq!(marker("remark"), None);
        assert_eq!(marker("echo region x"), None);
    }

    #[test]
    fn a_blank_region_warns_and_shows_the_whole_file() {
        let site = Site::new();
        site.file("content/guide/e.ps1", b"#region A\n\n#endregion\nWrite-Output 1\n");
        let (html, _, diags) = ok("snippet e.ps1 region=\"A\"", "", 4, &site.bundle_ctx());
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].code, "snippet/empty-range");
        assert!(html.contains("Write-Output") && !html.contains("snippet-partial"), "{html}");
    }
}
