//! Replays the committed fuzz corpus on stable (issue #9): every file under
//! `fuzz/corpus/<target>/`, `fuzz/seeds/<target>/` and `fuzz/regressions/<target>/`
//! goes through the very functions the cargo-fuzz targets call, so CI checks
//! each input the fuzzer ever kept, and every crash it found, without nightly.

use std::path::Path;

use crate::harness::repo_root;

// The fuzz targets share one fixture through `fixture()`; each test here makes
// its own, so that function is unused in this crate.
#[allow(dead_code)]
#[path = "../../fuzz/src/lib.rs"]
mod targets;

use targets::Fixture;

fn replay(target: &str, run: fn(&Fixture, &[u8])) {
    let fx = Fixture::new();
    let mut inputs = 0;
    for kind in ["corpus", "seeds", "regressions"] {
        let dir = repo_root().join("fuzz").join(kind).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let name = path.strip_prefix(repo_root()).unwrap_or(&path).display().to_string();
            // A panic names the input, so the failure can be re-run alone.
            let outcome =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&fx, &data)));
            assert!(outcome.is_ok(), "fuzz input `{name}` fails; re-run: {}", rerun(target, &name));
            inputs += 1;
        }
    }
    assert!(inputs > 0, "no fuzz inputs for `{target}` under fuzz/");
}

fn rerun(target: &str, input: &str) -> String {
    let input =
        Path::new(input).strip_prefix("fuzz").map_or(input.into(), |p| p.display().to_string());
    format!("cd fuzz && cargo +nightly fuzz run {target} {input}")
}

#[test]
fn front_matter_corpus() {
    replay("front_matter", targets::front_matter);
}

#[test]
fn strip_markers_corpus() {
    replay("strip_markers", targets::strip_markers);
}

#[test]
fn strip_elements_corpus() {
    replay("strip_elements", targets::strip_elements);
}

#[test]
fn article_corpus() {
    replay("article", targets::article);
}

#[test]
fn snippet_path_corpus() {
    replay("snippet_path", targets::snippet_path);
}
