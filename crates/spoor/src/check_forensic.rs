//! `spoor check-forensic FILE…`: the requests a forensic log shows as
//! started and never finished, as httpd's `check_forensic` script reports
//! them, over several files at once, optionally as JSON.
//!
//! The default output is the script's: every `+` line of every unfinished
//! request, byte for byte, ordered by id (byte order, which is the
//! script's order in the C locale) and, for one id, in file and line order.
//! The differences from the script are listed in [`LONG_ABOUT`] (shown by
//! `--help`) and in the README.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use spoor_log::escape::escape_json;
use spoor_log::forensic::{decode_plus, Check};

/// What `spoor check-forensic --help` says beyond the argument list.
pub const LONG_ABOUT: &str = "\
List the requests a forensic log (ForensicLog) shows as started and never
finished: the `+` lines of ids without a `-` line, as httpd's check_forensic
script prints them, sorted by id.

Differences from check_forensic:
  * several files are read as one log (a rotated set: a request started in
    one file and finished in the next is complete);
  * an id is matched exactly (the script greps `^+ID`, so an unfinished id
    that is a prefix of other ids, such as 12:ab:1 and 12:ab:10, also prints
    their lines);
  * an id is listed once even if several `+` lines carry it (the script
    repeats them once per line);
  * records pair in reading order: a `-` closes its id's open request (or
    waits for a later `+`), and a `+` after its id was closed is a new
    request (the script pairs ids as sets; only a reused id differs);
  * the files are streamed: memory follows the number of requests still
    open, not the size of the log; a file over 100 MB shows its progress
    when standard error is a terminal;
  * ids sort bytewise whatever the locale (the script sorts with the
    locale's collation; the same in the C locale);
  * a file holding NUL bytes is still printed line by line (grep says
    \"binary file matches\" instead);
  * exit status 1 when unfinished requests exist, 2 when a file cannot be
    read, else 0 (the script always exits 0);
  * --json prints counts and every unfinished request decoded: request line
    and headers with the %hh escapes undone (non-UTF-8 bytes as \\u00XX).";

/// `spoor check-forensic` arguments.
#[derive(Debug, clap::Args)]
#[command(about = "List the unfinished requests of forensic logs", long_about = LONG_ABOUT)]
pub struct Args {
    /// Print help (`-h`: a summary) and exit. Declared here because the
    /// top-level command gives `-h` to httpd's short usage.
    #[arg(short = 'h', long = "help", action = clap::ArgAction::Help)]
    pub help: Option<bool>,
    /// Print a JSON object with counts and the unfinished requests decoded.
    #[arg(long)]
    pub json: bool,
    /// Forensic log files, oldest first (a rotated set is read as one log).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
}

fn json_str(s: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    escape_json(s, out);
    out.push(b'"');
}

/// Files this large get a progress line when standard error is a terminal.
const PROGRESS_FROM: u64 = 100 << 20;

/// Streams one file into `check` (memory follows the open requests, not
/// the file), with a progress line for a large file on a terminal.
fn read_one(check: &mut Check, f: &Path, terminal: bool) -> std::io::Result<()> {
    let file = std::fs::File::open(f)?;
    let len = file.metadata()?.len();
    let show = terminal && len >= PROGRESS_FROM;
    let reader = std::io::BufReader::with_capacity(1 << 20, file);
    let r = check.add_reader(reader, |done| {
        if show {
            eprint!("\r{}: {}%", f.display(), done * 100 / len.max(1));
        }
    });
    if show {
        eprintln!("\r{}: done", f.display());
    }
    r
}

/// Runs the command; the exit status is 1 if unfinished requests exist, 2
/// if a file could not be read.
pub fn run(args: &Args) -> ExitCode {
    let mut check = Check::new();
    let mut names = Vec::with_capacity(args.files.len());
    let terminal = std::io::stderr().is_terminal();
    for f in &args.files {
        if let Err(e) = read_one(&mut check, f, terminal) {
            eprintln!("spoor check-forensic: {}: {e}", f.display());
            return ExitCode::from(2);
        }
        names.push(f.as_os_str().as_encoded_bytes().to_vec());
    }
    let (started, finished, malformed) = (check.started, check.finished, check.malformed);
    let outcome = check.finish();
    let mut out = Vec::new();
    if args.json {
        out.extend_from_slice(b"{\"files\":[");
        for (i, n) in names.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            json_str(n, &mut out);
        }
        let _ = write!(
            out,
            "],\"plus_records\":{started},\"minus_records\":{finished},\"other_lines\":{malformed},\
             \"complete\":{},\"incomplete\":{},\"finished_without_start\":{},\"requests\":[",
            outcome.complete, outcome.incomplete_ids, outcome.unstarted_ids
        );
        for (i, l) in outcome.incomplete.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let r = decode_plus(&l.text);
            out.extend_from_slice(b"{\"id\":");
            json_str(&r.id, &mut out);
            out.extend_from_slice(b",\"file\":");
            json_str(&names[l.file], &mut out);
            let _ = write!(out, ",\"line\":{},\"truncated\":{}", l.line, l.unterminated);
            out.extend_from_slice(b",\"request_line\":");
            match &r.request_line {
                Some(rl) => json_str(rl, &mut out),
                None => out.extend_from_slice(b"null"),
            }
            out.extend_from_slice(b",\"headers\":[");
            for (k, (n, v)) in r.headers.iter().enumerate() {
                if k > 0 {
                    out.push(b',');
                }
                out.push(b'[');
                json_str(n, &mut out);
                out.push(b',');
                json_str(v, &mut out);
                out.push(b']');
            }
            out.extend_from_slice(b"],\"raw\":");
            json_str(&l.text, &mut out);
            out.push(b'}');
        }
        out.extend_from_slice(b"]}\n");
    } else {
        for l in &outcome.incomplete {
            out.extend_from_slice(&l.text);
            out.push(b'\n');
        }
    }
    let mut so = std::io::stdout().lock();
    if so.write_all(&out).and_then(|_| so.flush()).is_err() {
        return ExitCode::from(2);
    }
    if outcome.incomplete_ids > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
