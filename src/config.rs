//! The site config file (`inkproof.yaml` at the site root), with sane defaults
//! when it is absent so a bare `content/` folder builds.

use std::path::PathBuf;

use serde::Deserialize;

use crate::diag::{Diagnostic, Location};
use crate::strip::StripRules;
use crate::yaml;

/// File names tried, in order, at the site root.
pub const CONFIG_FILES: &[&str] = &["inkproof.yaml", "inkproof.yml"];

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Site title, shown in the header and feeds.
    pub title: String,
    /// Absolute URL the site is served from, without a trailing slash
    /// (`https://guides.example.org`). Used for canonical URLs, feeds and sitemaps.
    pub base_url: String,
    /// `lang` of every page.
    pub language: String,
    pub author: Option<String>,
    /// Default meta description for pages that have none.
    pub description: String,
    /// How many articles the Atom feed lists.
    pub feed_limit: usize,
    /// Cards per list page (home, term pages) before `/page/2/` starts.
    pub paginate_by: usize,
    /// Ad and affiliate stripping rules.
    pub strip: StripRules,
    /// Folders, relative to the site root.
    pub content_dir: PathBuf,
    pub templates_dir: PathBuf,
    pub static_dir: PathBuf,
    pub output_dir: PathBuf,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: "inkproof site".into(),
            base_url: "http://127.0.0.1:1111".into(),
            language: "en".into(),
            author: None,
            description: String::new(),
            feed_limit: 20,
            paginate_by: 20,
            strip: StripRules::default(),
            content_dir: "content".into(),
            templates_dir: "templates".into(),
            static_dir: "static".into(),
            output_dir: "public".into(),
        }
    }
}

impl Config {
    /// The base URL's path part (`/docs` for `https://x.org/docs`), prefixed to
    /// every site-relative link so a site can live below a sub-path.
    pub fn base_path(&self) -> &str {
        let rest = self.base_url.split_once("://").map_or(self.base_url.as_str(), |(_, r)| r);
        match rest.find('/') {
            Some(i) => rest[i..].trim_end_matches('/'),
            None => "",
        }
    }

    /// Absolute URL of a site-relative path (`/slug/`).
    pub fn permalink(&self, path: &str) -> String {
        let origin = self.base_url.trim_end_matches('/');
        let base_path = self.base_path();
        let origin = &origin[..origin.len() - base_path.len()];
        format!("{origin}{path}")
    }
}

/// Parses the config file's text (`name` is where diagnostics point).
pub fn parse(name: &str, text: &str, diags: &mut Vec<Diagnostic>) -> Config {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Config::default();
    }
    match yaml::from_str::<Config>(text) {
        Ok(config) => {
            for problem in config.strip.problems() {
                diags.push(Diagnostic::error("config/invalid", Location::file(name), problem));
            }
            config
        }
        Err(e) => {
            let col = (e.col > 0).then_some(e.col);
            diags.push(Diagnostic::error(
                "config/invalid",
                Location::new(name, e.line, col),
                e.message,
            ));
            Config::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_path_and_permalink() {
        let c = Config { base_url: "https://x.org/docs/".into(), ..Config::default() };
        assert_eq!(c.base_path(), "/docs");
        assert_eq!(c.permalink("/docs/a/"), "https://x.org/docs/a/");
        let c = Config { base_url: "https://x.org".into(), ..Config::default() };
        assert_eq!(c.base_path(), "");
        assert_eq!(c.permalink("/a/"), "https://x.org/a/");
    }

    #[test]
    fn unknown_key_is_a_located_error() {
        let mut diags = Vec::new();
        parse("inkproof.yaml", "title: T\ntitel: oops\n", &mut diags);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, "config/invalid");
        assert_eq!(diags[0].location.line, 2);
    }

    #[test]
    fn bad_strip_selector_is_reported() {
        let mut diags = Vec::new();
        parse("inkproof.yaml", "strip:\n  selectors: [\"ins[[\"]\n", &mut diags);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(diags[0].message.contains("ins[["), "{diags:?}");
    }
}
