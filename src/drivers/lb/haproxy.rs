//! HAProxy's runtime API (the stats socket), over a unix socket or TCP: one
//! command per connection, as HAProxy's non-interactive mode expects. Server
//! weights and admin states are set with `set server` and read back with
//! `show servers state`.

use std::path::PathBuf;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Where the runtime API listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    Unix(PathBuf),
    Tcp(String),
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Address::Unix(p) => write!(f, "unix:{}", p.display()),
            Address::Tcp(a) => write!(f, "tcp:{a}"),
        }
    }
}

impl Address {
    /// "unix:/run/haproxy.sock" or "tcp:127.0.0.1:9999" (as journaled).
    pub fn parse(text: &str) -> Option<Address> {
        if let Some(p) = text.strip_prefix("unix:") {
            return Some(Address::Unix(p.into()));
        }
        text.strip_prefix("tcp:").map(|a| Address::Tcp(a.into()))
    }
}

/// Whether `name` may go into a runtime API command as a backend's or a
/// server's name: HAProxy's own name characters (letters, digits, `-`, `_`,
/// `.`, `:`), so no newline or `;` can add a command of its own.
pub fn check_name(what: &str, name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    if ok {
        return Ok(());
    }
    Err(format!(
        "{what} {} is not a HAProxy name\nhint: letters, digits, '-', '_', '.' and ':' only",
        name.escape_debug()
    ))
}

/// One server of a backend, as `show servers state` tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    pub name: String,
    pub weight: i64,
    /// "ready", "drain" or "maint".
    pub state: &'static str,
}

/// Writes `line` and reads the answer to its end (HAProxy closes after one command).
async fn exchange<S>(mut stream: S, line: &str) -> Result<String, String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut answer = String::new();
    stream
        .write_all(line.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    stream
        .read_to_string(&mut answer)
        .await
        .map_err(|e| e.to_string())?;
    Ok(answer)
}

/// Sends one command; returns HAProxy's answer.
pub async fn command(address: &Address, cmd: &str) -> Result<String, String> {
    let line = format!("{cmd}\n");
    match address {
        Address::Unix(path) => {
            let s = tokio::net::UnixStream::connect(path).await.map_err(|e| {
                format!("cannot reach HAProxy's runtime API at {}: {e}\nhint: the socket is the `stats socket` line of haproxy.cfg (and its user needs access)", path.display())
            })?;
            exchange(s, &line).await
        }
        Address::Tcp(addr) => {
            let s = tokio::net::TcpStream::connect(addr).await.map_err(|e| {
                format!("cannot reach HAProxy's runtime API at {addr}: {e}\nhint: `stats socket ipv4@ADDR:PORT level admin` in haproxy.cfg")
            })?;
            exchange(s, &line).await
        }
    }
}

/// A command whose answer is empty on success (HAProxy prints only errors).
async fn quiet(address: &Address, cmd: &str) -> Result<(), String> {
    let answer = command(address, cmd).await?;
    let answer = answer.trim();
    if answer.is_empty() {
        Ok(())
    } else if answer.contains("Permission denied") {
        Err(format!(
            "HAProxy refused `{cmd}`: {answer}\nhint: the stats socket needs `level admin`"
        ))
    } else {
        Err(format!("HAProxy refused `{cmd}`: {answer}"))
    }
}

/// Parses `show servers state BACKEND`.
pub fn parse_state(text: &str) -> Result<Vec<Server>, String> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = lines.by_ref().find(|l| l.starts_with('#')).ok_or_else(|| {
        format!(
            "not a server state: {}",
            crate::drivers::probe::excerpt(text, 120)
        )
    })?;
    let columns: Vec<&str> = header.trim_start_matches('#').split_whitespace().collect();
    let at = |name: &str| columns.iter().position(|c| *c == name);
    let (Some(name), Some(admin), Some(weight)) =
        (at("srv_name"), at("srv_admin_state"), at("srv_uweight"))
    else {
        return Err(format!("unexpected server state columns: {header}"));
    };
    let mut servers = vec![];
    for line in lines {
        let f: Vec<&str> = line.split_whitespace().collect();
        let field = |i: usize| f.get(i).copied().unwrap_or_default();
        let admin: u32 = field(admin).parse().unwrap_or(0);
        servers.push(Server {
            name: field(name).to_string(),
            weight: field(weight).parse().unwrap_or(0),
            state: if admin & (0x01 | 0x02 | 0x04 | 0x20 | 0x40) != 0 {
                "maint"
            } else if admin & (0x08 | 0x10) != 0 {
                "drain"
            } else {
                "ready"
            },
        });
    }
    Ok(servers)
}

/// The servers of `backend`.
pub async fn servers(address: &Address, backend: &str) -> Result<Vec<Server>, String> {
    let text = command(address, &format!("show servers state {backend}")).await?;
    if text.contains("Can't find backend") || text.contains("No such backend") {
        return Err(format!("HAProxy has no backend \"{backend}\""));
    }
    parse_state(&text)
}

pub async fn set_weight(
    address: &Address,
    backend: &str,
    server: &str,
    weight: i64,
) -> Result<(), String> {
    quiet(
        address,
        &format!("set server {backend}/{server} weight {weight}"),
    )
    .await
}

/// `state` is "ready", "drain" or "maint".
pub async fn set_state(
    address: &Address,
    backend: &str,
    server: &str,
    state: &str,
) -> Result<(), String> {
    quiet(
        address,
        &format!("set server {backend}/{server} state {state}"),
    )
    .await
}

/// A server's current sessions (in-flight connections), from `show stat`.
pub async fn sessions(address: &Address, backend: &str, server: &str) -> Result<i64, String> {
    let text = command(address, "show stat").await?;
    let mut lines = text.lines();
    let header = lines
        .next()
        .and_then(|h| h.strip_prefix("# "))
        .ok_or_else(|| {
            format!(
                "not a stats table: {}",
                crate::drivers::probe::excerpt(&text, 120)
            )
        })?;
    let columns: Vec<&str> = header.split(',').collect();
    let at = |name: &str| columns.iter().position(|c| *c == name);
    let (Some(px), Some(sv), Some(scur)) = (at("pxname"), at("svname"), at("scur")) else {
        return Err(format!("unexpected stats columns: {header}"));
    };
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|f| f.get(px) == Some(&backend) && f.get(sv) == Some(&server))
        .and_then(|f| f.get(scur).and_then(|n| n.parse().ok()))
        .ok_or_else(|| format!("backend {backend} has no server \"{server}\""))
}

/// Every backend's server state, in the format of HAProxy's server-state-file.
pub async fn dump_state(address: &Address) -> Result<String, String> {
    command(address, "show servers state").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_states_are_read_by_column_name() {
        let text = "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change\n3 web 1 v1 127.0.0.1 2 0 90 1 10\n3 web 2 v2 127.0.0.2 2 8 10 1 10\n3 web 3 v3 127.0.0.3 0 1 1 1 10\n";
        let s = parse_state(text).unwrap();
        assert_eq!(
            s.iter()
                .map(|x| (x.name.as_str(), x.weight, x.state))
                .collect::<Vec<_>>(),
            [("v1", 90, "ready"), ("v2", 10, "drain"), ("v3", 1, "maint")]
        );
        assert!(check_name("backend", "web-v1.2:x_y").is_ok());
        for bad in [
            "",
            "web\nshutdown frontend fe",
            "web;disable server x",
            "a b",
            "a/b",
        ] {
            assert!(check_name("backend", bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            Address::parse("tcp:127.0.0.1:9"),
            Some(Address::Tcp("127.0.0.1:9".into()))
        );
    }
}
