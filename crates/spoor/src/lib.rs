//! The spoor server: configuration (Apache and WASD dialects), the HTTP/1.1
//! connection engine, virtual hosts, static files and the access-log
//! pipeline built on [`spoor_log`].
//!
//! The binary (`src/main.rs`) is a thin shell over this library:
//!
//! * [`http`]: request-head parsing, chunked bodies, target normalization,
//!   HTTP dates and Apache's error pages;
//! * [`server`]: the tokio accept loop and the per-connection engine
//!   (keep-alive, pipelining, timeouts, static files, logging);
//! * [`static_files`]: entity tags, conditional requests and ranges;
//! * [`mime`]: content types by extension;
//! * [`notify`]: readiness, reloads and stopping told to systemd
//!   (`sd_notify`, for a `Type=notify` unit);
//! * `bufpool`: per-thread pools of connection buffers, so idle
//!   keep-alive connections hold none;
//! * [`cli`]: the command line;
//! * [`check_forensic`]: `spoor check-forensic`, httpd's check_forensic;
//! * [`dns`]: reverse lookups with a cache (`HostnameLookups`,
//!   `UseCanonicalName DNS`);
//! * [`config`]: the httpd.conf reader, the WASD configuration and mapping
//!   file reader, and the server model both build;
//! * [`errorlog`]: `ErrorLog`, `LogLevel`, error-log lines and log ids;
//! * [`perdir`]: `<Directory>`/`<Location>`/`<Files>` sections, the
//!   per-directory directives and their merge;
//! * [`forensic`]: `ForensicLog` and mod_unique_id's `UNIQUE_ID`;
//! * [`vhost`]: choosing the virtual host for a request;
//! * [`usertrack`]: mod_usertrack's tracking cookie;
//! * [`listeners`]: the listening sockets and how a reload changes them;
//! * [`reload`]: configuration work on its own thread, reloads with a
//!   time bound;
//! * [`site`]: the running configuration built from the model (logs opened,
//!   formats resolved);
//! * [`privileges`]: `User` and `Group`, the privilege drop of a server
//!   started as root;
//! * [`periodic_log`]: periodic log files (`CustomLog … period=`, WASD
//!   `[LogPeriod]`);
//! * [`wasd_track`]: WASD access tracking (the `WASDtrack` cookie);
//! * [`wasd_report`]: WASD server reports (error pages, signature,
//!   `[ErrorReportPath]`);
//! * [`wasd`]: WASD services, mapping rules and content types.

pub mod alloc;
pub mod apachectl;
mod bufpool;
pub mod check_forensic;
pub mod cli;
pub mod cnum;
pub mod config;
pub mod dns;
pub mod errorlog;
pub mod file_cache;
mod hooks;
pub mod http;
pub mod kept;
pub mod listeners;
pub mod merge;
pub mod modules;
pub mod notify;
pub mod perdir;
pub mod periodic_log;
pub mod privileges;
mod proto;
mod record;
pub mod reload;
pub mod server;
pub mod setenv;
pub mod site;
pub mod static_files;
mod sys;
pub mod vhost;
