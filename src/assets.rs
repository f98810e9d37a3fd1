//! Facts about asset files that pages need at build time: an image's pixel
//! size, a stylesheet minified, a content-addressed file name.
//!
//! What a reader of this module must know: [`image_size`] is the only place
//! that reads an image file while rendering Markdown. The engine (issue 6)
//! wants every file read to go through its loader so edits are tracked; when
//! it does, this one function is what changes.

use std::path::Path;

use sha2::{Digest, Sha256};

/// Width and height in CSS pixels of a local image, or `None` when the file
/// cannot be read or its format is unknown (the image then simply has no
/// size attributes, as before).
///
/// Raster formats are read from their header only (`imagesize`). SVG has no
/// header: its size is the root element's `width`/`height`, else its
/// `viewBox`, which is what a browser uses for an `<img>`.
pub fn image_size(name: &Path, bytes: &[u8]) -> Option<(u32, u32)> {
    let is_svg = name.extension().is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    if is_svg {
        svg_size(bytes)
    } else {
        let s = imagesize::blob_size(bytes).ok()?;
        Some((u32::try_from(s.width).ok()?, u32::try_from(s.height).ok()?))
    }
}

/// The intrinsic size of an SVG document, rounded to whole pixels.
pub fn svg_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let tree = resvg::usvg::Tree::from_data(bytes, &resvg::usvg::Options::default()).ok()?;
    let size = tree.size();
    let (w, h) = (size.width().round(), size.height().round());
    // Sizes come from author-written attributes: keep them to sane bounds.
    ((1.0..=100_000.0).contains(&w) && (1.0..=100_000.0).contains(&h))
        .then_some((w as u32, h as u32))
}

/// `style.css` + its bytes → `style.1a2b3c4d.css`: a name that changes
/// whenever the content does, so the file can be cached for a year
/// (`Cache-Control: immutable`) and a new build is still seen at once.
/// Eight hex digits of SHA-256: a clash between two versions of one file is a
/// one-in-four-billion event. A name without an extension gets the hash appended.
pub fn fingerprint(name: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hash: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !stem.ends_with('/') => {
            format!("{stem}.{hash}.{ext}")
        }
        _ => format!("{name}.{hash}"),
    }
}

/// `_headers` lines (Netlify / Cloudflare Pages format) that let browsers keep
/// fingerprinted files for a year without asking again: their names change
/// whenever their bytes do. `paths` are output paths (`style.1a2b3c4d.css`).
pub fn immutable_headers(base_path: &str, paths: &[&str]) -> String {
    let mut out = String::new();
    for p in paths {
        out.push_str(base_path.trim_end_matches('/'));
        out.push('/');
        out.push_str(p.trim_start_matches('/'));
        out.push_str("\n  Cache-Control: public, max-age=31536000, immutable\n");
    }
    out
}

/// The stylesheet without comments and needless whitespace. A sheet the
/// minifier cannot tokenise is returned as written: a bigger page beats a
/// broken theme.
pub fn minify_css(css: &str) -> String {
    match minifier::css::minify(css) {
        Ok(min) => min.to_string(),
        Err(_) => css.to_string(),
    }
}

/// The script without comments and needless whitespace (the theme's budget
/// is 10 KB of JavaScript per page, minified). A script the minifier cannot
/// tokenise is returned as written.
pub fn minify_js(js: &str) -> String {
    match minifier::js::minify(js) {
        Ok(min) => min.to_string(),
        Err(_) => js.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_keeps_the_extension_and_follows_the_content() {
        let a = fingerprint("style.css", b"body{}");
        assert!(
            a.starts_with("style.") && a.ends_with(".css") && a.len() == "style..css".len() + 8,
            "{a}"
        );
        assert_ne!(a, fingerprint("style.css", b"body{ }"));
        assert_eq!(a, fingerprint("style.css", b"body{}"));
        assert!(fingerprint("fonts/x.woff2", b"x").starts_with("fonts/x."));
        assert_eq!(fingerprint("LICENSE", b"x").len(), "LICENSE.".len() + 8);
    }

    #[test]
    fn fingerprinted_files_are_cached_for_a_year() {
        let h =
            immutable_headers("/docs", &[&fingerprint("style.css", b"x"), "search.1234abcd.js"]);
        let lines: Vec<&str> = h.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[0].starts_with("/docs/style.") && lines[0].ends_with(".css"), "{h}");
        assert_eq!(lines[1], "  Cache-Control: public, max-age=31536000, immutable");
        assert_eq!(lines[2], "/docs/search.1234abcd.js");
        assert_eq!(
            immutable_headers("", &["a.css"]),
            "/a.css\n  Cache-Control: public, max-age=31536000, immutable\n"
        );
    }

    #[test]
    fn minified_css_is_smaller_and_keeps_every_rule() {
        let css = "/* theme */\n:root {\n  --bg: #fff;\n}\n\n.a > b ,  .c:hover {\n  color: var(--bg);\n}\n@media (max-width: 30rem) {\n  .a { margin: 0 auto; }\n}\n";
        let min = minify_css(css);
        assert!(min.len() < css.len() * 3 / 4, "{min}");
        assert!(!min.contains("theme"), "comments go: {min}");
        for kept in ["--bg:#fff", ".c:hover", "@media", "margin:0 auto"] {
            assert!(min.contains(kept), "{kept} missing from {min}");
        }
    }

    #[test]
    fn an_article_pages_stylesheets_minify_within_budget() {
        // What an article with code loads before search opens. Issue 8's
        // budget is 20 KB; today it is ~25 KB (style ~18 KB, syntax ~7 KB), so
        // this guards against growth until list-only rules move out of the
        // article's sheet. Tighten to 20 KB then.
        let style = minify_css(include_str!("../static/style.css"));
        let syntax = minify_css(&crate::highlight::css());
        let total = style.len() + syntax.len();
        assert!(
            total <= 26 * 1024,
            "style {} + syntax {} = {total} bytes",
            style.len(),
            syntax.len()
        );
        assert!(syntax.contains("light-dark("), "modern colour functions survive");
        assert!(
            style.contains("@media screen and (prefers-color-scheme:dark)"),
            "{}",
            &style[..200]
        );
    }

    #[test]
    fn the_theme_script_minifies_within_budget_and_still_parses() {
        let js = include_str!("../static/inkproof.js");
        let min = minify_js(js);
        assert!(min.len() <= 10 * 1024, "{} bytes", min.len());
        assert!(min.len() < js.len() * 3 / 4);
        for kept in ["inkproof-theme", "Colour theme: ", "data-search-open", "aria-current"] {
            assert!(min.contains(kept), "{kept}");
        }
    }

    #[test]
    fn image_sizes_come_from_png_headers_and_svg_attributes() {
        let dir = tempfile::tempdir().unwrap();
        let svg = dir.path().join("a.svg");
        std::fs::write(&svg, r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 360"><rect width="10" height="10"/></svg>"#).unwrap();
        let read = |p: &Path| std::fs::read(p).unwrap();
        assert_eq!(image_size(&svg, &read(&svg)), Some((640, 360)));
        let png = dir.path().join("b.png");
        std::fs::write(&png, crate::og_image::svg_to_png(&read(&svg)).unwrap()).unwrap();
        assert_eq!(image_size(&png, &read(&png)), Some((640, 360)));
        assert_eq!(image_size(Path::new("c.png"), b"not an image"), None);
    }
}
