//! SPDY/3 header blocks: a count, then length-prefixed names (lowercase) and
//! values, zlib-compressed with the protocol's preset dictionary. Each
//! direction keeps one compression context for the whole connection, every
//! block ending on a sync flush.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use std::io::{Error, ErrorKind};
use std::sync::LazyLock;

/// Header names and values as a frame carries them; a value of several parts
/// keeps its NUL separators.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Headers(pub(crate) Vec<(String, String)>);

impl Headers {
    /// Headers from (name, value) pairs (for tests).
    #[cfg(test)]
    pub(crate) fn of(pairs: &[(&str, &str)]) -> Headers {
        Headers(
            pairs
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        )
    }

    /// The first value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.split('\0').next())
    }
}

fn invalid(why: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidData, why.into())
}

/// Reads the header blocks a peer sends.
pub(crate) struct Inflater(Decompress);

impl Inflater {
    pub(crate) fn new() -> Inflater {
        Inflater(Decompress::new(true))
    }

    pub(crate) fn headers(&mut self, block: &[u8]) -> std::io::Result<Headers> {
        parse(&self.inflate(block)?)
    }

    fn inflate(&mut self, mut input: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(4 * input.len() + 256);
        loop {
            let (before_in, before_out) = (self.0.total_in(), self.0.total_out());
            let result = self
                .0
                .decompress_vec(input, &mut out, FlushDecompress::Sync);
            input = &input[(self.0.total_in() - before_in) as usize..];
            let produced = self.0.total_out() - before_out;
            match result {
                // The peer's first block names the dictionary it compressed with.
                Err(e) if e.needs_dictionary().is_some() => {
                    self.0
                        .set_dictionary(&DICTIONARY)
                        .map_err(|e| invalid(format!("header dictionary: {e}")))?;
                }
                Err(e) => return Err(invalid(format!("header block: {e}"))),
                Ok(Status::StreamEnd) => return Err(invalid("header block ends the zlib stream")),
                Ok(_) if out.len() == out.capacity() => out.reserve(4096),
                Ok(_) if input.is_empty() || produced == 0 => return Ok(out),
                Ok(_) => {}
            }
        }
    }
}

/// Writes the header blocks this side sends.
pub(crate) struct Deflater(Compress);

impl Deflater {
    pub(crate) fn new() -> Deflater {
        let mut z = Compress::new(Compression::best(), true);
        // Only fails on a stream already started; this one is new.
        let _ = z.set_dictionary(&DICTIONARY);
        Deflater(z)
    }

    pub(crate) fn block(&mut self, headers: &Headers) -> Vec<u8> {
        let raw = serialize(headers);
        let mut input = raw.as_slice();
        let mut out = Vec::with_capacity(raw.len() + 64);
        loop {
            let before_in = self.0.total_in();
            let _ = self.0.compress_vec(input, &mut out, FlushCompress::Sync);
            input = &input[(self.0.total_in() - before_in) as usize..];
            // Done once everything went in and the flush did not fill the buffer.
            if input.is_empty() && out.len() < out.capacity() {
                return out;
            }
            out.reserve(256);
        }
    }
}

fn serialize(headers: &Headers) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&(headers.0.len() as u32).to_be_bytes());
    for (name, value) in &headers.0 {
        for s in [name.to_ascii_lowercase().as_str(), value.as_str()] {
            b.extend_from_slice(&(s.len() as u32).to_be_bytes());
            b.extend_from_slice(s.as_bytes());
        }
    }
    b
}

fn parse(mut b: &[u8]) -> std::io::Result<Headers> {
    let mut take = |n: usize| -> std::io::Result<&[u8]> {
        if b.len() < n {
            return Err(invalid("header block cut short"));
        }
        let (head, rest) = b.split_at(n);
        b = rest;
        Ok(head)
    };
    let be32 = |s: &[u8]| u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as usize;
    let count = be32(take(4)?);
    let mut headers = Vec::new();
    for _ in 0..count {
        let n = be32(take(4)?);
        let name = String::from_utf8_lossy(take(n)?).into_owned();
        let n = be32(take(4)?);
        let value = String::from_utf8_lossy(take(n)?).into_owned();
        headers.push((name, value));
    }
    Ok(Headers(headers))
}

/// The SPDY/3 header-compression dictionary (draft 3, section 2.6.10.1):
/// common header names, each length-prefixed, then common values run together.
static DICTIONARY: LazyLock<Vec<u8>> = LazyLock::new(|| {
    const WORDS: &[&str] = &[
        "options",
        "head",
        "post",
        "put",
        "delete",
        "trace",
        "accept",
        "accept-charset",
        "accept-encoding",
        "accept-language",
        "accept-ranges",
        "age",
        "allow",
        "authorization",
        "cache-control",
        "connection",
        "content-base",
        "content-encoding",
        "content-language",
        "content-length",
        "content-location",
        "content-md5",
        "content-range",
        "content-type",
        "date",
        "etag",
        "expect",
        "expires",
        "from",
        "host",
        "if-match",
        "if-modified-since",
        "if-none-match",
        "if-range",
        "if-unmodified-since",
        "last-modified",
        "location",
        "max-forwards",
        "pragma",
        "proxy-authenticate",
        "proxy-authorization",
        "range",
        "referer",
        "retry-after",
        "server",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "vary",
        "via",
        "warning",
        "www-authenticate",
        "method",
        "get",
        "status",
        "200 OK",
        "version",
        "HTTP/1.1",
        "url",
        "public",
        "set-cookie",
        "keep-alive",
        "origin",
    ];
    const TAIL: &str = concat!(
        "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505",
        "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request",
        "401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented",
        "503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 ",
        "Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,",
        "application/xml,application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age=",
        "gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.",
    );
    let mut d = Vec::new();
    for w in WORDS {
        d.extend_from_slice(&(w.len() as u32).to_be_bytes());
        d.extend_from_slice(w.as_bytes());
    }
    d.extend_from_slice(TAIL.as_bytes());
    d
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_survive_a_shared_compression_context_both_ways() {
        let (mut out, mut back) = (Deflater::new(), Inflater::new());
        for block in [
            Headers::of(&[
                ("streamtype", "error"),
                ("port", "8080"),
                ("requestid", "0"),
            ]),
            Headers::of(&[]),
            Headers::of(&[("streamtype", "data"), ("port", "8080"), ("requestid", "0")]),
        ] {
            let wire = out.block(&block);
            assert_eq!(back.headers(&wire).unwrap(), block);
        }
    }

    #[test]
    fn the_dictionary_is_the_protocols() {
        // zlib names a preset dictionary by its Adler-32.
        let id = Compress::new(Compression::best(), true)
            .set_dictionary(&DICTIONARY)
            .unwrap();
        assert_eq!((DICTIONARY.len(), id), (1423, 0xe3c6_a7c2));
    }
}
