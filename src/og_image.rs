//! A raster `og:image` for articles whose thumbnail is SVG: the big social
//! sites and chat apps show no preview for an SVG (issue 8).
//!
//! Pure bytes in, bytes out; the render stage decides where the PNG goes.
//! Text in the SVG is not drawn (resvg is built without its font stack, which
//! would add a font database and a shaper to every build); thumbnails of the
//! default theme are shapes only.

/// Renders `svg` at its own size into PNG bytes. `None` when the SVG cannot be
/// parsed or has no area; the page then keeps the SVG as its image.
pub fn svg_to_png(svg: &[u8]) -> Option<Vec<u8>> {
    let tree = resvg::usvg::Tree::from_data(svg, &resvg::usvg::Options::default()).ok()?;
    let size = tree.size().to_int_size();
    // Social previews are at most 1200 × 630; a huge viewBox must not make a
    // huge bitmap.
    let scale = (2400.0 / size.width().max(size.height()) as f32).min(1.0);
    let (w, h) = (
        ((size.width() as f32 * scale).round() as u32).max(1),
        ((size.height() as f32 * scale).round() as u32).max(1),
    );
    let mut pixmap = resvg::tiny_skia::Pixmap::new(w, h)?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_svg_thumbnail_becomes_a_png_of_its_size_with_its_colours() {
        let svg = br##"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="63"><rect width="120" height="63" fill="#0a6ed1"/></svg>"##;
        let png = svg_to_png(svg).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let pixmap = resvg::tiny_skia::Pixmap::decode_png(&png).unwrap();
        assert_eq!((pixmap.width(), pixmap.height()), (120, 63));
        let px = pixmap.pixel(60, 30).unwrap();
        assert_eq!((px.red(), px.green(), px.blue(), px.alpha()), (0x0a, 0x6e, 0xd1, 255));
    }

    #[test]
    fn the_demo_thumbnail_renders() {
        let svg = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/content/link-windows-license-to-microsoft-account/thumbnail.svg"
        ))
        .unwrap();
        let png = svg_to_png(&svg).unwrap();
        let pixmap = resvg::tiny_skia::Pixmap::decode_png(&png).unwrap();
        assert_eq!((pixmap.width(), pixmap.height()), (1200, 630));
    }

    #[test]
    fn broken_svg_gives_none() {
        assert_eq!(svg_to_png(b"<svg"), None);
        assert_eq!(svg_to_png(b"plain text"), None);
    }
}
