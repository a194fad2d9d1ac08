//! A streaming decoder for chunked request bodies that discards the data.
//!
//! It is fed whatever bytes have arrived and says how many belonged to the
//! body; chunk-size lines may be split across reads. It keeps the trailer
//! fields (for `%{..}^ti`) and can stop at a body-size limit as httpd's
//! HTTP input filter does (`LimitRequestBody`).
//!
//! Chunk-size lines are read as httpd 2.4's input filter reads them (with
//! its default `HttpProtocolOptions Strict`): any number of leading zeros,
//! then at most 16 significant hex digits whose value fits a signed 64-bit
//! offset (more is an overflow: httpd answers 413), up to 10 spaces or
//! tabs, then `;` extensions without control characters (tab allowed),
//! then CR LF. A size line longer than `LimitRequestFieldSize` is an
//! overflow too.

/// The most bytes of trailer fields accepted.
const MAX_TRAILERS: u64 = 8190 * 4;
/// The most spaces and tabs httpd lets follow a chunk size.
const MAX_BWS: u32 = 10;
/// httpd reads a line in pieces of at most this many bytes and checks the
/// size line's length after each piece.
const LINE_PIECE: u64 = 8192;
/// httpd's default `LimitRequestFieldSize`, the default size-line limit.
const DEFAULT_LINE_LIMIT: u64 = 8190;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// The first byte of a size line: a hex digit.
    SizeStart,
    /// In the digits: the value so far and its significant digits.
    Size {
        n: u64,
        digits: u32,
    },
    /// Spaces or tabs after the digits, and how many.
    Bws {
        n: u64,
        count: u32,
    },
    /// After `;`: extensions up to CR.
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

impl State {
    /// Whether the state is inside a chunk-size line.
    fn in_size_line(self) -> bool {
        matches!(
            self,
            State::SizeStart
                | State::Size { .. }
                | State::Bws { .. }
                | State::Ext(_)
                | State::SizeLf(_)
        )
    }
}

/// A chunked body httpd refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChunkError {
    /// Malformed framing: httpd answers 400 (`EINVAL` in its log line).
    Invalid,
    /// A chunk size beyond a signed 64-bit offset, or a size line longer
    /// than the limit: httpd answers 413 (`ENOSPC`, "(overflow)").
    Overflow,
}

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
    /// Bytes of the current size line so far, and their limit.
    line_len: u64,
    line_limit: u64,
    /// Bytes of the last `feed` that httpd had read when it found the
    /// error (up to the end of the line it was reading).
    err_used: usize,
    /// The trailer section as received (lines with their CR LF).
    trailers: Vec<u8>,
}

impl Default for Chunked {
    fn default() -> Self {
        Chunked {
            state: State::SizeStart,
            trailer_bytes: 0,
            data: 0,
            limit: 0,
            over: false,
            line_len: 0,
            line_limit: DEFAULT_LINE_LIMIT,
            err_used: 0,
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

    /// Sets the longest chunk-size line, CR LF included (httpd takes the
    /// request's server's `LimitRequestFieldSize`; default 8190).
    pub fn line_limit(mut self, limit: u64) -> Self {
        self.line_limit = limit;
        self
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

    /// After [`Chunked::feed`] failed: how many bytes of what it was
    /// given httpd would have read by then (it reads the body line by
    /// line, so up to and including the LF ending the offending line, or
    /// all of them when that LF has not arrived).
    pub fn used_before_error(&self) -> usize {
        self.err_used
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
        self.err_used = 0;
        let mut i = 0;
        while i < data.len() {
            match self.step(data, i) {
                Ok((next, false)) => i = next,
                Ok((end, true)) => return Ok(end),
                Err(e) => {
                    self.err_used =
                        memchr::memchr(b'\n', &data[i..]).map_or(data.len(), |p| i + p + 1);
                    return Err(e);
                }
            }
            if self.over {
                return Ok(i);
            }
        }
        Ok(i)
    }

    /// Handles the byte at `data[i]` (or a run of chunk data starting
    /// there); returns where to go on and whether the body has ended
    /// there.
    fn step(&mut self, data: &[u8], i: usize) -> Result<(usize, bool), ChunkError> {
        use ChunkError::{Invalid, Overflow};
        let b = data[i];
        let prev = self.state;
        if prev == State::Done {
            return Ok((i, true));
        }
        if prev.in_size_line() {
            self.line_len += 1;
        }
        self.state = match prev {
            State::SizeStart if b.is_ascii_hexdigit() => {
                self.line_len = 1;
                digit(0, 0, b)?
            }
            State::SizeStart => return Err(Invalid),
            State::Size { n, digits } if b.is_ascii_hexdigit() => digit(n, digits, b)?,
            State::Size { n, .. } | State::Bws { n, .. } if b == b'\r' => State::SizeLf(n),
            State::Size { n, .. } | State::Bws { n, .. } if b == b';' => State::Ext(n),
            State::Size { n, .. } if b == b' ' || b == b'\t' => State::Bws { n, count: 1 },
            State::Bws { n, count } if b == b' ' || b == b'\t' => {
                if count >= MAX_BWS {
                    return Err(Invalid);
                }
                State::Bws {
                    n,
                    count: count + 1,
                }
            }
            State::Size { .. } | State::Bws { .. } => return Err(Invalid),
            State::Ext(n) => match b {
                b'\r' => State::SizeLf(n),
                b'\t' => State::Ext(n),
                _ if b.is_ascii_control() => return Err(Invalid),
                _ => State::Ext(n),
            },
            State::SizeLf(n) if b == b'\n' => {
                if self.line_len > self.line_limit {
                    return Err(Overflow);
                }
                self.line_len = 0;
                if n == 0 {
                    State::TrailerStart
                } else {
                    State::Data(n)
                }
            }
            State::SizeLf(_) => return Err(Invalid),
            State::Data(left) => {
                let take = left.min((data.len() - i) as u64) as usize;
                self.data += take as u64;
                self.state = if left - take as u64 == 0 {
                    State::DataCr
                } else {
                    State::Data(left - take as u64)
                };
                if self.limit > 0 && self.data > self.limit {
                    self.over = true;
                }
                return Ok((i + take, false));
            }
            State::DataCr if b == b'\r' => State::DataLf,
            State::DataLf if b == b'\n' => State::SizeStart,
            State::DataCr | State::DataLf => return Err(Invalid),
            State::TrailerStart => match b {
                b'\r' => State::FinalLf,
                _ => State::TrailerLine,
            },
            State::TrailerLine => match b {
                b'\r' => State::TrailerLf,
                b'\n' => return Err(Invalid),
                _ => State::TrailerLine,
            },
            State::TrailerLf if b == b'\n' => State::TrailerStart,
            State::FinalLf if b == b'\n' => State::Done,
            State::TrailerLf | State::FinalLf => return Err(Invalid),
            State::Done => return Ok((i, true)),
        };
        // httpd checks the line's length after each piece it reads.
        if self.state.in_size_line()
            && self.line_len % LINE_PIECE == 0
            && self.line_len > self.line_limit
        {
            return Err(Overflow);
        }
        if matches!(prev, State::TrailerLine | State::TrailerLf)
            || (prev == State::TrailerStart && self.state == State::TrailerLine)
        {
            self.trailers.push(b);
        }
        if matches!(self.state, State::TrailerLine | State::TrailerStart) {
            self.trailer_bytes += 1;
            if self.trailer_bytes > MAX_TRAILERS {
                return Err(Invalid);
            }
        }
        Ok((i + 1, self.state == State::Done))
    }
}

/// One more hex digit of a chunk size (`b` is one): leading zeros are
/// skipped; a 17th significant digit or a value of 2^63 or more is an
/// overflow, as httpd's signed offsets see it.
fn digit(n: u64, digits: u32, b: u8) -> Result<State, ChunkError> {
    let d = (b as char).to_digit(16).unwrap_or(0) as u64;
    if n == 0 && d == 0 {
        return Ok(State::Size { n, digits });
    }
    if digits >= 16 {
        return Err(ChunkError::Overflow);
    }
    let n = (n << 4) | d;
    if n > i64::MAX as u64 {
        return Err(ChunkError::Overflow);
    }
    Ok(State::Size {
        n,
        digits: digits + 1,
    })
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
        ] {
            assert_eq!(
                run(bad, 100),
                Err(ChunkError::Invalid),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn reads_sizes_as_httpd() {
        // Leading zeros do not count; white space (at most 10) and
        // extensions may follow the digits.
        for good in [
            &b"00000000000000000000000005\r\nhello\r\n0\r\n\r\n"[..],
            b"5 \t \r\nhello\r\n0\r\n\r\n",
            b"5          \r\nhello\r\n0\r\n\r\n",
            b"5 ;a=b c\t\r\nhello\r\n000\r\n\r\n",
            b"5;\xff\r\nhello\r\n0\r\n\r\n",
        ] {
            assert_eq!(
                run(good, 100),
                Ok(Some(good.len())),
                "{:?}",
                String::from_utf8_lossy(good)
            );
        }
        for bad in [
            &b"5           \r\n"[..],
            b"5 5\r\n",
            b"5 \n",
            b"5;a\x01\r\n",
            b"5;a\x7f\r\n",
            b" 5\r\n",
            b"5;a\n",
            b"5\r\nhello\n",
        ] {
            assert_eq!(
                run(bad, 100),
                Err(ChunkError::Invalid),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        // 2^63 - 1 is a size; 2^63 and a 17th significant digit are
        // overflows, however many leading zeros come first.
        let mut c = Chunked::default();
        assert_eq!(c.feed(b"7fffffffffffffff\r\nabc"), Ok(21));
        for over in [
            &b"8000000000000000\r\n"[..],
            b"ffffffffffffffff\r\n",
            b"10000000000000000\r\n",
            b"0000000010000000000000000\r\n",
            b"1\r\na\r\n8000000000000000;x\r\n",
        ] {
            assert_eq!(
                run(over, 100),
                Err(ChunkError::Overflow),
                "{:?}",
                String::from_utf8_lossy(over)
            );
        }
    }

    #[test]
    fn limits_the_size_line() {
        // The line with its CR LF against the limit.
        let line = |ext: usize| {
            let mut l = b"5;".to_vec();
            l.resize(2 + ext, b'x');
            l.extend_from_slice(b"\r\nhello\r\n0\r\n\r\n");
            l
        };
        let mut c = Chunked::default().line_limit(20);
        assert_eq!(c.feed(&line(16)), Ok(line(16).len()));
        let mut c = Chunked::default().line_limit(20);
        assert_eq!(c.feed(&line(17)), Err(ChunkError::Overflow));
        assert_eq!(c.used_before_error(), 21);
        // A line that never ends stops after a bounded number of bytes.
        let mut c = Chunked::default();
        let endless = vec![b'x'; 3 * LINE_PIECE as usize];
        assert_eq!(c.feed(b"5;"), Ok(2));
        assert_eq!(c.feed(&endless), Err(ChunkError::Overflow));
    }

    #[test]
    fn counts_the_line_httpd_read_before_an_error() {
        let mut c = Chunked::default();
        assert_eq!(c.feed(b"zz\r\nmore"), Err(ChunkError::Invalid));
        assert_eq!(c.used_before_error(), 4);
        let mut c = Chunked::default();
        assert_eq!(
            c.feed(b"3\r\nabc\r\n8000000000000000\r\nabc"),
            Err(ChunkError::Overflow)
        );
        assert_eq!(c.used_before_error(), 26);
        let mut c = Chunked::default();
        assert_eq!(c.feed(b"zz"), Err(ChunkError::Invalid));
        assert_eq!(c.used_before_error(), 2);
    }
}
