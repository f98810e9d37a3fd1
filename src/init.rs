//! `inkproof init DIR`: scaffolds a site that builds as is: a config, one
//! article in the reference shape, and the default theme's templates and static
//! files (the same ones built into the binary), ready to be edited.

use std::path::Path;

use anyhow::{bail, Context as _};

use crate::render::{DEFAULT_STATIC, DEFAULT_TEMPLATES};

const CONFIG: &str = "\
# inkproof site config. Every key is optional; see the README for all of them.
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

Run `inkproof build` and open `public/index.html`.
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
