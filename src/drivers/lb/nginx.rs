//! nginx upstreams: orion owns one include file holding one `upstream`
//! block, renders the servers' weights into it (weight 0 is `down`: nginx
//! weights start at 1), has `nginx -t` check the whole configuration — a
//! refusal puts the previous file back, so the running nginx keeps serving
//! what it had — then reloads and waits for new worker processes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How to reach one nginx.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nginx {
    /// The program, from orion.toml's `[programs]` or PATH: never a script's.
    pub binary: PathBuf,
    /// nginx.conf (which includes the upstream file).
    pub conf: PathBuf,
    pub prefix: Option<PathBuf>,
    /// Its pid file, to confirm the reload.
    pub pid_file: Option<PathBuf>,
}

pub use crate::drivers::child::Refused;

impl Nginx {
    fn command(&self, extra: &[&str]) -> std::process::Command {
        let mut c = std::process::Command::new(&self.binary);
        if let Some(p) = &self.prefix {
            c.arg("-p").arg(p);
        }
        c.arg("-c").arg(&self.conf).args(extra);
        c
    }

    /// Runs nginx with `extra`: Ok when it succeeds.
    fn run(&self, extra: &[&str], what: &str) -> Result<(), Refused> {
        let out = self.command(extra).output().map_err(|e| Refused {
            what: format!("cannot run {}: {e}", self.binary.display()),
            said: String::new(),
        })?;
        if out.status.success() {
            return Ok(());
        }
        Err(Refused::new(what, &out.stderr))
    }

    /// `nginx -t`: does nginx accept its whole configuration?
    pub fn test(&self) -> Result<(), Refused> {
        self.run(&["-t", "-q"], "nginx -t refused the configuration")
    }

    fn workers(&self) -> Option<Vec<u32>> {
        let pid_file = self.pid_file.as_ref()?;
        let pid: u32 = std::fs::read_to_string(pid_file)
            .ok()?
            .trim()
            .parse()
            .ok()?;
        let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).ok()?;
        Some(
            children
                .split_whitespace()
                .filter_map(|c| c.parse().ok())
                .collect(),
        )
    }

    /// `nginx -s reload`, then waits (up to 5 s) until only new workers run:
    /// the new configuration is live. Says so when it cannot tell.
    pub fn reload(&self) -> Result<Option<String>, Refused> {
        let before = self.workers();
        self.run(&["-s", "reload"], "nginx -s reload failed")?;
        let Some(before) = before else {
            return Ok(Some("the reload was signalled; without a readable pid_file orion cannot confirm new workers started".into()));
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            // Live when new workers run and the old ones, which still take
            // connections with the old weights until told to quit, are gone.
            if let Some(now) = self.workers() {
                if !now.is_empty() && now.iter().all(|w| !before.contains(w)) {
                    return Ok(None);
                }
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Err(Refused {
            what: "nginx took the reload signal but its workers did not all change within 5s; check its error log".into(),
            said: String::new(),
        })
    }
}

/// Whether `name` may go into nginx's configuration as an upstream's or a
/// server's name: letters, digits, `.`, `_`, `-` (no spaces, newlines, `;`,
/// braces, quotes or `#` that would end the line or open a block).
pub fn check_name(what: &str, name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        return Ok(());
    }
    Err(format!(
        "{what} {} is not a name nginx's configuration can hold\nhint: letters, digits, '.', '_' and '-' only",
        name.escape_debug()
    ))
}

/// Whether `address` is a `HOST:PORT` nginx can proxy to: a host name or
/// IPv4 address, or `[IPv6]`, and a port 1-65535 — nothing else.
pub fn check_address(server: &str, address: &str) -> Result<(), String> {
    let bad = || {
        format!(
            "server {server}: {} is not HOST:PORT\nhint: \"10.0.0.5:8080\", \"web-1.internal:8080\" or \"[fd00::5]:8080\"",
            address.escape_debug()
        )
    };
    let (host, port) = address.rsplit_once(':').ok_or_else(bad)?;
    let port_ok =
        port.parse::<u16>().is_ok_and(|p| p > 0) && port.chars().all(|c| c.is_ascii_digit());
    let host_ok = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
        None => {
            !host.is_empty()
                && host.len() <= 253
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
                && !host.starts_with(['-', '.'])
        }
    };
    if port_ok && host_ok {
        Ok(())
    } else {
        Err(bad())
    }
}

/// One server's line: its weight (nginx weights start at 1) and whether it
/// is `down` (out of rotation; the weight is kept for when it comes back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub weight: i64,
    pub down: bool,
}

impl Slot {
    /// The weight it gets traffic with: 0 when down.
    pub fn effective(&self) -> i64 {
        if self.down {
            0
        } else {
            self.weight
        }
    }
}

/// The servers of an upstream file orion wrote, by name.
pub fn parse(text: &str) -> BTreeMap<String, Slot> {
    text.lines()
        .filter_map(|l| {
            let (decl, name) = l.trim().strip_prefix("server ")?.split_once("; #")?;
            let words: Vec<&str> = decl.split_whitespace().collect();
            let weight = words
                .iter()
                .find_map(|w| w.strip_prefix("weight="))
                .and_then(|w| w.parse().ok())
                .unwrap_or(1);
            let down = words.contains(&"down");
            Some((name.trim().to_string(), Slot { weight, down }))
        })
        .collect()
}

/// The upstream block for `servers` (name → address); a server without a
/// slot is down.
pub fn render(
    upstream: &str,
    servers: &BTreeMap<String, String>,
    slots: &BTreeMap<String, Slot>,
) -> String {
    let mut text = format!("# Written by orion (traffic::nginx): each change replaces this file.\nupstream {upstream} {{\n");
    for (name, address) in servers {
        let slot = slots.get(name).copied().unwrap_or(Slot {
            weight: 1,
            down: true,
        });
        let down = if slot.down { " down" } else { "" };
        text.push_str(&format!(
            "    server {address} weight={}{down}; # {name}\n",
            slot.weight.max(1)
        ));
    }
    text.push_str("}\n");
    text
}

/// Writes `text` to `path` (or removes it for None), atomically.
pub fn put(path: &Path, text: Option<&str>) -> Result<(), String> {
    match text {
        None => match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(format!("cannot remove {}: {e}", path.display()))
            }
            _ => Ok(()),
        },
        Some(text) => {
            let tmp = path.with_extension("orion-tmp");
            std::fs::write(&tmp, text)
                .and_then(|_| std::fs::rename(&tmp, path))
                .map_err(|e| format!("cannot write {}: {e}", path.display()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstreams_render_and_parse_back() {
        let servers: BTreeMap<String, String> = [
            ("v1".into(), "127.0.0.1:8081".into()),
            ("v2".into(), "127.0.0.1:8082".into()),
        ]
        .into();
        let slots: BTreeMap<String, Slot> = [
            (
                "v1".into(),
                Slot {
                    weight: 90,
                    down: false,
                },
            ),
            (
                "v2".into(),
                Slot {
                    weight: 10,
                    down: true,
                },
            ),
        ]
        .into();
        let text = render("web", &servers, &slots);
        assert!(text.contains("server 127.0.0.1:8081 weight=90; # v1\n    server 127.0.0.1:8082 weight=10 down; # v2"), "{text}");
        assert_eq!(parse(&text), slots);
        assert_eq!(slots["v2"].effective(), 0);
    }

    #[test]
    fn only_names_and_addresses_reach_the_configuration() {
        for good in ["web", "web-v1.2_x"] {
            assert!(check_name("upstream", good).is_ok(), "{good}");
        }
        for bad in [
            "", "web {", "web;", "a\nb", "a b", "a#b", "a\"b", "a'b", "a}",
        ] {
            assert!(check_name("upstream", bad).is_err(), "{bad:?}");
        }
        for good in ["10.0.0.5:8080", "web-1.internal:80", "[fd00::5]:8080"] {
            assert!(check_address("v1", good).is_ok(), "{good}");
        }
        for bad in [
            "10.0.0.5",
            "10.0.0.5:0",
            "10.0.0.5:99999",
            "10.0.0.5:80; include /etc/passwd",
            "10.0.0.5:80\n}",
            "a b:80",
            "unix:/run/x.sock",
            "[not-v6]:80",
            "-x:80",
            "h:+80",
        ] {
            assert!(check_address("v1", bad).is_err(), "{bad:?}");
        }
    }
}
