//! "Did you mean …?": the closest known name to a misspelt one.

use strsim::damerau_levenshtein;

/// The candidate closest to `name`, if it is close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    if name.chars().count() < 3 {
        return None; // any short name is "close" to another
    }
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (damerau_levenshtein(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// The distinct identifiers in a script's text (outside strings and comments,
/// roughly): candidates for a misspelt variable name.
pub fn identifiers(text: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let mut in_string = false;
        let mut start = None;
        for (i, c) in code
            .char_indices()
            .chain(std::iter::once((code.len(), ' ')))
        {
            if c == '"' || c == '`' {
                in_string = !in_string;
            }
            let word_char = c.is_alphanumeric() || c == '_';
            match (start, word_char && !in_string) {
                (None, true) => start = Some(i),
                (Some(s), false) => {
                    let word = &code[s..i];
                    if word.starts_with(|c: char| !c.is_ascii_digit()) && !out.contains(&word) {
                        out.push(word);
                    }
                    start = None;
                }
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{closest, identifiers};

    #[test]
    fn identifiers_skip_strings_comments_and_numbers() {
        let text = "let replicas = 3; // replicaz\ninfo(\"replicat\", 2x);";
        assert_eq!(identifiers(text), vec!["let", "replicas", "info"]);
    }

    #[test]
    fn suggests_close_names_only() {
        let names = ["sleep", "step", "info", "wait_rollout"];
        assert_eq!(closest("slep", names), Some("sleep"));
        assert_eq!(closest("wiat_rollout", names), Some("wait_rollout"));
        assert_eq!(closest("stpe", names), Some("step"));
        assert_eq!(closest("deploy", names), None);
        assert_eq!(closest("x", ["y", "xs"]), None);
    }
}
