//! A streaming decoder for chunked request bodies that discards the data.
//!
//! It is fed whatever bytes have arrived and says how many belonged to the
//! body; chunk-size lines may be split across reads. It keeps the trailer
//! fields (for `%{..}^ti`) and can stop at a body-size limit as httpd's
//! HTTP input filter does (`LimitRequestBody`).

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
#[derive(Clone, Debug)]
pub struct Chunked {
    state: State,
    trailer_bytes: u64,
    /// Data bytes read so far.
    data: u64,
    /// Stop once more data than this was read (0: no limit).
    limit: u64,
    over: bool,
    /// The trailer section as received (lines with their CR LF).
    trailers: Vec<u8>,
}

impl Default for Chunked {
    fn default() -> Self {
        Chunked {
            state: State::Size { n: 0, digits: 0 },
            trailer_bytes: 0,
            data: 0,
            limit: 0,
            over: false,
            trailers: Vec::new(),
        }
    }
}

impl Chunked {
    /// A decoder that stops after the read of chunk data that takes the
    /// body over `limit` bytes (0: no limit), as httpd checks
    /// `LimitRequestBody` after each read of chunk data.
    pub fn with_limit(limit: u64) -> Self {
        Chunked {
            limit,
            ..Chunked::default()
        }
    }

    /// The body went over the limit: [`Chunked::feed`] stopped right
    /// after the data that crossed it.
    pub fn over_limit(&self) -> bool {
        self.over
    }

    /// Data bytes read so far.
    pub fn data_len(&self) -> u64 {
        self.data
    }

    /// The trailer section as received: `name: value` lines, each with
    /// its CR LF (see [`trailer_fields`]).
    pub fn trailers(&self) -> &[u8] {
        &self.trailers
    }

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
            let prev = self.state;
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
                    self.data += take as u64;
                    self.state = if left - take as u64 == 0 {
                        State::DataCr
                    } else {
                        State::Data(left - take as u64)
                    };
                    if self.limit > 0 && self.data > self.limit {
                        self.over = true;
                        return Ok(i);
                    }
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
            if matches!(prev, State::TrailerLine | State::TrailerLf)
                || (prev == State::TrailerStart && self.state == State::TrailerLine)
            {
                self.trailers.push(b);
            }
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

/// The trailer fields of `raw` (as [`Chunked::trailers`] keeps them):
/// `(name, value)` ranges, the value without surrounding white space; a
/// line without a colon is skipped.
pub fn trailer_fields(raw: &[u8], out: &mut Vec<(std::ops::Range<usize>, std::ops::Range<usize>)>) {
    out.clear();
    let mut i = 0;
    while i < raw.len() {
        let end = memchr::memchr(b'\n', &raw[i..]).map_or(raw.len(), |p| i + p);
        let line_end = if end > i && raw[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        if let Some(c) = memchr::memchr(b':', &raw[i..line_end]) {
            let mut vs = i + c + 1;
            let mut ve = line_end;
            while vs < ve && (raw[vs] == b' ' || raw[vs] == b'\t') {
                vs += 1;
            }
            while ve > vs && (raw[ve - 1] == b' ' || raw[ve - 1] == b'\t') {
                ve -= 1;
            }
            out.push((i..i + c, vs..ve));
        }
        i = end + 1;
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
    fn keeps_trailers_and_stops_at_the_limit() {
        let body = b"3\r\nabc\r\n0\r\nX-Tr: a \"v\" \r\nY:z\r\n\r\n";
        let mut c = Chunked::default();
        assert_eq!(c.feed(body), Ok(body.len()));
        assert_eq!(c.trailers(), b"X-Tr: a \"v\" \r\nY:z\r\n");
        let mut f = Vec::new();
        trailer_fields(c.trailers(), &mut f);
        let t = c.trailers();
        let got: Vec<(&[u8], &[u8])> = f
            .iter()
            .map(|(n, v)| (&t[n.clone()], &t[v.clone()]))
            .collect();
        assert_eq!(got, vec![(&b"X-Tr"[..], &b"a \"v\""[..]), (b"Y", b"z")]);
        // 5 + 7 bytes with a limit of 10: stops after the second chunk's
        // data, as httpd counts it.
        let body = b"5\r\n01234\r\n7\r\n5678901\r\n0\r\n\r\n";
        let mut c = Chunked::with_limit(10);
        assert_eq!(c.feed(body), Ok(20));
        assert!(c.over_limit());
        assert_eq!(c.data_len(), 12);
        let mut c = Chunked::with_limit(12);
        assert_eq!(c.feed(body), Ok(body.len()));
        assert!(!c.over_limit() && c.is_done());
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
