//! What a notification must not carry: the values the run knows to be
//! secret (Secret objects it changed, webhook URLs, header values), then
//! whatever `crate::mask` masks (passwords, query values and `password=`
//! in URLs and connection strings).

use std::collections::BTreeSet;

/// Values shorter than this are not masked: they would blank ordinary words.
pub const MIN_SECRET: usize = 4;

/// The secret values known so far.
#[derive(Debug, Default, Clone)]
pub struct Redactor {
    values: BTreeSet<String>,
}

impl Redactor {
    /// Remembers `value` as secret (ignored when shorter than `MIN_SECRET`).
    pub fn add(&mut self, value: &str) {
        let value = value.trim();
        if value.chars().count() >= MIN_SECRET {
            self.values.insert(value.to_string());
        }
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `text` with every known secret (longest first) as "***", then masked
    /// by `crate::mask`.
    pub fn redact(&self, text: &str) -> String {
        let mut values: Vec<&String> = self.values.iter().collect();
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        let mut out = text.to_string();
        for v in values {
            if out.contains(v.as_str()) {
                out = out.replace(v.as_str(), "***");
            }
        }
        crate::mask::secrets(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::Redactor;

    #[test]
    fn known_values_and_url_passwords_are_masked() {
        let mut r = Redactor::default();
        r.add("hunter2-long");
        r.add("ab");
        assert_eq!(r.len(), 1, "too short to mask");
        assert_eq!(
            r.redact("pw hunter2-long, db postgres://app:s3cret@db:5432/x, ab"),
            "pw ***, db postgres://app:***@db:5432/x, ab"
        );
        assert_eq!(
            r.redact("db postgres://app:s3/cr#t@db:5432/x?sslpassword=hunter3"),
            "db postgres://app:***@db:5432/x?sslpassword=***"
        );
    }
}
