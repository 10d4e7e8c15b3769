//! Kubernetes resource quantities as metrics.k8s.io writes them: CPU
//! ("250m", "12345n", "2") and memory ("128974848", "123456Ki", "1.5Gi").

/// The quantity's value in base units (cores, bytes).
pub fn parse(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(t.len());
    let (number, suffix) = t.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a Kubernetes quantity"))?;
    let scale = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024.0f64.powi(4),
        s if s.starts_with(['e', 'E']) => 10f64.powi(
            s[1..]
                .parse()
                .map_err(|_| format!("{text:?} is not a Kubernetes quantity"))?,
        ),
        _ => return Err(format!("{text:?} has an unknown unit {suffix:?}")),
    };
    Ok(number * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_and_memory_quantities() {
        assert_eq!(parse("250m").unwrap(), 0.25);
        assert!((parse("12345678n").unwrap() - 0.012345678).abs() < 1e-12);
        assert_eq!(parse("2").unwrap(), 2.0);
        assert_eq!(parse("1024Ki").unwrap(), 1048576.0);
        assert_eq!(parse("1.5Gi").unwrap(), 1.5 * 1073741824.0);
        assert_eq!(parse("1e3").unwrap(), 1000.0);
        assert!(parse("lots").is_err());
        assert!(parse("5Qi").unwrap_err().contains("unknown unit"));
    }
}
