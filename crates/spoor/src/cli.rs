//! The command line, in the spirit of httpd's (`-f`, `-t`, `-D`, `-v`) plus
//! spoor's own options for running without a configuration file.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

/// spoor: a web server whose access logs are byte-compatible with Apache
/// httpd.
#[derive(Debug, Parser)]
#[command(name = "spoor", disable_version_flag = true)]
pub struct Cli {
    /// Print the version and exit.
    #[arg(short = 'v', long = "version")]
    pub version: bool,
    /// Read the configuration from FILE (Apache httpd.conf syntax).
    #[arg(short = 'f', value_name = "FILE")]
    pub config_file: Option<PathBuf>,
    /// Check the configuration and exit.
    #[arg(short = 't')]
    pub test_config: bool,
    /// Define a name for `<IfDefine>` sections.
    #[arg(short = 'D', value_name = "NAME")]
    pub defines: Vec<String>,
    /// The address to listen on (the embedded default: 127.0.0.1:8080).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The document root (the embedded default: the current directory).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
    /// Append the access log to FILE instead of writing it to standard
    /// output.
    #[arg(long, value_name = "FILE")]
    pub access_log: Option<PathBuf>,
}

impl Cli {
    /// The options given that need the configuration loader, which this
    /// build does not have yet.
    pub fn unsupported(&self) -> Option<&'static str> {
        if self.config_file.is_some() {
            Some("-f")
        } else if self.test_config {
            Some("-t")
        } else if !self.defines.is_empty() {
            Some("-D")
        } else {
            None
        }
    }
}
