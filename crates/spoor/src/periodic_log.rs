//! Periodic access logs in both dialects: the `period=` argument of
//! `CustomLog`/`GlobalLog` (a spoor extension) and the sinks opened for
//! them and for WASD's `[LogPeriod]`.
//!
//! ```apache
//! CustomLog "logs/access_%Y%m%d.log" combined period=daily
//! CustomLog "logs/week_of_%Y-%m-%d.log" common period=sunday env=!dontlog
//! ```
//!
//! The target is a `strftime` pattern expanded with the local date the
//! period starts on (the day; the last given weekday on or before it; the
//! first of the month). The file switches on the first record written after
//! local midnight of a new period, inside the server, with no piped
//! `rotatelogs`; no record is lost or written twice across the switch
//! (see `spoor_log::sink::periodic`). Directories named by the date
//! (`logs/%Y-%m/access.log`) are created at start-up and when a period
//! begins, with the permissions (and, as root, the owner) of their parent;
//! the part of the path before the first `%` must exist. httpd itself
//! refuses `period=`, so a configuration that uses it is spoor-only.

use std::path::PathBuf;

use spoor_log::sink::{Period, PeriodicName, PeriodicSpec, Sink, SinkOptions};
use spoor_log::TimeZone;

use crate::config::error::ConfigError;
use crate::config::model::{LogSpec, Settings};
use crate::config::tree::Directive;

/// Removes a `period=` argument (after the target and format) from a
/// `CustomLog`/`GlobalLog` argument list and checks it: a known period,
/// a file target (not a piped logger), and a target with a date
/// conversion in it.
pub fn take_period_arg(d: &Directive, args: &mut Vec<&str>) -> Result<Option<Period>, ConfigError> {
    let Some(i) = args
        .iter()
        .skip(2)
        .position(|a| a.len() >= 7 && a[..7].eq_ignore_ascii_case("period="))
    else {
        return Ok(None);
    };
    let v = args.remove(i + 2);
    let period = Period::parse(&v[7..]).map_err(|m| ConfigError::directive(d, m))?;
    let target = args[0];
    if target.starts_with('|') {
        return Err(ConfigError::directive(
            d,
            "period= applies to log files, not to piped loggers",
        ));
    }
    if !PeriodicName::Pattern(PathBuf::from(target)).is_dated() {
        return Err(ConfigError::directive(
            d,
            format!(
                "with period= the log file name needs a date conversion such as %Y%m%d, or every period would write to '{target}'"
            ),
        ));
    }
    Ok(Some(period))
}

/// Opens the sink of a periodic log: a pattern relative to ServerRoot, or
/// a WASD generated name in a directory relative to ServerRoot. Periods
/// start at midnight in `tz`.
pub fn open(
    settings: &Settings,
    spec: &LogSpec,
    period: Period,
    tz: &TimeZone,
    opts: &SinkOptions,
) -> Result<Sink, String> {
    check_dir(settings, spec, period, tz)?;
    open_io(settings, spec, period, tz, opts)
        .map_err(|e| open_error(settings, spec, period, tz, &e))
}

fn periodic_name(settings: &Settings, spec: &LogSpec) -> PeriodicName {
    match &spec.wasd_name {
        Some(w) => {
            let mut w = w.clone();
            w.dir = settings.root_relative(&w.dir.to_string_lossy());
            PeriodicName::Wasd(w)
        }
        None => PeriodicName::Pattern(settings.root_relative(&spec.target)),
    }
}

/// The name the periodic sink of `spec` carries ([`Sink::name`]): the
/// pattern, or the WASD name without a date.
pub fn name(settings: &Settings, spec: &LogSpec) -> PathBuf {
    match periodic_name(settings, spec) {
        PeriodicName::Pattern(p) => p,
        PeriodicName::Wasd(w) => w.dir.join(w.file_name(None)),
    }
}

fn periodic_spec(
    settings: &Settings,
    spec: &LogSpec,
    period: Period,
    tz: &TimeZone,
) -> PeriodicSpec {
    PeriodicSpec {
        time_zone: tz.clone(),
        ..PeriodicSpec::new(period, periodic_name(settings, spec))
    }
}

/// Checks that the directory the log's files go into exists (httpd's
/// AH02297 wording): for a pattern whose directories carry the date
/// (`logs/%Y-%m/access.log`), its fixed part (`logs/`), since the dated
/// ones are created when a period begins; else the file's directory.
pub fn check_dir(
    settings: &Settings,
    spec: &LogSpec,
    period: Period,
    tz: &TimeZone,
) -> Result<(), String> {
    let ps = periodic_spec(settings, spec, period, tz);
    let (shown, must_exist) = match &ps.name {
        PeriodicName::Wasd(w) => (w.dir.clone(), w.dir.clone()),
        PeriodicName::Pattern(p) => {
            let dir = p.parent().map(PathBuf::from).unwrap_or_default();
            match ps.name.fixed_dir() {
                Some(fixed) => (fixed.clone(), fixed),
                None => (dir.clone(), dir),
            }
        }
    };
    if !must_exist.as_os_str().is_empty() && !must_exist.is_dir() {
        return Err(format!(
            "AH02297: Cannot access directory '{}/' for log file '{}' defined at {}:{}",
            shown.display(),
            spec.target,
            spec.file.display(),
            spec.line
        ));
    }
    Ok(())
}

/// Opens the periodic sink (the current period's file), the error as the
/// system reported it.
pub fn open_io(
    settings: &Settings,
    spec: &LogSpec,
    period: Period,
    tz: &TimeZone,
    opts: &SinkOptions,
) -> std::io::Result<Sink> {
    Sink::periodic(periodic_spec(settings, spec, period, tz), opts)
}

/// The message for a periodic file [`open_io`] could not open (AH00649,
/// naming the current period's file).
pub fn open_error(
    settings: &Settings,
    spec: &LogSpec,
    period: Period,
    tz: &TimeZone,
    e: &std::io::Error,
) -> String {
    let ps = periodic_spec(settings, spec, period, tz);
    let first = ps.at(ps.clock.now_us()).1;
    format!(
        "AH00649: could not open transfer log file {}: {e}",
        first.display()
    )
}

/// Opens the sinks of a WASD [`LogPlan`](spoor_log::wasd_log::LogPlan),
/// one per planned file, in order: plain files named without a date, or
/// with `period` periodic files named with the period's start date
/// (periods start at midnight in `tz`). Directories in the plan are used
/// as given (make them absolute first).
pub fn open_wasd(
    plan: &spoor_log::wasd_log::LogPlan,
    period: Option<Period>,
    tz: &TimeZone,
    opts: &SinkOptions,
) -> Result<Vec<Sink>, String> {
    plan.files
        .iter()
        .map(|name| match period {
            None => {
                let path = name.path(None);
                Sink::file(&path, opts)
                    .map_err(|e| format!("could not open the access log {}: {e}", path.display()))
            }
            Some(period) => {
                let spec = PeriodicSpec {
                    time_zone: tz.clone(),
                    ..PeriodicSpec::new(period, PeriodicName::Wasd(name.clone()))
                };
                Sink::periodic(spec, opts).map_err(|e| {
                    format!(
                        "could not open the access log {}: {e}",
                        name.path(Some(today_in(tz))).display()
                    )
                })
            }
        })
        .collect()
}

/// Today's date in `tz` (for messages).
fn today_in(tz: &TimeZone) -> spoor_log::sink::periodic::Date {
    let spec = PeriodicSpec {
        time_zone: tz.clone(),
        ..PeriodicSpec::new(Period::Daily, PeriodicName::Pattern(PathBuf::new()))
    };
    spec.at(spec.clock.now_us()).0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::reader::{read_config_str, ReadOptions};
    use std::path::Path;

    fn settings(text: &str) -> Result<Settings, ConfigError> {
        let root = std::env::temp_dir();
        let cfg = read_config_str(text, Path::new("test.conf"), &ReadOptions::new(&root))?;
        Settings::from_config(&cfg)
    }

    fn err(text: &str) -> String {
        settings(text).unwrap_err().to_string()
    }

    #[test]
    fn period_argument() {
        let s = settings(
            "CustomLog logs/a_%Y%m%d.log combined period=daily\n\
             CustomLog logs/b_%Y%m%d.log \"%h\" PERIOD=Monday env=!x\n\
             GlobalLog logs/c_%Y-%m.log common period=monthly\n\
             CustomLog logs/plain.log common\n",
        )
        .unwrap();
        let p: Vec<_> = s.main.logs.iter().map(|l| l.period).collect();
        assert_eq!(
            p,
            [
                Some(Period::Daily),
                Some(Period::Weekly(spoor_log::sink::periodic::Weekday::Monday)),
                Some(Period::Monthly),
                None
            ]
        );
        assert!(s.main.logs[1].condition.is_some());
        assert_eq!(s.main.logs[1].format.as_deref(), Some("%h"));
    }

    #[test]
    fn period_errors_name_file_and_line() {
        let e = err("\nCustomLog logs/a_%Y.log combined period=hourly\n");
        assert!(
            e.contains("line 2 of test.conf") && e.contains("'hourly'"),
            "{e}"
        );
        let e = err("CustomLog logs/a.log combined period=daily\n");
        assert!(e.contains("needs a date conversion"), "{e}");
        let e = err("CustomLog \"|/bin/cat %Y\" combined period=daily\n");
        assert!(e.contains("not to piped loggers"), "{e}");
        // Still at most one condition after the format.
        let e = err("CustomLog a%d combined period=daily env=a env=b\n");
        assert!(e.contains("takes two or three arguments"), "{e}");
    }

    /// `-t`: the dated directory need not exist, the part of the path
    /// before the first `%` must.
    #[test]
    fn check_dir_wants_the_fixed_part_only() {
        let root = std::env::temp_dir().join(format!("spoor-checkdir-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("logs")).unwrap();
        let text = format!(
            "ServerRoot {}\nCustomLog logs/%Y-%m/a.log common period=monthly\n\
             CustomLog missing/%Y-%m/a.log common period=monthly\n\
             CustomLog logs/a_%Y.log common period=monthly\n",
            root.display()
        );
        let s = settings(&text).unwrap();
        let tz = TimeZone::UTC;
        let check = |i: usize| check_dir(&s, &s.main.logs[i], Period::Monthly, &tz);
        assert_eq!(check(0), Ok(()));
        let e = check(1).unwrap_err();
        assert!(
            e.starts_with("AH02297: Cannot access directory '")
                && e.contains("/missing/' for log file 'missing/%Y-%m/a.log'"),
            "{e}"
        );
        assert_eq!(check(2), Ok(()));
        assert!(!root.join("logs").read_dir().unwrap().any(|_| true));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn wasd_plan_sinks() {
        use spoor_log::wasd_log::{plan, LogNaming, ServiceName};
        let dir = std::env::temp_dir().join(format!("spoor-wasdplan-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let svc = [
            ServiceName {
                host: "alpha.example.org",
                address: "127.0.0.1",
                port: 80,
            },
            ServiceName {
                host: "beta.example.org",
                address: "127.0.0.1",
                port: 80,
            },
        ];
        let p = plan(&dir, LogNaming::Name, true, false, &svc);
        let sinks = open_wasd(&p, None, &TimeZone::UTC, &SinkOptions::default()).unwrap();
        sinks[1].write_record(b"b\n").unwrap();
        drop(sinks);
        assert_eq!(
            std::fs::read(dir.join("BETA_80_ACCESS.LOG")).unwrap(),
            b"b\n"
        );
        let sinks = open_wasd(
            &p,
            Some(Period::Monthly),
            &TimeZone::UTC,
            &SinkOptions::default(),
        )
        .unwrap();
        let cur = sinks[0].current_path().unwrap();
        let name = cur.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("ALPHA_80_") && name.ends_with("01_ACCESS.LOG"),
            "{name}"
        );
        assert_eq!(name.len(), "ALPHA_80_YYYYMMDD_ACCESS.LOG".len());
        drop(sinks);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
