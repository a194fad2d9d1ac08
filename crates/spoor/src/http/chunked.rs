//! A streaming decoder for chunked request bodies that discards the data.
//!
//! It is fed whatever bytes have arrived and says how many belonged to the
//! body; chunk-size lines may be split across reads.

/// The most hex digits a chunk size may have (sizes fit in 60 bits).
const MAX_DIGITS: u32 = 15;
/// The most bytes of trailer fields accepted.
const MAX_TRAILERS: u64 = 8190 * 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Size {
        n: u64,
        digits: u32,
    },
    /// After the digits: optional whitespace and `;extensions`.
    Ext(u64),
    SizeLf(u64),
    Data(u64),
    DataCr,
    DataLf,
    /// At the start of a trailer line (or the final empty line).
    TrailerStart,
    TrailerLine,
    TrailerLf,
    FinalLf,
    Done,
}

/// A malformed chunked body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkError;

/// The decoder state of one chunked body.
#[derive(Clone, Copy, Debug)]
pub struct Chunked {
    state: State,
    trailer_bytes: u64,
}

impl Default for Chunked {
    fn default() -> Self {
        Chunked {
            state: State::Size { n: 0, digits: 0 },
            trailer_bytes: 0,
        }
    }
}

impl Chunked {
    /// Whether the final chunk and the trailers have been read.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Consumes body bytes from `data`; returns how many belonged to the
    /// body (fewer than `data.len()` only when the body ended).
    pub fn feed(&mut self, data: &[u8]) -> Result<usize, ChunkError> {
        let mut i = 0;
        while i < data.len() {
            let b = data[i];
            self.state = match self.state {
                State::Size { n, digits } => match (b as char).to_digit(16) {
                    Some(d) if digits < MAX_DIGITS => State::Size {
                        n: n * 16 + d as u64,
                        digits: digits + 1,
                    },
                    Some(_) => return Err(ChunkError),
                    None if digits == 0 => return Err(ChunkError),
                    None => match b {
                        b'\r' => State::SizeLf(n),
                        b';' | b' ' | b'\t' => State::Ext(n),
                        _ => return Err(ChunkError),
                    },
                },
                State::Ext(n) => match b {
                    b'\r' => State::SizeLf(n),
                    b'\n' => return Err(ChunkError),
                    _ => State::Ext(n),
                },
                State::SizeLf(0) if b == b'\n' => State::TrailerStart,
                State::SizeLf(n) if b == b'\n' => State::Data(n),
                State::SizeLf(_) => return Err(ChunkError),
                State::Data(left) => {
                    let take = left.min((data.len() - i) as u64) as usize;
                    i += take;
                    self.state = if left - take as u64 == 0 {
                        State::DataCr
                    } else {
                        State::Data(left - take as u64)
                    };
                    continue;
                }
                State::DataCr if b == b'\r' => State::DataLf,
                State::DataLf if b == b'\n' => State::Size { n: 0, digits: 0 },
                State::DataCr | State::DataLf => return Err(ChunkError),
                State::TrailerStart => match b {
                    b'\r' => State::FinalLf,
                    _ => State::TrailerLine,
                },
                State::TrailerLine => match b {
                    b'\r' => State::TrailerLf,
                    b'\n' => return Err(ChunkError),
                    _ => State::TrailerLine,
                },
                State::TrailerLf if b == b'\n' => State::TrailerStart,
                State::FinalLf if b == b'\n' => State::Done,
                State::TrailerLf | State::FinalLf => return Err(ChunkError),
                State::Done => return Ok(i),
            };
            i += 1;
            if matches!(self.state, State::TrailerLine | State::TrailerStart) {
                self.trailer_bytes += 1;
                if self.trailer_bytes > MAX_TRAILERS {
                    return Err(ChunkError);
                }
            }
            if self.state == State::Done {
                return Ok(i);
            }
        }
        Ok(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(body: &[u8], step: usize) -> Result<Option<usize>, ChunkError> {
        let mut c = Chunked::default();
        let mut pos = 0;
        while pos < body.len() {
            let end = (pos + step).min(body.len());
            let n = c.feed(&body[pos..end])?;
            pos += n;
            if c.is_done() {
                return Ok(Some(pos));
            }
        }
        Ok(None)
    }

    #[test]
    fn decodes_in_any_split() {
        let body = b"5\r\nhello\r\na;ext=1\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\nNEXT";
        for step in 1..body.len() {
            assert_eq!(run(body, step), Ok(Some(body.len() - 4)), "{step}");
        }
        assert_eq!(run(b"0\r\n\r\n", 100), Ok(Some(5)));
        assert_eq!(run(b"5\r\nhel", 100), Ok(None));
    }

    #[test]
    fn rejects_bad_sizes() {
        for bad in [
            &b"zz\r\nhello\r\n0\r\n\r\n"[..],
            b"\r\n",
            b"5\nhello\r\n",
            b"5\r\nhelloX\r\n",
            b"-1\r\n",
            b"ffffffffffffffffff\r\n",
        ] {
            assert_eq!(
                run(bad, 100),
                Err(ChunkError),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
