//! The HTML a snippet renders as: a `<figure>` with the code, download link, size and hash.

use std::fmt::Write as _;
use std::path::Path;

use super::directive::{Directive, Part};
use super::publish::{is_cmd, is_powershell, mime_type};
use super::{Located, SnippetContext};
use crate::highlight;
use crate::href::url_path;

/// The most bytes of a snippet shown on the page, whatever its line count.
const MAX_SHOWN_BYTES: usize = 256 * 1024;

/// Byte offset just after the first `lines` lines of `text` (the whole text
/// when it has no more).
fn line_end(text: &str, lines: usize) -> usize {
    match lines.checked_sub(1) {
        None => 0,
        Some(n) => text.match_indices('\n').nth(n).map_or(text.len(), |(i, _)| i + 1),
    }
}

/// Lowercase ASCII letters and digits joined by single hyphens, for element ids.
fn id_part(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        out.push('x');
    }
    out
}

/// The command a reader runs to check the download, in the shell the file is for.
fn verify_command(path: &Path, file_name: &str) -> String {
    let plain = file_name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if is_powershell(path) || is_cmd(path) {
        if plain {
            format!("Get-FileHash .\\{file_name} -Algorithm SHA256")
        } else {
            format!(
                "Get-FileHash -LiteralPath '.\\{}' -Algorithm SHA256",
                file_name.replace('\'', "''")
            )
        }
    } else if plain {
        format!("sha256sum {file_name}")
    } else {
        format!("sha256sum '{}'", file_name.replace('\'', "'\\''"))
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn figure(
    d: &Directive,
    file: &Located,
    text: &str,
    total: usize,
    shown: Option<std::ops::Range<usize>>,
    lang: &str,
    line: usize,
    size: usize,
    sha256: &str,
    caption: &str,
    ctx: &SnippetContext<'_>,
) -> String {
    use highlight::escape as e;

    let name_id = id_part(&file.file_name);
    // Two embeds of different parts of one file get different anchors.
    let figure_id = match &d.part {
        Part::Whole => format!("snippet-{name_id}"),
        Part::Region(r) => format!("snippet-{name_id}-{}", id_part(r)),
        Part::Lines(_) => {
            let r = shown.clone().unwrap_or(0..total);
            format!("snippet-{name_id}-lines-{}-{}", r.start + 1, r.end)
        }
    };
    // The fence line makes the code id unique even when one part is embedded twice.
    let code_id = format!("snippet-code-{name_id}-{line}");
    let title = d.title.as_deref().unwrap_or(&file.file_name);
    let href = format!("{}/{}", ctx.base_path.trim_end_matches('/'), url_path(&file.out_path));
    // At most `snippet_max_lines` of the wanted part are shown; highlighting
    // gets only the text up to the last shown line, so the rest of a huge file
    // is neither copied nor parsed.
    // A byte budget too, for files of few but enormous lines (minified code).
    let wanted = shown.clone().unwrap_or(0..total);
    let max = ctx.limits.snippet_max_lines.max(1);
    let mut visible = wanted.start..wanted.end.min(wanted.start.saturating_add(max));
    let start_byte = line_end(text, visible.start);
    let mut end_byte = line_end(text, visible.end);
    let cut_short = end_byte - start_byte > MAX_SHOWN_BYTES;
    if cut_short {
        end_byte = start_byte + MAX_SHOWN_BYTES;
        while !text.is_char_boundary(end_byte) {
            end_byte -= 1;
        }
        visible.end = visible.start + text[start_byte..end_byte].matches('\n').count() + 1;
    }
    let hidden = wanted.end - visible.end;
    let head = &text[..end_byte];
    let code = highlight::block(Some(lang), head, Some(visible.clone()), Some(&code_id));

    let mut h = String::with_capacity(code.len() + 1024);
    let _ = write!(
        h,
        "<figure class=\"snippet\" id=\"{figure_id}\">\n\
         <figcaption class=\"snippet-head\">\n\
         <span class=\"snippet-title\">{title}</span>\n\
         <code class=\"snippet-file\">{file}</code>\n\
         <span class=\"snippet-actions\">\n\
         <button type=\"button\" class=\"copy-button\" data-copy-target=\"{code_id}\" aria-label=\"Copy {file}\" hidden>Copy</button>\n\
         <a class=\"snippet-download\" href=\"{href}\" download=\"{file}\" type=\"{mime}\" aria-label=\"Download {file} ({size})\">Download</a>\n\
         </span>\n\
         </figcaption>\n\
         {code}\n\
         <p class=\"snippet-meta\"><span class=\"snippet-size\">{size}</span> · SHA-256 <code class=\"snippet-hash\">{sha256}</code></p>\n\
         <p class=\"snippet-verify\">Check the download: <code>{verify}</code></p>\n",
        title = e(title),
        file = e(&file.file_name),
        href = e(&href),
        mime = mime_type(&file.abs),
        size = crate::size::human_exact(size as u64),
        verify = e(&verify_command(&file.abs, &file.file_name)),
    );
    let caption = caption.trim();
    if !caption.is_empty() {
        let _ = writeln!(h, "<p class=\"snippet-caption\">{}</p>", e(caption));
    }
    if hidden > 0 || cut_short {
        let _ = writeln!(
            h,
            "<p class=\"snippet-partial snippet-truncated\">Showing lines {}–{} of {total}{}. … {hidden} more lines: download the file to see them all.</p>",
            visible.start + 1,
            visible.end,
            if cut_short { format!(" (line {} cut short)", visible.end) } else { String::new() },
        );
    } else if shown.is_some() {
        let _ = writeln!(
            h,
            "<p class=\"snippet-partial\">Showing lines {}–{} of {total}; the download has the whole file.</p>",
            visible.start + 1,
            visible.end
        );
    }
    h.push_str("</figure>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;
    use crate::snippet::test_site::*;

    #[test]
    fn a_long_snippet_shows_at_most_max_lines_and_downloads_whole() {
        let mut site = Site::new();
        site.limits = Limits { snippet_max_lines: 50, snippet_warning_kb: 4, ..Limits::default() };
        let text: String = (1..=5000).map(|i| format!("Write-Host {i}\n")).collect();
        site.file("content/guide/long.ps1", text.as_bytes());
        let (html, snip, diags) = ok("snippet long.ps1", "", 3, &site.bundle_ctx());
        assert_eq!(snip.bytes, text.as_bytes(), "the download is the whole file");
        let doc = scraper::Html::parse_fragment(&html);
        let code = doc.select(&scraper::Selector::parse("pre code").unwrap()).next().unwrap();
        let shown: String = code.text().collect();
        assert_eq!(shown.lines().count(), 50);
        assert!(shown.contains("Write-Host 50") && !shown.contains("Write-Host 51\n"));
        let note = doc.select(&scraper::Selector::parse(".snippet-truncated").unwrap()).next();
        let note: String = note.expect("a truncation note").text().collect();
        assert_eq!(
            note,
            "Showing lines 1–50 of 5000. … 4950 more lines: download the file to see them all."
        );
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].code, "limits/snippet-size");
        assert!(!diags[0].is_error());
    }

    #[test]
    fn max_lines_apply_to_a_region_too() {
        let mut site = Site::new();
        site.limits = Limits { snippet_max_lines: 2, ..Limits::default() };
        site.file("content/guide/r.ps1", b"# a\n#region main\none\ntwo\nthree\n#endregion\n");
        let (html, _, _) = ok("snippet r.ps1 region=\"main\"", "", 3, &site.bundle_ctx());
        assert!(html.contains("Showing lines 3–4 of 6. … 1 more lines"), "{html}");
        assert!(html.contains("two") && !html.contains("three"), "{html}");
    }

    #[test]
    fn one_enormous_line_is_cut_to_the_byte_budget() {
        let mut site = Site::new();
        site.limits = Limits { snippet_warning_kb: 100_000, ..Limits::default() };
        let line = "x".repeat(3 * MAX_SHOWN_BYTES);
        site.file("content/guide/min.js", format!("{line}\nlast\n").as_bytes());
        let (html, snip, _) = ok("snippet min.js", "", 3, &site.bundle_ctx());
        assert_eq!(snip.bytes.len(), line.len() + 6);
        assert!(html.len() < MAX_SHOWN_BYTES + 4096, "page fragment is {} bytes", html.len());
        assert!(
            html.contains("(line 1 cut short). … 1 more lines"),
            "{}",
            &html[html.len() - 600..]
        );
    }

    #[test]
    fn copy_button_is_hidden_and_targets_the_code() {
        let site = Site::new();
        site.file("content/snippets/check-activation.ps1", PS.as_bytes());
        let ctx = site.plain_ctx();
        let (first, _, _) = ok("snippet check-activation.ps1", "", 10, &ctx);
        let (second, _, _) = ok("snippet check-activation.ps1", "", 30, &ctx);
        let page = scraper::Html::parse_fragment(&format!("{first}{second}"));
        let buttons = select(
            &page,
            "figure.snippet figcaption.snippet-head .snippet-actions button.copy-button",
        );
        assert_eq!(buttons.len(), 2);
        let mut targets = Vec::new();
        for b in &buttons {
            assert_eq!(b.value().attr("type"), Some("button"));
            assert!(b.value().attr("hidden").is_some(), "shown only once the script runs");
            let target = b.value().attr("data-copy-target").unwrap();
            let code = select(&page, &format!("code#{target}"));
            assert_eq!(code.len(), 1, "{target} names exactly one code element");
            assert_eq!(code[0].text().collect::<String>(), PS);
            targets.push(target.to_string());
        }
        assert_ne!(targets[0], targets[1], "two embeds on one page get distinct ids");
        assert_eq!(select(&page, "figure#snippet-check-activation-ps1").len(), 2);
        let title = select(&page, ".snippet-title")[0].text().collect::<String>();
        assert_eq!(title, "check-activation.ps1");
        let file = select(&page, "code.snippet-file")[0].text().collect::<String>();
        assert_eq!(file, "check-activation.ps1");
        assert!(first.contains("<p class=\"snippet-verify\">Check the download: <code>Get-FileHash .\\check-activation.ps1 -Algorithm SHA256</code></p>"));
    }

    #[test]
    fn everything_from_the_author_is_escaped() {
        let site = Site::new();
        site.file("content/guide/x.ps1", b"Write-Output '<b>&'\n");
        let (html, _, _) = ok(
            "snippet x.ps1 title=\"<script>alert(1)</script>\"",
            "a <i>caption</i> & more",
            1,
            &site.bundle_ctx(),
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<i>"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("a &lt;i&gt;caption&lt;/i&gt; &amp; more"));
    }
}
