//! The command line: httpd's flags (`-f`, `-d`, `-t`, `-D`, `-v`, `-V`,
//! `-M`, `-l`, `-X`, `-C`, `-c`, `-k`, `-e`, `-E`, `-h`; see
//! [`crate::apachectl`]) plus spoor's own options for running without a
//! configuration file, and the `check-forensic` and `generate`
//! subcommands.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

/// spoor: a web server whose access logs are byte-compatible with Apache
/// httpd.
#[derive(Debug, Parser)]
#[command(name = "spoor", disable_version_flag = true, disable_help_flag = true)]
pub struct Cli {
    /// Print the version and exit.
    #[arg(short = 'v', long = "version")]
    pub version: bool,
    /// Print the compile settings (httpd's `-V` layout) and exit.
    #[arg(short = 'V')]
    pub compile_settings: bool,
    /// List the modules spoor implements, all compiled in (httpd's `-l`),
    /// and exit.
    #[arg(short = 'l')]
    pub list_compiled: bool,
    /// List every directive spoor accepts, with its module and where it
    /// may appear (httpd's `-L`), and exit.
    #[arg(short = 'L')]
    pub list_directives: bool,
    /// Read the configuration, print its virtual-host map and main
    /// settings (httpd's `-S`) and exit.
    #[arg(short = 'S')]
    pub dump_vhosts: bool,
    /// Read the configuration, list its loaded modules (httpd's `-M`) and
    /// exit.
    #[arg(short = 'M')]
    pub list_loaded: bool,
    /// Debug mode: one worker thread, in the foreground (httpd's `-X`).
    #[arg(short = 'X')]
    pub debug: bool,
    /// Control a running server through the configuration's PidFile, as
    /// apachectl does: start (in the background), stop, restart (SIGHUP),
    /// graceful (SIGUSR1), graceful-stop (SIGTERM: in-flight requests end).
    #[arg(short = 'k', value_name = "ACTION", value_parser = ["start", "stop", "restart", "graceful", "graceful-stop"])]
    pub signal: Option<String>,
    /// A directive processed before the configuration file (repeatable).
    #[arg(short = 'C', value_name = "DIRECTIVE")]
    pub pre_directives: Vec<String>,
    /// A directive processed after the configuration file (repeatable).
    #[arg(short = 'c', value_name = "DIRECTIVE")]
    pub post_directives: Vec<String>,
    /// Start-up messages of this level or more severe are shown (httpd's
    /// `-e`; one of LogLevel's names).
    #[arg(short = 'e', value_name = "LEVEL", value_parser = ["emerg", "alert", "crit", "error", "warn", "notice", "info", "debug", "trace1", "trace2", "trace3", "trace4", "trace5", "trace6", "trace7", "trace8"])]
    pub startup_level: Option<String>,
    /// Append start-up messages to FILE instead of standard error (httpd's
    /// `-E`; relative to the current directory).
    #[arg(short = 'E', value_name = "FILE")]
    pub startup_log: Option<PathBuf>,
    /// Print httpd's short usage on standard error and exit with status 1
    /// (as httpd does).
    #[arg(short = 'h')]
    pub short_help: bool,
    /// Print this help and exit.
    #[arg(long = "help", action = clap::ArgAction::Help)]
    pub help: Option<bool>,
    /// Read the configuration from FILE (Apache httpd.conf syntax); a
    /// relative name is taken from the ServerRoot.
    #[arg(short = 'f', value_name = "FILE")]
    pub config_file: Option<PathBuf>,
    /// Read a WASD configuration (HTTPD$CONFIG style: `[Directive] value`)
    /// from FILE instead of an httpd.conf; a relative name is taken from
    /// the ServerRoot (`-d`), as httpd takes `-f`.
    #[arg(long = "wasd", value_name = "FILE", conflicts_with = "config_file")]
    pub wasd_file: Option<PathBuf>,
    /// With --wasd: the WASD mapping rules (HTTPD$MAP: `pass`, `map`,
    /// `fail`, `[[host:port]]` sections; relative to the ServerRoot like
    /// --wasd); without it every path maps to a file below
    /// ServerRoot/htdocs.
    #[arg(long = "wasd-map", value_name = "FILE", requires = "wasd_file")]
    pub wasd_map: Option<PathBuf>,
    /// The initial ServerRoot (default: the current directory); it must be
    /// an existing directory.
    #[arg(short = 'd', value_name = "DIR")]
    pub server_root: Option<PathBuf>,
    /// Check the configuration and exit.
    #[arg(short = 't')]
    pub test_config: bool,
    /// Define a name for `<IfDefine>` sections.
    #[arg(short = 'D', value_name = "NAME")]
    pub defines: Vec<String>,
    /// The address to listen on without a configuration file (the embedded
    /// default: 127.0.0.1:8080).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The document root without a configuration file (the embedded
    /// default: the current directory).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
    /// Without a configuration file: append the access log to FILE instead
    /// of writing it to standard output.
    #[arg(long, value_name = "FILE")]
    pub access_log: Option<PathBuf>,
    /// The number of worker threads serving connections (default: one per
    /// CPU; 1 runs a single event loop on the main thread). httpd's MPM
    /// directives (`StartServers`, `ThreadsPerChild`…) size process and
    /// thread pools spoor does not have, so this is a command-line option
    /// rather than a directive.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Accept `User` or `Group` naming root (uid or gid 0). Without it such
    /// a configuration is refused: a server started as root gives root up
    /// once its sockets, logs and piped loggers are open, and becomes
    /// `User`/`Group` (default: nobody/nogroup).
    #[arg(long = "allow-root")]
    pub allow_root: bool,
    /// The longest a reload (SIGHUP, SIGUSR1) may take, in seconds; past
    /// it the old configuration keeps serving.
    #[arg(long, value_name = "SECONDS", default_value_t = crate::reload::DEFAULT_RELOAD_TIMEOUT,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub reload_timeout: u64,
    /// A subcommand; without one, spoor runs the server.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// spoor's subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List the unfinished requests of forensic logs (httpd's
    /// check_forensic, over several files, with --json).
    #[command(long_about = crate::check_forensic::LONG_ABOUT)]
    CheckForensic(crate::check_forensic::Args),
    /// Print the manual page (roff, section 8) or a shell completion
    /// script for spoor.
    Generate {
        /// Print help and exit.
        #[arg(short = 'h', long = "help", action = clap::ArgAction::Help)]
        help: Option<bool>,
        /// What to print.
        #[arg(value_enum)]
        what: Generated,
    },
}

/// What `spoor generate` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Generated {
    /// The manual page spoor.8 (roff).
    Man,
    /// A bash completion script.
    Bash,
    /// A zsh completion script.
    Zsh,
    /// A fish completion script.
    Fish,
}
