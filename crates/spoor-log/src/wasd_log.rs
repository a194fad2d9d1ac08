//! WASD's generated access-log names and its `[LogExcludeHosts]` matcher.
//!
//! With `[LogPeriod]` or `[LogPerService]` WASD names the log file itself:
//! `<dir>/<HOST>_<port>[_<YYYYMMDD>]_ACCESS.LOG`, in upper case, where
//! `<HOST>` follows `[LogNaming]`:
//!
//! * `NAME` (the default): the host name's first dot-separated label;
//! * `HOST`: the whole host name, dots turned into hyphens, cut so that
//!   the name before `.LOG` is at most 39 characters (ODS-2's limit);
//! * `ADDRESS`: the service's IP address, dots (and an IPv6 address's
//!   colons) turned into hyphens.
//!
//! `[LogPerServiceHostOnly]` leaves the port out. The date is the start
//! of the period (see [`crate::sink::Period`]). spoor applies the
//! 39-character cut whatever the naming, so every generated name fits.
//!
//! The functions here are pure; [`crate::sink::PeriodicName::Wasd`] uses
//! them to name each period's file.

use crate::glob;
use std::path::PathBuf;

use jiff::civil::Date;

/// The longest generated name before `.LOG` (ODS-2's 39-character name).
pub const MAX_NAME: usize = 39;

/// `[LogNaming]`: what part of the service names its log file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogNaming {
    /// The host name's first label (`wasd.dsto.defence.gov.au` → `WASD`).
    #[default]
    Name,
    /// The whole host name, hyphens for dots, cut to fit.
    Host,
    /// The IP address, hyphens for dots.
    Address,
}

impl LogNaming {
    /// Parses `NAME`, `HOST` or `ADDRESS` (any case).
    pub fn parse(s: &str) -> Result<LogNaming, String> {
        match s.to_ascii_uppercase().as_str() {
            "NAME" => Ok(LogNaming::Name),
            "HOST" => Ok(LogNaming::Host),
            "ADDRESS" => Ok(LogNaming::Address),
            _ => Err(format!(
                "log naming must be NAME, HOST or ADDRESS, not '{s}'"
            )),
        }
    }
}

/// A WASD generated log name, before the date is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WasdLogName {
    /// The directory the files go in (`HTTPD$LOG`'s directory part).
    pub dir: PathBuf,
    /// The host component, upper case, hyphens for dots, not yet cut.
    pub host: String,
    /// The port component; `None` with `[LogPerServiceHostOnly]`.
    pub port: Option<u16>,
}

impl WasdLogName {
    /// The name of the log of the service `host_name` (its host name) /
    /// `address` (its IP address as text) on `port` (`None`: host only),
    /// in `dir`.
    pub fn new(
        dir: impl Into<PathBuf>,
        naming: LogNaming,
        host_name: &str,
        address: &str,
        port: Option<u16>,
    ) -> WasdLogName {
        let src = match naming {
            LogNaming::Name => host_name.split('.').next().unwrap_or(""),
            LogNaming::Host => host_name.strip_suffix('.').unwrap_or(host_name),
            LogNaming::Address => address,
        };
        let host = src
            .chars()
            .map(|c| match c {
                '.' | ':' => '-',
                c => c.to_ascii_uppercase(),
            })
            .collect();
        WasdLogName {
            dir: dir.into(),
            host,
            port,
        }
    }

    /// The file name: `HOST_PORT[_YYYYMMDD]_ACCESS.LOG`, the host cut so
    /// that the part before `.LOG` is at most [`MAX_NAME`] characters.
    pub fn file_name(&self, date: Option<Date>) -> String {
        let mut rest = String::new();
        if let Some(p) = self.port {
            rest.push('_');
            rest.push_str(itoa::Buffer::new().format(p));
        }
        if let Some(d) = date {
            rest.push_str(&format!("_{:04}{:02}{:02}", d.year(), d.month(), d.day()));
        }
        rest.push_str("_ACCESS");
        let room = MAX_NAME.saturating_sub(rest.len());
        let host: String = self.host.chars().take(room).collect();
        format!("{host}{rest}.LOG")
    }

    /// The path: [`WasdLogName::dir`] joined with
    /// [`WasdLogName::file_name`].
    pub fn path(&self, date: Option<Date>) -> PathBuf {
        self.dir.join(self.file_name(date))
    }
}

/// A service as its generated log name needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceName<'a> {
    /// The service's host name.
    pub host: &'a str,
    /// The service's IP address, as text.
    pub address: &'a str,
    /// The service's port.
    pub port: u16,
}

/// Which generated file each service logs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogPlan {
    /// The distinct files.
    pub files: Vec<WasdLogName>,
    /// For each service (in the order given), its index in `files`.
    pub service_file: Vec<usize>,
}

/// Plans the generated log files of a WASD configuration:
///
/// * `[LogPerService]` (`per_service`): one file per service, named from
///   that service; services whose names come out the same (same host with
///   `[LogPerServiceHostOnly]`, or the same first label with `NAME`) share
///   one file, as WASD combines their entries;
/// * otherwise (a `[LogPeriod]` without per-service logs) one file, named
///   after the first configured service.
///
/// No services, no files.
pub fn plan(
    dir: &std::path::Path,
    naming: LogNaming,
    per_service: bool,
    host_only: bool,
    services: &[ServiceName<'_>],
) -> LogPlan {
    let name = |s: &ServiceName<'_>| {
        WasdLogName::new(
            dir,
            naming,
            s.host,
            s.address,
            (!host_only).then_some(s.port),
        )
    };
    let mut files: Vec<WasdLogName> = Vec::new();
    let mut service_file = Vec::with_capacity(services.len());
    for (i, s) in services.iter().enumerate() {
        if !per_service && i > 0 {
            service_file.push(0);
            continue;
        }
        let n = name(s);
        let at = match files.iter().position(|f| *f == n) {
            Some(j) => j,
            None => {
                files.push(n);
                files.len() - 1
            }
        };
        service_file.push(at);
    }
    LogPlan {
        files,
        service_file,
    }
}

/// `[LogExcludeHosts]`: host or address patterns whose requests are not
/// logged anywhere.
///
/// Values are comma- (or space-) separated; `*` matches any run of
/// characters (`*.wasd.dsto.defence.gov.au`, `131.185.250.*`). Matching
/// ignores case and is tried against the client's address and, when a
/// host name was looked up, against that name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostPatterns {
    patterns: Vec<String>,
}

impl HostPatterns {
    /// Collects the patterns of one or more `[LogExcludeHosts]` lines.
    pub fn parse<'a>(lines: impl IntoIterator<Item = &'a str>) -> HostPatterns {
        let mut patterns = Vec::new();
        for l in lines {
            for p in l.split(|c: char| c == ',' || c.is_ascii_whitespace()) {
                if !p.is_empty() {
                    patterns.push(p.to_ascii_lowercase());
                }
            }
        }
        HostPatterns { patterns }
    }

    /// The patterns, lower case.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The first pattern that could only match a host name (WASD requires
    /// numeric patterns when DNS lookup is off): anything besides digits,
    /// dots and `*`, or an IPv6 form (hex digits, colons, dots, `*`).
    pub fn first_non_numeric(&self) -> Option<&str> {
        self.patterns
            .iter()
            .find(|p| {
                let v4 = p
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b'.' || b == b'*');
                let v6 = p.contains(':')
                    && p.bytes()
                        .all(|b| b.is_ascii_hexdigit() || matches!(b, b':' | b'.' | b'*'));
                !(v4 || v6)
            })
            .map(String::as_str)
    }

    /// Whether a request from `addr` (and `host`, when looked up) is
    /// excluded.
    pub fn matches(&self, addr: &str, host: Option<&str>) -> bool {
        self.patterns.iter().any(|p| {
            glob::matches(glob::WASD, p.as_bytes(), addr.as_bytes())
                || host.is_some_and(|h| glob::matches(glob::WASD, p.as_bytes(), h.as_bytes()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const HOST: &str = "wasd.dsto.defence.gov.au";
    const ADDR: &str = "131.185.250.202";

    fn name(naming: LogNaming, port: Option<u16>, d: Option<Date>) -> String {
        WasdLogName::new("HT_LOGS", naming, HOST, ADDR, port).file_name(d)
    }

    /// Every generated name the WASD v7.1 overview shows (6.5.2, 6.5.4).
    #[test]
    fn documented_examples() {
        let d = Some(date(1997, 10, 13));
        // Per-service, no period.
        assert_eq!(
            name(LogNaming::Address, Some(80), None),
            "131-185-250-202_80_ACCESS.LOG"
        );
        assert_eq!(
            name(LogNaming::Host, Some(80), None),
            "WASD-DSTO-DEFENCE-GOV-AU_80_ACCESS.LOG"
        );
        assert_eq!(name(LogNaming::Name, Some(80), None), "WASD_80_ACCESS.LOG");
        // Per-period.
        assert_eq!(
            name(LogNaming::Address, Some(80), d),
            "131-185-250-202_80_19971013_ACCESS.LOG"
        );
        assert_eq!(
            name(LogNaming::Host, Some(80), d),
            "WASD-DSTO-DEFENCE-GO_80_19971013_ACCESS.LOG"
        );
        assert_eq!(
            name(LogNaming::Name, Some(80), d),
            "WASD_80_19971013_ACCESS.LOG"
        );
        // 6.5.2's HT_LOGS:WASD_80_19971013_ACCESS.LOG, with its directory.
        assert_eq!(
            WasdLogName::new("HT_LOGS", LogNaming::Name, HOST, ADDR, Some(80)).path(d),
            PathBuf::from("HT_LOGS/WASD_80_19971013_ACCESS.LOG")
        );
    }

    #[test]
    fn cut_to_39() {
        let d = Some(date(1997, 10, 13));
        let n = name(LogNaming::Host, Some(80), d);
        assert_eq!(n.len() - ".LOG".len(), MAX_NAME);
        // Host only: the port's room goes to the host.
        assert_eq!(
            name(LogNaming::Host, None, d),
            "WASD-DSTO-DEFENCE-GOV-A_19971013_ACCESS.LOG"
        );
        assert_eq!(
            name(LogNaming::Host, None, None),
            "WASD-DSTO-DEFENCE-GOV-AU_ACCESS.LOG"
        );
        assert_eq!(name(LogNaming::Name, None, None), "WASD_ACCESS.LOG");
        // A five-digit port.
        assert_eq!(
            name(LogNaming::Host, Some(65535), d),
            "WASD-DSTO-DEFENCE_65535_19971013_ACCESS.LOG"
        );
        // A very long NAME label is cut too.
        let long = "averyveryveryverylonglonglonglongname.example";
        let n = WasdLogName::new("", LogNaming::Name, long, ADDR, Some(80)).file_name(None);
        assert_eq!(n, "AVERYVERYVERYVERYLONGLONGLONG_80_ACCESS.LOG");
        assert_eq!(n.len() - 4, MAX_NAME);
    }

    #[test]
    fn ipv6_address_and_trailing_dot() {
        let n = WasdLogName::new("", LogNaming::Address, "x", "::1", Some(8080)).file_name(None);
        assert_eq!(n, "--1_8080_ACCESS.LOG");
        let n = WasdLogName::new("", LogNaming::Host, "a.b.", ADDR, Some(80)).file_name(None);
        assert_eq!(n, "A-B_80_ACCESS.LOG");
    }

    #[test]
    fn plans() {
        let svc = [
            ServiceName {
                host: "alpha.wasd.dsto.defence.gov.au",
                address: "131.185.250.1",
                port: 80,
            },
            ServiceName {
                host: "alpha.wasd.dsto.defence.gov.au",
                address: "131.185.250.1",
                port: 8080,
            },
            ServiceName {
                host: "beta.wasd.dsto.defence.gov.au",
                address: "131.185.250.2",
                port: 80,
            },
            ServiceName {
                host: "beta.wasd.dsto.defence.gov.au",
                address: "131.185.250.2",
                port: 8000,
            },
        ];
        let names =
            |p: &LogPlan| -> Vec<String> { p.files.iter().map(|f| f.file_name(None)).collect() };
        let dir = std::path::Path::new("logs");
        // Per service: the overview's four-service example, one file each.
        let p = plan(dir, LogNaming::Name, true, false, &svc);
        assert_eq!(
            names(&p),
            [
                "ALPHA_80_ACCESS.LOG",
                "ALPHA_8080_ACCESS.LOG",
                "BETA_80_ACCESS.LOG",
                "BETA_8000_ACCESS.LOG"
            ]
        );
        assert_eq!(p.service_file, [0, 1, 2, 3]);
        // Host only: the ports of a host share one file.
        let p = plan(dir, LogNaming::Name, true, true, &svc);
        assert_eq!(names(&p), ["ALPHA_ACCESS.LOG", "BETA_ACCESS.LOG"]);
        assert_eq!(p.service_file, [0, 0, 1, 1]);
        // A period without per-service logs: the first service names the one file.
        let p = plan(dir, LogNaming::Address, false, false, &svc);
        assert_eq!(names(&p), ["131-185-250-1_80_ACCESS.LOG"]);
        assert_eq!(p.service_file, [0, 0, 0, 0]);
        assert_eq!(p.files[0].dir, dir);
        let p = plan(dir, LogNaming::Host, false, false, &[]);
        assert!(p.files.is_empty() && p.service_file.is_empty());
    }

    #[test]
    fn naming_parse() {
        assert_eq!(LogNaming::parse("host"), Ok(LogNaming::Host));
        assert_eq!(LogNaming::parse("ADDRESS"), Ok(LogNaming::Address));
        assert_eq!(LogNaming::parse("Name"), Ok(LogNaming::Name));
        assert!(LogNaming::parse("ip").is_err());
    }

    #[test]
    fn exclude_hosts() {
        // The directive listing's two examples, on one line.
        let h = HostPatterns::parse(["*.wasd.dsto.defence.gov.au, 131.185.250.*"]);
        assert_eq!(h.patterns().len(), 2);
        assert!(h.matches("131.185.250.7", None));
        assert!(!h.matches("131.185.251.7", None));
        assert!(!h.matches("10.0.0.1", Some("wasd.dsto.defence.gov.au")));
        assert!(h.matches("10.0.0.1", Some("Alpha.WASD.dsto.defence.gov.au")));
        assert!(!h.matches("10.0.0.1", None));
        assert_eq!(h.first_non_numeric(), Some("*.wasd.dsto.defence.gov.au"));
        // Several lines, plain and wildcard-in-the-middle patterns.
        let h = HostPatterns::parse(["127.0.0.1", "10.*.1,  ::1"]);
        assert!(h.matches("127.0.0.1", None));
        assert!(!h.matches("127.0.0.10", None));
        assert!(h.matches("10.2.3.1", None));
        assert!(!h.matches("10.2.3.12", None));
        assert!(h.matches("::1", None));
        assert_eq!(h.first_non_numeric(), None);
        assert!(HostPatterns::parse([" , "]).is_empty());
        assert!(HostPatterns::parse(["*"]).matches("1.2.3.4", None));
    }

    #[test]
    fn glob_edges() {
        let glob = |p: &[u8], s: &[u8]| glob::matches(glob::WASD, p, s);
        assert!(glob(b"a*b*c", b"aXXbYYc"));
        assert!(!glob(b"a*b*c", b"aXXbYY"));
        assert!(glob(b"**", b""));
        assert!(glob(b"a*", b"a"));
        assert!(!glob(b"", b"a"));
        assert!(glob(b"*abc", b"ababc"));
    }
}
