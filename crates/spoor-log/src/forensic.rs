//! mod_log_forensic: the two records of a request, its id, the log it goes
//! to, and the reading side (`check_forensic`).
//!
//! * [`plus_record`] / [`minus_record`]: `+ID|request line|Name:value|…`
//!   and `-ID`, escaped as httpd escapes them ([`escape_forensic`]: `%hh`
//!   in lower case for controls, high bytes, `:`, `|` and `%`). Repeated
//!   header names are merged as httpd's header table is: at the place of
//!   the first, with its spelling, values joined by `", "`.
//! * [`CounterIds`]: the id httpd makes without mod_unique_id,
//!   `pid:hex(time):hex(counter)` (see [`crate::unique_id`] for the other).
//! * [`ForensicLog`]: a file (`O_APPEND`) or a program reading a pipe;
//!   every record is one `write(2)` and anything short of the whole record
//!   is an error, for the caller to treat as fatal (httpd asserts). The
//!   piece a failed write may leave is never followed by another record on
//!   the same line: the next record, in this process or in the next one
//!   to open the file, starts with a newline when the log does not end in
//!   LF.
//! * [`Check`]: pairs `+` and `-` records across files and yields the
//!   requests that never finished, with [`decode_plus`] to read a record
//!   back.

use std::collections::{HashMap, HashSet};
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::escape::escape_forensic;
use crate::record::{name_eq, Field};

/// Appends the `+` record of a request to `out`: the id, the request line,
/// then every header (repeated names merged), each escaped, and LF.
pub fn plus_record(id: &[u8], request_line: &[u8], headers: &[Field<'_>], out: &mut Vec<u8>) {
    out.push(b'+');
    out.extend_from_slice(id);
    out.push(b'|');
    escape_forensic(request_line, out);
    for (i, &(name, value)) in headers.iter().enumerate() {
        if headers[..i].iter().any(|(n, _)| name_eq(n, name)) {
            continue;
        }
        out.push(b'|');
        escape_forensic(name, out);
        out.push(b':');
        escape_forensic(value, out);
        for &(n2, v2) in &headers[i + 1..] {
            if name_eq(n2, name) {
                out.extend_from_slice(b", ");
                escape_forensic(v2, out);
            }
        }
    }
    out.push(b'\n');
}

/// Appends the `-` record: `-ID` and LF.
pub fn minus_record(id: &[u8], out: &mut Vec<u8>) {
    out.push(b'-');
    out.extend_from_slice(id);
    out.push(b'\n');
}

/// Ids as httpd makes them without mod_unique_id: the process id in
/// decimal, the time in seconds and a per-process counter (from 0) in
/// lower-case hex, joined by `:`.
#[derive(Debug, Default)]
pub struct CounterIds {
    next: AtomicU32,
}

impl CounterIds {
    /// A counter starting at 0.
    pub const fn new() -> CounterIds {
        CounterIds {
            next: AtomicU32::new(0),
        }
    }

    /// The process-wide counter.
    pub fn global() -> &'static CounterIds {
        static G: CounterIds = CounterIds::new();
        &G
    }

    /// Appends the next id for time `time_s` to `out`.
    pub fn next(&self, time_s: i64, out: &mut Vec<u8>) {
        // The process id is read once (`getpid(2)` is a system call).
        static PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let pid = *PID.get_or_init(std::process::id);
        out.extend_from_slice(itoa::Buffer::new().format(pid).as_bytes());
        out.push(b':');
        crate::hex::push(u64::from(time_s as u32), out);
        out.push(b':');
        crate::hex::push(u64::from(n), out);
    }
}

enum Dest {
    File(OwnedFd),
    Pipe {
        fd: Mutex<Option<OwnedFd>>,
        child: Mutex<Option<Child>>,
    },
}

/// A forensic log: a file or a piped program.
pub struct ForensicLog {
    name: String,
    dest: Dest,
    /// The log may end inside a record (a failed write, or a file found
    /// so at open): the next record first checks and ends that line.
    torn: AtomicBool,
}

impl std::fmt::Debug for ForensicLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForensicLog")
            .field("name", &self.name)
            .finish()
    }
}

/// How long [`ForensicLog::close`] waits for a piped program to exit after
/// its pipe is closed, before killing it.
const PIPE_DRAIN: Duration = Duration::from_secs(5);

impl ForensicLog {
    /// Opens `path` for appending (created `0666` less the umask).
    pub fn file(path: &Path) -> io::Result<ForensicLog> {
        let f = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o666)
            .custom_flags(libc::O_CLOEXEC)
            .open(path)?;
        let torn =
            matches!(crate::sink::fd::fd_last_byte(f.as_raw_fd()), Ok(Some(b)) if b != b'\n');
        Ok(ForensicLog {
            name: path.display().to_string(),
            dest: Dest::File(f.into()),
            torn: AtomicBool::new(torn),
        })
    }

    /// Starts `argv` (no shell) with its standard input on a new pipe, in
    /// `cwd`. The pipe's read end is the program's alone: when the program
    /// is gone, writing fails.
    pub fn pipe(argv: &[String], cwd: Option<&Path>) -> io::Result<ForensicLog> {
        let Some((prog, args)) = argv.split_first() else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the pipe names no program",
            ));
        };
        let mut cmd = Command::new(prog);
        cmd.args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit());
        if let Some(d) = cwd {
            cmd.current_dir(d);
        }
        let mut child = cmd.spawn()?;
        let stdin = child.stdin.take().expect("piped stdin");
        Ok(ForensicLog {
            name: format!("|{}", argv.join(" ")),
            dest: Dest::Pipe {
                fd: Mutex::new(Some(OwnedFd::from(stdin))),
                child: Mutex::new(Some(child)),
            },
            torn: AtomicBool::new(false),
        })
    }

    /// The file name, or `|` and the program.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Writes one record with one `write(2)`; an error, or fewer bytes
    /// written than the record holds, is an error.
    ///
    /// After a failed write, or on a file that did not end in LF when it
    /// was opened, the record is written with a newline in front (one
    /// `writev(2)`) if the log does not end in LF: a file's last byte is
    /// read back, a pipe's state is remembered.
    pub fn write_record(&self, rec: &[u8]) -> io::Result<()> {
        match &self.dest {
            Dest::File(fd) => {
                let fd = fd.as_raw_fd();
                // Cold: only after a failure. Unreadable counts as torn (an
                // empty line is better than a glued record).
                let newline = self.torn.load(Ordering::Relaxed)
                    && !matches!(crate::sink::fd::fd_last_byte(fd), Ok(None | Some(b'\n')));
                self.write_marking(fd, newline, rec)
            }
            Dest::Pipe { fd, .. } => {
                // Writers take turns, so a record longer than PIPE_BUF is
                // not interleaved with another.
                let g = fd.lock().unwrap_or_else(|e| e.into_inner());
                match &*g {
                    Some(fd) => {
                        let newline = self.torn.load(Ordering::Relaxed);
                        self.write_marking(fd.as_raw_fd(), newline, rec)
                    }
                    None => Err(io::Error::new(
                        io::ErrorKind::BrokenPipe,
                        "forensic log closed",
                    )),
                }
            }
        }
    }

    /// Writes `rec` (after a newline if `newline`) and keeps `torn` up to
    /// date: set when the write left a piece of the record, cleared when
    /// the record went whole.
    fn write_marking(&self, fd: libc::c_int, newline: bool, rec: &[u8]) -> io::Result<()> {
        let (r, wrote) = write_once(fd, newline, rec);
        if r.is_ok() {
            if newline {
                self.torn.store(false, Ordering::Relaxed);
            }
        } else if wrote > usize::from(newline) {
            self.torn.store(true, Ordering::Relaxed);
        } else if wrote == 1 {
            // Only the newline went: the line is ended.
            self.torn.store(false, Ordering::Relaxed);
        }
        r
    }

    /// Closes the log; a piped program gets end of file and up to five
    /// seconds to exit before it is killed, and is reaped.
    pub fn close(&self) {
        if let Dest::Pipe { fd, child } = &self.dest {
            drop(fd.lock().unwrap_or_else(|e| e.into_inner()).take());
            let child = child.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(c) = child {
                reap(c, PIPE_DRAIN);
            }
        }
    }
}

impl Drop for ForensicLog {
    fn drop(&mut self) {
        if let Dest::Pipe { fd, child } = &mut self.dest {
            drop(fd.get_mut().unwrap_or_else(|e| e.into_inner()).take());
            if let Some(c) = child.get_mut().unwrap_or_else(|e| e.into_inner()).take() {
                // Dropped on a reload, possibly on a server thread: wait
                // for the program elsewhere.
                let _ = std::thread::Builder::new()
                    .name("spoor-forensic-reap".into())
                    .spawn(move || reap(c, PIPE_DRAIN));
            }
        }
    }
}

fn reap(mut c: Child, grace: Duration) {
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = c.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = c.kill();
    let _ = c.wait();
}

/// One system call writing `rec`, after a newline if `newline`; anything
/// short of all of it is an error. Also returns the bytes written.
fn write_once(fd: libc::c_int, newline: bool, rec: &[u8]) -> (io::Result<()>, usize) {
    let want = rec.len() + usize::from(newline);
    loop {
        let r = if newline {
            crate::sink::fd::writev2(fd, b"\n", rec)
        } else {
            // SAFETY: `rec` is valid for reads of its length for the call.
            let n = unsafe { libc::write(fd, rec.as_ptr().cast(), rec.len()) };
            if n < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(n as usize)
            }
        };
        return match r {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => (Err(e), 0),
            Ok(n) if n != want => (
                Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    format!("short write: {n} of {want} bytes"),
                )),
                n,
            ),
            Ok(n) => (Ok(()), n),
        };
    }
}

/// Undoes forensic escaping: `%hh` (either case) becomes the byte; a `%`
/// not followed by two hex digits stays as it is.
pub fn unescape(s: &[u8]) -> Vec<u8> {
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' && i + 2 < s.len() {
            if let (Some(a), Some(b)) = (hex(s[i + 1]), hex(s[i + 2])) {
                out.push(a << 4 | b);
                i += 3;
                continue;
            }
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

/// A `+` record read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlusRecord {
    /// The id (as written: ids are never escaped).
    pub id: Vec<u8>,
    /// The request line, unescaped; `None` if the record stops before it.
    pub request_line: Option<Vec<u8>>,
    /// The headers, unescaped, in record order. A field without `:` has
    /// an empty value.
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
}

/// Splits a `+` line (without its LF) into id, request line and headers.
pub fn decode_plus(line: &[u8]) -> PlusRecord {
    let body = line.strip_prefix(b"+").unwrap_or(line);
    let mut parts = body.split(|&b| b == b'|');
    let id = parts.next().unwrap_or(b"").to_vec();
    let request_line = parts.next().map(unescape);
    let headers = parts
        .map(|f| match f.iter().position(|&b| b == b':') {
            Some(c) => (unescape(&f[..c]), unescape(&f[c + 1..])),
            None => (unescape(f), Vec::new()),
        })
        .collect();
    PlusRecord {
        id,
        request_line,
        headers,
    }
}

/// One line of a forensic log, as [`Check`] keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Index of the file among those added.
    pub file: usize,
    /// 1-based line number.
    pub line: usize,
    /// The line without its LF.
    pub text: Vec<u8>,
    /// The line had no LF (the file ends in the middle of a record).
    pub unterminated: bool,
}

/// Pairs `+` and `-` records over one or more files, reading them as a
/// stream: memory grows with the number of requests still open (a `+`
/// without its `-` yet), not with the size of the log.
///
/// A `-` record closes the open request of its id; a `-` whose id is not
/// open waits for a later `+` (files given newest first still pair), so
/// the order of the files does not matter. A `+` record after its id's
/// request was closed starts a new request (ids are unique per request;
/// only a reused id shows the difference from the `check_forensic`
/// script, which pairs ids as sets).
///
/// The id of a line is its first `|`-separated field without the leading
/// `+` or `-`, as `check_forensic` takes it. Lines starting with neither
/// are counted as malformed and otherwise ignored.
#[derive(Debug, Default)]
pub struct Check {
    files: usize,
    /// The `+` lines of open requests by id, in file and line order.
    open: HashMap<Box<[u8]>, Vec<Line>>,
    /// Ids of `-` records no `+` record has matched yet.
    unmatched: HashSet<Box<[u8]>>,
    complete: usize,
    /// Number of `+` records.
    pub started: usize,
    /// Number of `-` records.
    pub finished: usize,
    /// Lines that are neither (empty lines included).
    pub malformed: usize,
}

/// What [`Check::finish`] found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Requests with a `+` and a `-` record.
    pub complete: usize,
    /// The `+` lines of ids without a `-` record, sorted by id (bytewise),
    /// then in file and line order.
    pub incomplete: Vec<Line>,
    /// Distinct ids with a `+` and no `-` record.
    pub incomplete_ids: usize,
    /// Distinct ids with a `-` and no `+` record (their start is in an
    /// older file not given).
    pub unstarted_ids: usize,
}

fn first_field(text: &[u8]) -> &[u8] {
    let rest = &text[1..];
    &rest[..rest.iter().position(|&b| b == b'|').unwrap_or(rest.len())]
}

impl Check {
    /// An empty check.
    pub fn new() -> Check {
        Check::default()
    }

    /// Reads the records of one file's contents held in memory.
    pub fn add(&mut self, data: &[u8]) {
        // Reading from a slice cannot fail.
        let _ = self.add_reader(data, |_| {});
    }

    /// Reads the records of one file from `r`, line by line; `progress` is
    /// called with the number of bytes read so far, about every 4 MiB.
    pub fn add_reader(
        &mut self,
        mut r: impl io::BufRead,
        mut progress: impl FnMut(u64),
    ) -> io::Result<()> {
        let file = self.files;
        self.files += 1;
        let mut buf = Vec::with_capacity(512);
        let (mut line, mut read, mut reported) = (0usize, 0u64, 0u64);
        loop {
            buf.clear();
            let n = r.read_until(b'\n', &mut buf)?;
            if n == 0 {
                return Ok(());
            }
            read += n as u64;
            if read - reported >= 4 << 20 {
                reported = read;
                progress(read);
            }
            line += 1;
            let unterminated = buf.last() != Some(&b'\n');
            let text = if unterminated {
                &buf[..]
            } else {
                &buf[..n - 1]
            };
            self.line(file, line, text, unterminated);
        }
    }

    fn line(&mut self, file: usize, line: usize, text: &[u8], unterminated: bool) {
        match text.first() {
            Some(b'+') => {
                self.started += 1;
                let id = first_field(text);
                if self.unmatched.remove(id) {
                    self.complete += 1;
                    return;
                }
                let l = Line {
                    file,
                    line,
                    text: text.to_vec(),
                    unterminated,
                };
                match self.open.get_mut(id) {
                    Some(v) => v.push(l),
                    None => {
                        self.open.insert(id.into(), vec![l]);
                    }
                }
            }
            Some(b'-') => {
                self.finished += 1;
                let id = first_field(text);
                if self.open.remove(id).is_some() {
                    self.complete += 1;
                } else if !self.unmatched.contains(id) {
                    self.unmatched.insert(id.into());
                }
            }
            _ => self.malformed += 1,
        }
    }

    /// The requests still open, sorted by id.
    pub fn finish(self) -> Outcome {
        let mut open: Vec<(Box<[u8]>, Vec<Line>)> = self.open.into_iter().collect();
        open.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Outcome {
            complete: self.complete,
            incomplete_ids: open.len(),
            unstarted_ids: self.unmatched.len(),
            incomplete: open.into_iter().flat_map(|(_, v)| v).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plus_record_as_httpd_writes_it() {
        // From apache2 2.4.71: repeated X-A merged at its first place.
        let h: Vec<Field<'_>> = vec![
            (b"Host", b"main.test"),
            (b"X-A", b"1"),
            (b"Y", b"2"),
            (b"x-a", b"3"),
            (b"X-Odd", b"a:b|c%d \xe9"),
        ];
        let mut v = Vec::new();
        plus_record(b"2640:6b02a23f:0", b"GET / HTTP/1.1", &h, &mut v);
        assert_eq!(
            v,
            b"+2640:6b02a23f:0|GET / HTTP/1.1|Host:main.test|X-A:1, 3|Y:2|X-Odd:a%3ab%7cc%25d %e9\n"
        );
        v.clear();
        plus_record(b"i", b"GET /a|b?x=%7c HTTP/1.0", &[], &mut v);
        assert_eq!(v, b"+i|GET /a%7cb?x=%257c HTTP/1.0\n");
        v.clear();
        minus_record(b"i", &mut v);
        assert_eq!(v, b"-i\n");
    }

    #[test]
    fn decode_undoes_plus_record() {
        let h: Vec<Field<'_>> = vec![(b"N:a|m%e", b"v\x01:|%\xff, x"), (b"E", b"")];
        let mut v = Vec::new();
        plus_record(b"id", b"GET /%7c| HTTP/1.1", &h, &mut v);
        let r = decode_plus(v.strip_suffix(b"\n").unwrap());
        assert_eq!(r.id, b"id");
        assert_eq!(r.request_line.as_deref(), Some(&b"GET /%7c| HTTP/1.1"[..]));
        assert_eq!(
            r.headers,
            vec![
                (b"N:a|m%e".to_vec(), b"v\x01:|%\xff, x".to_vec()),
                (b"E".to_vec(), Vec::new())
            ]
        );
        assert_eq!(unescape(b"%zz%4"), b"%zz%4");
        assert_eq!(unescape(b"%4A%4a"), b"JJ");
    }

    #[test]
    fn counter_ids() {
        let c = CounterIds::new();
        let mut v = Vec::new();
        c.next(0x6b02_6b13, &mut v);
        v.push(b' ');
        c.next(0x6b02_6b13, &mut v);
        let pid = std::process::id();
        assert_eq!(
            String::from_utf8(v).unwrap(),
            format!("{pid}:6b026b13:0 {pid}:6b026b13:1")
        );
    }

    #[test]
    fn check_pairs_in_reading_order() {
        // Newest file first: the `-` waits for its `+`.
        let mut c = Check::new();
        c.add(b"-a\n+b|x\n");
        c.add(b"+a|y\n");
        let o = c.finish();
        assert_eq!((o.complete, o.incomplete_ids, o.unstarted_ids), (1, 1, 0));
        assert_eq!(o.incomplete[0].text, b"+b|x");
        // A reused id after its request was closed is a new request; two
        // `+` lines of one open id are closed together.
        let mut c = Check::new();
        c.add(b"+a|1\n-a\n+a|2\n+b|1\n+b|2\n-b\n");
        let o = c.finish();
        assert_eq!((o.complete, o.incomplete_ids), (2, 1));
        assert_eq!(o.incomplete[0].text, b"+a|2");
        // Lines are read without holding the file: progress is reported.
        let data = b"+z|GET / HTTP/1.1\n-z\n".repeat(200_000);
        let mut seen = 0;
        let mut c = Check::new();
        c.add_reader(&data[..], |n| seen = n).unwrap();
        assert!(seen >= 4 << 20, "{seen}");
        assert_eq!(c.finish().complete, 200_000);
    }

    #[test]
    fn a_torn_record_left_in_the_file_is_ended_before_the_next() {
        let dir = std::env::temp_dir().join(format!(
            "spoor-forensic-torn-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("forensic.log");
        std::fs::write(&path, b"+a|GET / HTTP/1.1\n-a\n+b|GET /b HTT").unwrap();
        let log = ForensicLog::file(&path).unwrap();
        log.write_record(b"+c|GET /c HTTP/1.1\n").unwrap();
        log.write_record(b"-c\n").unwrap();
        let data = std::fs::read(&path).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(
            data,
            b"+a|GET / HTTP/1.1\n-a\n+b|GET /b HTT\n+c|GET /c HTTP/1.1\n-c\n"
        );
    }

    #[test]
    fn check_pairs_across_files() {
        let mut c = Check::new();
        c.add(b"+b|GET /b HTTP/1.1\n+a|GET /a HTTP/1.1\n-a\n+c|x\n");
        c.add(b"-b\n+d|y\n-z\n\n+e|GET /torn");
        assert_eq!((c.started, c.finished, c.malformed), (5, 3, 1));
        let o = c.finish();
        assert_eq!(o.complete, 2);
        assert_eq!(o.incomplete_ids, 3);
        assert_eq!(o.unstarted_ids, 1);
        let got: Vec<(&[u8], usize, usize, bool)> = o
            .incomplete
            .iter()
            .map(|l| (&l.text[..], l.file, l.line, l.unterminated))
            .collect();
        assert_eq!(
            got,
            vec![
                (&b"+c|x"[..], 0, 4, false),
                (&b"+d|y"[..], 1, 2, false),
                (&b"+e|GET /torn"[..], 1, 5, true),
            ]
        );
    }
}
