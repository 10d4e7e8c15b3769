//! A bare HTTP/1.1 client, one GET per connection as curl sends it: what
//! tests use to see what a simulated pod, Service or load balancer answers.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// An HTTP answer: status, headers (names lowercased), body.
pub struct Answer {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: String,
}

/// One GET on a new connection, as curl would send it.
pub fn get(addr: &str, path: &str) -> std::io::Result<Answer> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: curl/8\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw)?;
    let (head, body) = raw.split_once("\r\n\r\n").ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("no HTTP answer: {raw:?}"),
        )
    })?;
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    Ok(Answer {
        status,
        headers,
        body: body.to_string(),
    })
}

/// Retries `get` for up to 5 s while the address is not answering yet.
pub fn get_when_up(addr: &str, path: &str) -> Answer {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match get(addr, path) {
            Ok(a) if a.status != 0 => return a,
            other if Instant::now() > deadline => {
                panic!("{addr}{path} never answered: {:?}", other.err())
            }
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}
