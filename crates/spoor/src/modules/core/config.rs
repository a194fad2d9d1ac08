//! The directives of core.c, http_core.c, as `spoor -L` lists them.

use super::directives as d;
use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `core.c` spoor accepts.
pub const CORE_DIRECTIVES: &[DirectiveDef] = &[
    DirectiveDef {
        name: "Listen",
        context: Context::Server,
        parse: Parse::Fn(d::listen),
        about: "An address and port (or a port) to accept connections on",
    },
    DirectiveDef {
        name: "PidFile",
        context: Context::Server,
        parse: Parse::Fn(d::pid_file),
        about: "The file the server's process id is written to",
    },
    DirectiveDef {
        name: "ServerTokens",
        context: Context::Server,
        parse: Parse::Fn(d::server_tokens),
        about: "How much the Server response header says about the server",
    },
    DirectiveDef {
        name: "LimitRequestLine",
        context: Context::Server,
        parse: Parse::Fn(d::limit_request),
        about: "The longest request line accepted, in bytes",
    },
    DirectiveDef {
        name: "LimitRequestFieldSize",
        context: Context::Server,
        parse: Parse::Fn(d::limit_request),
        about: "The longest request header field accepted, in bytes",
    },
    DirectiveDef {
        name: "LimitRequestFields",
        context: Context::Server,
        parse: Parse::Fn(d::limit_request),
        about: "The most request header fields accepted",
    },
    DirectiveDef {
        name: "LimitRequestBody",
        context: Context::Anywhere,
        parse: Parse::Fn(d::limit_request_body),
        about: "The largest request body accepted, in bytes",
    },
    DirectiveDef {
        name: "ServerName",
        context: Context::Server,
        parse: Parse::Fn(d::server_name),
        about: "The host name (and port) the server calls itself",
    },
    DirectiveDef {
        name: "ServerAlias",
        context: Context::Server,
        parse: Parse::Fn(d::server_alias),
        about: "Further names a virtual host answers to (wildcards allowed)",
    },
    DirectiveDef {
        name: "ServerAdmin",
        context: Context::Server,
        parse: Parse::Fn(d::server_admin),
        about: "The address shown to clients on error pages",
    },
    DirectiveDef {
        name: "DocumentRoot",
        context: Context::Server,
        parse: Parse::Fn(d::document_root),
        about: "The directory the URL space is served from",
    },
    DirectiveDef {
        name: "ErrorLog",
        context: Context::Server,
        parse: Parse::Fn(d::error_log),
        about: "The error log: a file or a piped program",
    },
    DirectiveDef {
        name: "LogLevel",
        context: Context::Anywhere,
        parse: Parse::Fn(d::log_level),
        about: "Which error log messages are written, overall or per module",
    },
    DirectiveDef {
        name: "ServerSignature",
        context: Context::Anywhere,
        parse: Parse::Fn(d::server_signature),
        about: "The footer line of server-generated pages",
    },
    DirectiveDef {
        name: "UseCanonicalName",
        context: Context::Anywhere,
        parse: Parse::Fn(d::use_canonical_name),
        about: "Where the server's own name and port come from for self-references",
    },
    DirectiveDef {
        name: "MaxRanges",
        context: Context::Anywhere,
        parse: Parse::Fn(d::max_ranges),
        about: "The most ranges a Range request may ask for before the whole file is sent",
    },
    DirectiveDef {
        name: "MaxRangeOverlaps",
        context: Context::Anywhere,
        parse: Parse::Fn(d::max_ranges),
        about: "The most overlapping ranges before the whole file is sent",
    },
    DirectiveDef {
        name: "MaxRangeReversals",
        context: Context::Anywhere,
        parse: Parse::Fn(d::max_ranges),
        about: "The most ranges out of order before the whole file is sent",
    },
    DirectiveDef {
        name: "HostnameLookups",
        context: Context::Anywhere,
        parse: Parse::Fn(d::hostname_lookups),
        about: "Whether client addresses are looked up in DNS for the logs",
    },
    DirectiveDef {
        name: "Timeout",
        context: Context::Server,
        parse: Parse::Fn(d::timeout),
        about: "How long to wait for a client to send or receive",
    },
    DirectiveDef {
        name: "Options",
        context: Context::Anywhere,
        parse: Parse::Fn(d::options),
        about: "Which features apply in a directory (symbolic links and others)",
    },
    DirectiveDef {
        name: "ErrorDocument",
        context: Context::Anywhere,
        parse: Parse::Fn(d::error_document),
        about: "What is sent instead of the built-in page for a status",
    },
    DirectiveDef {
        name: "DefaultRuntimeDir",
        context: Context::Server,
        parse: Parse::Fn(d::default_runtime_dir),
        about: "Checked to be a directory (spoor keeps no run-time files)",
    },
    DirectiveDef {
        name: "Mutex",
        context: Context::Server,
        parse: Parse::Fn(d::mutex),
        about: "Checked, no effect (spoor takes no lock between processes)",
    },
    DirectiveDef {
        name: "TraceEnable",
        context: Context::Server,
        parse: Parse::Fn(d::trace_enable),
        about: "Whether TRACE is answered, and with a request body",
    },
    DirectiveDef {
        name: "AccessFileName",
        context: Context::Server,
        parse: Parse::Fn(d::access_file_name),
        about: "The name of .htaccess files (none is read: AllowOverride None)",
    },
    DirectiveDef {
        name: "AllowOverride",
        context: Context::Inside,
        parse: Parse::Fn(d::allow_override),
        about: "Only None: spoor reads no .htaccess files",
    },
    DirectiveDef {
        name: "AllowOverrideList",
        context: Context::Inside,
        parse: Parse::Fn(d::allow_override_list),
        about: "Only None: spoor reads no .htaccess files",
    },
    DirectiveDef {
        name: "MaxConnectionsPerChild",
        context: Context::Server,
        parse: Parse::Fn(d::max_connections_per_child),
        about: "Only 0 has an effect (spoor has no child processes)",
    },
    DirectiveDef {
        name: "MaxRequestsPerChild",
        context: Context::Server,
        parse: Parse::Fn(d::max_connections_per_child),
        about: "The old name of MaxConnectionsPerChild",
    },
    DirectiveDef {
        name: "ForceType",
        context: Context::Anywhere,
        parse: Parse::Fn(d::force_type),
        about: "The content type of every file in the scope",
    },
    DirectiveDef {
        name: "SetHandler",
        context: Context::Anywhere,
        parse: Parse::Fn(d::set_handler),
        about: "The handler of every file in the scope (spoor has the default one only)",
    },
    DirectiveDef {
        name: "SetOutputFilter",
        context: Context::Anywhere,
        parse: Parse::Fn(d::set_output_filter),
        about: "Filters every response of the scope goes through (spoor has DEFLATE)",
    },
    DirectiveDef {
        name: "AddDefaultCharset",
        context: Context::Anywhere,
        parse: Parse::Fn(d::add_default_charset),
        about: "A charset added to text/plain and text/html types without one",
    },
    DirectiveDef {
        name: "ExtendedStatus",
        context: Context::Server,
        parse: Parse::Fn(d::extended_status),
        about: "Whether mod_status's page shows the totals (on by default)",
    },
    DirectiveDef {
        name: "<VirtualHost",
        context: Context::Server,
        parse: Parse::Section,
        about: "A section for a virtual host on one or more addresses",
    },
    DirectiveDef {
        name: "<Directory",
        context: Context::Server,
        parse: Parse::Section,
        about: "A section for a directory and those below it",
    },
    DirectiveDef {
        name: "<DirectoryMatch",
        context: Context::Server,
        parse: Parse::Section,
        about: "A section for directories matching a regular expression",
    },
    DirectiveDef {
        name: "<Location",
        context: Context::Server,
        parse: Parse::Section,
        about: "A section for a URL path and those below it",
    },
    DirectiveDef {
        name: "<LocationMatch",
        context: Context::Server,
        parse: Parse::Section,
        about: "A section for URL paths matching a regular expression",
    },
    DirectiveDef {
        name: "<Files",
        context: Context::Anywhere,
        parse: Parse::Section,
        about: "A section for file names matching a wildcard pattern",
    },
    DirectiveDef {
        name: "<FilesMatch",
        context: Context::Anywhere,
        parse: Parse::Section,
        about: "A section for file names matching a regular expression",
    },
    DirectiveDef {
        name: "<Limit",
        context: Context::Inside,
        parse: Parse::Fn(super::limit::limit_section),
        about: "Access-control directives that apply to the methods named only",
    },
    DirectiveDef {
        name: "<LimitExcept",
        context: Context::Inside,
        parse: Parse::Fn(super::limit::limit_section),
        about: "Access-control directives that apply to all methods but those named",
    },
];

/// The directives of `http_core.c` spoor accepts.
pub const HTTP_DIRECTIVES: &[DirectiveDef] = &[
    DirectiveDef {
        name: "KeepAlive",
        context: Context::Server,
        parse: Parse::Fn(d::keep_alive),
        about: "Whether connections stay open for further requests",
    },
    DirectiveDef {
        name: "KeepAliveTimeout",
        context: Context::Server,
        parse: Parse::Fn(d::keep_alive_timeout),
        about: "How long an idle kept-alive connection waits for the next request",
    },
    DirectiveDef {
        name: "MaxKeepAliveRequests",
        context: Context::Server,
        parse: Parse::Fn(d::max_keep_alive_requests),
        about: "The most requests on one connection",
    },
];
