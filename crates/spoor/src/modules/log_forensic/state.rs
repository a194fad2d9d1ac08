//! mod_log_forensic and mod_unique_id in the server: which log each server
//! writes its forensic records to, the per-request state, and the strict
//! stop when a record cannot be written.
//!
//! * `ForensicLog file|pipe` (server and virtual-host scope). As in httpd,
//!   a virtual host without one takes the main server's *name* and opens
//!   its own descriptor: an inherited file is opened once per server (all
//!   appending), an inherited pipe starts one program per server. The pipe
//!   form is `|` and a program with arguments (no shell), the program
//!   taken relative to the ServerRoot as httpd does (so httpd's `||` and
//!   `|$` forms do not work here either).
//! * The `+` record is written right after the request head was read and
//!   the host chosen, before anything else runs (httpd's post_read_request,
//!   REALLY_FIRST); the `-` record after the access logs. Requests refused
//!   while their head is read (400, 408, 414, 417) get neither.
//! * The id is `UNIQUE_ID` when `LoadModule unique_id_module` is present,
//!   else `pid:hex(time):hex(counter)`. The `forensic-id` note
//!   (`%{forensic-id}n`) holds it.
//! * Strict: if a record cannot be written whole, the request is not
//!   served; the failure goes to the error log (and standard error) and
//!   spoor exits with status 1.
//!
//! One deviation: httpd's forensic pipe is a reliable piped log (the parent
//! keeps the read end and restarts the program). spoor is a single process,
//! so a read end it kept would die with it and take unread records along
//! in the very crash the log is meant to document; here the program owns
//! the read end alone, and a program that has gone away makes the next
//! write fail, which stops spoor.

use std::io;
use std::sync::Arc;

use spoor_log::forensic::{minus_record, plus_record, CounterIds, ForensicLog};
use spoor_log::sink::tokenize_argv;
use spoor_log::Field;

use crate::config::model::Settings;

/// The exit status after a forensic record could not be written.
pub const EXIT_STATUS: i32 = 1;

/// Opens the forensic log of every server (index 0 = main, then the
/// virtual hosts in order), `None` where there is none. The error text is
/// httpd's (AH00650, AH00651) and is ready to print.
pub fn open(settings: &Settings) -> Result<Vec<Option<Arc<ForensicLog>>>, String> {
    open_reusing(settings, [])
}

/// [`open`] for a reload: `previous` are the forensic logs of the
/// configuration in force. A
/// forensic pipe whose program is unchanged keeps running; a file the
/// unprivileged user may not open again after the privilege drop keeps
/// the descriptor in force (see [`crate::site::build_reusing`]).
pub fn open_reusing(
    settings: &Settings,
    previous: impl IntoIterator<Item = Arc<ForensicLog>>,
) -> Result<Vec<Option<Arc<ForensicLog>>>, String> {
    let mut kept = crate::kept::Kept::new(previous);
    let main = settings.main.forensic_log.as_deref();
    let names = std::iter::once(main).chain(
        settings
            .vhosts
            .iter()
            .map(|v| v.forensic_log.as_deref().or(main)),
    );
    names
        .map(|n| n.map(|n| open_one(settings, n, &mut kept)).transpose())
        .collect()
}

fn open_one(
    settings: &Settings,
    name: &str,
    kept: &mut crate::kept::Kept<ForensicLog>,
) -> Result<Arc<ForensicLog>, String> {
    match name.strip_prefix('|') {
        Some(rest) => {
            let program = settings.root_relative(rest);
            let program = program.to_string_lossy();
            let argv = tokenize_argv(&program);
            let display = format!("|{}", argv.join(" "));
            if let Some(f) = kept.take(|f| f.name() == display) {
                return Ok(f);
            }
            ForensicLog::pipe(&argv, Some(&settings.server_root))
                .map(Arc::new)
                .map_err(|e| format!("AH00650: couldn't spawn forensic log pipe {program}: {e}"))
        }
        None => {
            let path = settings.root_relative(name);
            let opened = ForensicLog::file(&path).map(Arc::new);
            let display = path.display().to_string();
            crate::kept::keep_if_denied(opened, &path, || kept.take(|f| f.name() == display))
                .map_err(|e| {
                    format!(
                        "AH00651: could not open forensic log file {}.: {e}",
                        path.display()
                    )
                })
        }
    }
}

/// Closes these forensic logs (piped programs read what is left and are
/// reaped); for shutdown.
pub fn close<'a>(logs: impl IntoIterator<Item = &'a Arc<ForensicLog>>) {
    for f in logs {
        f.close();
    }
}

/// One connection's forensic state for the request in progress.
#[derive(Debug, Default)]
pub struct Forensic {
    id: Vec<u8>,
    rec: Vec<u8>,
    /// The log the `+` record went to, until the `-` record is written.
    log: Option<Arc<ForensicLog>>,
}

impl Forensic {
    /// Forgets the previous request.
    pub fn reset(&mut self) {
        self.log = None;
        self.id.clear();
    }

    /// Makes the request's id (`unique`, else a counter id stamped
    /// `time_s`) and writes its `+` record to `log`.
    pub fn begin(
        &mut self,
        log: Arc<ForensicLog>,
        unique: Option<&[u8]>,
        time_s: i64,
        request_line: &[u8],
        headers: &[Field<'_>],
    ) -> io::Result<()> {
        self.id.clear();
        match unique {
            Some(u) => self.id.extend_from_slice(u),
            None => CounterIds::global().next(time_s, &mut self.id),
        }
        self.rec.clear();
        plus_record(&self.id, request_line, headers, &mut self.rec);
        let r = log.write_record(&self.rec);
        self.log = Some(log);
        r
    }

    /// The `forensic-id` note: the id, once the `+` record is written.
    pub fn note(&self) -> Option<&[u8]> {
        self.log.as_ref().map(|_| &self.id[..])
    }

    /// Writes the `-` record of a request that has a `+` record; returns
    /// the log on failure.
    pub fn end(&mut self) -> Result<(), (Arc<ForensicLog>, io::Error)> {
        let Some(log) = self.log.take() else {
            return Ok(());
        };
        self.rec.clear();
        minus_record(&self.id, &mut self.rec);
        log.write_record(&self.rec).map_err(|e| (log, e))
    }
}

/// The message for a record that could not be written.
pub fn failure_message(log: &ForensicLog, e: &io::Error) -> String {
    format!(
        "forensic log {} could not be written ({e}); the request is not served and spoor stops",
        log.name()
    )
}

/// Stops the process after a failed forensic write: the access logs
/// (`sinks`) are flushed, then spoor exits with [`EXIT_STATUS`] without
/// serving another byte.
pub fn stop(sinks: &[Arc<spoor_log::sink::Sink>], log: &ForensicLog, e: &io::Error) -> ! {
    eprintln!("spoor: {}", failure_message(log, e));
    for s in sinks {
        let _ = s.flush();
    }
    std::process::exit(EXIT_STATUS)
}
