//! `strip: { affiliate_links: unwrap }` on a guide pasted with affiliate links:
//! the words stay, the links go (or point at the heading they name), and no
//! affiliate host reaches any file the build writes.

use crate::harness::{attrs, TestSite};

const GUIDE: &str = r#"---
title: Windows Update is stuck
date: 2024-03-01
tags: [windows]
description: Fixes for a stuck Windows Update.
---

Windows Update can hang at 0 %. Try [Fix 2: Restart the service](https://microsoft.sjv.io/c/1/2?u=x) first if you are in a hurry.

## Fix 1: Run the troubleshooter

Open [the troubleshooter](https://x.pxf.io/c/3/4) and follow it, or buy
[the repair tool](https://shop.2checkout.com/order/checkout.php?PRODS=1&AFFILIATE=99).

## Fix 2: Restart the service

Open Services and restart it. Back to [fix 1 — run the troubleshooter](#fix-1-run-the-troubleshooter).
See also [the docs](https://learn.microsoft.com/windows/).
"#;

const HOSTS: [&str; 3] = ["sjv.io", "pxf.io", "2checkout"];

fn site(config: &str) -> TestSite {
    let site = TestSite::empty();
    site.write("content/stuck-update.md", GUIDE);
    site.write("inkproof.yaml", config);
    site
}

#[test]
fn unwrap_keeps_the_words_and_no_affiliate_host_reaches_any_output_file() {
    let site = site("title: Guides\nstrip:\n  affiliate_links: unwrap\n");
    let out = site.cli(&["build", "--verbose"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("unwrapped 2 affiliate links, pointed 1 at their heading"),
        "the summary does not count them:\n{stderr}"
    );
    for line in [
        "content/stuck-update.md:8: affiliate link (sjv.io) pointed at #fix-2-restart-the-service",
        "content/stuck-update.md:12: affiliate link (pxf.io) unwrapped",
        "content/stuck-update.md:13: affiliate link (2checkout.com?affiliate) unwrapped",
    ] {
        assert!(stderr.contains(line), "--verbose does not list `{line}`:\n{stderr}");
    }
    assert!(
        !stderr.contains("ads/affiliate-link"),
        "unwrapped links are still reported:\n{stderr}"
    );

    let public = site.root.join("public");
    let mut files = 0;
    for entry in walkdir::WalkDir::new(&public) {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        files += 1;
        let text = String::from_utf8_lossy(&std::fs::read(entry.path()).unwrap()).to_lowercase();
        for host in HOSTS {
            assert!(!text.contains(host), "`{host}` is in {}", entry.path().display());
        }
    }
    assert!(files > 5, "only {files} files written");

    let page = std::fs::read_to_string(public.join("stuck-update/index.html")).unwrap();
    let doc = scraper::Html::parse_document(&page);
    let sel = scraper::Selector::parse("main .content").unwrap();
    let text: String = doc.select(&sel).next().expect("article content").text().collect();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for words in [
        "Try Fix 2: Restart the service first",
        "Open the troubleshooter and follow it, or buy the repair tool.",
    ] {
        assert!(text.contains(words), "`{words}` lost:\n{text}");
    }
    let hrefs = attrs(&doc, "main .content p a", "href");
    assert_eq!(
        hrefs,
        [
            "#fix-2-restart-the-service",
            "#fix-1-run-the-troubleshooter",
            "https://learn.microsoft.com/windows/"
        ]
    );
    assert_eq!(
        attrs(&doc, "main .content h2", "id"),
        ["fix-1-run-the-troubleshooter", "fix-2-restart-the-service"]
    );
}

#[test]
fn keep_is_the_default_and_reports_each_link_as_before() {
    let site = site("title: Guides\n");
    let b = site.build();
    let found: Vec<(usize, &str)> = b
        .build
        .diagnostics
        .iter()
        .filter(|d| d.code == "ads/affiliate-link")
        .map(|d| (d.location.line, d.message.as_str()))
        .collect();
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(found.iter().map(|f| f.0).collect::<Vec<_>>(), [8, 12, 13]);
    let doc = b.page("stuck-update/index.html");
    let hrefs = attrs(&doc, "main .content p a", "href");
    assert!(hrefs[0].starts_with("https://microsoft.sjv.io/"), "{hrefs:?}");
    assert_eq!(hrefs.len(), 5);
    assert_eq!(b.build.stats.unwrapped_links + b.build.stats.pointed_links, 0);
    let out = site.cli(&["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("affiliate links, pointed"), "{stderr}");
}

#[test]
fn broken_anchor_hint_names_the_heading_its_words_match() {
    let site = site("title: Guides\n");
    site.write(
        "content/other.md",
        "---\ntitle: Other\ndate: 2024-03-02\n---\n\nSee [the restart](stuck-update.md#fix2restarttheservice).\n",
    );
    let b = site.build();
    let hint = b
        .build
        .diagnostics
        .iter()
        .find(|d| d.code == "link/broken-anchor")
        .and_then(|d| d.help.clone())
        .expect("a broken-anchor finding with a hint");
    assert_eq!(
        hint,
        "did you mean `#fix-2-restart-the-service`, the heading \"Fix 2: Restart the service\"?"
    );
}

/// What `serve` does: one long-lived engine re-running after the config
/// changed. Its output must equal a clean `build`'s, or a preview would show
/// links the published site no longer has.
#[test]
fn switching_to_unwrap_in_a_running_engine_equals_a_clean_build() {
    use inkproof::engine::{Engine, EngineOptions};
    let site = site("title: Guides\n");
    let options = |out: &str, cache: Option<&str>| EngineOptions {
        root: site.root.clone(),
        output: Some(site.root.join(out)),
        cache_dir: cache.map(|c| site.root.join(c)),
        ..EngineOptions::default()
    };
    let mut running = Engine::new(options("out-running", Some("cache"))).unwrap();
    running.run().unwrap();
    site.write("inkproof.yaml", "title: Guides\nstrip:\n  affiliate_links: unwrap\n");
    // What the file watcher hands the engine.
    let warm = running.update(&[site.root.join("inkproof.yaml")]).unwrap();
    let clean = Engine::new(options("out-clean", None)).unwrap().run().unwrap();
    assert_eq!(
        (warm.stats.unwrapped_links, warm.stats.pointed_links),
        (clean.stats.unwrapped_links, clean.stats.pointed_links)
    );
    assert_eq!((clean.stats.unwrapped_links, clean.stats.pointed_links), (2, 1));
    let page = |out: &str| {
        std::fs::read_to_string(site.root.join(out).join("stuck-update/index.html")).unwrap()
    };
    assert_eq!(page("out-running"), page("out-clean"));
    assert!(!page("out-running").contains("sjv.io"));
}
