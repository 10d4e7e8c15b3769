//! SPDY tunnelled through a WebSocket (subprotocol `SPDY/3.1+portforward.k8s.io`,
//! kubectl's default since 1.31): each binary message carries the next bytes
//! of the SPDY connection, as client-go's `TunnelingConnection` writes them.
//! `stream` turns the WebSocket back into that byte stream.

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// The subprotocol kubectl asks for: the prefix, then the SPDY protocol.
pub const PROTOCOL: &str = "SPDY/3.1+portforward.k8s.io";

/// The bytes the WebSocket carries, as a stream; the WebSocket closes when
/// the stream's reader shuts down its writing half.
pub fn stream<S>(ws: WebSocketStream<S>) -> DuplexStream
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (ours, theirs) = tokio::io::duplex(256 * 1024);
    let (mut from_spdy, mut to_spdy) = tokio::io::split(ours);
    let (mut sink, mut messages) = ws.split();
    tokio::spawn(async move {
        while let Some(Ok(m)) = messages.next().await {
            let written = match m {
                Message::Binary(b) => to_spdy.write_all(&b).await,
                Message::Close(_) => break,
                _ => Ok(()),
            };
            if written.is_err() {
                break;
            }
        }
        let _ = to_spdy.shutdown().await;
    });
    tokio::spawn(async move {
        let mut buf = vec![0u8; 32 * 1024];
        while let Ok(n) = from_spdy.read(&mut buf).await {
            if n == 0 || sink.send(Message::binary(buf[..n].to_vec())).await.is_err() {
                break;
            }
        }
        let _ = sink.send(Message::Close(None)).await;
        let _ = sink.close().await;
    });
    theirs
}
