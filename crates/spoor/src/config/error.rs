//! Configuration errors and warnings, displayed the way `apache2 -t` prints
//! them.

use std::fmt;
use std::path::{Path, PathBuf};

use super::tree::Directive;

/// When an error was found, which decides how httpd prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// While the files were being read into a tree (sections, `Include`,
    /// `Define`, `<IfDefine>`, `<IfModule>`, `ServerRoot`). httpd prints
    /// these on one line: `apache2: Syntax error on line N of FILE: MSG`,
    /// with one `Syntax error on line N of FILE: ` per enclosing `Include`.
    Read,
    /// While the finished tree was being checked directive by directive
    /// (unknown directives, bad arguments). httpd prints these as
    /// `AH00526: Syntax error on line N of FILE:` and the message on the
    /// next line.
    Directive,
    /// After the whole configuration was read, when a module checks what
    /// it was given (httpd's post-config checks): printed as the message
    /// and `AH00014: Configuration check failed`, with no file or line.
    Check,
}

/// A configuration error naming the file and line it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    phase: Phase,
    /// `(file, line)` prefixes printed before the message, outermost first.
    chain: Vec<(PathBuf, usize)>,
    file: PathBuf,
    line: usize,
    message: String,
}

impl ConfigError {
    /// A read-phase error at `line` of `file`, printed with a
    /// `Syntax error on line …` prefix.
    pub fn read(file: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        let file = file.into();
        ConfigError {
            phase: Phase::Read,
            chain: vec![(file.clone(), line)],
            file,
            line,
            message: message.into(),
        }
    }

    /// A read-phase error about a whole file (it cannot be opened, or a line
    /// in it is unreadable) whose message already names the file; when it is
    /// the main file httpd prints no `Syntax error` prefix. `line` is 0 when
    /// no line is concerned.
    pub fn file_level(file: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        ConfigError {
            phase: Phase::Read,
            chain: Vec::new(),
            file: file.into(),
            line,
            message: message.into(),
        }
    }

    /// A directive-phase error about `directive`, for directive handlers:
    /// printed as `AH00526: Syntax error on line N of FILE:` + newline +
    /// `message`.
    pub fn directive(directive: &Directive, message: impl Into<String>) -> Self {
        ConfigError {
            phase: Phase::Directive,
            chain: vec![(directive.file.clone(), directive.line)],
            file: directive.file.clone(),
            line: directive.line,
            message: message.into(),
        }
    }

    /// A post-configuration check's failure (`message` starts with its
    /// `AHnnnnn:`).
    pub fn check(message: impl Into<String>) -> Self {
        ConfigError {
            phase: Phase::Check,
            chain: Vec::new(),
            file: PathBuf::new(),
            line: 0,
            message: message.into(),
        }
    }

    /// httpd's error for a directive no module defines:
    /// `Invalid command 'Foo', perhaps misspelled or defined by a module not
    /// included in the server configuration` (sections are named with their
    /// `<`, e.g. `'<Foo'`).
    pub fn invalid_command(directive: &Directive) -> Self {
        Self::directive(
            directive,
            format!(
                "Invalid command '{}', perhaps misspelled or defined by a module \
                 not included in the server configuration",
                directive.command_name()
            ),
        )
    }

    /// Marks this error as having happened inside a file included from
    /// `line` of `file`; httpd then prefixes
    /// `Syntax error on line LINE of FILE: ` (read phase only).
    pub(crate) fn included_from(mut self, file: &Path, line: usize) -> Self {
        if self.phase == Phase::Read {
            self.chain.insert(0, (file.to_path_buf(), line));
            if self.line == 0 {
                // A file that could not be opened: point at the Include.
                self.file = file.to_path_buf();
                self.line = line;
            }
        }
        self
    }

    /// Whether this error comes from reading or from checking directives.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The file the error is about (the innermost one for errors inside
    /// included files).
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The 1-based line the error is about, or 0 when it concerns a whole
    /// file.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The bare message, without location and without escaping.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Exactly what `apache2 -t` prints for this error when the program is
    /// called `argv0` (httpd puts its own name before read-phase errors).
    /// Lines are separated by `\n`; there is no trailing newline.
    pub fn render(&self, argv0: &str) -> String {
        match self.phase {
            Phase::Read => format!("{}: {}", escape_log(argv0), self),
            Phase::Directive | Phase::Check => self.to_string(),
        }
    }
}

impl fmt::Display for ConfigError {
    /// httpd's text without the program name: for the read phase one line,
    /// for the directive phase two lines. Control characters, backslashes
    /// and non-ASCII bytes are escaped as httpd's error log escapes them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.phase {
            Phase::Read => {
                let mut s = String::new();
                for (file, line) in &self.chain {
                    s.push_str(&format!(
                        "Syntax error on line {line} of {}: ",
                        file.display()
                    ));
                }
                s.push_str(&self.message);
                f.write_str(&escape_log(&s))
            }
            Phase::Directive => {
                let head = format!(
                    "AH00526: Syntax error on line {} of {}:",
                    self.line,
                    self.file.display()
                );
                write!(f, "{}\n{}", escape_log(&head), escape_log(&self.message))
            }
            Phase::Check => write!(
                f,
                "{}\nAH00014: Configuration check failed",
                escape_log(&self.message)
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

/// A warning issued while reading (httpd logs these at `warn` level and
/// carries on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The file being read.
    pub file: PathBuf,
    /// The 1-based line being read.
    pub line: usize,
    /// The message, e.g. `AH00111: Config variable ${X} is not defined`.
    pub message: String,
}

impl fmt::Display for Warning {
    /// The message as httpd's error log writes it (without the timestamp
    /// and module prefix, which httpd adds itself).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&escape_log(&self.message))
    }
}

/// Escapes text the way httpd's error log does (verified with apache2 -t):
/// `\b \n \r \t \v` become C escapes, a backslash is doubled, other control
/// characters, DEL and every byte of a non-ASCII character become `\xhh`;
/// everything else, including `"`, is kept.
pub fn escape_log(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\x08' => out.push_str("\\b"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b'\x0b' => out.push_str("\\v"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out
}

/// The text of an I/O error as C's `strerror` gives it, which is what httpd
/// prints (Rust appends ` (os error N)`, which is dropped here).
pub(crate) fn os_error_text(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) if s.ends_with(')') => s[..i].to_owned(),
        _ => s,
    }
}

/// Checks that every directive in the tree is known, in file order, and
/// returns httpd's "Invalid command" error for the first one that is not.
///
/// `known` lists command names as httpd's command tables spell them:
/// sections with their leading `<` (`"<VirtualHost"`), plain directives
/// without (`"CustomLog"`). Matching is ASCII case-insensitive.
pub fn check_known_directives(tree: &[Directive], known: &[&str]) -> Result<(), ConfigError> {
    for d in tree {
        d.walk(&mut |d: &Directive| {
            let name = d.command_name();
            if known.iter().any(|k| k.eq_ignore_ascii_case(&name)) {
                Ok(())
            } else {
                Err(ConfigError::invalid_command(d))
            }
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_matches_httpd_error_log() {
        // apache2 -t on `"</F\to\rx\by\vz\x1b>"` printed
        // `</F\to\rx\by\vz\x1b>`; on `Fo\o"<0x01>é` it printed
        // `Fo\\o"\x01\xc3\xa9`.
        assert_eq!(escape_log("F\to\rx\x08y\x0bz\x1b"), r"F\to\rx\by\vz\x1b");
        assert_eq!(escape_log("Fo\\o\"\x01é\x7f"), r#"Fo\\o"\x01\xc3\xa9\x7f"#);
        assert_eq!(escape_log("a\nb"), r"a\nb");
    }

    #[test]
    fn read_error_format() {
        // apache2: Syntax error on line 7 of /tmp/cfgt/t.conf: Syntax error
        // on line 3 of /tmp/cfgt/inc2/bad.conf: </Baz> without matching
        // <Baz> section
        let e = ConfigError::read("/x/bad.conf", 3, "</Baz> without matching <Baz> section")
            .included_from(Path::new("/x/t.conf"), 7);
        assert_eq!(
            e.render("apache2"),
            "apache2: Syntax error on line 7 of /x/t.conf: Syntax error on line 3 of \
             /x/bad.conf: </Baz> without matching <Baz> section"
        );
        assert_eq!(e.file(), Path::new("/x/bad.conf"));
        assert_eq!(e.line(), 3);
    }

    #[test]
    fn file_level_error_has_no_prefix_at_top() {
        // apache2: Could not open configuration file /tmp/cfgt/nonexist.conf:
        // No such file or directory
        let e = ConfigError::file_level(
            "/x/n.conf",
            0,
            "Could not open configuration file /x/n.conf: No such file or directory",
        );
        assert_eq!(
            e.render("apache2"),
            "apache2: Could not open configuration file /x/n.conf: No such file or directory"
        );
    }

    #[test]
    fn directive_error_format() {
        // AH00526: Syntax error on line 6 of /tmp/cfgt/t.conf:
        // Invalid command 'Foo', perhaps misspelled or defined by a module
        // not included in the server configuration
        let d = Directive::new("Foo", Vec::new(), PathBuf::from("/x/t.conf"), 6);
        let e = ConfigError::invalid_command(&d);
        assert_eq!(e.phase(), Phase::Directive);
        assert_eq!(
            e.render("apache2"),
            "AH00526: Syntax error on line 6 of /x/t.conf:\nInvalid command 'Foo', perhaps \
             misspelled or defined by a module not included in the server configuration"
        );
    }

    #[test]
    fn os_error_text_drops_rust_suffix() {
        let e = std::io::Error::from_raw_os_error(2);
        assert_eq!(os_error_text(&e), "No such file or directory");
    }
}
