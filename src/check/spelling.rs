//! `spelling/misspelled`: known misspellings in what the reader reads.
//!
//! The dictionary is `typos-dict` (the one the `typos` source-code checker
//! ships): it lists words that are certainly wrong (`recieve`) with their
//! corrections, not every word that is right. So an unknown product name, a
//! command or a foreign word is never a finding, which is what keeps the noise
//! near zero; the price is that a misspelling nobody listed yet passes.
//! `typos-vars` adds the American and British spellings for the dialect.
//!
//! Only prose is read: the collector hands over text runs outside code, raw
//! HTML and autolinks, and words that look technical (paths, URLs, file
//! names, `camelCase`, `ALLCAPS`, words glued to digits) are skipped here.

use std::path::Path;

use unicase::UniCase;

use crate::config::{Config, Dialect};
use crate::diag::{Diagnostic, LineIndex, Location};
use crate::model::Article;
use crate::registry::ids;

use super::facts::Facts;

/// Words this short are mostly abbreviations and units in how-tos, and the
/// dictionary's entries for them are the noisiest.
const MIN_CHARS: usize = 4;

/// What the check needs besides the facts.
pub struct Input<'a> {
    pub config: &'a Config,
    pub path: &'a Path,
    /// The whole source file, which the facts' offsets point into.
    pub text: &'a str,
    pub index: &'a LineIndex<'a>,
    pub article: Option<&'a Article>,
}

pub fn check(input: &Input<'_>, facts: &Facts, out: &mut Vec<Diagnostic>) {
    if input.config.checks.get(ids::SPELLING_MISSPELLED.0.as_str())
        == Some(&crate::config::Level::Off)
    {
        // Turned off: not even the lookups are paid for.
        return;
    }
    let known = Known::new(input.config, input.article);
    let dialect = input.config.check.spelling.dialect;
    for run in &facts.prose {
        let source = input.text.get(run.start..run.end).unwrap_or("");
        let text = run.text.as_deref().unwrap_or(source);
        let mut cursor = 0;
        for (offset, word) in words(text) {
            let Some(fix) = misspelling(word, dialect, &known) else { continue };
            // The source differs from the text (escapes, entities): the
            // word's place is where it is written, else the run's start.
            let at = if run.text.is_none() {
                run.start + offset
            } else {
                match source[cursor..].find(word) {
                    Some(i) => {
                        cursor += i + word.len();
                        run.start + cursor - word.len()
                    }
                    None => run.start,
                }
            };
            out.push(finding(input.index.location(input.path, at), word, &fix));
        }
    }
    if let Some(a) = input.article {
        front_matter_value(input, "title", &a.meta.title, dialect, &known, out);
        if let Some(d) = &a.meta.description {
            front_matter_value(input, "description", d, dialect, &known, out);
        }
    }
}

fn finding(loc: Location, word: &str, fix: &Fix) -> Diagnostic {
    let options: Vec<String> = fix.corrections.iter().map(|c| format!("`{c}`")).collect();
    let message = match fix.kind {
        Kind::Typo => format!("`{word}` is misspelt; did you mean {}?", options.join(" or ")),
        Kind::Dialect(d) => {
            format!("`{word}` is not the {d} spelling; did you mean {}?", options.join(" or "))
        }
    };
    let help = match fix.kind {
        Kind::Typo => {
            "fix the word; if it is right here (a name), add it to `check.spelling.words`"
        }
        Kind::Dialect(_) => {
            "the site's `check.spelling.dialect` picks one spelling; use it, or set the dialect to `en` to accept both"
        }
    };
    Diagnostic::warning(ids::SPELLING_MISSPELLED, loc, message).with_help(help)
}

/// The `title:` or `description:` value, located on its line in the front matter.
fn front_matter_value(
    input: &Input<'_>,
    key: &str,
    value: &str,
    dialect: Dialect,
    known: &Known<'_>,
    out: &mut Vec<Diagnostic>,
) {
    for (_, word) in words(value) {
        let Some(fix) = misspelling(word, dialect, known) else { continue };
        let loc = match crate::front_matter::locate_key(input.text, key) {
            Some((line, col)) => {
                let line_text = input.text.lines().nth(line - 1).unwrap_or("");
                // Columns count characters; find the word from the value on.
                let value_start =
                    line_text.char_indices().nth(col - 1).map_or(line_text.len(), |(i, _)| i);
                let col = line_text[value_start..]
                    .find(word)
                    .map_or(col, |i| col + line_text[value_start..value_start + i].chars().count());
                Location::new(input.path, line, Some(col))
            }
            None => Location::new(input.path, 1, None),
        };
        out.push(finding(loc, word, &fix));
    }
}

/// Words the site vouches for: its word list, the words of its own title and
/// of the article's tags (tags are mostly product names: `OneDrive`, `WSL`).
/// Looked up only after the dictionary flags a word, which is rare, so a
/// plain scan beats building a set for every article.
struct Known<'a> {
    config: &'a Config,
    article: Option<&'a Article>,
}

impl<'a> Known<'a> {
    fn new(config: &'a Config, article: Option<&'a Article>) -> Self {
        Known { config, article }
    }

    fn contains(&self, word: &str) -> bool {
        let is = |w: &str| w.eq_ignore_ascii_case(word);
        let spelling = &self.config.check.spelling;
        spelling.words.iter().any(|w| is(w.trim()))
            || words(&self.config.title).any(|(_, w)| is(w))
            || self
                .article
                .is_some_and(|a| a.meta.tags.iter().any(|t| is(t) || words(t).any(|(_, w)| is(w))))
    }
}

#[derive(Debug)]
enum Kind {
    Typo,
    /// The other dialect's spelling; the name of the site's.
    Dialect(&'static str),
}

#[derive(Debug)]
struct Fix {
    kind: Kind,
    corrections: Vec<String>,
}

/// The correction of `word`, if the dictionary (or the dialect) has one.
fn misspelling(word: &str, dialect: Dialect, known: &Known<'_>) -> Option<Fix> {
    // Most words have no curly apostrophe: no copy for them.
    let key = match word.contains('\u{2019}') {
        true => std::borrow::Cow::Owned(word.replace('\u{2019}', "'")),
        false => std::borrow::Cow::Borrowed(word),
    };
    let key = UniCase::new(key.as_ref());
    let (kind, corrections): (Kind, Vec<&str>) = match typos_dict::WORD.find(&key) {
        Some(fixes) => (Kind::Typo, fixes.iter().map(|f| in_dialect(f, dialect)).collect()),
        None => {
            let (bit, index, name) = dialect_bits(dialect)?;
            let entries = typos_vars::VARS.find(&key)?;
            if entries.iter().any(|(flags, _)| flags & bit != 0) {
                return None;
            }
            let fixes: Vec<&str> =
                entries.iter().flat_map(|(_, variants)| variants[index].iter().copied()).collect();
            if dialect == Dialect::British && fixes.iter().any(|f| oxford(word, f)) {
                return None;
            }
            (Kind::Dialect(name), fixes)
        }
    };
    if corrections.is_empty() || known.contains(word) {
        return None;
    }
    let mut out: Vec<String> = Vec::new();
    for c in corrections {
        let c = same_case(word, c);
        if !out.contains(&c) {
            out.push(c);
        }
    }
    Some(Fix { kind, corrections: out })
}

/// The `typos-vars` category bit and variant column of a dialect, and its name.
fn dialect_bits(dialect: Dialect) -> Option<(u8, usize, &'static str)> {
    match dialect {
        Dialect::Any => None,
        Dialect::American => Some((typos_vars::Category::American as u8, 0, "American (en-US)")),
        Dialect::British => Some((typos_vars::Category::BritishIse as u8, 1, "British (en-GB)")),
    }
}

/// A correction as the site's dialect spells it (the dictionary's are mostly
/// American: `behavoir` → `behavior`, which an en-GB site wants as `behaviour`).
fn in_dialect(correction: &'static str, dialect: Dialect) -> &'static str {
    let Some((bit, index, _)) = dialect_bits(dialect) else { return correction };
    let Some(entries) = typos_vars::VARS.find(&UniCase::new(correction)) else {
        return correction;
    };
    if entries.iter().any(|(flags, _)| flags & bit != 0) {
        return correction;
    }
    entries.iter().find_map(|(_, v)| v[index].first().copied()).unwrap_or(correction)
}

/// `-ize` where the British list has `-ise` (`organization`): Oxford
/// spelling, which British publishers use too, so not a dialect slip.
fn oxford(word: &str, british: &str) -> bool {
    word.len() == british.len()
        && word.to_ascii_lowercase().replace("iz", "is") == british.to_ascii_lowercase()
}

/// `correction` with the first letter capitalised when `word`'s is (a
/// misspelling at the start of a sentence or in a title).
fn same_case(word: &str, correction: &str) -> String {
    let mut chars = correction.chars();
    match (word.chars().next(), chars.next()) {
        (Some(w), Some(c)) if w.is_uppercase() => c.to_uppercase().chain(chars).collect(),
        _ => correction.to_string(),
    }
}

/// The words of a prose text worth looking up, with their byte offsets.
///
/// A whitespace-separated chunk that looks like a path, URL, address, option
/// or file name is skipped whole; in the others, a word is a run of letters
/// (with apostrophes inside), skipped when it is short, glued to a digit or
/// underscore, or has a capital after its first letter (names, acronyms).
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    chunks(text).filter(|(_, chunk)| !technical(chunk)).flat_map(|(start, chunk)| {
        letter_runs(chunk).filter_map(move |(i, word)| {
            let before = chunk[..i].chars().next_back();
            let after = chunk[i + word.len()..].chars().next();
            let glued = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit() || c == '_');
            let plain = word.chars().count() >= MIN_CHARS
                && word.is_ascii()
                && !glued(before)
                && !glued(after)
                && !word.chars().skip(1).any(|c| c.is_ascii_uppercase());
            plain.then_some((start + i, word))
        })
    })
}

fn chunks(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(char::is_whitespace)
        .filter(|c| !c.is_empty())
        .map(move |c| (c.as_ptr() as usize - text.as_ptr() as usize, c))
}

/// A chunk that is not words: `https://…`, `C:\Users`, `a@b.org`,
/// `config.yaml`, `--force`, `$HOME`, `<tag>`, `key=value`.
fn technical(chunk: &str) -> bool {
    let trimmed = chunk.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '"', '\'']);
    // Smart punctuation turns an option's `--` into a dash.
    chunk.starts_with(['-', '\u{2013}', '\u{2014}'])
        || trimmed.contains(['/', '\\', '@', '_', '=', '<', '>', '{', '}', '$', '%', '#', '~', '|'])
        || trimmed.contains("..")
        || trimmed
            .split_once('.')
            .is_some_and(|(a, b)| !a.is_empty() && b.starts_with(|c: char| c.is_alphanumeric()))
}

/// Runs of letters, apostrophes allowed between letters (`don't`).
fn letter_runs(chunk: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = chunk.char_indices().peekable();
    std::iter::from_fn(move || {
        let (start, _) = rest.by_ref().find(|(_, c)| c.is_alphabetic())?;
        let mut end = chunk.len();
        while let Some(&(i, c)) = rest.peek() {
            let apostrophe = (c == '\'' || c == '\u{2019}')
                && chunk[i + c.len_utf8()..].starts_with(char::is_alphabetic);
            if !(c.is_alphabetic() || apostrophe) {
                end = i;
                break;
            }
            rest.next();
        }
        Some((start, &chunk[start..end]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::facts::{collect, Mapper};
    use crate::model::OffsetMap;

    fn findings_with(config: &Config, body: &str) -> Vec<Diagnostic> {
        let index = LineIndex::new(body);
        let map = OffsetMap::default();
        let facts = collect(body, &Mapper { index: &index, body_offset: 0, map: &map });
        let input =
            Input { config, path: Path::new("a.md"), text: body, index: &index, article: None };
        let mut out = Vec::new();
        check(&input, &facts, &mut out);
        out
    }

    fn findings(body: &str) -> Vec<Diagnostic> {
        findings_with(&Config::default(), body)
    }

    fn at(d: &Diagnostic) -> (usize, Option<usize>) {
        (d.location.line, d.location.col)
    }

    #[test]
    fn a_misspelling_in_a_paragraph_is_found_at_its_column_with_the_fix() {
        let d = findings("Intro.\n\nYou will recieve an email.\n");
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, "spelling/misspelled");
        assert_eq!(at(&d[0]), (3, Some(10)));
        assert_eq!(d[0].message, "`recieve` is misspelt; did you mean `receive`?");
    }

    #[test]
    fn headings_list_items_table_cells_and_alt_text_are_prose() {
        let body = "## Recieve mail\n\n- the adress\n\n| a | b |\n|---|---|\n| x | seperate |\n\n![a screenshot of the enviroment](shot.png)\n";
        let d = findings(body);
        let got: Vec<_> = d.iter().map(|d| (at(d), d.message.as_str())).collect();
        assert_eq!(
            got,
            [
                ((1, Some(4)), "`Recieve` is misspelt; did you mean `Receive`?"),
                ((3, Some(7)), "`adress` is misspelt; did you mean `address`?"),
                ((7, Some(7)), "`seperate` is misspelt; did you mean `separate`?"),
                ((9, Some(23)), "`enviroment` is misspelt; did you mean `environment`?"),
            ]
        );
    }

    #[test]
    fn code_urls_link_targets_and_html_attributes_are_not_prose() {
        let body = "Run `recieve` now.\n\n```sh\nrecieve --all\n```\n\n    recieve indented\n\nSee <https://example.org/recieve> and https://example.org/recieve and [the docs](recieve.md) and [x](https://e.org/recieve).\n\n<span title=\"recieve\">ok</span> and <kbd>recieve</kbd> and <code>recieve</code>.\n\n<div class=\"recieve\">\nrecieve in a block\n</div>\n\nOpen recieve.txt or C:\\recieve or ~/recieve or --recieve.\n";
        assert!(findings(body).is_empty(), "{:?}", findings(body));
    }

    #[test]
    fn names_acronyms_short_words_and_words_glued_to_digits_are_skipped() {
        // `teh` (3 letters), `Recieve` in camelCase, ALLCAPS, `recieve2`.
        let body = "See teh myRecieveBox and RECIEVE and recieve2 here.\n";
        assert!(findings(body).is_empty(), "{:?}", findings(body));
    }

    #[test]
    fn a_site_word_silences_it_and_an_escape_still_places_the_word() {
        let mut config = Config::default();
        config.check.spelling.words = vec!["Recieve".into()];
        assert!(findings_with(&config, "We recieve it.\n").is_empty());
        let d = findings("A \\*star\\* and recieve.\n");
        assert_eq!(at(&d[0]), (1, Some(16)), "{d:?}");
    }

    #[test]
    fn the_dialect_reports_the_other_spelling_and_spells_the_fix_its_way() {
        let body = "Pick a colour and the behavoir.\n";
        // Both spellings pass by default.
        let d = findings(body);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].message.contains("`behavior`"), "{d:?}");
        let mut config = Config::default();
        config.check.spelling.dialect = Dialect::American;
        let d = findings_with(&config, body);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(
            d[0].message,
            "`colour` is not the American (en-US) spelling; did you mean `color`?"
        );
        config.check.spelling.dialect = Dialect::British;
        let d = findings_with(&config, "Pick a color, organize the behavoir.\n");
        let got: Vec<_> = d.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            got,
            [
                "`color` is not the British (en-GB) spelling; did you mean `colour`?",
                "`behavoir` is misspelt; did you mean `behaviour`?",
            ],
            "Oxford -ize passes in en-GB"
        );
    }

    #[test]
    fn a_misspelt_title_is_found_on_its_front_matter_line() {
        let text =
            "---\ntitle: How to recieve mail\ndescription: Set up the adress book.\n---\nBody.\n";
        let config = Config::default();
        let index = LineIndex::new(text);
        let input =
            Input { config: &config, path: Path::new("a.md"), text, index: &index, article: None };
        let known = Known::new(&config, None);
        let mut d = Vec::new();
        front_matter_value(&input, "title", "How to recieve mail", Dialect::Any, &known, &mut d);
        front_matter_value(
            &input,
            "description",
            "Set up the adress book.",
            Dialect::Any,
            &known,
            &mut d,
        );
        let got: Vec<_> = d.iter().map(|d| (at(d), d.message.as_str())).collect();
        assert_eq!(
            got,
            [
                ((2, Some(15)), "`recieve` is misspelt; did you mean `receive`?"),
                ((3, Some(25)), "`adress` is misspelt; did you mean `address`?"),
            ]
        );
    }

    #[test]
    fn turned_off_it_does_no_work() {
        let mut config = Config::default();
        config.checks.insert("spelling/misspelled".into(), crate::config::Level::Off);
        assert!(findings_with(&config, "We recieve it.\n").is_empty());
    }
}
