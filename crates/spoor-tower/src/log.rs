//! [`Log`]: one access log of a layer (format, sink, condition), and the
//! settings every request through a layer shares.

use std::fmt;
use std::sync::Arc;

use spoor_log::sink::{Sink, SinkOptions};
use spoor_log::{Escaping, Format, FormatError, Record, TimeZone};

use crate::nick::nickname;

/// A condition on a finished request: the line is written when it
/// returns `true`.
type Condition = Arc<dyn Fn(&Record<'_>) -> bool + Send + Sync>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dialect {
    Apache,
    Wasd,
}

/// One access log: a compiled format, where its lines go, and an optional
/// condition (httpd's `CustomLog file format [env=…]`).
#[derive(Clone)]
pub struct Log {
    text: Arc<str>,
    dialect: Dialect,
    pub(crate) format: Arc<Format>,
    pub(crate) sink: Arc<Sink>,
    pub(crate) condition: Option<Condition>,
}

impl fmt::Debug for Log {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Log")
            .field("format", &self.text)
            .field("dialect", &self.dialect)
            .field("escaping", &self.format.escaping())
            .field("sink", &self.sink.name())
            .field("conditional", &self.condition.is_some())
            .finish()
    }
}

/// A standard-output sink, the default destination (as spoor's and
/// httpd's built-in defaults write to the terminal). Each log gets its
/// own, so closing one layer's sinks leaves the others' alone.
fn stdout_sink() -> Arc<Sink> {
    Arc::new(
        Sink::stdout(&SinkOptions::default())
            .expect("an unbuffered sink starts no thread and cannot fail"),
    )
}

impl Log {
    /// An Apache `LogFormat` string (mod_log_config, mod_logio and
    /// mod_ssl items), or one of the nicknames httpd's sample
    /// configuration defines (`common`, `combined`, `combinedio`,
    /// `vhost_combined`, `referer`, `agent`; see [`nickname`]). As with
    /// `CustomLog`, a string with no `%` that is a nickname names that
    /// format; any other string is the format itself.
    ///
    /// Lines go to standard output until [`Log::to`] names a sink.
    pub fn apache(format: &str) -> Result<Log, FormatError> {
        let text = if format.contains('%') {
            format
        } else {
            nickname(format).unwrap_or(format)
        };
        Ok(Log {
            format: Arc::new(Format::apache(text)?),
            text: text.into(),
            dialect: Dialect::Apache,
            sink: stdout_sink(),
            condition: None,
        })
    }

    /// A WASD `[LogFormat]`: `COMMON`, `COMMON_SERVER`, `COMBINED` or a
    /// user-defined `!` format.
    pub fn wasd(format: &str) -> Result<Log, FormatError> {
        Ok(Log {
            format: Arc::new(Format::wasd(format)?),
            text: format.into(),
            dialect: Dialect::Wasd,
            sink: stdout_sink(),
            condition: None,
        })
    }

    /// Chooses the escaping: [`Escaping::Json`] takes the format's text as
    /// a JSON template (see [`Escaping`]). WASD formats have Apache
    /// escaping only, so asking them for JSON is an error.
    pub fn escape(mut self, escaping: Escaping) -> Result<Log, FormatError> {
        self.format = Arc::new(match self.dialect {
            Dialect::Apache => Format::apache_with(self.text.as_bytes(), escaping)?,
            Dialect::Wasd if escaping == Escaping::Apache => Format::wasd(&self.text)?,
            Dialect::Wasd => {
                return Err(FormatError(
                    "the JSON escaping applies to Apache formats, not WASD ones".into(),
                ))
            }
        });
        Ok(self)
    }

    /// Where the lines go: any spoor-log [`Sink`] (a file, a reliable
    /// piped logger, a buffered or periodic file, standard output or
    /// error). Logs may share one sink.
    pub fn to(mut self, sink: impl Into<Arc<Sink>>) -> Log {
        self.sink = sink.into();
        self
    }

    /// Writes a line only for requests `condition` accepts. It sees the
    /// whole record: `rec.last.status`, `rec.last.headers_in`,
    /// `rec.last.env` (see [`LogContext::set_env`]) and so on.
    pub fn when(mut self, condition: impl Fn(&Record<'_>) -> bool + Send + Sync + 'static) -> Log {
        self.condition = Some(Arc::new(condition));
        self
    }

    /// httpd's `env=VAR`: a line only when the environment variable is set.
    pub fn env(self, var: &str) -> Log {
        let var: Box<[u8]> = var.as_bytes().into();
        self.when(move |r| spoor_log::table_get(r.last.env, &var).is_some())
    }

    /// httpd's `env=!VAR`: a line only when the variable is not set.
    pub fn env_not(self, var: &str) -> Log {
        let var: Box<[u8]> = var.as_bytes().into();
        self.when(move |r| spoor_log::table_get(r.last.env, &var).is_none())
    }

    /// The format's text (after nickname resolution).
    pub fn format_text(&self) -> &str {
        &self.text
    }

    /// The sink the lines go to.
    pub fn sink(&self) -> &Arc<Sink> {
        &self.sink
    }
}

/// A fresh id for a layer's time zone.
pub(crate) fn next_tz_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Settings shared by every request through one layer.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) logs: Vec<Log>,
    pub(crate) time_zone: TimeZone,
    /// Names `time_zone` for the per-thread renderers (comparing zones
    /// themselves costs a database lookup per line).
    pub(crate) tz_id: u64,
    pub(crate) server_name: Option<Box<[u8]>>,
    pub(crate) server_port: Option<u16>,
}
