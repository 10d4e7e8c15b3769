//! "Did you mean …?": the closest known name to a misspelt one.

use strsim::damerau_levenshtein;

/// The candidate closest to `name`, if it is close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (damerau_levenshtein(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn suggests_close_names_only() {
        let names = ["sleep", "step", "info", "wait_rollout"];
        assert_eq!(closest("slep", names), Some("sleep"));
        assert_eq!(closest("wiat_rollout", names), Some("wait_rollout"));
        assert_eq!(closest("stpe", names), Some("step"));
        assert_eq!(closest("deploy", names), None);
    }
}
