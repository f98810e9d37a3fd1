//! Adopting inkproof on a big pasted site (issue 23): a report a person can
//! read at thousands of findings, narrowed on request, and known findings
//! accepted once.

use crate::harness::TestSite;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// 30 guides with 10 screenshots each and no alt text (300 warnings), one
/// broken link in guide 3, and one guide whose code fence is never closed
/// (an error).
fn pasted_site() -> TestSite {
    let site = TestSite::empty();
    site.write(
        "inkproof.yaml",
        "title: Pasted\nbase_url: https://example.org\ndescription: Guides pasted from other sites.\n",
    );
    for i in 0..30 {
        let mut body = format!(
            "---\ntitle: Guide {i}\ndate: 2024-01-01\ndescription: How to fix thing number {i} on Windows, step by step, with screenshots of each step.\n---\n\nIntro.\n\n"
        );
        for s in 0..10 {
            body.push_str(&format!(
                "{}. Click **Next**.\n\n   ![](https://example.org/shot-{i}-{s}.png)\n\n",
                s + 1
            ));
        }
        if i == 3 {
            body.push_str("See [the other guide](/missing-guide/).\n");
        }
        site.write(&format!("content/guide-{i:02}.md"), &body);
    }
    site.write(
        "content/broken.md",
        "---\ntitle: Broken\ndate: 2024-01-01\ndescription: A guide whose code block never ends, so the rest of the page turns into code for readers.\n---\n\n```powershell\nGet-Item x\n",
    );
    site
}

/// The `warning[...]` / `error[...]` headings the human report lists in detail.
fn listed(err: &str, kind: &str) -> usize {
    err.lines().filter(|l| l.starts_with(&format!("{kind}["))).count()
}

#[test]
fn a_big_report_lists_errors_and_the_first_warnings_then_an_overview_and_how_to_see_the_rest() {
    let site = pasted_site();
    let out = site.cli(&["check"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(listed(&err, "error"), 1, "errors are always listed:\n{err}");
    assert_eq!(listed(&err, "warning"), 199, "200 findings in detail by default");
    let overview = &err[err.find("Findings by check:").expect("an overview")..];
    let alt_row = overview.lines().find(|l| l.contains("image/missing-alt")).unwrap();
    assert!(
        alt_row.contains("300") && alt_row.contains("first in content/guide-00.md"),
        "{alt_row}"
    );
    let error_row = overview.lines().nth(1).unwrap();
    assert!(
        error_row.contains("error") && error_row.contains("structure/unclosed-fence"),
        "errors first: {overview}"
    );
    assert!(overview.contains("Files with most findings:"), "{overview}");
    assert!(err.contains("102 more warnings not listed"), "{err}");
    assert!(err.contains("--max-findings 0") && err.contains("--only ID"), "{err}");
    assert!(err.lines().last().unwrap().contains("301 warnings, 1 error"), "{err}");
    // The whole overview and the summary fit a terminal.
    assert!(overview.lines().count() < 30, "{overview}");

    let all = site.cli(&["check", "--max-findings", "0"]);
    assert_eq!(listed(&stderr(&all), "warning"), 301);
}

#[test]
fn only_and_paths_narrow_the_report_and_the_exit_code() {
    let site = pasted_site();
    let out = site.cli(&["check", "--only", "link/broken"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "the error is outside what was asked:\n{err}");
    assert_eq!(listed(&err, "warning"), 1, "{err}");
    assert!(err.contains("warning[link/broken]") && err.contains("content/guide-03.md"), "{err}");
    assert!(
        err.contains("1 warning, 0 errors") && err.contains("301 other findings not shown"),
        "{err}"
    );

    let out = site.cli(&["check", "--only", "image/*,structure/unclosed-fence"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("300 warnings, 1 error"), "{err}");

    // A path as the shell completes it from the site root, or from elsewhere.
    let file = site.root.join("content/guide-03.md");
    let out = site.cli(&["check", file.to_str().unwrap(), "--max-findings", "0"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(listed(&err, "warning"), 11, "{err}");
    assert!(!err.contains("guide-04"), "{err}");
    let out = site.cli(&["check", "content/broken.md"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(listed(&stderr(&out), "warning"), 0);
}

#[test]
fn a_misspelt_only_id_or_a_missing_path_is_a_usage_error_with_a_suggestion() {
    let site = pasted_site();
    let out = site.cli(&["check", "--only", "link/brokn"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("did you mean `link/broken`?"), "{}", stderr(&out));
    let out = site.cli(&["check", "content/nope.md"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`content/nope.md` is not a file or folder of the site"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn known_findings_accepted_once_leave_only_what_breaks_later() {
    let site = pasted_site();
    // --suppress-all takes every warning, never an error.
    let out = site.cli(&["check", "--suppress-all"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("Accepted 301 known findings in inkproof-suppressions.json"), "{err}");
    assert_eq!((listed(&err, "error"), listed(&err, "warning")), (1, 0), "{err}");
    let file: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(site.root.join("inkproof-suppressions.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(file["files"]["content/guide-00.md"]["image/missing-alt"]["count"], 10);
    assert!(file["files"]["content/broken.md"].is_null(), "{file}");
    // The error is accepted only by naming it.
    let out = site.cli(&["check", "--suppress", "structure/unclosed-fence"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = site.cli(&["check"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!((listed(&err, "error"), listed(&err, "warning")), (0, 0), "{err}");
    assert!(err.contains("0 warnings, 0 errors · 302 known, suppressed"), "{err}");

    // One new broken link, in a file with known findings, lines moved: only it is listed.
    let guide = site.root.join("content/guide-05.md");
    let text = std::fs::read_to_string(&guide).unwrap();
    let text = text.replace("Intro.", "Intro.\n\nFirst see [setup](/no-such-setup/).\n");
    std::fs::write(&guide, text).unwrap();
    let out = site.cli(&["check"]);
    let err = stderr(&out);
    assert_eq!(listed(&err, "warning"), 1, "{err}");
    assert!(
        err.contains("link `/no-such-setup/`") && err.contains("content/guide-05.md:9:11"),
        "{err}"
    );

    // A fixed finding makes the file prunable, and pruning lowers the count.
    let first = site.root.join("content/guide-00.md");
    let text = std::fs::read_to_string(&first).unwrap();
    std::fs::write(&first, text.replacen("![](", "![Step one](", 1)).unwrap();
    let err = stderr(&site.cli(&["check"]));
    assert!(err.contains("note: 1 accepted findings no longer occur"), "{err}");
    let out = site.cli(&["check", "--prune-suppressions"]);
    assert!(stderr(&out).contains("Accepted 301 known findings"), "{}", stderr(&out));
    assert!(!stderr(&site.cli(&["check"])).contains("no longer occur"));

    // CI formats mark known findings as such.
    let out = site.cli(&["check", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    let known = findings.iter().filter(|f| f["suppressed"] == true).count();
    assert_eq!((known, findings.len() - known), (301, 1));
    assert_eq!(doc["summary"]["suppressed"], 301);
    let out = site.cli(&["check", "--format", "sarif"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let known = results.iter().filter(|r| r["suppressions"][0]["kind"] == "external").count();
    assert_eq!((known, results.len()), (301, 302));

    // `build` reads the file too: the accepted error does not stop it.
    let out = site.cli(&["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("301 known, suppressed"), "{}", stderr(&out));
}

#[test]
fn a_broken_suppressions_file_is_a_located_error() {
    let site = pasted_site();
    site.write(
        "inkproof-suppressions.json",
        "{\n  \"version\": 1,\n  \"files\": {\n    \"content/guide-00.md\": { \"image/missing-alt\": { \"cont\": 10 } }\n  }\n}\n",
    );
    let out = site.cli(&["check"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("error[config/invalid]") && err.contains("inkproof-suppressions.json:4:"),
        "{err}"
    );
    assert!(err.contains("unknown field `cont`"), "{err}");
}
