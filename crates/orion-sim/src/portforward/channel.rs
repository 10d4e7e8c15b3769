//! Port-forward over the WebSocket channel protocol, as the kubelet serves it
//! (`v4.channel.k8s.io`, what kube-rs speaks, and its text twin
//! `v4.base64.channel.k8s.io`). Port i of the request's `ports` is data
//! channel 2i and error channel 2i+1; a message is its channel (a byte, or an
//! ASCII digit in base64 mode) then its data. The server's first message on
//! each channel is the port, 2 bytes little-endian. One WebSocket carries one
//! connection per port and closes once every port's connection is done (the
//! protocol has no way to close one channel).

use super::PodTarget;
use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, WriteHalf};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

pub const BINARY: &str = "v4.channel.k8s.io";
pub const BASE64: &str = "v4.base64.channel.k8s.io";

/// How a channel's data rides in a WebSocket message.
#[derive(Clone, Copy)]
pub enum Encoding {
    Binary,
    Base64,
}

impl Encoding {
    fn message(self, channel: u8, data: &[u8]) -> Message {
        match self {
            Encoding::Binary => {
                let mut m = Vec::with_capacity(data.len() + 1);
                m.push(channel);
                m.extend_from_slice(data);
                Message::binary(m)
            }
            Encoding::Base64 => Message::text(format!(
                "{}{}",
                char::from(b'0' + channel),
                base64::engine::general_purpose::STANDARD.encode(data)
            )),
        }
    }

    /// A client message's channel and data; `None` for anything else.
    fn parse(self, message: Message) -> Option<(u8, Vec<u8>)> {
        match (self, message) {
            (Encoding::Binary, Message::Binary(b)) => {
                let (channel, data) = b.split_first()?;
                Some((*channel, data.to_vec()))
            }
            (Encoding::Base64, Message::Text(t)) => {
                let (digit, data) = t.as_bytes().split_first()?;
                let data = base64::engine::general_purpose::STANDARD
                    .decode(data)
                    .ok()?;
                Some((digit.checked_sub(b'0')?, data))
            }
            _ => None,
        }
    }
}

/// Serves one WebSocket: a connection to each of `ports` in `pod`.
pub async fn serve<S>(
    ws: WebSocketStream<S>,
    encoding: Encoding,
    ports: Vec<u16>,
    pod: Arc<PodTarget>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sink, mut stream) = ws.split();
    let (tx, mut rx) = mpsc::channel::<Message>(64);
    let writer = tokio::spawn(async move {
        while let Some(m) = rx.recv().await {
            if sink.send(m).await.is_err() {
                return;
            }
        }
        let _ = sink.send(Message::Close(None)).await;
        let _ = sink.close().await;
    });
    for (i, port) in ports.iter().enumerate() {
        let data = 2 * i as u8;
        for channel in [data, data + 1] {
            let _ = tx
                .send(encoding.message(channel, &port.to_le_bytes()))
                .await;
        }
    }
    // What the client sends on each port's data channel goes in here.
    let mut inputs: Vec<WriteHalf<tokio::io::DuplexStream>> = Vec::new();
    let mut forwards = tokio::task::JoinSet::new();
    for (i, port) in ports.into_iter().enumerate() {
        let data = 2 * i as u8;
        let (ours, theirs) = tokio::io::duplex(64 * 1024);
        let (our_read, our_write) = tokio::io::split(ours);
        inputs.push(our_write);
        let (pod, tx) = (pod.clone(), tx.clone());
        forwards.spawn(async move {
            let pumped = pump(our_read, data, encoding, tx.clone());
            let (result, ()) = tokio::join!(pod.forward(port, theirs), pumped);
            if let Err(text) = result {
                let _ = tx.send(encoding.message(data + 1, text.as_bytes())).await;
            }
        });
    }
    drop(tx);
    loop {
        tokio::select! {
            message = stream.next() => match message {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(m)) => {
                    let Some((channel, data)) = encoding.parse(m) else { continue };
                    // Data channels only; what a client writes on an error channel is dropped.
                    let input = (channel % 2 == 0)
                        .then(|| inputs.get_mut(usize::from(channel / 2)))
                        .flatten();
                    if let Some(w) = input {
                        let _ = w.write_all(&data).await;
                    }
                }
            },
            done = forwards.join_next() => if done.is_none() { break },
        }
    }
    // The client is gone, or every connection is done: end what still runs.
    for mut input in inputs {
        let _ = input.shutdown().await;
    }
    while forwards.join_next().await.is_some() {}
    let _ = writer.await;
}

/// Sends what the pod answers on `channel` until the connection's end.
async fn pump<R>(mut from: R, channel: u8, encoding: Encoding, tx: mpsc::Sender<Message>)
where
    R: AsyncRead + Unpin,
{
    let mut buf = vec![0u8; 32 * 1024];
    while let Ok(n) = from.read(&mut buf).await {
        if n == 0 || tx.send(encoding.message(channel, &buf[..n])).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_channel_rides_first_as_a_byte_or_a_digit_then_its_data() {
        let m = Encoding::Binary.message(3, &8080u16.to_le_bytes());
        assert_eq!(m, Message::binary(vec![3, 0x90, 0x1f]));
        assert_eq!(Encoding::Binary.parse(m), Some((3, vec![0x90, 0x1f])));
        let m = Encoding::Base64.message(2, b"hi");
        assert_eq!(m, Message::text("2aGk="));
        assert_eq!(Encoding::Base64.parse(m), Some((2, b"hi".to_vec())));
        assert_eq!(Encoding::Binary.parse(Message::text("2aGk=")), None);
    }
}
