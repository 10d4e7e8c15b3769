//! What a check does when its query has no data (no series, or NaN) — the
//! choice Flagger and Argo Rollouts leave implicit, made explicit.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NoData {
    /// No data is an error: the check cannot be judged (the default).
    #[default]
    Error,
    /// No data is neither pass nor fail: the caller decides.
    Inconclusive,
    /// No data counts as 0 (a counter of errors that never fired).
    Zero,
}

/// The policies as a hint lists them.
pub const POLICIES: &str =
    "no_data: \"error\" (the default), \"inconclusive\" (returns ()) or \"zero\" (counts as 0)";

impl NoData {
    pub fn parse(text: &str) -> Result<NoData, String> {
        match text {
            "error" => Ok(NoData::Error),
            "inconclusive" => Ok(NoData::Inconclusive),
            "zero" => Ok(NoData::Zero),
            other => Err(format!(
                "no_data is \"error\", \"inconclusive\" or \"zero\", not {other:?}"
            )),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            NoData::Error => "error",
            NoData::Inconclusive => "inconclusive",
            NoData::Zero => "zero",
        }
    }

    /// The message for `promql` having no data at `source` under `Error`.
    pub fn message(source: &str, promql: &str) -> String {
        format!(
            "{promql} has no data at {source} (no series, or NaN)\nhint: check the metric and labels exist; or choose what no data means with {POLICIES}"
        )
    }
}

impl fmt::Display for NoData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_parse_and_explain() {
        for p in [NoData::Error, NoData::Inconclusive, NoData::Zero] {
            assert_eq!(NoData::parse(p.as_str()), Ok(p));
        }
        assert_eq!(NoData::default(), NoData::Error);
        assert!(NoData::parse("skip").unwrap_err().contains("not \"skip\""));
        let m = NoData::message("http://p:9090", "up");
        assert!(m.starts_with("up has no data at http://p:9090"), "{m}");
        assert!(
            m.contains("\"inconclusive\"") && m.contains("\"zero\""),
            "{m}"
        );
    }
}
