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
    /// What happens to links into [`StripRules::affiliate_hosts`] outside ad
    /// markers. `keep` by default: unwrapping changes what readers can click,
    /// and a site may be paid by those links, so the build only does it when
    /// the site asks; `ads/affiliate-link` reports them meanwhile.
    pub affiliate_links: AffiliateLinks,
    /// Hosts of affiliate and tracking networks, matched on whole host labels
    /// as [`StripRules::ad_script_hosts`] are. `host?param` counts only links
    /// carrying that query parameter (any case): 2Checkout serves its shop and
    /// its affiliate links from one host, told apart by `AFFILIATE=`.
    pub affiliate_hosts: Vec<String>,
}

/// `strip.affiliate_links`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AffiliateLinks {
    /// Publish them and report each (`ads/affiliate-link`).
    #[default]
    Keep,
    /// Replace each by its text, or point it at the heading its text names.
    Unwrap,
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
            affiliate_links: AffiliateLinks::Keep,
            affiliate_hosts: [
                // Impact (formerly Impact Radius): vanity subdomains of these.
                "sjv.io",
                "pxf.io",
                "impactradius.com",
                "impactradius-go.com",
                "impactradius-event.com",
                // Avangate / 2Checkout (Verifone): the same hosts sell directly.
                "2checkout.com?affiliate",
                "avangate.com?affiliate",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
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
        for entry in &self.affiliate_hosts {
            let (host, param) = entry.split_once('?').unwrap_or((entry, ""));
            if host.trim().trim_matches('.').is_empty() || (entry.contains('?') && param.is_empty())
            {
                out.push(format!(
                    "strip.affiliate_hosts: `{entry}` is not a host (or `host?parameter`)"
                ));
            }
        }
        out
    }

    /// The [`StripRules::affiliate_hosts`] entry `url` matches, if any: the
    /// one list both `ads/affiliate-link` and `affiliate_links: unwrap` use, so
    /// what is reported is what would be unwrapped.
    pub fn affiliate_host(&self, url: &str) -> Option<&str> {
        let url = url.trim();
        self.affiliate_hosts.iter().map(String::as_str).find(|entry| {
            let (host, param) = entry.split_once('?').unwrap_or((entry, ""));
            matching_host(url, std::slice::from_ref(&host)).is_some()
                && (param.is_empty() || has_query_param(url, param))
        })
    }

    /// Whether the element rules (everything but the affiliate keys) are the
    /// defaults: `ads/leftover-ad` re-runs the default element rules only when
    /// a site replaced them, and unwrapping affiliate links does not.
    pub fn element_rules_eq(&self, other: &StripRules) -> bool {
        self.markers == other.markers
            && self.selectors == other.selectors
            && self.script_patterns == other.script_patterns
            && self.ad_script_hosts == other.ad_script_hosts
            && self.tracking_pixels == other.tracking_pixels
    }
}

/// Whether `url`'s query has a parameter named `name`, in any case. Parsed
/// with `url`'s form decoder, so `AFFILIATE%3D` tricks and `+` read as a browser
/// would send them.
fn has_query_param(url: &str, name: &str) -> bool {
    let Some((_, query)) = url.split_once('?') else { return false };
    let query = query.split('#').next().unwrap_or("");
    url::form_urlencoded::parse(query.as_bytes()).any(|(k, _)| k.eq_ignore_ascii_case(name))
}

/// The entry of `hosts` that `url`'s host matches on label boundaries
/// (`media.net` matches `contextual.media.net`, not `socialmedia.net`); `None`
/// for a relative URL, which is the site's own.
pub(super) fn matching_host<'r, H: AsRef<str>>(url: &str, hosts: &'r [H]) -> Option<&'r str> {
    let src = url.trim();
    let rest = match src.find("//") {
        Some(i) if src[..i].bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.:".contains(&b)) => {
            &src[i + 2..]
        }
        _ => return None,
    };
    let host_end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let host = &rest[..host_end];
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split(':').next().unwrap_or(host).trim_end_matches('.').to_ascii_lowercase();
    hosts.iter().map(AsRef::as_ref).find(|entry| {
        let entry = entry.trim().trim_matches('.').to_ascii_lowercase();
        !entry.is_empty()
            && host.match_indices(entry.as_str()).any(|(i, _)| {
                let before_ok = i == 0 || host.as_bytes()[i - 1] == b'.';
                let after = i + entry.len();
                before_ok && (after == host.len() || host.as_bytes()[after] == b'.')
            })
    })
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

    #[test]
    fn affiliate_hosts_match_labels_and_required_parameters() {
        let rules = StripRules::default();
        assert_eq!(rules.affiliate_host("https://microsoft.sjv.io/c/123"), Some("sjv.io"));
        assert_eq!(rules.affiliate_host("//X.PXF.IO/abc"), Some("pxf.io"));
        assert_eq!(rules.affiliate_host("https://notsjv.io/c/1"), None);
        assert_eq!(rules.affiliate_host("https://example.com/?u=https://x.sjv.io/"), None);
        assert_eq!(
            rules.affiliate_host("https://shop.2checkout.com/order?PRODS=1&AFFILIATE=99"),
            Some("2checkout.com?affiliate")
        );
        assert_eq!(rules.affiliate_host("https://shop.2checkout.com/order?PRODS=1"), None);
        assert_eq!(rules.affiliate_host("https://2checkout.com/?x=1#affiliate=1"), None);
        assert_eq!(rules.affiliate_links, AffiliateLinks::Keep);
        let custom: StripRules = serde_json::from_str(
            r#"{"affiliate_links": "unwrap", "affiliate_hosts": ["amzn.to", "?tag", "shop.example?"]}"#,
        )
        .unwrap();
        assert_eq!(custom.affiliate_links, AffiliateLinks::Unwrap);
        assert_eq!(custom.affiliate_host("https://amzn.to/3xYz"), Some("amzn.to"));
        assert_eq!(custom.affiliate_host("https://x.sjv.io/c"), None);
        let problems = custom.problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("`?tag`") && problems[1].contains("`shop.example?`"));
        assert!(serde_json::from_str::<StripRules>(r#"{"affiliate_links": "drop"}"#).is_err());
    }
}
