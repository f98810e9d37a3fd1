//! `inkproof init DIR`: scaffolds a site that builds as is: a config, one
//! article in the reference shape, and the default theme's templates and static
//! files (the same ones built into the binary), ready to be edited.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};

use crate::theme::{DEFAULT_STATIC, DEFAULT_TEMPLATES};

const CONFIG: &str = "\
# inkproof site config. Every key is optional; inkproof's docs/content/config.md lists them all.
title: My guides
base_url: https://guides.example.org
language: en
author: Your Name
description: Step-by-step guides that stay correct.
";

const ARTICLE: &str = "\
---
title: Your first guide
date: 2024-01-15T09:30:00Z
tags:
  - getting-started
categories:
  - guides
description: A starter article that shows the front matter inkproof reads.
keywords: first guide, inkproof, example
---

## Before you start

Write your guide in Markdown. Headings get anchors and a table of contents.

## Steps

1. Open the **Settings** app.
2. Choose **About**.
3. Note what you see.

## See it as you write

In the site folder, run `inkproof serve` and open the address it prints
(`http://127.0.0.1:1111`). Every save shows up in the browser at once, and
every problem the checks find (a broken link, a bad date) shows up on the page
it concerns, with its file, line and column.

`inkproof build` writes the finished site to `public/`. Publish that folder
from a web server; opened straight from disk its links don't resolve.
";

const README: &str = "\
# My guides

Built with inkproof.

- `inkproof serve`: preview at http://127.0.0.1:1111 while you write; pages
  reload on save and the checks' findings show in the browser.
- `inkproof new content/my-guide.md`: start a new guide (front matter filled in).
- `inkproof build`: write the site to `public/` (nothing is written if a check
  finds an error).
";

/// Writes a starter site into `dir`, which must be absent or empty.
pub fn scaffold(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        let mut entries =
            std::fs::read_dir(dir).with_context(|| format!("cannot read `{}`", dir.display()))?;
        if entries.next().is_some() {
            bail!("`{}` is not empty; init only writes into a new or empty folder", dir.display());
        }
    }
    let mut files: Vec<(String, &str)> = vec![
        ("inkproof.yaml".into(), CONFIG),
        ("README.md".into(), README),
        ("content/your-first-guide/index.md".into(), ARTICLE),
        // The built site and the cache of article results are made, not written.
        (".gitignore".into(), "/public/\n/.inkproof-cache/\n"),
    ];
    files.extend(DEFAULT_TEMPLATES.iter().map(|(n, t)| (format!("templates/{n}"), *t)));
    files.extend(DEFAULT_STATIC.iter().map(|(n, t)| (format!("static/{n}"), *t)));
    for (rel, text) in files {
        let path = dir.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create `{}`", parent.display()))?;
        }
        std::fs::write(&path, text)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    Ok(())
}

/// `inkproof new PATH`: an article (`PATH` ends in `.md`) or a page bundle
/// (`PATH/index.md`) with today's date and every front matter field the theme
/// uses, so an author starts from a page that builds. A relative `PATH` outside
/// the content folder is placed inside it. Returns the file written.
pub fn new_article(
    root: &Path,
    content_dir: &Path,
    path: &Path,
    today: chrono::NaiveDate,
) -> anyhow::Result<PathBuf> {
    let in_content = path.is_absolute() || path.starts_with(content_dir);
    let base = if in_content { root.join(path) } else { root.join(content_dir).join(path) };
    let is_file = base.extension().is_some_and(|e| e.eq_ignore_ascii_case("md"));
    let file = if is_file { base.clone() } else { base.join("index.md") };
    if file.exists() {
        bail!("`{}` already exists", file.display());
    }
    let stem = if is_file { base.file_stem() } else { base.file_name() };
    let name = stem.map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let title = title_from(crate::slug::strip_date_prefix(&name));
    if title.is_empty() {
        bail!("`{}` has no name to make a title from", path.display());
    }
    // What the author still has to write is said in comments, YAML and HTML,
    // which are never published: a guide published before it is written
    // shows no placeholder text, and its empty body is reported
    // (`content/empty-body`) instead of going out as an empty step `1.`.
    let text = format!(
        "---\n\
title: {title}\n\
date: {today}\n\
# description: One sentence (50 to 160 characters) on what this guide helps the reader do.\n\
tags: []\n\
categories: []\n\
keywords: []\n\
draft: false\n\
---\n\
\n\
<!--\n\
Replace this comment with the guide. A shape that works:\n\
\n\
## Before you start\n\
\n\
What the reader needs first (an account, a cable, ten minutes).\n\
\n\
## Steps\n\
\n\
1. The first thing the reader does.\n\
2. The next one.\n\
-->\n",
        title = serde_json::Value::from(title.as_str()),
    );
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create `{}`", parent.display()))?;
    }
    std::fs::write(&file, text).with_context(|| format!("cannot write `{}`", file.display()))?;
    Ok(file)
}

/// `my-first_guide` → `My first guide`.
fn title_from(name: &str) -> String {
    let words: Vec<&str> = name.split(['-', '_', ' ']).filter(|w| !w.is_empty()).collect();
    let mut title = words.join(" ");
    if let Some(first) = title.get(..1) {
        title = first.to_uppercase() + &title[1..];
    }
    title
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_article_and_bundle_build_with_todays_date() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let a =
            new_article(root, Path::new("content"), Path::new("reset-a-pin.md"), today).unwrap();
        assert_eq!(a, root.join("content/reset-a-pin.md"));
        let text = std::fs::read_to_string(&a).unwrap();
        assert!(text.contains("title: \"Reset a pin\"\n"), "{text}");
        assert!(text.contains("date: 2026-11-25\n"), "{text}");
        let b = new_article(
            root,
            Path::new("content"),
            Path::new("content/2024-01-02-my_guide"),
            today,
        )
        .unwrap();
        assert_eq!(b, root.join("content/2024-01-02-my_guide/index.md"));
        assert!(std::fs::read_to_string(&b).unwrap().contains("title: \"My guide\"\n"));
        assert!(
            new_article(root, Path::new("content"), Path::new("reset-a-pin.md"), today).is_err()
        );
    }

    /// Everything the template asks the author to write is a comment: the
    /// front matter has no placeholder description and the body renders to
    /// nothing a reader sees.
    #[test]
    fn new_article_placeholders_are_comments() {
        let dir = tempfile::tempdir().unwrap();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let a = new_article(dir.path(), Path::new("content"), Path::new("x.md"), today).unwrap();
        let text = std::fs::read_to_string(&a).unwrap();
        let mut diags = Vec::new();
        let parsed = crate::front_matter::parse(&a, &text, &mut diags).expect("it parses");
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(parsed.meta.description, None);
        let html = {
            let mut out = String::new();
            let parser =
                pulldown_cmark::Parser::new_ext(parsed.body, crate::marks::markdown_options());
            pulldown_cmark::html::push_html(&mut out, parser);
            out
        };
        let shown: String =
            scraper::Html::parse_fragment(&html).root_element().text().collect::<String>();
        assert_eq!(shown.trim(), "", "the reader would see: {html}");
        assert!(text.contains("## Steps") && text.contains("1. The first thing"), "{text}");
    }
}
