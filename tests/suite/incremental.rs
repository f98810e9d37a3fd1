//! Incremental equals clean: long seeded sequences of edits to a site, and
//! after every step three builds must agree byte for byte and finding for
//! finding:
//! - a warm engine kept across steps and told which files changed (`serve`),
//! - a fresh engine reusing the persistent cache and the last output (`build`),
//! - a clean build: no cache, an empty output folder.
//!
//! A failure names the seed and the step; `INKPROOF_SEED=N` replays one seed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use inkproof::engine::{Engine, EngineOptions, SkipBroken};

/// A small deterministic generator (xorshift), so a seed replays exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const TAGS: &[&str] = &["windows", "powershell", "accounts", "backup", "Windows 11"];

struct Site {
    root: PathBuf,
    /// Articles by file (relative to content/), for picking one to edit.
    articles: Vec<String>,
    counter: usize,
}

impl Site {
    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    fn article_text(&mut self, rng: &mut Rng, title: &str) -> String {
        self.counter += 1;
        let day = 1 + rng.below(27);
        let tags: Vec<&str> = (0..1 + rng.below(3)).map(|_| TAGS[rng.below(TAGS.len())]).collect();
        let link = match self.articles.get(rng.below(self.articles.len() + 1)) {
            Some(other) => format!("See [another guide](/{other}#step-2).\n\n"),
            None => String::new(),
        };
        let snippet = if rng.below(3) == 0 {
            "```snippet snippets/shared.ps1 title=\"Shared check\"\nRun it.\n```\n\n"
        } else {
            ""
        };
        // Some name a static image that a step adds and removes, so the
        // `front-matter/thumbnail` warning comes and goes with `static/`.
        let thumbnail = if rng.below(3) == 0 { "thumbnail: /img/thumb.png\n" } else { "" };
        // And some show a static image whose size goes in the page.
        let chart = if rng.below(3) == 0 { "![Chart](/img/chart.svg)\n\n" } else { "" };
        format!(
            "---\ntitle: \"{title}\"\ndate: 2024-03-{day:02}T10:00:00Z\n{thumbnail}tags: [{}]\ncategories: [Guides]\ndescription: A generated guide number {n} for the incremental test.\n---\n\nIntro paragraph {n}.\n\n## Step 1\n\nDo the first thing.\n\n{chart}## Step 2\n\n{link}{snippet}<!-- affiliate ads begin -->\nBuy things.\n<!-- affiliate ads end -->\n\n```powershell\nGet-Item C:\\\\ # {n}\n```\n",
            tags.join(", "),
            n = self.counter
        )
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// Every file of an output folder (the manifest aside: it records keys, not content).
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    if !dir.exists() {
        return out;
    }
    for e in walkdir::WalkDir::new(dir).min_depth(1) {
        let e = e.unwrap();
        // The manifest and the lock of an engine that is still open are the
        // build's own bookkeeping, not the site.
        let name = e.file_name();
        if e.file_type().is_file()
            && name != inkproof::write::MANIFEST
            && name != inkproof::write::LOCK
        {
            out.insert(
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            );
        }
    }
    out
}

fn diff(a: &BTreeMap<PathBuf, Vec<u8>>, b: &BTreeMap<PathBuf, Vec<u8>>) -> String {
    let mut out = String::new();
    for (p, bytes) in a {
        match b.get(p) {
            None => out.push_str(&format!("  only in incremental: {}\n", p.display())),
            Some(other) if other != bytes => out.push_str(&format!("  differs: {}\n", p.display())),
            _ => {}
        }
    }
    for p in b.keys() {
        if !a.contains_key(p) {
            out.push_str(&format!("  only in clean: {}\n", p.display()));
        }
    }
    out
}

fn options(root: &Path, out: &Path, cache: Option<PathBuf>) -> EngineOptions {
    EngineOptions {
        root: root.to_path_buf(),
        output: Some(out.to_path_buf()),
        cache_dir: cache,
        ..EngineOptions::default()
    }
}

/// With `skip`, every build leaves broken articles out (`--skip-broken`)
/// and the break steps also break bodies (an unclosed fence), so articles
/// leave the site and come back as they break and are fixed.
fn run_seed(seed: u64, steps: usize, skip: bool) {
    let skip_broken = if skip { SkipBroken::On } else { SkipBroken::Off };
    let options = |root: &Path, out: &Path, cache: Option<PathBuf>| EngineOptions {
        skip_broken,
        ..options(root, out, cache)
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    let repo = super::harness::repo_root();
    copy_tree(&repo.join("templates"), &root.join("templates"));
    copy_tree(&repo.join("static"), &root.join("static"));
    let mut site = Site { root: root.clone(), articles: Vec::new(), counter: 0 };
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    // Two cards a page: home and term lists are paginated, and the search
    // page (every guide, unpaginated) is rendered ahead of the other pages.
    site.write(
        "inkproof.yaml",
        "title: Incremental\nbase_url: https://guides.example.org\npaginate_by: 2\n",
    );
    site.write("content/snippets/shared.ps1", "Write-Output 'shared v0'\n");
    for k in 0..5 {
        let rel = if k % 2 == 0 { format!("guide-{k}/index.md") } else { format!("guide-{k}.md") };
        let text = site.article_text(&mut rng, &format!("Guide {k}"));
        site.write(&format!("content/{rel}"), &text);
        if k % 2 == 0 {
            site.write(
                &format!("content/guide-{k}/shot.svg"),
                "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            );
        }
        site.articles.push(rel);
    }

    let out_warm = dir.path().join("warm");
    let out_cached = dir.path().join("cached");
    let mut warm =
        Engine::new(options(&root, &out_warm, Some(dir.path().join("cache-warm")))).unwrap();
    warm.run().unwrap();
    let mut last_good = BTreeMap::new();
    // Steps where articles were left out and the rest was written.
    let mut published_without_some = 0;

    for step in 0..steps {
        let mut changed: Vec<PathBuf> = Vec::new();
        let what = match rng.below(12) {
            0 | 1 => {
                let rel = site.articles[rng.below(site.articles.len())].clone();
                let p = root.join("content").join(&rel);
                let mut text = std::fs::read_to_string(&p).unwrap_or_default();
                text.push_str(&format!("\nAn added paragraph at step {step}.\n"));
                changed.push(site.write(&format!("content/{rel}"), &text));
                format!("edit body of {rel}")
            }
            2 => {
                let rel = site.articles[rng.below(site.articles.len())].clone();
                let text = site.article_text(&mut rng, &format!("Retitled {step}"));
                changed.push(site.write(&format!("content/{rel}"), &text));
                format!("new title, date and tags for {rel}")
            }
            3 => {
                let rel = site.articles[rng.below(site.articles.len())].clone();
                let p = root.join("content").join(&rel);
                let text = std::fs::read_to_string(&p).unwrap_or_default();
                let text =
                    text.replacen("---\ntitle", &format!("---\nslug: moved-{step}\ntitle"), 1);
                changed.push(site.write(&format!("content/{rel}"), &text));
                format!("new slug for {rel}")
            }
            4 => {
                let bundle = rng.below(2) == 0;
                let rel =
                    if bundle { format!("new-{step}/index.md") } else { format!("new-{step}.md") };
                let text = site.article_text(&mut rng, &format!("New {step}"));
                changed.push(site.write(&format!("content/{rel}"), &text));
                if bundle {
                    changed.push(site.write(
                        &format!("content/new-{step}/pic.svg"),
                        "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect/></svg>",
                    ));
                }
                site.articles.push(rel.clone());
                format!("add {rel}")
            }
            5 if site.articles.len() > 2 => {
                let rel = site.articles.remove(rng.below(site.articles.len()));
                let p = root.join("content").join(&rel);
                if rel.ends_with("/index.md") {
                    let d = p.parent().unwrap().to_path_buf();
                    std::fs::remove_dir_all(&d).unwrap();
                    changed.push(d);
                } else {
                    std::fs::remove_file(&p).unwrap();
                    changed.push(p);
                }
                format!("delete {rel}")
            }
            6 => {
                changed.push(site.write(
                    "content/snippets/shared.ps1",
                    &format!("Write-Output 'shared v{step}'\n"),
                ));
                "edit the shared snippet".into()
            }
            7 => {
                let p = root.join("templates/base.html");
                let text = std::fs::read_to_string(&p)
                    .unwrap()
                    .replace("</body>", &format!("<!-- t{step} --></body>"));
                changed.push(site.write("templates/base.html", &text));
                "edit a template".into()
            }
            8 => {
                let p = root.join("static/style.css");
                let mut text = std::fs::read_to_string(&p).unwrap();
                text.push_str(&format!("\n/* step {step} */\n"));
                changed.push(site.write("static/style.css", &text));
                "edit a static file".into()
            }
            9 => {
                let (p, chart) =
                    (root.join("static/img/thumb.png"), root.join("static/img/chart.svg"));
                if p.exists() {
                    for p in [p, chart] {
                        std::fs::remove_file(&p).unwrap();
                        changed.push(p);
                    }
                    "remove the static thumbnail and chart".into()
                } else {
                    changed.push(site.write("static/img/thumb.png", &format!("png {step}")));
                    changed.push(site.write(
                        "static/img/chart.svg",
                        &format!(
                            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"9\"/>",
                            10 + step
                        ),
                    ));
                    "add the static thumbnail and chart".into()
                }
            }
            10 => {
                // Term pages, search and feeds: each on in most steps, and
                // switched off and on again over a sequence.
                let mut on = || rng.below(4) != 0;
                let (tax, search, feeds) = (on(), on(), on());
                changed.push(site.write(
                    "inkproof.yaml",
                    &format!(
                        "title: Incremental {step}\nbase_url: https://guides.example.org\n\
                         paginate_by: {}\ntaxonomies: {tax}\nsearch: {search}\nfeeds: {feeds}\n",
                        2 + step % 2
                    ),
                ));
                format!("edit the config (taxonomies {tax}, search {search}, feeds {feeds})")
            }
            _ if skip && rng.below(2) == 0 => {
                // Break one article's body; a later new text fixes it.
                let rel = site.articles[rng.below(site.articles.len())].clone();
                let p = root.join("content").join(&rel);
                let mut text = std::fs::read_to_string(&p).unwrap_or_default();
                text.push_str(&format!("\n```sh\nunclosed at step {step}\n"));
                changed.push(site.write(&format!("content/{rel}"), &text));
                format!("break the body of {rel}")
            }
            _ => {
                // Break one article's front matter; a later edit of it fixes it.
                let rel = site.articles[rng.below(site.articles.len())].clone();
                changed.push(
                    site.write(&format!("content/{rel}"), "---\ntitle: [unclosed\n---\nBody.\n"),
                );
                format!("break the front matter of {rel}")
            }
        };
        let ctx = format!("seed {seed}, step {step} ({what})");

        let warm_report = warm.update(&changed).unwrap();
        // A fresh engine on a warm cache, run once as `build` runs it.
        let mut cached = Engine::new(EngineOptions {
            one_shot: true,
            ..options(&root, &out_cached, Some(dir.path().join("cache-cold")))
        })
        .unwrap();
        let cached_report = cached.run().unwrap();
        let out_clean = dir.path().join(format!("clean-{step}"));
        let mut clean = Engine::new(options(&root, &out_clean, None)).unwrap();
        let clean_report = clean.run().unwrap();
        assert_eq!(warm_report.skipped, clean_report.skipped, "{ctx}: warm engine left out others");
        assert_eq!(
            cached_report.skipped, clean_report.skipped,
            "{ctx}: cached build left out others"
        );
        if !skip {
            assert!(clean_report.skipped.is_empty(), "{ctx}: left out without --skip-broken");
        }

        assert_eq!(warm.diagnostics(), clean.diagnostics(), "{ctx}: warm engine findings differ");
        assert_eq!(
            cached.diagnostics(),
            clean.diagnostics(),
            "{ctx}: cached build findings differ"
        );
        // Errors of articles left out do not stop the build.
        let has_errors =
            clean.diagnostics().iter().any(|d| d.is_error() && !clean_report.left_out(d));
        // An engine holds its output folder open (locked) while it lives.
        drop(clean);
        let expected = if has_errors {
            assert!(!out_clean.exists(), "{ctx}: a build with errors wrote output");
            last_good.clone()
        } else {
            tree(&out_clean)
        };
        let (w, c) = (tree(&out_warm), tree(&out_cached));
        assert!(
            w == expected,
            "{ctx}: warm engine output differs from a clean build:\n{}",
            diff(&w, &expected)
        );
        assert!(
            c == expected,
            "{ctx}: cached build output differs from a clean build:\n{}",
            diff(&c, &expected)
        );
        if !has_errors {
            last_good = expected;
            published_without_some += usize::from(!clean_report.skipped.is_empty());
        }
        let _ = std::fs::remove_dir_all(&out_clean);
    }
    if skip {
        assert!(
            published_without_some > 0,
            "seed {seed}: no step published while some were left out"
        );
        eprintln!("seed {seed}: {published_without_some} of {steps} steps published with articles left out");
    }
}

#[test]
fn incremental_builds_equal_clean_builds_after_random_edits() {
    let seeds: Vec<u64> = match std::env::var("INKPROOF_SEED") {
        Ok(s) => vec![s.parse().expect("INKPROOF_SEED is a number")],
        Err(_) => vec![1, 2, 3],
    };
    for seed in seeds {
        run_seed(seed, 40, false);
    }
}

#[test]
fn incremental_builds_equal_clean_builds_when_broken_articles_are_left_out() {
    let seeds: Vec<u64> = match std::env::var("INKPROOF_SEED") {
        Ok(s) => vec![s.parse().expect("INKPROOF_SEED is a number")],
        Err(_) => vec![4, 5],
    };
    for seed in seeds {
        run_seed(seed, 40, true);
    }
}

#[test]
fn a_truncated_or_foreign_cache_is_survived() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    let site = Site { root: root.clone(), articles: Vec::new(), counter: 0 };
    site.write("content/a.md", "---\ntitle: A\ndate: 2024-01-01\n---\nHello **A**.\n");
    let cache = dir.path().join("cache");
    let out = dir.path().join("out");
    let mut first = Engine::new(options(&root, &out, Some(cache.clone()))).unwrap();
    first.run().unwrap();
    first.save_cache().unwrap();
    let good = tree(&out);
    // The cache is sharded by source path: one article, one shard file.
    let file = std::fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("articles-"))
        .expect("a cache shard");
    let bytes = std::fs::read(&file).unwrap();

    // Truncated mid-write.
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    std::fs::remove_dir_all(&out).unwrap();
    let mut e = Engine::new(options(&root, &out, Some(cache.clone()))).unwrap();
    let r = e.run().unwrap();
    assert!(r.notes.iter().any(|n| n.contains("unreadable")), "{:?}", r.notes);
    assert_eq!(tree(&out), good);
    e.save_cache().unwrap();

    // Written by another version.
    let text = String::from_utf8(std::fs::read(&file).unwrap()).unwrap();
    // Any other version string: the tool's own, changed.
    let foreign = text.replacen("\"inkproof-cache-", "\"inkproof-cache-0", 1);
    assert_ne!(foreign, text, "the shard names its version");
    std::fs::write(&file, foreign).unwrap();
    std::fs::remove_dir_all(&out).unwrap();
    let r = Engine::new(options(&root, &out, Some(cache.clone()))).unwrap().run().unwrap();
    assert!(r.notes.iter().any(|n| n.contains("is from")), "{:?}", r.notes);
    assert_eq!(tree(&out), good);

    // Body bytes damaged on disk (same length, so the index still points
    // into the pack): detected by their hash, the article is redone.
    let mut packs = 0;
    for e in std::fs::read_dir(cache.join("bodies")).unwrap().flatten() {
        if e.path().extension().is_some_and(|x| x == "pack") {
            let len = std::fs::metadata(e.path()).unwrap().len() as usize;
            std::fs::write(e.path(), "x".repeat(len)).unwrap();
            packs += 1;
        }
    }
    assert!(packs > 0, "the cache keeps bodies in packs");
    std::fs::remove_dir_all(&out).unwrap();
    Engine::new(options(&root, &out, Some(cache))).unwrap().run().unwrap();
    assert_eq!(tree(&out), good, "a damaged cached body never reaches a page");
}

/// List cards show the first 8 tags; the article page shows all of them. A
/// page key made from the card missed a rename of the 9th tag or later, so the
/// incremental page kept the old tag while a clean build had the new one.
#[test]
fn renaming_a_tag_beyond_the_card_redoes_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    let site = Site { root: root.clone(), articles: Vec::new(), counter: 0 };
    let text = |last: &str| {
        format!("---\ntitle: Ten tags\ndate: 2024-01-01\ntags: [a1, a2, a3, a4, a5, a6, a7, a8, a9, {last}]\n---\nBody.\n")
    };
    site.write("content/ten.md", &text("a10"));
    let out = dir.path().join("out");
    let mut engine = Engine::new(options(&root, &out, None)).unwrap();
    engine.run().unwrap();
    site.write("content/ten.md", &text("renamed"));
    engine.update(&[root.join("content/ten.md")]).unwrap();
    let clean = dir.path().join("clean");
    Engine::new(options(&root, &clean, None)).unwrap().run().unwrap();
    let (a, b) = (tree(&out), tree(&clean));
    assert!(a == b, "{}", diff(&a, &b));
}

/// The thumbnail check once asked the disk whether a static image exists, a
/// read the engine did not record: adding the image left the warning behind
/// in `serve` until the article itself was saved again.
#[test]
fn adding_a_static_thumbnail_clears_the_warning_on_update() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    let site = Site { root: root.clone(), articles: Vec::new(), counter: 0 };
    site.write(
        "content/a.md",
        "---\ntitle: A\ndate: 2024-01-01\nthumbnail: /x.png\n---\nHello **A**.\n",
    );
    site.write("static/style.css", "body {}\n");
    let thumbnail_warnings = |e: &Engine| {
        e.diagnostics()
            .iter()
            .filter(|d| d.code == "front-matter/thumbnail")
            .map(|d| (d.location.path.clone(), d.location.line, d.location.col))
            .collect::<Vec<_>>()
    };
    let mut engine = Engine::new(EngineOptions {
        root: root.clone(),
        cache_dir: Some(dir.path().join("cache")),
        ..EngineOptions::default()
    })
    .unwrap();
    engine.run().unwrap();
    assert_eq!(
        thumbnail_warnings(&engine),
        vec![(PathBuf::from("content/a.md"), 4, Some(12))],
        "{:?}",
        engine.diagnostics()
    );

    let png = site.write("static/x.png", "not really a png");
    engine.update(std::slice::from_ref(&png)).unwrap();
    assert_eq!(thumbnail_warnings(&engine), vec![], "{:?}", engine.diagnostics());
    assert!(engine.output(Path::new("x.png")).is_some(), "the image is published");

    // And back: the image goes, the warning returns.
    std::fs::remove_file(&png).unwrap();
    engine.update(&[png]).unwrap();
    assert_eq!(thumbnail_warnings(&engine).len(), 1, "{:?}", engine.diagnostics());
}

/// A body image in `static/` is read through the loader, which keeps what it
/// read; that memory outlived a change to `static/`, so adding the image
/// left the page without the size a clean build gives it.
#[test]
fn adding_a_static_body_image_sizes_it_on_update() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    let site = Site { root: root.clone(), articles: Vec::new(), counter: 0 };
    site.write("content/a.md", "---\ntitle: A\ndate: 2024-01-01\n---\n![A chart](/img/p.svg)\n");
    site.write("static/style.css", "body {}\n");
    let out = dir.path().join("out");
    let mut engine = Engine::new(options(&root, &out, None)).unwrap();
    engine.run().unwrap();
    let svg = site.write(
        "static/img/p.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"40\" height=\"30\"/>",
    );
    engine.update(&[svg]).unwrap();
    let page = std::fs::read_to_string(out.join("a/index.html")).unwrap();
    let doc = scraper::Html::parse_document(&page);
    let img = scraper::Selector::parse("img[alt='A chart']").unwrap();
    let img = doc.select(&img).next().expect("the image is on the page");
    let size = (img.value().attr("width"), img.value().attr("height"));
    assert_eq!(size, (Some("40"), Some("30")), "{}", img.html());
}
