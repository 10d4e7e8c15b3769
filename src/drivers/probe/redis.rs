//! Redis: PING over the real protocol (RESP), after AUTH and SELECT when the
//! URL asks, and optionally a SET/GET/DEL round trip of a scratch key.

use serde_json::{json, Map, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

#[derive(Debug, Clone)]
pub struct Redis {
    /// redis://[user][:password]@host[:port][/db]
    pub url: String,
    pub round_trip: bool,
}

/// One RESP reply: a simple string, an integer, a bulk string (None: nil).
#[derive(Debug, PartialEq)]
enum Reply {
    Simple(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
}

async fn command(stream: &mut BufReader<TcpStream>, args: &[&[u8]]) -> Result<Reply, String> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    stream
        .get_mut()
        .write_all(&out)
        .await
        .map_err(|e| format!("cannot send: {e}"))?;
    let mut line = String::new();
    let n = stream
        .read_line(&mut line)
        .await
        .map_err(|e| format!("cannot read the answer: {e}"))?;
    if n == 0 {
        return Err("the server closed the connection".into());
    }
    let line = line.trim_end();
    let (kind, rest) = line.split_at(1.min(line.len()));
    match kind {
        "+" => Ok(Reply::Simple(rest.to_string())),
        "-" => Err(rest.to_string()),
        ":" => rest
            .parse()
            .map(Reply::Int)
            .map_err(|_| format!("odd answer {line:?}")),
        "$" => {
            let len: i64 = rest.parse().map_err(|_| format!("odd answer {line:?}"))?;
            if len < 0 {
                return Ok(Reply::Bulk(None));
            }
            let mut data = vec![0; len as usize + 2];
            stream
                .read_exact(&mut data)
                .await
                .map_err(|e| format!("cannot read the answer: {e}"))?;
            data.truncate(len as usize);
            Ok(Reply::Bulk(Some(data)))
        }
        _ => Err(format!(
            "not a Redis server? it answered {:?}",
            super::excerpt(line, 60)
        )),
    }
}

pub async fn probe(r: &Redis) -> Result<Map<String, Value>, String> {
    let url = url::Url::parse(&r.url).map_err(|e| format!("not a redis:// URL: {e}"))?;
    if url.scheme() != "redis" {
        return Err(format!(
            "{} is not a redis:// URL (rediss:// is not supported)",
            crate::mask::secrets(&r.url)
        ));
    }
    let host = url.host_str().unwrap_or("127.0.0.1");
    let port = url.port().unwrap_or(6379);
    let stream = TcpStream::connect((host, port))
        .await
        .map_err(|e| format!("cannot connect: {e}"))?;
    let mut stream = BufReader::new(stream);
    let password = url.password().map(|p| {
        url::form_urlencoded::parse(format!("p={p}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    });
    if let Some(password) = password {
        let user = url.username();
        let auth = if user.is_empty() {
            command(&mut stream, &[b"AUTH", password.as_bytes()]).await
        } else {
            command(
                &mut stream,
                &[b"AUTH", user.as_bytes(), password.as_bytes()],
            )
            .await
        };
        auth.map_err(|e| {
            format!("authentication failed: {e}\nhint: check the password in the URL")
        })?;
    }
    let db = url.path().trim_start_matches('/');
    if !db.is_empty() {
        command(&mut stream, &[b"SELECT", db.as_bytes()])
            .await
            .map_err(|e| format!("cannot select database {db}: {e}"))?;
    }
    match command(&mut stream, &[b"PING"]).await {
        Ok(Reply::Simple(s)) if s == "PONG" => {}
        Ok(other) => return Err(format!("PING answered {other:?}, not PONG")),
        Err(e) if e.starts_with("NOAUTH") => {
            return Err(format!(
                "{e}\nhint: the server needs a password: redis://:PASSWORD@HOST:PORT"
            ))
        }
        Err(e) => return Err(e),
    }
    let mut found = Map::new();
    found.insert("pong".into(), json!(true));
    if r.round_trip {
        let key = format!("orion:health:{}", uuid::Uuid::new_v4().simple());
        let value = b"orion-round-trip";
        command(
            &mut stream,
            &[b"SET", key.as_bytes(), value, b"PX", b"30000"],
        )
        .await
        .map_err(|e| format!("SET failed: {e}"))?;
        let got = command(&mut stream, &[b"GET", key.as_bytes()])
            .await
            .map_err(|e| format!("GET failed: {e}"))?;
        let _ = command(&mut stream, &[b"DEL", key.as_bytes()]).await;
        if got != Reply::Bulk(Some(value.to_vec())) {
            return Err(format!("wrote a key and read back {got:?}"));
        }
        found.insert("round_trip".into(), json!(true));
    }
    Ok(found)
}
