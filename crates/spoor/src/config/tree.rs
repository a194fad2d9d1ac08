//! The directive tree produced by the reader.

use std::path::PathBuf;

use super::tokenize::split_words;

/// One directive or section of the configuration.
///
/// `Define`, `UnDefine`, `Include`, `IncludeOptional`, `ServerRoot`,
/// `<IfDefine>` and `<IfModule>` are carried out while reading (as httpd
/// does) and never appear in the tree; the contents of a true `<IfDefine>`
/// / `<IfModule>` and of included files appear in their place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// The name as written, without the `<` of a section
    /// (`"VirtualHost"` for `<VirtualHost *:80>`). Compare it
    /// case-insensitively, e.g. with [`Directive::is`].
    pub name: String,
    /// The arguments after `${VAR}` substitution and word splitting. For a
    /// section, only the text before its last `>` is split.
    pub args: Vec<String>,
    /// The argument text after `${VAR}` substitution, before splitting
    /// (httpd's raw argument string; for a section it still ends in `>`).
    pub raw_args: String,
    /// The file the directive was read from.
    pub file: PathBuf,
    /// The 1-based line number (the last physical line of a continued
    /// line, as httpd reports it).
    pub line: usize,
    /// Whether this is a section (`<Name …>` … `</Name>`).
    pub section: bool,
    /// The directives inside a section, in order (always empty for plain
    /// directives).
    pub children: Vec<Directive>,
}

impl Directive {
    /// A plain directive with the given arguments (its `raw_args` is the
    /// arguments joined by spaces).
    pub fn new(name: impl Into<String>, args: Vec<String>, file: PathBuf, line: usize) -> Self {
        Directive {
            name: name.into(),
            raw_args: args.join(" "),
            args,
            file,
            line,
            section: false,
            children: Vec::new(),
        }
    }

    /// A section node from its name (without `<`) and raw argument text
    /// (normally ending in `>`); the arguments are the words before the
    /// last `>`.
    pub fn new_section(
        name: impl Into<String>,
        raw_args: String,
        file: PathBuf,
        line: usize,
    ) -> Self {
        let args = match raw_args.rfind('>') {
            Some(i) => split_words(&raw_args[..i]),
            None => split_words(&raw_args),
        };
        Directive {
            name: name.into(),
            args,
            raw_args,
            file,
            line,
            section: true,
            children: Vec::new(),
        }
    }

    /// Whether the directive is called `name` (ASCII case-insensitive, as
    /// httpd matches directive names). Give section names without `<`.
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// The name as httpd's command table knows it: `<Name` for a section,
    /// `Name` otherwise (this is how httpd names it in "Invalid command").
    pub fn command_name(&self) -> String {
        if self.section {
            format!("<{}", self.name)
        } else {
            self.name.clone()
        }
    }

    /// For a section: whether its argument text lacks the closing `>`
    /// (httpd's section handlers then fail with
    /// [`section_missing_bracket_message`]).
    pub fn missing_closing_bracket(&self) -> bool {
        self.section && !self.raw_args.contains('>')
    }

    /// Calls `f` on this directive and everything below it, depth first in
    /// file order; stops at the first error.
    pub fn walk<E>(&self, f: &mut impl FnMut(&Directive) -> Result<(), E>) -> Result<(), E> {
        f(self)?;
        for c in &self.children {
            c.walk(f)?;
        }
        Ok(())
    }
}

/// httpd's message for a section whose arguments lack the closing `>`:
/// `<VirtualHost> directive missing closing '>'` (give the canonical name
/// without `<`).
pub fn section_missing_bracket_message(canonical: &str) -> String {
    format!("<{canonical}> directive missing closing '>'")
}

/// httpd's message for a section with nothing before its `>`:
/// `<VirtualHost> directive requires additional arguments`.
pub fn section_missing_args_message(canonical: &str) -> String {
    format!("<{canonical}> directive requires additional arguments")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::error::check_known_directives;

    fn plain(name: &str, line: usize) -> Directive {
        Directive::new(name, vec![], PathBuf::from("t.conf"), line)
    }

    #[test]
    fn section_args_stop_at_last_bracket() {
        // httpd's section handlers cut the argument text at its last `>`
        // (`<VirtualHost *:80>x` is accepted, checked with apache2 -t).
        let s = Directive::new_section("VirtualHost", "*:80 \"a b\">x".into(), "f".into(), 1);
        assert_eq!(s.args, vec!["*:80", "a b"]);
        assert!(!s.missing_closing_bracket());
        let s = Directive::new_section("VirtualHost", "*:80".into(), "f".into(), 1);
        assert!(s.missing_closing_bracket());
        assert_eq!(s.args, vec!["*:80"]);
    }

    #[test]
    fn unknown_directive_is_reported_in_file_order() {
        // AH00526 ... Invalid command '<Foo', ... (apache2 -t on
        // `<Foo bar>` / `</Foo>`).
        let mut sec = Directive::new_section("Foo", "bar>".into(), "t.conf".into(), 3);
        sec.children.push(plain("Bad", 4));
        let tree = vec![plain("LogFormat", 1), sec, plain("Other", 6)];
        let e = check_known_directives(&tree, &["logformat", "Other", "Bad"]).unwrap_err();
        assert_eq!(e.line(), 3);
        assert!(e.to_string().ends_with(
            "\nInvalid command '<Foo', perhaps misspelled or defined by a module not \
             included in the server configuration"
        ));
        let e = check_known_directives(&tree, &["logformat", "<foo", "Other"]).unwrap_err();
        assert_eq!(e.line(), 4);
        assert!(e.message().starts_with("Invalid command 'Bad',"));
        check_known_directives(&tree, &["LOGFORMAT", "<Foo", "bad", "other"]).unwrap();
    }

    #[test]
    fn section_messages() {
        assert_eq!(
            section_missing_bracket_message("VirtualHost"),
            "<VirtualHost> directive missing closing '>'"
        );
        assert_eq!(
            section_missing_args_message("VirtualHost"),
            "<VirtualHost> directive requires additional arguments"
        );
    }
}
