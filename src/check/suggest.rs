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

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn typos_find_their_word_and_strangers_find_nothing() {
        let keys = ["title", "date", "tags", "description"];
        assert_eq!(closest("tittle", keys), Some("title"));
        assert_eq!(closest("dsecription", keys), Some("description"));
        assert_eq!(closest("tgas", keys), Some("tags"));
        assert_eq!(closest("layout", keys), None);
        assert_eq!(closest("title", keys), None);
    }
}
