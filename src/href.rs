//! URL paths and link targets, one rule each.
//!
//! Several stages used to answer the same questions their own way (is this
//! link off the site? what file does `My%20Notes.md` name? how is an output
//! path written in a URL?) and disagreed at the edges: `_headers` listed a
//! snippet under a raw space while its download link was percent-encoded. This
//! module imports nothing from the stages, so any of them can use it.

use std::path::Path;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_paths_encode_each_segment_and_keep_unreserved_characters() {
        assert_eq!(url_path(Path::new("guide/My Check.ps1")), "guide/My%20Check.ps1");
        assert_eq!(url_path(Path::new("a-b_c.d~e/index.html")), "a-b_c.d~e/index.html");
        assert_eq!(url_path(Path::new("dé/100%#?.txt")), "d%C3%A9/100%25%23%3F.txt");
    }
}
