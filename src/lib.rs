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
pub mod report;
pub mod cli;
pub mod corpus;
pub mod init;
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

    /// The order of `pub mod` lines in lib.rs is the order a build meets the
    /// modules, and it is true: outside its tests, a module names only
    /// modules listed above it. So there is no cycle, and nothing points back
    /// up the stages (`scripts/import_graph.py` draws the whole graph).
    #[test]
    fn every_module_imports_only_modules_listed_above_it_in_lib_rs() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
        let order: Vec<&str> = lib
            .lines()
            .filter_map(|l| l.trim().strip_prefix("pub mod ")?.strip_suffix(';'))
            .collect();
        assert!(order.len() > 30, "{order:?}");
        let mut wrong = Vec::new();
        for entry in walkdir::WalkDir::new(&src) {
            let entry = entry.unwrap();
            let rel = entry.path().strip_prefix(&src).unwrap();
            if entry.path().extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let first = rel.components().next().unwrap().as_os_str().to_string_lossy();
            let module = first.trim_end_matches(".rs");
            let Some(at) = order.iter().position(|m| *m == module) else { continue };
            let text = std::fs::read_to_string(entry.path()).unwrap();
            let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or_default();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                for (i, _) in code.match_indices("crate::") {
                    let rest = &code[i + "crate::".len()..];
                    let names: Vec<&str> = match rest.strip_prefix('{') {
                        Some(group) => group.split([',', '}']).map(|s| s.trim()).collect(),
                        None => vec![rest],
                    };
                    for name in names {
                        let name: String = name
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect();
                        let target = order.iter().position(|m| *m == name);
                        if target.is_some_and(|t| t > at) {
                            wrong.push(format!("{}:{}: {module} -> {name}", rel.display(), n + 1));
                        }
                    }
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "modules naming modules listed below them in lib.rs:\n{}",
            wrong.join("\n")
        );
    }
}
