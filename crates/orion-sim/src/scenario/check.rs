//! Checks of an `[[image]]` table that its types alone do not make.

use super::ImageBehaviour;
use crate::logs::KEEP;

impl ImageBehaviour {
    /// What is wrong with the fields, if anything.
    pub(super) fn check(&self) -> Result<(), String> {
        rate("error_rate", self.error_rate)?;
        status("error_status", self.error_status)?;
        status("unhealthy_status", self.unhealthy_status)?;
        if self.crash_after_requests == Some(0) {
            return Err(
                "crash_after_requests is 0; it counts requests served before the \
                 crash, at least 1, e.g. crash_after_requests = 100"
                    .into(),
            );
        }
        if !(0..=255).contains(&self.exit_code) {
            return Err(format!(
                "exit_code is {}; a process exits with 0 to 255, e.g. exit_code = 1",
                self.exit_code
            ));
        }
        if let Some(upstream) = &self.upstream {
            host_port(upstream)?;
        }
        start_logs(&self.start_logs)?;
        for (i, phase) in self.phases.iter().enumerate() {
            let within = |e: String| format!("phase {} (after = {:?}): {e}", i + 1, phase.after);
            rate("error_rate", phase.error_rate.unwrap_or(0.0)).map_err(within)?;
            status("error_status", phase.error_status).map_err(within)?;
        }
        Ok(())
    }
}

fn rate(name: &str, rate: f64) -> Result<(), String> {
    if (0.0..=1.0).contains(&rate) {
        Ok(())
    } else {
        Err(format!(
            "{name} is {rate}; it is a fraction between 0 and 1, e.g. {name} = 0.05"
        ))
    }
}

fn status(name: &str, code: Option<u16>) -> Result<(), String> {
    match code {
        Some(code) if !(100..=599).contains(&code) => Err(format!(
            "{name} is {code}; it is an HTTP status between 100 and 599, e.g. {name} = 503"
        )),
        _ => Ok(()),
    }
}

/// Each a single line: a line break would make one entry two log lines.
fn start_logs(lines: &[String]) -> Result<(), String> {
    if lines.len() > KEEP {
        return Err(format!(
            "start_logs has {} lines; a container's log keeps the last {KEEP}",
            lines.len()
        ));
    }
    match lines.iter().position(|l| l.contains(['\n', '\r'])) {
        Some(i) => Err(format!(
            "start_logs line {} has a line break; give each line as its own string, \
             e.g. start_logs = [\"ERROR first\", \"ERROR second\"]",
            i + 1
        )),
        None => Ok(()),
    }
}

/// `host:port`, where host may be a bracketed IPv6 address.
fn host_port(text: &str) -> Result<(), String> {
    let wrong = |why: &str| {
        Err(format!(
            "upstream \"{text}\" {why}; write host:port, e.g. upstream = \"127.0.0.1:5432\""
        ))
    };
    let Some((host, port)) = text.rsplit_once(':') else {
        return wrong("has no port");
    };
    if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '/') {
        return wrong("has no valid host");
    }
    if host.contains(':') && !(host.starts_with('[') && host.ends_with(']')) {
        return wrong("needs brackets around an IPv6 host");
    }
    match port.parse::<u16>() {
        Ok(p) if p > 0 => Ok(()),
        _ => wrong("has no valid port (1 to 65535)"),
    }
}

#[cfg(test)]
mod tests {
    use super::host_port;

    #[test]
    fn upstreams() {
        assert!(host_port("127.0.0.1:5432").is_ok());
        assert!(host_port("db.shop.svc:80").is_ok());
        assert!(host_port("[::1]:8080").is_ok());
        for bad in ["db", ":80", "db:0", "db:http", "::1:80", "a b:1"] {
            assert!(host_port(bad).unwrap_err().contains("host:port"), "{bad}");
        }
    }
}
