//! "Did you mean" for typos: the candidate nearest by edit distance, when it is
//! near enough to be a slip of the keyboard rather than a different word.

/// The candidate closest to `word` by Damerau-Levenshtein distance (a swapped
/// pair of letters counts as one slip), if it is within a third of the word's
/// length (at least 1, at most 3 edits).
pub fn closest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let limit = (word.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// "Did you mean" over thousands of candidates (every published page), with
/// bounded work per question: a site whose links all miss asks once per link,
/// and comparing each with every page was quadratic (minutes at 10,000
/// articles). Candidates are narrowed before any edit distance:
/// 1. a candidate whose last path segment is the wanted one's (a page that
///    moved under another prefix: `/posts/guide/` → `/guide/`) is the answer
///    when it is the only one;
/// 2. otherwise only the candidates next to the word in sorted order, and in
///    the order of their reversed text, are compared ([`NEIGHBOURS`] on each
///    side of each): a slip of the keyboard keeps either the start or the end
///    of a path, so the near page sorts close by one of the two.
pub struct Nearest<'c> {
    sorted: Vec<&'c str>,
    /// (reversed text, candidate), sorted by the reversed text.
    by_end: Vec<(String, &'c str)>,
    by_segment: std::collections::HashMap<&'c str, Vec<&'c str>>,
}

/// How many candidates on each side of the word are compared, per order.
const NEIGHBOURS: usize = 48;

fn last_segment(path: &str) -> &str {
    path.trim_end_matches('/').rsplit('/').next().unwrap_or(path)
}

impl<'c> Nearest<'c> {
    pub fn new(candidates: impl IntoIterator<Item = &'c str>) -> Self {
        let mut sorted: Vec<&str> = candidates.into_iter().collect();
        sorted.sort_unstable();
        sorted.dedup();
        let mut by_end: Vec<(String, &str)> =
            sorted.iter().map(|c| (c.chars().rev().collect(), *c)).collect();
        by_end.sort_unstable();
        let mut by_segment: std::collections::HashMap<&str, Vec<&str>> = Default::default();
        for c in &sorted {
            let seg = last_segment(c);
            if !seg.is_empty() {
                by_segment.entry(seg).or_default().push(c);
            }
        }
        Nearest { sorted, by_end, by_segment }
    }

    /// The candidate a person most likely meant by `word`, as [`closest`]
    /// decides among the narrowed candidates.
    pub fn closest(&self, word: &str) -> Option<&'c str> {
        if let Some([only]) = self.by_segment.get(last_segment(word)).map(Vec::as_slice) {
            if *only != word {
                return Some(only);
            }
        }
        let at = self.sorted.partition_point(|c| *c < word);
        let near_start =
            &self.sorted[at.saturating_sub(NEIGHBOURS)..(at + NEIGHBOURS).min(self.sorted.len())];
        let reversed: String = word.chars().rev().collect();
        let at = self.by_end.partition_point(|(r, _)| r.as_str() < reversed.as_str());
        let near_end =
            &self.by_end[at.saturating_sub(NEIGHBOURS)..(at + NEIGHBOURS).min(self.by_end.len())];
        closest(word, near_start.iter().copied().chain(near_end.iter().map(|(_, c)| *c)))
    }
}

/// The registered id closest to `id`, for "did you mean" in config and comments.
pub fn closest_id(id: &str) -> Option<&'static str> {
    closest(id, crate::registry::CHECKS.iter().map(|c| c.id.as_str()))
}

#[cfg(test)]
mod tests {
    use super::{closest, Nearest};

    #[test]
    fn typos_find_their_word_and_strangers_find_nothing() {
        let keys = ["title", "date", "tags", "description"];
        assert_eq!(closest("tittle", keys), Some("title"));
        assert_eq!(closest("dsecription", keys), Some("description"));
        assert_eq!(closest("tgas", keys), Some("tags"));
        assert_eq!(closest("layout", keys), None);
        assert_eq!(closest("title", keys), None);
    }

    #[test]
    fn nearest_finds_what_a_full_comparison_finds_for_slips_and_moved_pages() {
        let pages: Vec<String> = (0..5000)
            .map(|i| {
                format!(
                    "/how-to-fix-{}-error-{i:05}/",
                    ["wifi", "update", "printer", "sound"][i % 4]
                )
            })
            .chain(["/guide/".to_string(), "/link-a-product-key/".to_string()])
            .collect();
        let nearest = Nearest::new(pages.iter().map(String::as_str));
        for (word, want) in [
            ("/how-to-fix-printer-eror-00042/", Some("/how-to-fix-printer-error-00042/")),
            ("/hwo-to-fix-sound-error-00043/", Some("/how-to-fix-sound-error-00043/")),
            ("/how-to-fix-wifi-error-04000", Some("/how-to-fix-wifi-error-04000/")),
            ("/posts/link-a-product-key/", Some("/link-a-product-key/")),
            ("/gude/", Some("/guide/")),
            ("/nothing-like-it/", None),
        ] {
            assert_eq!(nearest.closest(word), want, "{word}");
            if !word.starts_with("/posts/") {
                assert_eq!(closest(word, pages.iter().map(String::as_str)), want, "{word}: full");
            }
        }
    }

    #[test]
    fn closest_id_suggests_near_ids() {
        assert_eq!(super::closest_id("link/brokn"), Some("link/broken"));
        assert_eq!(super::closest_id("zzz/qqq"), None);
    }
}
