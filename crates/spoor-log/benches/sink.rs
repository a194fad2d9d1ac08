//! Criterion bench of the sink's write path: one access-log record handed
//! to `Sink::write_record`, unbuffered, to `/dev/null` (what the sink adds
//! around the system call) and to a regular file in the temp directory
//! (truncated between batches, outside the timed part).

use std::time::{Duration, Instant};

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use spoor_log::sink::{Sink, SinkOptions};

const RECORD: &[u8] = b"127.0.0.1 - - [04/Dec/2026:08:50:00 +0000] \"GET /index.html HTTP/1.1\" 200 5120 \"http://www.example.test/start.html\" \"Mozilla/5.0 (X11; Linux x86_64) bench/1.0\"\n";

fn bench(c: &mut Criterion) {
    let opts = SinkOptions::default();
    let null = Sink::file("/dev/null", &opts).expect("open /dev/null");
    c.bench_function("sink/write_record /dev/null", |b| {
        b.iter(|| null.write_record(black_box(RECORD)).unwrap())
    });

    let path = std::env::temp_dir().join(format!("spoor-sink-bench-{}.log", std::process::id()));
    let file = Sink::file(&path, &opts).expect("open the bench file");
    c.bench_function("sink/write_record file", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(100_000);
                let t = Instant::now();
                for _ in 0..n {
                    file.write_record(black_box(RECORD)).unwrap();
                }
                total += t.elapsed();
                left -= n;
                // Keep the file small; not timed.
                std::fs::File::options()
                    .write(true)
                    .open(&path)
                    .and_then(|f| f.set_len(0))
                    .unwrap();
            }
            total
        })
    });
    drop(file);
    let _ = std::fs::remove_file(&path);
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
