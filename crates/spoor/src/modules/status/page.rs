//! The status page (HTML) and its `?auto` form, with httpd's field names.

use std::sync::atomic::Ordering::Relaxed;

use super::board::{self, StatusConf};
use crate::http::pages::escape_html;
use crate::record::Cx;

/// httpd's `show_time`: ` 1 day 2 hours 3 minutes 4 seconds`, the parts
/// that are not zero, each after a space (nothing for 0: apache2 prints
/// `ServerUptime:` alone in its first second).
fn show_time(mut secs: u64, out: &mut String) {
    let days = secs / 86400;
    secs %= 86400;
    let hours = secs / 3600;
    secs %= 3600;
    let mins = secs / 60;
    secs %= 60;
    let mut part = |n: u64, unit: &str| {
        out.push_str(&format!(" {n} {unit}{}", if n == 1 { "" } else { "s" }));
    };
    if days > 0 {
        part(days, "day");
    }
    if hours > 0 {
        part(hours, "hour");
    }
    if mins > 0 {
        part(mins, "minute");
    }
    if secs > 0 {
        part(secs, "second");
    }
}

/// `/proc/loadavg`'s three loads, as httpd prints them (`%.2f`).
fn loads() -> [f64; 3] {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut it = text.split_whitespace().map(|v| v.parse().unwrap_or(-1.0));
    [
        it.next().unwrap_or(-1.0),
        it.next().unwrap_or(-1.0),
        it.next().unwrap_or(-1.0),
    ]
}

/// The process's CPU seconds (user, system), from `getrusage`.
fn cpu() -> (f64, f64) {
    // SAFETY: getrusage fills the zeroed struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
        return (0.0, 0.0);
    }
    // In clock ticks (1/100 s), as httpd's `times()` counts.
    let s = |t: libc::timeval| (t.tv_sec as f64 * 100.0 + (t.tv_usec / 10_000) as f64) / 100.0;
    (s(u.ru_utime), s(u.ru_stime))
}

/// A number as APR's `%g` prints these: no trailing zeros, and no zero
/// before the point (apache2 writes `CPUSystem: .01`).
fn g(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" || s == "0" {
        return "0".into();
    }
    match s.strip_prefix("0.") {
        Some(rest) => format!(".{rest}"),
        None => s.to_string(),
    }
}

/// The page for `r`, into `out`.
pub(crate) fn render(r: &Cx, auto: bool, out: &mut Vec<u8>) {
    let conf = r.cfg.status.unwrap_or(StatusConf {
        extended: true,
        mpm: "event",
        workers: 1,
    });
    let (restart, uptime, generation) = board::life();
    let tz = &r.cfg.time_zone;
    let when = |t: std::time::SystemTime| -> String {
        jiff::Timestamp::try_from(t)
            .map(|ts| {
                ts.to_zoned(tz.clone())
                    .strftime("%A, %d-%b-%Y %H:%M:%S %Z")
                    .to_string()
            })
            .unwrap_or_default()
    };
    let now = when(std::time::SystemTime::now());
    let restarted = when(restart);
    let mut up = String::new();
    show_time(uptime, &mut up);
    let [l1, l5, l15] = loads();
    let accesses = board::ACCESSES.load(Relaxed);
    let bytes = board::BYTES.load(Relaxed);
    let duration = board::DURATION_MS.load(Relaxed);
    let busy = board::BUSY.load(Relaxed);
    let conns = board::CONNS.load(Relaxed);
    let idle = conf.workers.saturating_sub(busy);
    let (cpu_u, cpu_s) = cpu();
    let per = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    let name = String::from_utf8_lossy(r.server_name_for(None)).into_owned();
    let banner = &r.cfg.banner;
    let scoreboard: String = std::iter::repeat_n('W', busy.min(conf.workers) as usize)
        .chain(std::iter::repeat_n('_', idle as usize))
        .collect();
    let mut s = String::with_capacity(2048);
    if auto {
        s.push_str(&format!(
            "{name}\nServerVersion: {banner}\nServerMPM: {}\n",
            conf.mpm
        ));
        s.push_str(&format!("CurrentTime: {now}\nRestartTime: {restarted}\n"));
        s.push_str(&format!(
            "ParentServerConfigGeneration: {generation}\nParentServerMPMGeneration: {}\n",
            generation - 1
        ));
        s.push_str(&format!(
            "ServerUptimeSeconds: {uptime}\nServerUptime:{up}\n"
        ));
        s.push_str(&format!(
            "Load1: {l1:.2}\nLoad5: {l5:.2}\nLoad15: {l15:.2}\n"
        ));
        if conf.extended {
            s.push_str(&format!(
                "Total Accesses: {accesses}\nTotal kBytes: {}\nTotal Duration: {duration}\n",
                bytes / 1024
            ));
            s.push_str(&format!(
                "CPUUser: {}\nCPUSystem: {}\nCPUChildrenUser: 0\nCPUChildrenSystem: 0\n",
                g(cpu_u),
                g(cpu_s)
            ));
            if cpu_u + cpu_s > 0.0 && uptime > 0 {
                s.push_str(&format!(
                    "CPULoad: {}\n",
                    g((cpu_u + cpu_s) / uptime as f64 * 100.0)
                ));
            }
            s.push_str(&format!("Uptime: {uptime}\n"));
            // (httpd leaves out the rates it cannot divide for.)
            if uptime > 0 {
                s.push_str(&format!(
                    "ReqPerSec: {}\nBytesPerSec: {}\n",
                    g(per(accesses as f64, uptime as f64)),
                    g(per(bytes as f64, uptime as f64)),
                ));
            }
            if accesses > 0 {
                s.push_str(&format!(
                    "BytesPerReq: {}\nDurationPerReq: {}\n",
                    g(per(bytes as f64, accesses as f64)),
                    g(per(duration as f64, accesses as f64)),
                ));
            }
        }
        s.push_str(&format!(
            "BusyWorkers: {busy}\nGracefulWorkers: 0\nIdleWorkers: {idle}\nProcesses: 1\nStopping: 0\n"
        ));
        s.push_str(&format!(
            "ConnsTotal: {conns}\nConnsAsyncWaitIO: 0\nConnsAsyncWriting: 0\nConnsAsyncKeepAlive: {}\nConnsAsyncClosing: 0\n",
            conns.saturating_sub(busy)
        ));
        s.push_str(&format!("Scoreboard: {scoreboard}\n"));
        out.extend_from_slice(s.as_bytes());
        return;
    }
    out.extend_from_slice(b"<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\" \"http://www.w3.org/TR/html4/strict.dtd\">\n<html><head>\n<title>Apache Status</title>\n</head><body>\n<h1>Apache Server Status for ");
    escape_html(name.as_bytes(), out);
    out.extend_from_slice(b" (via ");
    escape_html(r.conn.local_ip.as_bytes(), out);
    out.extend_from_slice(b")</h1>\n\n<dl><dt>Server Version: ");
    escape_html(banner.as_bytes(), out);
    s.push_str(&format!(
        "</dt>\n<dt>Server MPM: {}</dt>\n</dl><hr /><dl>\n",
        conf.mpm
    ));
    s.push_str(&format!(
        "<dt>Current Time: {now}</dt>\n<dt>Restart Time: {restarted}</dt>\n"
    ));
    s.push_str(&format!(
        "<dt>Parent Server Config. Generation: {generation}</dt>\n<dt>Parent Server MPM Generation: {}</dt>\n",
        generation - 1
    ));
    s.push_str(&format!("<dt>Server uptime: {up}</dt>\n"));
    s.push_str(&format!("<dt>Server load: {l1:.2} {l5:.2} {l15:.2}</dt>\n"));
    if conf.extended {
        s.push_str(&format!(
            "<dt>Total accesses: {accesses} - Total Traffic: {} kB - Total Duration: {duration}</dt>\n",
            bytes / 1024
        ));
        s.push_str(&format!(
            "<dt>CPU Usage: u{} s{} cu0 cs0</dt>\n",
            g(cpu_u),
            g(cpu_s)
        ));
        // (The rates httpd cannot divide for are left out, as in ?auto.)
        let mut rates = Vec::new();
        if uptime > 0 {
            rates.push(format!(
                "{} requests/sec",
                g(per(accesses as f64, uptime as f64))
            ));
            rates.push(format!("{} B/second", g(per(bytes as f64, uptime as f64))));
        }
        if accesses > 0 {
            rates.push(format!(
                "{} B/request",
                g(per(bytes as f64, accesses as f64))
            ));
            rates.push(format!(
                "{} ms/request",
                g(per(duration as f64, accesses as f64))
            ));
        }
        if !rates.is_empty() {
            s.push_str(&format!("<dt>{}</dt>\n", rates.join(" - ")));
        }
    }
    s.push_str(&format!(
        "<dt>{busy} requests currently being processed, 0 workers gracefully restarting, {idle} idle workers</dt>\n</dl>\n"
    ));
    s.push_str(&format!("<pre>{scoreboard}</pre>\n"));
    s.push_str("<p>Scoreboard Key:<br />\n\"<b><code>_</code></b>\" Waiting for Connection, \n\"<b><code>W</code></b>\" Sending Reply<br />\n</p>\n</body></html>\n");
    out.extend_from_slice(s.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_as_httpd_shows_them() {
        let t = |n| {
            let mut s = String::new();
            show_time(n, &mut s);
            s
        };
        // (apache2 -k start then ?auto one second later: "ServerUptime: 1 second".)
        assert_eq!(t(1), " 1 second");
        assert_eq!(t(0), "");
        assert_eq!(t(90061), " 1 day 1 hour 1 minute 1 second");
        assert_eq!(t(7200), " 2 hours");
    }

    #[test]
    fn numbers_as_g() {
        assert_eq!(g(1.0), "1");
        assert_eq!(g(0.0), "0");
        assert_eq!(g(0.25), ".25");
        assert_eq!(g(0.01), ".01");
        assert_eq!(g(1.5), "1.5");
        assert_eq!(g(512.0), "512");
    }
}
