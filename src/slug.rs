//! URL slugs for articles, taxonomy terms and heading ids.
//!
//! Slugs are lowercase ASCII so URLs survive every server and shell; common
//! Latin accents fold to their base letter (`Café` → `cafe`) so European titles
//! keep readable URLs. Everything else becomes `-`. Because the output only ever
//! contains `[a-z0-9-]`, a slug can never climb out of the output folder.

/// Slug of arbitrary text: lowercase ASCII letters, digits and single dashes.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut dash = false;
    for c in text.chars() {
        let folded = fold(c);
        for c in folded.chars() {
            if c.is_ascii_alphanumeric() {
                if dash && !out.is_empty() {
                    out.push('-');
                }
                dash = false;
                out.push(c.to_ascii_lowercase());
            } else if c != '\'' && c != '’' {
                // Apostrophes vanish (`don't` → `dont`), as most slug conventions do.
                dash = true;
            }
        }
    }
    out
}

/// Heading anchor the way GitHub and most Markdown tools make it, so the
/// `#links` authors already write keep working: lowercase, letters and digits
/// kept (accents folded), spaces become `-`, `-` and `_` stay, all other
/// punctuation is dropped (`Contributors to 1.31.0` → `contributors-to-1310`).
pub fn anchor(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars() {
        for c in fold(c).chars() {
            if c.is_alphanumeric() {
                out.extend(c.to_lowercase());
            } else if c == ' ' || c == '-' {
                out.push('-');
            } else if c == '_' {
                out.push('_');
            }
        }
    }
    out
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

fn fold(c: char) -> std::borrow::Cow<'static, str> {
    let s: &'static str = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => {
            "a"
        }
        'æ' | 'Æ' => "ae",
        'ç' | 'ć' | 'č' | 'Ç' | 'Ć' | 'Č' => "c",
        'ď' | 'đ' | 'Ď' | 'Đ' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' | 'È' | 'É' | 'Ê' | 'Ë' | 'Ě' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => "i",
        'ł' | 'Ł' => "l",
        'ñ' | 'ń' | 'ň' | 'Ñ' | 'Ń' | 'Ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ő' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ő' => {
            "o"
        }
        'œ' | 'Œ' => "oe",
        'ř' | 'Ř' => "r",
        'ś' | 'š' | 'ş' | 'Ś' | 'Š' | 'Ş' => "s",
        'ß' => "ss",
        'ť' | 'Ť' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ů' | 'ű' | 'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ů' | 'Ű' => "u",
        'ý' | 'ÿ' | 'Ý' => "y",
        'ž' | 'ź' | 'ż' | 'Ž' | 'Ź' | 'Ż' => "z",
        '+' => "-plus-",
        '&' => "-and-",
        _ => return std::borrow::Cow::Owned(c.to_string()),
    };
    std::borrow::Cow::Borrowed(s)
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
        assert_eq!(slugify("日本"), "");
    }

    #[test]
    fn anchors_follow_the_github_convention() {
        assert_eq!(anchor("Contributors to 1.31.0"), "contributors-to-1310");
        assert_eq!(anchor("Step 1 – Open Settings"), "step-1--open-settings");
        assert_eq!(anchor("What's `new`?"), "whats-new");
        assert_eq!(anchor("Café au lait"), "cafe-au-lait");
        assert_eq!(anchor("snake_case here"), "snake_case-here");
        assert_eq!(anchor("<script>"), "script");
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
