//! Resource quantities ("500m", "2", "128Mi", "1G") as numbers: CPU in
//! millicores, memory in bytes.

/// Millicores of a CPU quantity.
pub fn cpu_millis(q: &str) -> Option<u64> {
    let q = q.trim();
    if let Some(m) = q.strip_suffix('m') {
        return m.parse().ok();
    }
    let cores: f64 = q.parse().ok()?;
    (cores >= 0.0).then(|| (cores * 1000.0).round() as u64)
}

/// Bytes of a memory quantity.
pub fn bytes(q: &str) -> Option<u64> {
    let q = q.trim();
    let units: [(&str, u64); 12] = [
        ("Ki", 1 << 10),
        ("Mi", 1 << 20),
        ("Gi", 1 << 30),
        ("Ti", 1 << 40),
        ("Pi", 1 << 50),
        ("Ei", 1 << 60),
        ("k", 1_000),
        ("M", 1_000_000),
        ("G", 1_000_000_000),
        ("T", 1_000_000_000_000),
        ("P", 1_000_000_000_000_000),
        ("E", 1_000_000_000_000_000_000),
    ];
    for (suffix, factor) in units {
        if let Some(n) = q.strip_suffix(suffix) {
            let n: f64 = n.parse().ok()?;
            return (n >= 0.0).then_some((n * factor as f64) as u64);
        }
    }
    let n: f64 = q.parse().ok()?;
    (n >= 0.0).then_some(n as u64)
}

#[cfg(test)]
mod tests {
    use super::{bytes, cpu_millis};

    #[test]
    fn parses_kubernetes_quantities() {
        assert_eq!(cpu_millis("500m"), Some(500));
        assert_eq!(cpu_millis("2"), Some(2000));
        assert_eq!(cpu_millis("0.25"), Some(250));
        assert_eq!(bytes("128Mi"), Some(128 << 20));
        assert_eq!(bytes("1G"), Some(1_000_000_000));
        assert_eq!(bytes("8Gi"), Some(8 << 30));
        assert_eq!(bytes("1000"), Some(1000));
        assert_eq!(bytes("lots"), None);
        assert_eq!(cpu_millis("-1"), None);
    }
}
