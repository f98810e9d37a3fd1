//! Downloadable checker snippets through whole builds (issue 3).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::harness::{count, texts, TestSite};

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn figure<'a>(page: &'a scraper::Html, file: &str) -> scraper::ElementRef<'a> {
    let sel = scraper::Selector::parse("figure.snippet").unwrap();
    let code = scraper::Selector::parse(".snippet-file").unwrap();
    page.select(&sel)
        .find(|f| f.select(&code).any(|c| c.text().collect::<String>() == file))
        .unwrap_or_else(|| panic!("no snippet figure for {file}"))
}

fn inner<'a>(el: scraper::ElementRef<'a>, selector: &str) -> Vec<scraper::ElementRef<'a>> {
    el.select(&scraper::Selector::parse(selector).unwrap()).collect()
}

#[test]
fn downloads_are_published_and_their_hash_is_on_the_page() {
    let b = TestSite::fixture("snippets").build();
    b.assert_clean();
    let page = b.page("guide/index.html");
    for (file, url) in [
        ("check.ps1", "/guide/check.ps1"),
        ("check.cmd", "/guide/check.cmd"),
        ("shared.sh", "/snippets/shared.sh"),
    ] {
        let fig = figure(&page, file);
        let link = inner(fig, "a.snippet-download")[0];
        assert_eq!(link.value().attr("href"), Some(url));
        assert_eq!(link.value().attr("download"), Some(file));
        let bytes =
            b.bytes(url.trim_start_matches('/')).unwrap_or_else(|| panic!("{url} not published"));
        let shown: String = inner(fig, ".snippet-hash")[0].text().collect();
        assert_eq!(shown.trim(), sha256(&bytes), "hash on the page is not the hash of {url}");
        let size: String = inner(fig, ".snippet-size")[0].text().collect();
        assert!(size.contains(&bytes.len().to_string()), "size `{size}` vs {} bytes", bytes.len());
    }
}

#[test]
fn byte_exact_bom_and_crlf_rules() {
    let site = TestSite::fixture("snippets");
    let b = site.build();
    let src = |p: &str| std::fs::read(site.root.join("content").join(p)).unwrap();
    // shell script: byte for byte
    assert_eq!(b.bytes("snippets/shared.sh").unwrap(), src("snippets/shared.sh"));
    // non-ASCII PowerShell: a UTF-8 BOM, then the file unchanged
    let ps1 = b.bytes("guide/check.ps1").unwrap();
    assert_eq!(&ps1[..3], b"\xef\xbb\xbf");
    assert_eq!(&ps1[3..], &src("guide/check.ps1")[..]);
    // batch: every line ends in CRLF, none in CR CR LF, text otherwise the same
    let cmd = b.bytes("guide/check.cmd").unwrap();
    let text = String::from_utf8(cmd.clone()).unwrap();
    assert_eq!(text.matches('\n').count(), text.matches("\r\n").count());
    assert!(!text.contains("\r\r"));
    assert_eq!(
        text.replace("\r\n", "\n"),
        String::from_utf8(src("guide/check.cmd")).unwrap().replace("\r\n", "\n")
    );
    // and the bundle copy did not overwrite the fixed-up bytes
    assert_eq!(b.paths().iter().filter(|p| p.as_str() == "guide/check.ps1").count(), 1);
}

#[test]
fn a_shared_snippet_serves_two_articles_and_is_tracked() {
    let b = TestSite::fixture("snippets").build();
    assert_eq!(b.paths().iter().filter(|p| p.as_str() == "snippets/shared.sh").count(), 1);
    let users = &b.build.snippet_deps[Path::new("content/snippets/shared.sh")];
    assert_eq!(
        users,
        &[PathBuf::from("content/guide/index.md"), PathBuf::from("content/other/index.md")]
    );
    // the other article shows lines 2-3 only, but downloads the whole file
    let page = b.page("other/index.html");
    let fig = figure(&page, "shared.sh");
    let code: String = inner(fig, "pre code")[0].text().collect();
    assert!(!code.contains("#!/bin/sh") && code.contains("shared between two articles"), "{code}");
    assert_eq!(
        inner(fig, "a.snippet-download")[0].value().attr("href"),
        Some("/snippets/shared.sh")
    );
    assert_eq!(count(&page, "figure.snippet .snippet-partial"), 1);
}

#[test]
fn powershell_is_highlighted_and_the_copy_button_targets_the_code() {
    let b = TestSite::fixture("snippets").build();
    let page = b.page("guide/index.html");
    let fig = figure(&page, "check.ps1");
    let code = inner(fig, "pre code")[0];
    let html = code.html();
    let spans = |word: &str| {
        inner(code, "span[class]").into_iter().any(|s| {
            s.text().collect::<String>().contains(word)
                && s.value().attr("class").unwrap().contains("hl-")
        })
    };
    assert!(spans("foreach"), "keyword not highlighted: {html}");
    assert!(spans("$state"), "variable not highlighted: {html}");
    assert!(spans("Licensed:"), "string not highlighted: {html}");
    let button = inner(fig, "button.copy-button")[0];
    assert!(
        button.value().attr("hidden").is_some(),
        "copy button must be hidden until JS shows it"
    );
    assert_eq!(button.value().attr("data-copy-target"), code.value().attr("id"));
    assert_eq!(texts(&page, "figure.snippet .snippet-caption"), ["Caption under the code."]);
    let verify: Vec<String> = texts(&page, "figure.snippet .snippet-verify");
    assert!(verify[0].contains("Get-FileHash") && verify[2].contains("sha256sum"), "{verify:?}");
    // syntax CSS has rules for the classes used
    assert!(b.text("syntax.css").contains(".hl-"));
    assert_eq!(b.text("_headers").matches("Content-Type:").count(), 3);
}

#[test]
fn escapes_and_missing_files_are_located_errors() {
    let site = TestSite::fixture("snippets-bad");
    site.write(
        "content/sym/index.md",
        "---\ntitle: Symlink\ndate: 2024-05-04\n---\n```snippet link.txt\n```\n",
    );
    std::os::unix::fs::symlink("/etc/hostname", site.root.join("content/sym/link.txt")).unwrap();
    let b = site.build();
    let found: Vec<(&str, String, usize)> = b
        .errors()
        .iter()
        .map(|d| (d.code.as_str(), d.location.path.to_string_lossy().into_owned(), d.location.line))
        .collect();
    let bad = "content/bad/index.md".to_string();
    assert!(found.contains(&("snippet/path-escape", bad.clone(), 7)), "{found:?}");
    assert!(found.contains(&("snippet/path-escape", bad.clone(), 10)), "{found:?}");
    assert!(found.contains(&("snippet/missing-file", bad, 13)), "{found:?}");
    assert!(
        found.contains(&("snippet/path-escape", "content/sym/index.md".to_string(), 5)),
        "{found:?}"
    );
    // One cause, one finding: the link itself is not reported a second time.
    assert!(
        !found.iter().any(|f| f.0 == "load/path-escape" && f.1 == "content/sym/link.txt"),
        "{found:?}"
    );
    assert!(b
        .paths()
        .iter()
        .all(|p| !p.contains("passwd") && !p.contains("inkproof.yaml") && !p.contains("hostname")));
}

#[test]
fn the_demo_guide_embeds_its_checkers() {
    let repo = crate::harness::repo_root();
    let dir = repo.join("content/link-windows-license-to-microsoft-account");
    let md = std::fs::read_to_string(dir.join("index.md")).unwrap();
    assert!(
        md.contains("```snippet check-activation.ps1")
            && md.contains("```snippet check-activation.cmd")
    );
    let ps1 = std::fs::read_to_string(dir.join("check-activation.ps1")).unwrap();
    for needed in ["SoftwareLicensingProduct", "LicenseStatus"] {
        assert!(ps1.contains(needed), "the checker must read {needed}");
    }
    assert!(!ps1.is_ascii(), "the demo checker exercises the BOM rule");
    assert!(std::fs::read_to_string(dir.join("check-activation.cmd")).unwrap().contains("slmgr"));
}

/// A download whose name has a space: `_headers` must name the URL the page
/// links to, or Netlify serves the file with the wrong type (they disagreed
/// while two path encoders existed).
#[test]
fn headers_and_download_link_agree_for_a_file_name_with_a_space() {
    let site = TestSite::empty();
    site.write(
        "content/guide/index.md",
        "---\ntitle: Guide\ndate: 2024-05-04\n---\n```snippet \"My Check.ps1\"\n```\n",
    );
    site.write("content/guide/My Check.ps1", "Write-Output 'ok'\n");
    let b = site.build();
    b.assert_clean();
    let page = b.page("guide/index.html");
    let href = inner(figure(&page, "My Check.ps1"), "a.snippet-download")[0]
        .value()
        .attr("href")
        .unwrap()
        .to_string();
    assert_eq!(href, "/guide/My%20Check.ps1");
    let headers = b.text("_headers");
    let lines: Vec<&str> = headers.lines().collect();
    let at = lines
        .iter()
        .position(|l| *l == href)
        .unwrap_or_else(|| panic!("{href} not in:\n{headers}"));
    assert_eq!(lines[at + 1], "  Content-Type: text/plain; charset=utf-8");
    assert!(b.bytes("guide/My Check.ps1").is_some(), "the file is published under its own name");
}
