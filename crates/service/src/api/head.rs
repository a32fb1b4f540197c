//! A check of every request head before hyper parses it. hyper answers a head it cannot use
//! (a malformed `Content-Length`, a head over its buffer) with an empty 400, 414 or 431 before
//! any of our code runs, so clients got no reason. [`HeadGuard`] sits between the socket and
//! hyper: it holds each head until it is complete, checks it the way hyper will (and for our
//! limits), and hands it on only if it passes. A head that does not pass is never seen by hyper:
//! the guard reports the end of the stream in its place, and when hyper, having answered every
//! request before it, shuts the connection down, the guard writes the refusal in the API's JSON.
//!
//! Bodies pass straight through; the guard follows their framing (`Content-Length` or chunked)
//! only to know where the next head starts. A chunked body it cannot follow is left to hyper,
//! and the guard then stops checking that connection.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::http::Uri;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::error::ApiError;

/// The most header fields a request may have: hyper's own default.
const MAX_HEADERS: usize = 100;

/// What a head may be.
#[derive(Clone, Copy, Debug)]
pub struct HeadLimits {
    /// The longest request head (request line and header fields), in bytes.
    pub max_head: usize,
    /// The longest path and query, in bytes.
    pub max_uri: usize,
    /// The largest declared body, in bytes.
    pub max_body: usize,
}

/// Where in the client's byte stream the guard is.
#[derive(Debug)]
enum Position {
    /// Between requests, or inside a head (held until it is complete).
    Head,
    /// Inside a body of this many more bytes.
    Body(u64),
    /// Inside a chunked body.
    Chunked(Chunk),
    /// Not checking any more: everything passes to hyper.
    Through,
    /// A head was refused: nothing more passes.
    Refused,
}

/// Where in a chunked body.
#[derive(Debug)]
enum Chunk {
    /// Reading a chunk-size line: its value so far, whether a digit was seen, and whether the
    /// digits are over (an extension or whitespace follows).
    Size {
        value: u64,
        digits: bool,
        done: bool,
    },
    /// Inside a chunk's data.
    Data(u64),
    /// After a chunk's data: its line end.
    DataEnd,
    /// The trailer section: the length of the current line and of the section.
    Trailer { line: usize, total: usize },
}

/// The check itself, apart from any I/O: fed the client's bytes in order, it says which may
/// pass to hyper, and when one head is refused.
#[derive(Debug)]
struct HeadCheck {
    limits: HeadLimits,
    position: Position,
    /// The head being received.
    held: Vec<u8>,
}

impl HeadCheck {
    /// A check for a new connection.
    fn new(limits: HeadLimits) -> Self {
        HeadCheck {
            limits,
            position: Position::Head,
            held: Vec::new(),
        }
    }

    /// How many leading bytes of `data` belong to the body being received (or pass because the
    /// guard no longer checks); they need no holding. Stops where a head begins.
    fn pass_body(&mut self, data: &[u8]) -> usize {
        let mut used = 0;
        while used < data.len() {
            match &mut self.position {
                Position::Head | Position::Refused => break,
                Position::Through => used = data.len(),
                Position::Body(left) => {
                    let take = (*left).min((data.len() - used) as u64);
                    *left -= take;
                    used += take as usize;
                    if *left == 0 {
                        self.position = Position::Head;
                    }
                }
                Position::Chunked(Chunk::Data(left)) => {
                    let take = (*left).min((data.len() - used) as u64);
                    *left -= take;
                    used += take as usize;
                    if *left == 0 {
                        self.position = Position::Chunked(Chunk::DataEnd);
                    }
                }
                Position::Chunked(chunk) => {
                    let byte = data[used];
                    used += 1;
                    self.position = match next_chunk_state(chunk, byte, self.limits.max_head) {
                        Some(Some(next)) => Position::Chunked(next),
                        Some(None) => Position::Head,
                        None => Position::Through,
                    };
                }
            }
        }
        used
    }

    /// Takes `data`, appends what may pass to `pass`, and returns the refusal if a head was
    /// refused (after which nothing passes).
    fn feed(&mut self, data: &[u8], pass: &mut Vec<u8>) -> Option<ApiError> {
        let mut input = std::borrow::Cow::Borrowed(data);
        loop {
            let body = self.pass_body(&input);
            pass.extend_from_slice(&input[..body]);
            if body == input.len() || !matches!(self.position, Position::Head) {
                return None;
            }
            let searched = self.held.len().saturating_sub(3);
            self.held.extend_from_slice(&input[body..]);
            // A head ends with an empty line; parse only once one may have arrived, so that a
            // head sent a byte at a time is not parsed again for every byte.
            let tail = &self.held[searched..];
            let may_end =
                tail.windows(2).any(|w| w == b"\n\n") || tail.windows(3).any(|w| w == b"\n\r\n");
            let parsed = if may_end {
                match self.check_head() {
                    Ok(parsed) => parsed,
                    Err(refusal) => return Some(self.refuse(refusal)),
                }
            } else {
                None
            };
            match parsed {
                Some((length, next)) => {
                    // What follows the head is its body, or the next request: go round.
                    let rest = self.held.split_off(length);
                    pass.append(&mut self.held);
                    self.position = next;
                    input = std::borrow::Cow::Owned(rest);
                }
                None if self.held.len() > self.limits.max_head => {
                    let refusal = if self.held.contains(&b'\n') {
                        ApiError::HeadTooLarge(self.limits.max_head)
                    } else {
                        ApiError::RequestLineTooLong(self.limits.max_head)
                    };
                    return Some(self.refuse(refusal));
                }
                None => return None,
            }
        }
    }

    /// The client closed its side: a head cut off there is refused (the client may still read
    /// the answer).
    fn end(&mut self) -> Option<ApiError> {
        let cut = matches!(self.position, Position::Head)
            && self.held.iter().any(|b| !b.is_ascii_whitespace());
        cut.then(|| {
            self.refuse(ApiError::BadHead(
                "the connection ended inside a request head".into(),
            ))
        })
    }

    fn refuse(&mut self, refusal: ApiError) -> ApiError {
        self.position = Position::Refused;
        self.held = Vec::new();
        refusal
    }

    /// Whether bytes still need checking (not refused, not given up).
    fn checking(&self) -> bool {
        !matches!(self.position, Position::Through | Position::Refused)
    }

    /// Parses the held bytes: `None` if the head is not complete yet, else its length and the
    /// framing of what follows. The checks are hyper's (so that what passes, hyper takes) and
    /// our limits.
    fn check_head(&self) -> Result<Option<(usize, Position)>, ApiError> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut request = httparse::Request::new(&mut headers);
        let length = match request.parse(&self.held) {
            Ok(httparse::Status::Complete(length)) => length,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(httparse::Error::TooManyHeaders) => {
                return Err(ApiError::TooManyHeaders(MAX_HEADERS));
            }
            Err(e) => {
                return Err(ApiError::BadHead(format!(
                    "the request head is not HTTP/1.1: {e}"
                )));
            }
        };
        let path = request.path.unwrap_or_default();
        if path.len() > self.limits.max_uri {
            return Err(ApiError::UriTooLong {
                length: path.len(),
                max: self.limits.max_uri,
            });
        }
        if length > self.limits.max_head {
            return Err(ApiError::HeadTooLarge(self.limits.max_head));
        }
        if Uri::try_from(path).is_err() {
            return Err(ApiError::BadHead(format!(
                "the request target {:?} is not a URI",
                truncated(path)
            )));
        }
        let http_11 = request.version == Some(1);
        // As hyper: a Transfer-Encoding makes the body chunked (if chunked is its last coding)
        // and any Content-Length after it is ignored; Content-Lengths before it must still be
        // byte counts, and equal.
        let mut declared: Option<u64> = None;
        let mut encoded: Option<bool> = None;
        for header in request.headers.iter() {
            if header.name.eq_ignore_ascii_case("transfer-encoding") {
                if !http_11 {
                    return Err(ApiError::BadHead(
                        "an HTTP/1.0 request cannot have a Transfer-Encoding".into(),
                    ));
                }
                let last = header
                    .value
                    .rsplit(|&b| b == b',')
                    .next()
                    .unwrap_or_default();
                encoded = Some(last.trim_ascii().eq_ignore_ascii_case(b"chunked"));
                declared = None;
            } else if header.name.eq_ignore_ascii_case("content-length") && encoded.is_none() {
                let length = byte_count(header.value).ok_or(ApiError::BadContentLength)?;
                if declared.is_some_and(|d| d != length) {
                    return Err(ApiError::BadHead(
                        "the request has Content-Length headers that disagree".into(),
                    ));
                }
                declared = Some(length);
            }
        }
        let next = match (encoded, declared) {
            (Some(false), _) => {
                return Err(ApiError::BadHead(
                    "a request's Transfer-Encoding must end with chunked".into(),
                ));
            }
            (Some(true), _) => Position::Chunked(Chunk::Size {
                value: 0,
                digits: false,
                done: false,
            }),
            (None, Some(declared)) if declared > self.limits.max_body as u64 => {
                return Err(ApiError::TooLarge {
                    declared,
                    max: self.limits.max_body,
                });
            }
            (None, Some(declared)) if declared > 0 => Position::Body(declared),
            (None, _) => Position::Head,
        };
        Ok(Some((length, next)))
    }
}

/// The state after `byte` in a chunked body: `Some(Some(_))` within it, `Some(None)` at its
/// end, `None` where it is not valid chunked framing (left to hyper).
fn next_chunk_state(chunk: &Chunk, byte: u8, max_trailer: usize) -> Option<Option<Chunk>> {
    Some(Some(match *chunk {
        Chunk::Size {
            value,
            digits,
            done,
        } => match byte {
            b'\n' if !digits => return None,
            b'\n' if value == 0 => Chunk::Trailer { line: 0, total: 0 },
            b'\n' => Chunk::Data(value),
            _ if done => Chunk::Size {
                value,
                digits,
                done,
            },
            b';' | b' ' | b'\t' | b'\r' if digits => Chunk::Size {
                value,
                digits,
                done: true,
            },
            _ => {
                let digit = (byte as char).to_digit(16)?;
                Chunk::Size {
                    value: value.checked_mul(16)?.checked_add(u64::from(digit))?,
                    digits: true,
                    done: false,
                }
            }
        },
        Chunk::Data(left) => Chunk::Data(left),
        Chunk::DataEnd => match byte {
            b'\r' => Chunk::DataEnd,
            b'\n' => Chunk::Size {
                value: 0,
                digits: false,
                done: false,
            },
            _ => return None,
        },
        Chunk::Trailer { line, total } => match byte {
            _ if total > max_trailer => return None,
            b'\n' if line == 0 => return Some(None),
            b'\n' => Chunk::Trailer {
                line: 0,
                total: total + 1,
            },
            b'\r' => Chunk::Trailer {
                line,
                total: total + 1,
            },
            _ => Chunk::Trailer {
                line: line + 1,
                total: total + 1,
            },
        },
    }))
}

/// A `Content-Length` value as hyper reads one: decimal digits only, no sign, no list.
fn byte_count(value: &[u8]) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    value.iter().try_fold(0u64, |n, &b| {
        if b.is_ascii_digit() {
            n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        } else {
            None
        }
    })
}

/// At most 64 characters of `s`, for messages.
fn truncated(s: &str) -> &str {
    s.char_indices().nth(64).map_or(s, |(at, _)| &s[..at])
}

/// Checks a client's byte stream as the server does, fed in pieces of `piece` bytes (at least
/// one): the bytes that pass to hyper, and the status and message of the refusal, if a head
/// was refused. For tests and fuzzing; the server feeds what each read returns.
pub fn check_stream(
    stream: &[u8],
    piece: usize,
    limits: HeadLimits,
) -> (Vec<u8>, Option<(u16, String)>) {
    let mut check = HeadCheck::new(limits);
    let mut pass = Vec::new();
    let mut refusal = None;
    for part in stream.chunks(piece.max(1)) {
        refusal = check.feed(part, &mut pass);
        if refusal.is_some() {
            break;
        }
    }
    let refusal = refusal.or_else(|| check.end());
    (pass, refusal.map(|r| (r.status().as_u16(), r.to_string())))
}

/// The socket as hyper sees it: reads pass through [`HeadCheck`]; a refusal is written when
/// hyper shuts the connection down.
pub(super) struct HeadGuard<S> {
    inner: S,
    check: HeadCheck,
    /// Checked bytes not yet handed to hyper.
    ready: Vec<u8>,
    ready_at: usize,
    /// The refusal's bytes, and how many have been written.
    refusal: Option<(Vec<u8>, usize)>,
}

impl<S> HeadGuard<S> {
    /// Guards `inner`.
    pub(super) fn new(inner: S, limits: HeadLimits) -> Self {
        HeadGuard {
            inner,
            check: HeadCheck::new(limits),
            ready: Vec::new(),
            ready_at: 0,
            refusal: None,
        }
    }

    fn refused(&mut self, refusal: Option<ApiError>) {
        if let Some(refusal) = refusal {
            self.refusal = Some((refusal.raw_response(), 0));
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for HeadGuard<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        loop {
            if this.ready_at < this.ready.len() {
                let n = buf.remaining().min(this.ready.len() - this.ready_at);
                buf.put_slice(&this.ready[this.ready_at..this.ready_at + n]);
                this.ready_at += n;
                if this.ready_at == this.ready.len() {
                    this.ready.clear();
                    this.ready_at = 0;
                }
                return Poll::Ready(Ok(()));
            }
            if this.refusal.is_some() {
                // The refused head stands in for the end of the stream.
                return Poll::Ready(Ok(()));
            }
            if !this.check.checking() {
                return Pin::new(&mut this.inner).poll_read(cx, buf);
            }
            // Read into the caller's buffer: body bytes stay there; the rest is taken back
            // and checked.
            let start = buf.filled().len();
            ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
            let new = &buf.filled()[start..];
            if new.is_empty() {
                let refusal = this.check.end();
                this.refused(refusal);
                return Poll::Ready(Ok(()));
            }
            let body = this.check.pass_body(new);
            if body < new.len() {
                let rest = new[body..].to_vec();
                buf.set_filled(start + body);
                let refusal = this.check.feed(&rest, &mut this.ready);
                this.refused(refusal);
            }
            if body > 0 {
                return Poll::Ready(Ok(()));
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for HeadGuard<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, data)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        // hyper has answered everything before the refused head: now the refusal.
        if let Some((bytes, written)) = &mut this.refusal {
            while *written < bytes.len() {
                let n = ready!(Pin::new(&mut this.inner).poll_write(cx, &bytes[*written..]))?;
                if n == 0 {
                    return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                }
                *written += n;
            }
            ready!(Pin::new(&mut this.inner).poll_flush(cx))?;
        }
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: HeadLimits = HeadLimits {
        max_head: 1024,
        max_uri: 64,
        max_body: 100,
    };

    fn run(stream: &[u8], piece: usize) -> (Vec<u8>, Option<(u16, String)>) {
        check_stream(stream, piece, LIMITS)
    }

    /// The refusal of `stream`, the same however it is split.
    fn refused(stream: &[u8]) -> (u16, String) {
        for piece in [1, 7, stream.len()] {
            let (_, refusal) = run(stream, piece);
            assert!(
                refusal.is_some(),
                "{piece}: {:?}",
                String::from_utf8_lossy(stream)
            );
        }
        run(stream, stream.len()).1.unwrap()
    }

    #[test]
    fn good_requests_pass_whole_in_any_pieces() {
        let stream = b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n\
            POST /v1/verify HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello\
            POST /v1/jobs HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n\
            \r\nGET / HTTP/1.0\n\n";
        for piece in 1..stream.len() {
            let (pass, refusal) = run(stream, piece);
            assert!(refusal.is_none(), "{piece}: {refusal:?}");
            assert_eq!(pass, stream, "{piece}");
        }
    }

    #[test]
    fn bad_heads_are_refused_with_the_reason_and_what_came_before_passes() {
        let good = b"GET /healthz HTTP/1.1\r\n\r\n";
        let mut stream = good.to_vec();
        stream.extend_from_slice(b"POST /v1/verify HTTP/1.1\r\nContent-Length: 1x\r\n\r\n1");
        let (pass, refusal) = run(&stream, 5);
        assert_eq!(pass, good);
        let (status, message) = refusal.unwrap();
        assert_eq!(status, 400);
        assert_eq!(message, ApiError::BadContentLength.to_string());

        let cases: [(&[u8], u16, &str); 10] = [
            (b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "Content-Length"),
            (b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 400, "Content-Length"),
            (b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400, "disagree"),
            (b"POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n", 413, "at most 100"),
            (b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400, "chunked"),
            (b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "HTTP/1.0"),
            (b"GET /\x01 HTTP/1.1\r\n\r\n", 400, "not HTTP/1.1"),
            (b"GET / HTTP/2.0\r\n\r\n", 400, "not HTTP/1.1"),
            (b"GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\n\r\n", 414, "at most 64"),
            (b"GET / HTTP/1.1\r\nHost: a", 400, "ended inside a request head"),
        ];
        for (stream, status, says) in cases {
            let (got, message) = refused(stream);
            assert_eq!(got, status, "{message}");
            assert!(message.contains(says), "{message}");
        }
    }

    #[test]
    fn heads_over_the_limits_are_refused_before_they_end() {
        let long_line = vec![b'a'; 2000];
        assert_eq!(refused(&long_line).0, 414);
        let mut long_head = b"GET / HTTP/1.1\r\n".to_vec();
        long_head.extend(std::iter::repeat_n(b"X-A: b\r\n".as_slice(), 200).flatten());
        assert_eq!(refused(&long_head).0, 431);
        let mut many = b"GET / HTTP/1.1\r\n".to_vec();
        many.extend(std::iter::repeat_n(b"A: b\r\n".as_slice(), 101).flatten());
        many.extend_from_slice(b"\r\n");
        let (status, message) = refused(&many);
        assert_eq!(status, 431, "{message}");
        assert!(message.contains("100 header fields"), "{message}");
    }

    #[test]
    fn a_chunked_body_it_cannot_follow_is_left_to_hyper() {
        let stream =
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nGET /\x01 bad\r\n\r\n";
        let (pass, refusal) = run(stream, 3);
        assert!(refusal.is_none());
        assert_eq!(pass, stream);
    }
}
