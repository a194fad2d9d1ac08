//! Fuzzes the chunked-body decoder (`http::chunked::Chunked`). Input: a
//! byte choosing the body limit, a byte choosing how the body is cut
//! into reads, then the body.
//!
//! Checks: the decoder never claims more bytes than it was given, nor
//! more data than the bytes it consumed; under a limit it never goes past
//! it without saying so, and stops within the read that crossed it; the
//! trailers it keeps are bounded; once done it takes nothing more; and
//! feeding the body in pieces gives the same outcome as in one piece.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spoor::http::chunked::Chunked;

/// The most trailer bytes the decoder keeps (`MAX_TRAILERS` there).
const TRAILERS_MAX: usize = 8190 * 4;

#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    error: bool,
    over: bool,
    done: bool,
    consumed: usize,
    data: u64,
    trailers: Vec<u8>,
}

fn run(body: &[u8], limit: u64, step: usize) -> Outcome {
    let mut c = Chunked::with_limit(limit);
    let mut consumed = 0;
    let mut fed = 0;
    let mut error = false;
    let mut at = 0;
    while at < body.len() {
        let end = (at + step).min(body.len());
        let piece = &body[at..end];
        let before = c.data_len();
        fed += piece.len();
        match c.feed(piece) {
            Ok(n) => {
                assert!(n <= piece.len(), "consumed more than given");
                consumed += n;
                let got = c.data_len() - before;
                assert!(got <= n as u64, "more data than bytes consumed");
                if limit > 0 && !c.over_limit() {
                    assert!(c.data_len() <= limit, "past the limit unnoticed");
                }
                if c.over_limit() {
                    assert!(c.data_len() > limit);
                    assert!(
                        c.data_len() - got <= limit,
                        "over the limit before this read"
                    );
                    break;
                }
                if c.is_done() {
                    assert_eq!(c.feed(b"0\r\n\r\n"), Ok(0), "took bytes after the end");
                    break;
                }
                assert_eq!(n, piece.len(), "stopped early while not done");
            }
            Err(_) => {
                error = true;
                break;
            }
        }
        at = end;
    }
    assert!(consumed <= body.len());
    // A refused read counts its data but not its bytes as consumed.
    assert!(c.data_len() <= fed as u64, "more data than input");
    if !error {
        assert!(
            c.data_len() <= consumed as u64,
            "more data than bytes consumed"
        );
    }
    assert!(c.trailers().len() <= TRAILERS_MAX, "trailers unbounded");
    Outcome {
        error,
        over: c.over_limit(),
        done: c.is_done(),
        // After a refusal the caller drops the connection: how much of
        // the refused read was body does not matter.
        consumed: if error { 0 } else { consumed },
        data: c.data_len(),
        trailers: c.trailers().to_vec(),
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let limit = [0u64, 1, 7, 100, 4096][data[0] as usize % 5];
    let step = 1 + data[1] as usize % 17;
    let body = &data[2..];
    let whole = run(body, limit, body.len().max(1));
    let pieces = run(body, limit, step);
    if whole.over || pieces.over {
        // Where a read crosses the limit depends on how the body was cut;
        // that it crosses does not.
        assert_eq!(whole.over, pieces.over);
        assert_eq!(whole.error, pieces.error);
    } else {
        assert_eq!(whole, pieces);
    }
});
