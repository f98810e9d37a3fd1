//! URL slugs for articles, taxonomy terms and heading ids.
//!
//! Slugs are lowercase ASCII so URLs survive every server, shell and chat
//! client that mangles percent-encoding. Non-ASCII text is transliterated with
//! `deunicode` rather than dropped, so a title keeps its meaning in the URL:
//! `Café Größe` → `cafe-grosse`, `Привет мир` → `privet-mir`, `数据备份` →
//! `shu-ju-bei-fen` (CJK gets Mandarin readings, also for Japanese kanji; an
//! author who wants another URL sets `slug:`). Hugo keeps Unicode slugs
//! instead; we don't, because an ASCII-only slug can never climb out of the
//! output folder and never differs between the NFC and NFD spellings macOS
//! and Linux give the same file name.

use crate::model::{FrontMatter, Source};
use crate::registry::ids;

/// Slug of arbitrary text: lowercase ASCII letters, digits and single dashes.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut dash = false;
    for c in text.chars() {
        let ascii = match c {
            // Apostrophes vanish (`don't` → `dont`), as most slug conventions do.
            '\'' | '’' | 'ʼ' => continue,
            '+' => " plus ",
            '&' => " and ",
            c if c.is_ascii() => {
                push_ascii(&mut out, &mut dash, c);
                continue;
            }
            // No transliteration (private use, unassigned): a separator.
            c => deunicode::deunicode_char(c).unwrap_or(" "),
        };
        for c in ascii.chars() {
            if c != '\'' {
                push_ascii(&mut out, &mut dash, c);
            }
        }
    }
    out
}

fn push_ascii(out: &mut String, dash: &mut bool, c: char) {
    if c.is_ascii_alphanumeric() {
        if *dash && !out.is_empty() {
            out.push('-');
        }
        *dash = false;
        out.push(c.to_ascii_lowercase());
    } else {
        *dash = true;
    }
}

/// Heading anchor the way GitHub and most Markdown tools make it, so the
/// `#links` authors already write keep working: lowercase, letters and digits
/// kept, spaces become `-`, `-` and `_` stay, all other punctuation is dropped
/// (`Contributors to 1.31.0` → `contributors-to-1310`). Accented Latin letters
/// fold to their base letter (`Café` → `cafe`); other scripts stay as they are
/// (`日本`), since an anchor never becomes a file name.
pub fn anchor(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if is_accented_latin(c) {
            let folded = deunicode::deunicode_char(c).unwrap_or("");
            out.extend(
                folded.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()),
            );
        } else if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if c == ' ' || c == '-' {
            out.push('-');
        } else if c == '_' {
            out.push('_');
        }
    }
    out
}

/// Latin-1 Supplement and Latin Extended-A/B letters (`é`, `ł`, `ß`, `ǆ`).
fn is_accented_latin(c: char) -> bool {
    matches!(c, '\u{C0}'..='\u{24F}') && c.is_alphabetic()
}

/// Drops a Jekyll/Zola-style `YYYY-MM-DD-` date prefix from a file or folder name.
pub fn strip_date_prefix(name: &str) -> &str {
    let b = name.as_bytes();
    let is_date = b.len() > 11
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
        && (b[10] == b'-' || b[10] == b'_');
    if is_date {
        &name[11..]
    } else {
        name
    }
}

/// Hands out unique ids within one page: the second `setup` becomes `setup-1`.
#[derive(Debug, Default)]
pub struct UniqueIds {
    seen: std::collections::HashMap<String, usize>,
}

impl UniqueIds {
    pub fn unique(&mut self, base: &str) -> String {
        let base = if base.is_empty() { "section" } else { base };
        if !self.seen.contains_key(base) {
            self.seen.insert(base.to_string(), 0);
            return base.to_string();
        }
        let mut n = self.seen[base];
        let candidate = loop {
            n += 1;
            let candidate = format!("{base}-{n}");
            if !self.seen.contains_key(&candidate) {
                break candidate;
            }
        };
        self.seen.insert(base.to_string(), n);
        self.seen.insert(candidate.clone(), 0);
        candidate
    }
}

/// Top-level folders the site writes itself; an article slug equal to one
/// of them would land on (or under) a generated page.
pub const RESERVED_SECTIONS: &[&str] = &["tags", "categories", "snippets", "search", "page"];

/// The most bytes in one file or folder name. ext4, XFS, Btrfs and ZFS stop
/// at 255 bytes, APFS and NTFS at 255 characters; slugs are ASCII, so bytes
/// and characters are the same and one limit holds everywhere. A longer slug
/// is a finding, never cut short: Hugo and Zola also keep the slug they are
/// given, and a cut would change a URL without telling anyone and could make
/// two long titles share one.
pub const MAX_NAME_BYTES: usize = 255;

/// Why one output path component (an article or term slug, one part of an
/// alias) cannot be written the same way on every system the site is built,
/// zipped or unpacked on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unportable {
    /// Longer than [`MAX_NAME_BYTES`]: writing it fails with "File name too
    /// long". Transliteration makes this easy to reach unseen: each of 84 CJK
    /// characters (252 bytes, a valid file name) becomes a syllable and a dash.
    TooLong(usize),
    /// A device name on Windows (`con`, `nul`, `com1`…), with or without an
    /// extension: Windows cannot create the folder, and a write to `nul`
    /// vanishes without an error.
    WindowsDevice,
}

/// Checks one path component as it will be written.
pub fn unportable(name: &str) -> Option<Unportable> {
    if name.len() > MAX_NAME_BYTES {
        Some(Unportable::TooLong(name.len()))
    } else if is_windows_device(name) {
        Some(Unportable::WindowsDevice)
    } else {
        None
    }
}

/// Windows reads `con`, `con.txt` and `CON .html` alike as the console: the
/// name up to the first dot, trailing spaces dropped, any case.
fn is_windows_device(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or_default().trim_end_matches(' ');
    let stem = stem.to_ascii_lowercase();
    match stem.as_bytes() {
        b"con" | b"aux" | b"nul" | b"prn" => true,
        [b'c', b'o', b'm', d] | [b'l', b'p', b't', d] => (b'1'..=b'9').contains(d),
        _ => false,
    }
}

/// The finding for an unportable component. `what` says whose name it is
/// (`the slug`, `the tag \`x\`'s slug`, `alias part`) and `fix` what to change.
pub fn unportable_finding(
    problem: Unportable,
    what: &str,
    name: &str,
    at: crate::diag::Location,
    fix: &str,
) -> crate::diag::Diagnostic {
    use crate::diag::Diagnostic;
    match problem {
        Unportable::TooLong(len) => {
            // The name itself can be longer than a terminal line: its start is enough.
            let shown = match name.char_indices().nth(40) {
                Some((i, _)) => format!("{}…", &name[..i]),
                None => name.to_string(),
            };
            Diagnostic::error(
                ids::SLUG_TOO_LONG,
                at,
                format!(
                    "{what} `{shown}` is {len} bytes; a file or folder name can have at most {MAX_NAME_BYTES}"
                ),
            )
            .with_help(fix.to_string())
        }
        Unportable::WindowsDevice => Diagnostic::error(
            ids::SLUG_WINDOWS_RESERVED,
            at,
            format!(
                "{what} `{name}` is a device name on Windows (con, aux, nul, prn, com1-9, lpt1-9): the site cannot be copied or unpacked there"
            ),
        )
        .with_help(fix.to_string()),
    }
}

/// The slug: `slug:`, else the file or bundle name without a date prefix, else the title.
pub fn slug_for(source: &Source, meta: &FrontMatter) -> String {
    slug_and_origin(source, meta).0
}

/// Which part of an article made its slug, so a finding about the slug
/// points where the author changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlugFrom {
    Key,
    Name,
    Title,
}

pub fn slug_origin(source: &Source, meta: &FrontMatter) -> SlugFrom {
    slug_and_origin(source, meta).1
}

fn slug_and_origin(source: &Source, meta: &FrontMatter) -> (String, SlugFrom) {
    if let Some(slug) = meta.slug.as_deref().map(slugify).filter(|s| !s.is_empty()) {
        return (slug, SlugFrom::Key);
    }
    let name = match &source.bundle_dir {
        Some(dir) => dir.file_name(),
        None => source.path.file_stem(),
    };
    let name = name.map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let slug = slugify(strip_date_prefix(&name));
    if slug.is_empty() {
        (slugify(&meta.title), SlugFrom::Title)
    } else {
        (slug, SlugFrom::Name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_ascii_dashes() {
        assert_eq!(slugify("windows 11"), "windows-11");
        assert_eq!(slugify("  How to: Link Your Key!  "), "how-to-link-your-key");
        assert_eq!(slugify("Café Größe"), "cafe-grosse");
        assert_eq!(slugify("don't panic"), "dont-panic");
        assert_eq!(slugify("C++ & Rust"), "c-plus-plus-and-rust");
        assert_eq!(slugify("../../etc/passwd"), "etc-passwd");
    }

    // Issue #9: non-ASCII titles and file names kept no meaning in their slugs.
    #[test]
    fn non_ascii_titles_are_transliterated() {
        // Accented Latin (French, German, Polish, Czech, Nordic).
        assert_eq!(slugify("Réinitialiser Windows Update"), "reinitialiser-windows-update");
        assert_eq!(slugify("Łódź Źdźbło"), "lodz-zdzblo");
        assert_eq!(slugify("Příliš žluťoučký kůň"), "prilis-zlutoucky-kun");
        assert_eq!(slugify("Ærø Øst"), "aero-ost");
        // Cyrillic.
        assert_eq!(slugify("Как активировать Windows"), "kak-aktivirovat-windows");
        assert_eq!(slugify("Привіт, світе"), "privit-svite");
        // CJK: Chinese and Japanese get readings, Korean its romanisation.
        assert_eq!(slugify("数据备份"), "shu-ju-bei-fen");
        assert_eq!(slugify("日本"), "ri-ben");
        assert_eq!(slugify("ウィンドウズ"), "uindouzu");
        assert_eq!(slugify("한국어"), "hangugeo");
        // Greek, and a decomposed (NFD, as macOS writes file names) accent.
        assert_eq!(slugify("Ελληνικά"), "ellenika");
        assert_eq!(slugify("Cafe\u{301}"), slugify("Café"));
    }

    #[test]
    fn transliterated_slugs_stay_url_safe() {
        for text in ["日本/../etc", "\u{E000}\u{E001}", "a\u{0}b", "🦀 crab", "—", "‘quoted’"]
        {
            let s = slugify(text);
            assert!(
                s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{s}"
            );
            assert!(!s.starts_with('-') && !s.ends_with('-') && !s.contains("--"), "{s}");
        }
        assert_eq!(slugify("\u{E000}"), "");
    }

    #[test]
    fn anchors_follow_the_github_convention() {
        assert_eq!(anchor("Contributors to 1.31.0"), "contributors-to-1310");
        assert_eq!(anchor("Step 1 – Open Settings"), "step-1--open-settings");
        assert_eq!(anchor("What's `new`?"), "whats-new");
        assert_eq!(anchor("Café au lait"), "cafe-au-lait");
        assert_eq!(anchor("snake_case here"), "snake_case-here");
        assert_eq!(anchor("<script>"), "script");
        assert_eq!(anchor("Größe"), "grosse");
        assert_eq!(anchor("日本 語"), "日本-語");
        assert_eq!(anchor("Привет"), "привет");
    }

    // Issue 21: `con` & co. were written as folders Windows cannot create.
    #[test]
    fn windows_device_names_with_any_extension_or_case() {
        for name in
            ["con", "CON", "Aux", "nul.html", "prn.tar.gz", "com1", "COM9.txt", "lpt5", "con .txt"]
        {
            assert_eq!(unportable(name), Some(Unportable::WindowsDevice), "{name}");
        }
        for name in ["console", "con-txt", "com0", "com10", "lpt", "nul-guide", "icon", "a.con"] {
            assert_eq!(unportable(name), None, "{name}");
        }
    }

    // Issue 21: a 335-byte slug failed the write with "File name too long".
    #[test]
    fn names_above_255_bytes_are_too_long() {
        assert_eq!(unportable(&"a".repeat(255)), None);
        assert_eq!(unportable(&"a".repeat(256)), Some(Unportable::TooLong(256)));
        // 84 CJK characters fit in a file name (252 bytes) but not once transliterated.
        let slug = slugify(&"数".repeat(84));
        assert_eq!(unportable(&slug), Some(Unportable::TooLong(335)));
    }

    #[test]
    fn date_prefix_is_dropped() {
        assert_eq!(strip_date_prefix("2024-08-22-link-key"), "link-key");
        assert_eq!(strip_date_prefix("2024-08-22"), "2024-08-22");
        assert_eq!(strip_date_prefix("link-key"), "link-key");
    }

    #[test]
    fn unique_ids_get_suffixes() {
        let mut ids = UniqueIds::default();
        assert_eq!(ids.unique("setup"), "setup");
        assert_eq!(ids.unique("setup"), "setup-1");
        assert_eq!(ids.unique("setup-1"), "setup-1-1");
        assert_eq!(ids.unique("setup"), "setup-2");
        assert_eq!(ids.unique(""), "section");
    }
}
