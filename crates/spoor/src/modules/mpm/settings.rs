//! The MPM directives as read, and the number of requests served at once
//! they give.

/// Which MPM a configuration loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mpm {
    /// `mpm_event_module`.
    Event,
    /// `mpm_worker_module`.
    Worker,
    /// `mpm_prefork_module`.
    Prefork,
}

impl Mpm {
    /// The MPM a `LoadModule` structure name loads.
    pub fn from_ident(ident: &str) -> Option<Mpm> {
        match ident {
            "mpm_event_module" => Some(Mpm::Event),
            "mpm_worker_module" => Some(Mpm::Worker),
            "mpm_prefork_module" => Some(Mpm::Prefork),
            _ => None,
        }
    }
}

/// The values of the MPM directives, each as httpd's `atoi` reads it;
/// `None` where the configuration has none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MpmSettings {
    /// The MPM loaded, if any.
    pub mpm: Option<Mpm>,
    /// `ServerLimit`.
    pub server_limit: Option<i64>,
    /// `ThreadLimit` (event, worker).
    pub thread_limit: Option<i64>,
    /// `ThreadsPerChild` (event, worker).
    pub threads_per_child: Option<i64>,
    /// `MaxRequestWorkers` / `MaxClients`.
    pub max_request_workers: Option<i64>,
    /// `StartServers`.
    pub start_servers: Option<i64>,
    /// `MinSpareThreads` (event, worker) or `MinSpareServers` (prefork).
    pub min_spare: Option<i64>,
    /// `ListenBacklog`.
    pub listen_backlog: Option<i32>,
}

/// httpd's compile-time and default values for one MPM.
struct Limits {
    max_server_limit: i64,
    max_thread_limit: i64,
    default_server_limit: i64,
    default_thread_limit: i64,
    default_threads_per_child: i64,
}

/// httpd's check of a limit against its compile-time bound: over it, the
/// bound (warning `over` codes); under 1, 1 (warning `under`). `what` is
/// the directive, `unit` the plural of what it counts.
fn bound(v: i64, max: i64, what: &str, unit: &str, codes: (u32, u32), w: &mut Vec<String>) -> i64 {
    if v > max {
        w.push(format!(
            "AH{:05}: WARNING: {what} of {v} exceeds compile-time limit of {max} {unit}, decreasing to {max}.",
            codes.0
        ));
        max
    } else if v < 1 {
        w.push(format!(
            "AH{:05}: WARNING: {what} of {v} not allowed, increasing to 1.",
            codes.1
        ));
        1
    } else {
        v
    }
}

impl MpmSettings {
    /// The number of requests served at once: `MaxRequestWorkers` after
    /// httpd's adjustments, or `None` when no MPM is loaded (spoor's own
    /// configurations have no bound). Each adjustment adds httpd's
    /// start-up warning to `warnings`, with its message number.
    pub fn max_workers(&self, warnings: &mut Vec<String>) -> Option<usize> {
        let mpm = self.mpm?;
        let n = match mpm {
            Mpm::Prefork => self.prefork(warnings),
            Mpm::Event | Mpm::Worker => self.threaded(mpm, warnings),
        };
        Some(n.max(1) as usize)
    }

    /// prefork: one request per process, `MaxRequestWorkers` processes at
    /// most, bounded by `ServerLimit`.
    fn prefork(&self, w: &mut Vec<String>) -> i64 {
        let server_limit = bound(
            self.server_limit.unwrap_or(256),
            200_000,
            "ServerLimit",
            "servers",
            (175, 177),
            w,
        );
        let mut workers = self.max_request_workers.unwrap_or(256);
        if workers > server_limit {
            w.push(format!("AH00180: WARNING: MaxRequestWorkers of {workers} exceeds ServerLimit value of {server_limit} servers, decreasing MaxRequestWorkers to {server_limit}. To increase, please see the ServerLimit directive."));
            workers = server_limit;
        } else if workers < 1 {
            w.push(format!(
                "AH00182: WARNING: MaxRequestWorkers of {workers} not allowed, increasing to 1."
            ));
            workers = 1;
        }
        if let Some(n) = self.start_servers.filter(|&n| n < 1) {
            w.push(format!(
                "AH00184: WARNING: StartServers of {n} not allowed, increasing to 1."
            ));
        }
        if let Some(n) = self.min_spare.filter(|&n| n < 1) {
            w.push(format!("AH00186: WARNING: MinSpareServers of {n} not allowed, increasing to 1 to avoid almost certain server failure. Please read the documentation."));
        }
        workers
    }

    /// event and worker: `ThreadsPerChild` threads per process, at most
    /// `ServerLimit` processes.
    fn threaded(&self, mpm: Mpm, w: &mut Vec<String>) -> i64 {
        let event = mpm == Mpm::Event;
        let l = Limits {
            max_server_limit: 20_000,
            max_thread_limit: if event { 100_000 } else { 20_000 },
            default_server_limit: 16,
            default_thread_limit: 64,
            default_threads_per_child: 25,
        };
        // httpd's message numbers: event's, worker's.
        let ah = |e: u32, wk: u32| if event { e } else { wk };
        let server_limit = bound(
            self.server_limit.unwrap_or(l.default_server_limit),
            l.max_server_limit,
            "ServerLimit",
            "servers",
            (ah(497, 300), ah(499, 302)),
            w,
        );
        let thread_limit = bound(
            self.thread_limit.unwrap_or(l.default_thread_limit),
            l.max_thread_limit,
            "ThreadLimit",
            "threads",
            (ah(502, 305), ah(504, 307)),
            w,
        );
        let mut per_child = self
            .threads_per_child
            .unwrap_or(l.default_threads_per_child);
        if per_child > thread_limit {
            w.push(format!("AH{:05}: WARNING: ThreadsPerChild of {per_child} exceeds ThreadLimit of {thread_limit} threads, decreasing to {thread_limit}. To increase, please see the ThreadLimit directive.", ah(507, 310)));
            per_child = thread_limit;
        } else if per_child < 1 {
            w.push(format!(
                "AH{:05}: WARNING: ThreadsPerChild of {per_child} not allowed, increasing to 1.",
                ah(509, 312)
            ));
            per_child = 1;
        }
        // httpd's default is its default ServerLimit times its default
        // ThreadsPerChild, whatever the configured ones.
        let mut workers = self
            .max_request_workers
            .unwrap_or(l.default_server_limit * l.default_threads_per_child);
        if workers < per_child {
            w.push(format!("AH{:05}: WARNING: MaxRequestWorkers of {workers} is less than ThreadsPerChild of {per_child}, increasing to {per_child}. MaxRequestWorkers must be at least as large as the number of threads in a single server.", ah(511, 314)));
            workers = per_child;
        }
        let servers = workers / per_child;
        if workers % per_child != 0 {
            let rounded = servers * per_child;
            w.push(format!("AH{:05}: WARNING: MaxRequestWorkers of {workers} is not an integer multiple of ThreadsPerChild of {per_child}, decreasing to nearest multiple {rounded}, for a maximum of {servers} servers.", ah(513, 316)));
            workers = rounded;
        }
        if servers > server_limit {
            let most = server_limit * per_child;
            w.push(format!("AH{:05}: WARNING: MaxRequestWorkers of {workers} would require {servers} servers and would exceed ServerLimit of {server_limit}, decreasing to {most}. To increase, please see the ServerLimit directive.", ah(515, 318)));
            workers = most;
        }
        if let Some(n) = self.start_servers.filter(|&n| n < 1) {
            w.push(format!(
                "AH{:05}: WARNING: StartServers of {n} not allowed, increasing to 1.",
                ah(517, 320)
            ));
        }
        if let Some(n) = self.min_spare.filter(|&n| n < 1) {
            w.push(format!("AH{:05}: WARNING: MinSpareThreads of {n} not allowed, increasing to 1 to avoid almost certain server failure. Please read the documentation.", ah(519, 322)));
        }
        workers
    }
}

/// httpd's `atoi`: optional white space and sign, then digits (anything
/// after them ignored; no digits is 0), saturating.
pub fn atoi(s: &str) -> i64 {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let end = digits
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len());
    let v: i64 = digits[..end]
        .parse()
        .unwrap_or(if end == 0 { 0 } else { i64::from(i32::MAX) });
    let v = v.min(i64::from(i32::MAX));
    if neg {
        -v
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: MpmSettings) -> (usize, Vec<String>) {
        let mut w = Vec::new();
        let n = s.max_workers(&mut w).unwrap();
        (n, w)
    }

    fn event() -> MpmSettings {
        MpmSettings {
            mpm: Some(Mpm::Event),
            ..Default::default()
        }
    }

    // Every expected message below is what apache2 -t printed for the
    // same directives.
    #[test]
    fn event_defaults_and_debian() {
        assert_eq!(run(event()), (400, vec![]));
        let debian = MpmSettings {
            start_servers: Some(2),
            min_spare: Some(25),
            thread_limit: Some(64),
            threads_per_child: Some(25),
            max_request_workers: Some(150),
            ..event()
        };
        assert_eq!(run(debian), (150, vec![]));
        assert_eq!(MpmSettings::default().max_workers(&mut Vec::new()), None);
    }

    #[test]
    fn event_adjustments_as_apache2() {
        let (n, w) = run(MpmSettings {
            threads_per_child: Some(1000),
            max_request_workers: Some(99999),
            ..event()
        });
        assert_eq!(n, 1024);
        assert_eq!(w, vec![
            "AH00507: WARNING: ThreadsPerChild of 1000 exceeds ThreadLimit of 64 threads, decreasing to 64. To increase, please see the ThreadLimit directive.",
            "AH00513: WARNING: MaxRequestWorkers of 99999 is not an integer multiple of ThreadsPerChild of 64, decreasing to nearest multiple 99968, for a maximum of 1562 servers.",
            "AH00515: WARNING: MaxRequestWorkers of 99968 would require 1562 servers and would exceed ServerLimit of 16, decreasing to 1024. To increase, please see the ServerLimit directive.",
        ]);
        let (n, w) = run(MpmSettings {
            server_limit: Some(-3),
            ..event()
        });
        assert_eq!(n, 25);
        assert_eq!(w, vec![
            "AH00499: WARNING: ServerLimit of -3 not allowed, increasing to 1.",
            "AH00515: WARNING: MaxRequestWorkers of 400 would require 16 servers and would exceed ServerLimit of 1, decreasing to 25. To increase, please see the ServerLimit directive.",
        ]);
        let (n, w) = run(MpmSettings {
            thread_limit: Some(0),
            ..event()
        });
        assert_eq!(n, 16);
        assert_eq!(w, vec![
            "AH00504: WARNING: ThreadLimit of 0 not allowed, increasing to 1.",
            "AH00507: WARNING: ThreadsPerChild of 25 exceeds ThreadLimit of 1 threads, decreasing to 1. To increase, please see the ThreadLimit directive.",
            "AH00515: WARNING: MaxRequestWorkers of 400 would require 400 servers and would exceed ServerLimit of 16, decreasing to 16. To increase, please see the ServerLimit directive.",
        ]);
        let (n, w) = run(MpmSettings {
            max_request_workers: Some(0),
            start_servers: Some(0),
            min_spare: Some(0),
            ..event()
        });
        assert_eq!(n, 25);
        assert_eq!(w, vec![
            "AH00511: WARNING: MaxRequestWorkers of 0 is less than ThreadsPerChild of 25, increasing to 25. MaxRequestWorkers must be at least as large as the number of threads in a single server.",
            "AH00517: WARNING: StartServers of 0 not allowed, increasing to 1.",
            "AH00519: WARNING: MinSpareThreads of 0 not allowed, increasing to 1 to avoid almost certain server failure. Please read the documentation.",
        ]);
    }

    #[test]
    fn worker_and_prefork_as_apache2() {
        let (n, w) = run(MpmSettings {
            mpm: Some(Mpm::Worker),
            thread_limit: Some(200000),
            max_request_workers: Some(15),
            ..Default::default()
        });
        assert_eq!(n, 25);
        assert_eq!(w, vec![
            "AH00305: WARNING: ThreadLimit of 200000 exceeds compile-time limit of 20000 threads, decreasing to 20000.",
            "AH00314: WARNING: MaxRequestWorkers of 15 is less than ThreadsPerChild of 25, increasing to 25. MaxRequestWorkers must be at least as large as the number of threads in a single server.",
        ]);
        let prefork = |s: MpmSettings| {
            run(MpmSettings {
                mpm: Some(Mpm::Prefork),
                ..s
            })
        };
        assert_eq!(prefork(MpmSettings::default()), (256, vec![]));
        assert_eq!(
            prefork(MpmSettings {
                max_request_workers: Some(1000),
                ..Default::default()
            }),
            (256, vec!["AH00180: WARNING: MaxRequestWorkers of 1000 exceeds ServerLimit value of 256 servers, decreasing MaxRequestWorkers to 256. To increase, please see the ServerLimit directive.".to_string()])
        );
        assert_eq!(
            prefork(MpmSettings {
                server_limit: Some(0),
                max_request_workers: Some(0),
                ..Default::default()
            }),
            (
                1,
                vec![
                    "AH00177: WARNING: ServerLimit of 0 not allowed, increasing to 1.".to_string(),
                    "AH00182: WARNING: MaxRequestWorkers of 0 not allowed, increasing to 1."
                        .to_string(),
                ]
            )
        );
    }

    #[test]
    fn atoi_as_c() {
        assert_eq!(atoi("abc"), 0);
        assert_eq!(atoi(" 12x"), 12);
        assert_eq!(atoi("-5"), -5);
        assert_eq!(atoi("99999999999999"), i64::from(i32::MAX));
    }
}
