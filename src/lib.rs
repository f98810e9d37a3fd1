//! inkproof: a static site generator for how-to guides that proofs as you write.
//!
//! Modules are listed in the order a build meets them: each imports only
//! modules above it, and no two import each other (`python3
//! scripts/import_graph.py --order --no-tests` re-derives this order and
//! fails on a cycle). An article still goes
//! `load → article (front_matter → strip → markdown + highlight, snippet) →
//! render → write → check`; the [`engine`] drives them for `build`, `check`
//! and `serve` alike.
#![warn(clippy::print_stdout, clippy::print_stderr)]

// Shared leaves: import no other module of the crate, so any stage may use
// them without the stages importing each other.
pub mod registry;
pub mod escape;
pub mod fingerprint;
pub mod href;
pub mod marks;
pub mod size;
pub mod text;
pub mod theme;
pub mod yaml;

// Shared types, built only on the leaves (`diag` on the check registry).
pub mod diag;
pub mod model;
pub mod suggest;
pub mod baseline;
pub mod limits;
pub mod slug;
pub mod permalink;

// Stages outside the knot.
pub mod front_matter;
pub mod strip;
pub mod highlight;
pub mod sanitize;
// Reader-facing outputs the render stage calls (issue 8).
pub mod og_image;
pub mod assets;
pub mod feeds;
pub mod search;
pub mod store;
pub mod write;

// The config, the loader and the checks (the check ids a site names in
// `checks:` are validated by `check`, not by `config`, so config stays below it).
pub mod config;
pub mod load;
pub mod snippet;
pub mod check;

// Stages after the knot.
pub mod markdown;
pub mod render;
pub mod article;

// Drivers.
pub mod engine;
pub mod pipeline;
pub mod serve;
pub mod cli;
pub mod corpus;
pub mod init;
pub mod report;
pub mod schema;

pub use pipeline::{build, BuildOptions};

/// The shared leaves stay leaves: one `use crate::render` in `theme` would
/// quietly bring back the circle they were split out to break.
#[cfg(test)]
mod layering {
    use std::path::Path;

    #[test]
    fn shared_leaves_import_no_other_module_of_the_crate() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let leaves =
            ["escape", "fingerprint", "href", "marks", "registry", "size", "text", "theme", "yaml"];
        let mut found = Vec::new();
        for leaf in leaves {
            let path = src.join(format!("{leaf}.rs"));
            let text = std::fs::read_to_string(&path).expect("a shared leaf is one file");
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                if code.contains("crate::") {
                    found.push(format!("src/{leaf}.rs:{}: {}", n + 1, line.trim()));
                }
            }
        }
        assert!(found.is_empty(), "shared leaves import the crate:\n{}", found.join("\n"));
    }
}
