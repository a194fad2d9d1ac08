//! Threads appending combined-log records to one file as fast as they can,
//! through `Sink::write_record` (each thread its own `write(2)`) or
//! `Sink::write_record_grouped` (group commit), and the process's CPU time
//! per record. BENCHMARKS.md ("Group commit") has the numbers.
//!
//! `cargo run --release -p spoor-log --example sink_contention -- THREADS plain|grouped [FILE]`
//!
//! The file (default `sink_contention.log` in the system's temporary
//! directory) is replaced and removed again; every record is counted back.

use spoor_log::sink::{Sink, SinkOptions};
use std::sync::Arc;
use std::time::Instant;

const RECORDS: usize = 200_000;

/// The process's user + system CPU seconds.
fn cpu_seconds() -> f64 {
    // SAFETY: a zeroed rusage is valid for getrusage to fill in.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is a valid rusage to write into.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let secs = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    secs(ru.ru_utime) + secs(ru.ru_stime)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let threads: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(2).max(1);
    let grouped = match args.get(2).map(String::as_str) {
        Some("grouped") => true,
        Some("plain") | None => false,
        Some(other) => panic!("plain or grouped, not {other}"),
    };
    let path = args.get(3).map_or_else(
        || std::env::temp_dir().join("sink_contention.log"),
        std::path::PathBuf::from,
    );
    let _ = std::fs::remove_file(&path);
    let sink = Arc::new(Sink::file(&path, &SinkOptions::default()).expect("open the file"));
    let line = "127.0.0.1 - - [05/Dec/2026:00:00:00 +0000] \"GET /index.html HTTP/1.1\" 200 1024 \
                \"http://bench.test/index.html\" \"Mozilla/5.0 (X11; Linux x86_64; rv:109.0) \
                Gecko/20100101\"\n";
    let per = RECORDS / threads;
    let (start, cpu) = (Instant::now(), cpu_seconds());
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let sink = Arc::clone(&sink);
            std::thread::spawn(move || {
                for _ in 0..per {
                    let r = if grouped {
                        sink.write_record_grouped(line.as_bytes())
                    } else {
                        sink.write_record(line.as_bytes())
                    };
                    r.expect("write");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("writer thread");
    }
    let (wall, cpu) = (start.elapsed().as_secs_f64(), cpu_seconds() - cpu);
    sink.close().expect("close");
    let data = std::fs::read(&path).expect("read back");
    let _ = std::fs::remove_file(&path);
    let n = data.iter().filter(|&&b| b == b'\n').count();
    assert_eq!(n, per * threads, "records counted back");
    println!(
        "{threads} threads, {}: {n} records in {:.0} ms, {:.2} us of CPU per record",
        if grouped { "grouped" } else { "plain" },
        wall * 1e3,
        cpu / n as f64 * 1e6
    );
}
