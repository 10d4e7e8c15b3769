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
    pub binary: PathBuf,
    /// nginx.conf (which includes the upstream file).
    pub conf: PathBuf,
    pub prefix: Option<PathBuf>,
    /// Its pid file, to confirm the reload.
    pub pid_file: Option<PathBuf>,
}

impl Nginx {
    fn command(&self, extra: &[&str]) -> std::process::Command {
        let mut c = std::process::Command::new(&self.binary);
        if let Some(p) = &self.prefix {
            c.arg("-p").arg(p);
        }
        c.arg("-c").arg(&self.conf).args(extra);
        c
    }

    /// `nginx -t`: Ok, or nginx's own words.
    pub fn test(&self) -> Result<(), String> {
        let out = self
            .command(&["-t", "-q"])
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.binary.display()))?;
        if out.status.success() {
            return Ok(());
        }
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
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
    pub fn reload(&self) -> Result<Option<String>, String> {
        let before = self.workers();
        let out = self
            .command(&["-s", "reload"])
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.binary.display()))?;
        if !out.status.success() {
            return Err(format!(
                "nginx -s reload failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
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
        Err("nginx took the reload signal but its workers did not all change within 5s; check its error log".into())
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
}
