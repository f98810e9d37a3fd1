//! The writing checks (issue 24 §2 and §3) on a site with planted mistakes:
//! each finding at its id and `file:line:col`, and what the reader would see.

use inkproof::diag::Diagnostic;

use crate::harness::{texts, Built, TestSite};

const FM: &str = "---\ntitle: Move your files\ndate: 2024-01-01\ndescription: \"How to move your files to a new folder and check that every one arrived.\"\n---\n";

fn found<'a>(b: &'a Built, code: &str) -> Vec<(&'a str, usize, Option<usize>, &'a Diagnostic)> {
    b.build
        .diagnostics
        .iter()
        .filter(|d| d.code == code)
        .map(|d| (d.location.path.to_str().unwrap(), d.location.line, d.location.col, d))
        .collect()
}

fn at(b: &Built, code: &str) -> Vec<(usize, Option<usize>)> {
    found(b, code).iter().map(|(_, l, c, _)| (*l, *c)).collect()
}

#[test]
fn placeholders_the_browser_swallows_are_reported_and_never_called_event_handlers() {
    let site = TestSite::empty();
    site.write(
        "content/move.md",
        &format!(
            "{FM}Open <path to OneDrive folder> and copy the files.\n\n\
             Connect with `ssh` as <username>@host.\n\n\
             Escaped, \\<folder name> shows, and so does `<folder name>`.\n\n\
             Press <kbd>Ctrl</kbd>+<kbd>C</kbd>.\n"
        ),
    );
    let b = site.build();
    assert_eq!(at(&b, "content/swallowed-text"), [(6, Some(6)), (8, Some(23))]);
    let (path, _, _, d) = found(&b, "content/swallowed-text")[0];
    assert_eq!(path, "content/move.md");
    assert!(d.message.contains("`<path to OneDrive folder>`"), "{d:?}");
    assert!(d.help.as_deref().unwrap().contains("\\<path to OneDrive folder>"), "{d:?}");
    assert_eq!(at(&b, "html/event-handler"), [], "`OneDrive` is a word, not `on…=`");

    // What the reader sees: the placeholder is gone, the escaped one is there.
    let page = b.page("move/index.html");
    let text = texts(&page, ".e-content p").join("\n");
    assert!(!text.contains("OneDrive"), "{text}");
    assert!(text.contains("<folder name> shows"), "{text}");

    // A real handler is still one.
    site.write("content/move.md", &format!("{FM}<div onclick=\"go()\">x</div>\n"));
    assert_eq!(at(&site.build(), "html/event-handler"), [(6, Some(1))]);
}

#[test]
fn step_numbers_that_do_not_add_up_are_reported() {
    let site = TestSite::empty();
    site.write(
        "content/move.md",
        &format!(
            "{FM}## Copy\n\n\
             1. Open the old folder.\n\
             2. Select every file.\n\
             4. Paste them into the new folder.\n\n\
             ## Check\n\n\
             If a file is missing, go back to step 2. If it is still missing, see step 5.\n"
        ),
    );
    let b = site.build();
    assert_eq!(at(&b, "steps/numbering"), [(10, Some(1))]);
    assert!(found(&b, "steps/numbering")[0].3.message.contains("shows it as step 3"));
    assert_eq!(at(&b, "steps/reference"), [(14, Some(70))]);
    let d = found(&b, "steps/reference")[0].3;
    assert!(d.message.contains("`step 5` points to step 5"), "{d:?}");
    assert!(d.message.contains("go up to 4"), "{d:?}");
    // The page indeed numbers the third item 3, not the 4 that was typed.
    let page = b.page("move/index.html");
    let ol = scraper::Selector::parse(".e-content ol").unwrap();
    let list = page.select(&ol).next().expect("an ordered list");
    assert_eq!(list.value().attr("start"), None, "the list starts at 1");
    assert_eq!(list.select(&scraper::Selector::parse("li").unwrap()).count(), 3);

    // A suppression comment silences a finding like any other.
    site.write(
        "content/move.md",
        &format!("{FM}<!-- inkproof-ignore steps/reference -->\nSee step 5.\n"),
    );
    let b = site.build();
    assert_eq!(at(&b, "steps/reference"), []);
    assert_eq!(at(&b, "suppress/unused"), []);
}

#[test]
fn a_guide_whose_steps_are_in_order_has_no_step_findings() {
    let site = TestSite::empty();
    site.write(
        "content/move.md",
        &format!(
            "{FM}### Step 1: Open the folder\n\nText.\n\n### Step 2: Copy\n\n\
             1. Select.\n1. Copy.\n1. Paste.\n\nRepeat steps 1–3 for every folder, as in step 2 \
             of the [backup guide](backup/).\n"
        ),
    );
    let b = site.build();
    assert_eq!(at(&b, "steps/reference"), []);
    assert_eq!(at(&b, "steps/numbering"), []);
    assert_eq!(at(&b, "content/swallowed-text"), []);
}

#[test]
fn bold_glued_to_a_word_is_reported_where_the_word_starts() {
    let site = TestSite::empty();
    site.write(
        "content/move.md",
        &format!("{FM}Then take**Intel display audio driver** and press **Enter** to finish.\n"),
    );
    let b = site.build();
    assert_eq!(at(&b, "content/stray-emphasis"), [(6, Some(6))]);
    // The page runs the words together, as the finding says.
    let text = texts(&b.page("move/index.html"), ".e-content p").join("\n");
    assert!(text.contains("takeIntel display audio driver"), "{text}");
}

#[test]
fn a_first_heading_that_repeats_the_title_is_reported_at_the_heading() {
    let site = TestSite::empty();
    site.write(
        "content/link.md",
        "---\ntitle: \"How to Link a Key: Windows 11\"\ndate: 2024-01-01\n---\n\nIntro.\n\n## How to link a key — Windows 11\n\nText.\n",
    );
    site.write(
        "content/other.md",
        "---\ntitle: Reset the router\ndate: 2024-01-01\n---\n\nIntro.\n\n## Before you start\n\nText.\n\n## Reset the router\n\nText.\n",
    );
    let b = site.build();
    let found: Vec<_> = b
        .build
        .diagnostics
        .iter()
        .filter(|d| d.code == "content/title-repeated")
        .map(|d| (d.location.path.to_string_lossy().into_owned(), d.location.line, d.location.col))
        .collect();
    assert_eq!(found, [("content/link.md".to_string(), 8, Some(1))]);
}
