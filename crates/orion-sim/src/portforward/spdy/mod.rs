//! Port-forward over SPDY/3.1, as the kubelet serves it to kubectl: for each
//! forwarded connection the client opens two streams with the same `port` and
//! `requestID` headers — `streamType: error`, then `streamType: data`. The
//! server answers each SYN_STREAM with a SYN_REPLY, forwards the data stream
//! to the port and, if that fails, writes why on the error stream; both end
//! with a FIN. Pings are answered. No flow control (the spdystream client has
//! none either).

mod frame;
mod headers;

use super::PodTarget;
use frame::{Frame, CANCEL, FLAG_FIN};
use headers::{Deflater, Headers, Inflater};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::io::{
    AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader, DuplexStream, WriteHalf,
};
use tokio::sync::mpsc;

/// What `X-Stream-Protocol-Version` (or the tunnel's subprotocol) must name.
pub const PROTOCOL: &str = "portforward.k8s.io";

/// One stream as the client opened it.
struct Opened {
    id: u32,
    port: u16,
    /// What the forward reads the client's data from and writes its own to.
    end: DuplexStream,
}

/// The error and data streams of one forwarded connection, as they arrive.
#[derive(Default)]
struct Pair {
    error: Option<Opened>,
    data: Option<Opened>,
}

/// Serves one SPDY connection (an upgraded HTTP connection, or a tunnel)
/// until the client closes it.
pub async fn serve<IO>(io: IO, pod: Arc<PodTarget>)
where
    IO: AsyncRead + AsyncWrite + Send + 'static,
{
    let (read_half, mut write_half) = tokio::io::split(io);
    let mut reader = BufReader::new(read_half);
    let (tx, mut rx) = mpsc::channel::<Frame>(64);
    let writer = tokio::spawn(async move {
        let mut deflater = Deflater::new();
        while let Some(f) = rx.recv().await {
            let bytes = frame::encode(&f, &mut deflater);
            if write_half.write_all(&bytes).await.is_err() || write_half.flush().await.is_err() {
                return;
            }
        }
        let _ = write_half.shutdown().await;
    });
    let mut inflater = Inflater::new();
    // What the client sends on each open stream goes in here.
    let mut inputs: HashMap<u32, WriteHalf<DuplexStream>> = HashMap::new();
    let mut pairs: HashMap<String, Pair> = HashMap::new();
    while let Ok(Some(f)) = frame::read(&mut reader, &mut inflater).await {
        match f {
            Frame::SynStream { id, flags, headers } => {
                let (port, error_stream) = match accept(&headers) {
                    Ok(o) => o,
                    Err(why) => {
                        tracing::debug!("port-forward stream {id} refused: {why}");
                        let _ = tx.send(Frame::RstStream { id, status: CANCEL }).await;
                        continue;
                    }
                };
                let _ = tx
                    .send(Frame::SynReply {
                        id,
                        flags: 0,
                        headers: Headers::default(),
                    })
                    .await;
                let (ours, theirs) = tokio::io::duplex(64 * 1024);
                let (from_forward, to_forward) = tokio::io::split(theirs);
                if flags & FLAG_FIN == 0 {
                    inputs.insert(id, to_forward);
                }
                tokio::spawn(pump(from_forward, id, tx.clone()));
                let request = request_id(id, &headers, error_stream);
                let pair = pairs.entry(request.clone()).or_default();
                let slot = if error_stream {
                    &mut pair.error
                } else {
                    &mut pair.data
                };
                *slot = Some(Opened {
                    id,
                    port,
                    end: ours,
                });
                if let Pair {
                    error: Some(_),
                    data: Some(_),
                } = pair
                {
                    if let Some(Pair {
                        error: Some(error),
                        data: Some(data),
                    }) = pairs.remove(&request)
                    {
                        tokio::spawn(forward(pod.clone(), data, error));
                    }
                }
            }
            Frame::Data { id, flags, data } => {
                let Some(input) = inputs.get_mut(&id) else {
                    continue;
                };
                if input.write_all(&data).await.is_err() || flags & FLAG_FIN != 0 {
                    close(inputs.remove(&id)).await;
                }
            }
            Frame::RstStream { id, .. } => close(inputs.remove(&id)).await,
            // A ping from the client (odd ID) comes back as it came.
            Frame::Ping { id } if id % 2 == 1 => {
                let _ = tx.send(Frame::Ping { id }).await;
            }
            _ => {}
        }
    }
    // The client has gone: the forwards still running see their streams end.
    for (_, input) in inputs.drain() {
        close(Some(input)).await;
    }
    drop(pairs);
    drop(tx);
    let _ = writer.await;
}

/// Ends what the client sends on a stream (a FIN, a reset, the connection's end).
async fn close(input: Option<WriteHalf<DuplexStream>>) {
    if let Some(mut input) = input {
        let _ = input.shutdown().await;
    }
}

/// Checks a new stream's headers as the kubelet's `httpStreamReceived` does:
/// its port, and whether it is the error stream.
fn accept(headers: &Headers) -> Result<(u16, bool), String> {
    let port = headers
        .get("port")
        .ok_or_else(|| "\"port\" header is required".to_string())?;
    let port: u16 = port
        .parse()
        .map_err(|e| format!("unable to parse {port:?} as a port: {e}"))?;
    if port < 1 {
        return Err(format!("port \"{port}\" must be > 0"));
    }
    let error_stream = match headers.get("streamType") {
        Some("error") => true,
        Some("data") => false,
        Some(other) => return Err(format!("invalid stream type {other:?}")),
        None => return Err("\"streamType\" header is required".into()),
    };
    Ok((port, error_stream))
}

/// The connection a stream belongs to: its `requestID`, or for a client too
/// old to send one, the kubelet's guess from consecutive stream IDs.
fn request_id(id: u32, headers: &Headers, error_stream: bool) -> String {
    match headers.get("requestID") {
        Some(r) if !r.is_empty() => r.to_string(),
        _ if error_stream => id.to_string(),
        _ => id.saturating_sub(2).to_string(),
    }
}

/// Sends what the forward writes on stream `id`, then its FIN.
async fn pump<R>(mut from: R, id: u32, tx: mpsc::Sender<Frame>)
where
    R: AsyncRead + Unpin,
{
    let mut buf = vec![0u8; 32 * 1024];
    loop {
        let data = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf[..n].to_vec(),
        };
        if tx.send(Frame::Data { id, flags: 0, data }).await.is_err() {
            return;
        }
    }
    let _ = tx
        .send(Frame::Data {
            id,
            flags: FLAG_FIN,
            data: Vec::new(),
        })
        .await;
}

/// One forwarded connection: the data stream to the port; on failure, why on
/// the error stream. Both streams end when it does.
async fn forward(pod: Arc<PodTarget>, data: Opened, error: Opened) {
    tracing::trace!(
        "port-forward streams {} (data) and {} (error) to port {}",
        data.id,
        error.id,
        data.port
    );
    let result = pod.forward(data.port, data.end).await;
    let mut error_end = error.end;
    if let Err(text) = result {
        let _ = error_end.write_all(text.as_bytes()).await;
    }
    let _ = error_end.shutdown().await;
}

#[cfg(test)]
mod tests;
