//! Durations as playbooks write them: "500ms", "30s", "2m", "1h30m", "1.5s".

use std::time::Duration;

/// Parses a duration string. Units: ms, s, m, h, d; parts may be combined
/// ("1h30m") and may have a decimal fraction ("1.5s"). A bare number is refused,
/// because "5" could mean seconds or minutes.
pub fn parse(text: &str) -> Result<Duration, String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let s = compact.as_str();
    if s.is_empty() {
        return Err(bad(text, "it is empty"));
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return Err(bad(text, "expected a number before the unit"));
        }
        let number: f64 = rest[..num_len]
            .parse()
            .map_err(|_| bad(text, "the number is malformed"))?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let seconds = match unit {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            "" => return Err(bad(text, "a unit is missing")),
            other => return Err(bad(text, &format!("unknown unit `{other}`"))),
        };
        total += number * seconds;
    }
    if !total.is_finite() || total > 365.0 * 86400.0 {
        return Err(bad(text, "it is longer than a year"));
    }
    Ok(Duration::from_secs_f64(total))
}

fn bad(text: &str, why: &str) -> String {
    format!(
        "malformed duration \"{text}\": {why}\nhint: write a number and a unit (ms, s, m, h, d), e.g. \"500ms\", \"30s\", \"1h30m\""
    )
}

/// Formats a duration for people: "850ms", "12.3s", "4m05s", "1h02m".
pub fn format(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        format!("{:.1}s", d.as_secs_f64())
    } else if ms < 3_600_000 {
        format!("{}m{:02}s", ms / 60_000, (ms / 1000) % 60)
    } else {
        format!("{}h{:02}m", ms / 3_600_000, (ms / 60_000) % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::{format, parse};
    use std::time::Duration;

    #[test]
    fn parses_units_and_combinations() {
        assert_eq!(parse("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse(" 1d ").unwrap(), Duration::from_secs(86400));
        assert_eq!(parse("1h 30m").unwrap(), Duration::from_secs(5400));
    }

    #[test]
    fn refuses_malformed() {
        for bad in ["", "5", "5x", "s", "1..2s", "ms5", "9999d"] {
            let err = parse(bad).unwrap_err();
            assert!(err.starts_with("malformed duration"), "{bad}: {err}");
        }
        assert!(parse("5").unwrap_err().contains("a unit is missing"));
    }

    #[test]
    fn formats_for_people() {
        assert_eq!(format(Duration::from_millis(850)), "850ms");
        assert_eq!(format(Duration::from_millis(12_340)), "12.3s");
        assert_eq!(format(Duration::from_secs(245)), "4m05s");
        assert_eq!(format(Duration::from_secs(3720)), "1h02m");
    }
}
