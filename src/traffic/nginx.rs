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

/// The weights in an upstream file orion wrote: name → weight (0: down).
pub fn parse(text: &str) -> BTreeMap<String, i64> {
    text.lines()
        .filter_map(|l| {
            let (decl, name) = l.trim().strip_prefix("server ")?.split_once("; #")?;
            let weight = if decl.split_whitespace().any(|w| w == "down") {
                0
            } else {
                decl.split_whitespace()
                    .find_map(|w| w.strip_prefix("weight="))
                    .and_then(|w| w.parse().ok())
                    .unwrap_or(1)
            };
            Some((name.trim().to_string(), weight))
        })
        .collect()
}

/// The upstream block for `weights` of `servers` (name → address).
pub fn render(
    upstream: &str,
    servers: &BTreeMap<String, String>,
    weights: &BTreeMap<String, i64>,
) -> String {
    let mut text = format!("# Written by orion (traffic::nginx): each change replaces this file.\nupstream {upstream} {{\n");
    for (name, address) in servers {
        let w = weights.get(name).copied().unwrap_or(0);
        let how = if w > 0 {
            format!("weight={w}")
        } else {
            "down".into()
        };
        text.push_str(&format!("    server {address} {how}; # {name}\n"));
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
        let weights: BTreeMap<String, i64> = [("v1".into(), 90), ("v2".into(), 0)].into();
        let text = render("web", &servers, &weights);
        assert!(
            text.contains(
                "server 127.0.0.1:8081 weight=90; # v1\n    server 127.0.0.1:8082 down; # v2"
            ),
            "{text}"
        );
        assert_eq!(parse(&text), weights);
    }
}
