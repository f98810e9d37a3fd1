//! The binary: exit codes, the summary line, and the never-lose-the-site rule.

use crate::harness::TestSite;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn good_build_exits_0_with_a_summary() {
    let site = TestSite::fixture("ads");
    let out = site.cli(&["build", "--verbose"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("Built ") && err.contains("stripped 5 ad blocks and 4 ad elements"),
        "{err}"
    );
    assert!(
        err.contains("content/ads-everywhere.md:6: affiliate ads"),
        "--verbose lists blocks with lines:\n{err}"
    );
    assert!(site.root.join("public/ads-everywhere/index.html").is_file());
}

#[test]
fn failed_build_exits_1_and_keeps_the_last_good_site() {
    let site = TestSite::fixture("ads");
    assert_eq!(site.cli(&["build"]).status.code(), Some(0));
    let page = site.root.join("public/ads-everywhere/index.html");
    let before = std::fs::read(&page).unwrap();
    site.write(
        "content/new.md",
        "---\ntitle: Broken\ndate: 2024-01-01\n---\n<!-- affiliate ads begin -->\nnever closed\n",
    );
    site.write("content/bad.md", "---\ntitle: [unclosed\n---\n");
    let out = site.cli(&["build"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("error[ads/unclosed-marker]") && err.contains("--> content/new.md:5:1"),
        "{err}"
    );
    assert!(
        err.contains("content/bad.md:") && err.contains("error[front-matter/invalid-yaml]"),
        "all errors are reported, not only the first:\n{err}"
    );
    assert_eq!(std::fs::read(&page).unwrap(), before, "the previous site was touched");
    assert!(!site.root.join("public/new/index.html").exists());
    let leftovers: Vec<_> = std::fs::read_dir(&site.root)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n != ".inkproof-cache")
        .collect();
    assert!(leftovers.is_empty(), "half-written output left: {leftovers:?}");
}

#[test]
fn unreadable_root_exits_2() {
    let site = TestSite::empty();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_inkproof"))
        .args(["--root", site.root.join("does-not-exist").to_str().unwrap(), "build"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("error: cannot read the content folder"), "{}", stderr(&out));
}

#[test]
fn check_writes_nothing_and_reports() {
    let site = TestSite::fixture("broken");
    let out = site.cli(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!site.root.join("public").exists());
    assert!(stderr(&out).contains("Checked "));
}

#[test]
fn init_scaffolds_a_site_that_builds() {
    let site = TestSite::empty();
    let dir = site.root.join("new-site");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_inkproof"))
        .args(["init", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for f in ["inkproof.yaml", "templates/base.html", "static/style.css"] {
        assert!(dir.join(f).is_file(), "{f} not scaffolded");
    }
    let ignore = std::fs::read_to_string(dir.join(".gitignore")).unwrap();
    assert!(ignore.contains("/.inkproof-cache/") && ignore.contains("/public/"), "{ignore}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_inkproof"))
        .args(["--root", dir.to_str().unwrap(), "build", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(dir.join("public/index.html").is_file());
}

#[test]
fn unwritable_output_exits_2_and_says_why() {
    let site = TestSite::fixture("ads");
    site.write("not-a-folder", "a file where the output folder should be");
    let out = site.cli(&["build", "--output", site.root.join("not-a-folder").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("not-a-folder"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(site.root.join("not-a-folder")).unwrap(),
        "a file where the output folder should be"
    );
}

#[test]
fn a_second_build_writes_nothing_and_keeps_files_it_did_not_make() {
    let site = TestSite::fixture("ads");
    assert_eq!(site.cli(&["build", "--quiet"]).status.code(), Some(0));
    site.write("public/CNAME", "guides.example.org\n");
    let out = site.cli(&["build", "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(" 0 files)"),
        "nothing changed, nothing written: {}",
        stderr(&out)
    );
    // A deleted article's page goes; the author's own file stays.
    std::fs::remove_file(site.root.join("content/ads-everywhere.md")).unwrap();
    let out = site.cli(&["build", "--quiet"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!site.root.join("public/ads-everywhere").exists(), "stale page removed");
    assert!(site.root.join("public/CNAME").is_file(), "a file inkproof did not make was deleted");
}

// Issue 9: `build -o DIR` replaced whatever DIR held.
#[test]
fn a_folder_inkproof_did_not_make_is_refused_unless_forced() {
    let site = TestSite::fixture("ads");
    site.write("../photos/thesis.pdf", "years of work");
    let photos = site.root.join("../photos");
    let out = site.cli(&["build", "--output", photos.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("inkproof did not make it"), "{}", stderr(&out));
    assert!(photos.join("thesis.pdf").is_file());
    let out = site.cli(&["build", "--output", site.root.join("content").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "the content folder is never an output");
    let inside = site.root.join("content/public");
    let out = site.cli(&["build", "--output", inside.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "nor a folder inside it");
    assert!(stderr(&out).contains("refusing"), "{}", stderr(&out));
    let out = site.cli(&["build", "--force", "--output", photos.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(photos.join("index.html").is_file());
}

// Issue 9: the root, a parent of the sources and the home folder are never
// replaced, even with --force (they hold what the build reads, or the user's life).
#[test]
fn the_root_its_parent_and_home_are_refused_even_with_force() {
    let site = TestSite::fixture("ads");
    let home = site.root.join("../home");
    std::fs::create_dir_all(home.join("Documents")).unwrap();
    std::fs::write(home.join("Documents/thesis.pdf"), "years of work").unwrap();
    let parent = site.root.join("..");
    for dir in [&site.root, &parent, &home, &site.root.join("templates")] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_inkproof"))
            .env("HOME", &home)
            .arg("--root")
            .arg(&site.root)
            .args(["build", "--force", "--output", dir.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}: {}", dir.display(), stderr(&out));
        assert!(stderr(&out).contains("refusing"), "{}", stderr(&out));
    }
    assert!(home.join("Documents/thesis.pdf").is_file());
    assert!(site.root.join("content/ads-everywhere.md").is_file());
}

// Issue 9: a `public` that is a symlink to a deploy folder was replaced by a
// real folder. inkproof publishes into the link's target and keeps the link.
#[test]
fn a_symlinked_output_folder_is_published_into_and_stays_a_link() {
    let site = TestSite::fixture("ads");
    let deploy = site.root.join("../deploy");
    std::fs::create_dir_all(&deploy).unwrap();
    std::os::unix::fs::symlink(&deploy, site.root.join("public")).unwrap();
    for round in 0..2 {
        let out = site.cli(&["build"]);
        assert_eq!(out.status.code(), Some(0), "round {round}: {}", stderr(&out));
        let meta = std::fs::symlink_metadata(site.root.join("public")).unwrap();
        assert!(meta.file_type().is_symlink(), "round {round}: the link was replaced");
        assert!(deploy.join("ads-everywhere/index.html").is_file(), "round {round}");
    }
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn validator(schema_path: &str) -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(crate::harness::repo_root().join(schema_path)).unwrap(),
    )
    .unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

#[track_caller]
fn assert_valid(v: &jsonschema::Validator, doc: &serde_json::Value) {
    let errors: Vec<String> =
        v.iter_errors(doc).map(|e| format!("{e} at {}", e.instance_path)).collect();
    assert!(errors.is_empty(), "{errors:#?}\n{doc:#}");
}

/// A site with one error and one warning (both located).
fn faulty() -> TestSite {
    let site = TestSite::empty();
    site.write(
        "content/guide.md",
        "---\ntitle: Guide\ntittle: typo\n---\n[x](javascript:alert(1))\n",
    );
    site
}

#[test]
fn deny_warnings_fails_the_build_and_writes_nothing() {
    // Issue #7: `build --deny-warnings` was rejected as an unknown flag.
    let site = TestSite::empty();
    site.write("content/guide.md", "---\ntitle: Guide\ntittle: typo\n---\nText.\n");
    let out = site.cli(&["build", "--deny-warnings"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("warnings (--deny-warnings)"), "{}", stderr(&out));
    assert!(!site.root.join("public").exists());
    assert_eq!(site.cli(&["build"]).status.code(), Some(0));
}

#[test]
fn check_json_follows_the_documented_schema_and_has_no_files_written() {
    let site = faulty();
    let out = site.cli(&["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_valid(&validator("schemas/findings-v1.schema.json"), &doc);
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["command"], "check");
    // Issue #7: `check` reported `files_written` though it writes nothing.
    assert!(doc["summary"].get("files_written").is_none(), "{doc:#}");
    let ids: Vec<&str> =
        doc["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert!(
        ids.contains(&"link/unsafe-scheme") && ids.contains(&"front-matter/unknown-key"),
        "{ids:?}"
    );
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "link/unsafe-scheme")
        .unwrap();
    assert_eq!(
        (f["path"].as_str(), f["line"].as_u64(), f["col"].as_u64()),
        (Some("content/guide.md"), Some(5), Some(1))
    );
    // `build` adds files_written and still validates.
    let site = TestSite::empty();
    site.write("content/guide.md", "---\ntitle: Guide\n---\nText.\n");
    let out = site.cli(&["build", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_valid(&validator("schemas/findings-v1.schema.json"), &doc);
    assert!(doc["summary"]["files_written"].as_u64().unwrap() > 0);
}

#[test]
fn sarif_output_validates_against_the_official_schema() {
    let out = faulty().cli(&["check", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_valid(&validator("tests/schemas/sarif-schema-2.1.0.json"), &doc);
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let r = results.iter().find(|r| r["ruleId"] == "link/unsafe-scheme").unwrap();
    assert_eq!(r["level"], "error");
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "content/guide.md");
    assert_eq!(
        (loc["region"]["startLine"].as_u64(), loc["region"]["startColumn"].as_u64()),
        (Some(5), Some(1))
    );
    // A result's ruleIndex points at its rule.
    let idx = r["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(doc["runs"][0]["tool"]["driver"]["rules"][idx]["id"], "link/unsafe-scheme");
}

#[test]
fn github_format_prints_annotations() {
    let out = faulty().cli(&["check", "--format", "github"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.lines().any(|l| l
            .starts_with("::error file=content/guide.md,line=5,col=1,title=link/unsafe-scheme::")),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l.starts_with(
            "::warning file=content/guide.md,line=3,col=1,title=front-matter/unknown-key::"
        )),
        "{text}"
    );
}

#[test]
fn human_output_has_no_colour_when_piped_and_a_plural_aware_summary() {
    let site = TestSite::empty();
    site.write("content/guide.md", "---\ntitle: Guide\ndescription: short\n---\nText.\n");
    let out = site.cli(&["check"]);
    let err = stderr(&out);
    assert!(!err.contains('\u{1b}'), "colour in piped output: {err:?}");
    assert!(err.contains("warning[seo/description-length]"), "{err}");
    assert!(err.contains("3 | description: short"), "the source line is shown: {err}");
    // Issue #7: it said "1 pages".
    assert!(err.contains("Checked 1 page (0 articles)"), "{err}");
}

#[test]
fn check_list_names_every_registered_check() {
    let out = TestSite::empty().cli(&["check", "--list"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    for c in inkproof::registry::CHECKS {
        assert!(text.contains(c.id.as_str()), "{} missing from --list", c.id);
    }
}

#[test]
fn schema_command_prints_a_front_matter_schema_editors_can_use() {
    let out = TestSite::empty().cli(&["schema"]);
    assert_eq!(out.status.code(), Some(0));
    let schema: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let v = jsonschema::validator_for(&schema).unwrap();
    let good = serde_json::json!({"title": "T", "date": "2024-01-01", "tags": "one", "draft": "True", "extra": {"team": "x"}});
    assert!(v.is_valid(&good));
    let typo = serde_json::json!({"title": "T", "tittle": "x"});
    assert!(!v.is_valid(&typo), "unknown keys are flagged in the editor");
    assert!(!v.is_valid(&serde_json::json!({"date": "2024-01-01"})), "title is required");
}

// Many articles with the same body share one cached body; the threads that
// rendered them used to race on one temp file ("No such file or directory").
#[test]
fn identical_bodies_are_cached_without_a_race() {
    let site = TestSite::empty();
    // `a-N` and `b-N` share a body: the two halves rayon gives its threads
    // reach the same keys at about the same time.
    for half in ["a", "b"] {
        for i in 0..300 {
            let text = format!("---\ntitle: Note {half} {i}\n---\n\nText {i}.\n");
            site.write(&format!("content/{half}-{i:03}.md"), &text);
        }
    }
    for round in 0..5 {
        std::fs::remove_dir_all(site.root.join(".inkproof-cache")).ok();
        let out = site.cli(&["build", "--quiet"]);
        assert_eq!(out.status.code(), Some(0), "round {round}: {}", stderr(&out));
    }
}

/// Two articles whose shared title holds a line break and a GitHub workflow
/// command, so the duplicate-title finding's message carries both.
fn hostile_title() -> TestSite {
    let site = TestSite::empty();
    let fm = "---\ntitle: \"Reset\\n::error file=evil.md,line=1::pwned\\r\\u001b[2Jx\"\n---\n";
    site.write("content/a.md", &format!("{fm}A.\n"));
    site.write("content/b.md", &format!("{fm}B.\n"));
    site
}

#[test]
fn control_characters_in_messages_are_escaped_in_every_format() {
    let site = hostile_title();
    for format in ["human", "short", "github", "json", "sarif"] {
        let out = site.cli(&["check", "--format", format]);
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert!(
            all.contains("is also the title of"),
            "{format}: no duplicate-title finding: {all}"
        );
        // A line that starts with the title's command would be run by GitHub.
        assert!(
            !all.lines().any(|l| l.trim_start().starts_with("::error file=evil.md")),
            "{format}: the title started a workflow command line:\n{all}"
        );
        assert!(!all.contains(['\r', '\u{1b}']), "{format}: raw CR or ESC in the output: {all:?}");
        match format {
            "human" | "short" | "github" => {
                assert!(all.contains(r"Reset\n::error file=evil.md"), "{format}: {all}");
                assert!(all.contains(r"pwned\r\u{1b}[2Jx"), "{format}: {all}");
            }
            _ => {
                // JSON escapes them itself; the message reads back exactly as written.
                let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
                let text = doc.to_string();
                assert!(text.contains(r"Reset\n::error file=evil.md"), "{format}: {text}");
            }
        }
    }
}

// Issue 21: on a gh-pages checkout, --force deleted CNAME and all of .git/,
// without saying what it would remove.
#[test]
fn force_lists_what_it_takes_and_keeps_git_cname_and_dot_folders() {
    let site = TestSite::fixture("ads");
    let pages = site.root.join("../gh-pages");
    for (p, text) in [
        (".git/HEAD", "ref: refs/heads/gh-pages\n"),
        (".git/objects/ab/cdef", "blob"),
        (".well-known/security.txt", "Contact: x"),
        ("CNAME", "guides.example.org\n"),
        (".nojekyll", ""),
        ("old-guide/index.html", "<p>old</p>"),
    ] {
        site.write(&format!("../gh-pages/{p}"), text);
    }
    let out = site.cli(&["build", "--force", "--output", pages.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("old-guide/index.html"), "--force lists what it may delete: {err}");
    assert!(err.contains(".git/") && err.contains("CNAME"), "and what it keeps: {err}");
    for kept in
        [".git/HEAD", ".git/objects/ab/cdef", ".well-known/security.txt", "CNAME", ".nojekyll"]
    {
        assert!(pages.join(kept).is_file(), "{kept} was deleted");
    }
    assert!(!pages.join("old-guide").exists(), "the listed stale page goes");
    assert!(pages.join("ads-everywhere/index.html").is_file());
    // The next build (no --force) keeps them too: they are not in the manifest.
    std::fs::remove_file(site.root.join("content/ads-everywhere.md")).unwrap();
    let out = site.cli(&["build", "--output", pages.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(pages.join("CNAME").is_file() && pages.join(".git/HEAD").is_file());
}

/// The current account's home folder from the account database (/etc/passwd).
fn account_home() -> Option<std::path::PathBuf> {
    let uid =
        String::from_utf8(std::process::Command::new("id").arg("-u").output().ok()?.stdout).ok()?;
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find_map(|f| (f.len() > 5 && f[2] == uid.trim()).then(|| std::path::PathBuf::from(f[5])))
}

// Issue 21: with HOME unset, `-o ~` (the shell expands it from the account
// database) was not known as the home folder. Run without --force, so a
// failure can't wipe the folder: the refusal must be the "never an output" one.
#[test]
fn the_home_folder_is_refused_when_home_is_unset() {
    let site = TestSite::fixture("ads");
    let Some(home) = account_home().filter(|h| h.is_dir()) else {
        eprintln!("SKIPPED the_home_folder_is_refused_when_home_is_unset: this account has no home folder in /etc/passwd");
        return;
    };
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_inkproof"))
        .env_remove("HOME")
        .arg("--root")
        .arg(&site.root)
        .args(["build", "--output", home.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("which is not the build's"), "{}", stderr(&out));
}

// Issue 21: `-o .inkproof-cache --force` replaced the cache with the site.
#[test]
fn the_cache_folder_is_never_an_output() {
    let site = TestSite::fixture("ads");
    assert_eq!(site.cli(&["build", "--quiet"]).status.code(), Some(0));
    let cache = site.root.join(".inkproof-cache");
    let before: Vec<_> =
        walkdir::WalkDir::new(&cache).into_iter().flatten().map(|e| e.into_path()).collect();
    let out = site.cli(&["build", "--force", "--output", cache.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("refusing"), "{}", stderr(&out));
    let after: Vec<_> =
        walkdir::WalkDir::new(&cache).into_iter().flatten().map(|e| e.into_path()).collect();
    assert_eq!(before, after, "the cache was touched");
}

// Issue 21: a cache folder that can't be used made every build exit 2; the
// docs say it is ignored with a note.
#[test]
fn an_unusable_cache_folder_is_a_note_and_the_build_goes_on() {
    let site = TestSite::fixture("ads");
    let cache = site.root.join(".inkproof-cache");
    // A file in its place.
    std::fs::write(&cache, "not a folder").unwrap();
    let out = site.cli(&["build"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("note: the cache folder"), "{}", stderr(&out));
    assert!(site.root.join("public/ads-everywhere/index.html").is_file());
    assert_eq!(std::fs::read_to_string(&cache).unwrap(), "not a folder");
    // An unreadable folder.
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::remove_file(&cache).unwrap();
    std::fs::create_dir_all(cache.join("bodies")).unwrap();
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read_dir(&cache).is_ok() {
        eprintln!("SKIPPED the unreadable-cache half of an_unusable_cache_folder_is_a_note: running as root, which reads folders whatever their permission bits say");
    } else {
        std::fs::remove_dir_all(site.root.join("public")).unwrap();
        let out = site.cli(&["build"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stderr(&out).contains("note: the cache folder"), "{}", stderr(&out));
        assert!(site.root.join("public/ads-everywhere/index.html").is_file());
    }
    let _ = std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o755));
}
