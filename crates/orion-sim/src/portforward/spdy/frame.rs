//! SPDY/3.1 frames on the wire. A control frame: the control bit and version
//! (0x8003), its type, 8 bits of flags, a 24-bit length, then its fields; a
//! data frame: a 31-bit stream ID, flags, a 24-bit length, then data.

use super::headers::{Deflater, Headers, Inflater};
use std::io::{Error, ErrorKind};
use tokio::io::{AsyncRead, AsyncReadExt};

/// The last frame of a stream from its sender (control and data frames alike).
pub(crate) const FLAG_FIN: u8 = 0x01;

/// RST_STREAM status: the stream is cancelled (spdystream's `Reset`).
pub(crate) const CANCEL: u32 = 5;

const VERSION: u16 = 3;

#[derive(Debug, PartialEq)]
pub(crate) enum Frame {
    SynStream {
        id: u32,
        flags: u8,
        headers: Headers,
    },
    SynReply {
        id: u32,
        flags: u8,
        headers: Headers,
    },
    RstStream {
        id: u32,
        status: u32,
    },
    Ping {
        id: u32,
    },
    GoAway {
        last_good: u32,
        status: u32,
    },
    Data {
        id: u32,
        flags: u8,
        data: Vec<u8>,
    },
    /// SETTINGS, HEADERS, WINDOW_UPDATE: read (a HEADERS block still moves the
    /// compression context on) and not acted on.
    Ignored,
}

fn be32(b: &[u8], at: usize) -> std::io::Result<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or_else(|| Error::new(ErrorKind::InvalidData, "SPDY frame cut short"))
}

fn id(b: &[u8]) -> std::io::Result<u32> {
    Ok(be32(b, 0)? & 0x7fff_ffff)
}

/// The next frame; `None` once the peer has closed the connection between frames.
pub(crate) async fn read<R>(r: &mut R, inflater: &mut Inflater) -> std::io::Result<Option<Frame>>
where
    R: AsyncRead + Unpin,
{
    let mut head = [0u8; 8];
    match r.read_exact(&mut head).await {
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let first = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
    let flags = head[4];
    let length = u32::from_be_bytes([0, head[5], head[6], head[7]]) as usize;
    let mut body = vec![0u8; length];
    r.read_exact(&mut body).await?;
    if first & 0x8000_0000 == 0 {
        return Ok(Some(Frame::Data {
            id: first & 0x7fff_ffff,
            flags,
            data: body,
        }));
    }
    let block = |at: usize| body.get(at..).unwrap_or_default();
    let frame = match first & 0xffff {
        1 => Frame::SynStream {
            id: id(&body)?,
            flags,
            // Then the associated stream (4), priority (1) and slot (1).
            headers: inflater.headers(block(10))?,
        },
        2 => Frame::SynReply {
            id: id(&body)?,
            flags,
            headers: inflater.headers(block(4))?,
        },
        3 => Frame::RstStream {
            id: id(&body)?,
            status: be32(&body, 4)?,
        },
        6 => Frame::Ping {
            id: be32(&body, 0)?,
        },
        7 => Frame::GoAway {
            last_good: id(&body)?,
            status: be32(&body, 4)?,
        },
        8 => {
            inflater.headers(block(4))?;
            Frame::Ignored
        }
        4 | 9 => Frame::Ignored,
        other => {
            return Err(Error::new(
                ErrorKind::InvalidData,
                format!("unknown SPDY control frame type {other}"),
            ))
        }
    };
    Ok(Some(frame))
}

fn control(kind: u16, flags: u8, body: &[u8]) -> Vec<u8> {
    let mut b = Vec::with_capacity(8 + body.len());
    b.extend_from_slice(&(0x8000 | VERSION).to_be_bytes());
    b.extend_from_slice(&kind.to_be_bytes());
    b.extend_from_slice(&(body.len() as u32 | u32::from(flags) << 24).to_be_bytes());
    b.extend_from_slice(body);
    b
}

/// The frame's bytes. `Ignored` writes nothing.
pub(crate) fn encode(frame: &Frame, deflater: &mut Deflater) -> Vec<u8> {
    let with_block = |id: u32, block: Vec<u8>| [id.to_be_bytes().to_vec(), block].concat();
    match frame {
        Frame::SynStream { id, flags, headers } => {
            let fields = [
                id.to_be_bytes().to_vec(),
                vec![0; 6],
                deflater.block(headers),
            ]
            .concat();
            control(1, *flags, &fields)
        }
        Frame::SynReply { id, flags, headers } => {
            control(2, *flags, &with_block(*id, deflater.block(headers)))
        }
        Frame::RstStream { id, status } => {
            control(3, 0, &[id.to_be_bytes(), status.to_be_bytes()].concat())
        }
        Frame::Ping { id } => control(6, 0, &id.to_be_bytes()),
        Frame::GoAway { last_good, status } => control(
            7,
            0,
            &[last_good.to_be_bytes(), status.to_be_bytes()].concat(),
        ),
        Frame::Data { id, flags, data } => {
            let mut b = Vec::with_capacity(8 + data.len());
            b.extend_from_slice(&(id & 0x7fff_ffff).to_be_bytes());
            b.extend_from_slice(&(data.len() as u32 | u32::from(*flags) << 24).to_be_bytes());
            b.extend_from_slice(data);
            b
        }
        Frame::Ignored => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn frames_read_back_as_written() {
        let (mut out, mut back) = (Deflater::new(), Inflater::new());
        let frames = [
            Frame::SynStream {
                id: 1,
                flags: 0,
                headers: Headers::of(&[
                    ("streamtype", "error"),
                    ("port", "80"),
                    ("requestid", "0"),
                ]),
            },
            Frame::SynReply {
                id: 1,
                flags: 0,
                headers: Headers::default(),
            },
            Frame::Data {
                id: 3,
                flags: FLAG_FIN,
                data: b"GET / HTTP/1.1\r\n\r\n".to_vec(),
            },
            Frame::RstStream {
                id: 3,
                status: CANCEL,
            },
            Frame::Ping { id: 1 },
            Frame::GoAway {
                last_good: 3,
                status: 0,
            },
        ];
        let wire: Vec<u8> = frames.iter().flat_map(|f| encode(f, &mut out)).collect();
        let mut r = wire.as_slice();
        for f in &frames {
            assert_eq!(read(&mut r, &mut back).await.unwrap().as_ref(), Some(f));
        }
        assert_eq!(read(&mut r, &mut back).await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_syn_stream_from_another_implementation_is_read() {
        // node-spdy's SYN_STREAM for `GET /`, its header block compressed with the dictionary.
        let hex = "800300010000002c0000000100000000000078f9e3c6a7c202e50e507ab442a45a77d7105006b32a4804974d8cfa00000000ffff";
        let wire: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let Some(Frame::SynStream { id, headers, .. }) =
            read(&mut wire.as_slice(), &mut Inflater::new())
                .await
                .unwrap()
        else {
            panic!("not a SYN_STREAM")
        };
        assert_eq!(id, 1);
        assert_eq!(
            (headers.get(":method"), headers.get(":path")),
            (Some("GET"), Some("/"))
        );
    }

    #[test]
    fn a_data_frame_is_its_stream_flags_length_and_bytes() {
        let f = Frame::Data {
            id: 5,
            flags: FLAG_FIN,
            data: b"hi".to_vec(),
        };
        assert_eq!(
            encode(&f, &mut Deflater::new()),
            [0, 0, 0, 5, 1, 0, 0, 2, b'h', b'i']
        );
        let ping = encode(&Frame::Ping { id: 7 }, &mut Deflater::new());
        assert_eq!(ping, [0x80, 3, 0, 6, 0, 0, 0, 4, 0, 0, 0, 7]);
    }
}
