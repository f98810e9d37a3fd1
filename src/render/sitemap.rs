//! The sitemap: one `<url>` line per article, home, taxonomy and term page.

use std::fmt::Write as _;

use super::site::Site;
use super::values::xml_escape;
use crate::model::Timestamp;

/// `term_pages`: taxonomy and term page URLs with their newest article.
pub(super) fn sitemap(site: &Site<'_>, term_pages: &[(String, Option<usize>)]) -> String {
    let config = site.config;
    let base = config.base_path();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    let newest = site
        .dated
        .iter()
        .filter_map(|&i| {
            let a = &site.articles[i].article;
            a.meta.updated.as_ref().or(a.meta.date.as_ref())
        })
        .max_by_key(|t| t.value);
    x.push_str(&sitemap_url(&config.permalink(&format!("{base}/")), newest));
    for a in site.articles {
        x.push_str(&a.sitemap_entry);
    }
    for (url, newest) in term_pages {
        let lastmod = newest.and_then(|i| {
            let a = &site.articles[i].article;
            a.meta.updated.as_ref().or(a.meta.date.as_ref())
        });
        x.push_str(&sitemap_url(&config.permalink(url), lastmod));
    }
    x.push_str("</urlset>\n");
    x
}

/// One `<url>` line. Articles make theirs once, with their render result, so a
/// warm build that re-renders one article does not rebuild the others' lines.
pub(super) fn sitemap_url(loc: &str, lastmod: Option<&Timestamp>) -> String {
    let mut x = format!("<url><loc>{}</loc>", xml_escape(loc));
    if let Some(t) = lastmod {
        let _ = write!(x, "<lastmod>{}</lastmod>", t.iso());
    }
    x.push_str("</url>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sitemap_lines_escape_the_url_and_give_the_last_change_in_rfc_3339() {
        let t = chrono::DateTime::parse_from_rfc3339("2024-01-02T10:00:00+02:00").unwrap();
        let line = sitemap_url("https://x.org/", Some(&Timestamp { value: t, has_time: true }));
        assert_eq!(
            line,
            "<url><loc>https://x.org/</loc><lastmod>2024-01-02T10:00:00+02:00</lastmod></url>\n"
        );
        assert_eq!(
            sitemap_url("https://x.org/tags/a&b/", None),
            "<url><loc>https://x.org/tags/a&amp;b/</loc></url>\n"
        );
    }
}
