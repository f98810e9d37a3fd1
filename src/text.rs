//! The one HTML character-reference decoder of the crate.
//!
//! Browsers decode far more than `&name;` and `&#NN;`: a numeric reference
//! without its `;` (`javascript&#58alert(1)`), legacy names without one
//! (`&amp`), `&Tab;`, `&NewLine;` and the other two thousand names. A check
//! that decodes less than the browser lets a `javascript:` URL through, so
//! decoding is left to html5ever's tokenizer (the spec's own algorithm, as
//! browsers run it) instead of a hand-written table.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

/// Collects what the tokenizer makes of the input: the characters of text, and
/// the attribute values of the one start tag fed for attribute decoding.
#[derive(Default)]
struct Collect {
    text: RefCell<String>,
    attr: RefCell<Option<String>>,
}

impl TokenSink for Collect {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        match token {
            Token::CharacterTokens(t) => self.text.borrow_mut().push_str(&t),
            Token::NullCharacterToken => self.text.borrow_mut().push('\0'),
            Token::TagToken(Tag { kind: TagKind::StartTag, attrs, .. }) => {
                *self.attr.borrow_mut() = attrs.into_iter().next().map(|a| a.value.to_string());
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

fn tokenize(html: &str) -> Collect {
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tok = Tokenizer::new(Collect::default(), TokenizerOpts::default());
    let _ = tok.feed(&input);
    tok.end();
    tok.sink
}

/// An attribute value as the browser reads it (`href="java&Tab;script&#58x"`
/// → `java\tscript:x`). `raw` is the value between the quotes.
pub fn decode_attribute(raw: &str) -> String {
    if !raw.contains('&') {
        return raw.to_string();
    }
    // Inside double quotes only `"` ends the value; given as a reference it
    // decodes back to itself, so every value round-trips.
    let tag = format!("<a v=\"{}\">", raw.replace('"', "&quot;"));
    tokenize(&tag).attr.into_inner().unwrap_or_default()
}

/// Text between tags as the browser reads it (`Caf&eacute; &amp; more` →
/// `Café & more`). `raw` holds no tags: a `<` in it is taken literally.
pub fn decode_text(raw: &str) -> String {
    if !raw.contains('&') {
        return raw.to_string();
    }
    tokenize(&raw.replace('<', "&lt;")).text.into_inner()
}

/// Characters that change what a reader sees or copies without showing
/// themselves: bidi controls reorder the text around them ("Trojan Source":
/// the command shown is not the command run), zero-width ones split or join
/// words invisibly (a look-alike command, a search that never matches).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invisible {
    Bidi,
    ZeroWidth,
}

/// The kind of `c` when it is one of the invisible characters, with its
/// Unicode name for messages and the rendered marker.
pub fn invisible(c: char) -> Option<(Invisible, &'static str)> {
    use Invisible::{Bidi, ZeroWidth};
    Some(match c {
        '\u{202A}' => (Bidi, "LEFT-TO-RIGHT EMBEDDING"),
        '\u{202B}' => (Bidi, "RIGHT-TO-LEFT EMBEDDING"),
        '\u{202C}' => (Bidi, "POP DIRECTIONAL FORMATTING"),
        '\u{202D}' => (Bidi, "LEFT-TO-RIGHT OVERRIDE"),
        '\u{202E}' => (Bidi, "RIGHT-TO-LEFT OVERRIDE"),
        '\u{2066}' => (Bidi, "LEFT-TO-RIGHT ISOLATE"),
        '\u{2067}' => (Bidi, "RIGHT-TO-LEFT ISOLATE"),
        '\u{2068}' => (Bidi, "FIRST STRONG ISOLATE"),
        '\u{2069}' => (Bidi, "POP DIRECTIONAL ISOLATE"),
        '\u{200B}' => (ZeroWidth, "ZERO WIDTH SPACE"),
        '\u{200C}' => (ZeroWidth, "ZERO WIDTH NON-JOINER"),
        '\u{200D}' => (ZeroWidth, "ZERO WIDTH JOINER"),
        '\u{2060}' => (ZeroWidth, "WORD JOINER"),
        '\u{FEFF}' => (ZeroWidth, "ZERO WIDTH NO-BREAK SPACE"),
        _ => return None,
    })
}

/// Whether `s` may hold an [`invisible`] character: all are three UTF-8 bytes
/// led by 0xE2 or 0xEF, so text without those bytes (most of it) is passed
/// over without decoding a character.
pub fn may_hold_invisible(s: &str) -> bool {
    memchr::memchr2(0xE2, 0xEF, s.as_bytes()).is_some() && s.chars().any(|c| invisible(c).is_some())
}

/// Whether an attribute is one a browser runs as code: `on` and a name of
/// letters (`onclick`, `onMouseOver`). A bare word that starts with `on`
/// (`onedrive` in `<path to OneDrive folder>`) is one only with a value, which
/// the caller knows.
pub fn is_event_handler(name: &str) -> bool {
    name.len() > 2
        && name.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("on"))
        && name[2..].bytes().all(|b| b.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_decode_as_browsers_do() {
        assert_eq!(decode_attribute("javascript&#58alert(1)"), "javascript:alert(1)");
        assert_eq!(decode_attribute("&#x6A;avascript:"), "javascript:");
        assert_eq!(decode_attribute("java&Tab;script&colon;x"), "java\tscript:x");
        assert_eq!(decode_attribute("a\"b&quot;c"), "a\"b\"c");
        // In attributes a legacy name followed by `=` stays as written (query strings).
        assert_eq!(decode_attribute("?a=1&copy=2"), "?a=1&copy=2");
        assert_eq!(decode_attribute("plain"), "plain");
    }

    #[test]
    fn text_decodes_as_browsers_do() {
        assert_eq!(decode_text("a &amp; b &#233; &#x41; &bogus; &"), "a & b é A &bogus; &");
        assert_eq!(decode_text("Caf&eacute; &lt;b&gt; 1 < 2 &amp"), "Café <b> 1 < 2 &");
    }
}
