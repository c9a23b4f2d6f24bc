//! The response body: whole, generated in 64 KiB chunks (gigabytes in bounded memory), or
//! dripped one byte a second. hyper polls for the next chunk only once the previous one is
//! written, so a slow reader holds the server back instead of filling its memory; when the
//! client goes away, the write fails, hyper drops the body and the generation stops.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Body, Bytes, Frame, SizeHint};
use tokio::time::{Instant, Sleep};

const CHUNK: usize = 64 * 1024;

pub enum Out {
    Full(Option<Bytes>),
    Chunks(Chunks),
    Drip(Drip),
}

impl Out {
    pub fn empty() -> Out {
        Out::Full(None)
    }

    pub fn full(b: impl Into<Bytes>) -> Out {
        Out::Full(Some(b.into()))
    }
}

/// One stretch of a generated body.
pub enum Part {
    Bytes(Bytes),
    /// `left` more copies of one byte; `block` is one chunk of them, sliced, never copied.
    Repeat {
        block: Bytes,
        left: u64,
    },
}

impl Part {
    pub fn repeat(byte: u8, count: u64) -> Part {
        let len = count.min(CHUNK as u64) as usize;
        Part::Repeat {
            block: Bytes::from(vec![byte; len]),
            left: count,
        }
    }

    fn len(&self) -> u64 {
        match self {
            Part::Bytes(b) => b.len() as u64,
            Part::Repeat { left, .. } => *left,
        }
    }
}

pub struct Chunks {
    parts: VecDeque<Part>,
    /// `Some(bytes left)` when the length is announced (Content-Length), `None` for chunked.
    announced: Option<u64>,
}

impl Chunks {
    /// A body of known length: hyper sends it with a Content-Length.
    pub fn sized(parts: Vec<Part>) -> Chunks {
        let total = parts.iter().map(Part::len).sum();
        Chunks {
            parts: parts.into(),
            announced: Some(total),
        }
    }

    /// A body of unannounced length: hyper sends it chunked.
    pub fn chunked(parts: Vec<Part>) -> Chunks {
        Chunks {
            parts: parts.into(),
            announced: None,
        }
    }

    fn next_chunk(&mut self) -> Option<Bytes> {
        loop {
            let part = self.parts.front_mut()?;
            let chunk = match part {
                Part::Bytes(b) => Some(std::mem::take(b)),
                Part::Repeat { block, left } => {
                    let n = (*left).min(block.len() as u64) as usize;
                    *left -= n as u64;
                    Some(block.slice(..n))
                }
            };
            if part.len() == 0 {
                self.parts.pop_front();
            }
            match chunk {
                Some(c) if !c.is_empty() => {
                    if let Some(a) = &mut self.announced {
                        *a -= c.len() as u64;
                    }
                    return Some(c);
                }
                _ => continue,
            }
        }
    }
}

/// One byte of `data` per second, the first a second after the headers, for at most `until`.
pub struct Drip {
    data: Bytes,
    sleep: Pin<Box<Sleep>>,
    until: Instant,
}

impl Drip {
    pub fn new(data: impl Into<Bytes>, max: Duration) -> Drip {
        let now = Instant::now();
        Drip {
            data: data.into(),
            sleep: Box::pin(tokio::time::sleep_until(now + Duration::from_secs(1))),
            until: now + max,
        }
    }
}

impl Body for Out {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let out = self.get_mut();
        let chunk = match out {
            Out::Full(b) => b.take(),
            Out::Chunks(c) => c.next_chunk(),
            Out::Drip(d) => {
                if d.data.is_empty() || Instant::now() >= d.until {
                    None
                } else {
                    if d.sleep.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    let next = d.sleep.deadline() + Duration::from_secs(1);
                    d.sleep.as_mut().reset(next);
                    Some(d.data.split_to(1))
                }
            }
        };
        Poll::Ready(chunk.map(|c| Ok(Frame::data(c))))
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Out::Full(b) => b.is_none(),
            Out::Chunks(c) => c.parts.is_empty(),
            Out::Drip(d) => d.data.is_empty(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Out::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            Out::Chunks(Chunks {
                announced: Some(n), ..
            }) => SizeHint::with_exact(*n),
            _ => SizeHint::default(),
        }
    }
}
