//! `spelling/misspelled` (issue 24 §1) on a site with planted misspellings:
//! each at `file:line:col` with the fix, none in code, URLs or markup, and
//! the site's own words (word list, tags) never reported.

use crate::harness::{texts, Built, TestSite};

const ID: &str = "spelling/misspelled";

fn found(b: &Built) -> Vec<(usize, Option<usize>, String)> {
    b.build
        .diagnostics
        .iter()
        .filter(|d| d.code == ID)
        .map(|d| {
            assert_eq!(d.location.path.to_str(), Some("content/mail.md"), "{d:?}");
            (d.location.line, d.location.col, d.message.clone())
        })
        .collect()
}

const ARTICLE: &str = "---
title: How to recieve mail in Mailbrid
date: 2024-01-01
description: \"Set up Mailbrid so that every adress book and folder syncs to the new computer.\"
tags: [Mailbrid]
---
## Seperate accounts

You will recieve a code. Mailbrid sends it.

![the enviroment settings](shot.png)

| Step | Result |
|---|---|
| Open | a new tabel |

Run `recieve --all`, open <https://example.org/recieve>, read [the guide](recieve.md),
see <span title=\"recieve\">this</span> and press <kbd>recieve</kbd>.

```sh
recieve --now
```

<!-- inkproof-ignore spelling/misspelled -->
An ignored recieve.
";

#[test]
fn misspellings_in_prose_title_and_description_are_found_with_the_fix() {
    let site = TestSite::empty();
    site.write("content/mail.md", ARTICLE);
    site.write("content/shot.png", "");
    let b = site.build();
    let got = found(&b);
    let expected = [
        (2, Some(15), "`recieve` is misspelt; did you mean `receive`?"),
        (4, Some(45), "`adress` is misspelt; did you mean `address`?"),
        (7, Some(4), "`Seperate` is misspelt; did you mean `Separate`?"),
        (9, Some(10), "`recieve` is misspelt; did you mean `receive`?"),
        (11, Some(7), "`enviroment` is misspelt; did you mean `environment`?"),
        (15, Some(16), "`tabel` is misspelt; did you mean `table`?"),
    ];
    let expected: Vec<_> = expected.iter().map(|(l, c, m)| (*l, *c, m.to_string())).collect();
    assert_eq!(got, expected);

    // The reader sees the misspelling the finding names, and the page keeps
    // the code untouched.
    let page = b.page("mail/index.html");
    assert!(texts(&page, "p").join(" ").contains("You will recieve a code."));
    assert_eq!(texts(&page, "pre code"), ["recieve --now"]);
}

#[test]
fn the_site_word_list_and_dialect_come_from_the_config() {
    let site = TestSite::empty();
    site.write(
        "content/mail.md",
        "---\ntitle: Colors\ndate: 2024-01-01\n---\nWe recieve the colour list.\n",
    );
    site.write("inkproof.yaml", "check:\n  spelling:\n    words: [recieve]\n    dialect: en-US\n");
    let got = found(&site.build());
    assert_eq!(
        got,
        [(
            5,
            Some(16),
            "`colour` is not the American (en-US) spelling; did you mean `color`?".into()
        )]
    );

    // A dialect the check does not know is a config error at its line.
    site.write("inkproof.yaml", "check:\n  spelling:\n    dialect: en-AU\n");
    let out = site.cli(&["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("config/invalid") && stderr.contains("en-AU"), "{stderr}");
    assert!(stderr.contains("inkproof.yaml:3"), "{stderr}");

    // Turned off, nothing is reported.
    site.write("inkproof.yaml", "checks:\n  spelling/misspelled: off\n");
    assert_eq!(found(&site.build()), []);
}
