//! Names the Engine API puts in its URLs: checked before they reach one, so
//! a playbook's (or a journal's) value cannot name another endpoint.

/// A container's name, as Docker allows them: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`.
pub fn check_container(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if first_ok && rest_ok && name.len() <= 128 {
        Ok(())
    } else {
        Err(format!(
            "\"{name}\" is not a container name\nhint: letters, digits, '_', '.' and '-', starting with a letter or digit"
        ))
    }
}

/// Where a container replaced or removed by a run is kept, stopped, so the
/// run (or `orion rollback`) can put it back: one per name.
pub fn kept(name: &str) -> String {
    format!("{name}.orion-previous")
}

/// An image reference ("registry:5000/shop/web:1.5.0", "web@sha256:..."):
/// only the characters references use, so it stays one URL path segment's
/// worth of meaning.
pub fn check_image(image: &str) -> Result<(), String> {
    let ok = !image.is_empty()
        && image.len() <= 512
        && !image.contains("..")
        && !image.starts_with(['/', '-', ':', '@'])
        && image
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':' | '@'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "\"{image}\" is not an image reference\nhint: NAME[:TAG] or NAME@DIGEST, e.g. \"shop/web:1.5.0\""
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_docker_s_names_pass() {
        for ok in ["web", "web-blue", "w.1_a", "0web"] {
            assert!(check_container(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-web", "web/../../images", "web?force=1", "we b", "é"] {
            assert!(check_container(bad).is_err(), "{bad}");
        }
        assert!(check_container(&kept("web")).is_ok());
        for ok in [
            "shop/web:1.5.0",
            "registry:5000/shop/web",
            "web@sha256:ab12",
        ] {
            assert!(check_image(ok).is_ok(), "{ok}");
        }
        for bad in ["", "../x", "web?x=1", "web#1", "/web", "we b"] {
            assert!(check_image(bad).is_err(), "{bad}");
        }
    }
}
