//! Every check: one failing case located at id, file, line, col, and one clean
//! case with no finding of that id (issues #7 and #9).

use inkproof::diag::{Diagnostic, Severity};

use crate::harness::{Built, TestSite};

/// Front matter that passes every front matter check.
const FM: &str = "---\ntitle: Guide\ndate: 2024-01-01\ndescription: \"A guide that explains one thing clearly, in about sixty characters.\"\n---\n";
/// The body starts on this line of a file that begins with [`FM`].
const BODY: usize = 6;

fn article(body: &str) -> String {
    format!("{FM}{body}")
}

fn findings<'a>(b: &'a Built, code: &str) -> Vec<&'a Diagnostic> {
    b.build.diagnostics.iter().filter(|d| d.code == code).collect()
}

#[track_caller]
fn assert_at(b: &Built, code: &str, path: &str, line: usize, col: Option<usize>) -> Diagnostic {
    let found = findings(b, code);
    let d = found
        .iter()
        .find(|d| {
            d.location.path.to_str() == Some(path)
                && d.location.line == line
                && d.location.col == col
        })
        .unwrap_or_else(|| {
            panic!("no {code} at {path}:{line}:{col:?}; all: {:#?}", b.build.diagnostics)
        });
    (*d).clone()
}

#[track_caller]
fn assert_none(b: &Built, code: &str) {
    let found = findings(b, code);
    assert!(found.is_empty(), "unexpected {code}: {found:#?}");
}

/// A one-article site; returns the build.
fn one(body_or_file: &str) -> Built {
    let site = TestSite::empty();
    site.write("content/guide.md", body_or_file);
    site.build()
}

// ---- front matter ----

#[test]
fn unknown_key_suggests_the_known_one() {
    let b = one("---\ntitle: Guide\ntittle: Typo\n---\nText.\n");
    let d = assert_at(&b, "front-matter/unknown-key", "content/guide.md", 3, Some(1));
    assert_eq!(d.help.as_deref(), Some("did you mean `title`?"));
    let b = one("---\ntitle: Guide\nextra:\n  team: Infra\n---\nText.\n");
    assert_none(&b, "front-matter/unknown-key");
}

#[test]
fn future_date_is_a_warning_at_the_value() {
    let b = one("---\ntitle: Guide\ndate: 2999-01-01\n---\nText.\n");
    let d = assert_at(&b, "front-matter/future-date", "content/guide.md", 3, Some(7));
    assert_eq!(d.severity, Severity::Warning);
    assert_none(&one(&article("Text.\n")), "front-matter/future-date");
}

#[test]
fn description_length() {
    let b = one("---\ntitle: Guide\ndescription: Too short.\n---\nText.\n");
    assert_at(&b, "seo/description-length", "content/guide.md", 3, Some(14));
    assert_none(&one(&article("Text.\n")), "seo/description-length");
}

#[test]
fn thumbnail_must_be_a_url_or_a_bundle_file() {
    let site = TestSite::empty();
    site.write("content/g/index.md", "---\ntitle: G\nthumbnail: nope.png\n---\nText.\n");
    let b = site.build();
    let d = assert_at(&b, "front-matter/thumbnail", "content/g/index.md", 3, Some(12));
    assert!(d.message.contains("content/g/nope.png"), "{d}");
    site.write("content/g/nope.png", "png");
    assert_none(&site.build(), "front-matter/thumbnail");
    let b = one("---\ntitle: G\nthumbnail: https://img.example.org/a.png\n---\nText.\n");
    assert_none(&b, "front-matter/thumbnail");
}

#[test]
fn unsafe_thumbnail_is_an_error() {
    let b = one("---\ntitle: G\nthumbnail: \"javascript:alert(1)\"\n---\nText.\n");
    let d = assert_at(&b, "link/unsafe-scheme", "content/guide.md", 3, Some(12));
    assert_eq!(d.severity, Severity::Error);
}

#[test]
fn empty_body() {
    let b = one("---\ntitle: Guide\n---\n\n<!-- nothing yet -->\n");
    assert_at(&b, "content/empty-body", "content/guide.md", 4, Some(1));
    assert_none(&one(&article("Text.\n")), "content/empty-body");
}

#[test]
fn duplicate_titles_point_at_the_first() {
    let site = TestSite::empty();
    site.write("content/a.md", "---\ntitle: Reset Windows Update\n---\nA.\n");
    site.write("content/b.md", "---\ntitle: reset  windows update\n---\nB.\n");
    let b = site.build();
    let d = assert_at(&b, "seo/duplicate-title", "content/b.md", 2, Some(8));
    assert!(d.message.contains("content/a.md"), "{d}");
    site.write("content/b.md", "---\ntitle: Reset the Store cache\n---\nB.\n");
    assert_none(&site.build(), "seo/duplicate-title");
}

// ---- structure ----

#[test]
fn unclosed_fence_is_reported_where_it_opens() {
    let b = one(&article("Text.\n\n```powershell\nGet-Thing\n\n## Not a heading\n"));
    assert_at(&b, "structure/unclosed-fence", "content/guide.md", BODY + 2, Some(1));
    assert_none(
        &one(&article("```sh\nls\n```\n\n````md\n```\n````\n")),
        "structure/unclosed-fence",
    );
}

#[test]
fn skipped_heading_levels_and_h1_in_body() {
    let b = one(&article("# Title again\n\n## A\n\n#### Too deep\n"));
    assert_at(&b, "structure/h1-in-body", "content/guide.md", BODY, Some(1));
    assert_at(&b, "structure/skipped-heading-level", "content/guide.md", BODY + 4, Some(1));
    let b = one(&article("## A\n\n### B\n\n## C\n"));
    assert_none(&b, "structure/h1-in-body");
    assert_none(&b, "structure/skipped-heading-level");
}

#[test]
fn duplicate_explicit_ids() {
    let b = one(&article("## One {#step}\n\n## Two {#step}\n"));
    let d = assert_at(&b, "structure/duplicate-id", "content/guide.md", BODY + 2, Some(1));
    assert!(d.message.contains(&format!("line {BODY}")), "{d}");
    assert_none(&one(&article("## One {#a}\n\n## Two {#b}\n")), "structure/duplicate-id");
}

// ---- ads ----

#[test]
fn affiliate_links_outside_markers() {
    let b = one(&article("Buy [here](https://microsoft.sjv.io/c/1/2).\n"));
    assert_at(&b, "ads/affiliate-link", "content/guide.md", BODY, Some(5));
    let b = one(&article(
        "Text.\n\n<!-- affiliate ads begin -->\nBuy [here](https://microsoft.sjv.io/c/1/2).\n<!-- affiliate ads end -->\n",
    ));
    assert_none(&b, "ads/affiliate-link");
}

#[test]
fn leftover_ads_are_judged_by_the_configured_rules() {
    // The site replaced the selector list, so AdSense slots are no longer cut:
    // the check still knows them and says so, at the line.
    let site = TestSite::empty();
    site.write("inkproof.yaml", "strip:\n  selectors: [div.sponsor]\n");
    site.write(
        "content/guide.md",
        &article("Text.\n\n<ins class=\"adsbygoogle\" data-ad-slot=\"1\"></ins>\n"),
    );
    let b = site.build();
    assert_at(&b, "ads/leftover", "content/guide.md", BODY + 2, Some(1));
    // With the default rules the slot is stripped and nothing is left over.
    let b = one(&article("Text.\n\n<ins class=\"adsbygoogle\" data-ad-slot=\"1\"></ins>\n"));
    assert_none(&b, "ads/leftover");
}

#[test]
fn unclosed_marker_gives_no_second_unlocated_leftover() {
    // Issue #7: an unclosed marker also produced an unlocated ads/leftover.
    let b = one(&article("Text.\n\n<!-- affiliate ads begin -->\nBuy now.\n"));
    assert_at(&b, "ads/unclosed-marker", "content/guide.md", BODY + 2, Some(1));
    assert_none(&b, "ads/leftover");
}

// ---- images ----

#[test]
fn missing_image_says_where_it_was_looked_for() {
    let site = TestSite::empty();
    site.write("content/bad-fields/index.md", &article("![Shot](missing.png)\n"));
    let b = site.build();
    let d = assert_at(&b, "image/missing", "content/bad-fields/index.md", BODY, Some(1));
    // Issue #7: it said "nothing is published at `bad-fields/missing.png/index.html`".
    assert!(
        d.message.contains("no file `content/bad-fields/missing.png` in the page bundle"),
        "{d}"
    );
    site.write("content/bad-fields/missing.png", "png");
    assert_none(&site.build(), "image/missing");
}

#[test]
fn alt_text_and_http_images() {
    let site = TestSite::empty();
    site.write(
        "content/g/index.md",
        &article(
            "![](shot.png)\n\n<img src=\"shot.png\">\n\n![Shot](http://img.example.org/a.png)\n",
        ),
    );
    site.write("content/g/shot.png", "png");
    let b = site.build();
    assert_at(&b, "image/missing-alt", "content/g/index.md", BODY, Some(1));
    assert_at(&b, "image/missing-alt", "content/g/index.md", BODY + 2, Some(1));
    assert_at(&b, "image/insecure", "content/g/index.md", BODY + 4, Some(1));
    site.write(
        "content/g/index.md",
        &article("![Shot](shot.png)\n\n![Shot](https://img.example.org/a.png)\n"),
    );
    let b = site.build();
    assert_none(&b, "image/missing-alt");
    assert_none(&b, "image/insecure");
}

// ---- links ----

#[test]
fn broken_links_and_anchors_suggest_the_near_miss() {
    let site = TestSite::empty();
    site.write("content/reset-update.md", &article("## Stop the services\n"));
    site.write(
        "content/guide.md",
        &article("See [r](/reset-updat/) and [s](/reset-update/#stop-the-service).\n"),
    );
    let b = site.build();
    let d = assert_at(&b, "link/broken", "content/guide.md", BODY, Some(5));
    assert_eq!(d.help.as_deref(), Some("did you mean `/reset-update/`?"));
    let d = assert_at(&b, "link/broken-anchor", "content/guide.md", BODY, Some(28));
    assert_eq!(d.help.as_deref(), Some("did you mean `#stop-the-services`?"));
    site.write(
        "content/guide.md",
        &article("See [r](/reset-update/) and [s](reset-update.md#stop-the-services).\n"),
    );
    let b = site.build();
    assert_none(&b, "link/broken");
    assert_none(&b, "link/broken-anchor");
}

#[test]
fn unsafe_schemes_in_links_images_and_raw_html() {
    let b = one(&article(
        "[a](javascript:alert(1)) ![x](vbscript:msgbox)\n\n<a href=\"data:text/html;base64,PHNjcmlwdD4=\">x</a>\n",
    ));
    let d = assert_at(&b, "link/unsafe-scheme", "content/guide.md", BODY, Some(1));
    assert_eq!(d.severity, Severity::Error);
    assert_at(&b, "link/unsafe-scheme", "content/guide.md", BODY, Some(26));
    assert_at(&b, "link/unsafe-scheme", "content/guide.md", BODY + 2, Some(1));
    assert!(b.build.has_errors());
    assert_none(
        &one(&article("[a](https://example.org/) [m](mailto:a@example.org)\n")),
        "link/unsafe-scheme",
    );
}

#[test]
fn body_is_checked_when_the_front_matter_fails() {
    // Issue #7: a front matter error hid every body finding of the file.
    let site = TestSite::empty();
    site.write("content/other.md", &article("Other.\n"));
    site.write(
        "content/guide.md",
        "---\ntitle: Guide\ndate: not a date\n---\n[x](/nowhere/) ![](gone.png) [o](other.md#nope)\n\n<!-- affiliate ads begin -->\n",
    );
    let b = site.build();
    assert_at(&b, "front-matter/bad-date", "content/guide.md", 3, Some(7));
    assert_at(&b, "link/broken", "content/guide.md", 5, Some(1));
    assert_at(&b, "image/missing", "content/guide.md", 5, Some(16));
    assert_at(&b, "image/missing-alt", "content/guide.md", 5, Some(16));
    assert_at(&b, "link/broken-anchor", "content/guide.md", 5, Some(30));
    assert_at(&b, "ads/unclosed-marker", "content/guide.md", 7, Some(1));
}

// ---- raw HTML and text ----

#[test]
fn scripts_handlers_and_iframes_in_raw_html() {
    let b = one(&article(
        "<script>steal()</script>\n\n<div onclick=\"go()\">x</div>\n\n<iframe src=\"https://ads.example.net/x\"></iframe>\n",
    ));
    assert_at(&b, "html/script", "content/guide.md", BODY, Some(1));
    assert_at(&b, "html/event-handler", "content/guide.md", BODY + 2, Some(1));
    assert_at(&b, "html/iframe", "content/guide.md", BODY + 4, Some(1));
    let b = one(&article(
        "<div class=\"note\">x</div>\n\n<iframe src=\"https://www.youtube-nocookie.com/embed/x\"></iframe>\n",
    ));
    assert_none(&b, "html/script");
    assert_none(&b, "html/event-handler");
    assert_none(&b, "html/iframe");
}

#[test]
fn control_characters_are_dropped_with_a_located_warning() {
    let site = TestSite::empty();
    site.write("content/guide.md", &article("Press\u{0} Enter.\n\nThen\u{7} wait.\n"));
    let b = site.build();
    assert_at(&b, "content/control-char", "content/guide.md", BODY, Some(6));
    assert_at(&b, "content/control-char", "content/guide.md", BODY + 2, Some(5));
    let page = b.text("guide/index.html");
    assert!(!page.contains(['\u{0}', '\u{7}']), "control characters published");
    assert!(page.contains("Press Enter."), "the text around them stays");
    assert_none(&one(&article("Tab\there.\n")), "content/control-char");
}

#[test]
fn bidi_and_zero_width_characters_are_located_and_kept_out_of_copied_code() {
    let site = TestSite::empty();
    let text = [
        "---",
        "title: \"Fix the\u{202E}gpj.exe menu\"",
        "date: 2024-01-01",
        "description: \"A guide that explains one thing clearly, in about sixty characters.\"",
        "---",
        "Run this:",
        "",
        "```sh",
        "echo \u{2067}safe\u{2069} && rm -rf ~/tmp\u{200B}x",
        "```",
        "",
        "Some zero\u{200B}width text and `ls\u{202E}` inline.",
        "",
        "Plain \u{202B}prose.",
        "",
    ]
    .join("\n");
    site.write("content/guide.md", &text);
    let b = site.build();
    let f = "content/guide.md";
    let d = assert_at(&b, "content/bidi-control", f, 2, Some(16));
    assert!(d.message.contains("U+202E") && d.message.contains("front matter"), "{d}");
    let d = assert_at(&b, "content/bidi-in-code", f, 9, Some(6));
    assert_eq!(d.severity, Severity::Error);
    assert!(d.message.contains("U+2067"), "{d}");
    assert_at(&b, "content/invisible-char", f, 9, Some(28));
    assert_at(&b, "content/invisible-char", f, 12, Some(10));
    assert_at(&b, "content/bidi-in-code", f, 12, Some(29));
    assert_at(&b, "content/bidi-control", f, 14, Some(7));
    assert!(b.build.has_errors());

    // The code a reader copies (the `<code>` text, what the Copy button takes)
    // holds none of them; each shows as a mark naming its code point.
    let page = b.page("guide/index.html");
    let code = crate::harness::texts(&page, "pre.code code").join("\n");
    assert!(code.contains("echo safe && rm -rf ~/tmpx"), "{code:?}");
    let hidden = ['\u{202E}', '\u{2067}', '\u{2069}', '\u{200B}'];
    assert!(!code.contains(hidden), "invisible characters in the copied code: {code:?}");
    assert_eq!(
        crate::harness::attrs(&page, "pre.code code span.invisible-char", "data-char"),
        ["U+2067", "U+2069", "U+200B"]
    );

    // A byte order mark at the start of the file is its encoding mark, not a finding.
    let clean = one(&format!("\u{FEFF}{}", article("Plain text.\n\n```sh\nls -l\n```\n")));
    assert_none(&clean, "content/invisible-char");
    assert_none(&clean, "content/bidi-in-code");
}

#[test]
fn entity_spellings_of_a_script_url_are_unsafe() {
    for href in [
        "javascript&#58alert(1)",
        "&#x6A;avascript:alert(1)",
        "java&Tab;script:alert(1)",
        "java&NewLine;script&colon;alert(1)",
        "&#0000106avascript:alert(1)",
    ] {
        let b = one(&article(&format!("<a href=\"{href}\">x</a>\n")));
        let d = assert_at(&b, "link/unsafe-scheme", "content/guide.md", BODY, Some(1));
        assert_eq!(d.severity, Severity::Error, "{href}");
    }
}

// ---- snippets ----

#[test]
fn snippet_plain_text_fallback_and_empty_range() {
    let site = TestSite::empty();
    site.write("content/g/x.zzq", "data\n");
    site.write("content/g/y.ps1", "#region Empty\n\n#endregion\nGet-Date\n");
    site.write(
        "content/g/index.md",
        &article("```snippet x.zzq\n```\n\n```snippet y.ps1 region=\"Empty\"\n```\n"),
    );
    let b = site.build();
    assert_at(&b, "snippet/plain-text", "content/g/index.md", BODY, None);
    assert_at(&b, "snippet/empty-range", "content/g/index.md", BODY + 3, None);
    site.write(
        "content/g/index.md",
        &article("```snippet x.zzq lang=\"text\"\n```\n\n```snippet y.ps1 lines=\"4\"\n```\n"),
    );
    let b = site.build();
    assert_none(&b, "snippet/plain-text");
    assert_none(&b, "snippet/empty-range");
}

// ---- rendered pages ----

#[test]
fn pages_need_title_and_description_and_no_third_party_scripts() {
    let site = TestSite::empty();
    site.write("content/guide.md", &article("Text.\n"));
    site.write(
        "templates/base.html",
        "<!doctype html><html><head><script src=\"https://cdn.example.net/t.js\"></script></head><body>{% block content %}{% endblock content %}</body></html>",
    );
    let b = site.build();
    assert_at(&b, "page/missing-title", "content/guide.md", 0, None);
    assert_at(&b, "page/missing-description", "content/guide.md", 0, None);
    let d = assert_at(&b, "page/third-party-script", "content/guide.md", 0, None);
    assert!(d.message.contains("https://cdn.example.net/t.js"), "{d}");
    assert_at(&b, "page/third-party-script", "templates/base.html", 0, None);
    // The built-in theme, with a site description, passes.
    let site = TestSite::empty();
    site.write("inkproof.yaml", "description: \"Guides.\"\n");
    site.write("content/guide.md", &article("Text.\n"));
    let b = site.build();
    for code in ["page/missing-title", "page/missing-description", "page/third-party-script"] {
        assert_none(&b, code);
    }
}

// ---- config and suppression ----

#[test]
fn config_severities_and_suppression_comments() {
    let site = TestSite::empty();
    site.write("inkproof.yaml", "checks:\n  link/broken: error\n  image/missing-alt: off\n");
    site.write(
        "content/guide.md",
        &article("[a](/gone/) ![](a.png)\n\n<!-- inkproof-ignore link/broken -->\n[b](/gone-too/)\n\n<!-- inkproof-ignore image/missing -->\nText.\n"),
    );
    let b = site.build();
    let d = assert_at(&b, "link/broken", "content/guide.md", BODY, Some(1));
    assert_eq!(d.severity, Severity::Error, "raised by `checks:`");
    assert_none(&b, "image/missing-alt");
    assert!(findings(&b, "link/broken").len() == 1, "the ignored line is silent");
    assert_at(&b, "suppress/unused", "content/guide.md", BODY + 5, Some(1));
}

// Issue 7: a Tera syntax error is located in the template, at Tera's line.
#[test]
fn template_syntax_error_is_located_in_the_template() {
    let site = TestSite::empty();
    site.write("content/guide.md", &article("Text.\n"));
    site.write("templates/article.html", "{% extends \"base.html\" %}\n{% block main %}\n<p>ok</p>\n{% if page %}\n{% endblock main %}\n");
    let b = site.build();
    let d = assert_at(&b, "template/invalid", "templates/article.html", 5, Some(1));
    assert!(d.message.contains("`article.html` does not parse"), "{}", d.message);
    assert!(d.message.contains("endif"), "says what was expected: {}", d.message);
    let clean = TestSite::empty();
    clean.write("content/guide.md", &article("Text.\n"));
    clean.write(
        "templates/article.html",
        "{% extends \"base.html\" %}\n{% block main %}<p>{{ page.title }}</p>{% endblock main %}\n",
    );
    assert_none(&clean.build(), "template/invalid");
}

/// Editors write `é` in a link as `%C3%A9`. The page's link and the link check
/// both read every escape (they only knew `%20` before, so the page kept the
/// `.md` link and the check called it unknown), and a body whose front matter
/// failed has its `/…` link checked the way the renderer resolves it.
#[test]
fn percent_encoded_md_links_reach_their_article_in_the_page_and_the_check() {
    let site = TestSite::empty();
    site.write("content/démarrage.md", &article("# Démarrage\n\n## Step\n\nText.\n"));
    site.write("content/guide.md", &article("See [start](d%C3%A9marrage.md#step).\n"));
    site.write("content/broken.md", "---\ntitle: [\n---\nSee [start](/d%C3%A9marrage.md).\n");
    let b = site.build();
    let page = b.page("guide/index.html");
    let a = scraper::Selector::parse("main a").unwrap();
    let hrefs: Vec<&str> = page
        .select(&a)
        .filter(|a| a.text().collect::<String>() == "start")
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert_eq!(hrefs, ["/demarrage/#step"]);
    assert_none(&b, "link/unknown-article");
    assert_none(&b, "link/broken");
}

/// A misspelt id in `checks:` is a located `config/invalid` with a suggestion,
/// in a real build (the validation lives in `check`, which the engine calls).
#[test]
fn a_misspelt_check_id_in_the_config_is_located_with_a_suggestion() {
    let site = crate::harness::TestSite::empty();
    site.write("content/a.md", "---\ntitle: A guide\ndate: 2024-05-01\n---\nText.\n");
    site.write("inkproof.yaml", "title: Guides\nchecks:\n  link/brokn: error\n");
    let built = site.build();
    let d = built
        .errors()
        .into_iter()
        .find(|d| d.code == "config/invalid")
        .expect("the misspelt id is reported");
    assert_eq!(d.location.to_string(), "inkproof.yaml:3:3");
    assert!(d.help.as_deref().unwrap_or("").contains("`link/broken`"), "{d:?}");
}
