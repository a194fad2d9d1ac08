//! The write path under failure, against a simulated file: short writes,
//! `ENOSPC` with a piece of the record written, errors, `EINTR`, a file
//! that fills up and frees again, with one writer and with several.

use std::collections::VecDeque;
use std::io;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::fd::{Fd, Out, Reporter, Sys};

/// What the next write call does instead of the default (append what
/// fits under the capacity, `ENOSPC` when nothing fits).
#[derive(Debug, Clone)]
enum Step {
    /// Writes this many bytes and returns the count.
    Short(usize),
    /// Writes this many bytes, then someone else appends `other`.
    ShortThenOther(usize, &'static [u8]),
    /// Fails with this errno without writing.
    Errno(i32),
}

#[derive(Debug)]
struct FakeFile {
    data: Mutex<Vec<u8>>,
    cap: AtomicUsize,
    script: Mutex<VecDeque<Step>>,
    regular: bool,
    writes: AtomicUsize,
}

#[derive(Debug, Clone)]
struct Fake(Arc<FakeFile>);

impl Fake {
    fn new(initial: &[u8], regular: bool) -> Fake {
        Fake(Arc::new(FakeFile {
            data: Mutex::new(initial.to_vec()),
            cap: AtomicUsize::new(usize::MAX),
            script: Mutex::new(VecDeque::new()),
            regular,
            writes: AtomicUsize::new(0),
        }))
    }
    fn data(&self) -> Vec<u8> {
        self.0.data.lock().unwrap().clone()
    }
    fn set_cap(&self, cap: usize) {
        self.0.cap.store(cap, Ordering::SeqCst);
    }
    fn script(&self, steps: &[Step]) {
        self.0.script.lock().unwrap().extend(steps.iter().cloned());
    }
    fn writes(&self) -> usize {
        self.0.writes.load(Ordering::SeqCst)
    }
    fn append(&self, bytes: &[u8]) -> io::Result<usize> {
        self.0.writes.fetch_add(1, Ordering::SeqCst);
        let step = self.0.script.lock().unwrap().pop_front();
        let mut d = self.0.data.lock().unwrap();
        match step {
            Some(Step::Short(k)) => {
                d.extend_from_slice(&bytes[..k]);
                Ok(k)
            }
            Some(Step::ShortThenOther(k, other)) => {
                d.extend_from_slice(&bytes[..k]);
                d.extend_from_slice(other);
                Ok(k)
            }
            Some(Step::Errno(e)) => Err(io::Error::from_raw_os_error(e)),
            None => {
                let room = self.0.cap.load(Ordering::SeqCst).saturating_sub(d.len());
                if room == 0 {
                    return Err(io::Error::from_raw_os_error(libc::ENOSPC));
                }
                let n = room.min(bytes.len());
                d.extend_from_slice(&bytes[..n]);
                Ok(n)
            }
        }
    }
}

impl Sys for Fake {
    fn write(&self, _fd: RawFd, buf: &[u8]) -> io::Result<usize> {
        self.append(buf)
    }
    fn write2(&self, _fd: RawFd, first: &[u8], rest: &[u8]) -> io::Result<usize> {
        self.append(&[first, rest].concat())
    }
    fn is_regular(&self, _fd: RawFd) -> bool {
        self.0.regular
    }
    fn tail(&self, _fd: RawFd, n: usize) -> io::Result<Vec<u8>> {
        assert!(self.0.regular, "a pipe cannot be read back");
        let d = self.0.data.lock().unwrap();
        Ok(d[d.len().saturating_sub(n)..].to_vec())
    }
    fn wait_writable(&self, _fd: RawFd) -> io::Result<()> {
        Ok(())
    }
}

/// An `Out` over `fake` (the descriptor is never used) and the messages
/// it reports.
fn out(fake: &Fake) -> (Out<Fake>, Arc<Mutex<Vec<String>>>) {
    let said = Arc::new(Mutex::new(Vec::new()));
    let s2 = Arc::clone(&said);
    let reporter = Reporter::new(move |m| s2.lock().unwrap().push(m.to_string()));
    let o = Out::with_sys(Fd::Std(-1), "test.log", &reporter, fake.clone());
    (o, said)
}

const ENOSPC_TEXT: &str = "No space left on device (os error 28)";

#[test]
fn one_write_per_record_while_writes_succeed() {
    let f = Fake::new(b"", true);
    let (o, said) = out(&f);
    for i in 0..1000 {
        o.write(format!("record {i}\n").as_bytes()).unwrap();
    }
    assert_eq!(f.writes(), 1000);
    assert!(said.lock().unwrap().is_empty());
    assert_eq!(o.lost(), 0);
}

#[test]
fn the_rest_of_a_short_write_is_written() {
    for regular in [true, false] {
        let f = Fake::new(b"a\n", regular);
        let (o, said) = out(&f);
        f.script(&[Step::Short(3), Step::Short(2)]);
        o.write(b"0123456789\n").unwrap();
        o.write(b"b\n").unwrap();
        assert_eq!(f.data(), b"a\n0123456789\nb\n");
        // Three writes for the first record, then the fast path again.
        assert_eq!(f.writes(), 4);
        assert!(said.lock().unwrap().is_empty());
    }
}

#[test]
fn eintr_is_retried() {
    let f = Fake::new(b"", true);
    let (o, said) = out(&f);
    f.script(&[Step::Errno(libc::EINTR), Step::Errno(libc::EINTR)]);
    o.write(b"x\n").unwrap();
    o.write(b"y\n").unwrap();
    assert_eq!(f.data(), b"x\ny\n");
    assert!(said.lock().unwrap().is_empty());
}

#[test]
fn a_full_disk_leaves_one_fragment_on_its_own_line_and_counts_the_rest() {
    for regular in [true, false] {
        let f = Fake::new(b"", regular);
        let (o, said) = out(&f);
        o.write(b"first record\n").unwrap();
        // Room for 5 more bytes: the next record is cut.
        f.set_cap(13 + 5);
        let e = o.write(b"second record\n").unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOSPC));
        for i in 0..500 {
            assert!(o.write(format!("lost {i}\n").as_bytes()).is_err());
        }
        assert_eq!(o.lost(), 501);
        assert_eq!(said.lock().unwrap().len(), 1, "one message per burst");
        f.set_cap(usize::MAX);
        o.write(b"third record\n").unwrap();
        o.write(b"fourth record\n").unwrap();
        assert_eq!(
            String::from_utf8(f.data()).unwrap(),
            "first record\nsecon\nthird record\nfourth record\n"
        );
        let said = said.lock().unwrap();
        assert_eq!(
            *said,
            [
                format!("AH00646: Error writing to test.log: {ENOSPC_TEXT}; records that cannot be written are counted and reported once it can be written again"),
                format!("501 records lost while test.log could not be written: {ENOSPC_TEXT}"),
            ]
        );
    }
}

#[test]
fn an_error_after_a_piece_is_written_is_a_fragment_too() {
    for regular in [true, false] {
        let f = Fake::new(b"", regular);
        let (o, said) = out(&f);
        f.script(&[Step::Short(4), Step::Errno(libc::EIO)]);
        assert_eq!(
            o.write(b"abcdefgh\n").unwrap_err().raw_os_error(),
            Some(libc::EIO)
        );
        o.write(b"next\n").unwrap();
        assert_eq!(f.data(), b"abcd\nnext\n");
        assert_eq!(o.lost(), 1);
        assert_eq!(said.lock().unwrap().len(), 2);
        assert!(said.lock().unwrap()[1].starts_with("1 record lost while test.log"));
    }
}

#[test]
fn a_failure_that_wrote_nothing_adds_no_newline() {
    let f = Fake::new(b"", true);
    let (o, _) = out(&f);
    f.script(&[Step::Errno(libc::EDQUOT), Step::Errno(libc::EFBIG)]);
    assert!(o.write(b"one\n").is_err());
    assert!(o.write(b"two\n").is_err());
    o.write(b"three\n").unwrap();
    assert_eq!(f.data(), b"three\n");
    assert_eq!(o.lost(), 2);
}

#[test]
fn the_newline_itself_may_be_all_that_fits() {
    let f = Fake::new(b"", true);
    let (o, said) = out(&f);
    o.write(b"ab\n").unwrap();
    f.set_cap(5);
    assert!(o.write(b"cdef\n").is_err()); // "cd" written
    f.set_cap(6);
    assert!(o.write(b"gh\n").is_err()); // only the newline fits
    f.set_cap(usize::MAX);
    o.write(b"ij\n").unwrap(); // no second newline: the file ends in LF
    assert_eq!(f.data(), b"ab\ncd\nij\n");
    assert_eq!(o.lost(), 2);
    assert_eq!(said.lock().unwrap().len(), 2);
}

#[test]
fn a_buffer_of_records_counts_each_lost_record() {
    let f = Fake::new(b"", true);
    let (o, said) = out(&f);
    f.set_cap(6);
    // "one\ntw" fits; "two" and "three" are lost.
    assert!(o.write(b"one\ntwo\nthree\n").is_err());
    assert_eq!(o.lost(), 2);
    f.set_cap(usize::MAX);
    o.write(b"four\nfive\n").unwrap();
    assert_eq!(f.data(), b"one\ntw\nfour\nfive\n");
    assert!(said.lock().unwrap()[1].starts_with("2 records lost"));
}

#[test]
fn a_file_opened_on_a_fragment_starts_with_a_newline() {
    let f = Fake::new(b"old line\ntorn by an earlier ru", true);
    let (o, said) = out(&f);
    o.write(b"new\n").unwrap();
    o.write(b"newer\n").unwrap();
    assert_eq!(
        f.data(),
        b"old line\ntorn by an earlier ru\nnew\nnewer\n".to_vec()
    );
    // Two writes, no message, nothing lost.
    assert_eq!(f.writes(), 2);
    assert!(said.lock().unwrap().is_empty());
    assert_eq!(o.lost(), 0);
}

#[test]
fn a_replaced_file_on_a_fragment_starts_with_a_newline() {
    let f = Fake::new(b"whole\n", true);
    let (o, _) = out(&f);
    f.0.data.lock().unwrap().extend_from_slice(b"partial");
    // The (simulated) reopen looks at the new file's end.
    drop(o.replace(Fd::Std(-1)));
    o.write(b"x\n").unwrap();
    assert_eq!(f.data(), b"whole\npartial\nx\n");
}

#[test]
fn a_long_piece_is_checked_by_its_last_bytes() {
    let f = Fake::new(b"", true);
    let (o, _) = out(&f);
    let mut rec = b"a".repeat(10_000);
    rec.extend_from_slice(b"z\n");
    f.script(&[Step::Short(9_000)]);
    o.write(&rec).unwrap();
    assert_eq!(f.data(), rec);
    f.script(&[Step::ShortThenOther(9_000, b"other\n")]);
    o.write(&rec).unwrap();
    let mut want = rec.clone();
    want.extend_from_slice(&rec[..9_000]);
    want.extend_from_slice(b"other\n");
    want.extend_from_slice(&rec);
    assert_eq!(f.data(), want);
}

#[test]
fn the_rest_is_not_written_after_someone_elses_data() {
    let f = Fake::new(b"", true);
    let (o, _) = out(&f);
    f.script(&[Step::ShortThenOther(3, b"other\n")]);
    o.write(b"mine!\n").unwrap();
    // The piece was followed by another writer's record before the rest
    // could go: the record is written again whole, on its own line.
    assert_eq!(f.data(), b"minother\nmine!\n");
    assert_eq!(o.lost(), 0);
}

#[test]
fn the_burst_still_open_at_close_is_reported() {
    let f = Fake::new(b"", true);
    let (o, said) = out(&f);
    f.set_cap(0);
    assert!(o.write(b"a\n").is_err());
    assert!(o.write(b"b\n").is_err());
    o.end_burst();
    o.end_burst();
    let said = said.lock().unwrap();
    assert_eq!(said.len(), 2);
    assert_eq!(
        said[1],
        format!("2 records lost while test.log could not be written: {ENOSPC_TEXT}; closed before it could be written again")
    );
}

/// Eight writers while the disk fills, then (all writers stopped, as
/// space never comes back inside a write) eight writers after it frees:
/// every line is a whole record or a fragment of one, no record is glued
/// to anything, and whole + lost = written.
#[test]
fn many_writers_fill_and_free() {
    for regular in [true, false] {
        let f = Fake::new(b"", regular);
        let (o, said) = out(&f);
        let o = Arc::new(o);
        f.set_cap(20_000);
        let run = |phase: u32| {
            let handles: Vec<_> = (0..8)
                .map(|w| {
                    let o = Arc::clone(&o);
                    std::thread::spawn(move || {
                        let mut ok = 0u64;
                        for i in 0..400 {
                            let rec = format!("p{phase} w{w} r{i:04} {}\n", "x".repeat(i % 37));
                            if o.write(rec.as_bytes()).is_ok() {
                                ok += 1;
                            }
                        }
                        ok
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum::<u64>()
        };
        let ok1 = run(1);
        assert!(ok1 < 3200 && o.lost() > 0);
        f.set_cap(usize::MAX);
        let ok2 = run(2);
        assert_eq!(ok2, 3200);
        assert_eq!(ok1 + ok2 + o.lost(), 6400);
        let data = f.data();
        assert!(data.ends_with(b"\n"));
        let mut whole = 0;
        let mut fragments = 0;
        let mut seen = std::collections::HashSet::new();
        for line in data.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let text = std::str::from_utf8(line).unwrap();
            let is_whole = text.len() >= 12 && {
                let i: usize = text[7..11].parse().unwrap_or(usize::MAX);
                text.len() == 12 + i % 37 && text[12..].bytes().all(|b| b == b'x')
            };
            if is_whole {
                // Never a record twice.
                assert!(seen.insert(text[..11].to_string()), "{text:?} twice");
                whole += 1;
            } else {
                // A fragment: a proper prefix of some record, no second
                // record inside it.
                assert!(
                    text.starts_with('p') && !text[1..].contains('p'),
                    "{text:?}"
                );
                fragments += 1;
            }
        }
        // The one fragment may be a record cut just before its LF: the
        // write failed and the record is counted lost, but once the sink
        // ends the fragment with its newline the line reads as whole (in
        // about one run in sixteen; no record appears twice, above).
        let written = ok1 + ok2;
        assert!(
            whole == written || (whole == written + 1 && fragments == 0),
            "{whole} whole lines, {written} records written, {fragments} fragments"
        );
        assert!(fragments <= 1, "{fragments} fragments");
        assert_eq!(said.lock().unwrap().len(), 2, "{:?}", said.lock().unwrap());
    }
}
