//! Where rendered access-log lines go.
//!
//! Each line is handed to the kernel with one `write(2)` (retried only for
//! the rest of a short write), so lines from concurrent connections never
//! interleave: writes to a pipe are atomic below `PIPE_BUF`, and a file is
//! opened with `O_APPEND`.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// An access-log destination.
#[derive(Debug)]
pub enum LogSink {
    /// Standard output (file descriptor 1), unbuffered.
    Stdout,
    /// A file opened for appending.
    File(File),
}

impl LogSink {
    /// Opens (creating it with mode 0644 if needed) `path` for appending.
    pub fn open_append(path: &Path) -> io::Result<LogSink> {
        let f = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o644)
            .open(path)?;
        Ok(LogSink::File(f))
    }

    /// Writes one complete record.
    pub fn write_record(&self, line: &[u8]) -> io::Result<()> {
        match self {
            LogSink::Stdout => write_fd(1, line),
            LogSink::File(f) => (&*f).write_all(line),
        }
    }
}

fn write_fd(fd: i32, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        // SAFETY: `buf` is a valid, initialized slice for the whole call.
        let n = unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        buf = &buf[n as usize..];
    }
    Ok(())
}
