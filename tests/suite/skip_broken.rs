//! `build --skip-broken` (issue 23 §3): the good guides are published while
//! the broken ones are left out and listed, with exit code 3; errors that
//! are not an article's own still stop everything.

use std::path::Path;

use crate::harness::{texts, TestSite};

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Two good guides (one links to a broken one) and two broken ones: an
/// unclosed fence in the body, and front matter that is not YAML. The
/// broken ones carry words found nowhere else, to look for in the output.
fn mixed_site() -> TestSite {
    let site = TestSite::empty();
    site.write(
        "content/good-one.md",
        "---\ntitle: Reset the print spooler\ndate: 2024-03-01T10:00:00Z\ntags: [windows]\n---\n\nStop the service first.\n\nThen see [the fence guide](broken-fence.md).\n",
    );
    site.write(
        "content/good-two.md",
        "---\ntitle: Clear the update cache\ndate: 2024-03-02T10:00:00Z\ntags: [windows]\n---\n\nDelete the folder.\n",
    );
    site.write(
        "content/broken-fence.md",
        "---\ntitle: Zebrafence troubleshooting\ndate: 2024-03-03T10:00:00Z\ntags: [windows]\n---\n\nRun this:\n\n```powershell\nGet-Item Zebrafence\n",
    );
    site.write(
        "content/broken-front.md",
        "---\ntitle: [Quokkafront\ndate: 2024-03-04T10:00:00Z\n---\n\nQuokkafront words.\n",
    );
    site
}

/// Every output file, by its path in the output folder.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

/// The output files whose bytes contain `word`.
fn files_with(dir: &Path, word: &str) -> Vec<String> {
    files(dir)
        .into_iter()
        .filter(|(_, b)| b.windows(word.len()).any(|w| w == word.as_bytes()))
        .map(|(p, _)| p)
        .collect()
}

#[test]
fn skip_broken_publishes_the_good_guides_lists_the_broken_ones_and_exits_3() {
    let site = mixed_site();
    let out = site.cli(&["build", "--skip-broken"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    let public = site.root.join("public");
    for good in ["good-one", "good-two"] {
        assert!(public.join(good).join("index.html").is_file(), "{good} not written: {err}");
    }
    for broken in ["broken-fence", "broken-front"] {
        assert!(!public.join(broken).exists(), "{broken} was written");
    }
    // Not on any page, list, feed, search index or sitemap either.
    for word in ["Zebrafence", "Quokkafront"] {
        assert_eq!(files_with(&public, word), Vec::<String>::new(), "{word} was published");
    }
    // The good guides are in the lists: the tag page shows both, and only them.
    let tag = std::fs::read_to_string(public.join("tags/windows/index.html")).unwrap();
    let mut cards = texts(&scraper::Html::parse_document(&tag), "main h2 a, main h3 a");
    cards.sort();
    assert_eq!(cards, ["Clear the update cache", "Reset the print spooler"], "{tag}");
    // The errors are shown where they are, then the list of what was left out.
    assert!(err.contains("content/broken-fence.md:9:1"), "{err}");
    let list = err.split("Left out 2 broken articles:\n").nth(1).unwrap_or_else(|| panic!("{err}"));
    let lines: Vec<&str> = list.lines().take(2).collect();
    assert_eq!(
        lines,
        [
            "  content/broken-fence.md (structure/unclosed-fence)",
            "  content/broken-front.md (front-matter/invalid-yaml)"
        ],
        "{err}"
    );
    assert!(err.contains("Built "), "{err}");
}

#[test]
fn a_link_to_a_left_out_guide_is_a_broken_link_on_the_linking_page() {
    let site = mixed_site();
    let out = site.cli(&["build", "--skip-broken", "--format", "json"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            crate::harness::repo_root().join("schemas/findings-v1.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}\n{doc:#}");
    let broken: Vec<_> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "link/broken")
        .map(|f| (f["path"].as_str().unwrap(), f["line"].as_u64(), f["col"].as_u64()))
        .collect();
    assert_eq!(broken, [("content/good-one.md", Some(9), Some(10))], "{doc:#}");
    assert_eq!(
        doc["skipped"],
        serde_json::json!([
            { "path": "content/broken-fence.md", "ids": ["structure/unclosed-fence"] },
            { "path": "content/broken-front.md", "ids": ["front-matter/invalid-yaml"] },
        ]),
        "{doc:#}"
    );
    // Without skipping, the same link is fine: the guide is published.
    site.write("content/broken-fence.md", "---\ntitle: Fixed fence\n---\n\nFixed.\n");
    site.write("content/broken-front.md", "---\ntitle: Fixed front\n---\n\nFixed.\n");
    let out = site.cli(&["build", "--skip-broken", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["skipped"], serde_json::json!([]), "{doc:#}");
    assert!(!doc["findings"].as_array().unwrap().iter().any(|f| f["id"] == "link/broken"));
}

#[test]
fn without_skip_broken_a_broken_guide_stops_the_build_as_before() {
    let site = mixed_site();
    let out = site.cli(&["build"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!site.root.join("public").exists(), "{err}");
    assert!(!err.contains("Left out"), "{err}");
    assert!(err.contains("content/broken-fence.md:9:1"), "{err}");
}

#[test]
fn publish_skip_broken_in_the_config_does_what_the_flag_does() {
    let site = mixed_site();
    site.write("inkproof.yaml", "publish:\n  skip_broken: true\n");
    let out = site.cli(&["build"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(site.root.join("public/good-two/index.html").is_file());
    assert!(!site.root.join("public/broken-fence").exists());
    // `check` reports, it does not publish: errors are errors there.
    assert_eq!(site.cli(&["check"]).status.code(), Some(1));
}

#[test]
fn a_template_error_still_stops_everything_with_skip_broken() {
    let site = mixed_site();
    site.write(
        "templates/article.html",
        "{% extends \"base.html\" %}\n{% block main %}\n<p>ok</p>\n{% if page %}\n{% endblock main %}\n",
    );
    let out = site.cli(&["build", "--skip-broken"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("template/invalid"), "{err}");
    assert!(!site.root.join("public").exists(), "{err}");
    assert!(!err.contains("Left out"), "{err}");
}

#[test]
fn an_error_the_site_made_a_warning_leaves_no_guide_out() {
    // Severities from `checks:` are applied before deciding: the fence is
    // a warning here, so that guide is published; the other is still out.
    let site = mixed_site();
    site.write("inkproof.yaml", "checks:\n  structure/unclosed-fence: warning\n");
    let out = site.cli(&["build", "--skip-broken"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(site.root.join("public/broken-fence/index.html").is_file(), "{err}");
    assert!(err.contains("Left out 1 broken article:\n  content/broken-front.md"), "{err}");
    // So does accepting the error by its id in inkproof-suppressions.json.
    let site = mixed_site();
    let out = site.cli(&["check", "--suppress", "structure/unclosed-fence"]);
    assert!(site.root.join("inkproof-suppressions.json").is_file(), "{}", stderr(&out));
    let out = site.cli(&["build", "--skip-broken"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(site.root.join("public/broken-fence/index.html").is_file(), "{err}");
    assert!(err.contains("Left out 1 broken article:\n  content/broken-front.md"), "{err}");
    // An inkproof-ignore comment on the fence line does the same.
    let site = mixed_site();
    site.write("content/broken-front.md", "---\ntitle: Fine\n---\n\nFine.\n");
    site.write(
        "content/broken-fence.md",
        "---\ntitle: Zebrafence troubleshooting\n---\n\n<!-- inkproof-ignore structure/unclosed-fence -->\n```powershell\nGet-Item Zebrafence\n",
    );
    let out = site.cli(&["build", "--skip-broken"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(site.root.join("public/broken-fence/index.html").is_file());
}

#[test]
fn a_left_out_guide_takes_no_url_but_two_good_guides_at_one_url_stop_the_build() {
    // The broken guide would collide with a good one: left out, it takes
    // no URL, as a draft takes none, and the good one is published there.
    let site = TestSite::empty();
    site.write("content/a.md", "---\ntitle: Good\nslug: same\n---\n\nGood text.\n");
    site.write("content/b.md", "---\ntitle: Bad\nslug: same\n---\n\n```sh\nZebrafence\n");
    let out = site.cli(&["build", "--skip-broken"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(!err.contains("slug/collision"), "{err}");
    let page = std::fs::read_to_string(site.root.join("public/same/index.html")).unwrap();
    assert!(page.contains("Good text."), "{page}");
    // Two good guides at one URL: neither is at fault alone, so the build stops.
    site.write("content/b.md", "---\ntitle: Also good\nslug: same\n---\n\nFixed.\n");
    let out = site.cli(&["build", "--skip-broken"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("slug/collision"), "{err}");
}
