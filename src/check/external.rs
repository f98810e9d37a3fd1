//! External http(s) links, checked over the network (opt-in: `--external` or
//! `check.external: true`).
//!
//! The HTTP side is lychee-lib's: its client already does per-host limits,
//! timeouts, retries with backoff, redirect tracking and fragment lookup in
//! fetched HTML, and keeping up with how real servers misbehave is its job.
//! What is ours: which links count (published articles, include/exclude
//! patterns), one request per distinct URL however many articles link it,
//! findings at the line the author wrote, and a cache on disk so a second run
//! within `check.external_cache_hours` asks the network nothing it already knows.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::config::{CheckSettings, Config};
use crate::diag::{Diagnostic, Location};
use crate::model::{Article, Source};

use super::facts::LinkFact;
use crate::registry::{ids, CheckId};

/// The ids this check reports; while it is off, suppression comments naming
/// them are not "unused" (the check that would use them did not run).
pub const IDS: &[CheckId] =
    &[ids::LINK_EXTERNAL.0, ids::LINK_EXTERNAL_REDIRECT.0, ids::LINK_EXTERNAL_FRAGMENT.0];

/// The cache file's name inside the engine's cache folder.
pub const CACHE_FILE: &str = "external-links.json";

/// Bumped when [`Outcome`]'s meaning changes, so old answers are not misread.
const CACHE_VERSION: u32 = 1;

/// What a URL turned out to be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Outcome {
    Ok,
    /// The URL answers, but only after redirects; `to` is where they end.
    Redirect {
        to: String,
        status: u16,
    },
    /// The page exists and has no element with the link's `#fragment` as id.
    MissingFragment {
        fragment: String,
    },
    /// Not reachable. `transient` answers (timeouts, dropped connections,
    /// 5xx, 429) are not cached: the next run asks again.
    Broken {
        reason: String,
        transient: bool,
    },
}

/// One URL's answer in the cache, with when it was asked.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    checked_at: u64,
    outcome: Outcome,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    /// Keyed by the URL as written, fragment included (its answer differs).
    entries: BTreeMap<String, Entry>,
}

/// How a run went, for the note the CLI prints (quoted in `docs/content/checks.md`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Links found (one URL linked from two places counts twice).
    pub links: usize,
    /// Distinct URLs checked.
    pub urls: usize,
    /// URLs answered from the cache, with no request.
    pub cached: usize,
    /// URLs requested over the network.
    pub requested: usize,
    pub elapsed: Duration,
}

impl Stats {
    /// One line for the person running the tool.
    pub fn note(&self) -> String {
        let rate =
            if self.urls == 0 { 100.0 } else { 100.0 * self.cached as f64 / self.urls as f64 };
        format!(
            "external links: {} links to {} URLs, {} answered from the cache ({rate:.0}%), {} requested, in {} ms",
            self.links,
            self.urls,
            self.cached,
            self.requested,
            self.elapsed.as_millis()
        )
    }
}

/// One external link where an author wrote it.
struct Site<'a> {
    source: &'a Path,
    line: usize,
    col: usize,
    is_image: bool,
}

/// Checks every external link of the published articles (and of bodies whose
/// front matter failed, like the internal link check). `cache_dir`: where the
/// answers are kept between runs (`None`: every URL is requested). Notes for
/// the person running the tool (a cache that could not be read or written,
/// the run's counts) go to `notes`.
pub fn check(
    config: &Config,
    articles: &[&Article],
    failed: &[(&Source, Vec<LinkFact>)],
    cache_dir: Option<&Path>,
    notes: &mut Vec<String>,
) -> (Vec<Diagnostic>, Stats) {
    let started = Instant::now();
    let settings = &config.check;
    let filter = Filter::new(settings);
    // Every distinct URL once, with each place it is written.
    let mut sites: BTreeMap<&str, Vec<Site<'_>>> = BTreeMap::new();
    let written = articles
        .iter()
        .flat_map(|a| {
            a.links.iter().map(move |l| {
                (
                    l.href.as_str(),
                    Site { source: &a.source, line: l.line, col: l.col, is_image: l.is_image },
                )
            })
        })
        .chain(failed.iter().flat_map(|(source, facts)| {
            facts.iter().map(move |l| {
                let site = Site {
                    source: &source.path,
                    line: l.at.line,
                    col: l.at.col,
                    is_image: l.is_image,
                };
                (l.href.as_str(), site)
            })
        }));
    for (href, site) in written {
        let href = href.trim();
        if crate::href::is_web(href) && filter.wants(href) {
            sites.entry(href).or_default().push(site);
        }
    }
    let links = sites.values().map(Vec::len).sum();

    let cache_path = cache_dir.map(|d| d.join(CACHE_FILE));
    let mut cache = match &cache_path {
        Some(p) => read_cache(p, notes),
        None => CacheFile::default(),
    };
    let now = unix_now();
    let max_age = (settings.external_cache_hours * 3600.0) as u64;
    let fresh = |e: &Entry| now.saturating_sub(e.checked_at) < max_age;
    let mut outcomes: HashMap<String, Outcome> = HashMap::new();
    let mut to_ask: Vec<String> = Vec::new();
    for url in sites.keys() {
        match cache.entries.get(*url) {
            Some(e) if fresh(e) => {
                outcomes.insert((*url).to_string(), e.outcome.clone());
            }
            _ => to_ask.push((*url).to_string()),
        }
    }
    let mut stats = Stats {
        links,
        urls: sites.len(),
        cached: outcomes.len(),
        requested: to_ask.len(),
        elapsed: Duration::ZERO,
    };

    if !to_ask.is_empty() {
        match ask(settings, to_ask) {
            Ok(answers) => {
                for (url, outcome) in answers {
                    if !matches!(outcome, Outcome::Broken { transient: true, .. }) {
                        cache.entries.insert(
                            url.clone(),
                            Entry { checked_at: now, outcome: outcome.clone() },
                        );
                    }
                    outcomes.insert(url, outcome);
                }
            }
            Err(e) => notes.push(format!("external links were not checked: {e:#}")),
        }
    }
    if let Some(p) = &cache_path {
        cache.entries.retain(|_, e| fresh(e));
        cache.version = CACHE_VERSION;
        if let Err(e) = write_cache(p, &cache) {
            notes.push(format!("could not save the external-link cache `{}`: {e:#}", p.display()));
        }
    }

    let mut diags = Vec::new();
    for (url, at) in &sites {
        let Some(outcome) = outcomes.get(*url) else { continue };
        for site in at {
            if let Some(d) = finding(url, site, outcome, settings) {
                diags.push(d);
            }
        }
    }
    stats.elapsed = started.elapsed();
    notes.push(stats.note());
    (diags, stats)
}

/// `check.external_include` / `external_exclude`, compiled once. Patterns that
/// do not compile were reported as `config/invalid` when the config was read;
/// here they just match nothing.
struct Filter {
    include: Option<regex::RegexSet>,
    exclude: Option<regex::RegexSet>,
}

impl Filter {
    fn new(s: &CheckSettings) -> Filter {
        let set = |pats: &[String]| {
            let ok: Vec<&String> = pats.iter().filter(|p| regex::Regex::new(p).is_ok()).collect();
            (!pats.is_empty())
                .then(|| regex::RegexSet::new(ok).unwrap_or_else(|_| regex::RegexSet::empty()))
        };
        Filter { include: set(&s.external_include), exclude: set(&s.external_exclude) }
    }

    /// An include match wins over an exclude match, so a site can exclude a
    /// whole host and still check the one page on it that matters.
    fn wants(&self, url: &str) -> bool {
        if let Some(inc) = &self.include {
            if inc.is_match(url) {
                return true;
            }
            if self.exclude.is_none() {
                return false;
            }
        }
        !self.exclude.as_ref().is_some_and(|e| e.is_match(url))
    }
}

/// Requests `urls` with lychee-lib, at most `external_concurrency` at once.
/// Runs its own runtime on its own thread, so callers need not be async and a
/// caller inside a runtime (the dev server) cannot make it panic.
fn ask(settings: &CheckSettings, urls: Vec<String>) -> anyhow::Result<Vec<(String, Outcome)>> {
    let fragments = settings.external_fragments;
    let client = lychee_lib::ClientBuilder::builder()
        .max_retries(settings.external_retries)
        .retry_wait_time(Duration::from_secs_f64(settings.external_retry_wait_secs))
        .timeout(Some(Duration::from_secs_f64(settings.external_timeout_secs)))
        .user_agent(concat!("inkproof/", env!("CARGO_PKG_VERSION"), " (link check)"))
        .fragment_checker_options(lychee_lib::FragmentCheckerOptions {
            check_anchor_fragments: fragments,
            check_text_fragments: false,
        })
        .rate_limit_config(lychee_lib::ratelimit::RateLimitConfig {
            concurrency: settings.external_per_host,
            ..Default::default()
        })
        // A guide may well link a service on the reader's own machine or
        // network; whether to check those is the include/exclude patterns' call.
        .exclude_all_private(false)
        .exclude_loopback_ips(false)
        .exclude_private_ips(false)
        .exclude_link_local_ips(false)
        .build();
    let limit = settings.external_concurrency.max(1);
    std::thread::scope(|scope| {
        scope
            .spawn(move || -> anyhow::Result<Vec<(String, Outcome)>> {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()?;
                rt.block_on(async move {
                    let client = client.client()?;
                    let permits = Arc::new(tokio::sync::Semaphore::new(limit));
                    let mut tasks = tokio::task::JoinSet::new();
                    for url in urls {
                        let client = client.clone();
                        let permits = Arc::clone(&permits);
                        tasks.spawn(async move {
                            let _permit = permits.acquire_owned().await;
                            let outcome = match client.check(url.as_str()).await {
                                Ok(response) => outcome(&url, &response),
                                Err(e) => Outcome::Broken {
                                    reason: format!("not a URL that can be requested: {e}"),
                                    transient: false,
                                },
                            };
                            (url, outcome)
                        });
                    }
                    let mut out = Vec::new();
                    while let Some(r) = tasks.join_next().await {
                        out.push(r?);
                    }
                    Ok(out)
                })
            })
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the link checker panicked")))
    })
}

/// lychee's answer in our terms.
fn outcome(url: &str, response: &lychee_lib::Response) -> Outcome {
    use lychee_lib::{ErrorKind, Status};
    let status = response.status();
    // No status at all (the connection failed), 5xx and 429 may pass by themselves.
    let transient = |code: Option<u16>| code.is_none_or(|c| c >= 500 || c == 429);
    match status {
        // lychee never requests placeholder domains (example.com, `.test`, …),
        // hosts that answer nobody without an account (twitter.com) and XML
        // namespace URLs: those links were not checked, and are not findings.
        Status::Ok(_) | Status::Excluded | Status::Unsupported(_) | Status::Cached(_) => {
            match response.redirects().and_then(final_redirect) {
                Some((to, status)) => Outcome::Redirect { to, status },
                None => Outcome::Ok,
            }
        }
        Status::Error(ErrorKind::InvalidFragment(_)) => Outcome::MissingFragment {
            fragment: url.split_once('#').map(|(_, f)| f.to_string()).unwrap_or_default(),
        },
        Status::Error(ErrorKind::RejectedStatusCode(code)) | Status::UnknownStatusCode(code) => {
            let mut reason = format!("the server answered {code}");
            if let Some((to, _)) = response.redirects().and_then(final_redirect) {
                reason.push_str(&format!(" after redirecting to `{to}`"));
            }
            Outcome::Broken { reason, transient: transient(Some(code.as_u16())) }
        }
        Status::Timeout(code) => Outcome::Broken {
            reason: "no answer in time (timeout)".to_string(),
            transient: transient(code.map(|c| c.as_u16())),
        },
        other => {
            let detail = other.details();
            let reason = if detail.is_empty() { other.to_string() } else { detail };
            Outcome::Broken { reason: format!("the request failed: {reason}"), transient: true }
        }
    }
}

/// Where a chain of redirects ends, and the first hop's status (301 or 302
/// is what tells an author whether the move is permanent).
fn final_redirect(redirects: &lychee_lib::Redirects) -> Option<(String, u16)> {
    if redirects.count() == 0 {
        return None;
    }
    // The chain's fields are private; its serialized form is its public shape.
    let value = serde_json::to_value(redirects).ok()?;
    let hops = value.get("redirects")?.as_array()?;
    let last = hops.last()?.get("url")?.as_str()?.to_string();
    let first = hops.first()?.get("code")?.as_u64()? as u16;
    Some((last, first))
}

/// The finding for one link, if its outcome is one.
fn finding(url: &str, site: &Site<'_>, outcome: &Outcome, s: &CheckSettings) -> Option<Diagnostic> {
    let what = if site.is_image { "image" } else { "link" };
    let loc = Location::new(site.source, site.line, Some(site.col));
    Some(match outcome {
        Outcome::Ok => return None,
        Outcome::Redirect { to, status } => Diagnostic::warning(
            ids::LINK_EXTERNAL_REDIRECT,
            loc,
            format!("{what} `{url}` redirects ({status}) to `{to}`"),
        )
        .with_help("link the final address: readers skip a hop, and the link survives the old address going away"),
        Outcome::MissingFragment { fragment } => Diagnostic::warning(
            ids::LINK_EXTERNAL_FRAGMENT,
            loc,
            format!("{what} `{url}`: the page exists but has no `#{fragment}`"),
        )
        .with_help("the heading may have been renamed; open the page and copy the anchor again"),
        Outcome::Broken { reason, transient } => {
            let reason = match reason.as_str() {
                "no answer in time (timeout)" => format!(
                    "no answer within {} s (timeout, tried {} times)",
                    s.external_timeout_secs,
                    s.external_retries + 1
                ),
                _ => reason.clone(),
            };
            let help = if *transient {
                "the server may be down only for now (this answer is not cached, the next run asks again); if it stays, fix or remove the link"
            } else {
                "fix the address or remove the link; a web archive copy can stand in for a page that is gone"
            };
            Diagnostic::warning(ids::LINK_EXTERNAL, loc, format!("{what} `{url}`: {reason}"))
                .with_help(help)
        }
    })
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A missing cache is an empty one; a damaged or outdated one is ignored with
/// a note (it is rewritten at the end of the run).
fn read_cache(path: &Path, notes: &mut Vec<String>) -> CacheFile {
    let Ok(bytes) = std::fs::read(path) else { return CacheFile::default() };
    match serde_json::from_slice::<CacheFile>(&bytes) {
        Ok(c) if c.version == CACHE_VERSION => c,
        Ok(_) => CacheFile::default(),
        Err(e) => {
            notes.push(format!(
                "the external-link cache `{}` is unreadable ({e}); every link is requested again",
                path.display()
            ));
            CacheFile::default()
        }
    }
}

/// Write then rename: a run that stops half way leaves the old file whole.
fn write_cache(path: &Path, cache: &CacheFile) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp: PathBuf = path.with_extension(format!("{}.tmp", std::process::id()));
    std::fs::write(&tmp, serde_json::to_vec_pretty(cache)?)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_wins_over_exclude() {
        let s = CheckSettings {
            external_exclude: vec!["^https://slow\\.example/".into()],
            external_include: vec!["^https://slow\\.example/keep".into()],
            ..CheckSettings::default()
        };
        let f = Filter::new(&s);
        assert!(!f.wants("https://slow.example/a"));
        assert!(f.wants("https://slow.example/keep/this"));
        assert!(f.wants("https://other.example/"));
        let only = CheckSettings {
            external_include: vec!["docs\\.rs".into()],
            ..CheckSettings::default()
        };
        let f = Filter::new(&only);
        assert!(f.wants("https://docs.rs/x"));
        assert!(!f.wants("https://other.example/"));
    }

    #[test]
    fn a_damaged_cache_is_ignored_with_a_note() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(CACHE_FILE);
        std::fs::write(&p, "{not json").unwrap();
        let mut notes = Vec::new();
        let c = read_cache(&p, &mut notes);
        assert!(c.entries.is_empty());
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("unreadable"), "{notes:?}");
    }
}
