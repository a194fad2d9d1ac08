//! The directives of event.c, worker.c and prefork.c, as `spoor -L` lists
//! them, and their parse functions.

use super::settings::{atoi, Mpm};
use crate::config::error::ConfigError;
use crate::config::model::nargs;
use crate::config::model::Cmd;
use crate::modules::{Context, DirectiveDef, Parse};

/// What a directive does in spoor, for its start-up warning; `None` for
/// those with an effect.
fn inert(name: &str) -> Option<&'static str> {
    Some(match name {
        "startservers" | "minsparethreads" | "maxsparethreads" | "minspareservers"
        | "maxspareservers" => "spoor runs one process with one worker thread per CPU (--threads)",
        "asyncrequestworkerfactor" => "spoor keeps every idle connection without a worker",
        "gracefulshutdowntimeout" => "spoor has no child processes to wait for",
        _ => return None,
    })
}

/// httpd's usage text of a directive of `mpm` (shown when the argument
/// count is wrong).
fn usage(name: &str, mpm: Option<Mpm>) -> &'static str {
    let prefork = mpm == Some(Mpm::Prefork);
    match name {
        "startservers" => "Number of child processes launched at server startup",
        "serverlimit" if prefork => "Maximum value of MaxRequestWorkers for this run of Apache",
        "serverlimit" => "Maximum number of child processes for this run of Apache",
        "threadlimit" => "Maximum number of worker threads per child process for this run of Apache - Upper limit for ThreadsPerChild",
        "threadsperchild" => "Number of threads each child creates",
        "maxrequestworkers" if prefork => "Maximum number of children alive at the same time",
        "maxrequestworkers" => "Maximum number of threads alive at the same time",
        "maxclients" => "Deprecated name of MaxRequestWorkers",
        "minsparethreads" => "Minimum number of idle threads, to handle request spikes",
        "maxsparethreads" => "Maximum number of idle threads",
        "minspareservers" => "Minimum number of idle children, to handle request spikes",
        "maxspareservers" => "Maximum number of idle children",
        "asyncrequestworkerfactor" => "How many additional connects will be accepted per idle worker thread",
        "gracefulshutdowntimeout" => "Maximum time in seconds to wait for child processes to complete transactions during shutdown",
        _ => "Maximum length of the queue of pending connections, as used by listen(2)",
    }
}

/// Any MPM directive: main server only, one argument read as httpd's
/// `atoi` reads it (the adjustments come once the whole file is read, in
/// [`super::settings::MpmSettings::max_workers`]).
fn mpm_directive(cmd: &mut Cmd) -> Result<(), ConfigError> {
    cmd.global_only()?;
    let mpm = cmd.settings.mpm.mpm;
    nargs(cmd.d, 1, 1, usage(cmd.name, mpm))?;
    let arg = &cmd.d.args[0];
    let v = atoi(arg);
    let s = &mut cmd.settings.mpm;
    match cmd.name {
        "startservers" => s.start_servers = Some(v),
        "serverlimit" => s.server_limit = Some(v),
        "threadlimit" => s.thread_limit = Some(v),
        "threadsperchild" => s.threads_per_child = Some(v),
        "maxrequestworkers" | "maxclients" => s.max_request_workers = Some(v),
        "minsparethreads" | "minspareservers" => s.min_spare = Some(v),
        "maxsparethreads" | "maxspareservers" | "gracefulshutdowntimeout" => {}
        "asyncrequestworkerfactor" => {
            let f: f64 = arg
                .trim()
                .parse()
                .map_err(|_| cmd.error("error parsing value"))?;
            if f <= 0.0 {
                return Err(
                    cmd.error("AsyncRequestWorkerFactor argument must be a positive number")
                );
            }
        }
        _ => {
            if v <= 0 {
                return Err(cmd.error("ListenBacklog must be > 0"));
            }
            s.listen_backlog = Some(v as i32);
        }
    }
    if let Some(why) = inert(cmd.name) {
        let name = cmd.d.name.clone();
        cmd.warn(format_args!("{name} has no effect: {why}"));
    }
    Ok(())
}

macro_rules! mpm_directives {
    ($($name:literal: $about:literal),* $(,)?) => {
        &[$(DirectiveDef {
            name: $name,
            context: Context::Server,
            parse: Parse::Fn(mpm_directive),
            about: $about,
        }),*]
    };
}

/// The directives of `event.c` spoor accepts.
pub const EVENT: &[DirectiveDef] = mpm_directives![
    "ListenBacklog": "The listening sockets' backlog (listen(2))",
    "StartServers": "No effect (httpd's processes started)",
    "ServerLimit": "Bounds MaxRequestWorkers (httpd's most processes)",
    "MinSpareThreads": "No effect (httpd's idle threads kept)",
    "MaxSpareThreads": "No effect (httpd's idle threads kept)",
    "MaxClients": "The old name of MaxRequestWorkers",
    "MaxRequestWorkers": "The most requests served at once",
    "ThreadsPerChild": "Rounds MaxRequestWorkers (httpd's threads per process)",
    "ThreadLimit": "Bounds ThreadsPerChild",
    "AsyncRequestWorkerFactor": "No effect (httpd's connections per idle thread)",
    "GracefulShutdownTimeout": "No effect (httpd's wait for its processes)",
];

/// The directives of `worker.c` spoor accepts.
pub const WORKER: &[DirectiveDef] = mpm_directives![
    "ListenBacklog": "The listening sockets' backlog (listen(2))",
    "StartServers": "No effect (httpd's processes started)",
    "MinSpareThreads": "No effect (httpd's idle threads kept)",
    "MaxSpareThreads": "No effect (httpd's idle threads kept)",
    "MaxRequestWorkers": "The most requests served at once",
    "MaxClients": "The old name of MaxRequestWorkers",
    "ThreadsPerChild": "Rounds MaxRequestWorkers (httpd's threads per process)",
    "ServerLimit": "Bounds MaxRequestWorkers (httpd's most processes)",
    "ThreadLimit": "Bounds ThreadsPerChild",
    "GracefulShutdownTimeout": "No effect (httpd's wait for its processes)",
];

/// The directives of `prefork.c` spoor accepts.
pub const PREFORK: &[DirectiveDef] = mpm_directives![
    "ListenBacklog": "The listening sockets' backlog (listen(2))",
    "StartServers": "No effect (httpd's processes started)",
    "MinSpareServers": "No effect (httpd's idle processes kept)",
    "MaxSpareServers": "No effect (httpd's idle processes kept)",
    "MaxClients": "The old name of MaxRequestWorkers",
    "MaxRequestWorkers": "The most requests served at once",
    "ServerLimit": "Bounds MaxRequestWorkers (httpd's most processes)",
    "GracefulShutdownTimeout": "No effect (httpd's wait for its processes)",
];
