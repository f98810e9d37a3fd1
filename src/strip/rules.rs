//! The strip rules a site configures: what counts as an ad, the defaults, the invalid ones.

use lol_html::Selector;
use serde::Deserialize;

/// Strip rules: comment marker pairs (applied to the Markdown source) and CSS
/// selectors (applied to raw HTML in the rendered article).
///
/// Every field has a default, so a site config can override one list and keep
/// the others. Overriding a list replaces it (write the defaults you still want).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StripRules {
    pub markers: Vec<MarkerPair>,
    /// Elements matching any of these CSS selectors (lol_html syntax) are
    /// removed and reported by the selector's text. Invalid selectors are
    /// skipped here; [`StripRules::problems`] reports them.
    pub selectors: Vec<String>,
    /// Inline `<script>` bodies containing any of these strings are ad loaders.
    pub script_patterns: Vec<String>,
    /// `<script src>` from these hosts (or their subdomains) is an ad loader.
    /// An entry matches whole host labels: `media.net` matches
    /// `contextual.media.net`, not `socialmedia.net`; `adservice.google`
    /// matches `adservice.google.com` and `adservice.google.co.uk`.
    pub ad_script_hosts: Vec<String>,
    /// Remove invisible tracking images: `width`/`height` of 0, 1×1, or a style
    /// with `display:none` / `visibility:hidden` (spaces and case ignored).
    /// Done in code rather than with selectors because CSS attribute selectors
    /// cannot ignore whitespace (`display: none`) or units (`0px`).
    pub tracking_pixels: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkerPair {
    /// Text inside the opening comment, compared trimmed and case-insensitively.
    /// Runs of whitespace count as one space, so `<!--affiliate  ads begin-->`
    /// matches too.
    pub begin: String,
    pub end: String,
}

impl Default for StripRules {
    fn default() -> Self {
        StripRules {
            markers: vec![MarkerPair {
                begin: "affiliate ads begin".into(),
                end: "affiliate ads end".into(),
            }],
            selectors: vec!["ins.adsbygoogle".into()],
            script_patterns: vec![
                // AdSense: (adsbygoogle = window.adsbygoogle || []).push({})
                "adsbygoogle".into(),
                // Google Publisher Tag slots.
                "googletag.cmd".into(),
                // Taboola and Amazon native ads configure themselves inline.
                "window._taboola".into(),
                "amzn_assoc_".into(),
            ],
            ad_script_hosts: [
                "googlesyndication.com",
                "doubleclick.net",
                "adservice.google",
                "googletagservices.com",
                "amazon-adsystem.com",
                "taboola.com",
                "outbrain.com",
                "media.net",
                "adnxs.com",
                "criteo.com",
                "criteo.net",
                "pubmatic.com",
                "rubiconproject.com",
                "moatads.com",
                "carbonads.com",
                "carbonads.net",
                "buysellads.com",
                "ezojs.com",
                "mgid.com",
                "revcontent.com",
                "infolinks.com",
                "propellerads.com",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            tracking_pixels: true,
        }
    }
}

impl StripRules {
    /// Problems with the rules themselves, as messages for the config loader to
    /// report: an invalid or unsupported selector would otherwise be skipped
    /// without a word, and an empty marker would match every empty comment.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (i, pair) in self.markers.iter().enumerate() {
            if pair.begin.trim().is_empty() || pair.end.trim().is_empty() {
                out.push(format!("strip.markers[{i}]: `begin` and `end` must not be empty"));
            } else if same_words(&pair.begin, &pair.end) {
                out.push(format!("strip.markers[{i}]: `begin` and `end` are the same text"));
            }
        }
        for sel in &self.selectors {
            if let Err(e) = sel.parse::<Selector>() {
                out.push(format!("strip.selectors: `{sel}` is not a supported CSS selector: {e}"));
            }
        }
        out
    }
}

/// Whether two texts have the same words, ignoring case and how much
/// whitespace separates them. Allocation-free: it runs on every comment.
pub(super) fn same_words(a: &str, b: &str) -> bool {
    let mut a = a.split_whitespace();
    let mut b = b.split_whitespace();
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) => {
                let same = if x.is_ascii() && y.is_ascii() {
                    x.eq_ignore_ascii_case(y)
                } else {
                    x.chars()
                        .flat_map(char::to_lowercase)
                        .eq(y.chars().flat_map(char::to_lowercase))
                };
                if !same {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_deserialize_with_defaults_and_report_problems() {
        let rules: StripRules =
            serde_json::from_str(r#"{"selectors": ["div.sponsored", "p:hover"]}"#).unwrap();
        assert_eq!(rules.markers.len(), 1);
        assert!(rules.tracking_pixels);
        assert!(rules.ad_script_hosts.iter().any(|h| h == "doubleclick.net"));
        let problems = rules.problems();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("p:hover"));
        assert!(StripRules::default().problems().is_empty());
        assert!(serde_json::from_str::<StripRules>(r#"{"selector": []}"#).is_err());
    }
}
