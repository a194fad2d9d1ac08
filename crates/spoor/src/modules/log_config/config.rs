//! The directives of mod_log_config.c, as `spoor -L` lists them.

use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `mod_log_config.c` spoor accepts.
pub const DIRECTIVES: &[DirectiveDef] = &[
    DirectiveDef {
        name: "BufferedLogs",
        context: Context::Server,
        parse: Parse::Model,
        about: "Whether access log lines are buffered before being written",
    },
    DirectiveDef {
        name: "LogFormat",
        context: Context::Server,
        parse: Parse::Model,
        about: "An access log format, the default one or a named one",
    },
    DirectiveDef {
        name: "CustomLog",
        context: Context::Server,
        parse: Parse::Model,
        about: "An access log: a file or piped program, a format, an optional condition",
    },
    DirectiveDef {
        name: "TransferLog",
        context: Context::Server,
        parse: Parse::Model,
        about: "An access log in the server's default format",
    },
    DirectiveDef {
        name: "GlobalLog",
        context: Context::Server,
        parse: Parse::Model,
        about: "An access log that every virtual host writes too",
    },
];
