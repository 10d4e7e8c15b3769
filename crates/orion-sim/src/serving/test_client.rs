//! A minimal HTTP/1.1 client for the tests: one keep-alive connection.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub(super) struct Client(BufReader<TcpStream>);

#[derive(Debug)]
pub(super) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

impl Client {
    pub(super) async fn connect(addr: SocketAddr) -> io::Result<Client> {
        Ok(Client(BufReader::new(TcpStream::connect(addr).await?)))
    }

    pub(super) async fn get(&mut self, path: &str) -> io::Result<Reply> {
        self.send("GET", path, "").await
    }

    pub(super) async fn send(&mut self, method: &str, path: &str, body: &str) -> io::Result<Reply> {
        let length = body.len();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: pod\r\nContent-Length: {length}\r\n\r\n{body}"
        );
        self.0.get_mut().write_all(request.as_bytes()).await?;
        let mut line = String::new();
        self.0.read_line(&mut line).await?;
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad(&format!("status line {line:?}")))?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.0.read_line(&mut line).await?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':').ok_or_else(|| bad(header))?;
            headers.push((name.to_string(), value.trim().to_string()));
        }
        let mut reply = Reply {
            status,
            headers,
            body: String::new(),
        };
        let length: usize = reply
            .header("content-length")
            .and_then(|l| l.parse().ok())
            .ok_or_else(|| bad("no content-length"))?;
        let mut body = vec![0; length];
        self.0.read_exact(&mut body).await?;
        reply.body = String::from_utf8(body).map_err(|_| bad("body is not UTF-8"))?;
        Ok(reply)
    }

    /// Whether the server closes the connection within `wait`.
    pub(super) async fn closed_within(&mut self, wait: Duration) -> bool {
        let mut byte = [0u8; 1];
        matches!(
            tokio::time::timeout(wait, self.0.read(&mut byte)).await,
            Ok(Ok(0) | Err(_))
        )
    }
}
