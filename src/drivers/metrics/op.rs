//! The comparison a check holds a value to: `value op threshold`.

use std::fmt;

/// "<", "<=", ">", ">=", "==" or "!=". Copy, Send and Sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Op {
    /// The operator written as in PromQL ("<", ">=", ...).
    pub fn parse(text: &str) -> Result<Op, String> {
        Ok(match text.trim() {
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            "==" => Op::Eq,
            "!=" => Op::Ne,
            other => {
                return Err(format!(
                    "{other:?} is not a comparison\nhint: one of <, <=, >, >=, ==, !="
                ))
            }
        })
    }

    /// Whether `value op threshold` holds. NaN holds nothing (not even `!=`).
    pub fn holds(&self, value: f64, threshold: f64) -> bool {
        if value.is_nan() || threshold.is_nan() {
            return false;
        }
        match self {
            Op::Lt => value < threshold,
            Op::Le => value <= threshold,
            Op::Gt => value > threshold,
            Op::Ge => value >= threshold,
            Op::Eq => value == threshold,
            Op::Ne => value != threshold,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "==",
            Op::Ne => "!=",
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_parse_display_and_hold() {
        for text in ["<", "<=", ">", ">=", "==", "!="] {
            assert_eq!(Op::parse(text).unwrap().to_string(), text);
        }
        assert!(Op::parse("=>").unwrap_err().contains("one of <, <="));
        assert!(Op::parse("<").unwrap().holds(0.01, 0.05));
        assert!(!Op::parse("<").unwrap().holds(0.05, 0.05));
        assert!(Op::parse("<=").unwrap().holds(0.05, 0.05));
        assert!(Op::parse(">").unwrap().holds(2.0, 1.0));
        assert!(!Op::parse(">=").unwrap().holds(0.5, 1.0));
        assert!(Op::parse("==").unwrap().holds(1.0, 1.0));
        assert!(Op::parse("!=").unwrap().holds(1.0, 2.0));
        assert!(!Op::Ne.holds(f64::NAN, 2.0));
        assert!(Op::Lt.holds(f64::NEG_INFINITY, 0.0));
    }
}
