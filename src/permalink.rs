//! Where an article is published: its URL path from the site's permalink
//! pattern, so a site moved to inkproof keeps the addresses search engines,
//! bookmarks and other sites link to.
//!
//! `permalink: /:slug/` is the default; Hexo sites use `/:title/` or
//! `/:year/:month/:day/:title/`, Hugo `/posts/:slug/`, Jekyll
//! `/:year/:month/:day/:title/`. `permalinks: { posts: … }` sets a pattern per
//! top folder of `content/` (Hugo's per-section `permalinks`), which wins.
//! Tokens: `:slug` (and `:title`, the same, as Hexo and Jekyll name it),
//! `:year`, `:month`, `:day` (of `date`), `:section` (the top folder).

use crate::model::Timestamp;

/// The pattern every article gets when the site sets none.
pub const DEFAULT: &str = "/:slug/";

const TOKENS: &[&str] = &[":slug", ":title", ":year", ":month", ":day", ":section"];

/// What is wrong with a pattern, in words for a `config/invalid` finding.
pub fn problem(pattern: &str) -> Option<String> {
    if !pattern.starts_with('/') || !pattern.ends_with('/') {
        return Some(format!(
            "permalink `{pattern}` must start and end with `/`, like `/posts/:slug/`"
        ));
    }
    if !pattern.contains(":slug") && !pattern.contains(":title") {
        return Some(format!(
            "permalink `{pattern}` has no `:slug` (or `:title`): every article would get the same address"
        ));
    }
    for part in pattern.split('/').filter(|p| !p.is_empty()) {
        let mut rest = part;
        while let Some(i) = rest.find(':') {
            let literal = &rest[..i];
            if let Some(bad) =
                literal.chars().find(|c| !(c.is_ascii_alphanumeric() || "-_.".contains(*c)))
            {
                return Some(format!(
                    "permalink `{pattern}` holds `{bad}`; use letters, digits, `-`, `_` and `.`"
                ));
            }
            let token = TOKENS.iter().find(|t| rest[i..].starts_with(**t));
            match token {
                Some(t) => rest = &rest[i + t.len()..],
                None => {
                    let word: String = rest[i..]
                        .chars()
                        .take_while(|c| *c == ':' || c.is_ascii_alphanumeric())
                        .collect();
                    return Some(format!(
                        "permalink `{pattern}` has an unknown token `{word}`; known: {}",
                        TOKENS.join(", ")
                    ));
                }
            }
        }
        if let Some(bad) = rest.chars().find(|c| !(c.is_ascii_alphanumeric() || "-_.".contains(*c)))
        {
            return Some(format!(
                "permalink `{pattern}` holds `{bad}`; use letters, digits, `-`, `_` and `.`"
            ));
        }
    }
    None
}

/// The pattern uses the date and the article has none.
#[derive(Debug, PartialEq, Eq)]
pub struct NeedsDate;

/// The article's URL path (below the site's base path): `pattern` with its
/// tokens filled in. Assumes a pattern [`problem`] accepted.
pub fn expand(
    pattern: &str,
    slug: &str,
    date: Option<&Timestamp>,
    section: &str,
) -> Result<String, NeedsDate> {
    let mut out =
        pattern.replace(":slug", slug).replace(":title", slug).replace(":section", section);
    if out.contains(":year") || out.contains(":month") || out.contains(":day") {
        let date = date.ok_or(NeedsDate)?.value;
        out = out
            .replace(":year", &date.format("%Y").to_string())
            .replace(":month", &date.format("%m").to_string())
            .replace(":day", &date.format("%d").to_string());
    }
    // An empty `:section` (an article at the top of content/) leaves no `//`.
    while out.contains("//") {
        out = out.replace("//", "/");
    }
    Ok(out)
}

/// The top folder of `content/` an article is in (`posts` for
/// `content/posts/guide.md` and `content/posts/guide/index.md`), or `""` for
/// one at the top (a page bundle at the top is its own folder, not a section).
pub fn section(path_in_content: &std::path::Path, is_bundle: bool) -> String {
    let parts: Vec<_> = path_in_content.components().collect();
    let own_folders = if is_bundle { 2 } else { 1 };
    if parts.len() <= own_folders {
        return String::new();
    }
    parts[0].as_os_str().to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn date(s: &str) -> Timestamp {
        Timestamp { value: chrono::DateTime::parse_from_rfc3339(s).unwrap(), has_time: true }
    }

    #[test]
    fn patterns_of_hexo_hugo_and_jekyll_sites_give_their_addresses() {
        let d = date("2024-08-22T21:32:44.553Z");
        assert_eq!(expand(DEFAULT, "link-a-key", Some(&d), "posts").unwrap(), "/link-a-key/");
        assert_eq!(expand("/posts/:slug/", "link-a-key", None, "").unwrap(), "/posts/link-a-key/");
        assert_eq!(
            expand("/:year/:month/:day/:title/", "link-a-key", Some(&d), "").unwrap(),
            "/2024/08/22/link-a-key/"
        );
        assert_eq!(expand("/:section/:slug/", "a", None, "windows").unwrap(), "/windows/a/");
        assert_eq!(expand("/:section/:slug/", "a", None, "").unwrap(), "/a/");
        assert_eq!(expand("/:year/:slug/", "a", None, ""), Err(NeedsDate));
    }

    #[test]
    fn a_pattern_that_cannot_give_one_address_per_article_is_refused_with_the_reason() {
        for ok in [DEFAULT, "/posts/:slug/", "/:year/:month/:day/:title/", "/:section/:slug.html/"]
        {
            assert_eq!(problem(ok), None, "{ok}");
        }
        assert!(problem("/posts/").unwrap().contains("no `:slug`"));
        assert!(problem("posts/:slug/").unwrap().contains("start and end with `/`"));
        assert!(problem("/:yaer/:slug/").unwrap().contains("unknown token `:yaer`"));
        assert!(problem("/my posts/:slug/").unwrap().contains("holds ` `"));
    }

    #[test]
    fn the_section_is_the_top_folder_and_a_bundle_is_not_its_own_section() {
        assert_eq!(section(Path::new("posts/guide.md"), false), "posts");
        assert_eq!(section(Path::new("posts/guide/index.md"), true), "posts");
        assert_eq!(section(Path::new("guide/index.md"), true), "");
        assert_eq!(section(Path::new("guide.md"), false), "");
    }
}
