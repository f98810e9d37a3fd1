//! URL paths and link targets, one rule each.
//!
//! Several stages used to answer the same questions their own way (is this
//! link off the site? what file does `My%20Notes.md` name? how is an output
//! path written in a URL?) and disagreed at the edges: `_headers` listed a
//! snippet under a raw space while its download link was percent-encoded. This
//! module imports nothing from the stages, so any of them can use it.

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use url::{ParseError, Url};

/// RFC 3986 unreserved characters stay as they are; everything else in a
/// segment, `/` included, is encoded so a file name can never read as two
/// segments or a query.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// An output path (`guide/My Check.ps1`) as the path of a URL
/// (`guide/My%20Check.ps1`), without a leading slash. Every writer of a URL to
/// an output file goes through here, so links, feeds and `_headers` name a
/// file the same way.
pub fn url_path(path: &Path) -> String {
    let mut out = String::new();
    for (i, part) in path.components().enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.extend(utf8_percent_encode(&part.as_os_str().to_string_lossy(), SEGMENT));
    }
    out
}

/// A path as written in a link (`My%20Notes.md`) as the file name it means.
/// Every escape is decoded, not just `%20`: editors write `%C3%A9` for `é`.
/// Bytes that are not UTF-8 become U+FFFD, which names no file, so the link
/// is reported as broken instead of matching by accident.
pub fn decode(path: &str) -> Cow<'_, str> {
    percent_decode_str(path).decode_utf8_lossy()
}

/// Whether a link leaves the site's own files: it names a scheme (`https:`,
/// `mailto:`, `data:`, `tel:` …) or a host (`//cdn.example.org/x.png`). The
/// URL parser decides what a scheme is, so `./a:b.md` stays a local file and
/// a malformed `https://exa mple.org` is still not one of the site's pages.
pub fn is_external(href: &str) -> bool {
    href.starts_with("//") || !matches!(Url::parse(href), Err(ParseError::RelativeUrlWithoutBase))
}

/// Whether the link checker can fetch `href`: an http(s) URL. `//host` is left
/// out (its scheme is the page's, unknown while checking); a malformed
/// http(s) URL is kept, so the checker reports it instead of dropping it.
pub fn is_web(href: &str) -> bool {
    match Url::parse(href) {
        Ok(u) => matches!(u.scheme(), "http" | "https"),
        Err(ParseError::RelativeUrlWithoutBase) => false,
        Err(_) => href.split_once(':').is_some_and(|(scheme, _)| {
            scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
        }),
    }
}

/// A link to another article's Markdown file, as the renderer rewrites it and
/// the link check follows it (one rule, so the two cannot disagree).
#[derive(Debug, PartialEq, Eq)]
pub struct MdLink<'a> {
    /// The file named, joined onto the linking article's folder (or the
    /// content folder for `/…`) but not yet normalised: `..` past the site is
    /// for the caller to refuse.
    pub file: PathBuf,
    /// `#fragment` as written, kept on the rewritten URL.
    pub fragment: &'a str,
}

/// `Some` when `dest`, written in the article at `from`, links to a `.md`
/// file; `None` for anything else (pages, images, external URLs, `#anchors`).
/// A `?query` is dropped: a file has none.
pub fn md_link<'a>(dest: &'a str, from: &Path, content_dir: &Path) -> Option<MdLink<'a>> {
    if is_external(dest) {
        return None;
    }
    let (path, fragment) = dest.find('#').map_or((dest, ""), |i| (&dest[..i], &dest[i..]));
    let path = path.split('?').next().unwrap_or(path);
    if !path.to_ascii_lowercase().ends_with(".md") {
        return None;
    }
    let decoded = decode(path);
    let file = match decoded.strip_prefix('/') {
        Some(abs) => content_dir.join(abs),
        None => from.parent().unwrap_or(Path::new("")).join(&*decoded),
    };
    Some(MdLink { file, fragment })
}

/// Lexically normalises a relative path (`a/./b/../c` → `a/c`). Returns `None`
/// when it would climb above its start or is absolute: such a path escapes its root.
pub fn normalize_within(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// Output file of a page URL: `/docs/slug/` → `slug/index.html` (base path dropped).
pub fn page_path(base_path: &str, url: &str) -> PathBuf {
    let rel = url.strip_prefix(base_path).unwrap_or(url).trim_matches('/');
    if rel.is_empty() {
        PathBuf::from("index.html")
    } else {
        PathBuf::from(rel).join("index.html")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_refuses_escapes() {
        assert_eq!(normalize_within(Path::new("a/./b/../c")), Some(PathBuf::from("a/c")));
        assert_eq!(normalize_within(Path::new("a/../../c")), None);
        assert_eq!(normalize_within(Path::new("/etc/passwd")), None);
    }

    #[test]
    fn url_paths_encode_each_segment_and_keep_unreserved_characters() {
        assert_eq!(url_path(Path::new("guide/My Check.ps1")), "guide/My%20Check.ps1");
        assert_eq!(url_path(Path::new("a-b_c.d~e/index.html")), "a-b_c.d~e/index.html");
        assert_eq!(url_path(Path::new("dé/100%#?.txt")), "d%C3%A9/100%25%23%3F.txt");
    }

    #[test]
    fn decoding_reads_every_escape_and_never_fails() {
        assert_eq!(decode("My%20Notes.md"), "My Notes.md");
        assert_eq!(decode("caf%C3%A9.md"), "café.md");
        assert_eq!(decode("100%.md"), "100%.md");
        assert_eq!(decode("%zz%2"), "%zz%2");
        assert_eq!(decode("bad%FF.md"), "bad\u{FFFD}.md");
    }

    #[test]
    fn external_means_a_scheme_or_a_host() {
        for href in [
            "https://x.org/a",
            "HTTP://x.org",
            "//cdn.x.org/a.png",
            "mailto:a@b.c",
            "tel:+331",
            "data:image/png;base64,AA",
            "ftp://x.org/f",
            "https://exa mple.org/",
            "javascript:alert(1)",
        ] {
            assert!(is_external(href), "{href}");
        }
        for href in ["/guide/", "guide/", "../a.md", "./a:b.md", "#top", "", "?q=1", "a%3Ab.md"] {
            assert!(!is_external(href), "{href}");
        }
    }

    #[test]
    fn web_links_are_http_or_https_with_a_scheme_written() {
        for href in ["https://x.org/a", "HTTP://x.org", "https://exa mple.org/"] {
            assert!(is_web(href), "{href}");
        }
        for href in ["//x.org/a", "/guide/", "mailto:a@b.c", "ftp://x.org", "data:,x", "#a"] {
            assert!(!is_web(href), "{href}");
        }
    }

    #[test]
    fn md_links_resolve_relative_absolute_and_encoded_names() {
        let from = Path::new("content/guide/index.md");
        let content = Path::new("content");
        let file = |dest: &'static str| md_link(dest, from, content).map(|l| (l.file, l.fragment));
        assert_eq!(file("other.md#step-2"), Some(("content/guide/other.md".into(), "#step-2")));
        assert_eq!(file("../My%20Notes.MD"), Some(("content/guide/../My Notes.MD".into(), "")));
        assert_eq!(file("/setup/index.md?x=1"), Some(("content/setup/index.md".into(), "")));
        assert_eq!(file("./a:b.md"), Some(("content/guide/./a:b.md".into(), "")));
        for dest in
            ["https://x.org/a.md", "//x.org/a.md", "mailto:a.md", "#a.md", "page/", "a.md.png"]
        {
            assert_eq!(file(dest), None, "{dest}");
        }
    }
}
