//! A whole build in memory, for callers that want every output as a value
//! (tests, benchmarks, tools): the [`Engine`] with no output folder and no
//! cache, run once.

use std::path::PathBuf;

use crate::config::Config;
use crate::engine::{Engine, EngineOptions};
use crate::model::{Build, Output};

/// What to build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Site root (holds `content/`, `templates/`, `static/`, `inkproof.yaml`).
    pub root: PathBuf,
    /// Include articles with `draft: true`.
    pub drafts: bool,
    /// Override `base_url` from the config (the dev server uses its own address).
    pub base_url: Option<String>,
}

/// Runs the whole pipeline in memory. `Err` only when the tool can't go on
/// (unreadable root); problems in the site are in `Build::diagnostics`.
/// Outputs are made even when there are errors, so they can be inspected.
pub fn build(opts: &BuildOptions) -> anyhow::Result<(Config, Build)> {
    let mut engine = Engine::new(EngineOptions {
        root: opts.root.clone(),
        drafts: opts.drafts,
        base_url: opts.base_url.clone(),
        ..EngineOptions::default()
    })?;
    let report = engine.run()?;
    let mut build = Build {
        outputs: engine.outputs().cloned().collect::<Vec<Output>>(),
        diagnostics: engine.diagnostics().to_vec(),
        stats: report.stats,
        ..Build::default()
    };
    for a in engine.articles() {
        let mut a = a.clone();
        a.html = engine.body(&a).unwrap_or_default();
        for s in &a.snippets {
            let users = build.snippet_deps.entry(s.source.clone()).or_default();
            if !users.contains(&a.source) {
                users.push(a.source.clone());
            }
        }
        build.articles.push(a);
    }
    let mut config = engine.config().clone();
    if let Some(url) = &opts.base_url {
        config.base_url.clone_from(url);
    }
    Ok((config, build))
}
