//! The Tera instance a site's pages render with, and its syntax errors as findings.

use std::fmt::Write as _;
use std::path::Path;

use crate::config::Config;
use crate::diag::{Diagnostic, Location};
use crate::registry::ids;
use crate::theme::DEFAULT_TEMPLATES;

/// Builds the Tera instance from the loaded templates (the built-in theme
/// overlaid with the site's). Syntax errors are diagnostics on the template
/// folder, and the built-in theme is used instead.
pub fn templates(
    files: &[(String, String)],
    config: &Config,
    diags: &mut Vec<Diagnostic>,
) -> tera::Tera {
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![".html", ".htm", ".xml"]);
    // Tera's default escaper also escapes `/`, which makes every URL in the
    // source read `&#x2F;`; quotes, `<`, `>` and `&` are all HTML needs.
    tera.set_escape_fn(crate::escape::escape_attr);
    if let Err(e) = tera.add_raw_templates(files.iter().map(|(n, t)| (n.as_str(), t.as_str()))) {
        diags.push(parse_error(&error_chain(&e), files, &config.templates_dir));
        let _ = tera.add_raw_templates(DEFAULT_TEMPLATES.iter().copied());
    }
    tera
}

/// A Tera syntax error as a finding at `templates/NAME:LINE:COL`. Tera puts
/// the template's name (`Failed to parse 'NAME'`) and a pest-style excerpt
/// (`--> LINE:COL`, `= what was expected`) in its message; the location is
/// taken from there so editors and CI annotations jump to the line.
fn parse_error(msg: &str, files: &[(String, String)], dir: &Path) -> Diagnostic {
    let name = files.iter().map(|(n, _)| n.as_str()).find(|n| msg.contains(&format!("'{n}'")));
    let pos = msg.split("--> ").nth(1).and_then(|rest| {
        let (line, rest) = rest.split_once(':')?;
        let col: String = rest.chars().take_while(char::is_ascii_digit).collect();
        Some((line.trim().parse::<usize>().ok()?, col.parse::<usize>().ok()?))
    });
    let what = msg
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("= "))
        .map_or_else(|| msg.lines().next().unwrap_or(msg).to_string(), str::to_string);
    let (loc, message) = match (name, pos) {
        (Some(n), Some((line, col))) => {
            (Location::new(dir.join(n), line, Some(col)), format!("`{n}` does not parse: {what}"))
        }
        (Some(n), None) => (Location::file(dir.join(n)), format!("`{n}` does not parse: {what}")),
        _ => (Location::file(dir), msg.to_string()),
    };
    Diagnostic::error(ids::TEMPLATE_INVALID, loc, message)
        .with_help("fix the Tera syntax there; the built-in theme is used until then")
}

/// Flattens an error and its causes into one line (Tera keeps the useful part in `source()`).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let _ = write!(msg, ": {s}");
        cur = s.source();
    }
    msg
}
