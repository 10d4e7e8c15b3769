//! Text read from the cluster or the network, made safe to print: control
//! characters (a terminal's escape sequences among them) shown as `?`, so
//! what someone wrote into a ConfigMap cannot drive the operator's terminal.

/// `text` with every control character (newlines too) replaced by `?`.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// Whether `text` prints as it is.
pub fn is_printable(text: &str) -> bool {
    !text.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_do_not_reach_the_terminal() {
        assert_eq!(printable("ok \u{1b}]0;pwned\u{7}\nx"), "ok ?]0;pwned??x");
        assert!(is_printable("deployment/web in shop"));
        assert!(!is_printable("web\u{1b}[2J"));
    }
}
