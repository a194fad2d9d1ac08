//! Configuration: the Apache httpd.conf dialect (tokenizer, sections,
//! `Include`, `Define`) read into a directive tree.
//!
//! [`read_config`] reads a main file and everything it includes into a
//! [`Config`]: a tree of [`Directive`]s with file names and line numbers.
//! Read-time directives (`Define`, `UnDefine`, `Include`,
//! `IncludeOptional`, `ServerRoot`, `<IfDefine>`, `<IfModule>`,
//! `<IfFile>`) are carried out while reading, as httpd does, and do not
//! appear in the tree. Errors are [`ConfigError`]s, which print the way
//! `apache2 -t` does. Directive handlers come later; they report problems
//! with [`ConfigError::directive`], and [`check_known_directives`] rejects
//! directives nobody handles.

pub(crate) mod error;
pub(crate) mod fs;
pub(crate) mod model;
pub(crate) mod reader;
pub(crate) mod tokenize;
pub(crate) mod tree;
pub(crate) mod values;
pub(crate) mod wasd;

#[cfg(test)]
mod tests;

pub use crate::modules::{Context, DirectiveDef, KNOWN};
pub use error::{check_known_directives, escape_log, ConfigError, Phase, Warning};
pub use fs::{read_config_file, ConfigFs, Kind, MemFs, ReadError, RealFs, MAX_FILE_LEN};
pub use model::{
    Cmd, Limits, LogSpec, PerDir, ResolvedLog, Scope, Section, SectionKind, Server, Settings,
    VhostAddr,
};
pub use reader::{
    read_config, read_config_in, read_config_str, Config, ReadOptions, MAX_DEFINES, MAX_DIRECTIVES,
    MAX_DIR_DEPTH, MAX_EXPANDED_LEN, MAX_FILES, MAX_INCLUDE_DEPTH, MAX_NESTING, MAX_TOTAL_LEN,
    MAX_WARNINGS,
};
pub use tokenize::{split_words, MAX_LINE_LEN};
pub use tree::{section_missing_args_message, section_missing_bracket_message, Directive};
pub use values::{CanonicalName, HostnameLookups, Signature, Tokens, TraceEnable};
pub use wasd::{read_map, read_wasd, wasd_settings, WasdSources, DEFAULT_LOG_FILE};
