//! Reading httpd.conf-style files into a [`Directive`] tree.
//!
//! The behaviour follows Apache httpd 2.4.71 as observed with
//! `apache2 -t` (see the tests for the cases checked).

use spoor_log::glob;
use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use super::error::{os_error_text, ConfigError, Warning};
use super::fs::{ConfigFs, Kind, ReadError, RealFs, MAX_FILE_LEN};
use super::tokenize::{next_word, split_words, Line, LineReader, MAX_LINE_LEN};
use super::tree::{section_missing_args_message, section_missing_bracket_message, Directive};
use crate::modules::{builtin_module_names, module};

/// How deeply `Include`s may nest before httpd assumes a loop (the main
/// file is not counted).
pub const MAX_INCLUDE_DEPTH: usize = 128;

/// How deeply directories included whole (and the wildcard components of
/// `Include` paths) may nest, across `Include`s; httpd's source names the
/// same number for directories. A directory that contains itself through
/// a symbolic link ends here at the latest (the system's limit on links
/// in one path, `ELOOP`, usually ends it first).
pub const MAX_DIR_DEPTH: usize = 128;

/// The most sections (of any kind, `<IfDefine>` and the skipped body of a
/// false one included) that may be open at once, counted across
/// `Include`s. httpd has no limit (and crashes on its stack somewhere
/// below 100,000); spoor refuses the section that would go deeper with
/// its file and line.
pub const MAX_NESTING: usize = 256;

/// The most bytes read from all the files of one configuration together
/// (the main file and every file included, counted each time it is read).
pub const MAX_TOTAL_LEN: u64 = 64 * 1024 * 1024;

/// The most bytes the directives of one configuration may take after
/// `${VAR}` substitution: their text, plus for each directive the name of
/// its file and [`WORD_COST`] bytes per argument (one line may not grow
/// past [`super::MAX_LINE_LEN`]). This stops a `Define` that doubles
/// itself line after line, and a file of many one-letter arguments, at a
/// small multiple of the bound in memory.
pub const MAX_EXPANDED_LEN: usize = 64 * 1024 * 1024;

/// What one argument word is charged against [`MAX_EXPANDED_LEN`] beside
/// its text (the size of a `String`).
pub const WORD_COST: usize = std::mem::size_of::<String>();

/// The most directive lines (sections, `Define`s and `Include`s counted)
/// one configuration may hold.
pub const MAX_DIRECTIVES: usize = 500_000;

/// The most names `Define` may have defined at once.
pub const MAX_DEFINES: usize = 10_000;

/// The most files read and directory entries listed for one
/// configuration.
pub const MAX_FILES: usize = 100_000;

/// The most `${VAR}` warnings kept; later ones are counted in one last
/// warning.
pub const MAX_WARNINGS: usize = 100;

/// Sections httpd's core always knows; httpd names them with this spelling
/// in its messages whatever case the file used (checked:
/// `<virtualhost *:80>` + `</Directory>` gives
/// `Expected </VirtualHost> but saw </Directory>`).
const CORE_SECTIONS: &[&str] = &[
    "Directory",
    "DirectoryMatch",
    "Files",
    "FilesMatch",
    "Location",
    "LocationMatch",
    "VirtualHost",
    "Limit",
    "LimitExcept",
    "If",
    "ElseIf",
    "Else",
    "IfModule",
    "IfDefine",
    "IfFile",
    "IfDirective",
    "IfSection",
];

fn canonical(name: &str) -> &str {
    CORE_SECTIONS
        .iter()
        .find(|s| s.eq_ignore_ascii_case(name))
        .copied()
        .unwrap_or(name)
}

/// What the reader needs to know from outside the files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// The initial server root: relative `Include` paths, the main file
    /// path when relative and `<IfFile>` paths are taken relative to it
    /// until a `ServerRoot` directive changes it.
    pub server_root: PathBuf,
    /// Names defined before reading, like httpd's `-D NAME`.
    pub defines: Vec<String>,
    /// Module names that `<IfModule>` considers present before any
    /// `LoadModule` line (both `x_module` and `mod_x.c` spellings; matched
    /// case-sensitively). A `LoadModule` line of a module spoor has adds
    /// its names from that line on, as httpd loads modules while reading.
    pub modules: Vec<String>,
    /// Environment for `${VAR}` lookups after the defines; `None` means the
    /// process environment.
    pub env: Option<HashMap<String, String>>,
    /// Directives read before the main file, one line each, like httpd's
    /// `-C` (a `ServerRoot` among them applies to the main file's path).
    pub pre_directives: Vec<String>,
    /// Directives read after the main file, like httpd's `-c`.
    pub post_directives: Vec<String>,
}

impl ReadOptions {
    /// Options with the given server root, no `-D` defines, the modules
    /// httpd has built in ([`crate::modules::ModuleDef::builtin`]) and the
    /// process environment.
    pub fn new(server_root: impl Into<PathBuf>) -> Self {
        ReadOptions {
            server_root: server_root.into(),
            defines: Vec::new(),
            modules: builtin_module_names(),
            env: None,
            pre_directives: Vec::new(),
            post_directives: Vec::new(),
        }
    }
}

/// The result of reading a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The top-level directives, in file order.
    pub directives: Vec<Directive>,
    /// The server root in effect at the end of reading (the last
    /// `ServerRoot` directive, or the one given in [`ReadOptions`]).
    pub server_root: PathBuf,
    /// The defined names at the end of reading, in definition order, with
    /// their values (`None` for a name defined without a value).
    pub defines: Vec<(String, Option<String>)>,
    /// Warnings issued while reading (undefined `${VAR}`s).
    pub warnings: Vec<Warning>,
}

/// The file name messages give for `-C`/`-c` directives (httpd's).
pub const COMMAND_LINE: &str = "-c/-C directives";

/// Reads the configuration file at `path` (relative to the server root if
/// relative, as httpd treats `-f`), following `Include`s and evaluating
/// `<IfDefine>`, `<IfModule>`, `<IfFile>`, `Define`, `UnDefine`,
/// `ServerRoot` and `${VAR}` as it goes.
///
/// Every bound above ([`MAX_NESTING`], [`MAX_FILE_LEN`] …) is enforced,
/// and only regular files are read.
pub fn read_config(path: &Path, opts: &ReadOptions) -> Result<Config, ConfigError> {
    read_config_in(&RealFs, path, opts)
}

/// Like [`read_config`], over the file system `fs`.
pub fn read_config_in(
    fs: &dyn ConfigFs,
    path: &Path,
    opts: &ReadOptions,
) -> Result<Config, ConfigError> {
    let mut r = Reader::new(opts, fs);
    let cmdline = Path::new(COMMAND_LINE);
    let mut directives = Vec::new();
    for d in &opts.pre_directives {
        directives.extend(r.read_text(d, cmdline)?);
    }
    let path = r.root_relative(path);
    r.include_plain(&path, false, &mut directives)?;
    for d in &opts.post_directives {
        directives.extend(r.read_text(d, cmdline)?);
    }
    Ok(r.finish(directives))
}

/// Like [`read_config`], with the main file's text given directly; `file`
/// is the name used in messages and in the tree.
pub fn read_config_str(text: &str, file: &Path, opts: &ReadOptions) -> Result<Config, ConfigError> {
    let mut r = Reader::new(opts, &RealFs);
    let directives = r.read_text(text, file)?;
    Ok(r.finish(directives))
}

struct Reader<'o> {
    opts: &'o ReadOptions,
    fs: &'o dyn ConfigFs,
    server_root: PathBuf,
    defines: Vec<(String, Option<String>)>,
    /// What `<IfModule>` sees: the options' modules plus those loaded so far.
    modules: Vec<String>,
    warnings: Vec<Warning>,
    /// Warnings not kept beyond [`MAX_WARNINGS`].
    warnings_dropped: usize,
    depth: usize,
    /// Directories (and wildcard components) being included, nested.
    dir_depth: usize,
    /// Sections open right now, across includes.
    nesting: usize,
    /// Bytes read from files so far.
    bytes_read: u64,
    /// Bytes of line text after substitution so far.
    expanded: usize,
    /// Directive lines processed so far.
    directives: usize,
    /// Files read and directory entries listed so far.
    files: usize,
}

struct FileCtx<'a> {
    path: PathBuf,
    lines: LineReader<'a>,
}

impl FileCtx<'_> {
    fn next(&mut self) -> Result<Option<Line>, ConfigError> {
        self.lines.next_line().map_err(|e| {
            ConfigError::file_level(
                &self.path,
                e.line,
                format!(
                    "Error reading {} at line {}: Line too long",
                    self.path.display(),
                    e.line
                ),
            )
        })
    }

    fn err(&self, line: usize, msg: impl Into<String>) -> ConfigError {
        ConfigError::read(&self.path, line, msg)
    }
}

fn append(stack: &mut [Directive], out: &mut Vec<Directive>, d: Directive) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(d),
        None => out.push(d),
    }
}

/// An upper bound of the number of words `split_words` finds in `s`.
fn word_starts(s: &str) -> usize {
    let mut n = 0;
    let mut in_space = true;
    for &b in s.as_bytes() {
        let space = super::tokenize::is_space(b as char);
        if in_space && !space {
            n += 1;
        }
        in_space = space;
    }
    n
}

/// Whether a path is longer than the system takes (`PATH_MAX`, or one
/// component longer than `NAME_MAX`).
fn name_too_long(p: &Path) -> bool {
    let b = p.as_os_str().as_encoded_bytes();
    b.len() >= libc::PATH_MAX as usize || b.split(|&c| c == b'/').any(|c| c.len() > 255)
}

fn is_end_tag(text: &str, container: &str) -> bool {
    text.len() == container.len() + 3
        && text.starts_with("</")
        && text.ends_with('>')
        && text
            .get(2..text.len() - 1)
            .is_some_and(|n| n.eq_ignore_ascii_case(container))
}

impl<'o> Reader<'o> {
    fn new(opts: &'o ReadOptions, fs: &'o dyn ConfigFs) -> Self {
        Reader {
            opts,
            fs,
            server_root: opts.server_root.clone(),
            defines: opts.defines.iter().map(|d| (d.clone(), None)).collect(),
            modules: opts.modules.clone(),
            warnings: Vec::new(),
            warnings_dropped: 0,
            depth: 0,
            dir_depth: 0,
            nesting: 0,
            bytes_read: 0,
            expanded: 0,
            directives: 0,
            files: 0,
        }
    }

    fn finish(mut self, directives: Vec<Directive>) -> Config {
        if self.warnings_dropped > 0 {
            let last = self.warnings.last().cloned();
            if let Some(last) = last {
                self.warnings.push(Warning {
                    message: format!(
                        "{} more warnings like these were not shown",
                        self.warnings_dropped
                    ),
                    ..last
                });
            }
        }
        Config {
            directives,
            server_root: self.server_root,
            defines: self.defines,
            warnings: self.warnings,
        }
    }

    fn is_dir(&self, p: &Path) -> bool {
        matches!(self.fs.kind(p), Ok(Kind::Dir))
    }

    /// Counts `n` more files or directory entries against [`MAX_FILES`].
    fn count_files(&mut self, n: usize, at: &Path) -> Result<(), ConfigError> {
        self.files = self.files.saturating_add(n);
        if self.files > MAX_FILES {
            return Err(ConfigError::file_level(
                at,
                0,
                format!(
                    "Could not open configuration file {}: more than {MAX_FILES} files and \
                     directory entries in one configuration (spoor's limit)",
                    at.display()
                ),
            ));
        }
        Ok(())
    }

    /// Opens one more section at line `n`, refusing it past
    /// [`MAX_NESTING`].
    fn open_section(&mut self, fc: &FileCtx, n: usize, name: &str) -> Result<(), ConfigError> {
        if self.nesting >= MAX_NESTING {
            return Err(fc.err(
                n,
                format!(
                    "<{}> nested too deeply: at most {MAX_NESTING} sections may be open at \
                     once (spoor's limit)",
                    canonical(name)
                ),
            ));
        }
        self.nesting += 1;
        Ok(())
    }

    fn root_relative(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.server_root.join(p)
        }
    }

    fn is_defined(&self, name: &str) -> bool {
        self.defines.iter().any(|(n, _)| n == name)
    }

    fn lookup(&self, name: &str) -> Option<String> {
        let defined = self
            .defines
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.clone());
        defined.or_else(|| match &self.opts.env {
            Some(env) => env.get(name).cloned(),
            None => std::env::var(name).ok(),
        })
    }

    /// Replaces `${NAME}` with the define's value or the environment
    /// variable; an unknown name is left as written, with httpd's AH00111
    /// warning. Substituted text is not scanned again.
    ///
    /// The result may not be longer than [`super::MAX_LINE_LEN`], and all
    /// results together not longer than [`MAX_EXPANDED_LEN`].
    fn substitute(&mut self, s: &str, fc: &FileCtx, line: usize) -> Result<String, ConfigError> {
        let too_long = |fc: &FileCtx| {
            fc.err(
                line,
                format!(
                    "Line too long after ${{}} substitution: more than {MAX_LINE_LEN} bytes \
                     (spoor's limit)"
                ),
            )
        };
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let Some(end) = after.find('}') else {
                // No `}` anywhere after: nothing more can be substituted.
                rest = &rest[i..];
                break;
            };
            let name = &after[..end];
            if let Some(v) = self.lookup(name) {
                if out.len() + v.len() > MAX_LINE_LEN {
                    return Err(too_long(fc));
                }
                out.push_str(&v);
                rest = &after[end + 1..];
                continue;
            }
            if self.warnings.len() < MAX_WARNINGS {
                self.warnings.push(Warning {
                    file: fc.path.clone(),
                    line,
                    message: format!("AH00111: Config variable ${{{name}}} is not defined"),
                });
            } else {
                self.warnings_dropped += 1;
            }
            out.push('$');
            rest = &rest[i + 1..];
        }
        if out.len() + rest.len() > MAX_LINE_LEN {
            return Err(too_long(fc));
        }
        out.push_str(rest);
        self.charge(fc, line, out.len())?;
        Ok(out)
    }

    /// Counts `bytes` more against [`MAX_EXPANDED_LEN`].
    fn charge(&mut self, fc: &FileCtx, line: usize, bytes: usize) -> Result<(), ConfigError> {
        self.expanded = self.expanded.saturating_add(bytes);
        if self.expanded > MAX_EXPANDED_LEN {
            return Err(fc.err(
                line,
                format!(
                    "The configuration's directives take more than {MAX_EXPANDED_LEN} bytes \
                     after ${{}} substitution (spoor's limit)"
                ),
            ));
        }
        Ok(())
    }

    fn read_text(&mut self, text: &str, file: &Path) -> Result<Vec<Directive>, ConfigError> {
        let mut fc = FileCtx {
            path: file.to_path_buf(),
            lines: LineReader::new(text),
        };
        self.build(&mut fc, None)
    }

    fn read_file(&mut self, path: &Path) -> Result<Vec<Directive>, ConfigError> {
        self.count_files(1, path)?;
        let left = MAX_TOTAL_LEN - self.bytes_read;
        let cant = |why: String| {
            ConfigError::file_level(
                path,
                0,
                format!(
                    "Could not open configuration file {}: {why}",
                    path.display()
                ),
            )
        };
        let bytes = match self.fs.read(path, MAX_FILE_LEN.min(left)) {
            Ok(b) => b,
            Err(ReadError::Io(e)) => return Err(cant(os_error_text(&e))),
            // httpd logs AH00554 and then fails the file with EBADF; one
            // line says both here.
            Err(ReadError::NotRegular) => {
                return Err(cant(format!(
                    "AH00554: Access to file {} denied by server: not a regular file",
                    path.display()
                )))
            }
            Err(ReadError::TooLarge) if left < MAX_FILE_LEN => {
                return Err(cant(format!(
                    "the configuration's files hold more than {MAX_TOTAL_LEN} bytes together \
                     (spoor's limit)"
                )))
            }
            Err(ReadError::TooLarge) => {
                return Err(cant(format!(
                    "larger than {MAX_FILE_LEN} bytes (spoor's limit)"
                )))
            }
        };
        self.bytes_read += bytes.len() as u64;
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
                return Err(ConfigError::file_level(
                    path,
                    line,
                    format!(
                        "Error reading {} at line {line}: not valid UTF-8 (spoor reads \
                         configuration files as UTF-8)",
                        path.display()
                    ),
                ));
            }
        };
        self.read_text(&text, path)
    }

    /// Reads directives until end of file or, for the body of a true
    /// conditional section named `container`, until a line that is exactly
    /// its end tag while no section opened inside it is still open.
    fn build(
        &mut self,
        fc: &mut FileCtx,
        container: Option<&str>,
    ) -> Result<Vec<Directive>, ConfigError> {
        let mut out = Vec::new();
        let mut stack: Vec<Directive> = Vec::new();
        while let Some(line) = fc.next()? {
            let text = line.text.as_str();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            if let Some(c) = container {
                // httpd compares the raw line (before `${}` substitution).
                if stack.is_empty() && is_end_tag(text, c) {
                    return Ok(out);
                }
            }
            self.process(fc, &line, &mut stack, &mut out)?;
        }
        if container.is_some() {
            // httpd accepts a true conditional section left open at the end
            // of its file, and sections left open inside it (checked:
            // `<IfDefine !X>` / `<Bar>` at end of file gives no read error).
            while let Some(d) = stack.pop() {
                self.nesting -= 1;
                append(&mut stack, &mut out, d);
            }
            return Ok(out);
        }
        if let Some(outer) = stack.first() {
            let msg = stack
                .iter()
                .rev()
                .map(|d| {
                    format!(
                        "{}:{}: <{}> was not closed.",
                        d.file.display(),
                        d.line,
                        canonical(&d.name)
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            return Err(fc.err(outer.line, msg));
        }
        Ok(out)
    }

    fn process(
        &mut self,
        fc: &mut FileCtx,
        line: &Line,
        stack: &mut Vec<Directive>,
        out: &mut Vec<Directive>,
    ) -> Result<(), ConfigError> {
        let n = line.line;
        let text = self.substitute(&line.text, fc, n)?;
        let mut rest = text.as_str();
        let cmd = next_word(&mut rest);
        if cmd.is_empty() {
            // A line starting with `""`: httpd ignores it.
            return Ok(());
        }
        self.directives += 1;
        if self.directives > MAX_DIRECTIVES {
            return Err(fc.err(
                n,
                format!(
                    "more than {MAX_DIRECTIVES} directives in one configuration (spoor's limit)"
                ),
            ));
        }
        // Charged before the arguments are split: at most one word starts
        // at each space-to-non-space change.
        let words = word_starts(rest);
        self.charge(
            fc,
            n,
            fc.path.as_os_str().len() + words.saturating_mul(WORD_COST),
        )?;
        if let Some(inner) = cmd.strip_prefix("</") {
            let Some(parent) = stack.last() else {
                return Err(fc.err(n, format!("{cmd} without matching <{inner} section")));
            };
            let Some(inner) = inner.strip_suffix('>') else {
                return Err(fc.err(n, format!("{cmd}> directive missing closing '>'")));
            };
            if !inner.eq_ignore_ascii_case(&parent.name) {
                let msg = format!("Expected </{}> but saw {cmd}", canonical(&parent.name));
                return Err(fc.err(n, msg));
            }
            let done = stack.pop().expect("parent exists");
            self.nesting -= 1;
            append(stack, out, done);
            return Ok(());
        }
        if let Some(name) = cmd.strip_prefix('<') {
            let (name, stripped) = match name.strip_suffix('>') {
                Some(s) => (s, true),
                None => (name, false),
            };
            let raw = if stripped && rest.is_empty() {
                ">"
            } else {
                rest
            };
            for cond in ["IfDefine", "IfModule", "IfFile"] {
                if name.eq_ignore_ascii_case(cond) {
                    return self.conditional(fc, cond, raw, n, stack, out);
                }
            }
            self.open_section(fc, n, name)?;
            let d = Directive::new_section(name, raw.to_owned(), fc.path.clone(), n);
            stack.push(d);
            return Ok(());
        }
        let args = split_words(rest);
        let name = cmd.as_str();
        if name.eq_ignore_ascii_case("Define") {
            self.define(fc, n, &args)
        } else if name.eq_ignore_ascii_case("UnDefine") {
            if args.len() != 1 || args[0].is_empty() {
                return Err(fc.err(
                    n,
                    "UnDefine takes one argument, Undefine the existence of a variable. \
                     Undo a Define.",
                ));
            }
            self.defines.retain(|(d, _)| d != &args[0]);
            Ok(())
        } else if name.eq_ignore_ascii_case("Include")
            || name.eq_ignore_ascii_case("IncludeOptional")
        {
            let optional = name.eq_ignore_ascii_case("IncludeOptional");
            if args.len() != 1 || args[0].is_empty() {
                let msg = if optional {
                    "IncludeOptional takes one argument, Name or pattern of the config file(s) \
                     to be included; ignored if the file does not exist or the pattern does not \
                     match any files"
                } else {
                    "Include takes one argument, Name(s) of the config file(s) to be included; \
                     fails if the wildcard does not match at least one file"
                };
                return Err(fc.err(n, msg));
            }
            if self.depth >= MAX_INCLUDE_DEPTH {
                return Err(fc.err(
                    n,
                    format!(
                        "Exceeded maximum include depth of {MAX_INCLUDE_DEPTH}, There appears \
                         to be a recursion."
                    ),
                ));
            }
            let path = self.root_relative(Path::new(&args[0]));
            if name_too_long(&path) {
                // What the system would answer; checked before any pattern
                // matching, whose cost grows with the pattern.
                let e = io::Error::from_raw_os_error(libc::ENAMETOOLONG);
                return Err(fc.err(
                    n,
                    format!(
                        "Could not open configuration file {}: {}",
                        path.display(),
                        os_error_text(&e)
                    ),
                ));
            }
            let mut found = Vec::new();
            self.depth += 1;
            let r = if glob::has_wildcard(glob::INCLUDE, args[0].as_bytes()) {
                self.include_glob(&path, optional, &mut found)
            } else {
                self.include_plain(&path, optional, &mut found)
            };
            self.depth -= 1;
            r.map_err(|e| e.included_from(&fc.path, n))?;
            for d in found {
                append(stack, out, d);
            }
            Ok(())
        } else if name.eq_ignore_ascii_case("ServerRoot") {
            if args.len() != 1 || args[0].is_empty() {
                return Err(fc.err(
                    n,
                    "ServerRoot takes one argument, Common directory of server-related files \
                     (logs, confs, etc.)",
                ));
            }
            // httpd resolves a relative ServerRoot against the working
            // directory, not the previous server root (checked live).
            let p = Path::new(&args[0]);
            let p = if p.is_absolute() {
                p.to_path_buf()
            } else {
                std::env::current_dir().unwrap_or_default().join(p)
            };
            if !self.is_dir(&p) {
                return Err(fc.err(n, "ServerRoot must be a valid directory"));
            }
            self.server_root = p;
            Ok(())
        } else {
            if name.eq_ignore_ascii_case("LoadModule") && stack.is_empty() && args.len() == 2 {
                // The line itself is checked with the other directives
                // later; here it only makes the module visible from now on.
                if let Some(m) = module(&args[0]) {
                    for n in [m.ident, m.source] {
                        if !self.modules.iter().any(|k| k == n) {
                            self.modules.push(n.to_owned());
                        }
                    }
                }
            }
            let d = Directive {
                name: cmd.clone(),
                args,
                raw_args: rest.to_owned(),
                file: fc.path.clone(),
                line: n,
                section: false,
                children: Vec::new(),
            };
            append(stack, out, d);
            Ok(())
        }
    }

    fn define(&mut self, fc: &FileCtx, n: usize, args: &[String]) -> Result<(), ConfigError> {
        if args.is_empty() || args.len() > 2 || args[0].is_empty() {
            return Err(fc.err(
                n,
                "Define takes 1-2 arguments, Define a variable, optionally to a value.  \
                 Same as passing -D to the command line.",
            ));
        }
        let name = &args[0];
        if name.contains(':') {
            return Err(fc.err(n, "Variable name must not contain ':'"));
        }
        // An empty value counts as no value, and defining a name again
        // without a value keeps its old value (checked with DUMP_RUN_CFG).
        let value = args.get(1).filter(|v| !v.is_empty()).cloned();
        let full = self.defines.len() >= MAX_DEFINES;
        match self.defines.iter_mut().find(|(d, _)| d == name) {
            Some(entry) => {
                if value.is_some() {
                    entry.1 = value;
                }
            }
            None if full => {
                return Err(fc.err(
                    n,
                    format!("more than {MAX_DEFINES} names defined at once (spoor's limit)"),
                ))
            }
            None => self.defines.push((name.clone(), value)),
        }
        Ok(())
    }

    /// `<IfDefine>`, `<IfModule>`, `<IfFile>`: the test is the first word
    /// before the last `>`, negated by a `!` directly at the start.
    fn conditional(
        &mut self,
        fc: &mut FileCtx,
        which: &str,
        raw: &str,
        n: usize,
        stack: &mut [Directive],
        out: &mut Vec<Directive>,
    ) -> Result<(), ConfigError> {
        let Some(end) = raw.rfind('>') else {
            return Err(fc.err(n, section_missing_bracket_message(which)));
        };
        let mut a = &raw[..end];
        let negate = a.starts_with('!');
        if negate {
            a = &a[1..];
        }
        let word = next_word(&mut a);
        if word.is_empty() {
            return Err(fc.err(n, section_missing_args_message(which)));
        }
        let present = match which {
            "IfDefine" => self.is_defined(&word),
            "IfModule" => self.modules.contains(&word),
            _ => self.fs.kind(&self.root_relative(Path::new(&word))).is_ok(),
        };
        self.open_section(fc, n, which)?;
        if present != negate {
            for d in self.build(fc, Some(which))? {
                append(stack, out, d);
            }
        } else {
            self.soak(fc, which, n)?;
        }
        self.nesting -= 1;
        Ok(())
    }

    /// Skips the body of a false conditional section, checking only that
    /// sections inside it nest properly. Errors name the line of the
    /// conditional section that started the skipping, as httpd's do.
    ///
    /// The sections inside count against [`MAX_NESTING`] as open ones do
    /// (the section itself was counted by the caller).
    fn soak(&mut self, fc: &mut FileCtx, name: &str, at: usize) -> Result<(), ConfigError> {
        // The names of the sections open inside the skipped body, innermost
        // last, below the conditional section itself.
        let mut open: Vec<String> = vec![name.to_owned()];
        while let Some(top) = open.last() {
            let Some(line) = fc.next()? else {
                return Err(fc.err(at, format!("Expected </{top}> before end of configuration")));
            };
            let t = line.text.as_str();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let mut r = t;
            let w = next_word(&mut r);
            if let Some(inner) = w.strip_prefix("</") {
                // httpd drops the last character of the word, whatever it
                // is (`</IfDefine foo>` is seen as `</IfDefin>`).
                let mut inner = inner.to_owned();
                inner.pop();
                if !inner.eq_ignore_ascii_case(top) {
                    return Err(fc.err(at, format!("Expected </{top}> but saw </{inner}>")));
                }
                open.pop();
            } else if let Some(inner) = w.strip_prefix('<') {
                let inner = inner.strip_suffix('>').unwrap_or(inner);
                if self.nesting + open.len() > MAX_NESTING {
                    return Err(fc.err(
                        line.line,
                        format!(
                            "<{}> nested too deeply: at most {MAX_NESTING} sections may be \
                             open at once (spoor's limit)",
                            canonical(inner)
                        ),
                    ));
                }
                open.push(inner.to_owned());
            }
        }
        Ok(())
    }

    /// Includes a path without wildcards: a file is read; a directory has
    /// all its entries (hidden ones too) included in byte order,
    /// recursively.
    fn include_plain(
        &mut self,
        path: &Path,
        optional: bool,
        out: &mut Vec<Directive>,
    ) -> Result<(), ConfigError> {
        match self.fs.kind(path) {
            Ok(Kind::Dir) => {
                let mut names = self.list_dir(path).map_err(|e| {
                    ConfigError::file_level(
                        path,
                        0,
                        format!(
                            "Could not open config directory {}: {}",
                            path.display(),
                            os_error_text(&e)
                        ),
                    )
                })?;
                self.count_files(names.len(), path)?;
                names.sort();
                self.deeper(path)?;
                for name in names {
                    self.include_plain(&path.join(name), optional, out)?;
                }
                self.dir_depth -= 1;
                Ok(())
            }
            Err(e) if optional && e.kind() == io::ErrorKind::NotFound => Ok(()),
            _ => {
                out.extend(self.read_file(path)?);
                Ok(())
            }
        }
    }

    /// Includes a path whose components may hold wildcards. The first
    /// wildcard component is matched against its directory (only
    /// directories match when more components follow); the matches are
    /// processed in byte order.
    fn include_glob(
        &mut self,
        path: &Path,
        optional: bool,
        out: &mut Vec<Directive>,
    ) -> Result<(), ConfigError> {
        let text = path.to_string_lossy().into_owned();
        let comps: Vec<&str> = text.split('/').collect();
        let Some(k) = comps
            .iter()
            .position(|c| glob::has_wildcard(glob::INCLUDE, c.as_bytes()))
        else {
            return self.include_plain(path, optional, out);
        };
        let dir = match comps[..k].join("/") {
            d if d.is_empty() => "/".to_owned(),
            d => d,
        };
        let pattern = comps[k];
        let rest = comps[k + 1..].join("/");
        let dir_path = PathBuf::from(&dir);
        let names = match self.list_dir(&dir_path) {
            Ok(n) => n,
            Err(_) if optional => return Ok(()),
            Err(e) => {
                return Err(ConfigError::file_level(
                    &dir_path,
                    0,
                    format!(
                        "Include/IncludeOptional: Could not open directory {dir}: {}",
                        os_error_text(&e)
                    ),
                ))
            }
        };
        self.count_files(names.len(), &dir_path)?;
        let mut matched: Vec<String> = names
            .into_iter()
            .filter(|n| glob::matches(glob::INCLUDE, pattern.as_bytes(), n.as_bytes()))
            .filter(|n| rest.is_empty() || self.is_dir(&dir_path.join(n)))
            .collect();
        matched.sort();
        if matched.is_empty() {
            if optional {
                return Ok(());
            }
            return Err(ConfigError::file_level(
                &dir_path,
                0,
                format!("Include/IncludeOptional: No matches for the wildcard '{pattern}' in '{dir}', failing"),
            ));
        }
        self.deeper(&dir_path)?;
        for name in matched {
            let p = dir_path.join(&name);
            if rest.is_empty() {
                self.include_plain(&p, optional, out)?;
            } else {
                self.include_glob(&p.join(&rest), optional, out)?;
            }
        }
        self.dir_depth -= 1;
        Ok(())
    }

    /// The names in a directory, without `.` and `..`, unsorted; at most
    /// one more than the files still allowed (the caller's count then
    /// fails).
    fn list_dir(&self, dir: &Path) -> io::Result<Vec<String>> {
        self.fs.list_dir(dir, MAX_FILES.saturating_sub(self.files))
    }

    /// One level deeper into directories or wildcard components, refused
    /// past [`MAX_DIR_DEPTH`].
    fn deeper(&mut self, at: &Path) -> Result<(), ConfigError> {
        if self.dir_depth >= MAX_DIR_DEPTH {
            return Err(ConfigError::file_level(
                at,
                0,
                format!(
                    "Directory {} exceeds the maximum include directory nesting level of \
                     {MAX_DIR_DEPTH}; there appears to be a recursion",
                    at.display()
                ),
            ));
        }
        self.dir_depth += 1;
        Ok(())
    }
}
