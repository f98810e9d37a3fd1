//! The site config file (`inkproof.yaml` at the site root), with sane defaults
//! when it is absent so a bare `content/` folder builds.

use std::collections::BTreeMap;
use std::path::{Component, PathBuf};

use serde::Deserialize;

use crate::diag::{Diagnostic, Location};
use crate::limits::Limits;
use crate::registry::ids;
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
    /// Write tag and category pages (`/tags/…`, `/categories/…`) and their
    /// feeds. Off, articles keep their terms (related guides, search,
    /// keywords) but nothing links to a term page. Zola and Hugo let a site
    /// go without them too (`taxonomies`, `disableKinds`).
    pub taxonomies: bool,
    /// Write the full-text search index and the search page (`/search/`).
    /// Off, no page offers search and the words of articles are not indexed.
    pub search: bool,
    /// Write the site's Atom and JSON feeds (and the term pages' feeds).
    pub feeds: bool,
    /// Where articles are published (`/:slug/`; Hexo `/:year/:month/:day/:title/`,
    /// Hugo `/posts/:slug/`): see [`crate::permalink`].
    pub permalink: String,
    /// A pattern per top folder of `content/`, winning over `permalink`.
    pub permalinks: BTreeMap<String, String>,
    /// Ad and affiliate stripping rules.
    pub strip: StripRules,
    /// Size limits for articles and snippets.
    pub limits: Limits,
    /// Clean article HTML with [`crate::sanitize::clean`] (scripts, event
    /// handlers, frames and unsafe URL schemes removed). Off by default: the
    /// site's own authors may embed what they like.
    pub sanitize: bool,
    /// Folders, relative to the site root.
    pub content_dir: PathBuf,
    pub templates_dir: PathBuf,
    pub static_dir: PathBuf,
    pub output_dir: PathBuf,
    /// Severity per check id (`link/broken: error`, `seo/description-length: off`);
    /// ids not named keep the registry's default.
    pub checks: BTreeMap<String, Level>,
    /// Settings of individual checks.
    pub check: CheckSettings,
    /// What `build` publishes when some articles are broken.
    pub publish: PublishSettings,
}

/// The `publish:` block.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PublishSettings {
    /// `build` leaves out the articles whose own errors stop them and
    /// publishes the rest (as `build --skip-broken`), so a site of thousands
    /// of guides is not held back by a few broken ones. Off by default: an
    /// article that silently goes missing is worse for a small site.
    pub skip_broken: bool,
}

/// What a site sets a check to in `checks:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Off,
}

/// The `check:` block: knobs of the checks that have any.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CheckSettings {
    /// Hosts whose `<iframe>`s are trusted (video players the site embeds).
    pub iframe_hosts: Vec<String>,
    /// Check external http(s) links over the network on every `build` and
    /// `check` (the `--external` flag does it for one run). Off by default: a
    /// build must not depend on other people's servers being up.
    pub external: bool,
    /// Requests in flight at once over all hosts.
    pub external_concurrency: usize,
    /// Requests in flight at once to one host, so a site that links one host
    /// a thousand times does not hammer it (or get itself rate-limited).
    pub external_per_host: usize,
    /// Seconds one request may take before it counts as a timeout.
    pub external_timeout_secs: f64,
    /// Retries after a timeout or a dropped connection, waiting
    /// `external_retry_wait_secs` and doubling the wait each time.
    pub external_retries: u64,
    pub external_retry_wait_secs: f64,
    /// How long a definite answer (200, 404, a redirect, a missing fragment)
    /// is reused from the cache before the URL is requested again. Timeouts,
    /// connection failures and 5xx answers are never cached: they are often
    /// gone on the next run.
    pub external_cache_hours: f64,
    /// Check `#fragment`s of external links against the ids of the page.
    pub external_fragments: bool,
    /// Regular expressions: when any is given, only URLs matching one are checked.
    pub external_include: Vec<String>,
    /// Regular expressions: URLs matching one are not checked (unless an
    /// include pattern matches too).
    pub external_exclude: Vec<String>,
    pub spelling: SpellingSettings,
}

/// `check.spelling`: what the site knows that a dictionary of common
/// misspellings does not.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpellingSettings {
    /// Words never reported (product names, jargon that looks like a typo),
    /// matched without regard to case.
    pub words: Vec<String>,
    pub dialect: Dialect,
}

/// Which English the site writes. With `en` both spellings of a word
/// (`color`, `colour`) pass; a site that picks one gets the other reported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum Dialect {
    #[default]
    #[serde(rename = "en")]
    Any,
    #[serde(rename = "en-US")]
    American,
    #[serde(rename = "en-GB")]
    British,
}

impl Default for CheckSettings {
    fn default() -> Self {
        CheckSettings {
            iframe_hosts: ["www.youtube.com", "www.youtube-nocookie.com", "player.vimeo.com"]
                .map(String::from)
                .to_vec(),
            external: false,
            external_concurrency: 16,
            external_per_host: 2,
            external_timeout_secs: 20.0,
            external_retries: 2,
            external_retry_wait_secs: 1.0,
            external_cache_hours: 24.0,
            external_fragments: true,
            external_include: Vec::new(),
            external_exclude: Vec::new(),
            spelling: SpellingSettings::default(),
        }
    }
}

impl CheckSettings {
    /// Values that would make the external check misbehave, as messages.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.external_concurrency == 0 {
            out.push("`check.external_concurrency` must be at least 1".to_string());
        }
        if self.external_per_host == 0 {
            out.push("`check.external_per_host` must be at least 1".to_string());
        }
        for (key, v) in [
            ("external_timeout_secs", self.external_timeout_secs),
            ("external_retry_wait_secs", self.external_retry_wait_secs),
            ("external_cache_hours", self.external_cache_hours),
        ] {
            // Durations are built from these; NaN or a negative would panic there.
            let zero_ok = key != "external_timeout_secs";
            if !v.is_finite() || v < 0.0 || (!zero_ok && v == 0.0) || v > 1e9 {
                out.push(format!("`check.{key}`: {v} is not a usable number of seconds or hours"));
            }
        }
        for (key, list) in [
            ("external_include", &self.external_include),
            ("external_exclude", &self.external_exclude),
        ] {
            for pattern in list {
                if let Err(e) = regex::Regex::new(pattern) {
                    out.push(format!(
                        "`check.{key}`: `{pattern}` is not a regular expression: {e}"
                    ));
                }
            }
        }
        out
    }
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
            taxonomies: true,
            search: true,
            feeds: true,
            permalink: crate::permalink::DEFAULT.into(),
            permalinks: BTreeMap::new(),
            strip: StripRules::default(),
            limits: Limits::default(),
            sanitize: false,
            content_dir: "content".into(),
            templates_dir: "templates".into(),
            static_dir: "static".into(),
            output_dir: "public".into(),
            checks: BTreeMap::new(),
            check: CheckSettings::default(),
            publish: PublishSettings::default(),
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
        Ok(mut config) => {
            source_dirs_within(&mut config, name, text, diags);
            let problems = config.strip.problems().into_iter().chain(config.limits.problems());
            for problem in problems.chain(config.check.problems()) {
                diags.push(Diagnostic::error(ids::CONFIG_INVALID, Location::file(name), problem));
            }
            permalinks_valid(&mut config, name, text, diags);
            config
        }
        Err(e) => {
            let col = (e.col > 0).then_some(e.col);
            diags.push(Diagnostic::error(
                ids::CONFIG_INVALID,
                Location::new(name, e.line, col),
                e.message,
            ));
            Config::default()
        }
    }
}

/// A permalink pattern that cannot give each article its own address is an
/// error at its line, and the default is used, so nothing is published at a
/// path the author did not mean.
fn permalinks_valid(config: &mut Config, file: &str, text: &str, diags: &mut Vec<Diagnostic>) {
    let at = |needle: &str| {
        text.lines().enumerate().find_map(|(i, l)| l.find(needle).map(|c| (i + 1, Some(c + 1))))
    };
    let mut report = |pattern: &str, problem: String| {
        let (line, col) = at(pattern).unwrap_or((0, None));
        diags.push(Diagnostic::error(ids::CONFIG_INVALID, Location::new(file, line, col), problem));
    };
    if let Some(problem) = crate::permalink::problem(&config.permalink) {
        report(&config.permalink, problem);
        config.permalink = crate::permalink::DEFAULT.into();
    }
    config.permalinks.retain(|_, pattern| match crate::permalink::problem(pattern) {
        Some(problem) => {
            report(pattern, problem);
            false
        }
        None => true,
    });
}

impl Config {
    /// The permalink pattern of an article in `section` (a top folder of `content/`).
    pub fn permalink_for(&self, section: &str) -> &str {
        self.permalinks.get(section).unwrap_or(&self.permalink)
    }
}

/// The folders a build reads and publishes from stay inside the site: a
/// `static_dir: ../../.ssh` in a cloned starter would publish private keys.
/// An escaping folder is reported at its key and replaced by the default, so
/// nothing outside is read even by `check` or `serve`. (A folder that is a
/// symlink out of the site is refused by the loader, which sees the disk.)
fn source_dirs_within(config: &mut Config, file: &str, text: &str, diags: &mut Vec<Diagnostic>) {
    let defaults = Config::default();
    let dirs = [
        ("content_dir", &mut config.content_dir, defaults.content_dir),
        ("templates_dir", &mut config.templates_dir, defaults.templates_dir),
        ("static_dir", &mut config.static_dir, defaults.static_dir),
    ];
    for (key, dir, default) in dirs {
        let climbs =
            dir.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir));
        if !climbs {
            continue;
        }
        let at = text.lines().enumerate().find_map(|(i, l)| {
            let rest = l.strip_prefix(key)?;
            rest.trim_start().starts_with(':').then_some(i + 1)
        });
        let loc =
            at.map_or_else(|| Location::file(file), |line| Location::new(file, line, Some(1)));
        diags.push(
            Diagnostic::error(
                ids::LOAD_PATH_ESCAPE,
                loc,
                format!(
                    "`{key}: {}` is outside the site root; nothing in it is read or published",
                    dir.display()
                ),
            )
            .with_help("give a folder inside the site, relative to it, without `..`"),
        );
        *dir = default;
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
    fn limits_are_read_and_checked() {
        let mut diags = Vec::new();
        let config = parse(
            "inkproof.yaml",
            "limits:\n  snippet_max_lines: 40\n  article_warning_kb: 99999\n",
            &mut diags,
        );
        assert_eq!(config.limits.snippet_max_lines, 40);
        assert_eq!(config.limits.snippet_error_kb, Limits::default().snippet_error_kb);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(diags[0].message.contains("article_warning_kb"), "{diags:?}");
    }

    #[test]
    fn bad_strip_selector_is_reported() {
        let mut diags = Vec::new();
        parse("inkproof.yaml", "strip:\n  selectors: [\"ins[[\"]\n", &mut diags);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(diags[0].message.contains("ins[["), "{diags:?}");
    }

    #[test]
    fn external_check_settings_are_read_and_bad_ones_reported() {
        let mut diags = Vec::new();
        let text = "check:\n  external: true\n  external_per_host: 4\n  external_exclude: ['^https://x\\.org/']\n";
        let config = parse("inkproof.yaml", text, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        assert!(config.check.external);
        assert_eq!(config.check.external_per_host, 4);
        assert_eq!(config.check.external_concurrency, 16);
        let text = "check:\n  external_concurrency: 0\n  external_include: ['(']\n  external_timeout_secs: 0\n";
        parse("inkproof.yaml", text, &mut diags);
        assert_eq!(diags.len(), 3, "{diags:?}");
        assert!(diags.iter().all(|d| d.code == "config/invalid"), "{diags:?}");
        assert!(diags.iter().any(|d| d.message.contains("not a regular expression")), "{diags:?}");
    }

    #[test]
    fn publish_skip_broken_is_read_and_off_by_default() {
        let mut diags = Vec::new();
        assert!(!parse("inkproof.yaml", "title: T\n", &mut diags).publish.skip_broken);
        let config = parse("inkproof.yaml", "publish:\n  skip_broken: true\n", &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        assert!(config.publish.skip_broken);
        parse("inkproof.yaml", "publish:\n  skip_brokn: true\n", &mut diags);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(diags[0].message.contains("skip_brokn"), "{diags:?}");
        assert_eq!(diags[0].location.line, 2, "{diags:?}");
    }

    #[test]
    fn a_clean_checks_map_has_no_findings() {
        let mut diags = Vec::new();
        parse("inkproof.yaml", "checks:\n  link/broken: error\n", &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
    }
}
